//! The C API driven from Rust (`drive`), over the committed test data:
//! every path gives every case's expected status. Small enough to run
//! under Miri, which checks this crate's `unsafe` code.

use crate::drive::{Policy, via_bytes, via_callback, via_chunks};
use crate::status::modelseal_status;

macro_rules! case {
    ($name:literal) => {
        (
            include_bytes!(concat!("../../tests/data/", $name, "/root.msr")).as_slice(),
            include_bytes!(concat!("../../tests/data/", $name, "/bundle.msb")).as_slice(),
        )
    };
}

fn all_paths(root: &[u8], bundle: &[u8], expect: modelseal_status) {
    let p = Policy::standard();
    let a = via_bytes(root, &p, bundle);
    assert_eq!(a.status, expect);
    assert_eq!(via_callback(root, &p, bundle, 64), a);
    assert_eq!(via_callback(root, &p, bundle, 5000), a);
    assert_eq!(via_chunks(root, &p, bundle, &[1, 7, 4096]), a);
}

#[test]
fn a_valid_bundle_verifies_the_same_way_on_every_path() {
    let (root, bundle) = case!("valid-component");
    all_paths(root, bundle, modelseal_status::Ok);
}

#[test]
fn refusals_are_the_same_on_every_path() {
    let (root, bundle) = case!("artifact-modified");
    all_paths(root, bundle, modelseal_status::ArtifactDigestMismatch);
    let (root, bundle) = case!("bad-magic");
    all_paths(root, bundle, modelseal_status::BadMagic);
    let (root, bundle) = case!("artifact-truncated");
    all_paths(root, bundle, modelseal_status::Truncated);
}

#[cfg(not(miri))]
#[test]
fn signature_and_policy_refusals() {
    let (root, bundle) = case!("forged-signature");
    all_paths(root, bundle, modelseal_status::SignatureRejected);
    let (root, bundle) = case!("wrong-market");
    let p = Policy {
        market: Some("US"),
        ..Policy::standard()
    };
    assert_eq!(
        via_bytes(root, &p, bundle).status,
        modelseal_status::WrongMarket
    );
}

#[test]
fn null_and_short_arguments_get_a_status() {
    use crate::*;
    let (root, _) = case!("valid-component");
    let mut ctx = modelseal_verifier {
        _opaque: [0; crate::consts::MODELSEAL_VERIFIER_WORDS],
    };
    // SAFETY: NULLs and live locals only.
    unsafe {
        assert_eq!(
            modelseal_verifier_init(
                core::ptr::null_mut(),
                root.as_ptr(),
                root.len(),
                core::ptr::null(),
                core::ptr::null()
            ),
            modelseal_status::NullArgument
        );
        assert_eq!(
            modelseal_verifier_init(
                &mut ctx,
                root.as_ptr(),
                root.len(),
                core::ptr::null(),
                core::ptr::null()
            ),
            modelseal_status::NullArgument
        );
        // Never initialised: refused, nothing read beyond the magic.
        assert_eq!(
            modelseal_verifier_verify_bundle_bytes(&mut ctx, root.as_ptr(), root.len()),
            modelseal_status::InvalidState
        );
        let mut n = 0usize;
        // NULL with a length is refused; NULL with length 0 is an empty buffer.
        assert_eq!(
            modelseal_bundle_get_head_len(core::ptr::null(), 16, &mut n),
            modelseal_status::NullArgument
        );
        assert_eq!(
            modelseal_bundle_get_head_len(core::ptr::null(), 0, &mut n),
            modelseal_status::Truncated
        );
        assert_eq!(
            modelseal_bundle_get_head_len(root.as_ptr(), 3, &mut n),
            modelseal_status::Truncated
        );
    }
}

/// The `capi` fuzz target's committed corpus and saved findings, replayed:
/// every C entry path gives the same verdict for each.
#[test]
#[cfg_attr(miri, ignore = "hundreds of verifications: too slow under Miri")]
fn fuzz_corpus_and_findings_replay() {
    let root = include_bytes!("../../tests/data/valid-component/root.msr");
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for dir in ["corpus/capi", "regressions/capi"] {
        for e in std::fs::read_dir(base.join(dir))
            .expect("fuzz inputs")
            .flatten()
        {
            crate::drive::fuzz_bundle(root, &std::fs::read(e.path()).expect("read"));
            n += 1;
        }
    }
    assert!(n > 0);
    std::println!("capi: {n} inputs replayed");
}
