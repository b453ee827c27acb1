//! fs-verity file digests, byte for byte as Linux computes them, so that
//! `FS_IOC_MEASURE_VERITY` on an installed file returns the digest the
//! manifest signs.
//!
//! The digest: the bytes are cut into blocks of `2^log_block_size` bytes
//! (the last one zero-padded); each block is hashed as
//! `SHA-256(salt padded to 64 bytes || block)` (no salt: just the block);
//! the hashes are packed into blocks of the same size (zero-padded) and
//! hashed again, level by level, until one block remains. Its hash is the
//! root hash (a file of one block: that block's hash; an empty file: 32
//! zero bytes). The file digest is SHA-256 of the 256-byte descriptor
//! [`descriptor`] builds from the parameters, the data size and the root.
//!
//! Three users:
//! - [`Hasher`]: the streaming check at install, in fixed RAM: the data
//!   blocks go through the firmware's [`Sha256Engine`] one at a time, and
//!   each tree level keeps one running SHA-256 state ([`LEVEL_STATE_LEN`]
//!   bytes) instead of buffering its hash block.
//! - [`BlockChecker`]: verify on read. A block (or a run of blocks) read
//!   at any offset is checked against the signed digest through the hash
//!   blocks on its path, read from the tree (root level first, the layout
//!   `fsverity digest --out-merkle-tree` writes) and kept, once verified,
//!   in a cache the caller sizes ([`BlockCache`]).
//! - [`Geometry`]: where each level lives in the exported tree.
//!
//! It must never trust a hash block it has not chained to the signed
//! digest, and never report success for bytes it did not hash.

use crate::bundle::ReadAt;
use crate::error::{Error, Result};
use crate::hash::{Digest, SHA256_IV, Sha256Engine};
use crate::limits::DIGEST_LEN;

/// fs-verity's code for SHA-256 (`FS_VERITY_HASH_ALG_SHA256`), the one
/// hash algorithm this format accepts.
pub const ALG_SHA256: u8 = 1;
/// Smallest Merkle tree block, as log2 of its bytes (1 KiB).
pub const MIN_LOG_BLOCK_SIZE: u8 = 10;
/// Largest Merkle tree block, as log2 of its bytes (64 KiB).
pub const MAX_LOG_BLOCK_SIZE: u8 = 16;
/// The usual block (4 KiB, the page size; what `fsverity digest` uses
/// without `--block-size`), as log2 of its bytes.
pub const DEFAULT_LOG_BLOCK_SIZE: u8 = 12;
/// Longest salt, in bytes (the descriptor's salt field).
pub const MAX_SALT_LEN: usize = 32;
/// Most hash levels of a tree: 1 TiB of data with 1 KiB blocks, 16 PiB
/// with 4 KiB blocks. Stricter than Linux (`FS_VERITY_MAX_LEVELS` is 8):
/// each level costs the ECU [`LEVEL_STATE_LEN`] bytes in every artifact
/// check, and no model comes near these sizes.
pub const MAX_LEVELS: usize = 6;
/// Length of the fs-verity descriptor, in bytes.
pub const DESCRIPTOR_LEN: usize = 256;
/// RAM of the running state [`Hasher`] keeps per tree level, in bytes: the
/// SHA-256 chaining value (32) and half a SHA-256 block of digests not yet
/// compressed (32), plus the fill count (4).
pub const LEVEL_STATE_LEN: usize = 68;

/// Bytes of one SHA-256 input block.
const SHA_BLOCK: usize = 64;
/// Low bits of a fill count within one SHA-256 block.
const HALF_MASK: u32 = 63;
/// Zeros, to pad blocks without a buffer of a block's size.
static ZEROS: [u8; 256] = [0; 256];

/// The parameters of an fs-verity digest besides the data size: block size
/// and salt (the hash algorithm is always SHA-256). Made only by
/// [`Params::new`], which checks them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Never zero (10..=16): the zero gives `Option<Params>` and
    /// `Option<Hasher>` their "none" without a byte of their own.
    log_block_size: core::num::NonZeroU8,
    salt_len: u8,
    salt: [u8; MAX_SALT_LEN],
}

impl Params {
    /// Checks fs-verity parameters: `algorithm` must be [`ALG_SHA256`],
    /// `log_block_size` within [`MIN_LOG_BLOCK_SIZE`]..=[`MAX_LOG_BLOCK_SIZE`],
    /// the salt at most [`MAX_SALT_LEN`] bytes. Anything else is
    /// [`Error::Invalid`].
    pub fn new(algorithm: u8, log_block_size: u8, salt: &[u8]) -> Result<Self> {
        let log = core::num::NonZeroU8::new(log_block_size).ok_or(Error::Invalid)?;
        if algorithm != ALG_SHA256
            || !(MIN_LOG_BLOCK_SIZE..=MAX_LOG_BLOCK_SIZE).contains(&log_block_size)
        {
            return Err(Error::Invalid);
        }
        if salt.len() > MAX_SALT_LEN {
            return Err(Error::Invalid);
        }
        let mut s = [0u8; MAX_SALT_LEN];
        copy(&mut s, salt);
        Ok(Self {
            log_block_size: log,
            salt_len: u8::try_from(salt.len()).map_err(|_| Error::Invalid)?,
            salt: s,
        })
    }

    /// The parameters a manifest record declares.
    pub fn of(v: &crate::doc::Verity<'_>) -> Result<Self> {
        Self::new(v.algorithm, v.log_block_size, v.salt)
    }

    /// The parameters an owned record declares (build hosts).
    #[cfg(feature = "alloc")]
    pub fn of_buf(v: &crate::doc::VerityBuf) -> Result<Self> {
        Self::new(v.algorithm, v.log_block_size, &v.salt)
    }

    /// The record that declares these parameters (build hosts).
    #[cfg(feature = "alloc")]
    pub fn to_buf(&self) -> crate::doc::VerityBuf {
        crate::doc::VerityBuf {
            algorithm: ALG_SHA256,
            log_block_size: self.log_block_size(),
            salt: self.salt().into(),
        }
    }

    /// Block size, in bytes.
    pub fn block_size(&self) -> usize {
        1usize << (self.log_block_size() & 0x1f)
    }
    /// log2 of the block size.
    pub fn log_block_size(&self) -> u8 {
        self.log_block_size.get()
    }
    /// The salt (empty: none).
    pub fn salt(&self) -> &[u8] {
        self.salt.get(..usize::from(self.salt_len)).unwrap_or(&[])
    }

