//! Writes the threat cases under `tests/data/<what-is-wrong>/`.
//!
//! Usage: `cargo run -p modelseal-tests --bin gen-test-data [DIR]`
//! (default: the `data` folder next to this crate). The `threats` test
//! fails when the committed files differ from what this writes.

use modelseal_tests::cases::{Case, cases};
use std::path::{Path, PathBuf};

fn files(case: &Case) -> Vec<(&'static str, Vec<u8>)> {
    let mut f = vec![
        ("root.msr", case.root.clone()),
        ("bundle.msb", case.bundle.clone()),
        ("policy.txt", case.policy.to_text().into_bytes()),
        (
            "expect.txt",
            modelseal_tests::expect_text(case).into_bytes(),
        ),
    ];
    if let Some(c) = &case.config {
        f.push(("config.msb", c.clone()));
    }
    f
}

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("data"));
    for case in cases() {
        let d = dir.join(case.name);
        std::fs::create_dir_all(&d)?;
        for (name, bytes) in files(&case) {
            std::fs::write(d.join(name), bytes)?;
        }
    }
    println!("wrote {} cases to {}", cases().len(), dir.display());
    Ok(())
}
