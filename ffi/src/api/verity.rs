//! Verify on read: an fs-verity artifact's blocks, read at any offset from
//! wherever they live, checked against the signed digest through the
//! artifact's Merkle tree (the `fsverity-tree` artifact the bundle
//! carries, read through a callback) and a cache of verified tree blocks
//! in caller memory. The context holds no block of data; the work per
//! block is O(tree height) hashes at most, one when its path is cached.

use super::{engine_from_c, run};
use crate::context::{Ctx, Reader};
use crate::engine::Engine;
use crate::ptr::{bytes, bytes_mut, out, reference, write};
use crate::status::{Status, modelseal_status};
use crate::types::{
    modelseal_read_fn, modelseal_sha256_engine, modelseal_verifier, modelseal_verity,
    modelseal_verity_info,
};
use modelseal_core::verity::{BlockCache, BlockChecker, Params};

/// Marks an opened context ("MSVERITY" read as a little-endian u64).
const MAGIC: u64 = u64::from_le_bytes(*b"MSVERITY");

/// The contents of a `modelseal_verity`.
#[repr(C)]
struct VCtx {
    /// [`MAGIC`] once opened; first, so it is checked before anything else.
    magic: u64,
    checker: BlockChecker,
    engine: Engine,
    tree: Reader,
    cache: *mut u8,
    cache_len: usize,
}

const _: () = assert!(size_of::<VCtx>() <= crate::consts::MODELSEAL_VERITY_SIZE);
const _: () = assert!(align_of::<VCtx>() <= crate::consts::MODELSEAL_VERITY_ALIGN);
const _: () = assert!(size_of::<modelseal_verity>() == crate::consts::MODELSEAL_VERITY_SIZE);

/// The opened context at `p`.
///
/// # Safety
/// A non-NULL, aligned `p` points at `MODELSEAL_VERITY_SIZE` bytes the
/// caller owns, used by nobody else during 'a.
unsafe fn opened<'a>(p: *mut modelseal_verity) -> Status<&'a mut VCtx> {
    if p.is_null() {
        return Err(modelseal_status::NullArgument);
    }
    let c = p.cast::<VCtx>();
    if !c.is_aligned() {
        return Err(modelseal_status::MisalignedContext);
    }
    // SAFETY: non-NULL, aligned, and the storage holds a `VCtx` (compile-time
    // assertion); any bytes are a valid u64 at offset 0 of a repr(C) struct.
    let magic = unsafe { core::ptr::addr_of!((*c).magic).read_volatile() };
    if magic != MAGIC {
        return Err(modelseal_status::InvalidState);
    }
    // SAFETY: the magic is written only by `modelseal_verity_open`, after a
    // whole valid `VCtx`; exclusivity for 'a is the precondition.
    Ok(unsafe { &mut *c })
}

impl VCtx {
    fn check(&mut self, offset: u64, data: &[u8]) -> Status<()> {
        // SAFETY: `cache`/`cache_len` were checked by `bytes_mut` in
        // `modelseal_verity_open`, whose contract lends the memory to this
        // context, written by nobody else, until it is opened again.
        let mem = unsafe { bytes_mut(self.cache, self.cache_len) }?;
        let mut cache = BlockCache::attach(mem, self.checker.params())?;
        self.checker
            .check(&mut self.engine, &mut self.tree, &mut cache, offset, data)?;
        Ok(())
    }
}

/// How artifact `index`'s digest is made, from its authenticated record:
/// the size, the signed digest, and whether it is an fs-verity digest
/// (with its block size and salt). What `modelseal_verity_open` needs;
/// firmware may keep it for verify on read after boot.
///
/// Needs a verified head (per chunk) or a verified bundle.
/// Writes `*out_info` on success.
/// Returns `MODELSEAL_STATUS_OK`; `_NO_SUCH_ARTIFACT` (`index` not below
/// the artifact count); `_INVALID_STATE` (context not initialised, or no
/// verified head or bundle); `_NULL_ARGUMENT` (`ctx` or `out_info` NULL);
/// `_INVALID_ARGUMENT` (`out_info` misaligned); `_MISALIGNED_CONTEXT`;
/// `_INPUT_CHANGED` or a decoding status only if the borrowed head changed
/// after it verified.
///
/// # Safety
/// `ctx` is an initialised context used by nobody else during the call;
/// `out_info` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verifier_get_artifact_verity(
    ctx: *mut modelseal_verifier,
    index: usize,
    out_info: *mut modelseal_verity_info,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { Ctx::from_ptr(ctx) }?;
        let o = out(out_info)?;
        let (size, digest, verity) = c.artifact_verity(index)?;
        let mut info = modelseal_verity_info {
            size,
            digest,
            is_verity: verity.is_some(),
            log_block_size: 0,
            salt_len: 0,
            salt: [0; 32],
        };
        if let Some(p) = verity {
            info.log_block_size = p.log_block_size();
            let salt = p.salt();
            info.salt_len = u8::try_from(salt.len()).map_err(|_| modelseal_status::Invalid)?;
            for (d, s) in info.salt.iter_mut().zip(salt) {
                *d = *s;
            }
        }
        // SAFETY: `o` checked by `out`; writable by the contract.
        unsafe { write(o, info) };
        Ok(())
    })
}