    /// The salt zero-padded to one SHA-256 block, and how much of it is
    /// hashed before every block (0 or 64 bytes).
    fn padded_salt(&self) -> ([u8; SHA_BLOCK], usize) {
        let mut p = [0u8; SHA_BLOCK];
        for (d, s) in p.iter_mut().zip(self.salt()) {
            *d = *s;
        }
        (p, if self.salt_len == 0 { 0 } else { SHA_BLOCK })
    }

    /// The chaining value after the padded salt: where every block's hash
    /// starts.
    fn salted_iv(&self) -> [u32; 8] {
        let mut h = SHA256_IV;
        let (p, n) = self.padded_salt();
        if n != 0 {
            sha2::block_api::compress256(&mut h, core::slice::from_ref(&p));
        }
        h
    }

    /// Bytes hashed per block: the padded salt and the block.
    fn hashed_len(&self) -> u64 {
        let (_, n) = self.padded_salt();
        (self.block_size() as u64).saturating_add(n as u64)
    }
}

/// Whether artifact record `a` declares an fs-verity digest (of its
/// distributed bytes or of its plaintext).
pub fn declared(a: &crate::doc::Artifact<'_>) -> bool {
    a.verity.is_some() || a.plaintext.as_ref().is_some_and(|p| p.verity.is_some())
}

/// The rule the verifier applies to an artifact record (and the host to
/// what it writes): every fs-verity digest it declares has valid
/// parameters ([`Params::new`]) and a size whose tree has at most
/// [`MAX_LEVELS`] levels.
pub fn check_artifact(a: &crate::doc::Artifact<'_>) -> Result<()> {
    if let Some(v) = &a.verity {
        Geometry::new(&Params::of(v)?, a.size)?;
    }
    if let Some(p) = &a.plaintext {
        if let Some(v) = &p.verity {
            Geometry::new(&Params::of(v)?, p.size)?;
        }
    }
    Ok(())
}

/// The shape of a file's Merkle tree: how many hash levels, how many blocks
/// each has, and where each starts in the exported tree (root level first,
/// as `fsverity digest --out-merkle-tree` writes it and Linux stores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Geometry {
    data_size: u64,
    log_block_size: u8,
    levels: u8,
    /// Blocks of hash level `k + 1` (level 1 hashes the data blocks).
    blocks: [u64; MAX_LEVELS],
    /// Offset of hash level `k + 1` in the exported tree, in bytes.
    start: [u64; MAX_LEVELS],
    tree_len: u64,
}

impl Geometry {
    /// The tree of `data_size` bytes with `params`; a size that needs more
    /// than [`MAX_LEVELS`] levels is [`Error::LimitExceeded`].
    pub fn new(params: &Params, data_size: u64) -> Result<Self> {
        let log = u32::from(params.log_block_size());
        let bs = 1u64 << (log & 0x1f);
        // Digests per hash block: 2^(log - 5), at least 32.
        let log_per_block = log.saturating_sub(5);
        let mut g = Self {
            data_size,
            log_block_size: params.log_block_size(),
            levels: 0,
            blocks: [0; MAX_LEVELS],
            start: [0; MAX_LEVELS],
            tree_len: 0,
        };
        let mut n = div_ceil_pow2(data_size, log);
        let mut levels = 0usize;
        // At most MAX_LEVELS + 1 rounds: each divides n by at least 32.
        while n > 1 {
            n = div_ceil_pow2(n, log_per_block);
            let slot = g.blocks.get_mut(levels).ok_or(Error::LimitExceeded)?;
            *slot = n;
            levels = levels.saturating_add(1);
        }
        g.levels = u8::try_from(levels).map_err(|_| Error::LimitExceeded)?;
        // Root level first: level `levels` at 0, then downwards.
        let mut off = 0u64;
        for k in (0..levels).rev() {
            let blocks = g.blocks.get(k).copied().ok_or(Error::InvalidState)?;
            if let Some(s) = g.start.get_mut(k) {
                *s = off;
            }
            let len = blocks.checked_mul(bs).ok_or(Error::LimitExceeded)?;
            off = off.checked_add(len).ok_or(Error::LimitExceeded)?;
        }
        g.tree_len = off;
        Ok(g)
    }

    /// Hash levels above the data (0 for a file of at most one block).
    pub fn levels(&self) -> usize {
        usize::from(self.levels)
    }
    /// Length of the exported tree, in bytes.
    pub fn tree_len(&self) -> u64 {
        self.tree_len
    }
    /// The data size the tree covers, in bytes.
    pub fn data_size(&self) -> u64 {
        self.data_size
    }
    /// Data blocks.
    pub fn data_blocks(&self) -> u64 {
        div_ceil_pow2(self.data_size, u32::from(self.log_block_size))
    }
    /// Block size, in bytes.
    pub fn block_size(&self) -> u64 {
        1u64 << (self.log_block_size & 0x1f)
    }
    /// Blocks of hash level `level` (1 = the level over the data).
    pub fn level_blocks(&self, level: usize) -> u64 {
        level
            .checked_sub(1)
            .and_then(|k| self.blocks.get(k))
            .copied()
            .unwrap_or(0)
    }
    /// Offset of hash level `level` (1 = the level over the data) in the
    /// exported tree, in bytes.
    pub fn level_start(&self, level: usize) -> u64 {
        level
            .checked_sub(1)
            .and_then(|k| self.start.get(k))
            .copied()
            .unwrap_or(0)
    }
    fn log_per_block(&self) -> u32 {
        u32::from(self.log_block_size).saturating_sub(5)
    }
}

/// `n / 2^log`, rounded up, by shifts: block sizes are powers of two, and a
/// 64-bit division would pull the compiler's software divide (864 bytes on
/// a Cortex-M4) into every boot image.
fn div_ceil_pow2(n: u64, log: u32) -> u64 {
    let q = n.checked_shr(log).unwrap_or(0);
    let mask = 1u64.checked_shl(log).unwrap_or(0).wrapping_sub(1);
    q.saturating_add(u64::from(n & mask != 0))
}

/// The 256-byte fs-verity descriptor (`struct fsverity_descriptor`):
/// version 1, algorithm, log2 block size, salt size, 4 reserved bytes,
/// little-endian data size, root hash (64-byte field), salt (32-byte
/// field), 144 reserved bytes; everything unused zero.
pub fn descriptor(params: &Params, data_size: u64, root: &Digest) -> [u8; DESCRIPTOR_LEN] {
    let mut d = [0u8; DESCRIPTOR_LEN];
    let head = [1, ALG_SHA256, params.log_block_size(), params.salt_len];
    put(&mut d, 0, &head);
    put(&mut d, 8, &data_size.to_le_bytes());
    put(&mut d, 16, root);
    put(&mut d, 80, params.salt());
    d
}

