//! The exported functions, one file per group of the API table in
//! `docs/C-API.md` (its "library" group lives here):
//!
//! | file | group |
//! |---|---|
//! | `bundle.rs` | sizing: the head length of a bundle's header |
//! | `policy.rs` | setting up: the C policy record, checked |
//! | `verifier.rs` | setting up, whole bundle |
//! | `per_chunk.rs` | per chunk |
//! | `installed.rs` | installed identity |
//! | `persist.rs` | what to persist: floors, configuration binding |
//! | `parameters.rs` | parameter data |
//! | `root.rs` | what to persist: the new root; catching up: root updates |
//! | `identity.rs` | the identity record: encode, and HiL read-back |
//! | `report.rs` | the version report: encode and sign through the caller's signer |
//! | `verity.rs` | verify on read: fs-verity artifacts, block by block |
//!
//! Each function checks its arguments, runs a closure that answers
//! `Status<()>`, and turns that into a `modelseal_status`; the outputs are
//! written as the closure's last step, so nothing is written on failure.
//!
//! Each function's doc comment (the header's comment) lists every status
//! it can return, the argument checks included: `_NULL_ARGUMENT` (a NULL
//! pointer where one is needed), `_INVALID_ARGUMENT` (a misaligned record
//! or output pointer, a length beyond what memory can hold),
//! `_MISALIGNED_CONTEXT` and `_INVALID_STATE` (context not initialised, a
//! refused init, or a call out of order). `ffi/tests/header.rs` checks the
//! argument statuses are named; the rest is read from the code.
//!
//! Accessors that re-read the manifest from the borrowed head can also
//! answer a decoding status if the head changed after it verified: a
//! broken borrowing contract, so those are named once per function as
//! such, not one by one.
//!
//! The header lists the functions in the order cbindgen meets them: this
//! file's, then each module's in the order declared below, the order of
//! the API table. The declarations stand in commented groups so that
//! rustfmt, which sorts each group alphabetically, keeps that order.

use crate::engine::{Engine, ForeignEngine};
use crate::ptr::reference;
use crate::status::{Status, message_ptr, modelseal_status, status_message_ptr};
use crate::types::modelseal_sha256_engine;
use core::ffi::c_char;
use modelseal_accel::NativeSha256;

// sizing
mod bundle;
// setting up
mod policy;
mod verifier;

// per chunk
mod per_chunk;

// installed identity
mod installed;

// what to persist
mod persist;

// parameter data
mod parameters;

// what to persist (the new root), catching up
mod root;

// the identity record; HiL read-back
mod identity;

// the version report
mod report;

// verify on read
mod verity;

pub use bundle::*;
pub use identity::{modelseal_identity_decode, modelseal_verifier_encode_identity};
pub use installed::*;
pub use parameters::*;
pub use per_chunk::*;
pub use persist::*;
pub use report::modelseal_verifier_encode_report;
pub use root::*;
pub use verifier::*;
pub use verity::*;

/// Runs `f`, answering its status.
fn run(f: impl FnOnce() -> Status<()>) -> modelseal_status {
    match f() {
        Ok(()) => modelseal_status::Ok,
        Err(e) => e,
    }
}

/// The SHA-256 engine a C caller chose: NULL for the built-in software
/// one, else the firmware's functions, all three of which must be set.
///
/// # Safety
/// A non-NULL `engine` points at a readable `modelseal_sha256_engine`.
unsafe fn engine_from_c(engine: *const modelseal_sha256_engine) -> Status<Engine> {
    if engine.is_null() {
        return Ok(Engine::Soft(NativeSha256::new()));
    }
    // SAFETY: non-NULL; a readable record by the precondition.
    let e = unsafe { reference(engine) }?;
    let foreign = ForeignEngine::new(e).ok_or(modelseal_status::NullArgument)?;
    Ok(Engine::Foreign(foreign))
}

// ------------------------------------------------------------------ library

/// The library version, e.g. `"0.1.0"`: a static NUL-terminated string
/// equal to `MODELSEAL_VERSION_STRING` of the header it was built with.
#[unsafe(no_mangle)]
pub extern "C" fn modelseal_version() -> *const c_char {
    message_ptr(crate::consts::VERSION_CSTR)
}

/// A static, NUL-terminated English message for a status number (any
/// `uint32_t`; numbers that are no status give `"unknown status"`). Never
/// NULL; never needs freeing.
#[unsafe(no_mangle)]
pub extern "C" fn modelseal_status_str(status: u32) -> *const c_char {
    status_message_ptr(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_strings_are_static_c_strings() {
        for n in 0..300u32 {
            let p = modelseal_status_str(n);
            assert!(!p.is_null());
            // SAFETY: the function returns pointers to 'static C strings.
            let s = unsafe { core::ffi::CStr::from_ptr(p) };
            let expected = modelseal_status::from_number(n)
                .map_or(crate::status::UNKNOWN_STATUS, |st| st.message());
            assert_eq!(s, expected, "status {n}");
        }
    }
}
