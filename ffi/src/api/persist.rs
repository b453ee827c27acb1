//! What the device persists after a verified bundle, besides a new trust
//! root (`root.rs`): the security-counter floors, and from a
//! system-configuration bundle the binding for later component policies
//! (docs/C-API.md, "what to persist"). Values only: when to write them is
//! the firmware's decision, documented in "What to persist, and when".

use super::installed::{installed_value, with_installed};
use super::run;
use crate::consts::MODELSEAL_DIGEST_LEN;
use crate::ptr::{c_string, out, write};
use crate::status::modelseal_status;
use crate::types::{modelseal_config_binding, modelseal_verifier};

/// The security-counter floor of the installed bundle's own kind after it:
/// the larger of the policy's floor for that kind (after any re-base the
/// root chain applied) and the bundle's counter, so never lower than the
/// floor the device stores for that kind. See `modelseal_verifier_get_floors`
/// for both kinds. Persist it (with any new root from
/// `modelseal_verifier_get_new_root`) once the new software has confirmed
/// itself, not before: until then the previous bundle must stay installable
/// so that a faulty update can be reverted. docs/C-API.md, "What to
/// persist, and when".
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_floor` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx` or
/// `out_floor` NULL); `_INVALID_ARGUMENT` (`out_floor` misaligned);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_floor` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_counter_floor(
    ctx: *const modelseal_verifier,
    out_floor: *mut u64,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe { installed_value(ctx, out_floor, |i| Ok(i.counter_floor())) }
}

/// Both security-counter floors after the installed bundle: its own kind's
/// floor raised to its counter, the other kind's as the policy gave it,
/// and either one set to a re-base that a trust-root rotation in this
/// bundle carried. Persist both (see docs/C-API.md for when): a bundle of
/// one kind never moves the other kind's floor.
///
/// Writes `*out_component_floor` and `*out_system_config_floor` on
/// success. Returns `MODELSEAL_STATUS_OK`, `_NULL_ARGUMENT`,
/// `_MISALIGNED_CONTEXT`, `_INVALID_STATE` (no verified bundle).
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call; both
/// outputs are writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_floors(
    ctx: *const modelseal_verifier,
    out_component_floor: *mut u64,
    out_system_config_floor: *mut u64,
) -> modelseal_status {
    run(|| {
        let c = out(out_component_floor)?;
        let s = out(out_system_config_floor)?;
        // SAFETY: the caller's contract above.
        let f = unsafe { with_installed(ctx, |i| Ok(i.floors())) }?;
        // SAFETY: `c` and `s` checked by `out`; writable by the contract.
        unsafe {
            write(c, f.component);
            write(s, f.system_config);
        }
        Ok(())
    })
}

/// For an installed system-configuration bundle: this ECU's entry as a
/// binding, to put in `modelseal_policy.config` when verifying component
/// bundles (only components it lists are then accepted).
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_binding` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_WRONG_KIND` (a component bundle);
/// `_INVALID_STATE` (context not initialised, or no verified bundle);
/// `_NULL_ARGUMENT` (`ctx` or `out_binding` NULL); `_MISALIGNED_CONTEXT`;
/// a decoding status only if the borrowed head changed after it verified.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_binding` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_config_binding(
    ctx: *const modelseal_verifier,
    out_binding: *mut modelseal_config_binding,
) -> modelseal_status {
    run(|| {
        let o = out(out_binding)?;
        // SAFETY: the caller's contract above.
        let v = unsafe {
            with_installed(ctx, |i| {
                let b = i.config_binding()?;
                let mut r = modelseal_config_binding {
                    digest: *b.digest(),
                    config_id: c_string(b.config_id())?,
                    config_version: c_string(b.config_version())?,
                    allowed_count: 0,
                    allowed: [[0; MODELSEAL_DIGEST_LEN]; crate::consts::MODELSEAL_MAX_ECU_MODELS],
                };
                for d in b.allowed() {
                    let slot = r
                        .allowed
                        .get_mut(usize::from(r.allowed_count))
                        .ok_or(modelseal_status::LimitExceeded)?;
                    *slot = *d;
                    r.allowed_count = r.allowed_count.saturating_add(1);
                }
                Ok(r)
            })
        }?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, v) };
        Ok(())
    })
}