fn put(dst: &mut [u8], at: usize, src: &[u8]) {
    copy(dst.get_mut(at..).unwrap_or(&mut []), src);
}

/// Copies what fits of `src` to the start of `dst`, byte by byte: no
/// length check that could panic (the C library is proven panic-free).
fn copy(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

/// A cache slot's 8-byte tag and its block.
fn split_tag(slot: &mut [u8]) -> Result<(&mut [u8], &mut [u8])> {
    slot.split_at_mut_checked(8).ok_or(Error::InvalidState)
}

/// The fs-verity file digest: SHA-256 of the [`descriptor`], through
/// `engine`.
pub fn file_digest<E: Sha256Engine + ?Sized>(
    engine: &mut E,
    params: &Params,
    data_size: u64,
    root: &Digest,
) -> Result<Digest> {
    crate::hash::digest_of(engine, &descriptor(params, data_size, root))
}

/// Ends a SHA-256 whose input was `len` bytes, a multiple of 64, already
/// compressed into `h`.
fn finish_state(mut h: [u32; 8], len: u64) -> Digest {
    let mut pad = [0u8; SHA_BLOCK];
    pad[0] = 0x80;
    put(
        &mut pad,
        SHA_BLOCK - 8,
        &len.saturating_mul(8).to_be_bytes(),
    );
    sha2::block_api::compress256(&mut h, core::slice::from_ref(&pad));
    let mut out = [0u8; DIGEST_LEN];
    for (o, w) in out.chunks_exact_mut(4).zip(h) {
        copy(o, &w.to_be_bytes());
    }
    out
}

/// Compresses whole 64-byte blocks of `data` (a multiple of 64 bytes).
fn compress(h: &mut [u32; 8], data: &[u8]) {
    for c in data.chunks_exact(SHA_BLOCK) {
        if let Ok(b) = <&[u8; SHA_BLOCK]>::try_from(c) {
            sha2::block_api::compress256(h, core::slice::from_ref(b));
        }
    }
}

/// The running SHA-256 of one hash block being filled with digests:
/// [`LEVEL_STATE_LEN`] bytes, whatever the block size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Level {
    h: [u32; 8],
    /// A digest waiting for its partner to make a whole SHA-256 block
    /// (valid when `fill` is an odd multiple of 32).
    pending: Digest,
    /// Bytes of the hash block filled so far.
    fill: u32,
}

/// Streams a file's bytes into its fs-verity digest in fixed RAM, 456
/// bytes whatever the file or block size: [`LEVEL_STATE_LEN`] per level
/// ([`MAX_LEVELS`]) and 48 of bookkeeping ([`Hasher::RAM`]). Data blocks go through the caller's
/// engine; the levels above use the built-in SHA-256 compression (several
/// run at once, which one engine cannot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hasher {
    params: Params,
    data_size: u64,
    levels: u8,
    /// Bytes of the current data block hashed so far.
    in_block: u32,
    /// The running levels. Once the top level's block is complete its
    /// state is spent, and it keeps the root instead (fill [`ROOT_HELD`]):
    /// 33 bytes less in every artifact check than a field of its own.
    level: [Level; MAX_LEVELS],
}

/// The fill count of the level that holds the root in its `pending`.
const ROOT_HELD: u32 = u32::MAX;

impl Hasher {
    /// Bytes of RAM a hasher takes (it lives in the caller's artifact check).
    pub const RAM: usize = core::mem::size_of::<Self>();

    /// A hasher for `data_size` bytes with `params` (the size decides the
    /// tree's height, so it is known before the first byte).
    pub fn new(params: Params, data_size: u64) -> Result<Self> {
        let g = Geometry::new(&params, data_size)?;
        let iv = params.salted_iv();
        Ok(Self {
            params,
            data_size,
            levels: g.levels,
            in_block: 0,
            level: [Level {
                h: iv,
                pending: [0; DIGEST_LEN],
                fill: 0,
            }; MAX_LEVELS],
        })
    }

    /// Feeds the next bytes of the file (any length). The caller holds
    /// the total to the declared size.
    pub fn update<E: Sha256Engine + ?Sized>(&mut self, engine: &mut E, data: &[u8]) -> Result<()> {
        let bs = self.params.block_size();
        let mut rest = data;
        // Each round ends a block or the input: bounded by data.len() / bs + 1.
        while !rest.is_empty() {
            if self.in_block == 0 {
                self.start_block(engine)?;
            }
            let room = bs.saturating_sub(self.in_block as usize);
            let (now, later) = rest.split_at(room.min(rest.len()));
            engine.update(now).map_err(|_| Error::HashEngine)?;
            self.in_block = self
                .in_block
                .saturating_add(u32::try_from(now.len()).map_err(|_| Error::InvalidState)?);
            rest = later;
            if self.in_block as usize == bs {
                self.end_block(engine)?;
            }
        }
        Ok(())
    }

    fn start_block<E: Sha256Engine + ?Sized>(&mut self, engine: &mut E) -> Result<()> {
        engine.start().map_err(|_| Error::HashEngine)?;
        let (p, n) = self.params.padded_salt();
        engine
            .update(p.get(..n).unwrap_or(&[]))
            .map_err(|_| Error::HashEngine)
    }

    fn end_block<E: Sha256Engine + ?Sized>(&mut self, engine: &mut E) -> Result<()> {
        let mut d = [0u8; DIGEST_LEN];
        engine.finish(&mut d).map_err(|_| Error::HashEngine)?;
        self.in_block = 0;
        self.push(0, d)
    }

    /// Adds digest `d` to hash level `k + 1`, carrying upwards every block
    /// it completes; above the top level it is the root.
    fn push(&mut self, mut k: usize, mut d: Digest) -> Result<()> {
        let bs = self.params.block_size() as u64;
        let hashed = self.params.hashed_len();
        // At most MAX_LEVELS + 1 rounds.
        loop {
            if k >= usize::from(self.levels) {
                let top = self.root_slot()?;
                if top.fill == ROOT_HELD {
                    return Err(Error::InvalidState);
                }
                top.pending = d;
                top.fill = ROOT_HELD;
                return Ok(());
            }
            let l = self.level.get_mut(k).ok_or(Error::InvalidState)?;
            if l.fill == ROOT_HELD {
                return Err(Error::InvalidState);
            }
            if l.fill & HALF_MASK == 0 {
                l.pending = d;
            } else {
                let mut b = [0u8; SHA_BLOCK];
                put(&mut b, 0, &l.pending);
                put(&mut b, DIGEST_LEN, &d);
                sha2::block_api::compress256(&mut l.h, core::slice::from_ref(&b));
            }
            l.fill = l.fill.saturating_add(DIGEST_LEN as u32);
            if u64::from(l.fill) < bs {
                return Ok(());
            }
            d = finish_state(l.h, hashed);
            // Recomputed, not kept: once per hash block, and 32 bytes less
            // in every artifact check.
            l.h = self.params.salted_iv();
            l.fill = 0;
            k = k.saturating_add(1);
        }
    }

