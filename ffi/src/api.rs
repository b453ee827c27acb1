//! The exported functions. Each one checks its arguments, runs a closure
//! that answers `Status<()>`, and turns that into a `modelseal_status`; the
//! outputs are written as the closure's last step, so nothing is written on
//! failure.
//!
//! Each function's doc comment (the header's comment) lists every status
//! it can return, the argument checks included: `_NULL_ARGUMENT` (a NULL
//! pointer where one is needed), `_INVALID_ARGUMENT` (a misaligned record
//! or output pointer, a length beyond what memory can hold),
//! `_MISALIGNED_CONTEXT` and `_INVALID_STATE` (context not initialised, a
//! refused init, or a call out of order). `ffi/tests/header.rs` checks the
//! argument statuses are named; the rest is read from the code below.
//!
//! Accessors that re-read the manifest from the borrowed head can also
//! answer a decoding status if the head changed after it verified: a
//! broken borrowing contract, so those are named once per function as
//! such, not one by one.

use crate::consts::{MODELSEAL_DIGEST_LEN, MODELSEAL_ID_BUF_LEN, MODELSEAL_MAX_IDENTITY_LEN};
use crate::context::{Ctx, Reader};
use crate::engine::{Engine, ForeignEngine};
use crate::ptr::{
    bytes, bytes_mut, c_string, copy_to, from_c_string, opt_str, out, reference, write,
};
use crate::status::{Status, UNKNOWN_STATUS, message_ptr, modelseal_status};
use crate::types::{
    modelseal_artifact_info, modelseal_component, modelseal_config_binding, modelseal_config_ref,
    modelseal_identity, modelseal_parameter_set, modelseal_policy, modelseal_read_fn,
    modelseal_root_update, modelseal_sha256_engine, modelseal_verifier,
};
use core::ffi::{c_char, c_void};
use modelseal_core::bundle::BundleHeader;
use modelseal_core::doc::{ComponentHead, ManifestHead, ParameterSet};
use modelseal_core::identity::{self, IdentityView};
use modelseal_core::{
    BundleKind, ConfigBinding, DevicePolicy, Expiry, Floors, Installed, ManifestVisitor,
    SessionState, SoftSha256, Stage, Verifier,
};

/// Runs `f`, answering its status.
fn run(f: impl FnOnce() -> Status<()>) -> modelseal_status {
    match f() {
        Ok(()) => modelseal_status::Ok,
        Err(e) => e,
    }
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
    message_ptr(modelseal_status::from_number(status).map_or(UNKNOWN_STATUS, |s| s.message()))
}

/// Reads the head length from the first `MODELSEAL_BUNDLE_HEADER_LEN` (16)
/// bytes of a bundle (bytes after them are ignored). The head length counts
/// from the first byte of the bundle, those 16 bytes included: it is the
/// `head_len` to give `modelseal_verifier_verify_head` (with the bundle's
/// first byte as `head`), and the `head_len` of `MODELSEAL_WORK_BUF_LEN`
/// for `modelseal_verifier_verify_bundle`. Nothing is verified yet.
///
/// The header's fields are checked in order and the first one that is
/// missing or wrong decides: magic (bytes 0-7), version (8-9), root chain
/// length (10), reserved byte (11), envelopes length (12-15). So fewer than
/// 8 bytes is `_TRUNCATED`, while 8 to 15 bytes that do not start with the
/// bundle magic are `_BAD_MAGIC`: a short input that is no bundle at all
/// is reported as no bundle. Every entry point judges a header this way.
///
/// Writes `*out_head_len` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_TRUNCATED` (the input ends inside the
/// first field it lacks); `_BAD_MAGIC`; `_UNSUPPORTED_VERSION`; `_MALFORMED`
/// (reserved byte set); `_LIMIT_EXCEEDED` (root chain over its limit, or
/// a head over `MODELSEAL_MAX_HEAD_LEN`); `_NULL_ARGUMENT` (`out_head_len`
/// NULL, or `header` NULL with a nonzero length); `_INVALID_ARGUMENT`
/// (`out_head_len` misaligned, or `header_len` beyond what memory can
/// hold).
///
/// # Safety
/// `header` points at `header_len` readable bytes; `out_head_len` is
/// writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_bundle_get_head_len(
    header: *const u8,
    header_len: usize,
    out_head_len: *mut usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let h = unsafe { bytes(header, header_len) }?;
        let o = out(out_head_len)?;
        let n = BundleHeader::parse(h)?.head_len();
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, n) };
        Ok(())
    })
}

