//! The installed identity (docs/C-API.md, "installed identity"): what a
//! verified bundle is, read from the context or, for the version and the
//! components, from a walk over the manifest that must hash to the signed
//! digest again. Every accessor answers `_INVALID_STATE` until a
//! verification succeeded; none writes its output on failure.

use super::identity::{component, empty_identity, push_component, push_signer};
use super::run;
use crate::consts::{MODELSEAL_DIGEST_LEN, MODELSEAL_ID_BUF_LEN};
use crate::context::Ctx;
use crate::ptr::{bytes_mut, c_string, copy_to, out, write};
use crate::status::{Status, modelseal_status};
use crate::types::{
    modelseal_component, modelseal_config_ref, modelseal_identity, modelseal_parameter_set,
    modelseal_verifier,
};
use core::ffi::c_char;
use modelseal_core::doc::{ComponentHead, ManifestHead, ParameterSet};
use modelseal_core::{Installed, ManifestVisitor, SessionState};

/// Runs `f` on the installed bundle of the context at `ctx`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call.
pub(super) unsafe fn with_installed<T>(
    ctx: *const modelseal_verifier,
    f: impl FnOnce(&Installed<'static, &SessionState>) -> Status<T>,
) -> Status<T> {
    // SAFETY: forwarded precondition.
    let c = unsafe { Ctx::from_const(ctx) }?;
    f(&c.installed()?)
}

/// Writes one value of the installed bundle to `out_value`.
///
/// # Safety
/// As for [`with_installed`]; `out_value` is writable.
pub(super) unsafe fn installed_value<T>(
    ctx: *const modelseal_verifier,
    out_value: *mut T,
    f: impl FnOnce(&Installed<'static, &SessionState>) -> Status<T>,
) -> modelseal_status {
    run(|| {
        let o = out(out_value)?;
        // SAFETY: forwarded precondition.
        let v = unsafe { with_installed(ctx, f) }?;
        // SAFETY: `o` checked by `out`; writable by the precondition.
        unsafe { write(o, v) };
        Ok(())
    })
}

/// SHA-256 of the installed manifest: the bundle's identity.
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `MODELSEAL_DIGEST_LEN` (32) bytes to `out` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_BUFFER_TOO_SMALL` (`out_len` < 32);
/// `_INVALID_STATE` (context not initialised, or no verified bundle);
/// `_NULL_ARGUMENT` (`ctx` NULL, or `out` NULL with a nonzero length);
/// `_INVALID_ARGUMENT` (`out_len` beyond what memory can hold);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call; `out`
/// points at `out_len` writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_manifest_digest(
    ctx: *const modelseal_verifier,
    out: *mut u8,
    out_len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let d = unsafe { with_installed(ctx, |i| Ok(*i.manifest_digest())) }?;
        // SAFETY: the caller's contract above.
        let o = unsafe { bytes_mut(out, out_len) }?;
        copy_to(o, &d)
    })
}

/// Kind of the installed bundle (`MODELSEAL_KIND_*`).
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_kind` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx` or
/// `out_kind` NULL); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_kind` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_kind(
    ctx: *const modelseal_verifier,
    out_kind: *mut u8,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe { installed_value(ctx, out_kind, |i| Ok(i.kind().code())) }
}

/// Security counter of the installed bundle.
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_counter` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx` or
/// `out_counter` NULL); `_INVALID_ARGUMENT` (`out_counter` misaligned);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_counter` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_security_counter(
    ctx: *const modelseal_verifier,
    out_counter: *mut u64,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe { installed_value(ctx, out_counter, |i| Ok(i.security_counter())) }
}

/// Version of the trust root in force after the installed bundle (higher
/// than the provisioned root's after a rotation).
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_version` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx` or
/// `out_version` NULL); `_INVALID_ARGUMENT` (`out_version` misaligned);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_version` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_root_version(
    ctx: *const modelseal_verifier,
    out_version: *mut u32,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe { installed_value(ctx, out_version, |i| Ok(i.root_version())) }
}

/// The installed bundle's version string, copied NUL-terminated into `out`
/// (`MODELSEAL_ID_BUF_LEN` bytes always suffice).
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `out` and `*out_written` (the length without the NUL) on success.
/// Returns `MODELSEAL_STATUS_OK`; `_BUFFER_TOO_SMALL` (the string and its
/// NUL do not fit `out_len`); `_INVALID_STATE` (context not initialised,
/// or no verified bundle); `_NULL_ARGUMENT` (`ctx` or `out_written` NULL,
/// or `out` NULL with a nonzero length); `_INVALID_ARGUMENT`
/// (`out_written` misaligned, or `out_len` beyond what memory can hold);
/// `_MISALIGNED_CONTEXT`; a decoding status only if the borrowed head
/// changed after it verified.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call; `out`
/// points at `out_len` writable bytes; `out_written` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_bundle_version(
    ctx: *const modelseal_verifier,
    out: *mut c_char,
    out_len: usize,
    out_written: *mut usize,
) -> modelseal_status {
    run(|| {
        let w = crate::ptr::out(out_written)?;
        // SAFETY: the caller's contract above.
        let v: [c_char; MODELSEAL_ID_BUF_LEN] =
            unsafe { with_installed(ctx, |i| Ok(collect(i, None)?.id.version)) }?;
        let len = v.iter().position(|&b| b == 0).unwrap_or(v.len());
        // SAFETY: the caller's contract above.
        let o = unsafe { bytes_mut(out.cast::<u8>(), out_len) }?;
        let dst = o.get_mut(..=len).ok_or(modelseal_status::BufferTooSmall)?;
        for (d, s) in dst.iter_mut().zip(v.iter()) {
            *d = *s as u8;
        }
        // SAFETY: `w` checked by `out`; writable by the contract.
        unsafe { write(w, len) };
        Ok(())
    })
}

