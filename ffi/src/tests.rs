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

/// A context that was never initialised, on the heap.
fn context() -> std::boxed::Box<crate::types::modelseal_verifier> {
    std::boxed::Box::new(crate::types::modelseal_verifier {
        _opaque: [0; crate::consts::MODELSEAL_VERIFIER_WORDS],
    })
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
    let mut ctx = crate::drive::tests_storage();
    crate::drive::tests_init(&mut ctx, root, &p);
    let mut head = head0.clone();
    let mut count = 0usize;
    assert_eq!(
        answer(&mut ctx, Call::VerifyHead, &head, &[]).status,
        modelseal_status::Ok
    );
    // SAFETY: live output.
    unsafe { modelseal_verifier_get_artifact_count(&ctx, &mut count) };
    let plan = calls(count);
    let mut payloads = Vec::new();
    for i in 0..count {
        let a = answer(&mut ctx, Call::Info(i), &head, &[]);
        let off = u64::from_le_bytes(a.out[..8].try_into().unwrap()) as usize;
        let size = u64::from_le_bytes(a.out[8..16].try_into().unwrap()) as usize;
        payloads.push(bundle[off..off + size].to_vec());
    }
    let run = |head: &mut Vec<u8>, mutate: &mut Mutation<'_>| -> Vec<Answer> {
        let mut ctx = crate::drive::tests_storage();
        crate::drive::tests_init(&mut ctx, root, &p);
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
        // The signed digest is flat, or (the weights) an fs-verity digest
        // with the default parameters.
        let verity = |b: &[u8]| {
            let p = modelseal_core::verity::Params::new(1, 12, b"").unwrap();
            modelseal::verity::of_bytes(&p, b).unwrap().digest
        };
        let flat = crate::tests::sha256(&payloads[i]);
        let (signed, forged) = if head0.windows(32).any(|w| w == flat) {
            (flat, crate::tests::sha256(&evil))
        } else {
            (verity(&payloads[i]), verity(&evil))
        };
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

// ------------------------------------------------ promises a caller relies on

mod promises {
    //! What the C documentation promises a caller, each checked through the
    //! exported functions: a refused init, `const` accessors, sizing the
    //! work buffer, the per-chunk padding and length checks, short inputs,
    //! empty policy strings and the read callback's contract.
    use super::context;
    use crate::consts::*;
    use crate::drive::Policy;
    use crate::status::modelseal_status as S;
    use crate::types::*;
    use crate::*;
    use core::ffi::{c_int, c_void};
    use std::vec::Vec;

    use crate::drive::init_c as init;

    fn head_len(bundle: &[u8]) -> usize {
        let mut n = 0;
        // SAFETY: live buffers.
        let st = unsafe { modelseal_bundle_get_head_len(bundle.as_ptr(), bundle.len(), &mut n) };
        assert_eq!(st, S::Ok);
        n
    }

    /// A recording bundle source for the read callback.
    struct Recorder<'a> {
        data: &'a [u8],
        /// (offset, len, buffer address) of every call.
        reads: Vec<(u64, usize, usize)>,
    }

    unsafe extern "C" fn record(user: *mut c_void, offset: u64, buf: *mut u8, len: usize) -> c_int {
        // SAFETY: `user` is the `Recorder` passed with this callback, alive
        // and unshared during the call that calls back.
        let r = unsafe { &mut *user.cast::<Recorder<'_>>() };
        r.reads.push((offset, len, buf as usize));
        let Some(src) = usize::try_from(offset)
            .ok()
            .and_then(|o| r.data.get(o..o.checked_add(len)?))
        else {
            return -1;
        };
        if len > 0 {
            // SAFETY: `buf` has `len` writable bytes by the callback's
            // contract; `src` is `len` bytes of another allocation.
            unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), buf, len) };
        }
        0
    }

    fn via_recorder(
        ctx: &mut modelseal_verifier,
        data: &[u8],
        bundle_len: u64,
        work: &mut [u8],
    ) -> (S, Vec<(u64, usize, usize)>) {
        let mut r = Recorder {
            data,
            reads: Vec::new(),
        };
        // SAFETY: `r` and `work` are live for the call; the context uses
        // `work`'s head only while the caller keeps it.
        let st = unsafe {
            modelseal_verifier_verify_bundle(
                ctx,
                Some(record),
                core::ptr::addr_of_mut!(r).cast(),
                bundle_len,
                work.as_mut_ptr(),
                work.len(),
            )
        };
        (st, r.reads)
    }

    /// Every call that needs an initialised context, with its answer.
    fn every_context_call(ctx: &mut modelseal_verifier, bundle: &[u8]) -> Vec<(&'static str, S)> {
        let (mut n, mut u64v, mut u32v, mut u8v) = (0usize, 0u64, 0u32, 0u8);
        let mut buf = [0u8; MODELSEAL_MAX_IDENTITY_LEN];
        let mut id = core::mem::MaybeUninit::<modelseal_identity>::uninit();
        let mut comp = core::mem::MaybeUninit::<modelseal_component>::uninit();
        let mut cref = core::mem::MaybeUninit::<modelseal_config_ref>::uninit();
        let mut bind = core::mem::MaybeUninit::<modelseal_config_binding>::uninit();
        let mut info = core::mem::MaybeUninit::<modelseal_artifact_info>::uninit();
        let mut work = std::vec![0u8; head_len(bundle) + MODELSEAL_MIN_READ_CHUNK];
        let (verify_bundle, _) = via_recorder(ctx, bundle, bundle.len() as u64, &mut work);
        let c: *mut modelseal_verifier = ctx;
        let h = head_len(bundle);
        // SAFETY: every pointer is a live local or into `bundle`, of the
        // length given; the context is not used after this function returns
        // except by callers that keep `bundle` alive.
        unsafe {
            std::vec![
                ("verify_bundle", verify_bundle),
                (
                    "verify_bundle_bytes",
                    modelseal_verifier_verify_bundle_bytes(c, bundle.as_ptr(), bundle.len()),
                ),
                (
                    "verify_head",
                    modelseal_verifier_verify_head(c, bundle.as_ptr(), h)
                ),
                (
                    "get_artifact_count",
                    modelseal_verifier_get_artifact_count(c, &mut n)
                ),
                (
                    "get_bundle_len",
                    modelseal_verifier_get_bundle_len(c, &mut u64v)
                ),
                (
                    "get_artifact",
                    modelseal_verifier_get_artifact(c, 0, info.as_mut_ptr())
                ),
                ("begin_artifact", modelseal_verifier_begin_artifact(c, 0)),
                ("begin_plaintext", modelseal_verifier_begin_plaintext(c, 0)),
                (
                    "update_artifact",
                    modelseal_verifier_update_artifact(c, buf.as_ptr(), 1)
                ),
                ("finish_artifact", modelseal_verifier_finish_artifact(c)),
                ("finish", modelseal_verifier_finish(c)),
                (
                    "get_manifest_digest",
                    modelseal_verifier_get_manifest_digest(c, buf.as_mut_ptr(), 32)
                ),
                ("get_kind", modelseal_verifier_get_kind(c, &mut u8v)),
                (
                    "get_security_counter",
                    modelseal_verifier_get_security_counter(c, &mut u64v)
                ),
                (
                    "get_counter_floor",
                    modelseal_verifier_get_counter_floor(c, &mut u64v)
                ),
                (
                    "get_root_version",
                    modelseal_verifier_get_root_version(c, &mut u32v)
                ),
                (
                    "get_bundle_version",
                    modelseal_verifier_get_bundle_version(
                        c,
                        buf.as_mut_ptr().cast(),
                        MODELSEAL_ID_BUF_LEN,
                        &mut n
                    )
                ),
                (
                    "get_config",
                    modelseal_verifier_get_config(c, cref.as_mut_ptr())
                ),
                (
                    "get_component_count",
                    modelseal_verifier_get_component_count(c, &mut n)
                ),
                (
                    "get_component",
                    modelseal_verifier_get_component(c, 0, comp.as_mut_ptr())
                ),
                (
                    "get_identity",
                    modelseal_verifier_get_identity(c, id.as_mut_ptr())
                ),
                (
                    "encode_identity",
                    modelseal_verifier_encode_identity(c, buf.as_mut_ptr(), buf.len(), &mut n)
                ),
                (
                    "get_new_root",
                    modelseal_verifier_get_new_root(c, buf.as_mut_ptr(), buf.len(), &mut n)
                ),
                (
                    "get_config_binding",
                    modelseal_verifier_get_config_binding(c, bind.as_mut_ptr())
                ),
            ]
        }
    }

    /// A refused init leaves no earlier context answering: every call
    /// answers `InvalidState` until an init succeeds (docs/C-API.md).
    #[test]
    fn a_refused_init_leaves_a_context_that_answers_invalid_state() {
        let (root, bundle) = case!("valid-component");
        let mut ctx = context();
        let p = Policy::standard().to_c();
        let mut zero = Policy::standard().to_c();
        zero.kind = 0;
        // Refusals of every sort: the policy, the root, a NULL policy.
        let refusals: [(&[u8], *const modelseal_policy, S); 3] = [
            (root, &zero, S::InvalidArgument),
            (bundle, &p, S::BadMagic),
            (root, core::ptr::null(), S::NullArgument),
        ];
        for (bad_root, bad_policy, why) in refusals {
            // After a whole-bundle verification ...
            assert_eq!(init(&mut ctx, root, &p), S::Ok);
            // SAFETY: `bundle` outlives every use of `ctx`.
            let st = unsafe {
                modelseal_verifier_verify_bundle_bytes(&mut *ctx, bundle.as_ptr(), bundle.len())
            };
            assert_eq!(st, S::Ok);
            // SAFETY: live buffers; `bad_policy` is NULL or a live policy.
            let st = unsafe {
                modelseal_verifier_init(
                    &mut *ctx,
                    bad_root.as_ptr(),
                    bad_root.len(),
                    bad_policy,
                    core::ptr::null(),
                )
            };
            assert_eq!(st, why);
            for (call, st) in every_context_call(&mut ctx, bundle) {
                assert_eq!(st, S::InvalidState, "{call} after a refused init ({why:?})");
            }
            // ... and during a per-chunk one.
            assert_eq!(init(&mut ctx, root, &p), S::Ok);
            // SAFETY: as above.
            let st = unsafe {
                modelseal_verifier_verify_head(&mut *ctx, bundle.as_ptr(), head_len(bundle))
            };
            assert_eq!(st, S::Ok);
            // SAFETY: as above.
            let st = unsafe { modelseal_verifier_begin_artifact(&mut *ctx, 0) };
            assert_eq!(st, S::Ok);
            // SAFETY: as above.
            let st = unsafe {
                modelseal_verifier_init(
                    &mut *ctx,
                    bad_root.as_ptr(),
                    bad_root.len(),
                    bad_policy,
                    core::ptr::null(),
                )
            };
            assert_eq!(st, why);
            for (call, st) in every_context_call(&mut ctx, bundle) {
                assert_eq!(st, S::InvalidState, "{call} after a refused init ({why:?})");
            }
        }
        // A successful init makes it usable again.
        assert_eq!(init(&mut ctx, root, &p), S::Ok);
        // SAFETY: as above.
        let st = unsafe {
            modelseal_verifier_verify_bundle_bytes(&mut *ctx, bundle.as_ptr(), bundle.len())
        };
        assert_eq!(st, S::Ok);
    }

    /// The accessors that only read take a `const` context: they can be
    /// called through a shared reference. `get_artifact` is not one of
    /// them: it authenticates the record again and keeps the sibling
    /// hashes of the lookup in the context, so ascending lookups stay cheap.
    #[test]
    fn read_only_accessors_take_a_const_context() {
        type Count = unsafe extern "C" fn(*const modelseal_verifier, *mut usize) -> S;
        type Len = unsafe extern "C" fn(*const modelseal_verifier, *mut u64) -> S;
        type Info =
            unsafe extern "C" fn(*mut modelseal_verifier, usize, *mut modelseal_artifact_info) -> S;
        let _: Count = modelseal_verifier_get_artifact_count;
        let _: Len = modelseal_verifier_get_bundle_len;
        let _: Info = modelseal_verifier_get_artifact;
        let (root, bundle) = case!("valid-component");
        let mut ctx = context();
        assert_eq!(init(&mut ctx, root, &Policy::standard().to_c()), S::Ok);
        // SAFETY: `bundle` outlives every use of `ctx`.
        let st =
            unsafe { modelseal_verifier_verify_head(&mut *ctx, bundle.as_ptr(), head_len(bundle)) };
        assert_eq!(st, S::Ok);
        let shared: &modelseal_verifier = &ctx;
        let (mut n, mut len) = (0usize, 0u64);
        let mut info = core::mem::MaybeUninit::<modelseal_artifact_info>::uninit();
        // SAFETY: live, writable outputs.
        unsafe {
            assert_eq!(modelseal_verifier_get_artifact_count(shared, &mut n), S::Ok);
            assert_eq!(modelseal_verifier_get_bundle_len(shared, &mut len), S::Ok);
        }
        let ctx: &mut modelseal_verifier = &mut ctx;
        // SAFETY: live, writable outputs.
        unsafe {
            assert_eq!(len, bundle.len() as u64);
            // Any order, repeated: each lookup gives the same record.
            for i in (0..n).rev().chain(0..n) {
                assert_eq!(
                    modelseal_verifier_get_artifact(ctx, i, info.as_mut_ptr()),
                    S::Ok
                );
                let a = info.assume_init();
                assert_eq!(a.offset % 4096, 0);
                assert!(a.offset + a.size <= len);
            }
            assert_eq!(
                modelseal_verifier_get_artifact(ctx, n, info.as_mut_ptr()),
                S::NoSuchArtifact
            );
            assert_eq!(
                modelseal_verifier_get_artifact(ctx, usize::MAX, info.as_mut_ptr()),
                S::NoSuchArtifact
            );
        }
    }

    /// The head length is readable after a verification, and the work
    /// buffer it sizes (head + MODELSEAL_MIN_READ_CHUNK) is exactly enough.
    #[test]
    fn the_head_length_sizes_the_work_buffer() {
        let (root, bundle) = case!("valid-component");
        let h = head_len(bundle);
        let mut ctx = context();
        let mut got = 0usize;
        assert_eq!(init(&mut ctx, root, &Policy::standard().to_c()), S::Ok);
        // SAFETY: live, writable output.
        let st = unsafe { modelseal_verifier_get_head_len(&*ctx, &mut got) };
        assert_eq!(st, S::InvalidState);
        let mut work = std::vec![0u8; h + MODELSEAL_MIN_READ_CHUNK];
        assert_eq!(
            via_recorder(&mut ctx, bundle, bundle.len() as u64, &mut work[..h + 63]).0,
            S::BufferTooSmall
        );
        // SAFETY: as above.
        let st = unsafe { modelseal_verifier_get_head_len(&*ctx, &mut got) };
        assert_eq!(st, S::InvalidState);
        // The refusal comes with the length needed, also for a buffer too
        // short to hold the header (read then into the library's own).
        for short in [h + 63, 15, 1] {
            assert_eq!(
                via_recorder(&mut ctx, bundle, bundle.len() as u64, &mut work[..short]).0,
                S::BufferTooSmall
            );
            // SAFETY: as above.
            let st = unsafe { modelseal_verifier_get_work_len_needed(&*ctx, &mut got) };
            assert_eq!((st, got), (S::Ok, h + MODELSEAL_MIN_READ_CHUNK), "{short}");
        }
        assert_eq!(
            via_recorder(&mut ctx, bundle, bundle.len() as u64, &mut work).0,
            S::Ok
        );
        // SAFETY: as above.
        let st = unsafe { modelseal_verifier_get_work_len_needed(&*ctx, &mut got) };
        assert_eq!(st, S::InvalidState);
        // SAFETY: as above.
        let st = unsafe { modelseal_verifier_get_head_len(&*ctx, &mut got) };
        assert_eq!((st, got), (S::Ok, h));
        got = 0;
        // SAFETY: `bundle` outlives every use of `ctx`.
        let st = unsafe { modelseal_verifier_verify_head(&mut *ctx, bundle.as_ptr(), h) };
        assert_eq!(st, S::Ok);
        // SAFETY: as above.
        let st = unsafe { modelseal_verifier_get_head_len(&*ctx, &mut got) };
        assert_eq!((st, got), (S::Ok, h));
        // SAFETY: NULL output.
        let st = unsafe { modelseal_verifier_get_head_len(&*ctx, core::ptr::null_mut()) };
        assert_eq!(st, S::NullArgument);
        assert_eq!(
            MODELSEAL_MAX_WORK_BUF_LEN,
            MODELSEAL_MAX_HEAD_LEN + MODELSEAL_MIN_READ_CHUNK
        );
    }

    /// The per-chunk padding check: zero padding passes, a nonzero byte is
    /// `Malformed` (as the whole-bundle calls answer), and only a verified
    /// head may be asked.
    #[test]
    fn per_chunk_padding_is_checked_by_the_library() {
        for (case, (root, bundle), expect) in [
            ("valid-component", case!("valid-component"), S::Ok),
            ("padding-not-zero", case!("padding-not-zero"), S::Malformed),
        ] {
            let h = head_len(bundle);
            let mut ctx = context();
            assert_eq!(init(&mut ctx, root, &Policy::standard().to_c()), S::Ok);
            // SAFETY: `bundle` outlives every use of `ctx`.
            let before = unsafe { modelseal_verifier_check_padding(&*ctx, bundle.as_ptr(), 0) };
            assert_eq!(before, S::InvalidState, "{case}");
            // SAFETY: as above.
            let st = unsafe { modelseal_verifier_verify_head(&mut *ctx, bundle.as_ptr(), h) };
            assert_eq!(st, S::Ok, "{case}");
            let mut info = core::mem::MaybeUninit::<modelseal_artifact_info>::uninit();
            // SAFETY: writable output; read only on success.
            let off = unsafe {
                assert_eq!(
                    modelseal_verifier_get_artifact(&mut *ctx, 0, info.as_mut_ptr()),
                    S::Ok
                );
                usize::try_from(info.assume_init().offset).unwrap()
            };
            let padding = &bundle[h..off];
            assert!(!padding.is_empty());
            // SAFETY: `padding` is live for the call.
            let st =
                unsafe { modelseal_verifier_check_padding(&*ctx, padding.as_ptr(), padding.len()) };
            assert_eq!(st, expect, "{case}");
            // In pieces: the nonzero byte is in exactly one of them.
            let pieces: Vec<S> = padding
                .chunks(97)
                // SAFETY: each piece is live for its call.
                .map(|p| unsafe { modelseal_verifier_check_padding(&*ctx, p.as_ptr(), p.len()) })
                .collect();
            let refused = pieces.iter().filter(|&&s| s != S::Ok).count();
            assert_eq!(refused, usize::from(expect != S::Ok), "{case}");
            // SAFETY: NULL with and without a length.
            unsafe {
                assert_eq!(
                    modelseal_verifier_check_padding(&*ctx, core::ptr::null(), 0),
                    S::Ok
                );
                assert_eq!(
                    modelseal_verifier_check_padding(&*ctx, core::ptr::null(), 1),
                    S::NullArgument
                );
                assert_eq!(
                    modelseal_verifier_check_padding(core::ptr::null(), padding.as_ptr(), 1),
                    S::NullArgument
                );
            }
        }
        // The per-chunk path with the library's checks gives every path's answer.
        let (root, bundle) = case!("padding-not-zero");
        let p = crate::drive::Policy::standard();
        assert_eq!(
            crate::drive::via_chunks(root, &p, bundle, &[4096]).status,
            S::Malformed
        );
    }

    /// A header shorter than 16 bytes is judged on its magic first, the
    /// same way by every entry point.
    #[test]
    fn short_input_is_judged_on_its_magic_first() {
        let (root, bundle) = case!("valid-component");
        let not_a_bundle = [b'X'; 16];
        let mut ctx = context();
        assert_eq!(init(&mut ctx, root, &Policy::standard().to_c()), S::Ok);
        for len in 0..16 {
            for (input, magic_ok) in [(bundle, true), (&not_a_bundle[..], false)] {
                let want = if len >= 8 && !magic_ok {
                    S::BadMagic
                } else {
                    S::Truncated
                };
                let data = &input[..len];
                let mut n = 0;
                let mut work = [0u8; 256];
                // SAFETY: live buffers; `data` outlives every use of `ctx`.
                let got = unsafe {
                    [
                        modelseal_bundle_get_head_len(data.as_ptr(), len, &mut n),
                        modelseal_verifier_verify_head(&mut *ctx, data.as_ptr(), len),
                        modelseal_verifier_verify_bundle_bytes(&mut *ctx, data.as_ptr(), len),
                        via_recorder(&mut ctx, data, len as u64, &mut work).0,
                    ]
                };
                assert_eq!(got, [want; 4], "{len} bytes, magic ok: {magic_ok}");
            }
        }
    }

    /// An optional policy string with a pointer and length 0 is an empty
    /// identifier, refused; absent is spelled NULL.
    #[test]
    fn an_empty_optional_string_is_refused_not_absent() {
        let (root, _) = case!("valid-component");
        let mut ctx = context();
        let empty = "";
        type Field = fn(&mut modelseal_policy, *const core::ffi::c_char, usize);
        let fields: [(&str, Field); 4] = [
            ("ecu_name", |p, s, n| (p.ecu_name, p.ecu_name_len) = (s, n)),
            ("serial", |p, s, n| (p.serial, p.serial_len) = (s, n)),
            ("platform", |p, s, n| (p.platform, p.platform_len) = (s, n)),
            ("market", |p, s, n| (p.market, p.market_len) = (s, n)),
        ];
        for (name, set) in fields {
            let mut p = Policy::standard().to_c();
            set(&mut p, empty.as_ptr().cast(), 0);
            assert_eq!(init(&mut ctx, root, &p), S::Invalid, "{name}");
            set(&mut p, core::ptr::null(), 0);
            assert_eq!(init(&mut ctx, root, &p), S::Ok, "{name}");
        }
        let mut p = Policy::standard().to_c();
        p.hardware_id_len = 0;
        assert_eq!(init(&mut ctx, root, &p), S::Invalid);
    }

    /// The read callback's contract: never asked for 0 bytes, never past
    /// `bundle_len`, into the work buffer, in ascending order, each byte at
    /// most once; a valid bundle is read exactly once, whole.
    #[test]
    fn the_read_callback_contract_holds() {
        let (root, bundle) = case!("valid-component");
        let (_, empty) = case!("empty-file");
        let mut ctx = context();
        assert_eq!(init(&mut ctx, root, &Policy::standard().to_c()), S::Ok);
        // A bundle of length 0, and a header that states no envelopes:
        // refused without a zero-length read.
        let mut no_envelopes = bundle[..16].to_vec();
        no_envelopes[12..16].copy_from_slice(&[0; 4]);
        no_envelopes.extend_from_slice(&[0; 100]);
        let mut work = std::vec![0u8; 1 << 16];
        for (data, want) in [
            (empty, S::Truncated),
            (&no_envelopes[..16], S::Truncated),
            (&no_envelopes[..], S::Truncated),
        ] {
            let (st, reads) = via_recorder(&mut ctx, data, data.len() as u64, &mut work);
            assert_eq!(st, want);
            assert!(reads.iter().all(|&(_, len, _)| len > 0), "{reads:?}");
        }
        for chunk in [MODELSEAL_MIN_READ_CHUNK, 1000, 1 << 15] {
            let h = head_len(bundle);
            let mut work = std::vec![0u8; h + chunk];
            let (st, reads) = via_recorder(&mut ctx, bundle, bundle.len() as u64, &mut work);
            assert_eq!(st, S::Ok);
            let base = work.as_ptr() as usize;
            let mut next = 0u64;
            for &(offset, len, addr) in &reads {
                assert!(len > 0);
                assert_eq!(offset, next, "reads ascend without gaps or overlaps");
                next = offset + len as u64;
                assert!(next <= bundle.len() as u64);
                // The head to the start of `work`, the rest behind the head.
                let want_addr = if offset < h as u64 {
                    base + offset as usize
                } else {
                    base + h
                };
                assert_eq!(addr, want_addr);
                assert!(offset < h as u64 || len <= chunk);
            }
            assert_eq!(next, bundle.len() as u64, "every byte read");
            assert_eq!(reads[0], (0, MODELSEAL_BUNDLE_HEADER_LEN, base));
        }
    }
}

