//! The bundle container, before any verification: how long its head is,
//! read from its first `MODELSEAL_BUNDLE_HEADER_LEN` bytes, so firmware
//! can size the work buffer (docs/C-API.md, "sizing"). Nothing here is
//! trusted: these functions only parse, and never keep anything.

use super::run;
use crate::ptr::{bytes, out, write};
use crate::status::modelseal_status;
use modelseal_core::bundle::BundleHeader;

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
