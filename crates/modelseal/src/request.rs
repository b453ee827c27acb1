//! Signing requests: what an offline signer needs to see what they sign.
//!
//! A request carries the document to sign (a bundle head, with its
//! manifest and rotation chain, or a root envelope) and the trust root it
//! is judged under (the device root, or the previous root of a rotation).
//! The signer's side rebuilds everything from those bytes — the manifest
//! it shows, the 64-byte message it signs, the role the key must be in —
//! so a compromised build host cannot show one thing and have another
//! signed: the signature is over the digest of exactly the document
//! shown, and attaches to nothing else.
//!
//! Layout (little-endian): magic `MSSIGREQ` (8), version 1 (1), reserved
//! zero (3), document length *d* (4), root length *r* (4, 0 for none),
//! the document (*d*), the root (*r*).

use crate::bundle::BundleFile;
use crate::error::{Error, Result};
use crate::signfile::Signable;
use modelseal_core::limits::{MAX_HEAD_LEN, MAX_ROOT_ENVELOPE_LEN};
use std::path::Path;

/// First bytes of a signing request.
pub const REQUEST_MAGIC: [u8; 8] = *b"MSSIGREQ";
/// Version of the request layout.
pub const REQUEST_VERSION: u8 = 1;
/// Bytes before the document.
pub const REQUEST_HEADER_LEN: usize = 20;
/// Largest request, in bytes.
pub const MAX_REQUEST_LEN: usize = REQUEST_HEADER_LEN + MAX_HEAD_LEN + MAX_ROOT_ENVELOPE_LEN;

/// A decoded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The bundle head or root envelope to sign.
    pub document: Vec<u8>,
    /// The device root (bundles) or previous root (rotations).
    pub root: Option<Vec<u8>>,
}

fn len32(n: usize) -> Result<[u8; 4]> {
    u32::try_from(n)
        .map(u32::to_le_bytes)
        .map_err(|_| Error::TooLarge("signing request"))
}

impl Request {
    /// The request for the file `path` (a bundle, bundle head or root
    /// envelope) judged under `root`, and the document as opened (its
    /// digest, its signing roles). Refuses what `sign` would refuse.
    pub fn for_file(path: &Path, root: Option<&[u8]>) -> Result<(Self, Signable)> {
        let s = Signable::open(path, root)?;
        let document = match s.head() {
            Some(head) => head.to_vec(),
            None => s.document().to_envelope()?,
        };
        let request = Self {
            document,
            root: root.map(<[u8]>::to_vec),
        };
        Ok((request, s))
    }

    /// The request's bytes.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let root = self.root.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(REQUEST_HEADER_LEN + self.document.len() + root.len());
        out.extend_from_slice(&REQUEST_MAGIC);
        out.push(REQUEST_VERSION);
        out.extend_from_slice(&[0; 3]);
        out.extend_from_slice(&len32(self.document.len())?);
        out.extend_from_slice(&len32(root.len())?);
        out.extend_from_slice(&self.document);
        out.extend_from_slice(root);
        Ok(out)
    }

    /// Decodes a request; every length is checked against the format's
    /// limits before anything is read.
    pub fn decode(bytes: &[u8], path: &Path) -> Result<Self> {
        let bad = |reason: &str| Error::NotARequest {
            path: path.to_path_buf(),
            reason: reason.to_owned(),
        };
        let (hdr, rest) = bytes
            .split_at_checked(REQUEST_HEADER_LEN)
            .ok_or_else(|| bad("shorter than its header"))?;
        if hdr[..8] != REQUEST_MAGIC {
            return Err(bad("no signing-request magic"));
        }
        if hdr[8] != REQUEST_VERSION || hdr[9..12] != [0; 3] {
            return Err(bad("unknown version or reserved bytes set"));
        }
        let n = |i: usize| -> usize {
            u32::from_le_bytes([hdr[i], hdr[i + 1], hdr[i + 2], hdr[i + 3]]) as usize
        };
        let (d, r) = (n(12), n(16));
        if d > MAX_HEAD_LEN || r > MAX_ROOT_ENVELOPE_LEN {
            return Err(bad("a length over the format's limits"));
        }
        if rest.len() != d + r {
            return Err(bad("its lengths do not add up to its size"));
        }
        let (document, root) = rest.split_at(d);
        Ok(Self {
            document: document.to_vec(),
            root: (r > 0).then(|| root.to_vec()),
        })
    }

    /// The document, opened as `sign` would open it: its structure checked,
    /// the rotation chain verified against the root, the signing roles
    /// known. `label` names it in messages.
    pub fn open(&self, label: &Path) -> Result<Signable> {
        if self
            .document
            .starts_with(&modelseal_core::bundle::BUNDLE_MAGIC)
        {
            Signable::bundle(
                BundleFile {
                    path: label.to_path_buf(),
                    head: self.document.clone(),
                    file_len: self.document.len() as u64,
                },
                self.root.as_deref(),
            )
        } else {
            Signable::root(label, &self.document, self.root.as_deref())
        }
    }
}

/// The security counter a previous release carries (a bundle or head), to
/// judge the jump of a new one.
pub fn previous_counter(path: &Path) -> Result<u64> {
    let head = crate::bundle::read_head(path)?;
    let h = modelseal_core::unverified::UnauthenticatedHead::parse(&head)
        .map_err(|e| Error::verify(format!("{}: bundle head", path.display()), e))?;
    Ok(h.manifest_unauthenticated()
        .map_err(|e| Error::verify(format!("{}: manifest", path.display()), e))?
        .head()
        .security_counter)
}

/// Whether a counter jump needs the signer to name the new counter: a
/// jump above `max_jump` (or any decrease, which devices refuse anyway).
pub fn counter_needs_confirmation(new: u64, previous: Option<u64>, max_jump: u64) -> bool {
    match previous {
        Some(p) if new < p => true,
        Some(p) => new - p > max_jump,
        None => new > max_jump,
    }
}
