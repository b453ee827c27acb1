//! Reading bundles *without* verifying them, for build-host tools that must
//! look inside before signatures exist (`inspect`, `sign`, `attach`): the
//! only ways to read bytes that have not been authenticated.
//!
//! What comes out of here is a [`ManifestView`], never a
//! [`crate::VerifiedManifest`]: a function that needs authenticated contents
//! takes the latter, and no value from this module can be turned into one.
//! ECU code has no use for this module; the linker drops it from firmware
//! that does not call it.

use crate::bundle::BundleHeader;
use crate::doc::BundleKind;
use crate::envelope::{DocType, Envelope};
use crate::error::{Error, Result};
use crate::limits::BUNDLE_HEADER_LEN;
use crate::manifest;
pub use crate::manifest::ManifestView;

/// A bundle head whose framing parsed; nothing in it is authenticated.
#[derive(Debug, Clone, Copy)]
pub struct UnauthenticatedHead<'a> {
    header: BundleHeader,
    chain: &'a [u8],
    manifest: Envelope<'a>,
}

impl<'a> UnauthenticatedHead<'a> {
    /// Parses the head at the start of `bytes` (a whole bundle, or its head).
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let header = BundleHeader::parse(bytes)?;
        let head = bytes.get(..header.head_len()).ok_or(Error::Truncated)?;
        let mut rest = head.get(BUNDLE_HEADER_LEN..).ok_or(Error::Truncated)?;
        let chain_start = rest;
        for _ in 0..header.chain_len() {
            let (env, after) = Envelope::parse_prefix(rest)?;
            if env.doc_type() != DocType::Root {
                return Err(Error::WrongDocumentType);
            }
            rest = after;
        }
        let chain = chain_start
            .get(..chain_start.len().saturating_sub(rest.len()))
            .ok_or(Error::Truncated)?;
        let manifest = Envelope::parse(rest)?;
        if manifest.doc_type() == DocType::Root {
            return Err(Error::WrongDocumentType);
        }
        Ok(Self {
            header,
            chain,
            manifest,
        })
    }

    /// The container header.
    pub fn header(&self) -> BundleHeader {
        self.header
    }
    /// Length of the head, in bytes.
    pub fn head_len(&self) -> usize {
        self.header.head_len()
    }
    /// The root envelopes of the rotation chain, oldest first.
    pub fn chain(&self) -> impl Iterator<Item = Envelope<'a>> + use<'a> {
        let mut rest = self.chain;
        core::iter::from_fn(move || {
            let (env, after) = Envelope::parse_prefix(rest).ok()?;
            rest = after;
            Some(env)
        })
    }
    /// The raw bytes of the rotation chain.
    pub fn chain_bytes(&self) -> &'a [u8] {
        self.chain
    }
    /// The manifest envelope.
    pub fn manifest_envelope(&self) -> &Envelope<'a> {
        &self.manifest
    }
    /// The bundle kind the envelope claims.
    pub fn kind(&self) -> BundleKind {
        self.manifest
            .doc_type()
            .bundle_kind()
            .unwrap_or(BundleKind::Component)
    }
    /// The manifest, checked against every rule of the format but **not**
    /// authenticated.
    pub fn manifest_unauthenticated(&self) -> Result<ManifestView<'a>> {
        manifest_unauthenticated(self.manifest.doc(), self.kind())
    }
}

/// Checks a manifest document against every rule of the format, without
/// authenticating it.
pub fn manifest_unauthenticated(doc: &[u8], kind: BundleKind) -> Result<ManifestView<'_>> {
    let ix = manifest::validate(doc, kind)?;
    ManifestView::new(doc, ix)
}
