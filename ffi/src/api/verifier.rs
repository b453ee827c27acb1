//! Setting up a context and verifying a whole bundle with it
//! (docs/C-API.md, "setting up" and "whole bundle"): the calls that start
//! from nothing and end with a verified bundle or a refusal. A refused
//! call never leaves an earlier answer behind on the context.

use super::policy::policy_from_c;
use super::{engine_from_c, run};
use crate::context::{Ctx, Reader};
use crate::ptr::{bytes, bytes_mut, out, reference, write};
use crate::status::modelseal_status;
use crate::types::{
    modelseal_policy, modelseal_read_fn, modelseal_sha256_engine, modelseal_verifier,
};
use core::ffi::c_void;
use modelseal_core::Verifier;

/// Initialises a verifier context with the device's trust root and policy.
/// May be called again on the same context to start over (for example with
/// a new root after a rotation).
///
/// - `ctx`: caller-allocated storage of `MODELSEAL_VERIFIER_SIZE` bytes,
///   aligned to `MODELSEAL_VERIFIER_ALIGN`; need not be initialised.
/// - `root`, `root_len`: the provisioned (or last persisted) trust-root
///   envelope, trusted as stored. **Borrowed**: must stay valid and
///   unchanged for as long as the context is used.
/// - `policy`: read during this call only (strings and `config` included).
///   An optional string is absent when its pointer is NULL and its length
///   0. A non-NULL string of length 0 is not absent: it is an empty
///   identifier, which the identifier rules refuse (`_INVALID`), so a
///   value the firmware failed to read is never taken for "not set".
/// - `engine`: NULL for the built-in software SHA-256, or the firmware's
///   functions (copied; `engine->user` must stay valid while the context is
///   used).
///
/// On success the context is ready; any earlier verification on it is
/// forgotten. On any refusal the context is left uninitialised, even one
/// that was initialised before: every other call on it answers
/// `_INVALID_STATE` until an init succeeds, so no answer about an earlier
/// bundle, root or policy survives a refused init. (A NULL or misaligned
/// `ctx` is not touched.)
///
/// Returns `MODELSEAL_STATUS_OK`; `_NULL_ARGUMENT` (`ctx`, `policy` or
/// `policy->hardware_id` NULL; `root` or an optional policy string NULL
/// with a nonzero length; an engine function missing);
/// `_MISALIGNED_CONTEXT`; `_INVALID_ARGUMENT` (a kind, stage or expiry
/// code; `policy`, `policy->config` or `engine` misaligned; a binding's
/// `allowed_count` over `MODELSEAL_MAX_ECU_MODELS` or an unterminated
/// binding string; a length beyond what memory can hold); `_INVALID` (a
/// policy or binding string that is empty, not UTF-8, or has a character
/// other than visible ASCII, space included); `_LIMIT_EXCEEDED` (a policy
/// string over `MODELSEAL_MAX_ID_LEN` bytes; also a root over a limit); and
/// the root's decoding statuses: `_BAD_MAGIC`, `_UNSUPPORTED_VERSION`,
/// `_TRUNCATED`, `_TRAILING_BYTES`, `_MALFORMED`, `_WRONG_DOCUMENT_TYPE`,
/// `_ROOT_INVALID`.
///
/// # Safety
/// Every non-NULL pointer points at what its description says; `ctx` is
/// used by nobody else during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_init(
    ctx: *mut modelseal_verifier,
    root: *const u8,
    root_len: usize,
    policy: *const modelseal_policy,
    engine: *const modelseal_sha256_engine,
) -> modelseal_status {
    run(|| {
        let storage = Ctx::storage(ctx)?;
        // SAFETY: `storage` comes from `Ctx::storage`; the caller owns the
        // `MODELSEAL_VERIFIER_SIZE` bytes (contract above). First, so that
        // a refusal below leaves no earlier context answering.
        unsafe { Ctx::invalidate_at(storage) };
        // SAFETY: the root is borrowed for the life of the context: the
        // caller's contract above ("must stay valid and unchanged").
        let root: &'static [u8] = unsafe { bytes(root, root_len) }?;
        // SAFETY: the caller's contract; read during this call only.
        let policy = policy_from_c(unsafe { reference(policy) }?)?;
        // SAFETY: the caller's contract above.
        let engine = unsafe { engine_from_c(engine) }?;
        let verifier = Verifier::new(root, policy, engine)?;
        // SAFETY: `storage` comes from `Ctx::storage`; the caller owns the
        // `MODELSEAL_VERIFIER_SIZE` bytes (contract above). Nothing but the
        // invalidation is written before every fallible step succeeded.
        unsafe { Ctx::init_at(storage, verifier) };
        Ok(())
    })
}

