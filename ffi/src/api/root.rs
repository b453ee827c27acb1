//! Trust roots handed to the device: the new root after a bundle that
//! rotated it (docs/C-API.md, "what to persist") and the roots of a root
//! update (docs/C-API.md, "catching up"). Only a complete root, checked
//! against what was verified, ever reaches the caller's buffer.

use super::installed::with_installed;
use super::run;
use crate::context::Ctx;
use crate::ptr::{bytes, bytes_mut, copy_to, out, write};
use crate::status::{Status, modelseal_status};
use crate::types::{modelseal_root_update, modelseal_verifier};

/// Hands out a root envelope that `copy` writes into a buffer of its own
/// (checked against what was verified) and returns its length: only a
/// complete, checked root reaches `out`, so a failure leaves `out`
/// untouched. Nothing is written when `copy` finds no root (length 0).
///
/// # Safety
/// `out` points at `out_len` writable bytes (may be NULL when nothing is
/// handed out).
unsafe fn hand_out_root(
    out: *mut u8,
    out_len: usize,
    copy: impl FnOnce(&mut [u8]) -> Status<usize>,
) -> Status<usize> {
    let mut root = [0u8; crate::consts::MODELSEAL_MAX_ROOT_ENVELOPE_LEN];
    let n = copy(&mut root)?;
    if n > 0 {
        // SAFETY: forwarded precondition.
        let o = unsafe { bytes_mut(out, out_len) }?;
        copy_to(o, root.get(..n).ok_or(modelseal_status::InvalidState)?)?;
    }
    Ok(n)
}

/// After a bundle that rotated the trust root: copies the new root envelope,
/// which the device persists (with the counter floor) once the new software
/// has confirmed itself, and passes to `modelseal_verifier_init` from then
/// on (docs/C-API.md, "What to persist, and when").
/// `MODELSEAL_MAX_ROOT_ENVELOPE_LEN` bytes always suffice. When the bundle
/// carried no rotation, writes 0 to `*out_written` and nothing to `out`
/// (which may then be NULL with `out_len` 0).
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `out` and `*out_written` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_BUFFER_TOO_SMALL` (the root does not
/// fit `out_len`); `_INVALID_STATE` (context not initialised, or no
/// verified bundle); `_NULL_ARGUMENT` (`ctx` or `out_written` NULL, or
/// `out` NULL with a nonzero length); `_INVALID_ARGUMENT` (`out_written`
/// misaligned, or `out_len` beyond what memory can hold);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call; `out`
/// points at `out_len` writable bytes; `out_written` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_new_root(
    ctx: *const modelseal_verifier,
    out: *mut u8,
    out_len: usize,
    out_written: *mut usize,
) -> modelseal_status {
    run(|| {
        let w = crate::ptr::out(out_written)?;
        // SAFETY: the caller's contract above.
        // SAFETY: the caller's contract above (for `ctx`, `out` and `out_len`).
        let n = unsafe {
            hand_out_root(out, out_len, |root| {
                with_installed(ctx, |i| Ok(i.copy_new_root(root)?))
            })
        }?;
        // SAFETY: `w` checked by `out`; writable by the contract.
        unsafe { write(w, n) };
        Ok(())
    })
}

/// Applies a root update (a file of up to eight trust roots and nothing
/// else, made by `modelseal root update`): how a device more rotations
/// behind than one bundle's chain carries catches up. Every root must be
/// the next version, signed by the current and its own root role, exactly
/// as in a bundle; roots already applied are skipped. Ends any
/// verification in progress on `ctx`.
///
/// Writes the root envelope to persist into `out_root`
/// (`MODELSEAL_MAX_ROOT_ENVELOPE_LEN` bytes always suffice) and
/// `*out_result` on success. Persist the root and the floors, then
/// initialise a context with the new root for the next update or the
/// bundle.
/// Returns `MODELSEAL_STATUS_OK`, `_NULL_ARGUMENT`, `_MISALIGNED_CONTEXT`,
/// `_INVALID_STATE` (context not initialised), `_BAD_MAGIC` (not a root
/// update), `_TRUNCATED`, `_TRAILING_BYTES`, `_INVALID` (no roots),
/// `_SIGNATURE_REJECTED`, `_ROOT_VERSION_NOT_NEXT`, `_ROOT_INVALID`,
/// `_ROOT_EXPIRED`, `_INPUT_CHANGED`, `_BUFFER_TOO_SMALL`, and the framing
/// statuses of an envelope.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `update` points at `update_len` readable bytes; `out_root` at
/// `out_root_len` writable bytes; `out_result` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_apply_root_update(
    ctx: *mut modelseal_verifier,
    update: *const u8,
    update_len: usize,
    out_root: *mut u8,
    out_root_len: usize,
    out_result: *mut modelseal_root_update,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        let o = out(out_result)?;
        // SAFETY: the caller's contract above.
        let u = unsafe { bytes(update, update_len) }?;
        let mut result = None;
        // SAFETY: the caller's contract above (for `out_root` and its length).
        let n = unsafe {
            hand_out_root(out_root, out_root_len, |root| {
                let (n, version, floors) = c.root_update(u, root)?;
                result = Some((version, floors));
                Ok(n)
            })
        }?;
        let (version, floors) = result.ok_or(modelseal_status::InvalidState)?;
        let r = modelseal_root_update {
            root_version: version,
            root_len: n,
            component_floor: floors.component,
            system_config_floor: floors.system_config,
        };
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, r) };
        Ok(())
    })
}
