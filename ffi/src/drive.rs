//! Drives the C API from Rust, exactly as a C caller would: for the unit
//! tests (which also run under Miri, to check this crate's `unsafe`) and
//! for the `capi` fuzz target, which compiles this crate with `--cfg
//! fuzzing`. Never part of the library a firmware links.

use crate::consts::*;
use crate::status::modelseal_status;
use crate::types::*;
use crate::*;
use core::ffi::{c_int, c_void};
use std::vec::Vec;

/// A device policy owned by Rust, lent to C as a `modelseal_policy`.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Bundle kind code.
    pub kind: u8,
    /// Hardware id.
    pub hardware_id: &'static str,
    /// Platform.
    pub platform: Option<&'static str>,
    /// Market.
    pub market: Option<&'static str>,
    /// Counter floor.
    pub counter_floor: u64,
    /// Minimum stage code.
    pub min_stage: u8,
}

impl Policy {
    /// The standard policy of the test data (`tests/data/*/policy.txt`).
    pub fn standard() -> Self {
        Self {
            kind: MODELSEAL_KIND_COMPONENT,
            hardware_id: "HW-FC-0042",
            platform: Some("PLAT-A"),
            market: Some("EU"),
            counter_floor: 5,
            min_stage: MODELSEAL_STAGE_STAGING,
        }
    }

    /// This policy as C hands it over. The strings are `'static`, so the
    /// record stays valid after `self` is gone.
    pub fn to_c(&self) -> modelseal_policy {
        let s = |v: Option<&'static str>| {
            v.map_or((core::ptr::null(), 0), |v| (v.as_ptr().cast(), v.len()))
        };
        let (platform, platform_len) = s(self.platform);
        let (market, market_len) = s(self.market);
        modelseal_policy {
            kind: self.kind,
            min_stage: self.min_stage,
            expiry: MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK,
            hardware_id: self.hardware_id.as_ptr().cast(),
            hardware_id_len: self.hardware_id.len(),
            ecu_name: core::ptr::null(),
            ecu_name_len: 0,
            serial: core::ptr::null(),
            serial_len: 0,
            platform,
            platform_len,
            market,
            market_len,
            component_floor: if self.kind == MODELSEAL_KIND_COMPONENT {
                self.counter_floor
            } else {
                0
            },
            system_config_floor: if self.kind == MODELSEAL_KIND_COMPONENT {
                0
            } else {
                self.counter_floor
            },
            installed_digest: core::ptr::null(),
            trusted_time: 0,
            config: core::ptr::null(),
        }
    }
}

/// What one path of verification produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The status of the path.
    pub status: modelseal_status,
    /// The manifest digest read back on success.
    pub digest: Option<[u8; 32]>,
    /// The identity record on success.
    pub identity: Option<Vec<u8>>,
}

/// Storage for a context (for the crate's tests).
pub fn tests_storage() -> modelseal_verifier {
    context()
}

/// Initialises `ctx` with `root` and `policy`, in place (for the crate's
/// tests). In place, never returned by value: an initialised context holds
/// padding and inactive enum bytes, which a typed Rust copy may not read
/// (C copies it as bytes; Miri rightly refuses a Rust move of it).
pub fn tests_init(ctx: &mut modelseal_verifier, root: &[u8], policy: &Policy) {
    assert_eq!(init(ctx, root, policy), modelseal_status::Ok);
}

fn context() -> modelseal_verifier {
    modelseal_verifier {
        _opaque: [0; MODELSEAL_VERIFIER_WORDS],
    }
}

fn init(ctx: &mut modelseal_verifier, root: &[u8], policy: &Policy) -> modelseal_status {
    init_c(ctx, root, &policy.to_c())
}

/// Initialises `ctx` as the test device: `modelseal_verifier_init`, then
/// accepting fs-verity digests. The tests of a device that refuses them
/// call `modelseal_verifier_init` alone.
pub fn init_c(ctx: &mut modelseal_verifier, root: &[u8], p: &modelseal_policy) -> modelseal_status {
    // SAFETY: every pointer is live for the call; the root outlives the
    // context (callers keep it for the whole drive or test).
    let st =
        unsafe { modelseal_verifier_init(ctx, root.as_ptr(), root.len(), p, core::ptr::null()) };
    if st != modelseal_status::Ok {
        return st;
    }
    // The test device accepts fs-verity digests (the standard component's
    // weights carry one).
    // SAFETY: `ctx` was initialised just above and is exclusively ours.
    unsafe { modelseal_verifier_accept_verity(ctx) }
}

