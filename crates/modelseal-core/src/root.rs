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

use crate::dec::Cur;
use crate::doc::{ROLE_COMPONENT, ROLE_ROOT, ROLE_SYSTEM_CONFIG};
use crate::envelope::{DocType, Envelope, RoleKeys, SignerSet, check_threshold, signed_message};
use crate::error::{Error, Result};
use crate::hash::{Digest, Sha256Engine};
use crate::limits::{MAX_ROLE_KEYS, MAX_ROLES, MAX_ROOT_LEN, PUBLIC_KEY_LEN};

/// One role's keys and threshold, held by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Role {
    threshold: u8,
    n_keys: u8,
    keys: [[u8; PUBLIC_KEY_LEN]; MAX_ROLE_KEYS],
}

impl Role {
    pub(crate) const NONE: Self = Self {
        threshold: 0,
        n_keys: 0,
        keys: [[0; PUBLIC_KEY_LEN]; MAX_ROLE_KEYS],
    };
    fn keys(&self) -> &[[u8; PUBLIC_KEY_LEN]] {
        self.keys.get(..usize::from(self.n_keys)).unwrap_or(&[])
    }
    /// The role as the signature check takes it.
    pub(crate) fn as_keys(&self) -> RoleKeys<'_> {
        RoleKeys {
            keys: self.keys().as_flattened(),
            threshold: self.threshold,
        }
    }
}

/// A trust root whose structure has been checked, held by value: its role
/// keys were copied out of the document in the same pass that hashed it,
/// so nothing later reads the document's memory again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustRoot {
    version: u32,
    expires_at: Option<u64>,
    roles: [Role; 3],
    /// Counter floors this root sets for the component and
    /// system-configuration roles (a re-base after their keys rotated).
    rebase: [Option<u64>; 2],
    digest: Digest,
}

impl TrustRoot {
    /// A root with no roles: storage to parse a root into.
    pub(crate) const EMPTY: Self = Self {
        version: 0,
        expires_at: None,
        roles: [Role::NONE; 3],
        rebase: [None; 2],
        digest: [0; 32],
    };

    /// Parses a root envelope without checking its signatures (for the
    /// provisioned root, which the device trusts as stored).
    pub fn from_envelope_unverified(bytes: &[u8]) -> Result<Self> {
        let mut root = Self::EMPTY;
        root.read_envelope_unverified(bytes)?;
        Ok(root)
    }

    /// [`TrustRoot::from_envelope_unverified`] into `self`, where the
    /// verifier keeps it (no copy of a whole root passes through the
    /// stack). On error `self` holds no usable root.
    pub(crate) fn read_envelope_unverified(&mut self, bytes: &[u8]) -> Result<()> {
        let env = Envelope::parse(bytes)?;
        if env.doc_type() != DocType::Root {
            return Err(Error::WrongDocumentType);
        }
        self.read_doc(env.doc())
    }

    /// Parses a root document from a copy of its bytes; the root keeps
    /// SHA-256 of exactly what it parsed.
    pub fn parse_doc(doc: &[u8]) -> Result<Self> {
        let mut root = Self::EMPTY;
        root.read_doc(doc)?;
        Ok(root)
    }

