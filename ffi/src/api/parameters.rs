//! Parameter data of an installed system-configuration bundle
//! (docs/C-API.md, "parameter data"): the signed parameter sets, and a
//! check of the data the firmware loads against a set's signed digest.
//! The sets are read from a re-authenticated walk over the manifest.

use super::installed::{collect, installed_value, with_installed};
use super::run;
use crate::ptr::bytes;
use crate::status::modelseal_status;
use crate::types::{modelseal_parameter_set, modelseal_verifier};
use modelseal_core::BundleKind;

/// For an installed system-configuration bundle: how many parameter sets
/// it lists.
///
/// Writes `*out_count` on success. Returns `MODELSEAL_STATUS_OK`,
/// `_NULL_ARGUMENT`, `_MISALIGNED_CONTEXT`, `_INPUT_CHANGED`,
/// `_INVALID_STATE`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_count` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_parameter_set_count(
    ctx: *const modelseal_verifier,
    out_count: *mut usize,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe { installed_value(ctx, out_count, |i| Ok(collect(i, None)?.param_count)) }
}

/// For an installed system-configuration bundle: parameter set `index` (in
/// manifest order, names ascending): its name, vehicle variant, sensor set,
/// market and the signed SHA-256 of its data. Pick the set that matches
/// the vehicle, then check the data with
/// `modelseal_verifier_check_parameter_set`.
///
/// Writes `*out_set` on success. Returns `MODELSEAL_STATUS_OK`,
/// `_NULL_ARGUMENT`, `_MISALIGNED_CONTEXT`, `_INDEX_OUT_OF_RANGE`,
/// `_WRONG_KIND` (a component bundle), `_INPUT_CHANGED`, `_INVALID_STATE`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_set` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_parameter_set(
    ctx: *const modelseal_verifier,
    index: usize,
    out_set: *mut modelseal_parameter_set,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe {
        installed_value(ctx, out_set, |i| {
            if i.kind() != BundleKind::SystemConfig {
                return Err(modelseal_status::WrongKind);
            }
            collect(i, Some(index))?
                .param
                .ok_or(modelseal_status::IndexOutOfRange)
        })
    }
}

/// For an installed system-configuration bundle: checks the parameter data
/// the firmware loaded (calibration, thresholds) against parameter set
/// `index`'s signed SHA-256, hashing `data` with the built-in SHA-256.
///
/// Returns `MODELSEAL_STATUS_OK` when it matches,
/// `_ARTIFACT_DIGEST_MISMATCH` when it does not, `_NULL_ARGUMENT`,
/// `_MISALIGNED_CONTEXT`, `_NO_SUCH_ARTIFACT` (no such set), `_WRONG_KIND`,
/// `_INPUT_CHANGED`, `_INVALID_STATE`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call; `data`
/// points at `len` readable bytes (may be NULL when `len` is 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_check_parameter_set(
    ctx: *const modelseal_verifier,
    index: usize,
    data: *const u8,
    len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let d = unsafe { bytes(data, len) }?;
        // SAFETY: the caller's contract above.
        unsafe { with_installed(ctx, |i| Ok(i.check_parameter_set(index, d)?)) }
    })
}
