//! Every fuzz harness over every committed corpus file and every saved
//! finding: what the fuzzer once found stays fixed.

use std::path::Path;

fn run(target: &str, harness: fn(&[u8])) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for sub in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(sub).join(target)) else {
            continue;
        };
        for e in entries.flatten() {
            let bytes = std::fs::read(e.path()).expect("corpus file");
            harness(&bytes);
            n += 1;
        }
    }
    println!("{target}: {n} inputs");
    assert!(n > 0, "no corpus for {target}");
}

#[test]
fn bundle() {
    run("bundle", modelseal_tests::fuzz::bundle_bytes);
}
#[test]
fn manifest() {
    run("manifest", modelseal_tests::fuzz::manifest_doc);
}
#[test]
fn root() {
    run("root", modelseal_tests::fuzz::root_doc);
}
#[test]
fn identity() {
    run("identity", modelseal_tests::fuzz::identity_record);
}
#[test]
fn report() {
    run("report", modelseal_tests::fuzz::version_report);
}
#[test]
fn streaming() {
    run("streaming", modelseal_tests::fuzz::streaming);
}
#[test]
fn verity() {
    run("verity", modelseal_tests::fuzz::verity);
}
