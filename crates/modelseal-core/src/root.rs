//! Trust roots: parsing, and applying a rotation.
//!
//! A root names, for each role, its Ed25519 keys and how many of them must
//! sign. The device holds its current root. A newer root is accepted only
//! as exactly the next version, signed by a threshold of the root role of
//! the current root *and* of the new root; the new root then replaces the
//! old, and keys it dropped count for nothing.
//!
//! The provisioned root is trusted as stored: its own signatures are not
//! checked at start-up (it was installed by the factory, and its integrity
//! is the job of the storage that holds it).

use crate::doc::{ROLE_COMPONENT, ROLE_ROOT, ROLE_SYSTEM_CONFIG};
use crate::envelope::{DocType, Envelope, RoleKeys, SignerSet, check_threshold, signed_message};
use crate::error::{Error, Result};
use crate::hash::Sha256Engine;
use crate::limits::{MAX_ROLE_KEYS, MAX_ROLES, PUBLIC_KEY_LEN};
use crate::wire::Walker;

/// Where one role's keys sit inside the root document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct RoleIx {
    keys_off: u16,
    n_keys: u8,
    threshold: u8,
}

/// A trust root whose structure has been checked. Borrows its document.
#[derive(Debug, Clone, Copy)]
pub struct TrustRoot<'a> {
    doc: &'a [u8],
    version: u32,
    expires_at: Option<u64>,
    roles: [RoleIx; 3],
}

impl<'a> TrustRoot<'a> {
    /// Parses a root envelope without checking its signatures (for the
    /// provisioned root, which the device trusts as stored).
    pub fn from_envelope_unverified(bytes: &'a [u8]) -> Result<Self> {
        let env = Envelope::parse(bytes)?;
        if env.doc_type() != DocType::Root {
            return Err(Error::WrongDocumentType);
        }
        Self::parse_doc(env.doc())
    }

    /// Parses a root document.
    pub fn parse_doc(doc: &'a [u8]) -> Result<Self> {
        let mut w = Walker::new(doc);
        let version: u32 = w.take()?;
        if version == 0 {
            return Err(Error::RootInvalid);
        }
        let expires_at: Option<u64> = w.take()?;
        let n_roles = w.seq_len(MAX_ROLES)?;
        let mut roles = [RoleIx::default(); 3];
        let mut prev_id = 0u8;
        for _ in 0..n_roles {
            let id: u8 = w.take()?;
            let threshold: u8 = w.take()?;
            // Ids strictly ascending: no role twice, a canonical order.
            if id <= prev_id {
                return Err(Error::RootInvalid);
            }
            prev_id = id;
            let n_keys = w.seq_len(MAX_ROLE_KEYS)?;
            let keys_off = u16::try_from(w.offset_in(doc)).map_err(|_| Error::LimitExceeded)?;
            let keys_start = w.rest();
            for _ in 0..n_keys {
                w.array::<PUBLIC_KEY_LEN>()?;
            }
            let keys = keys_start
                .get(..n_keys.saturating_mul(PUBLIC_KEY_LEN))
                .ok_or(Error::Truncated)?;
            if threshold == 0 || usize::from(threshold) > n_keys {
                return Err(Error::RootInvalid);
            }
            if has_duplicate_key(keys) {
                return Err(Error::RootInvalid);
            }
            let slot = match id {
                ROLE_ROOT => 0,
                ROLE_COMPONENT => 1,
                ROLE_SYSTEM_CONFIG => 2,
                _ => continue, // a later role: skipped, as the format promises
            };
            let ix = RoleIx {
                keys_off,
                n_keys: u8::try_from(n_keys).map_err(|_| Error::LimitExceeded)?,
                threshold,
            };
            if let Some(r) = roles.get_mut(slot) {
                *r = ix;
            }
        }
        w.finish()?;
        if roles.iter().any(|r| r.threshold == 0) {
            return Err(Error::RootInvalid);
        }
        Ok(Self {
            doc,
            version,
            expires_at,
            roles,
        })
    }

    /// Root version.
    pub fn version(&self) -> u32 {
        self.version
    }
    /// Expiry, seconds since the Unix epoch.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }
    /// The document bytes.
    pub fn doc(&self) -> &'a [u8] {
        self.doc
    }

    /// Keys and threshold of role `id` (one of the three known roles).
    pub fn role(&self, id: u8) -> Option<RoleKeys<'a>> {
        let ix = match id {
            ROLE_ROOT => self.roles.first(),
            ROLE_COMPONENT => self.roles.get(1),
            ROLE_SYSTEM_CONFIG => self.roles.get(2),
            _ => None,
        }?;
        let start = usize::from(ix.keys_off);
        let end = start.checked_add(usize::from(ix.n_keys).checked_mul(PUBLIC_KEY_LEN)?)?;
        Some(RoleKeys {
            keys: self.doc.get(start..end)?,
            threshold: ix.threshold,
        })
    }

    /// Checks `envelope` (a root document) as the rotation from `self` to
    /// the next version and returns the new root and which keys of the new
    /// root's root role signed.
    ///
    /// The old root role's threshold is checked before the new document is
    /// parsed, so unauthenticated bytes never reach the parser.
    pub fn rotate<E: Sha256Engine + ?Sized>(
        &self,
        envelope: &Envelope<'a>,
        engine: &mut E,
    ) -> Result<(TrustRoot<'a>, SignerSet)> {
        if envelope.doc_type() != DocType::Root {
            return Err(Error::WrongDocumentType);
        }
        let digest = envelope.digest(engine)?;
        let message = signed_message(DocType::Root, &digest);
        let old_role = self.role(ROLE_ROOT).ok_or(Error::RootInvalid)?;
        check_threshold(envelope, &old_role, &message)?;
        let next = TrustRoot::parse_doc(envelope.doc())?;
        if Some(next.version) != self.version.checked_add(1) {
            return Err(Error::RootVersionNotNext);
        }
        let new_role = next.role(ROLE_ROOT).ok_or(Error::RootInvalid)?;
        let signers = check_threshold(envelope, &new_role, &message)?;
        Ok((next, signers))
    }
}

/// Whether any 32-byte key appears twice in `keys` (at most
/// [`MAX_ROLE_KEYS`] keys: at most 28 comparisons).
fn has_duplicate_key(keys: &[u8]) -> bool {
    let mut outer = keys.chunks_exact(PUBLIC_KEY_LEN);
    while let Some(a) = outer.next() {
        if outer.clone().any(|b| a == b) {
            return true;
        }
    }
    false
}