/// Makes an initialised context accept artifacts whose digest is an
/// fs-verity digest (checked as they stream, in the context's fixed memory:
/// the whole-bundle and per-chunk paths alike). Without this call such a
/// bundle is refused with `_VERITY_NOT_ACCEPTED` once its signatures
/// check, before any artifact byte is read. Call it after
/// `modelseal_verifier_init` (which forgets it) and before verifying; it
/// forgets any verification in progress or done on the context.
///
/// A firmware that never calls it does not link the fs-verity tree hasher
/// (about 3 KB of flash on a Cortex-M4): the boot check of flat digests
/// carries none of its code. Verify on read (`modelseal_verity_*`) needs
/// no call.
///
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (context not
/// initialised); `_NULL_ARGUMENT`; `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_accept_verity(
    ctx: *mut modelseal_verifier,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        c.accept_verity();
        Ok(())
    })
}

/// Verifies a whole bundle of `bundle_len` bytes that `read` delivers (a
/// file, a flash partition): head, every artifact, zero padding, exact
/// length. Starts a new verification (any earlier one on this context is
/// dropped, also when this one is refused). On success the identity can be
/// read.
///
/// - `read`, `user`: the read callback, called with `user` during this
///   call only (see `modelseal_read_fn` for its contract: each read is
///   nonempty and inside the bundle, in ascending order, each byte at most
///   once, into `work` -- or, when `work_len` is below
///   `MODELSEAL_BUNDLE_HEADER_LEN`, the header's bytes into 16 bytes of the
///   library's own, to learn the length needed; a nonzero return stops the
///   verification with `_READ`). It must not call into `ctx`.
/// - `work`, `work_len`: scratch memory of at least
///   `MODELSEAL_WORK_BUF_LEN(head_len)` bytes: the bundle's head plus
///   `MODELSEAL_MIN_READ_CHUNK`. Learn `head_len` from the bundle's first
///   `MODELSEAL_BUNDLE_HEADER_LEN` bytes with
///   `modelseal_bundle_get_head_len`, or size the buffer at build time for
///   the heads the device ships (`MODELSEAL_MAX_WORK_BUF_LEN` fits any
///   conforming bundle). More means fewer, larger reads. On success its
///   first `head_len` bytes hold the verified head and are **borrowed**:
///   keep them unchanged until the context is initialised again or
///   verifies another bundle. The rest is free again after the call.
///
/// A `bundle_len` shorter than a header is judged on the bytes it has, as
/// `modelseal_bundle_get_head_len` says (fewer than 8: `_TRUNCATED`; no
/// bundle magic: `_BAD_MAGIC`).
///
/// Returns `MODELSEAL_STATUS_OK` or the refusal: every status
/// `modelseal_verifier_verify_head` refuses a head with (format, trust
/// root, signature and policy statuses, 1 to 23); `_TRUNCATED` /
/// `_TRAILING_BYTES` (`bundle_len` shorter / longer than the head states);
/// `_MALFORMED` (also nonzero padding); `_ARTIFACT_DIGEST_MISMATCH`;
/// `_BUFFER_TOO_SMALL` (`work_len` below `MODELSEAL_WORK_BUF_LEN(head_len)`;
/// `modelseal_verifier_get_work_len_needed` then says how much);
/// `_READ` (the callback failed); `_HASH_ENGINE`; `_INVALID_STATE`
/// (context not initialised); `_NULL_ARGUMENT` (`ctx` or `read` NULL, or
/// `work` NULL with a nonzero length); `_INVALID_ARGUMENT` (`work_len`
/// beyond what memory can hold); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `work` points at `work_len` writable bytes used by nobody else during the
/// call, then kept as stated above; `read` is safe to call with `user` and
/// a buffer of the length it is given.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_verify_bundle(
    ctx: *mut modelseal_verifier,
    read: modelseal_read_fn,
    user: *mut c_void,
    bundle_len: u64,
    work: *mut u8,
    work_len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        let read = read.ok_or(modelseal_status::NullArgument)?;
        // SAFETY: exclusive during the call and the head part borrowed
        // afterwards, as the contract above states.
        let work: &'static mut [u8] = unsafe { bytes_mut(work, work_len) }?;
        let mut reader = Reader {
            read,
            user,
            len: bundle_len,
        };
        c.verify_bundle(&mut reader, work)
    })
}

