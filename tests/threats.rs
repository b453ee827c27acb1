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

use modelseal_core::Error;
use modelseal_core::inspect::UnauthenticatedHead;
use modelseal_tests::*;

/// Every boundary of the container of a rotation bundle: header fields,
/// each envelope's header, document and signature entries, the padding,
/// each payload's first and last byte.
fn boundaries(b: &[u8]) -> Vec<usize> {
    let h = UnauthenticatedHead::parse(b).unwrap();
    let mut cuts = vec![0, 1, 7, 8, 10, 11, 12, 15, 16];
    let mut pos = 16;
    let envs: Vec<_> = h
        .chain()
        .chain(std::iter::once(*h.manifest_envelope()))
        .collect();
    for env in envs {
        let doc_end = pos + 16 + env.doc().len();
        cuts.extend([pos + 8, pos + 12, pos + 16, doc_end - 1, doc_end]);
        for i in 0..env.signature_count() {
            cuts.extend([doc_end + 96 * i + 32, doc_end + 96 * (i + 1) - 1]);
        }
        pos += env.len();
    }
    assert_eq!(pos, h.head_len());
    let m = h.manifest_unauthenticated().unwrap();
    let (offsets, end) =
        modelseal_tests::layout(h.head_len(), m.artifacts().unwrap().map(|a| a.size)).unwrap();
    cuts.push(h.head_len());
    for (off, a) in offsets.iter().zip(m.artifacts().unwrap()) {
        cuts.extend([
            *off as usize - 1,
            *off as usize,
            (*off + a.size) as usize - 1,
        ]);
    }
    assert_eq!(end as usize, b.len());
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn truncation_at_every_container_boundary_is_refused() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "valid-rotation")
        .unwrap();
    let cuts = boundaries(&case.bundle);
    let policy = case.policy.to_policy().unwrap();
    for &cut in &cuts {
        assert_eq!(
            verify(&case.root, &policy, &case.bundle[..cut]).unwrap_err(),
            Error::Truncated,
            "cut at {cut}"
        );
    }
    println!("{} truncation points, all Truncated", cuts.len());
}

#[test]
fn every_bit_flip_inside_signed_documents_and_signatures_is_a_signature_failure() {
    // A rotation bundle: root envelope, then manifest envelope.
    let case = cases()
        .into_iter()
        .find(|c| c.name == "valid-rotation")
        .unwrap();
    let b = &case.bundle;
    let policy = case.policy.to_policy().unwrap();
    let h = UnauthenticatedHead::parse(b).unwrap();
    let mut pos = 16;
    let mut flips = 0;
    let envs: Vec<_> = h
        .chain()
        .chain(std::iter::once(*h.manifest_envelope()))
        .collect();
    for env in envs {
        // Document and signature entries: everything after the 16-byte header.
        for byte in pos + 16..pos + env.len() {
            for bit in 0..8 {
                let mut t = b.clone();
                t[byte] ^= 1 << bit;
                assert_eq!(
                    verify_in_memory(&case.root, &policy, &t).unwrap_err(),
                    Error::SignatureRejected,
                    "byte {byte} bit {bit}"
                );
                flips += 1;
            }
        }
        // Header: rejected, each with its own framing error.
        for byte in pos..pos + 16 {
            for bit in 0..8 {
                let mut t = b.clone();
                t[byte] ^= 1 << bit;
                assert!(
                    verify_in_memory(&case.root, &policy, &t).is_err(),
                    "header byte {byte} bit {bit}"
                );
                flips += 1;
            }
        }
        pos += env.len();
    }
    println!("{flips} single-bit flips of two signed envelopes, all rejected");
}

#[test]
fn bit_flips_in_a_sample_of_artifact_bytes_are_refused() {
    let b = standard_bundle();
    let root = provisioned_root();
    let pol = policy();
    let h = UnauthenticatedHead::parse(&b).unwrap();
    let m = h.manifest_unauthenticated().unwrap();
    let (offsets, _) =
        modelseal_tests::layout(h.head_len(), m.artifacts().unwrap().map(|a| a.size)).unwrap();
    let mut n = 0;
    for (off, a) in offsets.iter().zip(m.artifacts().unwrap()) {
        let len = a.size as usize;
        let sample: Vec<usize> = [0, 1, len / 2, len - 2, len - 1]
            .into_iter()
            .chain((0..16).map(|i| (i * 7919) % len))
            .collect();
        for at in sample {
            for bit in [0, 3, 7] {
                let mut t = b.clone();
                t[*off as usize + at] ^= 1 << bit;
                assert_eq!(
                    verify(&root, &pol, &t).unwrap_err(),
                    Error::ArtifactDigestMismatch
                );
                n += 1;
            }
        }
    }
    println!("{n} artifact bit flips, all ArtifactDigestMismatch");
}