// ------------------------------------------------------------ initialising

fn policy_from_c(p: &modelseal_policy) -> Status<DevicePolicy> {
    let kind = BundleKind::from_code(p.kind).ok_or(modelseal_status::InvalidArgument)?;
    let min_stage = Stage::from_code(p.min_stage)
        .filter(|s| s.rank().is_some())
        .ok_or(modelseal_status::InvalidArgument)?;
    let expiry = match p.expiry {
        crate::consts::MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK => {
            Expiry::NotCheckedNoTrustedClock
        }
        crate::consts::MODELSEAL_EXPIRY_CHECKED_AT => Expiry::CheckedAt(p.trusted_time),
        _ => return Err(modelseal_status::InvalidArgument),
    };
    // SAFETY: the string pointers and lengths are the caller's, under the
    // contract of `modelseal_verifier_init`; they are only read, and only
    // during this call (the policy copies what it keeps).
    let (hw, ecu, serial, platform, market) = unsafe {
        (
            opt_str(p.hardware_id, p.hardware_id_len)?,
            opt_str(p.ecu_name, p.ecu_name_len)?,
            opt_str(p.serial, p.serial_len)?,
            opt_str(p.platform, p.platform_len)?,
            opt_str(p.market, p.market_len)?,
        )
    };
    let hw = hw.ok_or(modelseal_status::NullArgument)?;
    let floors = Floors::new(p.component_floor, p.system_config_floor);
    let mut policy = DevicePolicy::new(kind, hw, floors, min_stage, expiry)?;
    if !p.installed_digest.is_null() {
        // SAFETY: non-NULL; the caller's contract makes it
        // MODELSEAL_DIGEST_LEN readable bytes for the duration of the call.
        let d = unsafe { bytes(p.installed_digest, MODELSEAL_DIGEST_LEN) }?;
        let mut digest = [0u8; MODELSEAL_DIGEST_LEN];
        copy_to(&mut digest, d)?;
        policy.set_installed(digest);
    }
    // Set in place: the policy is a kilobyte, and every by-value step would
    // copy it through the stack.
    if let Some(s) = ecu {
        policy.set_ecu_name(s)?;
    }
    if let Some(s) = serial {
        policy.set_serial(s)?;
    }
    if let Some(s) = platform {
        policy.set_platform(s)?;
    }
    if let Some(s) = market {
        policy.set_market(s)?;
    }
    if !p.config.is_null() {
        // SAFETY: non-NULL; the caller's contract makes it a readable,
        // initialised record for the duration of the call.
        let b = unsafe { reference(p.config) }?;
        policy.set_config(binding_from_c(b)?);
    }
    Ok(policy)
}

fn binding_from_c(b: &modelseal_config_binding) -> Status<ConfigBinding> {
    let n = usize::from(b.allowed_count);
    let allowed = b
        .allowed
        .get(..n)
        .ok_or(modelseal_status::InvalidArgument)?;
    Ok(ConfigBinding::from_parts(
        b.digest,
        from_c_string(&b.config_id)?,
        from_c_string(&b.config_version)?,
        allowed,
    )?)
}

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
        let engine = if engine.is_null() {
            Engine::Soft(SoftSha256::new())
        } else {
            // SAFETY: non-NULL; readable record by the caller's contract.
            let e = unsafe { reference(engine) }?;
            Engine::Foreign(ForeignEngine::new(e).ok_or(modelseal_status::NullArgument)?)
        };
        let verifier = Verifier::new(root, policy, engine)?;
        // SAFETY: `storage` comes from `Ctx::storage`; the caller owns the
        // `MODELSEAL_VERIFIER_SIZE` bytes (contract above). Nothing but the
        // invalidation is written before every fallible step succeeded.
        unsafe { Ctx::init_at(storage, verifier) };
        Ok(())
    })
}

// ------------------------------------------------------- per-chunk verifying

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

// ---------------------------------------------------- whole-bundle verifying

