//! Third-party vectors through the exact calls the verifier makes.
//! Provenance of every vector: `tests/vectors/README.md`.

use modelseal_core::Error;
use modelseal_core::envelope::verify_strict;
use modelseal_core::hash::{Sha256Engine, SoftSha256, digest_of};
use std::path::Path;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

/// Wycheproof Ed25519 through `envelope::verify_strict`, the only signature
/// check of the verifier. A signature that is not 64 bytes cannot even be
/// placed in an envelope entry, so it counts as rejected.
#[test]
fn wycheproof_ed25519_verdicts() {
    use wycheproof::TestResult;
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).expect("wycheproof ed25519");
    let (mut n, mut wrong) = (0, Vec::new());
    for group in &set.test_groups {
        let pk: Option<[u8; 32]> = group.key.pk.as_slice().try_into().ok();
        for t in &group.tests {
            let accepted = match (pk, <[u8; 64]>::try_from(t.sig.as_slice())) {
                (Some(pk), Ok(sig)) => verify_strict(&pk, &t.msg, &sig).is_ok(),
                _ => false,
            };
            let expected = match t.result {
                TestResult::Valid => true,
                TestResult::Invalid => false,
                TestResult::Acceptable => accepted,
            };
            if accepted != expected {
                wrong.push((t.tc_id, t.comment.clone()));
            }
            n += 1;
        }
    }
    println!(
        "wycheproof ed25519: {n} cases, {} disagreements",
        wrong.len()
    );
    assert_eq!(n, 151, "the pinned crate holds 151 cases");
    assert!(wrong.is_empty(), "{wrong:?}");
}

/// The 12 ed25519-speccheck cases (message, public key, signature), in
/// order. Source: `novifinancial/ed25519-speccheck` `cases.json` (see
/// `tests/vectors/README.md`).
const SPECCHECK: [(&str, &str, &str); 12] = [
    // 0: S = 0, small-order A and R
    (
        "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
    ),
    // 1: small-order A, mixed-order R
    (
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    ),
    // 2: mixed-order A, small-order R
    (
        "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
    ),
    // 3: mixed-order A and R, the cofactorless equation holds
    (
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
    ),
    // 4: holds only under the cofactored equation
    (
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
    ),
    // 5: holds only under the cofactored equation with a pre-reduced scalar
    (
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
    ),
    // 6: S > L
    (
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
    ),
    // 7: S >> L
    (
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
    ),
    // 8: non-canonical R, reduced for hashing
    (
        "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f",
    ),
    // 9: non-canonical R, not reduced for hashing
    (
        "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908",
    ),
    // 10: non-canonical A, reduced for hashing
    (
        "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    ),
    // 11: non-canonical A, not reduced for hashing
    (
        "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
    ),
];

fn speccheck_case(i: usize) -> ([u8; 32], Vec<u8>, [u8; 64]) {
    let (m, k, s) = SPECCHECK[i];
    (
        unhex(k).try_into().unwrap(),
        unhex(m),
        unhex(s).try_into().unwrap(),
    )
}

/// The strict policy accepts only case 3 (mixed-order A and R where the
/// cofactorless equation holds). A dependency upgrade that loosens
/// verification fails here. The plain (non-strict) check accepts 0, 1, 2,
/// 3 and 11, which shows the vectors are the ones the policy is about.
#[test]
fn speccheck_edge_cases_under_the_strict_policy() {
    let strict: Vec<usize> = (0..12)
        .filter(|&i| {
            let (pk, msg, sig) = speccheck_case(i);
            verify_strict(&pk, &msg, &sig).is_ok()
        })
        .collect();
    println!("speccheck: 12 cases, strict accepts {strict:?}");
    assert_eq!(strict, vec![3]);

    let plain: Vec<usize> = (0..12)
        .filter(|&i| {
            let (pk, msg, sig) = speccheck_case(i);
            let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else {
                return false;
            };
            ed25519_dalek::Verifier::verify(&key, &msg, &ed25519_dalek::Signature::from_bytes(&sig))
                .is_ok()
        })
        .collect();
    assert_eq!(plain, vec![0, 1, 2, 3, 11]);
    // The rejection is the verifier's one signature error.
    let (pk, msg, sig) = speccheck_case(0);
    assert_eq!(
        verify_strict(&pk, &msg, &sig),
        Err(Error::SignatureRejected)
    );
}

struct Cavp {
    msg: Vec<u8>,
    md: [u8; 32],
}

fn cavp(file: &str) -> Vec<Cavp> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("vectors/nist-cavp-sha256")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("vector file");
    let (mut len, mut msg, mut out) = (None, None, Vec::new());
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("Len = ") {
            len = Some(v.parse::<usize>().unwrap());
        } else if let Some(v) = line.strip_prefix("Msg = ") {
            let bits = len.expect("Len before Msg");
            let mut m = unhex(v);
            m.truncate(bits / 8); // "Len = 0" carries a placeholder byte
            msg = Some(m);
        } else if let Some(v) = line.strip_prefix("MD = ") {
            out.push(Cavp {
                msg: msg.take().unwrap(),
                md: unhex(v).try_into().unwrap(),
            });
        }
    }
    out
}

