//! The identity record: what an ECU reports as installed.
//!
//! A HiL rig or a diagnostic read (UDS `ReadDataByIdentifier`) transports
//! these bytes; fleet tools decode them and resolve the manifest digest to
//! the signed bundle, its lineage and system configuration.
//!
//! ```text
//! 0   4  magic "MSID"
//! 4   2  format version (LE)
//! 6   2  body length b (LE)
//! 8   b  body (postcard, below)
//! ..  8  check: the first 8 bytes of SHA-256 over bytes 0 .. 8 + b
//! ```
//!
//! The record is not signed (the ECU holds no signing key). The check value
//! catches corruption in transport; a record that claims a bundle is
//! confirmed by comparing it with that bundle (the manifest digest).

use crate::KeyId;
use crate::doc::{BundleKind, Stage};
use crate::error::{Error, Result};
use crate::hash::{Digest, Sha256Engine};
use crate::limits::{
    FORMAT_VERSION, IDENTITY_CHECK_LEN, IDENTITY_HEADER_LEN, MAX_COMPONENTS, MAX_IDENTITY_LEN,
    MAX_SIGNATURES,
};
use crate::manifest::{Item, Items, WalkerHandle};
use crate::wire::{Walker, Writer, check_id, copy_exact, le_u16};
use serde::{Deserialize, Serialize};

/// Magic at the start of every identity record.
pub const IDENTITY_MAGIC: [u8; 4] = *b"MSID";

/// The fixed fields of the identity body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityHead<'a> {
    /// SHA-256 of the installed manifest document.
    #[serde(deserialize_with = "crate::wire::de_digest")]
    pub manifest_digest: Digest,
    /// [`BundleKind`] code.
    pub kind: u8,
    /// The bundle's security counter.
    pub security_counter: u64,
    /// The bundle's version string.
    pub version: &'a str,
    /// Version of the trust root in force.
    pub root_version: u32,
}

/// The system configuration the bundle is installed under (or is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigRecord<'a> {
    /// Configuration id.
    pub config_id: &'a str,
    /// Configuration version.
    pub config_version: &'a str,
    /// SHA-256 of the system-configuration manifest.
    #[serde(deserialize_with = "crate::wire::de_digest")]
    pub digest: Digest,
}

/// One installed component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentId<'a> {
    /// Model family.
    pub family: &'a str,
    /// Model version.
    pub version: &'a str,
    /// [`Stage`] code.
    pub stage: u8,
}

impl<'a> Item<'a> for ComponentId<'a> {
    const MAX: usize = MAX_COMPONENTS;
    fn take(w: &mut WalkerHandle<'a>) -> Result<Self> {
        w.0.take()
    }
}

impl<'a> Item<'a> for KeyId {
    const MAX: usize = MAX_SIGNATURES;
    fn take(w: &mut WalkerHandle<'a>) -> Result<Self> {
        w.0.array().copied()
    }
}

/// A decoded identity record.
#[derive(Debug, Clone, Copy)]
pub struct IdentityView<'a> {
    /// Digest, kind, counter, version, root version.
    pub head: IdentityHead<'a>,
    /// The system configuration.
    pub config: Option<ConfigRecord<'a>>,
    /// Installed components.
    pub components: Items<'a, ComponentId<'a>>,
    /// Key ids of the keys whose signatures counted.
    pub signers: Items<'a, KeyId>,
}

impl<'a> IdentityView<'a> {
    /// Bundle kind.
    pub fn kind(&self) -> Option<BundleKind> {
        BundleKind::from_code(self.head.kind)
    }
}