/// Verifies a whole bundle of `bundle_len` bytes that `read` delivers (a
/// file, a flash partition): head, every artifact, zero padding, exact
/// length. Starts a new verification (any earlier one on this context is
/// dropped, also when this one is refused). On success the identity can be
/// read.
///
/// - `read`, `user`: the read callback, called with `user` during this
///   call only (see `modelseal_read_fn` for its contract: each read is
///   nonempty and inside the bundle, in ascending order, each byte at most
///   once, into `work`; a nonzero return stops the verification with
///   `_READ`). It must not call into `ctx`.
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
/// `_BUFFER_TOO_SMALL` (`work_len` below `MODELSEAL_WORK_BUF_LEN(head_len)`);
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

// ------------------------------------------------------ the installed bundle

/// Runs `f` on the installed bundle of the context at `ctx`.
///
/// # Safety
/// `ctx` is an initialised context nobody writes during the call.
unsafe fn with_installed<T>(
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
unsafe fn installed_value<T>(
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

fn component(family: &str, version: &str, stage: u8) -> Status<modelseal_component> {
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

fn empty_identity() -> modelseal_identity {
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
fn push_component(id: &mut modelseal_identity, c: modelseal_component) -> Status<()> {
    let slot = id
        .components
        .get_mut(usize::from(id.component_count))
        .ok_or(modelseal_status::LimitExceeded)?;
    *slot = c;
    id.component_count = id.component_count.saturating_add(1);
    Ok(())
}

/// Appends `k` as the next signer of `id`.
fn push_signer(id: &mut modelseal_identity, k: [u8; 8]) -> Status<()> {
    let slot = id
        .signers
        .get_mut(usize::from(id.signer_count))
        .ok_or(modelseal_status::LimitExceeded)?;
    *slot = k;
    id.signer_count = id.signer_count.saturating_add(1);
    Ok(())
}

/// What the C accessors report from a walk over the verified manifest,
/// copied out as it passes; used only once the walk has returned `Ok`
/// (the copy hashed to the signed digest).
struct Collected {
    id: modelseal_identity,
    params_wanted: Option<usize>,
    param_count: usize,
    param: Option<modelseal_parameter_set>,
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
fn collect(i: &Installed<'_, &SessionState>, param: Option<usize>) -> Status<Collected> {
    let mut c = Collected {
        id: empty_identity(),
        params_wanted: param,
        param_count: 0,
        param: None,
    };
    i.visit_manifest(&mut c)?;
    Ok(c)
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

// ---------------------------------------------------------- identity records

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
        let mut engine = if engine.is_null() {
            Engine::Soft(SoftSha256::new())
        } else {
            // SAFETY: non-NULL; a readable record by the caller's contract.
            let e = unsafe { reference(engine) }?;
            Engine::Foreign(ForeignEngine::new(e).ok_or(modelseal_status::NullArgument)?)
        };
        let view = identity::decode(&mut engine, rec)?;
        let v = identity_of_view(&view)?;
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, v) };
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    //! The boundary driven from Rust; the C tests (`ffi/tests/run.sh`)
    //! cover it through the real header.
    use super::*;
    use std::path::PathBuf;
    use std::vec::Vec;

    fn data(case: &str, file: &str) -> Vec<u8> {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/data")
            .join(case)
            .join(file);
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn policy(floor: u64) -> modelseal_policy {
        const HW: &str = "HW-FC-0042";
        const PLATFORM: &str = "PLAT-A";
        const MARKET: &str = "EU";
        modelseal_policy {
            kind: crate::consts::MODELSEAL_KIND_COMPONENT,
            min_stage: crate::consts::MODELSEAL_STAGE_STAGING,
            expiry: crate::consts::MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK,
            hardware_id: HW.as_ptr().cast(),
            hardware_id_len: HW.len(),
            ecu_name: core::ptr::null(),
            ecu_name_len: 0,
            serial: core::ptr::null(),
            serial_len: 0,
            platform: PLATFORM.as_ptr().cast(),
            platform_len: PLATFORM.len(),
            market: MARKET.as_ptr().cast(),
            market_len: MARKET.len(),
            component_floor: floor,
            system_config_floor: 0,
            installed_digest: core::ptr::null(),
            trusted_time: 0,
            config: core::ptr::null(),
        }
    }

    fn new_ctx() -> std::boxed::Box<modelseal_verifier> {
        std::boxed::Box::new(modelseal_verifier {
            _opaque: [0; crate::consts::MODELSEAL_VERIFIER_WORDS],
        })
    }

    #[test]
    fn verifies_refuses_and_reports() {
        let root = data("valid-component", "root.msr");
        let bundle = data("valid-component", "bundle.msb");
        let mut ctx = new_ctx();
        let p = policy(5);
        // SAFETY: every pointer is a live Rust buffer of the stated length;
        // `root` and `bundle` outlive every use of `ctx`.
        unsafe {
            assert_eq!(
                modelseal_verifier_get_kind(&*ctx, &mut 0),
                modelseal_status::InvalidState
            );
            assert_eq!(
                modelseal_verifier_init(
                    &mut *ctx,
                    root.as_ptr(),
                    root.len(),
                    &p,
                    core::ptr::null()
                ),
                modelseal_status::Ok
            );
            assert_eq!(
                modelseal_verifier_verify_bundle_bytes(&mut *ctx, bundle.as_ptr(), bundle.len()),
                modelseal_status::Ok
            );
            let mut floor = 0;
            assert_eq!(
                modelseal_verifier_get_counter_floor(&*ctx, &mut floor),
                modelseal_status::Ok
            );
            assert_eq!(floor, 7);
            let mut rec = [0u8; crate::consts::MODELSEAL_MAX_IDENTITY_LEN];
            let mut n = 0;
            assert_eq!(
                modelseal_verifier_encode_identity(&mut *ctx, rec.as_mut_ptr(), rec.len(), &mut n),
                modelseal_status::Ok
            );
            let mut id = core::mem::MaybeUninit::<modelseal_identity>::uninit();
            assert_eq!(
                modelseal_identity_decode(rec.as_ptr(), n, core::ptr::null(), id.as_mut_ptr()),
                modelseal_status::Ok
            );
            assert_eq!(id.assume_init().security_counter, 7);

            let p = policy(8);
            assert_eq!(
                modelseal_verifier_init(
                    &mut *ctx,
                    root.as_ptr(),
                    root.len(),
                    &p,
                    core::ptr::null()
                ),
                modelseal_status::Ok
            );
            assert_eq!(
                modelseal_verifier_verify_bundle_bytes(&mut *ctx, bundle.as_ptr(), bundle.len()),
                modelseal_status::Rollback
            );
            assert_eq!(
                modelseal_verifier_get_counter_floor(&*ctx, &mut floor),
                modelseal_status::InvalidState
            );
            assert_eq!(
                modelseal_verifier_verify_bundle_bytes(core::ptr::null_mut(), bundle.as_ptr(), 1),
                modelseal_status::NullArgument
            );
        }
    }

    #[test]
    #[cfg_attr(miri, ignore = "thousands of verifications: too slow under Miri")]
    fn every_prefix_and_flipped_byte_is_refused_without_a_panic() {
        let root = data("valid-component", "root.msr");
        let bundle = data("valid-component", "bundle.msb");
        let mut ctx = new_ctx();
        let p = policy(5);
        let mut copy = bundle.clone();
        // SAFETY: as above; `copy` outlives each verification that uses it.
        unsafe {
            assert_eq!(
                modelseal_verifier_init(
                    &mut *ctx,
                    root.as_ptr(),
                    root.len(),
                    &p,
                    core::ptr::null()
                ),
                modelseal_status::Ok
            );
            for len in (0..bundle.len()).step_by(251) {
                assert_ne!(
                    modelseal_verifier_verify_bundle_bytes(&mut *ctx, bundle.as_ptr(), len),
                    modelseal_status::Ok
                );
            }
            for i in (0..bundle.len()).step_by(37) {
                copy[i] ^= 0x55;
                assert_ne!(
                    modelseal_verifier_verify_bundle_bytes(&mut *ctx, copy.as_ptr(), copy.len()),
                    modelseal_status::Ok,
                    "byte {i}"
                );
                copy[i] ^= 0x55;
            }
        }
    }

    #[test]
    fn status_strings_are_static_c_strings() {
        for n in 0..300u32 {
            let p = modelseal_status_str(n);
            assert!(!p.is_null());
            // SAFETY: the function returns pointers to 'static C strings.
            let s = unsafe { core::ffi::CStr::from_ptr(p) };
            assert!(!s.to_bytes().is_empty());
        }
    }
}