/// A hash engine that must be fed through the trait, as a hardware
/// accelerator would be.
#[derive(Default)]
struct Counting {
    inner: SoftSha256,
    updates: usize,
}
impl Sha256Engine for Counting {
    fn start(&mut self) -> Result<(), modelseal_core::hash::EngineFailure> {
        self.inner.start()
    }
    fn update(&mut self, d: &[u8]) -> Result<(), modelseal_core::hash::EngineFailure> {
        self.updates += 1;
        self.inner.update(d)
    }
    fn finish(&mut self, out: &mut [u8; 32]) -> Result<(), modelseal_core::hash::EngineFailure> {
        self.inner.finish(out)
    }
}

/// NIST CAVP SHA-256 vectors through the pluggable engine path (in one
/// piece) and through the verifier's streaming artifact path with odd
/// chunk sizes.
#[test]
fn nist_cavp_sha256_through_engine_and_streaming_paths() {
    let short = cavp("SHA256ShortMsg.rsp");
    let long = cavp("SHA256LongMsg.rsp");
    assert_eq!((short.len(), long.len()), (65, 64));
    let mut engine = Counting::default();
    for v in short.iter().chain(&long) {
        assert_eq!(digest_of(&mut engine, &v.msg).unwrap(), v.md);
        for chunk in [1usize, 3, 63, 65, 1000] {
            engine.start().unwrap();
            for piece in v.msg.chunks(chunk) {
                engine.update(piece).unwrap();
            }
            let mut out = [0u8; 32];
            engine.finish(&mut out).unwrap();
            assert_eq!(out, v.md, "chunk {chunk}, {} bytes", v.msg.len());
        }
    }
    // Through the verifier itself: each long message as the single artifact
    // of a signed bundle whose manifest states the NIST digest, checked in
    // 7-byte chunks through the per-chunk API.
    let root = modelseal_tests::provisioned_root();
    for v in long.iter().step_by(8) {
        let mut m = modelseal_tests::component_manifest(&modelseal_tests::payloads()[..1]);
        m.artifacts[0].size = v.msg.len() as u64;
        m.artifacts[0].digest = v.md;
        let b = modelseal_tests::bundle(&[], &m, &["c1", "c2"], &[&v.msg]);
        let mut verifier =
            modelseal_tests::test_device(&root, modelseal_tests::policy(), Counting::default())
                .unwrap();
        let mut s = verifier
            .verify_head(&b[..modelseal_tests::head_len(&b)])
            .unwrap();
        let mut c = verifier.begin_artifact(&mut s, 0).unwrap();
        for piece in v.msg.chunks(7) {
            verifier.update_artifact(&mut c, piece).unwrap();
        }
        verifier.finish_artifact(&mut s, c).unwrap();
        s.finish().unwrap();
        assert!(verifier.engine_mut().updates >= v.msg.len() / 7);
    }
    println!(
        "NIST CAVP SHA-256: {} short + {} long messages",
        short.len(),
        long.len()
    );
}