    /// The level that holds the root once it is known: the top one (the
    /// first for a file without a tree, whose levels are all unused).
    fn root_slot(&mut self) -> Result<&mut Level> {
        let top = usize::from(self.levels).saturating_sub(1);
        self.level.get_mut(top).ok_or(Error::InvalidState)
    }

    /// Ends the file (after exactly `data_size` bytes) and returns its
    /// fs-verity file digest.
    pub fn finish<E: Sha256Engine + ?Sized>(mut self, engine: &mut E) -> Result<Digest> {
        let bs = self.params.block_size();
        if self.in_block != 0 {
            // The last data block, zero-padded: bounded by bs / 256 updates.
            while (self.in_block as usize) < bs {
                let n = bs.saturating_sub(self.in_block as usize).min(ZEROS.len());
                engine
                    .update(ZEROS.get(..n).unwrap_or(&[]))
                    .map_err(|_| Error::HashEngine)?;
                self.in_block = self.in_block.saturating_add(n as u32);
            }
            self.end_block(engine)?;
        }
        let hashed = self.params.hashed_len();
        let iv = self.params.salted_iv();
        for k in 0..usize::from(self.levels) {
            let l = self.level.get_mut(k).ok_or(Error::InvalidState)?;
            if l.fill == 0 || l.fill == ROOT_HELD {
                continue;
            }
            if l.fill & HALF_MASK != 0 {
                let mut b = [0u8; SHA_BLOCK];
                put(&mut b, 0, &l.pending);
                sha2::block_api::compress256(&mut l.h, core::slice::from_ref(&b));
                l.fill = l.fill.saturating_add(DIGEST_LEN as u32);
            }
            // Whole zero SHA-256 blocks to the end of the hash block:
            // bounded by bs / 64.
            while (l.fill as usize) < bs {
                compress(&mut l.h, ZEROS.get(..SHA_BLOCK).unwrap_or(&[]));
                l.fill = l.fill.saturating_add(SHA_BLOCK as u32);
            }
            let d = finish_state(l.h, hashed);
            l.h = iv;
            l.fill = 0;
            self.push(k.saturating_add(1), d)?;
        }
        let data_size = self.data_size;
        let top = self.root_slot()?;
        let root = match (top.fill == ROOT_HELD, data_size) {
            (true, _) => top.pending,
            (false, 0) => [0u8; DIGEST_LEN],
            (false, _) => return Err(Error::InvalidState),
        };
        file_digest(engine, &self.params, self.data_size, &root)
    }
}

/// Verified hash blocks, kept in caller memory so that a read does not
/// hash its path again: a direct-mapped cache of `slots` blocks (the
/// largest power of two that fits, so a block's slot is the low bits of
/// its number), each stored as an 8-byte tag (the block's number in the
/// exported tree, plus one; 0 for empty) followed by the block. A device sizes it for its
/// reads (the top of the tree and the level-1 blocks its hot data uses);
/// one slot is the least it works with.
#[derive(Debug)]
pub struct BlockCache<'c> {
    mem: &'c mut [u8],
    slot_len: usize,
    slots: usize,
}

impl<'c> BlockCache<'c> {
    /// Bytes one slot takes for blocks of `block_size` bytes.
    pub const fn slot_len(block_size: usize) -> usize {
        block_size.saturating_add(8)
    }

    /// A cache over `mem` for blocks of `params`' size, emptied. Less than
    /// one slot of memory is [`Error::BufferTooSmall`].
    pub fn new(mem: &'c mut [u8], params: &Params) -> Result<Self> {
        let slot_len = Self::slot_len(params.block_size());
        let slots = pow2_floor(mem.len().checked_div(slot_len).unwrap_or(0));
        if slots == 0 {
            return Err(Error::BufferTooSmall);
        }
        let mut c = Self {
            mem,
            slot_len,
            slots,
        };
        c.clear();
        Ok(c)
    }

    /// The cache over `mem` as a previous [`BlockCache::new`] left it,
    /// keeping the blocks verified then: for callers that hold the memory
    /// between calls (the C API). Whoever can write `mem` between calls
    /// can plant a block as verified, so it must be as private as the
    /// verifier's own state.
    pub fn attach(mem: &'c mut [u8], params: &Params) -> Result<Self> {
        let slot_len = Self::slot_len(params.block_size());
        let slots = pow2_floor(mem.len().checked_div(slot_len).unwrap_or(0));
        if slots == 0 {
            return Err(Error::BufferTooSmall);
        }
        Ok(Self {
            mem,
            slot_len,
            slots,
        })
    }

    /// Forgets every block (after the tree's storage may have changed).
    pub fn clear(&mut self) {
        for s in self.mem.chunks_exact_mut(self.slot_len.max(1)) {
            if let Some(t) = s.get_mut(..8) {
                t.fill(0);
            }
        }
    }

    /// Number of slots.
    pub fn slots(&self) -> usize {
        self.slots
    }

    fn slot(&mut self, block: u64) -> Result<&mut [u8]> {
        // The low bits of the number (slots is a power of two).
        let i = (block as usize) & self.slots.saturating_sub(1);
        let at = i.checked_mul(self.slot_len).ok_or(Error::InvalidState)?;
        let end = at.checked_add(self.slot_len).ok_or(Error::InvalidState)?;
        self.mem.get_mut(at..end).ok_or(Error::InvalidState)
    }

    /// The cached, verified block `block`, if it is here.
    fn get(&mut self, block: u64) -> Result<Option<&[u8]>> {
        let tag = block.wrapping_add(1).to_le_bytes();
        let s = self.slot(block)?;
        let (t, b) = s.split_at_checked(8).ok_or(Error::InvalidState)?;
        Ok(if t == tag { Some(b) } else { None })
    }
}

