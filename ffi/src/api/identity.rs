//! Identity records: the binary record an ECU reports (encoded from a
//! verified context, decoded by a HiL rig; docs/C-API.md, "installed
//! identity" and "HiL read-back") and the C `modelseal_identity` filled
//! from either side. A decoded record is not signed: its check value only
//! catches transport corruption.

use super::{engine_from_c, run};
use crate::consts::{MODELSEAL_DIGEST_LEN, MODELSEAL_ID_BUF_LEN, MODELSEAL_MAX_IDENTITY_LEN};
use crate::context::Ctx;
use crate::ptr::{bytes, bytes_mut, c_string, copy_to, out, write};
use crate::status::{Status, modelseal_status};
use crate::types::{
    modelseal_component, modelseal_config_ref, modelseal_identity, modelseal_sha256_engine,
    modelseal_verifier,
};
use modelseal_core::identity::{self, IdentityView};

pub(super) fn component(family: &str, version: &str, stage: u8) -> Status<modelseal_component> {
    Ok(modelseal_component {
        family: c_string(family)?,
        version: c_string(version)?,
        stage,
    })
}

const EMPTY_COMPONENT: modelseal_component = modelseal_component {
    family: [0; MODELSEAL_ID_BUF_LEN],
    version: [0; MODELSEAL_ID_BUF_LEN],
    stage: 0,
};

pub(super) fn empty_identity() -> modelseal_identity {
    modelseal_identity {
        manifest_digest: [0; MODELSEAL_DIGEST_LEN],
        kind: 0,
        security_counter: 0,
        version: [0; MODELSEAL_ID_BUF_LEN],
        root_version: 0,
        config: modelseal_config_ref {
            present: false,
            digest: [0; MODELSEAL_DIGEST_LEN],
            config_id: [0; MODELSEAL_ID_BUF_LEN],
            config_version: [0; MODELSEAL_ID_BUF_LEN],
        },
        component_count: 0,
        components: [EMPTY_COMPONENT; crate::consts::MODELSEAL_MAX_COMPONENTS],
        signer_count: 0,
        signers: [[0; crate::consts::MODELSEAL_KEY_ID_LEN]; crate::consts::MODELSEAL_MAX_SIGNERS],
    }
}

/// Appends `c` as the next component of `id`.
pub(super) fn push_component(id: &mut modelseal_identity, c: modelseal_component) -> Status<()> {
    let slot = id
        .components
        .get_mut(usize::from(id.component_count))
        .ok_or(modelseal_status::LimitExceeded)?;
    *slot = c;
    id.component_count = id.component_count.saturating_add(1);
    Ok(())
}

/// Appends `k` as the next signer of `id`.
pub(super) fn push_signer(id: &mut modelseal_identity, k: [u8; 8]) -> Status<()> {
    let slot = id
        .signers
        .get_mut(usize::from(id.signer_count))
        .ok_or(modelseal_status::LimitExceeded)?;
    *slot = k;
    id.signer_count = id.signer_count.saturating_add(1);
    Ok(())
}

fn identity_of_view(v: &IdentityView<'_>) -> Status<modelseal_identity> {
    let mut id = empty_identity();
    id.manifest_digest = v.head.manifest_digest;
    id.kind = v.head.kind;
    id.security_counter = v.head.security_counter;
    id.version = c_string(v.head.version)?;
    id.root_version = v.head.root_version;
    if let Some(c) = &v.config {
        id.config = modelseal_config_ref {
            present: true,
            digest: c.digest,
            config_id: c_string(c.config_id)?,
            config_version: c_string(c.config_version)?,
        };
    }
    let mut comps = v.components;
    while let Some(c) = comps.try_next()? {
        push_component(&mut id, component(c.family, c.version, c.stage)?)?;
    }
    let mut signers = v.signers;
    while let Some(k) = signers.try_next()? {
        push_signer(&mut id, k)?;
    }
    Ok(id)
}

/// Encodes the binary identity record (what a UDS diagnostic read or a HiL
/// rig transports) into `out`; `MODELSEAL_MAX_IDENTITY_LEN` bytes always
/// suffice. Hashes with the context's engine (for the check value).
///
/// Needs a verified bundle: after a whole-bundle verification, or after
/// `modelseal_verifier_finish` succeeded.
/// Writes `out` and `*out_written` (the record length) on success; on
/// failure `out` is untouched.
/// Returns `MODELSEAL_STATUS_OK`; `_BUFFER_TOO_SMALL` (the record does not
/// fit `out_len`); `_HASH_ENGINE`; `_INVALID_STATE` (context not
/// initialised, or no verified bundle); `_NULL_ARGUMENT` (`ctx` or
/// `out_written` NULL, or `out` NULL with a nonzero length);
/// `_INVALID_ARGUMENT` (`out_written` misaligned, or `out_len` beyond what
/// memory can hold); `_MISALIGNED_CONTEXT`; a decoding status only if the
/// borrowed head changed after it verified.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `out` points at `out_len` writable bytes; `out_written` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_encode_identity(
    ctx: *mut modelseal_verifier,
    out: *mut u8,
    out_len: usize,
    out_written: *mut usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        let w = crate::ptr::out(out_written)?;
        // SAFETY: the caller's contract above.
        let o = unsafe { bytes_mut(out, out_len) }?;
        // Encoded aside first, so a failure leaves `out` untouched.
        let mut rec = [0u8; MODELSEAL_MAX_IDENTITY_LEN];
        let n = c.encode_identity(&mut rec)?;
        copy_to(o, rec.get(..n).ok_or(modelseal_status::BufferTooSmall)?)?;
        // SAFETY: `w` checked by `out`; writable by the contract.
        unsafe { write(w, n) };
        Ok(())
    })
}

/// Decodes and checks a binary identity record (as received from an ECU)
/// that spans all of `record_len` bytes. The record is not signed: its
/// check value catches transport corruption; confirm what it claims by
/// comparing its manifest digest with the expected bundle's.
///
/// - `engine`: NULL for the built-in software SHA-256, or the caller's.
///
/// Writes `*out_identity` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_IDENTITY_CHECK`; `_BAD_MAGIC`;
/// `_UNSUPPORTED_VERSION`; `_TRUNCATED`; `_TRAILING_BYTES`; `_MALFORMED`;
/// `_INVALID`; `_LIMIT_EXCEEDED`; `_HASH_ENGINE`; `_NULL_ARGUMENT`
/// (`out_identity` NULL, `record` NULL with a nonzero length, or an engine
/// function missing); `_INVALID_ARGUMENT` (`out_identity` or `engine`
/// misaligned, or `record_len` beyond what memory can hold).
///
/// # Safety
/// `record` points at `record_len` readable bytes; a non-NULL `engine`
/// describes valid functions; `out_identity` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_identity_decode(
    record: *const u8,
    record_len: usize,
    engine: *const modelseal_sha256_engine,
    out_identity: *mut modelseal_identity,
) -> modelseal_status {
    run(|| {
        let o = out(out_identity)?;
        // SAFETY: the caller's contract above; read during this call only.
        let rec = unsafe { bytes(record, record_len) }?;
        // SAFETY: the caller's contract above.
        let mut engine = unsafe { engine_from_c(engine) }?;
        let view = identity::decode(&mut engine, rec)?;
        let v = identity_of_view(&view)?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, v) };
        Ok(())
    })
}
