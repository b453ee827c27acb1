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

// ------------------------------------------------ the head changes under us

use crate::api::*;
use crate::consts::{MODELSEAL_MAX_IDENTITY_LEN, MODELSEAL_MAX_ROOT_ENVELOPE_LEN};
use crate::types::{modelseal_artifact_info, modelseal_component, modelseal_verifier};
use std::vec::Vec;

/// Changes the head (and the payloads fed) before call number `k`.
type Mutation<'a> = dyn FnMut(usize, &mut Vec<u8>, &mut Vec<Vec<u8>>) + 'a;

/// One call of a whole per-chunk verification and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Answer {
    status: modelseal_status,
    out: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
enum Call {
    VerifyHead,
    Info(usize),
    Begin(usize),
    Update(usize),
    FinishArtifact,
    Finish,
    Digest,
    Floors,
    NewRoot,
    Identity,
    Component,
}

fn calls(n: usize) -> Vec<Call> {
    let mut v = std::vec![Call::VerifyHead];
    for i in 0..n {
        v.extend([
            Call::Info(i),
            Call::Begin(i),
            Call::Update(i),
            Call::FinishArtifact,
        ]);
    }
    v.extend([
        Call::Finish,
        Call::Digest,
        Call::Floors,
        Call::NewRoot,
        Call::Identity,
        Call::Component,
    ]);
    v
}

/// Runs `call` against the context; `head` is the lent head buffer,
/// `payload` the bytes fed for an update.
fn answer(ctx: &mut modelseal_verifier, call: Call, head: &[u8], payload: &[u8]) -> Answer {
    let mut out = Vec::new();
    // SAFETY: every pointer is to a live local or buffer for the call; the
    // head buffer lives (and keeps its address) for the whole run.
    let status = unsafe {
        match call {
            Call::VerifyHead => modelseal_verifier_verify_head(ctx, head.as_ptr(), head.len()),
            Call::Info(i) => {
                let mut info = core::mem::MaybeUninit::<modelseal_artifact_info>::zeroed();
                let s = modelseal_verifier_get_artifact(ctx, i, info.as_mut_ptr());
                if s == modelseal_status::Ok {
                    let info = info.assume_init();
                    out.extend(info.offset.to_le_bytes());
                    out.extend(info.size.to_le_bytes());
                    out.extend(info.name.iter().map(|&c| c as u8));
                }
                s
            }
            Call::Begin(i) => modelseal_verifier_begin_artifact(ctx, i),
            Call::Update(_) => {
                modelseal_verifier_update_artifact(ctx, payload.as_ptr(), payload.len())
            }
            Call::FinishArtifact => modelseal_verifier_finish_artifact(ctx),
            Call::Finish => modelseal_verifier_finish(ctx),
            Call::Digest => {
                let mut d = [0u8; 32];
                let s = modelseal_verifier_get_manifest_digest(ctx, d.as_mut_ptr(), d.len());
                out.extend(d);
                s
            }
            Call::Floors => {
                let (mut a, mut b) = (0u64, 0u64);
                let s = modelseal_verifier_get_floors(ctx, &mut a, &mut b);
                out.extend(a.to_le_bytes());
                out.extend(b.to_le_bytes());
                s
            }
            Call::NewRoot => {
                let mut r = std::vec![0u8; MODELSEAL_MAX_ROOT_ENVELOPE_LEN];
                let mut n = 0usize;
                let s = modelseal_verifier_get_new_root(ctx, r.as_mut_ptr(), r.len(), &mut n);
                out.extend(&r[..n]);
                s
            }
            Call::Identity => {
                let mut r = std::vec![0u8; MODELSEAL_MAX_IDENTITY_LEN];
                let mut n = 0usize;
                let s = modelseal_verifier_encode_identity(ctx, r.as_mut_ptr(), r.len(), &mut n);
                out.extend(&r[..n]);
                s
            }
            Call::Component => {
                let mut c = core::mem::MaybeUninit::<modelseal_component>::zeroed();
                let s = modelseal_verifier_get_component(ctx, 0, c.as_mut_ptr());
                if s == modelseal_status::Ok {
                    let c = c.assume_init();
                    out.extend(c.family.iter().map(|&b| b as u8));
                    out.extend(c.version.iter().map(|&b| b as u8));
                    out.push(c.stage);
                }
                s
            }
        }
    };
    Answer { status, out }
}

