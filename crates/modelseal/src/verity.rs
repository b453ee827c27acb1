//! fs-verity digests and Merkle trees on the build host.
//!
//! The data blocks of one file are independent, so [`crate::hashing`]
//! hashes a large file in segments on every core ([`hash_blocks`]); the
//! levels above them are 1/128 of the work (4 KiB blocks) and are built
//! here in one pass ([`finish_tree`]). The tree is kept in the layout
//! `fsverity digest --out-merkle-tree` writes (root level first), which is
//! also what a device reads for verify on read.
//!
//! The parameters and the digest come from [`modelseal_core::verity`]:
//! the ECU's own definition, so the host cannot drift from it; the build
//! then checks what it wrote with the core's streaming hasher.

use crate::error::{Error, Result};
use modelseal_accel::NativeSha256;
use modelseal_core::verity::{Geometry, Params, descriptor};
use modelseal_core::{Digest, Sha256Engine as _};
use sha2::Digest as _;

/// Suffix of the name of an artifact that carries another artifact's tree
/// in a bundle: the tree of `model/weights.bin` is `model/weights.bin.merkle`.
pub const TREE_SUFFIX: &str = ".merkle";

/// A file's fs-verity digest and, when asked for, its Merkle tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tree {
    /// The root hash.
    pub root: Digest,
    /// The fs-verity file digest (SHA-256 of the descriptor).
    pub digest: Digest,
    /// The tree, root level first (empty for a file of at most one block).
    pub bytes: Option<Vec<u8>>,
}

/// Where every block's hash starts: the padded salt (empty with no
/// salt), and a SHA-256 state that has absorbed it.
pub(crate) struct Salted {
    state: sha2::Sha256,
    prefix: [u8; 64],
    prefix_len: usize,
}

/// The [`Salted`] start of `params`' block hashes.
pub(crate) fn salted(params: &Params) -> Salted {
    let mut state = sha2::Sha256::new();
    let mut prefix = [0u8; 64];
    let salt = params.salt();
    let prefix_len = if salt.is_empty() {
        0
    } else {
        prefix[..salt.len()].copy_from_slice(salt);
        state.update(prefix);
        prefix.len()
    };
    Salted {
        state,
        prefix,
        prefix_len,
    }
}

/// Hashes `data`, whole blocks but for a short last one (zero-padded),
/// writing one 32-byte digest per block into `out`. On a CPU that hashes
/// two blocks at once ([`NativeSha256::interleaves`]), whole blocks go in
/// pairs.
pub(crate) fn hash_blocks(base: &Salted, bs: usize, data: &[u8], out: &mut [u8]) {
    let mut rest = (data, &mut *out);
    if NativeSha256::interleaves() {
        let mut engine = NativeSha256::new();
        let prefix = &base.prefix[..base.prefix_len];
        let pairs = data.len() / (2 * bs);
        let (paired, data_rest) = data.split_at(pairs * 2 * bs);
        let (out_paired, out_rest) = out.split_at_mut((pairs * 64).min(out.len()));
        for (two, o) in paired
            .chunks_exact(2 * bs)
            .zip(out_paired.chunks_exact_mut(64))
        {
            let (a, b) = two.split_at(bs);
            let mut d = [[0u8; 32]; 2];
            if engine.digest_two(prefix, a, b, &mut d).is_ok() {
                o[..32].copy_from_slice(&d[0]);
                o[32..].copy_from_slice(&d[1]);
            } else {
                one_at_a_time(base, bs, two, o);
            }
        }
        rest = (data_rest, out_rest);
    }
    one_at_a_time(base, bs, rest.0, rest.1);
}

fn one_at_a_time(base: &Salted, bs: usize, data: &[u8], out: &mut [u8]) {
    let zeros = [0u8; 4096];
    for (block, o) in data.chunks(bs).zip(out.chunks_exact_mut(32)) {
        let mut h = base.state.clone();
        h.update(block);
        let mut pad = bs - block.len();
        while pad > 0 {
            let n = pad.min(zeros.len());
            h.update(&zeros[..n]);
            pad -= n;
        }
        o.copy_from_slice(&h.finalize());
    }
}