// ------------------------------------------------------ verify, then refuse

mod end_to_end {
    //! The boundary driven from Rust; the C tests (`ffi/tests/run.sh`)
    //! cover it through the real header.
    use super::context;
    use crate::drive::Policy;
    use crate::types::*;
    use crate::*;

    #[test]
    fn verifies_refuses_and_reports() {
        let (root, bundle) = case!("valid-component");
        let mut ctx = context();
        let p = Policy::standard().to_c();
        // SAFETY: every pointer is a live Rust buffer of the stated length;
        // `root` and `bundle` outlive every use of `ctx`.
        unsafe {
            assert_eq!(
                modelseal_verifier_get_kind(&*ctx, &mut 0),
                modelseal_status::InvalidState
            );
            assert_eq!(
                crate::drive::init_c(&mut ctx, root, &p),
                modelseal_status::Ok
            );
            assert_eq!(
                modelseal_verifier_verify_bundle_bytes(&mut *ctx, bundle.as_ptr(), bundle.len()),
                modelseal_status::Ok
            );
            let mut floor = 0;
            assert_eq!(
                modelseal_verifier_get_counter_floor(&*ctx, &mut floor),
                modelseal_status::Ok
            );
            assert_eq!(floor, 7);
            let mut rec = [0u8; crate::consts::MODELSEAL_MAX_IDENTITY_LEN];
            let mut n = 0;
            assert_eq!(
                modelseal_verifier_encode_identity(&mut *ctx, rec.as_mut_ptr(), rec.len(), &mut n),
                modelseal_status::Ok
            );
            let mut id = core::mem::MaybeUninit::<modelseal_identity>::uninit();
            assert_eq!(
                modelseal_identity_decode(rec.as_ptr(), n, core::ptr::null(), id.as_mut_ptr()),
                modelseal_status::Ok
            );
            assert_eq!(id.assume_init().security_counter, 7);

            let p = Policy {
                counter_floor: 8,
                ..Policy::standard()
            }
            .to_c();
            assert_eq!(
                crate::drive::init_c(&mut ctx, root, &p),
                modelseal_status::Ok
            );
            assert_eq!(
                modelseal_verifier_verify_bundle_bytes(&mut *ctx, bundle.as_ptr(), bundle.len()),
                modelseal_status::Rollback
            );
            assert_eq!(
                modelseal_verifier_get_counter_floor(&*ctx, &mut floor),
                modelseal_status::InvalidState
            );
            assert_eq!(
                modelseal_verifier_verify_bundle_bytes(core::ptr::null_mut(), bundle.as_ptr(), 1),
                modelseal_status::NullArgument
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "thousands of verifications: too slow under Miri")]
    fn every_prefix_and_flipped_byte_is_refused_without_a_panic() {
        let (root, bundle) = case!("valid-component");
        let mut ctx = context();
        let p = Policy::standard().to_c();
        let mut copy = bundle.to_vec();
        // SAFETY: as above; `copy` outlives each verification that uses it.
        unsafe {
            assert_eq!(
                crate::drive::init_c(&mut ctx, root, &p),
                modelseal_status::Ok
            );
            for len in (0..bundle.len()).step_by(251) {
                assert_ne!(
                    modelseal_verifier_verify_bundle_bytes(&mut *ctx, bundle.as_ptr(), len),
                    modelseal_status::Ok
                );
            }
            for i in (0..bundle.len()).step_by(37) {
                copy[i] ^= 0x55;
                assert_ne!(
                    modelseal_verifier_verify_bundle_bytes(&mut *ctx, copy.as_ptr(), copy.len()),
                    modelseal_status::Ok,
                    "byte {i}"
                );
                copy[i] ^= 0x55;
            }
        }
    }
}
