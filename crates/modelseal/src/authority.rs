//! Who may sign a document, and how far its signatures have got.
//!
//! A manifest is signed by the component or system-configuration role of
//! the trust root in force for it: the device's root, rotated through the
//! roots the bundle carries (each rotation checked by the core). A root of
//! version 1 is signed by its own root role; a root of version N+1 by a
//! threshold of the root role of version N *and* of its own. Signatures from
//! anyone else count for nothing, and the host refuses to attach them.

use crate::bundle::split_head;
use crate::error::{Error, Result};
use crate::sign::{SignedDocument, key_id_of};
use modelseal_core::SoftSha256;
use modelseal_core::doc::{ROLE_ROOT, RoleId};
use modelseal_core::envelope::{Envelope, verify_strict};
use modelseal_core::limits::PUBLIC_KEY_LEN;
use modelseal_core::root::TrustRoot;
use serde::Serialize;

/// The keys of one role that must sign, as owned data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRef {
    /// Role id.
    pub id: u8,
    /// Version of the root that defines the role.
    pub root_version: u32,
    /// Distinct keys that must sign.
    pub threshold: u8,
    /// The role's keys.
    pub keys: Vec<[u8; PUBLIC_KEY_LEN]>,
}

impl RoleRef {
    fn from_root(root: &TrustRoot, id: u8) -> Result<Self> {
        let r = root
            .role(id)
            .ok_or_else(|| Error::verify("trust root", modelseal_core::Error::RootInvalid))?;
        Ok(Self {
            id,
            root_version: root.version(),
            threshold: r.threshold(),
            keys: r.keys().copied().collect(),
        })
    }
    /// Role name for people.
    pub fn name(&self) -> String {
        let n = role_name(self.id);
        format!("{n} role of root v{}", self.root_version)
    }
}

/// Name of a role id.
pub fn role_name(id: u8) -> &'static str {
    RoleId::from_code(id).map_or("unknown", RoleId::name)
}

/// The roles whose thresholds a document must meet (two for a rotation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    /// Every role that must reach its threshold.
    pub roles: Vec<RoleRef>,
}

impl Authority {
    /// Whether `pk` belongs to any of the roles.
    pub fn admits(&self, pk: &[u8; PUBLIC_KEY_LEN]) -> bool {
        self.roles.iter().any(|r| r.keys.contains(pk))
    }

    /// The authority over a bundle's manifest: the role for its kind in the
    /// root in force after the bundle's rotation chain, starting from the
    /// device root `device_root` (a root envelope).
    pub fn for_manifest(head: &[u8], device_root: &[u8]) -> Result<Self> {
        let parts = split_head(head)?;
        let env = Envelope::parse(&parts.manifest_envelope)
            .map_err(|e| Error::verify("manifest envelope", e))?;
        let role = match env.doc_type().signer() {
            (role, Some(_)) => role.code(),
            (_, None) => {
                return Err(Error::verify(
                    "manifest envelope",
                    modelseal_core::Error::WrongDocumentType,
                ));
            }
        };
        let (_, root) = root_in_force(device_root, &parts.chain)?;
        Ok(Self {
            roles: vec![RoleRef::from_root(
                &TrustRoot::parse_doc(&root).map_err(|e| Error::verify("trust root", e))?,
                role,
            )?],
        })
    }

    /// The authority over a root document: its own root role for version 1;
    /// for a rotation, the root role of `previous` (a root envelope, the
    /// version before) and its own.
    pub fn for_root(doc: &[u8], previous: Option<&[u8]>) -> Result<Self> {
        let new = TrustRoot::parse_doc(doc).map_err(|e| Error::verify("trust root", e))?;
        let own = RoleRef::from_root(&new, ROLE_ROOT)?;
        match previous {
            None if new.version() == 1 => Ok(Self { roles: vec![own] }),
            None => Err(Error::PreviousRootMissing {
                version: new.version(),
            }),
            Some(prev) => {
                let old = TrustRoot::from_envelope_unverified(prev)
                    .map_err(|e| Error::verify("previous trust root", e))?;
                if old.version().checked_add(1) != Some(new.version()) {
                    return Err(Error::PreviousRootVersion {
                        previous: old.version(),
                        version: new.version(),
                    });
                }
                Ok(Self {
                    roles: vec![RoleRef::from_root(&old, ROLE_ROOT)?, own],
                })
            }
        }
    }
}

