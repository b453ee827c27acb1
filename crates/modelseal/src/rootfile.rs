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

/// The roles of a root, in the order of the arrays below: the three the
/// ECU uses (required), then the registry and evaluation roles, which sign
/// the registry's events and which the ECU ignores (optional: a root without
/// them simply accepts no events).
pub const ROLES: [RoleId; 5] = [
    RoleId::Root,
    RoleId::Component,
    RoleId::SystemConfig,
    RoleId::Registry,
    RoleId::Evaluation,
];
/// How many of [`ROLES`], from the first, every root must have.
pub const REQUIRED_ROLES: usize = 3;

/// Reads a root document whose structure the core accepts, with every role
/// it lists (the core keeps only the roles the ECU uses; the host needs the
/// registry and evaluation roles too).
pub fn read_root_doc(doc: &[u8]) -> Result<Root> {
    TrustRoot::parse_doc(doc).map_err(|e| Error::verify("trust root", e))?;
    postcard::from_bytes::<Root>(doc)
        .map_err(|_| Error::verify("trust root", modelseal_core::Error::Malformed))
}

/// [`read_root_doc`] of a root envelope (its signatures not checked).
pub fn read_root_envelope(envelope: &[u8]) -> Result<Root> {
    let env = modelseal_core::envelope::Envelope::parse(envelope)
        .map_err(|e| Error::verify("trust root", e))?;
    if env.doc_type() != modelseal_core::envelope::DocType::Root {
        return Err(Error::verify(
            "trust root",
            modelseal_core::Error::WrongDocumentType,
        ));
    }
    read_root_doc(env.doc())
}

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

/// A root of `version` with these roles (as [`ROLES`]; the first
/// [`REQUIRED_ROLES`] must be given), checked by the core.
pub fn make_root(
    version: u32,
    expires_at: Option<u64>,
    roles: [Option<&RoleKeys>; 5],
) -> Result<(Root, Vec<u8>)> {
    let mut out = Vec::new();
    for (i, (id, r)) in ROLES.iter().zip(roles).enumerate() {
        let Some(r) = r else {
            if i < REQUIRED_ROLES {
                return Err(Error::RoleWithoutKeys { role: id.name() });
            }
            continue;
        };
        check_role(id.name(), r)?;
        out.push(Role {
            id: id.code(),
            threshold: r.threshold,
            keys: r.keys.clone(),
            floor: r.floor,
        });
    }
    let root = Root {
        version,
        expires_at,
        roles: out,
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
    pub keys: [Option<Vec<[u8; PUBLIC_KEY_LEN]>>; 5],
    /// New thresholds per role.
    pub thresholds: [Option<u8>; 5],
    /// Counter-floor re-bases per role (only the component and
    /// system-configuration roles; only for a role whose keys change). A
    /// re-base is never carried into a later root.
    pub floors: [Option<u64>; 5],
    /// New expiry; `Some(None)` removes it.
    pub expires_at: Option<Option<u64>>,
}

/// The next root after `previous` (a root envelope), with `changes`.
pub fn rotate(previous: &[u8], changes: &Rotation) -> Result<(Root, Vec<u8>)> {
    TrustRoot::from_envelope_unverified(previous)
        .map_err(|e| Error::verify("previous trust root", e))?;
    // Every role of the previous root, the ones the ECU ignores included:
    // a rotation keeps what it does not change.
    let mut old = read_root_envelope(previous)?;
    // A re-base is never carried into a later root.
    for r in &mut old.roles {
        r.floor = None;
    }
    let version = old
        .version
        .checked_add(1)
        .ok_or(Error::RootVersionExhausted {
            version: old.version,
        })?;
    let mut roles: [Option<RoleKeys>; 5] = Default::default();
    for (i, id) in ROLES.iter().enumerate() {
        let name = id.name();
        let prev = old.role(id.code());
        if prev.is_none() && i < REQUIRED_ROLES {
            // The core refuses a root without the three roles the ECU uses.
            return Err(Error::Internal {
                invariant: "a parsed trust root has the three required roles",
            });
        }
        let keys = match (&changes.keys[i], prev) {
            (Some(k), _) => k.clone(),
            (None, Some(p)) => p.keys.clone(),
            // An optional role the previous root lacks and nobody names.
            (None, None) if changes.thresholds[i].is_none() => continue,
            (None, None) => return Err(Error::RoleWithoutKeys { role: name }),
        };
        let floor = changes.floors[i];
        if floor.is_some() {
            let same = prev.is_some_and(|p| {
                keys.len() == p.keys.len() && keys.iter().all(|k| p.keys.contains(k))
            });
            let rebasable = matches!(id, RoleId::Component | RoleId::SystemConfig);
            if !rebasable || same {
                return Err(Error::RebaseWithoutNewKeys { role: name });
            }
        }
        let threshold = match (changes.thresholds[i], prev) {
            (Some(t), _) => t,
            (None, Some(p)) => p.threshold,
            // New keys for a role the previous root lacked: say how many.
            (None, None) => {
                return Err(Error::RoleThreshold {
                    role: name,
                    threshold: 0,
                    keys: keys.len(),
                });
            }
        };
        roles[i] = Some(RoleKeys {
            keys,
            threshold,
            floor,
        });
    }
    let expires_at = changes.expires_at.unwrap_or(old.expires_at);
    let (root, doc) = make_root(version, expires_at, roles.each_ref().map(Option::as_ref))?;
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
