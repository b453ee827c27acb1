//! The version report: what an ECU has installed, which ECU says so, and
//! that it says so now. Signed by the ECU's own device key over a nonce
//! chosen by whoever asks (a HiL rig, the vehicle gateway, the backend),
//! after Uptane's ECU version report.
//!
//! ```text
//! 0      4   magic "MSVR"
//! 4      2   format version (LE)
//! 6      1   algorithm: 1 Ed25519, 2 ECDSA P-256 (see [`Algorithm`])
//! 7      1   reserved, 0
//! 8      2   body length b (LE)
//! 10     b   body: a [`ReportDoc`] (postcard)
//! 10+b   64  signature over REPORT_DOMAIN || SHA-256(bytes 0 .. 10 + b)
//! ```
//!
//! This module must never hold a private key (the ECU signs through a
//! [`ReportSigner`]: a secure element, an HSM, a software key in tests),
//! allocate, or hand out a report's contents before its signature checked:
//! [`parse`] gives a [`SignedReport`], and only
//! [`SignedReport::verify_ed25519`] or [`SignedReport::verify_with`] turn
//! it into a [`Report`]. The core checks Ed25519 reports; ECDSA P-256
//! reports are checked by the host library (the verifier of bundles stays
//! Ed25519-only).
//!
//! Freshness is the asker's to judge: the nonce it chose, the sequence
//! number the ECU increments and persists for every report (a backend that
//! collects reports without asking orders them and refuses an older one),
//! and a time, present only when the ECU has a trusted clock.

use crate::KeyId;
use crate::codes::{BundleKind, Stage};
use crate::doc::record;
use crate::error::{Error, Result};
use crate::hash::{Digest, Sha256Engine};
use crate::limits::{
    DOMAIN_TAG_LEN, FORMAT_VERSION, MAX_COMPONENTS, MAX_NONCE_LEN, MAX_REPORT_LEN, MAX_SIGNATURES,
    MIN_NONCE_LEN, PUBLIC_KEY_LEN, REPORT_HEADER_LEN, REPORT_SIGNATURE_LEN, SIGNED_MESSAGE_LEN,
};
use crate::manifest::{Item, Items, ManifestVisitor, WalkerHandle};
use crate::policy::DevicePolicy;
use crate::rules::{Class, Order, Record};
use crate::verify::Installed;
use crate::wire::{Walker, Writer, check_id, copy_exact, le_u16};
use crate::{SessionState, Verifier};
#[cfg(feature = "alloc")]
use alloc::{string::String, vec::Vec};
use core::borrow::Borrow;
use serde::{Deserialize, Serialize};

/// Magic at the start of every version report.
pub const REPORT_MAGIC: [u8; 4] = *b"MSVR";

/// The domain-separation tag of version reports: ASCII, NUL-padded to 32
/// bytes, distinct from every bundle and root tag, so that no report
/// signature can stand for another document and back.
pub const REPORT_DOMAIN: &[u8; DOMAIN_TAG_LEN] = b"modelseal/v1/version-report\0\0\0\0\0";

/// The signature algorithm a report names (byte 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Algorithm {
    /// Ed25519 (RFC 8032), pure, over the 64-byte signed message; checked
    /// with the strict rules of [`crate::envelope::verify_strict`].
    Ed25519 = 1,
    /// ECDSA over NIST P-256 with SHA-256 of the 64-byte signed message
    /// (FIPS 186-5); the signature is `r || s`, 32 bytes each, big-endian
    /// (convert a DER signature from a secure element). Checked on the host.
    EcdsaP256 = 2,
}

impl Algorithm {
    /// The code byte.
    pub const fn code(self) -> u8 {
        self as u8
    }
    /// The algorithm of a code byte.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Ed25519),
            2 => Some(Self::EcdsaP256),
            _ => None,
        }
    }
    /// Its name in tools' output: `ed25519`, `ecdsa-p256`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ed25519 => "ed25519",
            Self::EcdsaP256 => "ecdsa-p256",
        }
    }
}

record! {
    /// The system configuration the installed bundle is installed under (or is).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ReportConfig<'a> => ReportConfigBuf {
        /// Configuration id.
        pub config_id: &'a str => String = Class::Id { required: true },
        /// Configuration version.
        pub config_version: &'a str => String = Class::Id { required: true },
        /// SHA-256 of the system-configuration manifest.
        #[serde(deserialize_with = "crate::wire::de_digest")]
        pub digest: Digest => Digest = Class::Digest,
    }
}

