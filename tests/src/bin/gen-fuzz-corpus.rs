//! Writes seed corpora for the fuzz targets under `fuzz/corpus/<target>/`:
//! valid and invalid documents of every kind, from the threat cases.
//!
//! Usage: `cargo run -p modelseal-tests --bin gen-fuzz-corpus [DIR]`.

use modelseal_core::unverified::UnauthenticatedHead;
use modelseal_tests::cases::cases;
use std::path::{Path, PathBuf};

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus"));
    let write = |target: &str, name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let d = dir.join(target);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join(format!("seed-{name}")), bytes)
    };
    let mut n = 0;
    for case in cases() {
        // Bundles: the head only for large ones, so seeds stay small.
        let head_len = modelseal_core::bundle::BundleHeader::parse(&case.bundle)
            .map(|h| h.head_len())
            .unwrap_or(case.bundle.len());
        let b = if case.bundle.len() > 64 * 1024 {
            &case.bundle[..head_len.min(case.bundle.len())]
        } else {
            &case.bundle[..]
        };
        write("bundle", case.name, b)?;
        if let Ok(h) = UnauthenticatedHead::parse(&case.bundle) {
            if h.manifest_envelope().doc().len() < 64 * 1024 {
                write("manifest", case.name, h.manifest_envelope().doc())?;
            }
            for (i, env) in h.chain().enumerate() {
                write("root", &format!("{}-{i}", case.name), env.doc())?;
            }
        }
        if let Ok(env) = modelseal_core::envelope::Envelope::parse(&case.root) {
            write("root", &format!("{}-provisioned", case.name), env.doc())?;
        }
        if let Ok(v) = case.run() {
            write("identity", case.name, &v.identity)?;
        }
        n += 1;
    }
    for (i, s) in [
        &[0u8; 16][..],
        &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
        &[255; 24],
        &[3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5],
    ]
    .iter()
    .enumerate()
    {
        write("streaming", &format!("{i}"), s)?;
    }
    for (name, r) in modelseal_tests::reports::standard_reports() {
        write("report", &name, &r)?;
    }
    println!("wrote seeds from {n} cases to {}", dir.display());
    Ok(())
}