/// After a successful verification: the digest and the identity record,
/// and the outputs of a failed accessor checked to be untouched.
fn read_back(ctx: &mut modelseal_verifier) -> Outcome {
    let mut digest = [0xa5u8; 32];
    // SAFETY: live, writable buffers of the stated lengths.
    let st =
        unsafe { modelseal_verifier_get_manifest_digest(ctx, digest.as_mut_ptr(), digest.len()) };
    assert_eq!(st, modelseal_status::Ok);
    let mut short = [0x5au8; 31];
    // SAFETY: as above.
    let st =
        unsafe { modelseal_verifier_get_manifest_digest(ctx, short.as_mut_ptr(), short.len()) };
    assert_eq!(st, modelseal_status::BufferTooSmall);
    assert!(
        short.iter().all(|&b| b == 0x5a),
        "output written on failure"
    );
    let mut rec = [0u8; MODELSEAL_MAX_IDENTITY_LEN];
    let mut n = 0usize;
    // SAFETY: as above.
    let st =
        unsafe { modelseal_verifier_encode_identity(ctx, rec.as_mut_ptr(), rec.len(), &mut n) };
    assert_eq!(st, modelseal_status::Ok);
    let mut id = core::mem::MaybeUninit::<modelseal_identity>::uninit();
    // SAFETY: `rec[..n]` is readable; `id` is writable storage.
    let st =
        unsafe { modelseal_identity_decode(rec.as_ptr(), n, core::ptr::null(), id.as_mut_ptr()) };
    assert_eq!(st, modelseal_status::Ok);
    // SAFETY: written on success.
    let id = unsafe { id.assume_init() };
    assert_eq!(id.manifest_digest, digest);
    Outcome {
        status: modelseal_status::Ok,
        digest: Some(digest),
        identity: Some(rec[..n].to_vec()),
    }
}

fn failed(status: modelseal_status, ctx: &mut modelseal_verifier) -> Outcome {
    // A failed verification leaves nothing to read.
    let mut d = [0u8; 32];
    // SAFETY: live, writable buffer.
    let st = unsafe { modelseal_verifier_get_manifest_digest(ctx, d.as_mut_ptr(), d.len()) };
    assert_eq!(st, modelseal_status::InvalidState);
    Outcome {
        status,
        digest: None,
        identity: None,
    }
}

/// The whole bundle from memory.
pub fn via_bytes(root: &[u8], policy: &Policy, bundle: &[u8]) -> Outcome {
    let mut ctx = context();
    assert_eq!(init(&mut ctx, root, policy), modelseal_status::Ok);
    // SAFETY: `bundle` outlives every use of `ctx` in this function.
    let st =
        unsafe { modelseal_verifier_verify_bundle_bytes(&mut ctx, bundle.as_ptr(), bundle.len()) };
    if st == modelseal_status::Ok {
        read_back(&mut ctx)
    } else {
        failed(st, &mut ctx)
    }
}

#[derive(Debug)]
struct Source<'a> {
    data: &'a [u8],
}

unsafe extern "C" fn read_cb(user: *mut c_void, offset: u64, buf: *mut u8, len: usize) -> c_int {
    // SAFETY: `user` is the `Source` passed with this callback, alive for
    // the call that uses it; `buf` has `len` writable bytes.
    let (src, out) = unsafe {
        (
            &*user.cast::<Source<'_>>(),
            core::slice::from_raw_parts_mut(buf, len),
        )
    };
    let Ok(start) = usize::try_from(offset) else {
        return -1;
    };
    match src.data.get(start..start.saturating_add(len)) {
        Some(bytes) if bytes.len() == len => {
            out.copy_from_slice(bytes);
            0
        }
        _ => -1,
    }
}

/// The whole bundle through the read callback, with a work buffer of the
/// head plus `chunk` bytes.
pub fn via_callback(root: &[u8], policy: &Policy, bundle: &[u8], chunk: usize) -> Outcome {
    let mut ctx = context();
    assert_eq!(init(&mut ctx, root, policy), modelseal_status::Ok);
    let mut head_len = 0usize;
    // SAFETY: live buffers.
    let st = unsafe { modelseal_bundle_get_head_len(bundle.as_ptr(), bundle.len(), &mut head_len) };
    let head_len = if st == modelseal_status::Ok {
        head_len.min(1 << 21)
    } else {
        16
    };
    let mut work = std::vec![0u8; head_len + chunk];
    let mut src = Source { data: bundle };
    // SAFETY: `src` and `work` outlive every use of `ctx` here.
    let st = unsafe {
        modelseal_verifier_verify_bundle(
            &mut ctx,
            Some(read_cb),
            core::ptr::addr_of_mut!(src).cast(),
            bundle.len() as u64,
            work.as_mut_ptr(),
            work.len(),
        )
    };
    if st == modelseal_status::Ok {
        read_back(&mut ctx)
    } else {
        failed(st, &mut ctx)
    }
}

