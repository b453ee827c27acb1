//! Bundle heads in memory (built through the core's encoder, split through
//! its framing checks) and reading the head of a bundle file. Payloads are
//! streamed to and from files by `build`, `signfile` and `verify`; nothing
//! here holds a whole bundle in memory.

use crate::error::{Error, Result};

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
