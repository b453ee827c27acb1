//! Creating trust roots and their rotations.
//!
//! A root lists, per role, the public keys and how many must sign. The
//! first root (version 1) is what the factory provisions; a rotation is the
//! next version, which devices accept only when a threshold of the old
//! *and* of the new root role signed it (collected with
//! [`crate::signfile::Signable`], offline if need be). Every root written is
//! parsed back by the core.

use crate::error::{Error, Result};
use crate::model::{Role, Root};
use crate::sign::key_id_of;
use modelseal_core::doc::RoleId;
use modelseal_core::limits::{MAX_ROLE_KEYS, PUBLIC_KEY_LEN};
use modelseal_core::root::TrustRoot;
use modelseal_core::root::{RoleProblem, check_role_keys};

/// Keys and threshold for one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleKeys {
    /// Public keys.
    pub keys: Vec<[u8; PUBLIC_KEY_LEN]>,
    /// Distinct keys that must sign.
    pub threshold: u8,
    /// Counter-floor re-base (component and system-configuration roles,
    /// only in a rotation that changes the role's keys).
    pub floor: Option<u64>,
}

/// The three roles of a root, in the order of the `[RoleKeys; 3]` arrays
/// below: the core's role table.
pub const ROLES: [RoleId; 3] = [RoleId::Root, RoleId::Component, RoleId::SystemConfig];

/// The core's role rules ([`check_role_keys`]), said as host errors.
fn check_role(role: &'static str, r: &RoleKeys) -> Result<()> {
    check_role_keys(r.threshold, &r.keys).map_err(|p| match p {
        RoleProblem::NoKeys => Error::RoleWithoutKeys { role },
        RoleProblem::TooManyKeys => Error::RoleKeyCount {
            role,
            count: r.keys.len(),
            max: MAX_ROLE_KEYS,
        },
        RoleProblem::Threshold => Error::RoleThreshold {
            role,
            threshold: r.threshold,
            keys: r.keys.len(),
        },
        RoleProblem::DuplicateKey(i) => Error::RoleKeyTwice {
            role,
            key_id: r
                .keys
                .get(i)
                .map(|k| hex::encode(key_id_of(k)))
                .unwrap_or_default(),
        },
    })
}

/// A root of `version` with these roles, checked by the core.
pub fn make_root(
    version: u32,
    expires_at: Option<u64>,
    roles: [&RoleKeys; 3],
) -> Result<(Root, Vec<u8>)> {
    for (id, r) in ROLES.iter().zip(roles) {
        check_role(id.name(), r)?;
    }
    let root = Root {
        version,
        expires_at,
        roles: ROLES
            .iter()
            .zip(roles)
            .map(|(id, r)| Role {
                id: id.code(),
                threshold: r.threshold,
                keys: r.keys.clone(),
                floor: r.floor,
            })
            .collect(),
    };
    let doc = root.encode()?;
    TrustRoot::parse_doc(&doc).map_err(|e| Error::WouldBeRejected {
        context: "trust root".into(),
        source: e,
    })?;
    Ok((root, doc))
}

/// Changes for a rotation: `None` keeps what the previous root had.
#[derive(Debug, Clone, Default)]
pub struct Rotation {
    /// New keys per role (index as [`ROLES`]).
    pub keys: [Option<Vec<[u8; PUBLIC_KEY_LEN]>>; 3],
    /// New thresholds per role.
    pub thresholds: [Option<u8>; 3],
    /// Counter-floor re-bases per role (never the root role; only for a
    /// role whose keys change). A re-base is never carried into a later
    /// root.
    pub floors: [Option<u64>; 3],
    /// New expiry; `Some(None)` removes it.
    pub expires_at: Option<Option<u64>>,
}

/// The next root after `previous` (a root envelope), with `changes`.
pub fn rotate(previous: &[u8], changes: &Rotation) -> Result<(Root, Vec<u8>)> {
    let old = TrustRoot::from_envelope_unverified(previous)
        .map_err(|e| Error::verify("previous trust root", e))?;
    let old = Root::from_trust_root(&old);
    let version = old
        .version
        .checked_add(1)
        .ok_or(Error::RootVersionExhausted {
            version: old.version,
        })?;
    let mut roles = Vec::new();
    for (i, id) in ROLES.iter().enumerate() {
        let name = id.name();
        let prev = old
            .role(id.code())
            // The core refuses a root without all three roles.
            .ok_or(Error::Internal {
                invariant: "a parsed trust root has all three roles",
            })?;
        let keys = changes.keys[i].clone().unwrap_or_else(|| prev.keys.clone());
        let floor = changes.floors[i];
        if floor.is_some() {
            let same = keys.len() == prev.keys.len() && keys.iter().all(|k| prev.keys.contains(k));
            if *id == RoleId::Root || same {
                return Err(Error::RebaseWithoutNewKeys { role: name });
            }
        }
        roles.push(RoleKeys {
            keys,
            threshold: changes.thresholds[i].unwrap_or(prev.threshold),
            floor,
        });
    }
    let expires_at = changes.expires_at.unwrap_or(old.expires_at);
    let (root, doc) = make_root(version, expires_at, [&roles[0], &roles[1], &roles[2]])?;
    if root == (Root { version, ..old }) {
        return Err(Error::RotationChangesNothing);
    }
    Ok((root, doc))
}

/// A root update for a device whose root is `device_root`: the root
/// envelopes `chain` (consecutive versions, oldest first, at most
/// `MAX_ROOT_CHAIN`), checked with the core exactly as the device will
/// apply them. Returns the update's bytes and the version it leads to.
///
/// A device more than `MAX_ROOT_CHAIN` rotations behind cannot take a
/// bundle's chain in one step: it takes one update per eight rotations,
/// each from the root the previous one left, then the bundle.
pub fn root_update(device_root: &[u8], chain: &[Vec<u8>]) -> Result<(Vec<u8>, u32)> {
    use modelseal_core::limits::MAX_ROOT_CHAIN;
    if chain.is_empty() || chain.len() > MAX_ROOT_CHAIN {
        return Err(Error::RootUpdateLength {
            count: chain.len(),
            max: MAX_ROOT_CHAIN,
        });
    }
    let refs: Vec<&[u8]> = chain.iter().map(Vec::as_slice).collect();
    let len: usize = 16 + refs.iter().map(|e| e.len()).sum::<usize>();
    let mut out = vec![0u8; len];
    let n = modelseal_core::write::root_update(&refs, &mut out)
        .map_err(|e| Error::verify("root update", e))?;
    out.truncate(n);
    // The chain check needs no device facts: any policy applies it alike.
    let policy = modelseal_core::DevicePolicy::new(
        modelseal_core::BundleKind::Component,
        "ROOT-UPDATE-CHECK",
        modelseal_core::Floors::default(),
        modelseal_core::Stage::DEVELOPMENT,
        modelseal_core::Expiry::NotCheckedNoTrustedClock,
    )
    .map_err(|e| Error::verify("root update", e))?;
    let mut v =
        modelseal_core::Verifier::new(device_root, policy, modelseal_core::SoftSha256::new())
            .map_err(|e| Error::verify("device trust root", e))?;
    let version = v
        .verify_root_update(&out)
        .map_err(|e| Error::WouldBeRejected {
            context: "root update (applied to the device root)".into(),
            source: e,
        })?
        .root_version();
    Ok((out, version))
}