fn config_ref_of(i: &Installed<'_, &SessionState>) -> Status<modelseal_config_ref> {
    Ok(match i.config() {
        None => modelseal_config_ref {
            present: false,
            digest: [0; MODELSEAL_DIGEST_LEN],
            config_id: [0; MODELSEAL_ID_BUF_LEN],
            config_version: [0; MODELSEAL_ID_BUF_LEN],
        },
        Some(c) => modelseal_config_ref {
            present: true,
            digest: c.digest,
            config_id: c_string(&c.config_id)?,
            config_version: c_string(&c.config_version)?,
        },
    })
}

/// The system configuration the installed bundle belongs to (a component
/// installed under a binding), or is (a system-configuration bundle).
/// `out_config->present` is false when there is none.
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_config` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx` or
/// `out_config` NULL); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_config` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_config(
    ctx: *const modelseal_verifier,
    out_config: *mut modelseal_config_ref,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe { installed_value(ctx, out_config, config_ref_of) }
}

/// Number of model components in the installed bundle (0 for a system
/// configuration).
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_count` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx` or
/// `out_count` NULL); `_INVALID_ARGUMENT` (`out_count` misaligned);
/// `_MISALIGNED_CONTEXT`; a decoding status only if the borrowed head
/// changed after it verified.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_count` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_component_count(
    ctx: *const modelseal_verifier,
    out_count: *mut usize,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe {
        installed_value(ctx, out_count, |i| {
            Ok(usize::from(collect(i, None)?.id.component_count))
        })
    }
}

/// Component `index` of the installed bundle: family, version, stage.
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_component` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INDEX_OUT_OF_RANGE` (`index` not below
/// the component count); `_INVALID_STATE` (context not initialised, or no
/// verified bundle); `_NULL_ARGUMENT` (`ctx` or `out_component` NULL);
/// `_MISALIGNED_CONTEXT`; a decoding status only if the borrowed head
/// changed after it verified.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_component` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_component(
    ctx: *const modelseal_verifier,
    index: usize,
    out_component: *mut modelseal_component,
) -> modelseal_status {
    run(|| {
        let o = out(out_component)?;
        // SAFETY: the caller's contract above.
        let v = unsafe {
            with_installed(ctx, |i| {
                let id = collect(i, None)?.id;
                id.components
                    .get(index)
                    .filter(|_| index < usize::from(id.component_count))
                    .copied()
                    .ok_or(modelseal_status::IndexOutOfRange)
            })
        }?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, v) };
        Ok(())
    })
}

fn identity_of_installed(i: &Installed<'_, &SessionState>) -> Status<modelseal_identity> {
    let mut id = collect(i, None)?.id;
    id.manifest_digest = *i.manifest_digest();
    id.kind = i.kind().code();
    id.security_counter = i.security_counter();
    id.root_version = i.root_version();
    id.config = config_ref_of(i)?;
    for k in i.signers() {
        push_signer(&mut id, *k)?;
    }
    Ok(id)
}

/// The whole installed identity in one record (the same fields the binary
/// identity record carries).
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `*out_identity` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx` or
/// `out_identity` NULL); `_INVALID_ARGUMENT` (`out_identity` misaligned);
/// `_MISALIGNED_CONTEXT`; a decoding status only if the borrowed head
/// changed after it verified.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_identity` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_identity(
    ctx: *const modelseal_verifier,
    out_identity: *mut modelseal_identity,
) -> modelseal_status {
    // SAFETY: the caller's contract above.
    unsafe { installed_value(ctx, out_identity, identity_of_installed) }
}

/// What the C accessors report from a walk over the verified manifest,
/// copied out as it passes; used only once the walk has returned `Ok`
/// (the copy hashed to the signed digest).
pub(super) struct Collected {
    pub(super) id: modelseal_identity,
    params_wanted: Option<usize>,
    pub(super) param_count: usize,
    pub(super) param: Option<modelseal_parameter_set>,
}

fn too_long(_: modelseal_status) -> modelseal_core::Error {
    modelseal_core::Error::LimitExceeded
}

impl ManifestVisitor for Collected {
    fn head(&mut self, h: &ManifestHead<'_>) -> modelseal_core::Result<()> {
        self.id.version = c_string(h.version).map_err(too_long)?;
        Ok(())
    }
    fn component(&mut self, _index: usize, c: &ComponentHead<'_>) -> modelseal_core::Result<()> {
        let c = component(c.family, c.version, c.stage).map_err(too_long)?;
        push_component(&mut self.id, c).map_err(too_long)
    }
    fn parameter_set(&mut self, index: usize, p: &ParameterSet<'_>) -> modelseal_core::Result<()> {
        self.param_count = self.param_count.saturating_add(1);
        if self.params_wanted == Some(index) {
            self.param = Some(modelseal_parameter_set {
                name: c_string(p.name).map_err(too_long)?,
                vehicle_variant: c_string(p.vehicle_variant).map_err(too_long)?,
                sensor_set: c_string(p.sensor_set).map_err(too_long)?,
                market: c_string(p.market).map_err(too_long)?,
                digest: p.digest,
            });
        }
        Ok(())
    }
}

/// Walks the installed manifest again (re-authenticated), collecting the
/// version, the components and, when asked, parameter set `param`.
pub(super) fn collect(i: &Installed<'_, &SessionState>, param: Option<usize>) -> Status<Collected> {
    let mut c = Collected {
        id: empty_identity(),
        params_wanted: param,
        param_count: 0,
        param: None,
    };
    i.visit_manifest(&mut c)?;
    Ok(c)
}
