//! Writes the extra bundles the C example tests need, built with the same
//! deterministic fixtures as `tests/data` (`modelseal-tests`):
//!
//! - `root.msr`: the provisioned root (version 1);
//! - `valid/bundle.msb`: the standard component bundle (counter 7);
//! - `older/bundle.msb`: the same component with security counter 3, for a
//!   rollback once counter 7 was installed;
//! - `other-hardware/bundle.msb`: a validly signed bundle for hardware
//!   `HW-RC-0001` only;
//! - `twin/bundle.msb`: another bundle at the standard bundle's counter (7),
//!   with a different version string: equal counter, different bundle;
//! - `backlog/bundle.msb`: a release whose chain carries roots v5 to v12
//!   (too far ahead for a device on v1) and `backlog/root-update.msu`, the
//!   root update (v2 to v9) that lets the device catch up.
//!
//! Usage: `cargo run -p modelseal-ffi --example gen-c-fixtures -- <dir>`

use modelseal_tests::{
    bundle, component_manifest, payload_bytes, payloads, provisioned_root, same_keys_chain,
    standard_bundle,
};
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "c-fixtures".into()),
    );
    let p = payloads();
    let bytes = payload_bytes(&p);
    let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();

    let mut older = component_manifest(&p);
    older.head.security_counter = 3;
    let mut other = component_manifest(&p);
    other.target.hardware_ids = vec!["HW-RC-0001".into()];
    let mut twin = component_manifest(&p);
    twin.head.version = format!("{}-twin", twin.head.version);

    let chain = same_keys_chain(2..=12);
    let (update, _) = modelseal::rootfile::root_update(&provisioned_root(), &chain[..8])
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let release = bundle(&chain[3..], &component_manifest(&p), &["c1", "c2"], &refs);

    let files = [
        ("root.msr", provisioned_root()),
        ("valid/bundle.msb", standard_bundle()),
        (
            "older/bundle.msb",
            bundle(&[], &older, &["c1", "c2"], &refs),
        ),
        (
            "other-hardware/bundle.msb",
            bundle(&[], &other, &["c1", "c2"], &refs),
        ),
        ("twin/bundle.msb", bundle(&[], &twin, &["c1", "c2"], &refs)),
        ("backlog/bundle.msb", release),
        ("backlog/root-update.msu", update),
    ];
    for (name, data) in files {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, data)?;
    }
    println!("wrote the C example fixtures to {}", dir.display());
    Ok(())
}
