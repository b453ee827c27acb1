//! Authenticating one artifact record at a time without keeping them all.
//!
//! A manifest may list [`MAX_ARTIFACTS`] artifacts; their records do not fit
//! a device's context, and reading a record again from the caller's head
//! after verification would trust memory that may have changed. So while
//! the authenticated pass reads the records it also builds a Merkle tree
//! over them (RFC 6962 shape: leaf `SHA-256(0x00 || record)`, node
//! `SHA-256(0x01 || left || right)`) and keeps only its root. Later a record
//! is read again from the head together with the hashes of its sibling
//! subtrees, and used only if they lead to the kept root.
//!
//! Sequential use (record 0, 1, 2, ... as payloads arrive) keeps the
//! sibling hashes between calls and recomputes only the ones that changed:
//! about `log2(n) / 2` extra records read per record on average, and
//! `n` for the first record or after a jump. Nothing here is quadratic in
//! the number of artifacts.
//!
//! The tree is the device's own bookkeeping: it is not part of the format.

use crate::bundle::Layout;
use crate::doc::Artifact;
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::limits::{MAX_ARTIFACTS, MAX_ID_LEN, MAX_NAME_LEN, MAX_TEXT_LEN};
use crate::snap::Snap;
use sha2::Digest as _;

/// Levels of the largest tree (2048 leaves: 11 levels above the leaves).
pub(crate) const LEVELS: usize = 11;
const _: () = assert!(MAX_ARTIFACTS <= 1 << LEVELS);

/// Hash of a leaf's prefix byte (RFC 6962 §2.1).
pub(crate) const LEAF_PREFIX: [u8; 1] = [0x00];

fn node(left: &Digest, right: &Digest) -> Digest {
    let mut h = sha2::Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// Builds the RFC 6962 tree hash of leaves pushed in order, keeping one
/// hash per level.
#[derive(Debug, Clone)]
pub(crate) struct Builder {
    stack: heapless::Vec<(u8, Digest), { LEVELS + 1 }, u8>,
}

impl Builder {
    pub(crate) fn new() -> Self {
        Self {
            stack: heapless::Vec::new(),
        }
    }

    /// Adds the next leaf hash.
    pub(crate) fn push(&mut self, leaf: Digest) -> Result<()> {
        let mut level = 0u8;
        let mut h = leaf;
        // At most LEVELS + 1 merges.
        while let Some(&(l, left)) = self.stack.last() {
            if l != level {
                break;
            }
            self.stack.pop();
            h = node(&left, &h);
            level = level.saturating_add(1);
        }
        self.stack
            .push((level, h))
            .map_err(|_| Error::LimitExceeded)
    }

    /// The tree hash of everything pushed (`SHA-256("")` for no leaf).
    pub(crate) fn root(mut self) -> Digest {
        let Some((_, mut h)) = self.stack.pop() else {
            return crate::hash::sha256(&[]);
        };
        while let Some((_, left)) = self.stack.pop() {
            h = node(&left, &h);
        }
        h
    }
}

/// Builds the tree over the records a walk hands out (the per-chunk path
/// needs it; a whole bundle does not, so firmware that only checks whole
/// bundles does not carry it).
pub(crate) struct Tree(pub(crate) Builder);

impl crate::manifest::ManifestVisitor for Tree {
    fn artifact_leaf(&mut self, leaf: &Digest) -> Result<()> {
        self.0.push(*leaf)
    }
}

/// An artifact record copied out of the head and authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactRecord {
    /// Relative path.
    pub name: heapless::String<MAX_NAME_LEN, u8>,
    /// [`crate::ArtifactKind`] code.
    pub kind: u8,
    /// Length of the distributed bytes.
    pub size: u64,
    /// SHA-256 of the distributed bytes, or their fs-verity file digest
    /// when `verity` is present.
    pub digest: Digest,
    /// The fs-verity parameters of `digest`, when it is an fs-verity digest.
    pub verity: Option<crate::verity::Params>,
    /// The plaintext before encryption, when there is one.
    pub plaintext: Option<PlaintextRecord>,
    /// Licence (SPDX expression).
    pub licence: heapless::String<MAX_TEXT_LEN, u8>,
}

/// The plaintext of an encrypted artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextRecord {
    /// Length of the plaintext.
    pub size: u64,
    /// SHA-256 of the plaintext, or its fs-verity file digest when
    /// `verity` is present.
    pub digest: Digest,
    /// The fs-verity parameters of `digest`, when it is an fs-verity digest.
    pub verity: Option<crate::verity::Params>,
    /// Encryption algorithm.
    pub algorithm: heapless::String<MAX_ID_LEN, u8>,
    /// Key id in the vehicle's key store.
    pub key_id: heapless::String<MAX_ID_LEN, u8>,
}

fn bounded<const N: usize>(s: &str) -> Result<heapless::String<N, u8>> {
    heapless::String::try_from(s).map_err(|_| Error::LimitExceeded)
}