record! {
    /// The fixed fields of a report: freshness, who says so, what is installed.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ReportHead<'a> => ReportHeadBuf {
        /// The asker's nonce, [`MIN_NONCE_LEN`] to [`MAX_NONCE_LEN`] bytes.
        pub nonce: &'a [u8] => Vec<u8> = Class::Bytes { max: MAX_NONCE_LEN, limit: "MAX_NONCE_LEN" },
        /// Report sequence number: the ECU increments and persists it for every report.
        pub sequence: u64 => u64 = Class::U64,
        /// Seconds since the Unix epoch from the ECU's trusted clock; absent without one.
        pub time: Option<u64> => Option<u64> = Class::OptU64,
        /// Hardware id of the ECU (its device policy's).
        pub hardware_id: &'a str => String = Class::Id { required: true },
        /// Serial of the ECU.
        pub serial: &'a str => String = Class::Id { required: true },
        /// The ECU's name in the system configuration, when it has one.
        #[serde(borrow)]
        pub ecu_name: Option<&'a str> => Option<String> = Class::OptId,
        /// SHA-256 of the installed manifest document.
        #[serde(deserialize_with = "crate::wire::de_digest")]
        pub manifest_digest: Digest => Digest = Class::Digest,
        /// [`BundleKind`] code of the installed bundle.
        pub kind: u8 => u8 = Class::Code,
        /// The installed bundle's security counter.
        pub security_counter: u64 => u64 = Class::U64,
        /// The floor the ECU holds for component bundles (role 2).
        pub component_floor: u64 => u64 = Class::U64,
        /// The floor the ECU holds for system-configuration bundles (role 3).
        pub system_config_floor: u64 => u64 = Class::U64,
        /// Version of the trust root in force.
        pub root_version: u32 => u32 = Class::U32,
        /// The system configuration the bundle is installed under (or is).
        #[serde(borrow)]
        pub config: Option<ReportConfig<'a>> => Option<ReportConfigBuf> = Class::OptRecord { max: ReportConfig::MAX_LEN },
        /// The installed bundle's version string.
        pub version: &'a str => String = Class::Id { required: true },
    }
}

record! {
    /// One installed component.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub struct ReportComponent<'a> => ReportComponentBuf {
        /// Model family.
        pub family: &'a str => String = Class::Id { required: true },
        /// Model version.
        pub version: &'a str => String = Class::Id { required: true },
        /// [`Stage`] code.
        pub stage: u8 => u8 = Class::Code,
    }
}

record! {
    /// A report body (writing side; the ECU writes the same bytes by hand).
    #[derive(Debug, Clone, Copy, Serialize)]
    pub struct ReportDoc<'a> => ReportDocBuf {
        /// Freshness, who, what.
        pub head: ReportHead<'a> => ReportHeadBuf = Class::Record { max: ReportHead::MAX_LEN },
        /// Installed components, in manifest order (none for a system configuration).
        pub components: &'a [ReportComponent<'a>] => Vec<ReportComponentBuf> = Class::Seq { max: MAX_COMPONENTS, limit: "MAX_COMPONENTS", item: &Class::Record { max: ReportComponent::MAX_LEN }, order: Order::Free },
        /// Key ids of the keys whose signatures counted for the installed bundle.
        pub signers: &'a [KeyId] => Vec<KeyId> = Class::Seq { max: MAX_SIGNATURES, limit: "MAX_SIGNATURES", item: &Class::KeyId, order: Order::Free },
    }
}

impl<'a> Item<'a> for ReportComponent<'a> {
    const MAX: usize = MAX_COMPONENTS;
    fn take(w: &mut WalkerHandle<'a>) -> Result<Self> {
        w.0.take()
    }
}

// The component count is written as one byte and patched after the walk.
const _: () = assert!(MAX_COMPONENTS < 0x80);
const _: () = assert!(REPORT_SIGNATURE_LEN == 64);

// ------------------------------------------------------------------ reading

/// A report whose structure and fields checked, whose signature has not.
/// Nothing of its contents is public: only the parts a signature check
/// needs.
#[derive(Debug, Clone, Copy)]
pub struct SignedReport<'a> {
    algorithm: Algorithm,
    covered: &'a [u8],
    signature: &'a [u8; REPORT_SIGNATURE_LEN],
    body: Body<'a>,
}