/// After `modelseal_verifier_verify_bundle` refused its work buffer with
/// `_BUFFER_TOO_SMALL`: the work-buffer length that bundle needs,
/// `MODELSEAL_WORK_BUF_LEN(head_len)` with the head length its 16-byte
/// header states (the bytes the call read; nothing is verified). A
/// firmware logs it, or verifies again with a buffer that large. (A
/// header that does not parse needs only its own bytes, at most
/// `MODELSEAL_BUNDLE_HEADER_LEN`, for the next call to refuse it.) The
/// answer is kept until the context verifies again or is initialised again.
///
/// Writes `*out_work_len` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID_STATE` (the context not
/// initialised, or its last verification was not refused for its work
/// buffer); `_NULL_ARGUMENT` (`ctx` or `out_work_len` NULL);
/// `_INVALID_ARGUMENT` (`out_work_len` misaligned); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call;
/// `out_work_len` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_work_len_needed(
    ctx: *const modelseal_verifier,
    out_work_len: *mut usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_const(ctx) }?;
        let o = out(out_work_len)?;
        let n = c.work_len_needed()?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, n) };
        Ok(())
    })
}

/// Verifies a whole bundle held in memory (RAM or memory-mapped flash)
/// without copying it: head, every artifact, zero padding, exact length.
/// Starts a new verification (any earlier one on this context is dropped,
/// also when this one is refused). On success the identity can be read.
///
/// - `bundle`, `bundle_len`: the whole bundle. **Borrowed**: its head must
///   stay valid and unchanged until the context is initialised again or
///   verifies another bundle. A bundle shorter than a header is judged as
///   `modelseal_bundle_get_head_len` says (fewer than 8 bytes:
///   `_TRUNCATED`; no bundle magic: `_BAD_MAGIC`).
///
/// Returns `MODELSEAL_STATUS_OK` or the refusal: every status
/// `modelseal_verifier_verify_head` refuses a head with (format, trust
/// root, signature and policy statuses, 1 to 23); `_TRUNCATED` /
/// `_TRAILING_BYTES` (`bundle_len` shorter / longer than the head states);
/// `_MALFORMED` (also nonzero padding); `_ARTIFACT_DIGEST_MISMATCH`;
/// `_HASH_ENGINE`; `_INVALID_STATE` (context not initialised);
/// `_NULL_ARGUMENT` (`ctx` NULL, or `bundle` NULL with a nonzero length);
/// `_INVALID_ARGUMENT` (`bundle_len` beyond what memory can hold);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `bundle` points at `bundle_len` readable bytes, kept as stated above.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_verify_bundle_bytes(
    ctx: *mut modelseal_verifier,
    bundle: *const u8,
    bundle_len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        // SAFETY: borrowed as the contract above states.
        let bundle: &'static [u8] = unsafe { bytes(bundle, bundle_len) }?;
        c.verify_bundle_bytes(bundle)
    })
}