impl ArtifactRecord {
    /// No record: storage to copy one into.
    const EMPTY: Self = Self {
        name: heapless::String::new(),
        kind: 0,
        size: 0,
        digest: [0; 32],
        verity: None,
        plaintext: None,
        licence: heapless::String::new(),
    };

    /// Copies `a` into `self` field by field, where the caller keeps it
    /// (no whole record is built on the stack and moved). On error `self`
    /// holds no usable record.
    fn set(&mut self, a: &Artifact<'_>) -> Result<()> {
        self.name = bounded(a.name)?;
        self.kind = a.kind;
        self.size = a.size;
        self.digest = a.digest;
        self.verity = verity_of(a.verity.as_ref())?;
        self.plaintext = match &a.plaintext {
            None => None,
            Some(p) => Some(PlaintextRecord {
                size: p.size,
                digest: p.digest,
                verity: verity_of(p.verity.as_ref())?,
                algorithm: bounded(p.encryption.algorithm)?,
                key_id: bounded(p.encryption.key_id)?,
            }),
        };
        self.licence = bounded(a.licence)?;
        Ok(())
    }
}

fn verity_of(v: Option<&crate::doc::Verity<'_>>) -> Result<Option<crate::verity::Params>> {
    v.map(crate::verity::Params::of).transpose()
}

/// Reads one record at the reader, returning its leaf hash and its size;
/// `keep` receives the record when it is the one asked for.
fn read_leaf(
    snap: &mut Snap<'_>,
    keep: Option<&mut Option<ArtifactRecord>>,
) -> Result<(Digest, u64)> {
    snap.open_tap(&LEAF_PREFIX);
    let a: Artifact<'_> = snap.take(crate::dec::decode)?;
    let size = a.size;
    if let Some(k) = keep {
        k.get_or_insert(ArtifactRecord::EMPTY).set(&a)?;
    }
    Ok((snap.close_tap()?, size))
}

/// Where sequential authentication stands: the sibling hashes on the path
/// of the last record authenticated, and where the next record starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Path {
    /// Index of the last record authenticated; `None` before the first.
    last: Option<u16>,
    /// Offset in the document of the record after it.
    next_off: u32,
    /// Sibling subtree hashes of `last`'s path, by level (where one exists).
    sib: [Digest; LEVELS],
    /// Hash of the subtree that becomes the next record's left sibling.
    carry: Digest,
    /// Payload layout after `last`.
    layout: Layout,
}

impl Path {
    pub(crate) const EMPTY: Self = Self {
        last: None,
        next_off: 0,
        sib: [[0; 32]; LEVELS],
        carry: [0; 32],
        layout: Layout::new(0),
    };
}

/// What the tree is over: `n` records starting at `records_off` of `doc`,
/// whose payloads follow a head of `head_len` bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Table<'d> {
    pub(crate) doc: &'d [u8],
    pub(crate) records_off: u32,
    pub(crate) n: u16,
    pub(crate) root: Digest,
    pub(crate) head_len: u64,
}

/// The leaves of level-`level` sibling of leaf `i`: its range, clipped to `n`.
fn sibling_range(i: usize, level: usize, n: usize) -> (usize, usize) {
    let start = ((i >> level) ^ 1) << level;
    let end = start.saturating_add(1 << level).min(n);
    (start.min(n), end)
}

/// Position of the highest set bit (0 for 0).
fn msb(x: usize) -> usize {
    x.checked_ilog2().unwrap_or(0) as usize
}

/// Hashes leaves `from..to` (consecutive, read from `snap`) as one subtree.
fn subtree(snap: &mut Snap<'_>, from: usize, to: usize) -> Result<Digest> {
    let mut b = Builder::new();
    // At most MAX_ARTIFACTS iterations.
    for _ in from..to {
        b.push(read_leaf(snap, None)?.0)?;
    }
    Ok(b.root())
}