/// The review's requirement for finding 1: rewrite the head buffer between
/// any two calls of a whole per-chunk verification (a rotating bundle, so a
/// new root is reported too) and every answer is either the untouched one
/// or a refusal: never an accepted artifact that does not match its signed
/// digest, never a root, floor, digest or identity that was not signed.
#[test]
#[cfg_attr(miri, ignore = "thousands of verifications: too slow under Miri")]
fn rewriting_the_head_between_any_two_calls_never_admits_unsigned_bytes() {
    let (root, bundle) = case!("valid-rotation");
    let p = Policy::standard();
    let mut head_len = 0usize;
    // SAFETY: live buffers.
    let st = unsafe { modelseal_bundle_get_head_len(bundle.as_ptr(), bundle.len(), &mut head_len) };
    assert_eq!(st, modelseal_status::Ok);
    let head0 = bundle[..head_len].to_vec();

    // The untouched run, and where each artifact's payload is.
    let mut ctx = crate::drive::tests_context(root, &p);
    let mut head = head0.clone();
    let mut count = 0usize;
    assert_eq!(
        answer(&mut ctx, Call::VerifyHead, &head, &[]).status,
        modelseal_status::Ok
    );
    // SAFETY: live output.
    unsafe { modelseal_verifier_get_artifact_count(&mut ctx, &mut count) };
    let plan = calls(count);
    let mut payloads = Vec::new();
    for i in 0..count {
        let a = answer(&mut ctx, Call::Info(i), &head, &[]);
        let off = u64::from_le_bytes(a.out[..8].try_into().unwrap()) as usize;
        let size = u64::from_le_bytes(a.out[8..16].try_into().unwrap()) as usize;
        payloads.push(bundle[off..off + size].to_vec());
    }
    let run = |head: &mut Vec<u8>, mutate: &mut Mutation<'_>| -> Vec<Answer> {
        let mut ctx = crate::drive::tests_context(root, &p);
        let mut feed = payloads.clone();
        let mut answers = Vec::new();
        for (k, call) in plan.iter().enumerate() {
            mutate(k, head, &mut feed);
            let data = match call {
                Call::Update(i) => feed[*i].clone(),
                _ => Vec::new(),
            };
            answers.push(answer(&mut ctx, *call, head, &data));
        }
        answers
    };
    let clean = run(&mut head, &mut |_, _, _| {});
    assert!(
        clean.iter().all(|a| a.status == modelseal_status::Ok),
        "{clean:?}"
    );
    let new_root = &clean[plan.len() - 3].out;
    assert!(!new_root.is_empty());

    let judge = |answers: &[Answer], swapped: Option<usize>, what: &str| {
        for (k, (a, c)) in answers.iter().zip(&clean).enumerate() {
            if a.status != modelseal_status::Ok {
                continue;
            }
            // An accepted answer is the untouched one...
            assert_eq!(
                a, c,
                "{what}: call {k} ({:?}) answered differently",
                plan[k]
            );
            // ... and attacker bytes are never accepted as an artifact.
            if let (Some(i), Call::FinishArtifact) = (swapped, plan[k]) {
                assert!(
                    !matches!(plan[k - 1], Call::Update(j) if j == i),
                    "{what}: attacker bytes accepted as artifact {i}"
                );
            }
            if swapped.is_some() {
                assert!(
                    !matches!(plan[k], Call::Finish),
                    "{what}: session finished on attacker bytes"
                );
            }
        }
    };

    // Every 7th byte of the head (a prime stride: every field and every
    // bit position is hit) flipped before each call, kept (persistent) or
    // for that call only.
    let step = 7;
    let mut runs = 0usize;
    for gap in 1..plan.len() {
        for pos in (0..head_len).step_by(step) {
            for persistent in [true, false] {
                let mut h = head0.clone();
                let answers = run(&mut h, &mut |k, h, _| {
                    if k == gap || (!persistent && k == gap + 1) {
                        h[pos] ^= 1 << (pos % 8);
                    }
                });
                judge(
                    &answers,
                    None,
                    &std::format!("flip {pos} before call {gap}"),
                );
                runs += 1;
            }
        }
    }

    // The targeted attack: before a call, each artifact's signed digest is
    // replaced by the digest of attacker bytes, which are then fed.
    for i in 0..count {
        let mut evil = payloads[i].clone();
        evil[0] ^= 0x5a;
        let signed = crate::tests::sha256(&payloads[i]);
        let forged = crate::tests::sha256(&evil);
        let at = head0.windows(32).position(|w| w == signed).unwrap();
        for gap in 1..plan.len() {
            let mut h = head0.clone();
            let answers = run(&mut h, &mut |k, h, feed| {
                if k == gap {
                    h[at..at + 32].copy_from_slice(&forged);
                    feed[i] = evil.clone();
                }
            });
            // Attacker bytes reach the verifier only if the swap came before
            // the artifact's update.
            let fed = plan
                .iter()
                .position(|c| matches!(c, Call::Update(j) if *j == i))
                .is_some_and(|u| gap <= u);
            judge(
                &answers,
                fed.then_some(i),
                &std::format!("digest of artifact {i} swapped before call {gap}"),
            );
            runs += 1;
        }
    }
    assert!(runs > 100);
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut e = modelseal_core::SoftSha256::new();
    modelseal_core::hash::digest_of(&mut e, data).unwrap()
}