/// Opens verify on read of the artifact `info` describes (from
/// `modelseal_verifier_get_artifact_verity`): checks the tree's length and
/// chains its top block to the signed digest. `tree_read` reads the
/// exported tree (root level first: the artifact's `fsverity-tree`
/// artifact in the bundle, or the file `modelseal build --verity-trees`
/// writes), `tree_len` bytes long. `cache`, of `cache_len` bytes, keeps
/// verified tree blocks: the largest power of two of them that fits in
/// `cache_len / (block size + 8)`, at least one; more means fewer tree
/// reads and hashes (a 1 GiB artifact with
/// 4 KiB blocks has 2,065 tree blocks). `engine` is NULL for the built-in
/// SHA-256.
///
/// Writes `*v` on success (the context borrows `tree_read`, `tree_user`
/// and `cache` until it is opened again; nobody else may write `cache`).
/// Returns `MODELSEAL_STATUS_OK`; `_INVALID` (`info` is not an fs-verity
/// artifact, or its parameters are invalid); `_VERITY_TREE_TRUNCATED`
/// (the tree is shorter than the size needs); `_VERITY_TREE_FOREIGN` (the
/// tree does not lead to the signed digest: another file's tree, a
/// damaged top block, or a longer tree); `_BUFFER_TOO_SMALL` (`cache`
/// holds no block); `_LIMIT_EXCEEDED` (more than 6 tree levels); `_READ`;
/// `_HASH_ENGINE`; `_NULL_ARGUMENT` (`v`, `info`, `tree_read` or `cache`
/// NULL, or an engine function NULL); `_INVALID_ARGUMENT` (`info`
/// misaligned, or a length beyond what memory can hold);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `v` points at `MODELSEAL_VERITY_SIZE` writable bytes; `info` is
/// readable; `cache` is writable for `cache_len` bytes and stays valid
/// while the context is used; `tree_read` and `tree_user` follow the
/// `modelseal_read_fn` contract while the context is used; a non-NULL
/// `engine` is readable and its functions stay valid while it is used.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn modelseal_verity_open(
    v: *mut modelseal_verity,
    info: *const modelseal_verity_info,
    engine: *const modelseal_sha256_engine,
    tree_read: modelseal_read_fn,
    tree_user: *mut core::ffi::c_void,
    tree_len: u64,
    cache: *mut u8,
    cache_len: usize,
) -> modelseal_status {
    run(|| {
        if v.is_null() {
            return Err(modelseal_status::NullArgument);
        }
        let c = v.cast::<VCtx>();
        if !c.is_aligned() {
            return Err(modelseal_status::MisalignedContext);
        }
        // SAFETY: non-NULL, aligned, and the storage holds a `VCtx`. First,
        // so that a refusal below leaves no earlier context answering.
        unsafe { core::ptr::addr_of_mut!((*c).magic).write_volatile(0) };
        // SAFETY: the caller's contract above.
        let info = unsafe { reference(info) }?;
        // SAFETY: as above.
        let mut engine = unsafe { engine_from_c(engine) }?;
        let read = tree_read.ok_or(modelseal_status::NullArgument)?;
        // SAFETY: as above; checked non-NULL and within memory.
        let mem = unsafe { bytes_mut(cache, cache_len) }?;
        if !info.is_verity {
            return Err(modelseal_status::Invalid);
        }
        let salt = info
            .salt
            .get(..usize::from(info.salt_len))
            .ok_or(modelseal_status::Invalid)?;
        let params = Params::new(
            modelseal_core::verity::ALG_SHA256,
            info.log_block_size,
            salt,
        )?;
        let mut tree = Reader {
            read,
            user: tree_user,
            len: tree_len,
        };
        let mut bc = BlockCache::new(mem, &params)?;
        let checker = BlockChecker::open(
            &mut engine,
            params,
            info.size,
            &info.digest,
            &mut tree,
            &mut bc,
        )?;
        // SAFETY: `c` is non-NULL and aligned and the storage holds a
        // `VCtx` (compile-time assertion). Fields are written one by one;
        // `write` does not drop the old (possibly uninitialised) contents;
        // the magic comes last.
        unsafe {
            core::ptr::addr_of_mut!((*c).checker).write(checker);
            core::ptr::addr_of_mut!((*c).engine).write(engine);
            core::ptr::addr_of_mut!((*c).tree).write(tree);
            core::ptr::addr_of_mut!((*c).cache).write(cache);
            core::ptr::addr_of_mut!((*c).cache_len).write(cache_len);
            core::ptr::addr_of_mut!((*c).magic).write_volatile(MAGIC);
        }
        Ok(())
    })
}

