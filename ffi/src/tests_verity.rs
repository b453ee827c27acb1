//! Verify on read through the C API: the record comes from a verified
//! bundle, the tree through a read callback, the cache from the caller;
//! every refusal has its own status and `_read` leaves no unverified byte.

use crate::drive::{Policy, tests_init, tests_storage};
use crate::status::modelseal_status;
use crate::types::*;
use crate::*;
use core::ffi::{c_int, c_void};
use std::vec;
use std::vec::Vec;

/// The read callback over a `Vec<u8>`.
unsafe extern "C" fn read_vec(user: *mut c_void, offset: u64, buf: *mut u8, len: usize) -> c_int {
    // SAFETY: `user` is the `Vec<u8>` the test passed; `buf` is writable
    // for `len` bytes by the read callback contract.
    let v = unsafe { &*user.cast::<Vec<u8>>() };
    let Some(src) = v.get(offset as usize..offset as usize + len) else {
        return -1;
    };
    // SAFETY: as above.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), buf, len) };
    0
}

fn verity() -> modelseal_verity {
    modelseal_verity {
        _opaque: [0; crate::consts::MODELSEAL_VERITY_WORDS],
    }
}

#[test]
fn blocks_verify_on_read_against_the_signed_digest() {
    let root = include_bytes!("../../tests/data/valid-component/root.msr");
    let bundle = include_bytes!("../../tests/data/valid-component/bundle.msb");
    let mut ctx = tests_storage();
    tests_init(&mut ctx, root, &Policy::standard());
    // SAFETY: live context and bundle.
    let st =
        unsafe { modelseal_verifier_verify_bundle_bytes(&mut ctx, bundle.as_ptr(), bundle.len()) };
    assert_eq!(st, modelseal_status::Ok);
    // The standard component's weights (the last artifact) carry an
    // fs-verity digest; the ONNX graph a flat one.
    let mut info = core::mem::MaybeUninit::<modelseal_verity_info>::uninit();
    // SAFETY: live context, writable output.
    let st = unsafe { modelseal_verifier_get_artifact_verity(&mut ctx, 5, info.as_mut_ptr()) };
    assert_eq!(st, modelseal_status::Ok);
    // SAFETY: written on success.
    let info = unsafe { info.assume_init() };
    assert!(info.is_verity && info.log_block_size == 12 && info.size == 4097);
    let mut flat = info;
    // SAFETY: as above.
    let st = unsafe { modelseal_verifier_get_artifact_verity(&mut ctx, 2, &mut flat) };
    assert_eq!(st, modelseal_status::Ok);
    assert!(!flat.is_verity);
    // SAFETY: as above.
    let st = unsafe { modelseal_verifier_get_artifact_verity(&mut ctx, 6, &mut flat) };
    assert_eq!(st, modelseal_status::NoSuchArtifact);

    let w = modelseal_tests::weights_with_verity();
    let p = modelseal_core::verity::Params::new(1, 12, b"").unwrap();
    let mut tree = modelseal::verity::of_bytes(&p, &w.bytes)
        .unwrap()
        .bytes
        .unwrap();
    let mut data = w.bytes.clone();
    let mut cache = vec![0u8; 2 * (4096 + 8)];
    let mut v = verity();
    let open = |v: &mut modelseal_verity,
                info: &modelseal_verity_info,
                tree: &mut Vec<u8>,
                cache: &mut Vec<u8>| {
        // SAFETY: live context, record, tree and cache for the test.
        unsafe {
            modelseal_verity_open(
                v,
                info,
                core::ptr::null(),
                Some(read_vec),
                (tree as *mut Vec<u8>).cast(),
                tree.len() as u64,
                cache.as_mut_ptr(),
                cache.len(),
            )
        }
    };
    assert_eq!(
        open(&mut v, &flat, &mut tree, &mut cache),
        modelseal_status::Invalid
    );
    assert_eq!(
        open(&mut v, &info, &mut tree, &mut cache),
        modelseal_status::Ok
    );
    // SAFETY: opened context, readable data.
    let check = |v: &mut modelseal_verity, off: u64, d: &[u8]| unsafe {
        modelseal_verity_check(v, off, d.as_ptr(), d.len())
    };
    assert_eq!(check(&mut v, 0, &data[..4096]), modelseal_status::Ok);
    assert_eq!(check(&mut v, 4096, &data[4096..]), modelseal_status::Ok);
    assert_eq!(check(&mut v, 0, &data), modelseal_status::Ok);
    assert_eq!(
        check(&mut v, 4096, &data[..1]),
        modelseal_status::VerityBlockMismatch
    );
    assert_eq!(
        check(&mut v, 1, &data[1..4097]),
        modelseal_status::VerityMisaligned
    );
    assert_eq!(
        check(&mut v, 4097, &data[..1]),
        modelseal_status::VerityOutOfRange
    );
    // Reading through a callback: verified bytes, or zeros and a refusal.
    let mut out = vec![0xaau8; 4096];
    // SAFETY: opened context, the data Vec as the callback's user.
    let rd = |v: &mut modelseal_verity, data: &mut Vec<u8>, off: u64, out: &mut [u8]| unsafe {
        modelseal_verity_read(
            v,
            Some(read_vec),
            (data as *mut Vec<u8>).cast(),
            off,
            out.as_mut_ptr(),
            out.len(),
        )
    };
    assert_eq!(rd(&mut v, &mut data, 0, &mut out), modelseal_status::Ok);
    assert_eq!(&out[..], &w.bytes[..4096]);
    data[100] ^= 1;
    assert_eq!(
        rd(&mut v, &mut data, 0, &mut out),
        modelseal_status::VerityBlockMismatch
    );
    assert!(out.iter().all(|&b| b == 0));
    // Trees that are not this artifact's.
    let mut short = tree[..4095].to_vec();
    assert_eq!(
        open(&mut v, &info, &mut short, &mut cache),
        modelseal_status::VerityTreeTruncated
    );
    let mut other = tree.clone();
    other[0] ^= 1;
    assert_eq!(
        open(&mut v, &info, &mut other, &mut cache),
        modelseal_status::VerityTreeForeign
    );
    let mut tiny = vec![0u8; 100];
    assert_eq!(
        open(&mut v, &info, &mut tree, &mut tiny),
        modelseal_status::BufferTooSmall
    );
    // A refused open leaves no opened context behind.
    assert_eq!(
        check(&mut v, 0, &w.bytes[..4096]),
        modelseal_status::InvalidState
    );
}
