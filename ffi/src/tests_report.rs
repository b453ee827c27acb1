//! The version report through the exported function, driven from Rust
//! (small enough for Miri): a signer that signs, one that fails (status,
//! nothing written), and the argument checks.

use crate::consts::*;
use crate::drive::Policy;
use crate::status::modelseal_status as S;
use crate::types::*;
use crate::*;
use core::ffi::{c_int, c_void};

const ROOT: &[u8] = include_bytes!("../../tests/data/valid-component/root.msr");
const BUNDLE: &[u8] = include_bytes!("../../tests/data/valid-component/bundle.msb");
const NONCE: [u8; 16] = [7; 16];
const SERIAL: &[u8] = b"SN-000123";

/// Signs with a fixed pattern over the message (the library does not check
/// signatures it asks for; the host does), counting its calls in `user`.
unsafe extern "C" fn sign_ok(user: *mut c_void, message: *const u8, signature: *mut u8) -> c_int {
    // SAFETY: `user` is the counter passed with this signer, alive and
    // unshared during the call; `message` and `signature` are 64 bytes by
    // the signer's contract.
    unsafe {
        *user.cast::<u32>() += 1;
        for i in 0..MODELSEAL_REPORT_SIGNATURE_LEN {
            *signature.add(i) = *message.add(i) ^ 0xff;
        }
    }
    0
}

unsafe extern "C" fn sign_fails(user: *mut c_void, _m: *const u8, signature: *mut u8) -> c_int {
    // SAFETY: as `sign_ok`. A failing element may scribble on its output.
    unsafe {
        *user.cast::<u32>() += 1;
        core::ptr::write_bytes(signature, 0xee, MODELSEAL_REPORT_SIGNATURE_LEN);
    }
    -1
}

fn verified() -> std::boxed::Box<modelseal_verifier> {
    let mut ctx = std::boxed::Box::new(modelseal_verifier {
        _opaque: [0; MODELSEAL_VERIFIER_WORDS],
    });
    let p = Policy::standard().to_c();
    assert_eq!(crate::drive::init_c(&mut ctx, ROOT, &p), S::Ok);
    // SAFETY: live buffers of the stated lengths, outliving the context's use.
    unsafe {
        assert_eq!(
            modelseal_verifier_verify_bundle_bytes(&mut *ctx, BUNDLE.as_ptr(), BUNDLE.len()),
            S::Ok
        );
    }
    ctx
}

/// Calls the encoder with `signer` into a buffer of `cap` bytes prefilled
/// with 0x5a; returns the status, the length written and the buffer.
fn encode(
    ctx: &mut modelseal_verifier,
    nonce: &[u8],
    signer: Option<&modelseal_report_signer>,
    cap: usize,
) -> (S, usize, std::vec::Vec<u8>) {
    let mut out = std::vec![0x5au8; cap];
    let mut n = 7usize;
    // SAFETY: live buffers of the stated lengths; the signer's `user`
    // outlives the call.
    let st = unsafe {
        modelseal_verifier_encode_report(
            ctx,
            nonce.as_ptr(),
            nonce.len(),
            3,
            core::ptr::null(),
            SERIAL.as_ptr().cast(),
            SERIAL.len(),
            signer.map_or(core::ptr::null(), |s| s as *const _),
            out.as_mut_ptr(),
            out.len(),
            &mut n,
        )
    };
    (st, n, out)
}

#[test]
fn the_ecu_answers_and_a_failing_signer_writes_nothing() {
    let mut ctx = verified();
    let mut calls = 0u32;
    let ok = modelseal_report_signer {
        algorithm: MODELSEAL_REPORT_ALG_ED25519,
        user: (&raw mut calls).cast(),
        sign: Some(sign_ok),
    };
    let (st, n, out) = encode(&mut ctx, &NONCE, Some(&ok), MODELSEAL_MAX_REPORT_LEN);
    assert_eq!(st, S::Ok);
    assert_eq!(calls, 1);
    assert_eq!(&out[..4], b"MSVR");
    assert_eq!(out[6], MODELSEAL_REPORT_ALG_ED25519);
    // The core reads back what the C layer wrote (signature not checked here).
    assert!(modelseal_core::report::parse(&out[..n]).is_ok());
    assert!(out[n..].iter().all(|&b| b == 0x5a));

    let fails = modelseal_report_signer {
        sign: Some(sign_fails),
        ..ok
    };
    let (st, n, out) = encode(&mut ctx, &NONCE, Some(&fails), MODELSEAL_MAX_REPORT_LEN);
    assert_eq!(st, S::SignerFailed);
    assert_eq!((calls, n), (2, 7));
    assert!(
        out.iter().all(|&b| b == 0x5a),
        "a failing signer left bytes behind"
    );
}

#[test]
fn bad_arguments_get_a_status_and_write_nothing() {
    let mut ctx = verified();
    let mut calls = 0u32;
    let ok = modelseal_report_signer {
        algorithm: MODELSEAL_REPORT_ALG_ECDSA_P256,
        user: (&raw mut calls).cast(),
        sign: Some(sign_ok),
    };
    let cases: [(&[u8], Option<modelseal_report_signer>, usize, S); 6] = [
        (&[1; 15], Some(ok), MODELSEAL_MAX_REPORT_LEN, S::Invalid),
        (
            &[1; 33],
            Some(ok),
            MODELSEAL_MAX_REPORT_LEN,
            S::LimitExceeded,
        ),
        (&NONCE, None, MODELSEAL_MAX_REPORT_LEN, S::NullArgument),
        (
            &NONCE,
            Some(modelseal_report_signer { sign: None, ..ok }),
            MODELSEAL_MAX_REPORT_LEN,
            S::NullArgument,
        ),
        (
            &NONCE,
            Some(modelseal_report_signer { algorithm: 0, ..ok }),
            MODELSEAL_MAX_REPORT_LEN,
            S::UnsupportedAlgorithm,
        ),
        (&NONCE, Some(ok), 64, S::BufferTooSmall),
    ];
    for (nonce, signer, cap, want) in cases {
        let (st, n, out) = encode(&mut ctx, nonce, signer.as_ref(), cap);
        assert_eq!(st, want);
        assert_eq!(n, 7);
        assert!(out.iter().all(|&b| b == 0x5a));
    }
    // Before a verified bundle: out of order.
    let mut fresh = std::boxed::Box::new(modelseal_verifier {
        _opaque: [0; MODELSEAL_VERIFIER_WORDS],
    });
    let (st, _, _) = encode(&mut fresh, &NONCE, Some(&ok), MODELSEAL_MAX_REPORT_LEN);
    assert_eq!(st, S::InvalidState);
}