/// Verify on read: checks blocks of one artifact, read at any offset,
/// against its signed fs-verity digest through the hash blocks on their
/// path. Made by [`BlockChecker::open`], which has already chained the
/// tree's top block (or, for a file of one block, nothing) to the signed
/// digest. Each block costs O(tree height) hashes at most, fewer when its
/// path is cached, and no RAM beyond the caller's cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockChecker {
    params: Params,
    geometry: Geometry,
    /// The root hash, chained to the signed digest (`None` for a file of
    /// at most one block: it is the data block's own hash).
    root: Option<Digest>,
    /// The signed file digest.
    digest: Digest,
}

impl BlockChecker {
    /// Opens the tree of `data_size` bytes with `params` whose signed file
    /// digest is `digest`. `tree` reads the exported tree (root level
    /// first). A tree shorter than the size requires is
    /// [`Error::VerityTreeTruncated`]; a longer one, or one whose top block
    /// does not lead to `digest`, is [`Error::VerityTreeForeign`] (the tree
    /// of another file, or a top block that was damaged).
    pub fn open<E: Sha256Engine + ?Sized, R: ReadAt + ?Sized>(
        engine: &mut E,
        params: Params,
        data_size: u64,
        digest: &Digest,
        tree: &mut R,
        cache: &mut BlockCache<'_>,
    ) -> Result<Self> {
        let geometry = Geometry::new(&params, data_size)?;
        if cache.slot_len != BlockCache::slot_len(params.block_size()) {
            return Err(Error::InvalidState);
        }
        let have = tree.len();
        if have < geometry.tree_len {
            return Err(Error::VerityTreeTruncated);
        }
        if have > geometry.tree_len {
            return Err(Error::VerityTreeForeign);
        }
        let mut c = Self {
            params,
            geometry,
            root: None,
            digest: *digest,
        };
        cache.clear();
        if geometry.levels == 0 {
            // No tree: an empty file's root is zeros and is checked now; a
            // one-block file's root is its block's hash, checked on read.
            if data_size == 0 && file_digest(engine, &params, 0, &[0; DIGEST_LEN])? != *digest {
                return Err(Error::VerityTreeForeign);
            }
            return Ok(c);
        }
        // The top block: its hash is the root, which must give the digest.
        let slot = cache.slot(0)?;
        let (tag, block) = split_tag(slot)?;
        tag.fill(0);
        tree.read_exact_at(0, block).map_err(|_| Error::Read)?;
        let root = c.block_hash(engine, block)?;
        if file_digest(engine, &params, data_size, &root)? != *digest {
            return Err(Error::VerityTreeForeign);
        }
        copy(tag, &1u64.to_le_bytes());
        c.root = Some(root);
        Ok(c)
    }

    /// The tree's geometry.
    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    fn block_hash<E: Sha256Engine + ?Sized>(&self, engine: &mut E, block: &[u8]) -> Result<Digest> {
        let e = |_| Error::HashEngine;
        engine.start().map_err(e)?;
        let (p, n) = self.params.padded_salt();
        if n != 0 {
            engine.update(p.get(..n).unwrap_or(&[])).map_err(e)?;
        }
        engine.update(block).map_err(e)?;
        let pad = self.params.block_size().saturating_sub(block.len());
        // Bounded by block_size / 256.
        let mut left = pad;
        while left > 0 {
            let n = left.min(ZEROS.len());
            engine.update(ZEROS.get(..n).unwrap_or(&[])).map_err(e)?;
            left = left.saturating_sub(n);
        }
        let mut d = [0u8; DIGEST_LEN];
        engine.finish(&mut d).map_err(e)?;
        Ok(d)
    }

    /// Checks `data`, the file's bytes at `offset`: `offset` must be on a
    /// block boundary ([`Error::VerityMisaligned`]) inside the file
    /// ([`Error::VerityOutOfRange`]), and `data` whole blocks or run to
    /// the end of the file ([`Error::VerityMisaligned`]). A block that does
    /// not hash to its entry is [`Error::VerityBlockMismatch`] (wrong
    /// bytes, or bytes of another offset); a hash block on the path that
    /// does not hash to its parent's entry is [`Error::VerityTreeCorrupt`];
    /// [`Error::VerityTreeTruncated`] when the tree reader comes up short.
    pub fn check<E: Sha256Engine + ?Sized, R: ReadAt + ?Sized>(
        &self,
        engine: &mut E,
        tree: &mut R,
        cache: &mut BlockCache<'_>,
        offset: u64,
        data: &[u8],
    ) -> Result<()> {
        let g = &self.geometry;
        let bs = g.block_size();
        if offset >= g.data_size {
            return Err(Error::VerityOutOfRange);
        }
        let end = offset
            .checked_add(data.len() as u64)
            .ok_or(Error::VerityOutOfRange)?;
        if end > g.data_size {
            return Err(Error::VerityOutOfRange);
        }
        let mask = bs.saturating_sub(1);
        if offset & mask != 0 || (end & mask != 0 && end != g.data_size) || data.is_empty() {
            return Err(Error::VerityMisaligned);
        }
        let first = offset >> g.log_block_size;
        let Some(root) = self.root else {
            // One block, no tree: its hash is the root.
            let h = self.block_hash(engine, data)?;
            if file_digest(engine, &self.params, g.data_size, &h)? != self.digest {
                return Err(Error::VerityBlockMismatch);
            }
            return Ok(());
        };
        // The mask of a data block's place among the entries of its
        // level-1 block.
        let place = (1u64 << (g.log_per_block() & 0x1f)).saturating_sub(1);
        let mut index = first;
        let mut blocks = data.chunks(self.params.block_size().max(1));
        // One level-1 block per round: bounded by data.len() / block size.
        while let Some(block) = blocks.next() {
            // The first block under a level-1 block chains that block to
            // the root (or to a cached block above it) and caches it.
            let want = self.entry(engine, tree, cache, &root, index)?;
            // The walk entered the level-1 block last, so it is in the
            // cache: this block and the ones after it under the same
            // level-1 block are checked against its entries, with no walk
            // and no lookup per block. (If it is not, this block is checked
            // alone and the next round walks again.)
            let (number, _) = self.path_at(index, 1)?;
            let Some(level1) = cache.get(number)? else {
                if self.block_hash(engine, block)? != want {
                    return Err(Error::VerityBlockMismatch);
                }
                index = index.saturating_add(1);
                continue;
            };
            index = self.check_under(engine, level1, place, index, block, &mut blocks)?;
        }
        Ok(())
    }