impl Table<'_> {
    fn levels(&self) -> usize {
        let n = usize::from(self.n);
        if n <= 1 {
            0
        } else {
            usize::BITS.saturating_sub(n.saturating_sub(1).leading_zeros()) as usize
        }
    }

    /// Authenticates record `i` against the root, reading it and whatever
    /// sibling subtrees `path` does not already hold; returns the record and
    /// its payload offset. `path` moves to `i` only on success.
    pub(crate) fn authenticate(&self, path: &mut Path, i: usize) -> Result<(ArtifactRecord, u64)> {
        if i >= usize::from(self.n) {
            return Err(Error::NoSuchArtifact);
        }
        let mut next = path.clone();
        let mut rec = None;
        let sequential = path.last.map(usize::from).and_then(|l| l.checked_add(1)) == Some(i);
        // One copy window for either way of reading, at the record after
        // the last one authenticated or at the first record.
        let start = if sequential {
            path.next_off
        } else {
            self.records_off
        };
        let mut snap = Snap::new(self.doc);
        snap.start_at(usize::try_from(start).map_err(|_| Error::InvalidState)?)?;
        let (leaf, size, mut layout) = if sequential {
            self.read_next(&mut snap, path, &mut next, i, &mut rec)?
        } else {
            self.read_from_scratch(&mut snap, &mut next, i, &mut rec)?
        };
        let carry = self.climb(&next, i, leaf)?;
        let record = rec.ok_or(Error::InvalidState)?;
        if record.size != size {
            return Err(Error::InvalidState);
        }
        let offset = layout.place(size)?;
        next.last = Some(u16::try_from(i).map_err(|_| Error::NoSuchArtifact)?);
        next.carry = carry;
        next.layout = layout;
        *path = next;
        Ok((record, offset))
    }

    /// Record `i` right after record `i - 1`: levels above the highest bit
    /// where i-1 and i differ keep their siblings; at that level the
    /// sibling is the subtree just left (carried); below it the siblings
    /// are the subtrees right of i, read in one forward pass. Returns the
    /// leaf, the record's size and the layout before it.
    fn read_next(
        &self,
        snap: &mut Snap<'_>,
        path: &Path,
        next: &mut Path,
        i: usize,
        rec: &mut Option<ArtifactRecord>,
    ) -> Result<(Digest, u64, Layout)> {
        let n = usize::from(self.n);
        let h = msb(i ^ i.saturating_sub(1));
        let (leaf, size) = read_leaf(snap, Some(rec))?;
        if let Some(slot) = next.sib.get_mut(h) {
            *slot = path.carry;
        }
        next.next_off = u32::try_from(snap.consumed()).map_err(|_| Error::LimitExceeded)?;
        for level in 0..h {
            let (a, b) = sibling_range(i, level, n);
            let hash = subtree(snap, a, b)?;
            if let Some(slot) = next.sib.get_mut(level) {
                *slot = hash;
            }
        }
        Ok((leaf, size, path.layout))
    }

    /// Record `i` from scratch: one pass over every record, each leaf going
    /// to the sibling subtree it belongs to (they come in order). Returns
    /// the leaf, the record's size and the layout before it.
    fn read_from_scratch(
        &self,
        snap: &mut Snap<'_>,
        next: &mut Path,
        i: usize,
        rec: &mut Option<ArtifactRecord>,
    ) -> Result<(Digest, u64, Layout)> {
        let n = usize::from(self.n);
        let mut layout = Layout::new(self.head_len);
        let mut current: Option<(usize, Builder)> = None;
        let mut got = None;
        for j in 0..n {
            if j == i {
                got = Some(read_leaf(snap, Some(&mut *rec))?);
                next.next_off = u32::try_from(snap.consumed()).map_err(|_| Error::LimitExceeded)?;
                continue;
            }
            let (l, s) = read_leaf(snap, None)?;
            if j < i {
                layout.place(s)?;
            }
            let level = msb(i ^ j);
            match current.as_mut() {
                Some((lv, b)) if *lv == level => b.push(l)?,
                _ => {
                    if let Some((lv, b)) = current.take() {
                        if let Some(slot) = next.sib.get_mut(lv) {
                            *slot = b.root();
                        }
                    }
                    let mut b = Builder::new();
                    b.push(l)?;
                    current = Some((level, b));
                }
            }
        }
        if let Some((lv, b)) = current.take() {
            if let Some(slot) = next.sib.get_mut(lv) {
                *slot = b.root();
            }
        }
        let (leaf, size) = got.ok_or(Error::InvalidState)?;
        Ok((leaf, size, layout))
    }

    /// Climbs from leaf `i` to the root with the siblings in `next`; the
    /// root must be the kept one. Returns the subtree to carry to record
    /// `i + 1`.
    fn climb(&self, next: &Path, i: usize, leaf: Digest) -> Result<Digest> {
        let n = usize::from(self.n);
        let mut cur = leaf;
        let carry_level = msb(i ^ i.saturating_add(1));
        let mut carry = cur;
        for level in 0..self.levels() {
            if level == carry_level {
                carry = cur;
            }
            let (a, b) = sibling_range(i, level, n);
            if a < b {
                let s = next.sib.get(level).ok_or(Error::InvalidState)?;
                cur = if (i >> level) & 1 == 0 {
                    node(&cur, s)
                } else {
                    node(s, &cur)
                };
            }
        }
        if cur != self.root {
            return Err(Error::InputChanged);
        }
        Ok(carry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn leaf(data: &[u8]) -> Digest {
        let mut h = sha2::Sha256::new();
        h.update(LEAF_PREFIX);
        h.update(data);
        h.finalize().into()
    }

    /// RFC 6962 §2.1, literally.
    fn mth(leaves: &[Digest]) -> Digest {
        match leaves.len() {
            0 => crate::hash::sha256(&[]),
            1 => leaves[0],
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                node(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn builder_is_rfc6962() {
        for n in 0..70usize {
            let leaves: Vec<Digest> = (0..n).map(|i| leaf(&i.to_le_bytes())).collect();
            let mut b = Builder::new();
            for l in &leaves {
                b.push(*l).unwrap();
            }
            assert_eq!(b.root(), mth(&leaves), "n = {n}");
        }
    }
}
