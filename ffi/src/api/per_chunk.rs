//! Verifying a bundle piece by piece (docs/C-API.md, "per chunk"): the
//! head first, then each artifact's bytes in chunks of any size, the
//! padding between them, and the end of the session. Nothing an artifact
//! call is fed is kept; what the head said is read again only from the
//! borrowed head and authenticated again.

use super::run;
use crate::context::Ctx;
use crate::ptr::{bytes, c_string, out, write};
use crate::status::modelseal_status;
use crate::types::{modelseal_artifact_info, modelseal_verifier};

/// Verifies a bundle head: the container header, the root rotation chain,
/// the manifest's signatures and the device policy. Starts a new
/// verification (any earlier one on this context is dropped, also when
/// this one is refused). On success the artifacts are checked with
/// `modelseal_verifier_begin_artifact` / `_update_artifact` /
/// `_finish_artifact`, the bytes between them with
/// `modelseal_verifier_check_padding` and the file's length against
/// `modelseal_verifier_get_bundle_len`; then `modelseal_verifier_finish`.
///
/// - `head`, `head_len`: the bundle's first `head_len` bytes, **including
///   the 16-byte container header**: `head` points at the bundle's first
///   byte, and `head_len` is what `modelseal_bundle_get_head_len` returns
///   (which counts the header). Passing the bytes after the header
///   (`bundle + 16`) is refused with `_BAD_MAGIC`. **Borrowed**: must
///   stay valid and unchanged until the context is initialised again or
///   verifies another bundle (the accessors read the manifest from it).
///
/// Returns `MODELSEAL_STATUS_OK` or a refusal of the head. Format:
/// `_BAD_MAGIC`, `_UNSUPPORTED_VERSION`, `_TRUNCATED` (also `head_len`
/// shorter than the header states; a short head is judged as
/// `modelseal_bundle_get_head_len` says), `_TRAILING_BYTES` (`head_len`
/// longer than the header states), `_MALFORMED`, `_LIMIT_EXCEEDED`,
/// `_INVALID`, `_WRONG_DOCUMENT_TYPE`, `_UNSUPPORTED_EXTENSION`. Trust
/// root: `_ROOT_INVALID`, `_ROOT_VERSION_NOT_NEXT`, `_ROOT_EXPIRED`.
/// Signatures: `_SIGNATURE_REJECTED`. Policy: `_MANIFEST_EXPIRED`,
/// `_WRONG_KIND`, `_WRONG_HARDWARE`, `_WRONG_SERIAL`, `_WRONG_PLATFORM`,
/// `_WRONG_MARKET`, `_ROLLBACK`, `_STAGE_TOO_LOW`, `_LINEAGE_INCOMPLETE`,
/// `_NOT_IN_CONFIGURATION`. And `_HASH_ENGINE`; `_INVALID_STATE` (context
/// not initialised); `_NULL_ARGUMENT` (`ctx` NULL, or `head` NULL with a
/// nonzero length); `_INVALID_ARGUMENT` (`head_len` beyond what memory can
/// hold); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `head` points at `head_len` readable bytes, kept as stated above.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_verify_head(
    ctx: *mut modelseal_verifier,
    head: *const u8,
    head_len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        // SAFETY: borrowed as the contract above states.
        let head: &'static [u8] = unsafe { bytes(head, head_len) }?;
        c.verify_head(head)
    })
}

/// Number of artifacts of the verified head.
///
/// Needs a verified head: after `modelseal_verifier_verify_head` succeeded,
/// until `modelseal_verifier_finish` succeeds.
/// Writes `*out_count` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified head); `_NULL_ARGUMENT` (`ctx` or
/// `out_count` NULL); `_INVALID_ARGUMENT` (`out_count` misaligned);
/// `_MISALIGNED_CONTEXT`; a decoding status only if the borrowed head
/// changed after it verified.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_count` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_artifact_count(
    ctx: *const modelseal_verifier,
    out_count: *mut usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_const(ctx) }?;
        let o = out(out_count)?;
        let n = c.with_verified_head(|s| Ok(s.manifest()?.artifact_count()))?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, n) };
        Ok(())
    })
}

