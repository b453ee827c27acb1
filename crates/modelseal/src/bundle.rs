//! Assembling bundles in memory: head bytes and payload layout. Streaming
//! to files (with atomic replacement) builds on these.

use crate::error::{Error, Result};
use modelseal_core::bundle::Layout;

/// The head of a bundle: container header, rotation chain, manifest envelope.
pub fn head(chain: &[Vec<u8>], manifest_envelope: &[u8]) -> Result<Vec<u8>> {
    let chain: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let len = modelseal_core::write::head_len(&chain, manifest_envelope)
        .ok_or(Error::TooLarge("bundle head"))?;
    let mut out = vec![0u8; len];
    let n = modelseal_core::write::head(&chain, manifest_envelope, &mut out)
        .map_err(|e| Error::verify("bundle head", e))?;
    out.truncate(n);
    Ok(out)
}

/// Offsets of payloads of these sizes after a head of `head_len` bytes, and
/// the bundle's total length.
pub fn layout(head_len: usize, sizes: impl IntoIterator<Item = u64>) -> Result<(Vec<u64>, u64)> {
    let mut l = Layout::new(head_len as u64);
    let offsets = sizes
        .into_iter()
        .map(|s| l.place(s))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::verify("bundle layout", e))?;
    Ok((offsets, l.end()))
}

/// A whole bundle in memory: head, zero padding, payloads.
pub fn assemble(head: &[u8], payloads: &[&[u8]]) -> Result<Vec<u8>> {
    let (offsets, end) = layout(head.len(), payloads.iter().map(|p| p.len() as u64))?;
    let mut out = vec![0u8; usize::try_from(end).map_err(|_| Error::TooLarge("bundle"))?];
    out[..head.len()].copy_from_slice(head);
    for (p, off) in payloads.iter().zip(offsets) {
        let off = off as usize;
        out[off..off + p.len()].copy_from_slice(p);
    }
    Ok(out)
}

/// The parts of a bundle head, as owned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadParts {
    /// Root envelopes of the rotation chain, oldest first.
    pub chain: Vec<Vec<u8>>,
    /// The manifest envelope.
    pub manifest_envelope: Vec<u8>,
}

/// Splits a head into its envelopes (framing checked by the core, nothing
/// authenticated).
pub fn split_head(head: &[u8]) -> Result<HeadParts> {
    let h = modelseal_core::unverified::UnauthenticatedHead::parse(head)
        .map_err(|e| Error::verify("bundle head", e))?;
    let chain = h.chain().map(|e| e.bytes().to_vec()).collect();
    let manifest_envelope = h.manifest_envelope().bytes().to_vec();
    Ok(HeadParts {
        chain,
        manifest_envelope,
    })
}

/// Reads the head of a bundle file or of a detached head file.
pub fn read_head(path: &std::path::Path) -> Result<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut hdr = [0u8; modelseal_core::limits::BUNDLE_HEADER_LEN];
    f.read_exact_at(&mut hdr, 0).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::verify(
                format!("{}: bundle header", path.display()),
                modelseal_core::Error::Truncated,
            )
        } else {
            Error::io(path, e)
        }
    })?;
    let len = modelseal_core::bundle::BundleHeader::parse(&hdr)
        .map_err(|e| Error::verify(format!("{}: bundle header", path.display()), e))?
        .head_len();
    let mut head = vec![0u8; len];
    f.read_exact_at(&mut head, 0).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::verify(
                format!("{}: bundle head", path.display()),
                modelseal_core::Error::Truncated,
            )
        } else {
            Error::io(path, e)
        }
    })?;
    Ok(head)
}

/// A bundle file or a detached bundle head (the head alone; the artifacts
/// stay as separate files).
#[derive(Debug, Clone)]
pub struct BundleFile {
    /// Where it is.
    pub path: std::path::PathBuf,
    /// The head bytes.
    pub head: Vec<u8>,
    /// Length of the file.
    pub file_len: u64,
}

impl BundleFile {
    /// Reads the head of `path`.
    pub fn open(path: &std::path::Path) -> Result<Self> {
        let head = read_head(path)?;
        let file_len = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        Ok(Self {
            path: path.to_path_buf(),
            head,
            file_len,
        })
    }
    /// Whether the file holds the head only.
    pub fn is_detached(&self) -> bool {
        self.file_len == self.head.len() as u64
    }
}
