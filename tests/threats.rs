//! One test per threat: each case under `tests/data/<what-is-wrong>/` must
//! get exactly its expected verdict, in memory and through a reader.

use modelseal_tests::PolicySpec;
use modelseal_tests::cases::{Case, case, cases, data_dir};

#[test]
fn committed_data_matches_the_generator() {
    let mut stale = Vec::new();
    for case in cases() {
        let d = data_dir().join(case.name);
        for (name, bytes) in case.files() {
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

/// The host's `verify` (payloads checked on every core, sessions joined)
/// gives every case the core's verdict: the same error variant, or the
/// same identity record.
#[test]
fn host_verify_gives_every_case_the_cores_verdict() {
    let dir = std::env::temp_dir().join(format!("modelseal-threats-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut wrong = Vec::new();
    let mut n = 0;
    for case in cases() {
        let Ok(policy) = case.device_policy() else {
            continue;
        };
        let path = dir.join(format!("{}.msb", case.name));
        std::fs::write(&path, &case.bundle).expect("write");
        let core = case.run();
        let host = modelseal::verify::verify_file(&path, &case.root, policy, None);
        let same = match (&core, &host) {
            (Ok(c), Ok(h)) => c.identity == h.identity_record,
            // The same verdict, with or without the expected-and-found
            // detail the host adds to a policy refusal.
            (
                Err(c),
                Err(
                    modelseal::Error::Verify { source, .. }
                    | modelseal::Error::Refused { source, .. },
                ),
            ) => c == source,
            _ => false,
        };
        if !same {
            wrong.push(format!(
                "{}: core {:?}, host {:?}",
                case.name,
                core.map(|_| "ok"),
                host.map(|_| "ok")
            ));
        }
        n += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(wrong.is_empty(), "{wrong:#?}");
    println!("{n} threat cases, the host's verdict is the core's");
}

use modelseal_core::Error;
use modelseal_core::envelope::Envelope;
use modelseal_core::unverified::UnauthenticatedHead;
use modelseal_tests::*;

/// The envelopes of a bundle's head in order: the rotation chain, then the
/// manifest.
fn envelopes<'a>(h: &UnauthenticatedHead<'a>) -> Vec<Envelope<'a>> {
    h.chain()
        .chain(std::iter::once(*h.manifest_envelope()))
        .collect()
}

/// Every boundary of the container of a rotation bundle: header fields,
/// each envelope's header, document and signature entries, the padding,
/// each payload's first and last byte.
fn boundaries(b: &[u8]) -> Vec<usize> {
    let h = UnauthenticatedHead::parse(b).unwrap();
    let mut cuts = vec![0, 1, 7, 8, 10, 11, 12, 15, 16];
    let mut pos = 16;
    for env in envelopes(&h) {
        let doc_end = pos + 16 + env.doc().len();
        cuts.extend([pos + 8, pos + 12, pos + 16, doc_end - 1, doc_end]);
        for i in 0..env.signature_count() {
            cuts.extend([doc_end + 96 * i + 32, doc_end + 96 * (i + 1) - 1]);
        }
        pos += env.len();
    }
    assert_eq!(pos, h.head_len());
    cuts.push(h.head_len());
    let payloads = payload_offsets(b);
    for &(off, size) in &payloads {
        let (off, size) = (off as usize, size as usize);
        cuts.extend([off - 1, off, off + size - 1]);
    }
    let (last, size) = payloads.last().unwrap();
    assert_eq!(
        (last + size) as usize,
        b.len(),
        "the last payload ends the bundle"
    );
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn truncation_at_every_container_boundary_is_refused() {
    let case = case("valid-rotation");
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
    let case = case("valid-rotation");
    let b = &case.bundle;
    let policy = case.policy.to_policy().unwrap();
    let h = UnauthenticatedHead::parse(b).unwrap();
    let mut pos = 16;
    let mut flips = 0;
    for env in envelopes(&h) {
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
    let mut n = 0;
    for (off, size) in payload_offsets(&b) {
        let len = size as usize;
        let sample: Vec<usize> = [0, 1, len / 2, len - 2, len - 1]
            .into_iter()
            .chain((0..16).map(|i| (i * 7919) % len))
            .collect();
        for at in sample {
            for bit in [0, 3, 7] {
                let mut t = b.clone();
                t[off as usize + at] ^= 1 << bit;
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

/// Host `verify` tells its progress every artifact byte it checks, from
/// every worker: the bar of `modelseal verify` on a large bundle.
#[test]
fn host_verify_reports_every_artifact_byte_as_progress() {
    use std::sync::atomic::{AtomicU64, Ordering};
    #[derive(Default)]
    struct Count {
        total: AtomicU64,
        seen: AtomicU64,
        ended: AtomicU64,
    }
    impl modelseal::hashing::Progress for Count {
        fn begin(&self, _files: usize, bytes: u64) {
            self.total.store(bytes, Ordering::Relaxed);
        }
        fn advance(&self, bytes: u64) {
            self.seen.fetch_add(bytes, Ordering::Relaxed);
        }
        fn end(&self) {
            self.ended.fetch_add(1, Ordering::Relaxed);
        }
    }
    let case = cases()
        .into_iter()
        .find(|c| c.name == "valid-component")
        .expect("the valid case");
    let dir = std::env::temp_dir().join(format!("modelseal-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("b.msb");
    std::fs::write(&path, &case.bundle).expect("write");
    let count = Count::default();
    let policy = case.device_policy().expect("policy");
    let v = modelseal::verify::verify_file_with(&path, &case.root, policy, None, &count)
        .expect("verifies");
    let _ = std::fs::remove_dir_all(&dir);
    let payload: u64 = v.manifest.artifacts.iter().map(|a| a.size).sum();
    assert!(payload > 0);
    assert_eq!(count.total.load(Ordering::Relaxed), payload);
    assert_eq!(count.seen.load(Ordering::Relaxed), payload);
    assert_eq!(count.ended.load(Ordering::Relaxed), 1);
}
