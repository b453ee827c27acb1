//! Writes the threat cases under `tests/data/<what-is-wrong>/`.
//!
//! Usage: `cargo run -p modelseal-tests --bin gen-test-data [DIR]`
//! (default: the `data` folder next to this crate). The `threats` test
//! fails when the committed files differ from what this writes.

use modelseal_tests::cases::{cases, data_dir};
use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(data_dir);
    let cases = cases();
    for case in &cases {
        let d = dir.join(case.name);
        std::fs::create_dir_all(&d)?;
        for (name, bytes) in case.files() {
            std::fs::write(d.join(name), bytes)?;
        }
    }
    println!("wrote {} cases to {}", cases.len(), dir.display());
    Ok(())
}
