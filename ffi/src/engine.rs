//! The SHA-256 engine a context hashes with: the built-in software
//! implementation (which hashes fs-verity blocks two at once on x86-64
//! CPUs with the SHA extensions), or the firmware's functions (a hardware
//! accelerator).

use crate::types::modelseal_sha256_engine;
use core::ffi::c_void;
use modelseal_accel::NativeSha256;
use modelseal_core::hash::EngineFailure;
use modelseal_core::{Digest, Sha256Engine};

/// Firmware-supplied functions, checked non-NULL when the context was made.
#[derive(Clone, Copy)]
pub(crate) struct ForeignEngine {
    user: *mut c_void,
    start: unsafe extern "C" fn(*mut c_void) -> core::ffi::c_int,
    update: unsafe extern "C" fn(*mut c_void, *const u8, usize) -> core::ffi::c_int,
    finish: unsafe extern "C" fn(*mut c_void, *mut u8) -> core::ffi::c_int,
}

impl ForeignEngine {
    /// The engine `e` describes, if all three functions are set.
    pub(crate) fn new(e: &modelseal_sha256_engine) -> Option<Self> {
        Some(Self {
            user: e.user,
            start: e.start?,
            update: e.update?,
            finish: e.finish?,
        })
    }
}

fn check(rc: core::ffi::c_int) -> Result<(), EngineFailure> {
    if rc == 0 { Ok(()) } else { Err(EngineFailure) }
}

impl Sha256Engine for ForeignEngine {
    fn start(&mut self) -> Result<(), EngineFailure> {
        // SAFETY: `start` is the firmware's function, given with `user` under
        // the contract of `modelseal_sha256_engine` (valid while the context
        // uses it); it receives nothing else.
        check(unsafe { (self.start)(self.user) })
    }
    fn update(&mut self, data: &[u8]) -> Result<(), EngineFailure> {
        // SAFETY: as for `start`; `data` is a live slice, so its pointer is
        // valid for `data.len()` bytes for the duration of the call.
        check(unsafe { (self.update)(self.user, data.as_ptr(), data.len()) })
    }
    fn finish(&mut self, out: &mut Digest) -> Result<(), EngineFailure> {
        // The firmware writes into a local, so a failing engine leaves `out`
        // as it was.
        let mut d = [0u8; 32];
        // SAFETY: as for `start`; `d` is a writable 32-byte local, the
        // length the contract promises the function writes.
        check(unsafe { (self.finish)(self.user, d.as_mut_ptr()) })?;
        *out = d;
        Ok(())
    }
}

/// The engine of one context.
#[derive(Clone)]
pub(crate) enum Engine {
    /// The `sha2` crate, plus two-at-once hashing where the CPU allows it.
    Soft(NativeSha256),
    /// The firmware's functions.
    Foreign(ForeignEngine),
}

impl Sha256Engine for Engine {
    fn start(&mut self) -> Result<(), EngineFailure> {
        match self {
            Self::Soft(e) => e.start(),
            Self::Foreign(e) => e.start(),
        }
    }
    fn update(&mut self, data: &[u8]) -> Result<(), EngineFailure> {
        match self {
            Self::Soft(e) => e.update(data),
            Self::Foreign(e) => e.update(data),
        }
    }
    fn finish(&mut self, out: &mut Digest) -> Result<(), EngineFailure> {
        match self {
            Self::Soft(e) => e.finish(out),
            Self::Foreign(e) => e.finish(out),
        }
    }
    fn digest_two(
        &mut self,
        prefix: &[u8],
        a: &[u8],
        b: &[u8],
        out: &mut [Digest; 2],
    ) -> Result<(), EngineFailure> {
        match self {
            Self::Soft(e) => e.digest_two(prefix, a, b, out),
            Self::Foreign(e) => e.digest_two(prefix, a, b, out),
        }
    }
}