/// Length the whole bundle file must have, in bytes, as the verified head
/// states it (the end of the last payload). On the per-chunk path the
/// caller compares it with the length of the file or stream: shorter is
/// `MODELSEAL_STATUS_TRUNCATED`, longer `MODELSEAL_STATUS_TRAILING_BYTES`,
/// as the whole-bundle calls answer.
///
/// Needs a verified head: after `modelseal_verifier_verify_head` succeeded,
/// until `modelseal_verifier_finish` succeeds.
/// Writes `*out_len` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or no verified head); `_NULL_ARGUMENT` (`ctx` or `out_len`
/// NULL); `_INVALID_ARGUMENT` (`out_len` misaligned);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_len` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_bundle_len(
    ctx: *const modelseal_verifier,
    out_len: *mut u64,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_const(ctx) }?;
        let o = out(out_len)?;
        let n = c.with_verified_head(|s| Ok(s.bundle_len()))?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, n) };
        Ok(())
    })
}

/// Length of the verified head, in bytes, the 16-byte container header
/// included: after `modelseal_verifier_verify_head` the length it was
/// given; after a whole-bundle verification how many bytes at the start of
/// the work buffer (or of the in-memory bundle) stay borrowed. Firmware can
/// record it to size the next work buffer with `MODELSEAL_WORK_BUF_LEN`.
///
/// Needs a verified head or a verified bundle.
/// Writes `*out_head_len` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised, or nothing verified); `_NULL_ARGUMENT` (`ctx` or
/// `out_head_len` NULL); `_INVALID_ARGUMENT` (`out_head_len` misaligned);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_head_len` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_head_len(
    ctx: *const modelseal_verifier,
    out_head_len: *mut usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_const(ctx) }?;
        let o = out(out_head_len)?;
        let n = c.head_len()?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, n) };
        Ok(())
    })
}

/// Checks bytes of the bundle file that belong to no artifact: the padding
/// in front of each payload, which must be zero (the whole-bundle calls
/// check it themselves). The padding in front of artifact `i` runs from
/// the end of what precedes it (the head, or the payload of artifact
/// `i - 1`) to its `offset` from `modelseal_verifier_get_artifact`; it is
/// shorter than 4096 bytes and may be empty. Pass it whole or in pieces of
/// any size (0 included; `data` may then be NULL): nothing is kept between
/// calls. Checking it means every byte of the file is checked, as the
/// signature covers the head and the digests cover the payloads.
///
/// Needs a verified head: after `modelseal_verifier_verify_head` succeeded,
/// until `modelseal_verifier_finish` succeeds.
/// Returns `MODELSEAL_STATUS_OK` (every byte zero); `_MALFORMED` (a nonzero
/// byte, as the whole-bundle calls answer); `_INVALID_STATE` (context not
/// initialised, or no verified head); `_NULL_ARGUMENT` (`ctx` NULL, or
/// `data` NULL with a nonzero length); `_INVALID_ARGUMENT` (`len` beyond
/// what memory can hold); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call; `data`
/// points at `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_check_padding(
    ctx: *const modelseal_verifier,
    data: *const u8,
    len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_const(ctx) }?;
        // SAFETY: the caller's contract; read during this call only.
        let data = unsafe { bytes(data, len) }?;
        c.with_verified_head(|_| Ok(()))?;
        if data.iter().any(|&b| b != 0) {
            return Err(modelseal_status::Malformed);
        }
        Ok(())
    })
}

/// Describes artifact `index` of the verified head: where its payload is in
/// the bundle file, its length and kind, its name, whether it is encrypted.
/// The record is read again from the head and authenticated against the
/// tree of records kept when the head verified (`_INPUT_CHANGED` if the
/// head changed). The context is not `const` here: it keeps the sibling
/// hashes of the last lookup, so lookups in ascending order cost about
/// log2(count) record reads each (a jump costs one pass over the records).
///
/// Needs a verified head: after `modelseal_verifier_verify_head` succeeded,
/// until `modelseal_verifier_finish` succeeds.
/// Writes `*out_info` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_NO_SUCH_ARTIFACT` (`index` not below
/// the artifact count); `_INVALID_STATE` (context not initialised, or no
/// verified head); `_NULL_ARGUMENT` (`ctx` or `out_info` NULL);
/// `_INVALID_ARGUMENT` (`out_info` misaligned); `_MISALIGNED_CONTEXT`;
/// `_INPUT_CHANGED` (the head buffer changed after it verified).
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `out_info` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_artifact(
    ctx: *mut modelseal_verifier,
    index: usize,
    out_info: *mut modelseal_artifact_info,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        let o = out(out_info)?;
        let info = c.with_verified_head_mut(|s| {
            let (a, offset) = s.artifact(index)?;
            Ok(modelseal_artifact_info {
                offset,
                size: a.size,
                plaintext_size: a.plaintext.as_ref().map_or(0, |p| p.size),
                kind: a.kind,
                encrypted: a.plaintext.is_some(),
                name: c_string(&a.name)?,
            })
        })?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, info) };
        Ok(())
    })
}