    /// [`TrustRoot::parse_doc`] into `self`. On error `self` holds no
    /// usable root.
    ///
    /// The document is read through a small copy window ([`Snap`]): every
    /// value, the keys included, is decoded from the copy, and the digest
    /// kept covers exactly the bytes decoded, so the keys kept are the
    /// bytes the digest covers whatever the source does meanwhile.
    // Never inlined: its window must not sit in a frame that is live during
    // the signature checks.
    #[inline(never)]
    pub(crate) fn read_doc(&mut self, doc: &[u8]) -> Result<()> {
        if doc.len() > MAX_ROOT_LEN {
            return Err(Error::LimitExceeded);
        }
        // A root is small and bounded: parse and hash one copy of it, so the
        // keys kept are exactly the bytes the digest covers.
        let mut copy = [0u8; MAX_ROOT_LEN];
        let bytes = copy.get_mut(..doc.len()).ok_or(Error::LimitExceeded)?;
        crate::wire::copy_exact(bytes, doc)?;
        let bytes: &[u8] = bytes;
        let mut c = Cur::new(bytes);
        let version = c.u32()?;
        if version == 0 {
            return Err(Error::RootInvalid);
        }
        self.version = version;
        self.expires_at = crate::dec::opt_u64(&mut c)?;
        self.roles = [Role::NONE; 3];
        self.rebase = [None; 2];
        let n_roles = crate::dec::count(c.u32()?, MAX_ROLES)?;
        let mut prev_id = 0u8;
        for _ in 0..n_roles {
            let id = c.u8()?;
            let threshold = c.u8()?;
            // Ids strictly ascending: no role twice, a canonical order.
            if id <= prev_id {
                return Err(Error::RootInvalid);
            }
            prev_id = id;
            let n_keys = crate::dec::count(c.u32()?, MAX_ROLE_KEYS)?;
            let mut role = Role {
                threshold,
                n_keys: u8::try_from(n_keys).map_err(|_| Error::LimitExceeded)?,
                ..Role::NONE
            };
            for slot in role.keys.iter_mut().take(n_keys) {
                *slot = c.array::<PUBLIC_KEY_LEN>()?;
            }
            let floor = crate::dec::opt_u64(&mut c)?;
            check_role_keys(threshold, role.keys()).map_err(|_| Error::RootInvalid)?;
            let slot = match id {
                ROLE_ROOT if floor.is_some() => return Err(Error::RootInvalid),
                ROLE_ROOT => 0,
                ROLE_COMPONENT => 1,
                ROLE_SYSTEM_CONFIG => 2,
                _ => continue, // a later role: skipped, as the format promises
            };
            if let Some(r) = self.roles.get_mut(slot) {
                *r = role;
            }
            if let Some(f) = slot.checked_sub(1).and_then(|i| self.rebase.get_mut(i)) {
                *f = floor;
            }
        }
        if c.used() != bytes.len() {
            return Err(Error::TrailingBytes);
        }
        self.digest = crate::hash::sha256(bytes);
        if self.roles.iter().any(|r| r.threshold == 0) {
            return Err(Error::RootInvalid);
        }
        Ok(())
    }

