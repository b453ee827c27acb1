//! The bundle container: header, head, payload layout, and reading.
//!
//! ```text
//! 0   8  magic "MSBUNDLE"
//! 8   2  format version (LE)
//! 10  1  root chain length r (0 ..= MAX_ROOT_CHAIN)
//! 11  1  reserved, 0
//! 12  4  envelopes length e (LE): the r root envelopes and the manifest envelope
//! 16  e  root envelopes, oldest first, then the manifest envelope   ("head" ends here)
//! ..     zero padding to the next multiple of PAYLOAD_ALIGN
//! ..     artifact 0 payload, zero padding, artifact 1 payload, ...
//! ```
//!
//! Payload offsets are not stored: each payload starts at the first
//! multiple of [`PAYLOAD_ALIGN`] after the end of what precedes it, so the
//! layout follows from the signed sizes and nothing unsigned can move a
//! payload. The file ends exactly at the end of the last payload (or of the
//! head, with no artifacts).

use crate::error::{Error, Result};
use crate::limits::{
    BUNDLE_HEADER_LEN, FORMAT_VERSION, MAX_HEAD_LEN, MAX_ROOT_CHAIN, PAYLOAD_ALIGN,
};
use crate::wire::{byte, le_u16, le_u32};

/// Magic at the start of every bundle.
pub const BUNDLE_MAGIC: [u8; 8] = *b"MSBUNDLE";
/// Magic at the start of a root update: the bundle container's layout
/// carrying only a chain of roots (no manifest, no payloads), for a device
/// more rotations behind than one bundle's chain can carry.
pub const ROOT_UPDATE_MAGIC: [u8; 8] = *b"MSROOTUP";

/// A checked bundle header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BundleHeader {
    chain_len: u8,
    envelopes_len: u32,
}

impl BundleHeader {
    /// Parses the first [`BUNDLE_HEADER_LEN`] bytes of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self> {
        Self::parse_magic(bytes, &BUNDLE_MAGIC)
    }

    /// Parses a header that starts with `magic` (a bundle or a root update).
    pub fn parse_magic(bytes: &[u8], magic: &[u8; 8]) -> Result<Self> {
        let m = bytes.get(..8).ok_or(Error::Truncated)?;
        if m != magic {
            return Err(Error::BadMagic);
        }
        if le_u16(bytes, 8)? != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion);
        }
        let chain_len = byte(bytes, 10)?;
        if usize::from(chain_len) > MAX_ROOT_CHAIN {
            return Err(Error::LimitExceeded);
        }
        if byte(bytes, 11)? != 0 {
            return Err(Error::Malformed);
        }
        let envelopes_len = le_u32(bytes, 12)?;
        let h = Self {
            chain_len,
            envelopes_len,
        };
        if h.head_len_u64() > MAX_HEAD_LEN as u64 {
            return Err(Error::LimitExceeded);
        }
        Ok(h)
    }

    /// Writes a header.
    pub fn new(chain_len: u8, envelopes_len: u32) -> Self {
        Self {
            chain_len,
            envelopes_len,
        }
    }

    /// The header's bytes.
    pub fn to_bytes(&self) -> [u8; BUNDLE_HEADER_LEN] {
        self.to_bytes_magic(&BUNDLE_MAGIC)
    }

    /// The header's bytes, after `magic`.
    pub fn to_bytes_magic(&self, magic: &[u8; 8]) -> [u8; BUNDLE_HEADER_LEN] {
        let [m0, m1, m2, m3, m4, m5, m6, m7] = *magic;
        let [v0, v1] = FORMAT_VERSION.to_le_bytes();
        let [l0, l1, l2, l3] = self.envelopes_len.to_le_bytes();
        [
            m0,
            m1,
            m2,
            m3,
            m4,
            m5,
            m6,
            m7,
            v0,
            v1,
            self.chain_len,
            0,
            l0,
            l1,
            l2,
            l3,
        ]
    }

    /// Number of root envelopes in the rotation chain.
    pub fn chain_len(&self) -> u8 {
        self.chain_len
    }
    /// Length of the envelopes after the header, in bytes.
    pub fn envelopes_len(&self) -> u32 {
        self.envelopes_len
    }
    fn head_len_u64(&self) -> u64 {
        (BUNDLE_HEADER_LEN as u64).saturating_add(u64::from(self.envelopes_len))
    }
    /// Length of the head (header and envelopes), in bytes. At most
    /// [`MAX_HEAD_LEN`], which `parse` checked.
    pub fn head_len(&self) -> usize {
        BUNDLE_HEADER_LEN.saturating_add(usize::try_from(self.envelopes_len).unwrap_or(usize::MAX))
    }
}

/// Rounds `pos` up to the next payload boundary.
pub fn align_up(pos: u64) -> Result<u64> {
    let mask = PAYLOAD_ALIGN - 1;
    pos.checked_add(mask)
        .map(|p| p & !mask)
        .ok_or(Error::LimitExceeded)
}

/// Computes payload offsets one artifact at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    end: u64,
}

impl Layout {
    /// A layout whose head ends at `head_len`.
    pub const fn new(head_len: u64) -> Self {
        Self { end: head_len }
    }
    /// Places the next payload of `size` bytes: returns its offset.
    pub fn place(&mut self, size: u64) -> Result<u64> {
        let offset = align_up(self.end)?;
        self.end = offset.checked_add(size).ok_or(Error::LimitExceeded)?;
        Ok(offset)
    }
    /// End of everything placed so far: the bundle length once all are placed.
    pub fn end(&self) -> u64 {
        self.end
    }
}

/// The reader could not deliver the requested bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadFailure;

/// Random-access source of bundle bytes: a file, a flash partition, a
/// memory-mapped region.
pub trait ReadAt {
    /// Total length of the bundle, in bytes.
    fn len(&self) -> u64;
    /// Whether the source is empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Fills all of `buf` with the bytes at `offset`.
    fn read_exact_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
    ) -> core::result::Result<(), ReadFailure>;
}

impl ReadAt for &[u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_exact_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
    ) -> core::result::Result<(), ReadFailure> {
        let start = usize::try_from(offset).map_err(|_| ReadFailure)?;
        let end = start.checked_add(buf.len()).ok_or(ReadFailure)?;
        let src = self.get(start..end).ok_or(ReadFailure)?;
        crate::wire::copy_exact(buf, src).map_err(|_| ReadFailure)
    }
}