#[derive(Debug, Clone, Copy)]
struct Body<'a> {
    head: ReportHead<'a>,
    components: Items<'a, ReportComponent<'a>>,
    signers: Items<'a, KeyId>,
}

/// A report whose signature checked with the key the caller trusts for
/// that ECU. Freshness (nonce, sequence) and what it should describe are
/// the caller's to compare.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    algorithm: Algorithm,
    body: Body<'a>,
}

impl<'a> Report<'a> {
    /// The algorithm it was signed with.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    /// Freshness, who says so, what is installed.
    pub fn head(&self) -> &ReportHead<'a> {
        &self.body.head
    }
    /// Bundle kind of the installed bundle.
    pub fn kind(&self) -> Option<BundleKind> {
        BundleKind::from_code(self.body.head.kind)
    }
    /// Installed components.
    pub fn components(&self) -> Items<'a, ReportComponent<'a>> {
        self.body.components
    }
    /// Key ids of the keys whose signatures counted for the installed bundle.
    pub fn signers(&self) -> Items<'a, KeyId> {
        self.body.signers
    }
}

/// Reads the structure of a report that spans all of `bytes` and checks
/// every field's rule; the signature is not checked yet.
pub fn parse(bytes: &[u8]) -> Result<SignedReport<'_>> {
    let magic = bytes.get(..4).ok_or(Error::Truncated)?;
    if magic != REPORT_MAGIC {
        return Err(Error::BadMagic);
    }
    if le_u16(bytes, 4)? != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion);
    }
    let algorithm =
        Algorithm::from_code(crate::wire::byte(bytes, 6)?).ok_or(Error::UnsupportedAlgorithm)?;
    if crate::wire::byte(bytes, 7)? != 0 {
        return Err(Error::Malformed);
    }
    let (covered, signature) = crate::wire::split_framed(
        bytes,
        REPORT_HEADER_LEN,
        8,
        REPORT_SIGNATURE_LEN,
        MAX_REPORT_LEN,
    )?;
    let signature = signature
        .first_chunk::<REPORT_SIGNATURE_LEN>()
        .ok_or(Error::Truncated)?;
    let body = covered.get(REPORT_HEADER_LEN..).ok_or(Error::Truncated)?;
    Ok(SignedReport {
        algorithm,
        covered,
        signature,
        body: decode_body(body)?,
    })
}

fn decode_body(body: &[u8]) -> Result<Body<'_>> {
    let mut w = Walker::new(body);
    let head: ReportHead<'_> = w.take()?;
    head.check_fields(&mut ())?;
    if head.nonce.len() < MIN_NONCE_LEN {
        return Err(Error::Invalid);
    }
    let kind = BundleKind::from_code(head.kind).ok_or(Error::Invalid)?;
    // A system-configuration bundle is its own configuration.
    if kind == BundleKind::SystemConfig && head.config.is_none() {
        return Err(Error::Invalid);
    }
    let components = Items::<ReportComponent<'_>>::open(&w, MAX_COMPONENTS)?;
    let mut it = components;
    // Bounded by MAX_COMPONENTS (the sequence header was checked).
    while let Some(c) = it.try_next()? {
        c.check_fields(&mut ())?;
        Stage::from_code(c.stage).ok_or(Error::Invalid)?;
    }
    w = it.end()?;
    let signers = Items::<KeyId>::open(&w, MAX_SIGNATURES)?;
    let mut it = signers;
    // Bounded by MAX_SIGNATURES.
    while it.try_next()?.is_some() {}
    it.end()?.finish()?;
    Ok(Body {
        head,
        components,
        signers,
    })
}

/// The 64 bytes a report's signer signs: [`REPORT_DOMAIN`] then SHA-256 of
/// the header and body.
fn signed_message(digest: &Digest) -> Result<[u8; SIGNED_MESSAGE_LEN]> {
    let mut msg = [0u8; SIGNED_MESSAGE_LEN];
    let (tag, dig) = msg.split_at_mut(DOMAIN_TAG_LEN);
    copy_exact(tag, REPORT_DOMAIN)?;
    copy_exact(dig, digest)?;
    Ok(msg)
}