    /// Root version.
    pub fn version(&self) -> u32 {
        self.version
    }
    /// Expiry, seconds since the Unix epoch.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires_at
    }
    /// SHA-256 of the root document.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The counter floor this root sets for bundles of `kind`: a re-base,
    /// applied only by the rotation to this root (see [`TrustRoot::rotate`]).
    pub fn rebase(&self, kind: crate::BundleKind) -> Option<u64> {
        match kind {
            crate::BundleKind::Component => self.rebase.first().copied().flatten(),
            crate::BundleKind::SystemConfig => self.rebase.get(1).copied().flatten(),
        }
    }

    /// Keys and threshold of role `id` (one of the three known roles).
    pub fn role(&self, id: u8) -> Option<RoleKeys<'_>> {
        Some(self.role_ref(id)?.as_keys())
    }

    pub(crate) fn role_ref(&self, id: u8) -> Option<&Role> {
        match id {
            ROLE_ROOT => self.roles.first(),
            ROLE_COMPONENT => self.roles.get(1),
            ROLE_SYSTEM_CONFIG => self.roles.get(2),
            _ => None,
        }
    }

    /// Checks `envelope` (a root document) as the rotation from `self` to
    /// the next version and returns the new root and which keys of the new
    /// root's root role signed.
    ///
    /// The old root role's threshold is checked before the new document is
    /// parsed, so unauthenticated bytes never reach the parser; the parse
    /// then reads a copy and must hash to the digest that was signed, so
    /// the keys it keeps are the signed ones even if the envelope's memory
    /// changed in between ([`Error::InputChanged`]).
    pub fn rotate<E: Sha256Engine + ?Sized>(
        &self,
        envelope: &Envelope<'_>,
        engine: &mut E,
    ) -> Result<(TrustRoot, SignerSet)> {
        let mut next = self.clone();
        let signers = next.advance(envelope, engine)?;
        Ok((next, signers))
    }

    /// [`TrustRoot::rotate`] in place: on success `self` is the next root;
    /// on error `self` may hold an unauthenticated root and must not be
    /// used. The signature checks run in this frame, with no second root
    /// on the stack: the next root is parsed and compared with this one in
    /// [`TrustRoot::replace_by_next`], which returns before the new root
    /// role's signatures are checked.
    pub(crate) fn advance<E: Sha256Engine + ?Sized>(
        &mut self,
        envelope: &Envelope<'_>,
        engine: &mut E,
    ) -> Result<SignerSet> {
        if envelope.doc_type() != DocType::Root {
            return Err(Error::WrongDocumentType);
        }
        let digest = envelope.digest(engine)?;
        let message = signed_message(DocType::Root, &digest);
        let old_role = self.role(ROLE_ROOT).ok_or(Error::RootInvalid)?;
        check_threshold(envelope, &old_role, &message)?;
        self.replace_by_next(envelope.doc(), &digest)?;
        let new_role = self.role(ROLE_ROOT).ok_or(Error::RootInvalid)?;
        check_threshold(envelope, &new_role, &message)
    }

    /// Parses `doc`, the next root (its signatures by the current root role
    /// checked), requires it to hash to `digest` (what was signed), to be
    /// exactly the next version and to re-base only roles whose keys
    /// change; then replaces `self` with it.
    #[inline(never)]
    fn replace_by_next(&mut self, doc: &[u8], digest: &Digest) -> Result<()> {
        let mut next = Self::EMPTY;
        next.read_doc(doc)?;
        if next.digest != *digest {
            return Err(Error::InputChanged);
        }
        if Some(next.version) != self.version.checked_add(1) {
            return Err(Error::RootVersionNotNext);
        }
        // A re-base is legal only where the role's keys change: it exists
        // to undo a counter pushed up by keys that are being retired.
        for i in 0..2usize {
            let rebased = next.rebase.get(i).copied().flatten().is_some();
            let slot = i.saturating_add(1);
            if rebased && same_keys(self.roles.get(slot), next.roles.get(slot)) {
                return Err(Error::RootInvalid);
            }
        }
        *self = next;
        Ok(())
    }
}

/// Whether two roles hold the same set of keys.
fn same_keys(a: Option<&Role>, b: Option<&Role>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.n_keys == b.n_keys && b.keys().iter().all(|k| a.keys().contains(k)),
        _ => false,
    }
}

/// Whether any key appears twice in `keys` (at most [`MAX_ROLE_KEYS`]
/// keys: at most 28 comparisons).
/// Why a role's keys and threshold cannot be used: the one statement of the
/// role rules, which the verifier reports as [`Error::RootInvalid`] and a
/// build host turns into a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleProblem {
    /// The role has no keys.
    NoKeys,
    /// More keys than [`MAX_ROLE_KEYS`].
    TooManyKeys,
    /// The threshold is 0 or more than the keys.
    Threshold,
    /// Key `index` is listed before, too.
    DuplicateKey(usize),
}

/// Checks a role's keys and threshold: 1 to [`MAX_ROLE_KEYS`] distinct
/// keys, a threshold from 1 to their number.
pub fn check_role_keys(
    threshold: u8,
    keys: &[[u8; PUBLIC_KEY_LEN]],
) -> core::result::Result<(), RoleProblem> {
    if keys.is_empty() {
        return Err(RoleProblem::NoKeys);
    }
    if keys.len() > MAX_ROLE_KEYS {
        return Err(RoleProblem::TooManyKeys);
    }
    if threshold == 0 || usize::from(threshold) > keys.len() {
        return Err(RoleProblem::Threshold);
    }
    let mut outer = keys.iter().enumerate();
    while let Some((_, a)) = outer.next() {
        if let Some((i, _)) = outer.clone().find(|(_, b)| a == *b) {
            return Err(RoleProblem::DuplicateKey(i));
        }
    }
    Ok(())
}