/// Decodes and checks an identity record that spans all of `bytes`.
pub fn decode<'a, E: Sha256Engine + ?Sized>(
    engine: &mut E,
    bytes: &'a [u8],
) -> Result<IdentityView<'a>> {
    let magic = bytes.get(..4).ok_or(Error::Truncated)?;
    if magic != IDENTITY_MAGIC {
        return Err(Error::BadMagic);
    }
    if le_u16(bytes, 4)? != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion);
    }
    let (covered, check) = crate::wire::split_framed(
        bytes,
        IDENTITY_HEADER_LEN,
        6,
        IDENTITY_CHECK_LEN,
        MAX_IDENTITY_LEN,
    )?;
    if check_value(engine, covered)? != *check {
        return Err(Error::IdentityCheck);
    }
    let body = covered.get(IDENTITY_HEADER_LEN..).ok_or(Error::Truncated)?;

    let mut w = Walker::new(body);
    let head: IdentityHead<'a> = w.take()?;
    BundleKind::from_code(head.kind).ok_or(Error::Invalid)?;
    check_id(head.version, true)?;
    let config: Option<ConfigRecord<'a>> = w.take()?;
    if let Some(c) = &config {
        check_id(c.config_id, true)?;
        check_id(c.config_version, true)?;
    }
    let components = Items::<ComponentId<'a>>::open(&w, MAX_COMPONENTS)?;
    let mut it = components;
    while let Some(c) = it.try_next()? {
        check_id(c.family, true)?;
        check_id(c.version, true)?;
        Stage::from_code(c.stage).ok_or(Error::Invalid)?;
    }
    w = it.end()?;
    let signers = Items::<KeyId>::open(&w, MAX_SIGNATURES)?;
    let mut it = signers;
    while it.try_next()?.is_some() {}
    it.end()?.finish()?;
    Ok(IdentityView {
        head,
        config,
        components,
        signers,
    })
}

fn check_value<E: Sha256Engine + ?Sized>(
    engine: &mut E,
    covered: &[u8],
) -> Result<[u8; IDENTITY_CHECK_LEN]> {
    let d = crate::hash::digest_of(engine, covered)?;
    let mut out = [0u8; IDENTITY_CHECK_LEN];
    for (o, b) in out.iter_mut().zip(d.iter()) {
        *o = *b;
    }
    Ok(out)
}

/// Encodes an identity record into `out`; returns its length.
pub(crate) fn encode<'a, E: Sha256Engine + ?Sized>(
    engine: &mut E,
    out: &mut [u8],
    head: &IdentityHead<'_>,
    config: Option<&ConfigRecord<'_>>,
    components: impl Iterator<Item = ComponentId<'a>> + Clone,
    signers: &[KeyId],
) -> Result<usize> {
    let mut w = Writer::new(out);
    w.put_raw(&IDENTITY_MAGIC)?;
    w.put_raw(&FORMAT_VERSION.to_le_bytes())?;
    w.put_raw(&[0, 0])?; // body length, filled in below
    // The body in postcard's encoding, written by hand: this runs on the
    // ECU, and postcard's serializer keeps a bounds check (a panic path) in
    // its varint writer. The decoder above is postcard's; the round-trip
    // tests hold the two together.
    w.put_raw(&head.manifest_digest)?;
    w.put_raw(&[head.kind])?;
    w.put_varint(head.security_counter)?;
    w.put_str(head.version)?;
    w.put_varint(u64::from(head.root_version))?;
    match config {
        None => w.put_raw(&[0])?,
        Some(c) => {
            w.put_raw(&[1])?;
            w.put_str(c.config_id)?;
            w.put_str(c.config_version)?;
            w.put_raw(&c.digest)?;
        }
    }
    w.put_varint(components.clone().count() as u64)?;
    for c in components {
        w.put_str(c.family)?;
        w.put_str(c.version)?;
        w.put_raw(&[c.stage])?;
    }
    w.put_varint(signers.len() as u64)?;
    for s in signers {
        w.put_raw(s)?;
    }
    let body_end = w.position();
    let body_len = u16::try_from(body_end.saturating_sub(IDENTITY_HEADER_LEN))
        .map_err(|_| Error::LimitExceeded)?;
    let buf = w.buffer();
    copy_exact(
        buf.get_mut(6..8).ok_or(Error::BufferTooSmall)?,
        &body_len.to_le_bytes(),
    )?;
    let check = check_value(engine, buf.get(..body_end).ok_or(Error::BufferTooSmall)?)?;
    let end = body_end
        .checked_add(IDENTITY_CHECK_LEN)
        .ok_or(Error::BufferTooSmall)?;
    copy_exact(
        buf.get_mut(body_end..end).ok_or(Error::BufferTooSmall)?,
        &check,
    )?;
    Ok(end)
}