impl<'a> SignedReport<'a> {
    /// The algorithm the report names.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
    /// The exact bytes the ECU's key signed.
    pub fn signed_message(&self) -> Result<[u8; SIGNED_MESSAGE_LEN]> {
        signed_message(&crate::hash::sha256(self.covered))
    }
    /// The signature bytes.
    pub fn signature(&self) -> &'a [u8; REPORT_SIGNATURE_LEN] {
        self.signature
    }
    /// Checks an Ed25519 report with the ECU's public key (strictly, see
    /// [`crate::envelope::verify_strict`]): [`Error::UnsupportedAlgorithm`]
    /// for a report of another algorithm, [`Error::SignatureRejected`] for
    /// any signature that does not verify.
    pub fn verify_ed25519(self, public_key: &[u8; PUBLIC_KEY_LEN]) -> Result<Report<'a>> {
        if self.algorithm != Algorithm::Ed25519 {
            return Err(Error::UnsupportedAlgorithm);
        }
        let msg = self.signed_message()?;
        crate::envelope::verify_strict(public_key, &msg, self.signature)?;
        Ok(Report {
            algorithm: self.algorithm,
            body: self.body,
        })
    }
    /// Checks the report with the caller's verifier (the host's ECDSA
    /// P-256 check): `check(algorithm, message, signature)` answers whether
    /// the signature is valid for the ECU's key; `false` gives
    /// [`Error::SignatureRejected`].
    pub fn verify_with(
        self,
        check: impl FnOnce(Algorithm, &[u8; SIGNED_MESSAGE_LEN], &[u8; REPORT_SIGNATURE_LEN]) -> bool,
    ) -> Result<Report<'a>> {
        let msg = self.signed_message()?;
        if !check(self.algorithm, &msg, self.signature) {
            return Err(Error::SignatureRejected);
        }
        Ok(Report {
            algorithm: self.algorithm,
            body: self.body,
        })
    }
}

// ------------------------------------------------------------------ writing

/// The signer failed (a secure element busy, a key locked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignerFailure;

/// Signs reports with the ECU's device key, wherever the key lives.
pub trait ReportSigner {
    /// The algorithm of the key.
    fn algorithm(&self) -> Algorithm;
    /// Signs the 64-byte `message` (see `docs/FORMAT.md`, "Version
    /// report"), writing the 64-byte signature.
    fn sign(
        &mut self,
        message: &[u8; SIGNED_MESSAGE_LEN],
        signature: &mut [u8; REPORT_SIGNATURE_LEN],
    ) -> core::result::Result<(), SignerFailure>;
}

/// What the asker sent and what the ECU adds for freshness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportRequest<'r> {
    /// The asker's nonce, [`MIN_NONCE_LEN`] to [`MAX_NONCE_LEN`] bytes.
    pub nonce: &'r [u8],
    /// This report's sequence number: one more than the last report's; the
    /// firmware persists it before the report leaves the ECU.
    pub sequence: u64,
    /// Seconds since the Unix epoch, from a trusted clock only; `None`
    /// without one.
    pub trusted_time: Option<u64>,
    /// The ECU's serial (its device identity, e.g. from its secure
    /// element). Must equal the device policy's serial when it has one.
    pub serial: &'r str,
}

/// Writes the visited version and components straight into the report, so
/// the ECU keeps no copy of them. What it writes is used only if the walk
/// over the manifest returns `Ok` (the walk's copy hashed to the signed
/// digest).
struct BodyWriter<'w, 'b> {
    w: &'w mut Writer<'b>,
    count_at: Option<usize>,
    count: u8,
}

impl ManifestVisitor for BodyWriter<'_, '_> {
    fn head(&mut self, h: &crate::doc::ManifestHead<'_>) -> Result<()> {
        if self.count_at.is_some() {
            return Err(Error::InvalidState);
        }
        self.w.put_str(h.version)?;
        self.count_at = Some(self.w.position());
        self.w.put_raw(&[0])
    }
    fn component(&mut self, _index: usize, c: &crate::doc::ComponentHead<'_>) -> Result<()> {
        if self.count_at.is_none() || usize::from(self.count) >= MAX_COMPONENTS {
            return Err(Error::LimitExceeded);
        }
        self.w.put_str(c.family)?;
        self.w.put_str(c.version)?;
        self.w.put_raw(&[c.stage])?;
        self.count = self.count.saturating_add(1);
        Ok(())
    }
}