/// [`hash_blocks`] over a whole tree level, on every core when the level
/// is large (the lowest of a 2 GiB file is 16 MiB: 14 ms on one core, the
/// last step before signing).
fn hash_level(base: &Salted, bs: usize, data: &[u8], out: &mut [u8]) {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads < 2 || data.len() < (1 << 20) {
        return hash_blocks(base, bs, data, out);
    }
    let per = (data.len() / bs).div_ceil(threads).max(1);
    std::thread::scope(|s| {
        for (d, o) in data.chunks(per * bs).zip(out.chunks_mut(per * 32)) {
            s.spawn(move || hash_blocks(base, bs, d, o));
        }
    });
}

/// Builds the levels above the data from the data blocks' digests
/// (`leaves`, 32 bytes per block, in order) and returns the digest, with
/// the tree when `keep`.
pub fn finish_tree(params: &Params, data_size: u64, leaves: Vec<u8>, keep: bool) -> Result<Tree> {
    let g = Geometry::new(params, data_size)
        .map_err(|e| Error::verify("fs-verity tree geometry", e))?;
    let bs = params.block_size();
    let base = salted(params);
    let blocks = g.data_blocks() as usize;
    if leaves.len() != blocks * 32 {
        return Err(Error::Internal {
            invariant: "one digest per data block",
        });
    }
    let root = match blocks {
        0 => [0u8; 32],
        1 => leaves[..32].try_into().unwrap_or([0; 32]),
        _ => {
            let mut levels: Vec<Vec<u8>> = Vec::with_capacity(g.levels());
            let mut level = leaves;
            while level.len() > 32 {
                level.resize(level.len().div_ceil(bs) * bs, 0);
                let mut up = vec![0u8; level.len() / bs * 32];
                hash_level(&base, bs, &level, &mut up);
                levels.push(std::mem::replace(&mut level, up));
            }
            let root: Digest = level[..32].try_into().unwrap_or([0; 32]);
            let tree = keep.then(|| {
                let mut t = Vec::with_capacity(g.tree_len() as usize);
                for l in levels.iter().rev() {
                    t.extend_from_slice(l);
                }
                t
            });
            let digest = sha2::Sha256::digest(descriptor(params, data_size, &root)).into();
            return Ok(Tree {
                root,
                digest,
                bytes: tree,
            });
        }
    };
    let digest = sha2::Sha256::digest(descriptor(params, data_size, &root)).into();
    Ok(Tree {
        root,
        digest,
        bytes: keep.then(Vec::new),
    })
}

/// The digest and tree of bytes in memory (one thread).
pub fn of_bytes(params: &Params, data: &[u8]) -> Result<Tree> {
    let bs = params.block_size();
    let mut leaves = vec![0u8; data.len().div_ceil(bs) * 32];
    hash_blocks(&salted(params), bs, data, &mut leaves);
    finish_tree(params, data.len() as u64, leaves, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use modelseal_core::SoftSha256;

    #[test]
    fn the_host_tree_gives_the_core_digest() {
        for (log, salt) in [(10u8, &b""[..]), (12, b"pepper"), (16, &[1u8; 32])] {
            let p = Params::new(1, log, salt).unwrap();
            for n in [0usize, 1, 4095, 4096, 4097, 70_000, 1 << 20] {
                let data: Vec<u8> = (0..n).map(|i| (i % 253) as u8).collect();
                let t = of_bytes(&p, &data).unwrap();
                let mut e = SoftSha256::new();
                let mut h = modelseal_core::verity::Hasher::new(p, n as u64).unwrap();
                h.update(&mut e, &data).unwrap();
                assert_eq!(h.finish(&mut e).unwrap(), t.digest, "log {log} n {n}");
                let g = Geometry::new(&p, n as u64).unwrap();
                assert_eq!(t.bytes.unwrap().len() as u64, g.tree_len());
            }
        }
    }
}