/// The per-chunk interface: head, then every artifact in pieces of the
/// sizes `pieces` cycles through.
pub fn via_chunks(root: &[u8], policy: &Policy, bundle: &[u8], pieces: &[usize]) -> Outcome {
    let mut ctx = context();
    assert_eq!(init(&mut ctx, root, policy), modelseal_status::Ok);
    let run = |ctx: &mut modelseal_verifier| -> modelseal_status {
        let mut head_len = 0usize;
        // SAFETY: here and below in this closure, every pointer is to a live
        // local or into `bundle`, which outlives the use of `ctx`.
        let st =
            unsafe { modelseal_bundle_get_head_len(bundle.as_ptr(), bundle.len(), &mut head_len) };
        if st != modelseal_status::Ok {
            return st;
        }
        let Some(head) = bundle.get(..head_len) else {
            return modelseal_status::Truncated;
        };
        // SAFETY: as above.
        let st = unsafe { modelseal_verifier_verify_head(ctx, head.as_ptr(), head.len()) };
        if st != modelseal_status::Ok {
            return st;
        }
        let (mut count, mut total) = (0usize, 0u64);
        // SAFETY: as above.
        unsafe {
            assert_eq!(
                modelseal_verifier_get_artifact_count(ctx, &mut count),
                modelseal_status::Ok
            );
            assert_eq!(
                modelseal_verifier_get_bundle_len(ctx, &mut total),
                modelseal_status::Ok
            );
        }
        if total != bundle.len() as u64 {
            // The whole-bundle calls check the file's length; here the
            // caller does, as firmware reading artifacts from a file would.
            return if total > bundle.len() as u64 {
                modelseal_status::Truncated
            } else {
                modelseal_status::TrailingBytes
            };
        }
        let mut k = 0usize;
        // The padding between payloads is not part of any artifact: a
        // caller reading a bundle file checks it is zero, as the
        // whole-bundle calls do.
        let mut pos = head_len;
        for i in 0..count {
            let mut info = core::mem::MaybeUninit::<modelseal_artifact_info>::uninit();
            // SAFETY: as above; `info` is writable storage.
            let st = unsafe { modelseal_verifier_get_artifact(ctx, i, info.as_mut_ptr()) };
            if st != modelseal_status::Ok {
                return st;
            }
            // SAFETY: written on success.
            let info = unsafe { info.assume_init() };
            let (Ok(off), Ok(size)) = (usize::try_from(info.offset), usize::try_from(info.size))
            else {
                return modelseal_status::LimitExceeded;
            };
            let Some(padding) = bundle.get(pos..off) else {
                return modelseal_status::Truncated;
            };
            // SAFETY: as above.
            let st =
                unsafe { modelseal_verifier_check_padding(ctx, padding.as_ptr(), padding.len()) };
            if st != modelseal_status::Ok {
                return st;
            }
            pos = off.saturating_add(size);
            let Some(mut data) = bundle.get(off..off.saturating_add(size)) else {
                return modelseal_status::Truncated;
            };
            // SAFETY: as above.
            let st = unsafe { modelseal_verifier_begin_artifact(ctx, i) };
            if st != modelseal_status::Ok {
                return st;
            }
            while !data.is_empty() {
                let n = pieces
                    .get(k % pieces.len().max(1))
                    .copied()
                    .unwrap_or(4096)
                    .clamp(1, data.len());
                k += 1;
                let (now, rest) = data.split_at(n);
                // SAFETY: as above.
                let st =
                    unsafe { modelseal_verifier_update_artifact(ctx, now.as_ptr(), now.len()) };
                if st != modelseal_status::Ok {
                    return st;
                }
                data = rest;
            }
            // SAFETY: as above.
            let st = unsafe { modelseal_verifier_finish_artifact(ctx) };
            if st != modelseal_status::Ok {
                return st;
            }
        }
        // SAFETY: as above.
        unsafe { modelseal_verifier_finish(ctx) }
    };
    let st = run(&mut ctx);
    if st == modelseal_status::Ok {
        read_back(&mut ctx)
    } else {
        failed(st, &mut ctx)
    }
}

/// Fuzz entry: `data` is a bundle for the standard root and policy (the
/// first two bytes pick chunk sizes). Every C entry path must give the same
/// verdict; on success the same digest and identity.
pub fn fuzz_bundle(root: &[u8], data: &[u8]) {
    let (knobs, bundle) = data.split_at(data.len().min(2));
    let a = usize::from(knobs.first().copied().unwrap_or(7)).max(1);
    let b = usize::from(knobs.get(1).copied().unwrap_or(64)) * 33 + 1;
    let policy = Policy::standard();
    let bytes = via_bytes(root, &policy, bundle);
    let cb = via_callback(root, &policy, bundle, MODELSEAL_MIN_READ_CHUNK + b);
    assert_eq!(bytes, cb, "memory and callback paths disagree");
    let chunks = via_chunks(root, &policy, bundle, &[a, b]);
    assert_eq!(bytes, chunks, "memory and per-chunk paths disagree");
}
