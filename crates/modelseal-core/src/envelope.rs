//! The signature envelope: a document, and the signatures over it.
//!
//! ```text
//! 0   8  magic "MSENVLOP"
//! 8   2  format version (LE)
//! 10  1  document type (1 root, 2 component manifest, 3 system configuration,
//!        4 stage event, 5 evaluation result)
//! 11  1  signature count n (0 ..= MAX_SIGNATURES)
//! 12  4  document length d (LE)
//! 16  d  document (postcard)
//! ..  n × 96  signature entries: Ed25519 public key (32) || signature (64)
//! ```
//!
//! Every signature is over the 64-byte message `domain tag || SHA-256(document)`,
//! where the 32-byte tag names the document type. A signature over one type
//! can therefore never verify as another. Thresholds count distinct keys of
//! the role, matched by full public key: a repeated key, a key outside the
//! role, or an unknown key adds nothing.
//!
//! This module must never report which signature failed or why.

use crate::error::{Error, Result};
use crate::hash::{Digest, Sha256Engine, digest_of};
use crate::limits::{
    DOMAIN_TAG_LEN, ENVELOPE_HEADER_LEN, FORMAT_VERSION, MAX_EVENT_LEN, MAX_MANIFEST_LEN,
    MAX_ROLE_KEYS, MAX_ROOT_LEN, MAX_SIGNATURES, PUBLIC_KEY_LEN, SIGNATURE_ENTRY_LEN,
    SIGNATURE_LEN, SIGNED_MESSAGE_LEN,
};
use crate::wire::{byte, le_u16, le_u32};

/// Magic at the start of every envelope.
pub const ENVELOPE_MAGIC: [u8; 8] = *b"MSENVLOP";

pub use crate::codes::DocType;

impl DocType {
    /// The domain-separation tag: ASCII, NUL-padded to 32 bytes.
    pub fn domain_tag(self) -> &'static [u8; DOMAIN_TAG_LEN] {
        match self {
            Self::Root => b"modelseal/v1/root\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
            Self::ComponentManifest => b"modelseal/v1/component-manifest\0",
            Self::SystemConfigManifest => b"modelseal/v1/system-config\0\0\0\0\0\0",
            Self::StageEvent => b"modelseal/v1/stage-event\0\0\0\0\0\0\0\0",
            Self::Evaluation => b"modelseal/v1/evaluation\0\0\0\0\0\0\0\0\0",
        }
    }

    /// Largest document of this type, in bytes.
    pub fn max_doc_len(self) -> usize {
        match self {
            Self::Root => MAX_ROOT_LEN,
            Self::ComponentManifest | Self::SystemConfigManifest => MAX_MANIFEST_LEN,
            Self::StageEvent | Self::Evaluation => MAX_EVENT_LEN,
        }
    }
}

/// The exact bytes every signer signs for a document of type `doc_type`
/// whose SHA-256 is `digest`.
// Never inlined: the message is built where the caller keeps it, not built
// and then copied (two 64-byte buffers in the frame under the signature
// checks).
#[inline(never)]
pub fn signed_message(doc_type: DocType, digest: &Digest) -> [u8; SIGNED_MESSAGE_LEN] {
    let mut msg = [0u8; SIGNED_MESSAGE_LEN];
    let (tag, dig) = msg.split_at_mut(DOMAIN_TAG_LEN);
    tag.copy_from_slice(doc_type.domain_tag());
    dig.copy_from_slice(digest);
    msg
}

/// One signature entry: who signed, and the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignatureEntry<'a> {
    /// The signer's Ed25519 public key.
    pub public_key: &'a [u8; PUBLIC_KEY_LEN],
    /// The Ed25519 signature over [`signed_message`].
    pub signature: &'a [u8; SIGNATURE_LEN],
}

/// An envelope whose framing has been checked (not its signatures).
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    doc_type: DocType,
    bytes: &'a [u8],
    doc: &'a [u8],
    signatures: &'a [u8],
}

