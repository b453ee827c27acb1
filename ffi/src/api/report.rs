//! Version reports: the ECU answers a nonce with a report of what it has
//! installed, signed through the firmware's signer (docs/C-API.md,
//! "version report"). The library never holds the device key; it encodes
//! aside and writes the caller's buffer only once the signer succeeded.

use super::run;
use crate::consts::MODELSEAL_MAX_REPORT_LEN;
use crate::context::Ctx;
use crate::ptr::{bytes, bytes_mut, copy_to, opt_str, reference, write};
use crate::status::{Status, modelseal_status};
use crate::types::{modelseal_report_signer, modelseal_verifier};
use core::ffi::{c_char, c_int, c_void};
use modelseal_core::limits::{REPORT_SIGNATURE_LEN, SIGNED_MESSAGE_LEN};
use modelseal_core::report::{Algorithm, ReportRequest, ReportSigner, SignerFailure};

/// The caller's signing function behind the core's signer trait.
struct ForeignSigner {
    algorithm: Algorithm,
    user: *mut c_void,
    sign: unsafe extern "C" fn(*mut c_void, *const u8, *mut u8) -> c_int,
}

impl ReportSigner for ForeignSigner {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    fn sign(
        &mut self,
        message: &[u8; SIGNED_MESSAGE_LEN],
        signature: &mut [u8; REPORT_SIGNATURE_LEN],
    ) -> Result<(), SignerFailure> {
        // The signature goes to a scratch array first: a signer that fails
        // half-way leaves nothing behind.
        let mut sig = [0u8; REPORT_SIGNATURE_LEN];
        // SAFETY: the caller of `modelseal_verifier_encode_report` vouches
        // for `sign` and `user`; `message` is 64 readable bytes and `sig`
        // 64 writable bytes, both alive for the call.
        let rc = unsafe { (self.sign)(self.user, message.as_ptr(), sig.as_mut_ptr()) };
        if rc != 0 {
            return Err(SignerFailure);
        }
        *signature = sig;
        Ok(())
    }
}

/// Encodes the version report of the verified, installed bundle and signs
/// it through `signer`: what the ECU answers when a HiL rig, the gateway
/// or the backend sends a nonce. `MODELSEAL_MAX_REPORT_LEN` bytes of `out`
/// always suffice. Hashes with the context's engine.
///
/// - `nonce`: the asker's nonce, `MODELSEAL_MIN_NONCE_LEN` to
///   `MODELSEAL_MAX_NONCE_LEN` bytes.
/// - `sequence`: this report's sequence number, one more than the last
///   report's; persist it before the report leaves the ECU, so that no two
///   reports share a number.
/// - `trusted_time`: seconds since the Unix epoch from a trusted clock, or
///   NULL on an ECU without one.
/// - `serial`, `serial_len`: the ECU's serial (an identifier); must equal
///   the policy's serial when the policy has one.
/// - `signer`: the device key's signing function and its algorithm.
///
/// The report names the policy's hardware id and ECU name (for a system
/// configuration), and what the verified bundle installed: manifest
/// digest, kind, version, counter, the floors to persist, root version,
/// system configuration, components, signers.
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `out` and `*out_written` (the report length) on success; on
/// failure, including a failing signer, `out` is untouched.
/// Returns `MODELSEAL_STATUS_OK`; `_SIGNER_FAILED` (the signer returned
/// nonzero); `_UNSUPPORTED_ALGORITHM` (an unknown `signer->algorithm`);
/// `_INVALID` (a nonce shorter than `MODELSEAL_MIN_NONCE_LEN`, a serial
/// that is no identifier); `_LIMIT_EXCEEDED` (a nonce longer than
/// `MODELSEAL_MAX_NONCE_LEN`); `_WRONG_SERIAL` (the policy names another
/// serial); `_BUFFER_TOO_SMALL`; `_HASH_ENGINE`; `_INVALID_STATE` (context
/// not initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx`,
/// `signer`, `signer->sign` or `out_written` NULL, or `nonce`, `serial` or
/// `out` NULL with a nonzero length); `_INVALID_ARGUMENT` (`signer`,
/// `trusted_time` or `out_written` misaligned, or a length beyond what
/// memory can hold); `_MISALIGNED_CONTEXT`; a decoding status only if the
/// borrowed head changed after it verified.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `nonce` points at `nonce_len` readable bytes, `serial` at `serial_len`;
/// a non-NULL `trusted_time` is readable; `signer` is readable and its
/// `sign` is safe to call with its `user` during this call; `out` points at
/// `out_len` writable bytes; `out_written` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_encode_report(
    ctx: *mut modelseal_verifier,
    nonce: *const u8,
    nonce_len: usize,
    sequence: u64,
    trusted_time: *const u64,
    serial: *const c_char,
    serial_len: usize,
    signer: *const modelseal_report_signer,
    out: *mut u8,
    out_len: usize,
    out_written: *mut usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        let w = crate::ptr::out(out_written)?;
        // SAFETY: the caller's contract above; read during this call only.
        let s = unsafe { reference(signer) }?;
        let mut foreign = foreign_signer(s)?;
        // SAFETY: the caller's contract above.
        let nonce = unsafe { bytes(nonce, nonce_len) }?;
        // SAFETY: the caller's contract above.
        let serial = unsafe { opt_str(serial, serial_len) }?.unwrap_or("");
        let time = if trusted_time.is_null() {
            None
        } else {
            // SAFETY: non-NULL; readable by the contract.
            Some(*unsafe { reference(trusted_time) }?)
        };
        // SAFETY: the caller's contract above.
        let o = unsafe { bytes_mut(out, out_len) }?;
        let request = ReportRequest {
            nonce,
            sequence,
            trusted_time: time,
            serial,
        };
        // Encoded aside first, so a failure leaves `out` untouched.
        let mut rep = [0u8; MODELSEAL_MAX_REPORT_LEN];
        let n = c.encode_report(&request, &mut foreign, &mut rep)?;
        copy_to(o, rep.get(..n).ok_or(modelseal_status::BufferTooSmall)?)?;
        // SAFETY: `w` checked by `out`; writable by the contract.
        unsafe { write(w, n) };
        Ok(())
    })
}

fn foreign_signer(s: &modelseal_report_signer) -> Status<ForeignSigner> {
    Ok(ForeignSigner {
        algorithm: Algorithm::from_code(s.algorithm)
            .ok_or(modelseal_status::UnsupportedAlgorithm)?,
        user: s.user,
        sign: s.sign.ok_or(modelseal_status::NullArgument)?,
    })
}