/// Starts checking the distributed bytes of artifact `index` (any order;
/// an artifact may be checked again). Ends any check in progress.
///
/// Needs a verified head: after `modelseal_verifier_verify_head` succeeded,
/// until `modelseal_verifier_finish` succeeds.
/// Returns `MODELSEAL_STATUS_OK`; `_NO_SUCH_ARTIFACT` (`index` not below
/// the artifact count); `_HASH_ENGINE`; `_INVALID_STATE` (context not
/// initialised, or no verified head); `_NULL_ARGUMENT` (`ctx` NULL);
/// `_MISALIGNED_CONTEXT`; a decoding status only if the borrowed head
/// changed after it verified. A refusal also ends any check in progress.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_begin_artifact(
    ctx: *mut modelseal_verifier,
    index: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        c.begin(index, false)
    })
}

/// Starts checking the plaintext of encrypted artifact `index` (the bytes
/// after the firmware decrypted them) against the manifest's plaintext
/// length and digest. A plaintext check does not count towards
/// `modelseal_verifier_finish`, which needs the distributed bytes.
///
/// Needs a verified head: after `modelseal_verifier_verify_head` succeeded,
/// until `modelseal_verifier_finish` succeeds.
/// Returns `MODELSEAL_STATUS_OK`; `_NO_SUCH_ARTIFACT` (`index` not below
/// the artifact count, or the artifact is not encrypted); `_HASH_ENGINE`;
/// `_INVALID_STATE` (context not initialised, or no verified head);
/// `_NULL_ARGUMENT` (`ctx` NULL); `_MISALIGNED_CONTEXT`; a decoding status
/// only if the borrowed head changed after it verified. A refusal also
/// ends any check in progress.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_begin_plaintext(
    ctx: *mut modelseal_verifier,
    index: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        c.begin(index, true)
    })
}

/// Feeds the next `len` bytes of the artifact being checked, in a chunk of
/// any size (0 included; `data` may then be NULL). The bytes are hashed
/// during the call and not kept.
///
/// Returns `MODELSEAL_STATUS_OK`; `_ARTIFACT_TOO_LONG` (more bytes than the
/// manifest states); `_HASH_ENGINE`; `_INVALID_STATE` (context not
/// initialised, or no check begun); `_NULL_ARGUMENT` (`ctx` NULL, or
/// `data` NULL with a nonzero length); `_INVALID_ARGUMENT` (`len` beyond
/// what memory can hold); `_MISALIGNED_CONTEXT`. After
/// `_ARTIFACT_TOO_LONG` or `_HASH_ENGINE` the check is over; begin it
/// again. An argument refusal reaches no check and leaves it open.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `data` points at `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_update_artifact(
    ctx: *mut modelseal_verifier,
    data: *const u8,
    len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        // SAFETY: the caller's contract; read during this call only.
        let data = unsafe { bytes(data, len) }?;
        c.update(data)
    })
}

/// Ends the artifact being checked: its length and SHA-256 must match the
/// manifest. The check is over either way.
///
/// Returns `MODELSEAL_STATUS_OK`; `_ARTIFACT_TRUNCATED` (fewer bytes than
/// the manifest states); `_ARTIFACT_DIGEST_MISMATCH`; `_HASH_ENGINE`;
/// `_INVALID_STATE` (context not initialised, or no check begun);
/// `_NULL_ARGUMENT` (`ctx` NULL); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_finish_artifact(
    ctx: *mut modelseal_verifier,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        c.finish_artifact()
    })
}

/// Ends a per-chunk verification: every artifact must have verified. On
/// success the installed identity can be read.
///
/// Returns `MODELSEAL_STATUS_OK`; `_ARTIFACTS_INCOMPLETE` (an artifact has
/// not verified); `_INVALID_STATE` (context not initialised, no verified
/// head, the session already finished, or an artifact check still in
/// progress); `_NULL_ARGUMENT` (`ctx` NULL); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_finish(
    ctx: *mut modelseal_verifier,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        c.finish()
    })
}