    /// Checks data block `index` (`block`) and the blocks after it in
    /// `rest` that sit under the same level-1 block, against the entries
    /// of that block (`level1`, verified and cached): two blocks per
    /// [`Sha256Engine::digest_two`] call, so that an engine able to hash
    /// two at once does. Answers the index after the last block checked.
    fn check_under<E: Sha256Engine + ?Sized>(
        &self,
        engine: &mut E,
        level1: &[u8],
        place: u64,
        mut index: u64,
        block: &[u8],
        rest: &mut core::slice::Chunks<'_, u8>,
    ) -> Result<u64> {
        let bs = self.params.block_size();
        let (salt, n) = self.params.padded_salt();
        let prefix = salt.get(..n).unwrap_or(&[]);
        let pos = |i: u64| usize::try_from(i & place).map_err(|_| Error::InvalidState);
        let mut next = Some(block);
        // One or two blocks per round: bounded by the entries of one
        // level-1 block.
        while let Some(a) = next {
            let want = entry_of(level1, pos(index)?)?;
            let b = if index.saturating_add(1) & place != 0 {
                rest.next()
            } else {
                None
            };
            match b {
                Some(b) => {
                    let want_b = entry_of(level1, pos(index.saturating_add(1))?)?;
                    let ok = if a.len() == bs && b.len() == bs {
                        let mut d = [[0u8; DIGEST_LEN]; 2];
                        engine
                            .digest_two(prefix, a, b, &mut d)
                            .map_err(|_| Error::HashEngine)?;
                        d[0] == want && d[1] == want_b
                    } else {
                        // `b` is the file's short last block (zero-padded
                        // by block_hash).
                        self.block_hash(engine, a)? == want && self.block_hash(engine, b)? == want_b
                    };
                    if !ok {
                        return Err(Error::VerityBlockMismatch);
                    }
                    index = index.saturating_add(2);
                }
                None => {
                    if self.block_hash(engine, a)? != want {
                        return Err(Error::VerityBlockMismatch);
                    }
                    index = index.saturating_add(1);
                }
            }
            next = if index & place != 0 {
                rest.next()
            } else {
                None
            };
        }
        Ok(index)
    }

    /// Level `k`'s block on the path of data block `index`: its number in
    /// the exported tree, and the position in it of the entry for the
    /// level below.
    fn path_at(&self, index: u64, k: usize) -> Result<(u64, usize)> {
        let g = &self.geometry;
        let shift = g.log_per_block();
        let k32 = u32::try_from(k).map_err(|_| Error::InvalidState)?;
        let above = shift.saturating_mul(k32);
        let below = shift.saturating_mul(k32.saturating_sub(1));
        let idx = index.checked_shr(above).unwrap_or(0);
        let pos = index.checked_shr(below).unwrap_or(0) & ((1u64 << shift).saturating_sub(1));
        let number = (g.level_start(k) >> g.log_block_size)
            .checked_add(idx)
            .ok_or(Error::InvalidState)?;
        Ok((
            number,
            usize::try_from(pos).map_err(|_| Error::InvalidState)?,
        ))
    }

    /// The verified hash of data block `index`: its entry in level 1,
    /// after chaining the level-1 block up to the root, or up to the
    /// lowest block of its path already in the cache (which was chained
    /// when it entered).
    fn entry<E: Sha256Engine + ?Sized, R: ReadAt + ?Sized>(
        &self,
        engine: &mut E,
        tree: &mut R,
        cache: &mut BlockCache<'_>,
        root: &Digest,
        index: u64,
    ) -> Result<Digest> {
        let g = &self.geometry;
        let levels = g.levels();
        // Start above the top with the root, or at the lowest cached block.
        let mut expected = *root;
        let mut k = levels;
        // At most MAX_LEVELS rounds.
        for level in 1..=levels {
            let (number, pos) = self.path_at(index, level)?;
            if let Some(b) = cache.get(number)? {
                expected = entry_of(b, pos)?;
                k = level.saturating_sub(1);
                break;
            }
        }
        // Walk down, reading, checking and caching each block: at most
        // MAX_LEVELS rounds.
        while k >= 1 {
            let (number, pos) = self.path_at(index, k)?;
            let off = number
                .checked_shl(u32::from(g.log_block_size))
                .ok_or(Error::InvalidState)?;
            let slot = cache.slot(number)?;
            let (tag, block) = split_tag(slot)?;
            tag.fill(0);
            if off.saturating_add(block.len() as u64) > tree.len() {
                return Err(Error::VerityTreeTruncated);
            }
            tree.read_exact_at(off, block).map_err(|_| Error::Read)?;
            if self.block_hash(engine, block)? != expected {
                return Err(Error::VerityTreeCorrupt);
            }
            copy(tag, &number.wrapping_add(1).to_le_bytes());
            expected = entry_of(block, pos)?;
            k = k.saturating_sub(1);
        }
        Ok(expected)
    }
}

/// The largest power of two at most `n` (0 for 0).
fn pow2_floor(n: usize) -> usize {
    n.checked_ilog2().map_or(0, |l| 1usize << l)
}