/// Checks `len` bytes at `data`, the artifact's bytes at `offset`:
/// `offset` on a block boundary, `len` whole blocks or up to the end of
/// the artifact. Only on `MODELSEAL_STATUS_OK` may the bytes be used.
///
/// Returns `MODELSEAL_STATUS_OK`; `_VERITY_BLOCK_MISMATCH` (the bytes are
/// not the signed ones at that offset); `_VERITY_TREE_CORRUPT` (a tree
/// block on the path does not match its parent); `_VERITY_TREE_TRUNCATED`;
/// `_VERITY_OUT_OF_RANGE` (`offset` at or past the end, or the range runs
/// past it); `_VERITY_MISALIGNED` (`offset` not on a block boundary, `len`
/// 0 or not ending on one); `_READ` (the tree reader failed);
/// `_HASH_ENGINE`; `_INVALID_STATE` (context not opened); `_NULL_ARGUMENT`
/// (`v` or `data` NULL); `_INVALID_ARGUMENT` (`len` beyond what memory can
/// hold); `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `v` is an opened context used by nobody else during the call; `data`
/// is readable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verity_check(
    v: *mut modelseal_verity,
    offset: u64,
    data: *const u8,
    len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { opened(v) }?;
        // SAFETY: as above.
        let d = unsafe { bytes(data, len) }?;
        if d.is_empty() {
            return Err(modelseal_status::VerityMisaligned);
        }
        c.check(offset, d)
    })
}

/// Reads `len` bytes of the artifact at `offset` through `read` (flash,
/// a file) into `out`, and checks them as `modelseal_verity_check` does.
/// On any status but `MODELSEAL_STATUS_OK`, `out` is zeroed: bytes that
/// did not verify are never left for the caller to use.
///
/// Returns `MODELSEAL_STATUS_OK`; `_READ` (`read` failed); otherwise what
/// `modelseal_verity_check` returns: `_VERITY_BLOCK_MISMATCH`,
/// `_VERITY_TREE_CORRUPT`, `_VERITY_TREE_TRUNCATED`, `_VERITY_OUT_OF_RANGE`,
/// `_VERITY_MISALIGNED`, `_HASH_ENGINE`, `_INVALID_STATE` (context not
/// opened); `_NULL_ARGUMENT` (`v`, `read` or `out` NULL);
/// `_INVALID_ARGUMENT` (`len` beyond what memory can hold);
/// `_MISALIGNED_CONTEXT`.
///
/// # Safety
/// `v` is an opened context used by nobody else during the call; `read`
/// and `user` follow the `modelseal_read_fn` contract (with the artifact's
/// offsets); `out` is writable for `len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn modelseal_verity_read(
    v: *mut modelseal_verity,
    read: modelseal_read_fn,
    user: *mut core::ffi::c_void,
    offset: u64,
    out: *mut u8,
    len: usize,
) -> modelseal_status {
    run(|| {
        // SAFETY: the caller's contract above.
        let c = unsafe { opened(v) }?;
        let read = read.ok_or(modelseal_status::NullArgument)?;
        // SAFETY: as above.
        let buf = unsafe { bytes_mut(out, len) }?;
        if buf.is_empty() {
            return Err(modelseal_status::VerityMisaligned);
        }
        // SAFETY: `read`/`user` under the caller's contract; `buf` is a
        // live, exclusive slice, valid for `buf.len()` bytes of writing.
        let rc = unsafe { read(user, offset, buf.as_mut_ptr(), buf.len()) };
        let r = if rc == 0 {
            c.check(offset, buf)
        } else {
            Err(modelseal_status::Read)
        };
        if r.is_err() {
            buf.fill(0);
        }
        r
    })
}