impl<'a> Envelope<'a> {
    /// Parses one envelope from the front of `bytes`, returning it and the
    /// bytes after it.
    pub fn parse_prefix(bytes: &'a [u8]) -> Result<(Self, &'a [u8])> {
        let magic = bytes.get(..8).ok_or(Error::Truncated)?;
        if magic != ENVELOPE_MAGIC {
            return Err(Error::BadMagic);
        }
        if le_u16(bytes, 8)? != FORMAT_VERSION {
            return Err(Error::UnsupportedVersion);
        }
        let doc_type = DocType::from_code(byte(bytes, 10)?).ok_or(Error::Malformed)?;
        let n_sigs = usize::from(byte(bytes, 11)?);
        if n_sigs > MAX_SIGNATURES {
            return Err(Error::LimitExceeded);
        }
        let doc_len = usize::try_from(le_u32(bytes, 12)?).map_err(|_| Error::LimitExceeded)?;
        if doc_len > doc_type.max_doc_len() {
            return Err(Error::LimitExceeded);
        }
        // Bounded by the limits just checked: no overflow on any target.
        let sig_len = n_sigs
            .checked_mul(SIGNATURE_ENTRY_LEN)
            .ok_or(Error::LimitExceeded)?;
        let doc_end = ENVELOPE_HEADER_LEN
            .checked_add(doc_len)
            .ok_or(Error::LimitExceeded)?;
        let end = doc_end.checked_add(sig_len).ok_or(Error::LimitExceeded)?;
        let doc = bytes
            .get(ENVELOPE_HEADER_LEN..doc_end)
            .ok_or(Error::Truncated)?;
        let signatures = bytes.get(doc_end..end).ok_or(Error::Truncated)?;
        let (whole, rest) = bytes.split_at_checked(end).ok_or(Error::Truncated)?;
        Ok((
            Self {
                doc_type,
                bytes: whole,
                doc,
                signatures,
            },
            rest,
        ))
    }

    /// Parses an envelope that must span all of `bytes`.
    pub fn parse(bytes: &'a [u8]) -> Result<Self> {
        let (env, rest) = Self::parse_prefix(bytes)?;
        if rest.is_empty() {
            Ok(env)
        } else {
            Err(Error::TrailingBytes)
        }
    }

    /// The document type.
    pub fn doc_type(&self) -> DocType {
        self.doc_type
    }
    /// The document bytes (what is hashed and signed).
    pub fn doc(&self) -> &'a [u8] {
        self.doc
    }
    /// The whole envelope: header, document, signature entries.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
    /// Length of the whole envelope, in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }
    /// Whether the envelope is empty (never: the header alone is 16 bytes).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
    /// Number of signature entries.
    pub fn signature_count(&self) -> usize {
        self.signatures.len() / SIGNATURE_ENTRY_LEN
    }
    /// The signature entries, in envelope order.
    pub fn signatures(&self) -> impl Iterator<Item = SignatureEntry<'a>> + use<'a> {
        self.signatures
            .chunks_exact(SIGNATURE_ENTRY_LEN)
            .filter_map(|entry| {
                let (pk, sig) = entry.split_first_chunk::<PUBLIC_KEY_LEN>()?;
                let sig: &[u8; SIGNATURE_LEN] = sig.try_into().ok()?;
                Some(SignatureEntry {
                    public_key: pk,
                    signature: sig,
                })
            })
    }

    /// SHA-256 of the document, through `engine`.
    pub fn digest<E: Sha256Engine + ?Sized>(&self, engine: &mut E) -> Result<Digest> {
        digest_of(engine, self.doc)
    }
}

/// Keys of one role, as stored in a trust-root document.
#[derive(Debug, Clone, Copy)]
pub struct RoleKeys<'a> {
    pub(crate) keys: &'a [u8],
    pub(crate) threshold: u8,
}