/// Encodes and signs the version report of `installed`, verified by
/// `verifier` (its policy names the ECU), into `out`; returns its length
/// (at most [`MAX_REPORT_LEN`]). Hashes with the verifier's engine; signs
/// through `signer`. On error `out` may hold a partial report that must
/// not be sent; the C API encodes aside and writes nothing on failure.
pub fn encode<E, S, G>(
    verifier: &mut Verifier<E>,
    installed: &Installed<'_, S>,
    request: &ReportRequest<'_>,
    signer: &mut G,
    out: &mut [u8],
) -> Result<usize>
where
    E: Sha256Engine,
    S: Borrow<SessionState>,
    G: ReportSigner + ?Sized,
{
    if request.nonce.len() > MAX_NONCE_LEN {
        return Err(Error::LimitExceeded);
    }
    if request.nonce.len() < MIN_NONCE_LEN {
        return Err(Error::Invalid);
    }
    check_id(request.serial, true)?;
    let policy: &DevicePolicy = verifier.policy();
    if policy.serial().is_some_and(|s| s != request.serial) {
        return Err(Error::WrongSerial);
    }
    let algorithm = signer.algorithm();
    let mut w = Writer::new(out);
    w.put_raw(&REPORT_MAGIC)?;
    w.put_raw(&FORMAT_VERSION.to_le_bytes())?;
    w.put_raw(&[algorithm.code(), 0])?;
    w.put_raw(&[0, 0])?; // body length, patched below
    // The body in postcard's encoding, written by hand (as the identity
    // record's): postcard's serializer keeps a panic path in its varint
    // writer. The decoder is postcard's; the round-trip tests hold the two
    // together. Field order is `ReportHead`'s declaration.
    w.put_bytes(request.nonce)?;
    w.put_varint(request.sequence)?;
    put_opt_u64(&mut w, request.trusted_time)?;
    w.put_str(policy.hardware_id())?;
    w.put_str(request.serial)?;
    match policy.ecu_name() {
        None => w.put_raw(&[0])?,
        Some(n) => {
            w.put_raw(&[1])?;
            w.put_str(n)?;
        }
    }
    w.put_raw(installed.manifest_digest())?;
    w.put_raw(&[installed.kind().code()])?;
    w.put_varint(installed.security_counter())?;
    let floors = installed.floors();
    w.put_varint(floors.component)?;
    w.put_varint(floors.system_config)?;
    w.put_varint(u64::from(installed.root_version()))?;
    match installed.config() {
        None => w.put_raw(&[0])?,
        Some(c) => {
            w.put_raw(&[1])?;
            w.put_str(&c.config_id)?;
            w.put_str(&c.config_version)?;
            w.put_raw(&c.digest)?;
        }
    }
    let mut visitor = BodyWriter {
        w: &mut w,
        count_at: None,
        count: 0,
    };
    installed.visit_manifest(&mut visitor)?;
    let count_at = visitor.count_at.ok_or(Error::InvalidState)?;
    let count = visitor.count;
    let signers = installed.signers();
    w.put_varint(signers.len() as u64)?;
    for s in signers {
        w.put_raw(s)?;
    }
    let body_end = w.position();
    let body_len = u16::try_from(body_end.saturating_sub(REPORT_HEADER_LEN))
        .map_err(|_| Error::LimitExceeded)?;
    let buf = w.buffer();
    copy_exact(
        buf.get_mut(count_at..count_at.saturating_add(1))
            .ok_or(Error::BufferTooSmall)?,
        &[count],
    )?;
    copy_exact(
        buf.get_mut(8..REPORT_HEADER_LEN)
            .ok_or(Error::BufferTooSmall)?,
        &body_len.to_le_bytes(),
    )?;
    let end = body_end
        .checked_add(REPORT_SIGNATURE_LEN)
        .ok_or(Error::BufferTooSmall)?;
    let sig_out = buf.get_mut(..end).ok_or(Error::BufferTooSmall)?;
    let digest = crate::hash::digest_of(
        verifier.engine_mut(),
        sig_out.get(..body_end).ok_or(Error::BufferTooSmall)?,
    )?;
    let msg = signed_message(&digest)?;
    let mut sig = [0u8; REPORT_SIGNATURE_LEN];
    signer
        .sign(&msg, &mut sig)
        .map_err(|_| Error::SignerFailed)?;
    copy_exact(
        sig_out.get_mut(body_end..).ok_or(Error::BufferTooSmall)?,
        &sig,
    )?;
    Ok(end)
}

fn put_opt_u64(w: &mut Writer<'_>, v: Option<u64>) -> Result<()> {
    match v {
        None => w.put_raw(&[0]),
        Some(t) => {
            w.put_raw(&[1])?;
            w.put_varint(t)
        }
    }
}