/// Applies a rotation chain to `device_root` with the core and returns the
/// version and document of the root in force.
pub fn root_in_force(device_root: &[u8], chain: &[Vec<u8>]) -> Result<(u32, Vec<u8>)> {
    let mut root = TrustRoot::from_envelope_unverified(device_root)
        .map_err(|e| Error::verify("device trust root", e))?;
    let mut doc = Envelope::parse(device_root)
        .map_err(|e| Error::verify("device trust root", e))?
        .doc()
        .to_vec();
    for (i, env_bytes) in chain.iter().enumerate() {
        let env = Envelope::parse(env_bytes)
            .map_err(|e| Error::verify(format!("rotation chain entry {i}"), e))?;
        let (next, _) = root.rotate(&env, &mut SoftSha256::new()).map_err(|e| {
            Error::verify(
                format!(
                    "rotation chain entry {i} (from root v{}, with this device root)",
                    root.version()
                ),
                e,
            )
        })?;
        root = next;
        doc = env.doc().to_vec();
    }
    Ok((root.version(), doc))
}

/// One signature on a document, judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureInfo {
    /// Key id (hex).
    pub key_id: String,
    /// Public key (hex).
    pub public_key: String,
    /// Whether it verifies (strictly) over the document.
    pub valid: bool,
    /// The roles it counts for (`component role of root v1`), empty when none.
    pub counts_for: Vec<String>,
}

/// How far one role has got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleStatus {
    /// Role name (`component role of root v1`).
    pub role: String,
    /// Distinct valid signatures of role keys.
    pub have: usize,
    /// Threshold.
    pub need: u8,
    /// Key ids of the role's keys that have not signed.
    pub missing: Vec<String>,
}

/// The signatures of a document against its authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureStatus {
    /// Every signature present.
    pub signatures: Vec<SignatureInfo>,
    /// Every role that must reach its threshold.
    pub roles: Vec<RoleStatus>,
    /// Whether every threshold is met.
    pub complete: bool,
}

impl SignatureStatus {
    /// Judges `doc`'s signatures against `authority`.
    pub fn of(doc: &SignedDocument, authority: &Authority) -> Self {
        let msg = doc.message();
        let signatures: Vec<SignatureInfo> = doc
            .signatures()
            .iter()
            .map(|(pk, sig)| {
                let valid = verify_strict(pk, &msg, sig).is_ok();
                SignatureInfo {
                    key_id: hex::encode(key_id_of(pk)),
                    public_key: hex::encode(pk),
                    valid,
                    counts_for: authority
                        .roles
                        .iter()
                        .filter(|r| valid && r.keys.contains(pk))
                        .map(RoleRef::name)
                        .collect(),
                }
            })
            .collect();
        let roles: Vec<RoleStatus> = authority
            .roles
            .iter()
            .map(|r| {
                let signed = |k: &[u8; 32]| {
                    doc.signatures()
                        .iter()
                        .any(|(pk, sig)| pk == k && verify_strict(pk, &msg, sig).is_ok())
                };
                RoleStatus {
                    role: r.name(),
                    have: r.keys.iter().filter(|k| signed(k)).count(),
                    need: r.threshold,
                    missing: r
                        .keys
                        .iter()
                        .filter(|k| !signed(k))
                        .map(|k| hex::encode(key_id_of(k)))
                        .collect(),
                }
            })
            .collect();
        let complete = roles.iter().all(|r| r.have >= usize::from(r.need));
        Self {
            signatures,
            roles,
            complete,
        }
    }

    /// One line for people: `component role of root v1: 1 of 2 (needs 1 more)`.
    pub fn summary(&self) -> String {
        self.roles
            .iter()
            .map(|r| {
                let more = usize::from(r.need).saturating_sub(r.have);
                if more == 0 {
                    format!("{}: {} of {} required, complete", r.role, r.have, r.need)
                } else {
                    format!(
                        "{}: {} of {} required, needs {more} more",
                        r.role, r.have, r.need
                    )
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}