impl<'a> RoleKeys<'a> {
    /// A role from its keys and threshold, for a host that checks documents
    /// of a role the core does not keep (the registry's events). The keys
    /// must have passed [`crate::root::check_role_keys`] (a parsed root's
    /// always have).
    pub fn new(keys: &'a [[u8; PUBLIC_KEY_LEN]], threshold: u8) -> Self {
        Self {
            keys: keys.as_flattened(),
            threshold,
        }
    }
    /// The role's public keys.
    pub fn keys(&self) -> impl Iterator<Item = &'a [u8; PUBLIC_KEY_LEN]> + use<'a> {
        self.keys
            .chunks_exact(PUBLIC_KEY_LEN)
            .filter_map(|k| k.try_into().ok())
    }
    /// How many distinct keys must sign.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }
    /// Number of keys in the role.
    pub fn len(&self) -> usize {
        self.keys.len() / PUBLIC_KEY_LEN
    }
    /// Whether the role has no keys (never for a parsed root).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
    /// Position of `public_key` in the role.
    pub fn position(&self, public_key: &[u8; PUBLIC_KEY_LEN]) -> Option<usize> {
        self.keys().position(|k| k == public_key)
    }
}

/// Bit set of role key positions that produced a valid signature.
pub type SignerSet = u16;
const _: () = assert!(MAX_ROLE_KEYS <= SignerSet::BITS as usize);

/// Checks that the envelope's signatures over `message` meet `role`'s
/// threshold and returns which role keys counted.
///
/// Every entry must be a valid signature over `message` under the public
/// key it names, whether or not that key belongs to the role: a corrupted
/// entry (a flipped bit in its key or its signature) rejects the envelope
/// instead of being skipped, so nobody can make a signer disappear from
/// the report by damaging its entry. (Removing an entry outright remains
/// possible: signatures cannot cover themselves. The signers reported are
/// therefore "at least these role keys signed", never "only these".) Each
/// role key counts once. Each entry's key is copied before it is used, so
/// the key that is matched against the role is the key the signature is
/// checked with; its signature is read once, by [`verify_strict`], which
/// copies it before anything else.
pub fn check_threshold(
    envelope: &Envelope<'_>,
    role: &RoleKeys<'_>,
    message: &[u8; SIGNED_MESSAGE_LEN],
) -> Result<SignerSet> {
    let mut counted: SignerSet = 0;
    // At most MAX_SIGNATURES entries (checked when the envelope was parsed).
    for entry in envelope.signatures() {
        let public_key = *entry.public_key;
        verify_strict(&public_key, message, entry.signature)?;
        let Some(pos) = role.position(&public_key) else {
            continue;
        };
        let bit = SignerSet::checked_shl(1, u32::try_from(pos).map_err(|_| Error::RootInvalid)?)
            .ok_or(Error::RootInvalid)?;
        counted |= bit;
    }
    if counted.count_ones() >= u32::from(role.threshold) && role.threshold > 0 {
        Ok(counted)
    } else {
        Err(Error::SignatureRejected)
    }
}

/// Ed25519 verification as RFC 8032 §5.1.7 specifies it, with the strict
/// choices of `ed25519-dalek`'s `verify_strict`: the encodings of `A` and
/// `R` must decode, `S` must be canonical (`S < L`), and `A` or `R` of small
/// order are rejected, so no signature is malleable and no weak key can
/// sign. The check is the cofactorless equation `[S]B = R + [k]A`. This is
/// the only signature check in modelseal.
// Never inlined: its deep frame (about 8 KB on a Cortex-M4, almost all of it
// ed25519-dalek's) then sits on top of `check_threshold`'s small one, and the
// code exists once.
#[inline(never)]
pub fn verify_strict(
    public_key: &[u8; PUBLIC_KEY_LEN],
    message: &[u8],
    signature: &[u8; SIGNATURE_LEN],
) -> Result<()> {
    // The signature first: one read of the caller's bytes, into a copy (a
    // `check_threshold` caller passes them straight from the envelope).
    let sig = ed25519_dalek::Signature::from_bytes(signature);
    let key = ed25519_dalek::VerifyingKey::from_bytes(public_key)
        .map_err(|_| Error::SignatureRejected)?;
    key.verify_strict(message, &sig)
        .map_err(|_| Error::SignatureRejected)
}
