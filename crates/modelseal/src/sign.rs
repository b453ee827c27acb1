//! Signing: one small trait, so a key file, a PKCS#11 token or a remote
//! signing service are interchangeable, and the signed-document type that
//! collects signatures from several holders without sharing keys.
//!
//! Every signature is checked with the core's `verify_strict` before it is
//! kept: a faulty signer (or a wrong detached signature) never reaches a
//! bundle.

use crate::error::{Error, Result};
use ed25519_dalek::Signer as _;
use modelseal_core::envelope::{DocType, Envelope, signed_message, verify_strict};
use modelseal_core::hash::{SoftSha256, digest_of, key_id};
use modelseal_core::limits::{MAX_SIGNATURES, PUBLIC_KEY_LEN, SIGNATURE_LEN, SIGNED_MESSAGE_LEN};
use modelseal_core::{Digest, KeyId};

/// Something that can produce Ed25519 signatures.
pub trait Signer {
    /// The public key the signatures verify under.
    fn public_key(&self) -> Result<[u8; PUBLIC_KEY_LEN]>;
    /// Signs the 64-byte message (domain tag and document digest).
    fn sign(&self, message: &[u8; SIGNED_MESSAGE_LEN]) -> Result<[u8; SIGNATURE_LEN]>;
    /// A short description for messages ("key file release-1.pem").
    fn describe(&self) -> String;
}

/// A signer holding an Ed25519 private key in memory.
pub struct KeySigner {
    key: ed25519_dalek::SigningKey,
    label: String,
}

impl std::fmt::Debug for KeySigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySigner")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl KeySigner {
    /// A signer over `key`, described as `label`.
    pub fn new(key: ed25519_dalek::SigningKey, label: impl Into<String>) -> Self {
        Self {
            key,
            label: label.into(),
        }
    }
    /// A signer from a 32-byte secret seed.
    pub fn from_seed(seed: &[u8; 32], label: impl Into<String>) -> Self {
        Self::new(ed25519_dalek::SigningKey::from_bytes(seed), label)
    }
}

impl Signer for KeySigner {
    fn public_key(&self) -> Result<[u8; PUBLIC_KEY_LEN]> {
        Ok(self.key.verifying_key().to_bytes())
    }
    fn sign(&self, message: &[u8; SIGNED_MESSAGE_LEN]) -> Result<[u8; SIGNATURE_LEN]> {
        Ok(self.key.sign(message).to_bytes())
    }
    fn describe(&self) -> String {
        self.label.clone()
    }
}

/// Refuses a key given twice among `signers` (by one file name twice, or
/// by two files holding the same key), before anything is signed: the
/// second signature would be refused as a duplicate after the first was
/// made, which reads as if the key had signed earlier.
pub fn distinct_signers(signers: &[&dyn Signer]) -> Result<()> {
    let mut seen: Vec<([u8; PUBLIC_KEY_LEN], String)> = Vec::with_capacity(signers.len());
    for s in signers {
        let pk = s.public_key()?;
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == pk) {
            return Err(Error::KeyGivenTwice {
                key_id: hex::encode(key_id_of(&pk)),
                first: first.clone(),
                second: s.describe(),
            });
        }
        seen.push((pk, s.describe()));
    }
    Ok(())
}

/// Key id of a public key, as the core computes it.
pub fn key_id_of(public_key: &[u8; PUBLIC_KEY_LEN]) -> KeyId {
    // The software engine cannot fail.
    key_id(&mut SoftSha256::new(), public_key).unwrap_or_default()
}

/// A document and the signatures collected over it so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDocument {
    doc_type: DocType,
    doc: Vec<u8>,
    digest: Digest,
    signatures: Vec<([u8; PUBLIC_KEY_LEN], [u8; SIGNATURE_LEN])>,
}

impl SignedDocument {
    /// An unsigned document.
    pub fn new(doc_type: DocType, doc: Vec<u8>) -> Self {
        let digest = digest_of(&mut SoftSha256::new(), &doc).unwrap_or_default();
        Self {
            doc_type,
            doc,
            digest,
            signatures: Vec::new(),
        }
    }

    /// Reads an envelope back (signatures kept as they are, unchecked).
    pub fn from_envelope(bytes: &[u8]) -> Result<Self> {
        let env = Envelope::parse(bytes).map_err(|e| Error::verify("envelope", e))?;
        let mut s = Self::new(env.doc_type(), env.doc().to_vec());
        s.signatures = env
            .signatures()
            .map(|e| (*e.public_key, *e.signature))
            .collect();
        Ok(s)
    }

    /// Document type.
    pub fn doc_type(&self) -> DocType {
        self.doc_type
    }
    /// Document bytes.
    pub fn doc(&self) -> &[u8] {
        &self.doc
    }
    /// SHA-256 of the document.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }
    /// The exact 64 bytes each signer signs.
    pub fn message(&self) -> [u8; SIGNED_MESSAGE_LEN] {
        signed_message(self.doc_type, &self.digest)
    }
    /// Signatures collected so far.
    pub fn signatures(&self) -> &[([u8; PUBLIC_KEY_LEN], [u8; SIGNATURE_LEN])] {
        &self.signatures
    }

    /// Signs with `signer` and keeps the signature; the signature goes
    /// into the audit log (when the program keeps one).
    pub fn sign_with(&mut self, signer: &dyn Signer) -> Result<()> {
        let pk = self.sign_unlogged(signer)?;
        crate::audit::record(
            self.doc_type,
            &self.doc,
            &self.digest,
            &pk,
            &signer.describe(),
        )
    }

    /// Signs without an audit entry: only for the ephemeral stand-in keys
    /// the host checks its output with, whose signatures never leave it.
    pub(crate) fn sign_unlogged(&mut self, signer: &dyn Signer) -> Result<[u8; PUBLIC_KEY_LEN]> {
        let pk = signer.public_key()?;
        let sig = signer.sign(&self.message())?;
        self.attach(pk, sig)
            .map_err(|e| Error::signature_from(signer.describe(), e))?;
        Ok(pk)
    }

    /// Attaches a detached signature after checking it: it must verify
    /// (strictly) over this document's message, and this key must not have
    /// signed already.
    pub fn attach(
        &mut self,
        public_key: [u8; PUBLIC_KEY_LEN],
        signature: [u8; SIGNATURE_LEN],
    ) -> Result<()> {
        let key_id = || hex::encode(key_id_of(&public_key));
        if self.signatures.iter().any(|(pk, _)| *pk == public_key) {
            return Err(Error::SignatureDuplicate { key_id: key_id() });
        }
        if self.signatures.len() >= MAX_SIGNATURES {
            return Err(Error::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        verify_strict(&public_key, &self.message(), &signature)
            .map_err(|_| Error::SignatureInvalid { key_id: key_id() })?;
        self.signatures.push((public_key, signature));
        Ok(())
    }

    /// The envelope bytes.
    pub fn to_envelope(&self) -> Result<Vec<u8>> {
        let len = modelseal_core::write::envelope_len(self.doc.len(), self.signatures.len())
            .ok_or(Error::TooLarge("envelope"))?;
        let mut out = vec![0u8; len];
        let n =
            modelseal_core::write::envelope(self.doc_type, &self.doc, &self.signatures, &mut out)
                .map_err(|e| Error::verify("envelope", e))?;
        out.truncate(n);
        Ok(out)
    }
}
