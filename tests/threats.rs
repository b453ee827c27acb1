//! One test per threat: each case under `tests/data/<what-is-wrong>/` must
//! get exactly its expected verdict, in memory and through a reader.

use modelseal_tests::cases::{Case, PolicySpec, cases};
use modelseal_tests::expect_text;
use std::path::Path;

fn data_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

#[test]
fn committed_data_matches_the_generator() {
    let mut stale = Vec::new();
    for case in cases() {
        let d = data_dir().join(case.name);
        let mut want = vec![
            ("root.msr", case.root.clone()),
            ("bundle.msb", case.bundle.clone()),
            ("policy.txt", case.policy.to_text().into_bytes()),
            ("expect.txt", expect_text(&case).into_bytes()),
        ];
        if let Some(c) = &case.config {
            want.push(("config.msb", c.clone()));
        }
        for (name, bytes) in want {
            if std::fs::read(d.join(name)).ok().as_deref() != Some(&bytes[..]) {
                stale.push(format!("{}/{name}", case.name));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "tests/data is stale (run `cargo run -p modelseal-tests --bin gen-test-data`): {stale:?}"
    );
}

#[test]
fn every_case_gets_exactly_its_verdict_from_the_committed_files() {
    let mut n = 0;
    let mut entries: Vec<_> = std::fs::read_dir(data_dir())
        .expect("tests/data")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let d = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let read = |f: &str| std::fs::read(d.join(f)).unwrap_or_else(|e| panic!("{name}/{f}: {e}"));
        let expect = String::from_utf8(read("expect.txt")).expect("utf-8");
        let verdict = expect.lines().next().expect("verdict line").to_owned();
        let case = Case {
            name: "from-disk",
            about: "",
            root: read("root.msr"),
            policy: PolicySpec::from_text(&String::from_utf8(read("policy.txt")).expect("utf-8"))
                .unwrap_or_else(|| panic!("{name}/policy.txt does not parse")),
            bundle: read("bundle.msb"),
            config: std::fs::read(d.join("config.msb")).ok(),
            expect: None,
        };
        let got = match case.run() {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("{e:?}"),
        };
        assert_eq!(got, verdict, "case {name}");
        n += 1;
    }
    assert_eq!(
        n,
        cases().len(),
        "every generated case has a folder and no folder is left over"
    );
    println!("{n} threat cases verified");
}

#[test]
fn every_case_gets_exactly_its_verdict_in_memory() {
    let wrong: Vec<String> = cases()
        .into_iter()
        .filter_map(|case| {
            let got = case.run().err();
            (got != case.expect)
                .then(|| format!("{}: expected {:?}, got {got:?}", case.name, case.expect))
        })
        .collect();
    assert!(wrong.is_empty(), "{wrong:#?}");
}