/// Entry `pos` (a 32-byte digest) of a hash block.
fn entry_of(block: &[u8], pos: usize) -> Result<Digest> {
    let at = pos.checked_mul(DIGEST_LEN).ok_or(Error::InvalidState)?;
    let end = at.checked_add(DIGEST_LEN).ok_or(Error::InvalidState)?;
    let mut d = [0u8; DIGEST_LEN];
    copy(&mut d, block.get(at..end).ok_or(Error::InvalidState)?);
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::ReadFailure;
    use crate::hash::SoftSha256;
    use sha2::Digest as _;
    use std::vec;
    use std::vec::Vec;

    /// The tree, level by level, as fsverity-utils describes it: a plain
    /// reference to hold the streaming hasher and the checker to.
    fn reference(p: &Params, data: &[u8]) -> (Digest, Vec<u8>) {
        let bs = p.block_size();
        let h = |b: &[u8]| -> Digest {
            let mut s = sha2::Sha256::new();
            let (ps, n) = p.padded_salt();
            s.update(&ps[..n]);
            s.update(b);
            s.update(vec![0u8; bs - b.len()]);
            s.finalize().into()
        };
        if data.is_empty() {
            return ([0; 32], Vec::new());
        }
        let mut level: Vec<Digest> = data.chunks(bs).map(h).collect();
        let mut levels: Vec<Vec<u8>> = Vec::new();
        while level.len() > 1 {
            let mut bytes: Vec<u8> = level.concat();
            bytes.resize(bytes.len().div_ceil(bs) * bs, 0);
            level = bytes.chunks(bs).map(h).collect();
            levels.push(bytes);
        }
        levels.reverse();
        (level[0], levels.concat())
    }

    struct Mem(Vec<u8>);
    impl ReadAt for Mem {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_exact_at(
            &mut self,
            off: u64,
            buf: &mut [u8],
        ) -> core::result::Result<(), ReadFailure> {
            let o = off as usize;
            let s = self.0.get(o..o + buf.len()).ok_or(ReadFailure)?;
            buf.copy_from_slice(s);
            Ok(())
        }
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    fn streamed(p: Params, d: &[u8], chunk: usize) -> Digest {
        let mut e = SoftSha256::new();
        let mut h = Hasher::new(p, d.len() as u64).unwrap();
        for c in d.chunks(chunk.max(1)) {
            h.update(&mut e, c).unwrap();
        }
        h.finish(&mut e).unwrap()
    }

    #[test]
    fn hasher_matches_the_reference_at_every_shape() {
        for (log, salt) in [(10u8, &b""[..]), (12, b"abc"), (12, &[9u8; 32]), (16, b"")] {
            let p = Params::new(ALG_SHA256, log, salt).unwrap();
            let bs = p.block_size();
            let per = bs / 32;
            for n in [
                0,
                1,
                bs - 1,
                bs,
                bs + 1,
                3 * bs + 5,
                per * bs,
                per * bs + 1,
                2 * per * bs + 7,
            ] {
                if n > (1 << 20) && log > 10 {
                    continue;
                }
                let d = data(n);
                let (root, tree) = reference(&p, &d);
                let want = crate::hash::sha256(&descriptor(&p, n as u64, &root));
                for chunk in [1usize, 63, 4096, 100_000] {
                    if chunk == 1 && n > 70_000 {
                        continue;
                    }
                    assert_eq!(
                        streamed(p, &d, chunk),
                        want,
                        "log {log} n {n} chunk {chunk}"
                    );
                }
                let g = Geometry::new(&p, n as u64).unwrap();
                assert_eq!(g.tree_len(), tree.len() as u64, "log {log} n {n}");
            }
        }
    }

    #[test]
    fn a_level_costs_what_the_docs_say() {
        assert_eq!(core::mem::size_of::<Level>(), LEVEL_STATE_LEN);
    }

    #[test]
    fn empty_file_root_is_zero_and_descriptor_is_laid_out() {
        let p = Params::new(1, 12, b"").unwrap();
        let d = descriptor(&p, 0, &[0; 32]);
        assert_eq!(&d[..4], &[1, 1, 12, 0]);
        assert!(d[4..].iter().all(|&b| b == 0));
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert_eq!(Params::new(2, 12, b""), Err(Error::Invalid));
        assert_eq!(Params::new(1, 9, b""), Err(Error::Invalid));
        assert_eq!(Params::new(1, 17, b""), Err(Error::Invalid));
        assert_eq!(Params::new(1, 12, &[0; 33]), Err(Error::Invalid));
        let p = Params::new(1, 10, b"").unwrap();
        assert_eq!(Geometry::new(&p, 1 << 40).unwrap().levels(), MAX_LEVELS);
        assert_eq!(
            Geometry::new(&p, (1 << 40) + 1).err(),
            Some(Error::LimitExceeded)
        );
        let p = Params::new(1, 12, b"").unwrap();
        assert_eq!(Geometry::new(&p, 1 << 54).unwrap().levels(), MAX_LEVELS);
        assert_eq!(
            Geometry::new(&p, u64::MAX).err(),
            Some(Error::LimitExceeded)
        );
    }

    fn setup(log: u8, salt: &[u8], n: usize) -> (Params, Vec<u8>, Digest, Vec<u8>) {
        let p = Params::new(1, log, salt).unwrap();
        let d = data(n);
        let (root, tree) = reference(&p, &d);
        let digest = crate::hash::sha256(&descriptor(&p, n as u64, &root));
        (p, d, digest, tree)
    }

    #[test]
    fn verify_on_read_accepts_every_block_and_rejects_each_fault_by_name() {
        // 1 KiB blocks, 32 per hash block: 40,000 blocks give three levels.
        for (log, salt, n) in [
            (10u8, &b"s"[..], 40_000 * 1024 + 3),
            (12, b"", 4096 * 300),
            (12, b"", 10),
            (12, b"x", 0),
        ] {
            let (p, d, digest, tree) = setup(log, salt, n);
            let bs = p.block_size();
            for slots in [1usize, 3, 64] {
                let mut mem = vec![0u8; slots * BlockCache::slot_len(bs)];
                let mut cache = BlockCache::new(&mut mem, &p).unwrap();
                let mut t = Mem(tree.clone());
                let mut e = SoftSha256::new();
                let c =
                    BlockChecker::open(&mut e, p, n as u64, &digest, &mut t, &mut cache).unwrap();
                let blocks = n.div_ceil(bs);
                let step = (blocks / 37).max(1);
                for b in (0..blocks).step_by(step).chain([blocks.saturating_sub(1)]) {
                    if n == 0 {
                        break;
                    }
                    let end = ((b + 2) * bs).min(n);
                    c.check(&mut e, &mut t, &mut cache, (b * bs) as u64, &d[b * bs..end])
                        .unwrap();
                    // Wrong bytes, and the right bytes claimed at another offset.
                    let mut bad = d[b * bs..end].to_vec();
                    bad[0] ^= 1;
                    assert_eq!(
                        c.check(&mut e, &mut t, &mut cache, (b * bs) as u64, &bad),
                        Err(Error::VerityBlockMismatch)
                    );
                    if blocks > 2 && b + 2 < blocks {
                        let other = &d[(b + 1) * bs..(b + 2) * bs];
                        assert_eq!(
                            c.check(&mut e, &mut t, &mut cache, (b * bs) as u64, other),
                            Err(Error::VerityBlockMismatch)
                        );
                    }
                }
                assert_eq!(
                    c.check(&mut e, &mut t, &mut cache, n as u64, &[0]),
                    Err(Error::VerityOutOfRange)
                );
                if n > bs {
                    assert_eq!(
                        c.check(&mut e, &mut t, &mut cache, 1, &d[1..bs + 1]),
                        Err(Error::VerityMisaligned)
                    );
                    assert_eq!(
                        c.check(&mut e, &mut t, &mut cache, 0, &d[..bs - 1]),
                        Err(Error::VerityMisaligned)
                    );
                    assert_eq!(
                        c.check(&mut e, &mut t, &mut cache, 0, &d[..n.min(bs * 2)])
                            .err(),
                        None
                    );
                }
            }
            if tree.is_empty() {
                continue;
            }
            let mut mem = vec![0u8; 2 * BlockCache::slot_len(bs)];
            let mut cache = BlockCache::new(&mut mem, &p).unwrap();
            let mut e = SoftSha256::new();
            // Truncated tree, tree of another file.
            let mut short = Mem(tree[..tree.len() - 1].to_vec());
            assert_eq!(
                BlockChecker::open(&mut e, p, n as u64, &digest, &mut short, &mut cache).err(),
                Some(Error::VerityTreeTruncated)
            );
            let (_, _, _, other) = setup(log, b"other", n);
            assert_eq!(
                BlockChecker::open(&mut e, p, n as u64, &digest, &mut Mem(other), &mut cache).err(),
                Some(Error::VerityTreeForeign)
            );
            // A corrupt block below the top: found on the read whose path uses it.
            if tree.len() > bs {
                let mut bad = tree.clone();
                let last = bad.len() - 1;
                bad[last - bs + 1] ^= 0x80; // the first byte of the last level-1 block
                let mut t = Mem(bad);
                let c =
                    BlockChecker::open(&mut e, p, n as u64, &digest, &mut t, &mut cache).unwrap();
                let blocks = n.div_ceil(bs);
                let lb = blocks - 1;
                let end = n;
                assert_eq!(
                    c.check(
                        &mut e,
                        &mut t,
                        &mut cache,
                        (lb * bs) as u64,
                        &d[lb * bs..end]
                    ),
                    Err(Error::VerityTreeCorrupt)
                );
                c.check(&mut e, &mut t, &mut cache, 0, &d[..bs]).unwrap();
            }
        }
    }

    /// An engine that hashes pairs itself (independently of the engine's
    /// start/update/finish) and counts them.
    struct Pairs {
        soft: SoftSha256,
        pairs: usize,
    }
    impl Sha256Engine for Pairs {
        fn start(&mut self) -> core::result::Result<(), crate::hash::EngineFailure> {
            self.soft.start()
        }
        fn update(&mut self, d: &[u8]) -> core::result::Result<(), crate::hash::EngineFailure> {
            self.soft.update(d)
        }
        fn finish(
            &mut self,
            o: &mut Digest,
        ) -> core::result::Result<(), crate::hash::EngineFailure> {
            self.soft.finish(o)
        }
        fn digest_two(
            &mut self,
            prefix: &[u8],
            a: &[u8],
            b: &[u8],
            out: &mut [Digest; 2],
        ) -> core::result::Result<(), crate::hash::EngineFailure> {
            use sha2::Digest as _;
            self.pairs += 1;
            for (m, o) in [a, b].into_iter().zip(out.iter_mut()) {
                *o = sha2::Sha256::new()
                    .chain_update(prefix)
                    .chain_update(m)
                    .finalize()
                    .into();
            }
            Ok(())
        }
    }

    #[test]
    fn reads_of_every_length_are_hashed_in_pairs_and_each_block_still_counts() {
        // 1 KiB blocks, 32 entries per level-1 block; a short last block.
        for salt in [&b""[..], b"salt"] {
            let n = 32 * 1024 * 3 + 500;
            let (p, d, digest, tree) = setup(10, salt, n);
            let bs = p.block_size();
            let blocks = n.div_ceil(bs);
            let mut mem = vec![0u8; 8 * BlockCache::slot_len(bs)];
            let mut cache = BlockCache::new(&mut mem, &p).unwrap();
            let mut t = Mem(tree.clone());
            let mut e = Pairs {
                soft: SoftSha256::new(),
                pairs: 0,
            };
            let c = BlockChecker::open(&mut e, p, n as u64, &digest, &mut t, &mut cache).unwrap();
            for first in [0, 1, 30, 31, 32, 33, 62, blocks - 3, blocks - 2, blocks - 1] {
                for len in 1..=(blocks - first).min(37) {
                    let (at, end) = (first * bs, ((first + len) * bs).min(n));
                    e.pairs = 0;
                    c.check(&mut e, &mut t, &mut cache, at as u64, &d[at..end])
                        .unwrap();
                    // Every full block after the first of a level-1 run is
                    // in a pair when its neighbour is.
                    if len >= 4 {
                        assert!(e.pairs > 0, "first {first} len {len}");
                    }
                    // Any one block wrong, the first and the second of a
                    // pair alike, or two blocks swapped: refused.
                    for k in [0, len / 2, len - 1] {
                        let mut bad = d[at..end].to_vec();
                        bad[k * bs] ^= 1;
                        assert_eq!(
                            c.check(&mut e, &mut t, &mut cache, at as u64, &bad),
                            Err(Error::VerityBlockMismatch),
                            "first {first} len {len} block {k}"
                        );
                    }
                    if len >= 2 && end - at >= 2 * bs {
                        let mut swapped = d[at..end].to_vec();
                        let (x, y) = swapped.split_at_mut(bs);
                        x.swap_with_slice(&mut y[..bs]);
                        assert_eq!(
                            c.check(&mut e, &mut t, &mut cache, at as u64, &swapped),
                            Err(Error::VerityBlockMismatch)
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_one_block_file_is_checked_against_the_digest_itself() {
        let (p, d, digest, tree) = setup(12, b"", 100);
        assert!(tree.is_empty());
        let mut mem = vec![0u8; BlockCache::slot_len(4096)];
        let mut cache = BlockCache::new(&mut mem, &p).unwrap();
        let mut e = SoftSha256::new();
        let mut t = Mem(Vec::new());
        let c = BlockChecker::open(&mut e, p, 100, &digest, &mut t, &mut cache).unwrap();
        c.check(&mut e, &mut t, &mut cache, 0, &d).unwrap();
        assert_eq!(
            c.check(&mut e, &mut t, &mut cache, 0, &d[..99]),
            Err(Error::VerityMisaligned)
        );
        let mut bad = d.clone();
        bad[99] ^= 1;
        assert_eq!(
            c.check(&mut e, &mut t, &mut cache, 0, &bad),
            Err(Error::VerityBlockMismatch)
        );
        assert_eq!(
            BlockChecker::open(&mut e, p, 100, &digest, &mut Mem(vec![0; 4096]), &mut cache).err(),
            Some(Error::VerityTreeForeign)
        );
        assert_eq!(
            BlockCache::new(&mut [0u8; 4103], &p).err(),
            Some(Error::BufferTooSmall)
        );
    }
}
