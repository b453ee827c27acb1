//! The documents of the format, as Rust types.
//!
//! Records without sequences ("leaves") derive both `Serialize` and
//! `Deserialize`: the verifier decodes them one at a time with postcard.
//! Records with sequences exist only on the writing side (`*Doc` types,
//! borrowing slices, so they need no allocator); the verifier walks their
//! sequences item by item instead of collecting them. Both sides produce
//! and read the same bytes: postcard encodes a struct as its fields in
//! order, a slice as a varint length followed by its items, an option as a
//! tag byte (0 or 1) followed by the value. `docs/FORMAT.md` lists every
//! field; the round-trip tests hold the two sides together.

use crate::hash::Digest;
use serde::{Deserialize, Serialize};

pub use crate::codes::{ArtifactKind, BundleKind, RoleId, Stage};

// ---------------------------------------------------------------- manifest

/// The fixed fields at the start of every manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestHead<'a> {
    /// [`BundleKind`] code; must agree with the envelope's document type.
    pub kind: u8,
    /// Anti-rollback counter: the device refuses a value below its stored floor.
    pub security_counter: u64,
    /// Human version string of the bundle (identifier).
    pub version: &'a str,
    /// Creation time, seconds since the Unix epoch (UTC).
    pub created_at: u64,
    /// Expiry, seconds since the Unix epoch; checked only with a trusted clock.
    pub expires_at: Option<u64>,
    /// Digest of the manifest this one supersedes (the update history).
    #[serde(deserialize_with = "crate::wire::de_opt_digest")]
    pub supersedes: Option<Digest>,
}

/// Where a bundle may be installed (writing side).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TargetDoc<'a> {
    /// Accepted hardware ids (at least one).
    pub hardware_ids: &'a [&'a str],
    /// Accepted ECU serials; empty means any.
    pub serials: &'a [&'a str],
    /// Vehicle platform, when restricted.
    pub platform: Option<&'a str>,
    /// Market, when restricted.
    pub market: Option<&'a str>,
}

/// The eight lineage links of a model version, in this fixed order.
/// An empty string means "not applicable yet"; Production needs all eight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Lineage<'a> {
    /// Dataset the model was trained on.
    pub training_dataset_id: &'a str,
    /// Dataset used for validation.
    pub validation_dataset_id: &'a str,
    /// Dataset used for the offline test.
    pub test_dataset_id: &'a str,
    /// Experiment in the tracking system.
    pub experiment_id: &'a str,
    /// Commit of the training and inference code.
    pub code_commit_id: &'a str,
    /// Simulation test suite.
    pub simulation_suite_id: &'a str,
    /// Hardware-in-the-loop test suite.
    pub hil_suite_id: &'a str,
    /// Result of the release gate.
    pub release_gate_result_id: &'a str,
}

impl<'a> Lineage<'a> {
    /// Field names, in wire order.
    pub const NAMES: [&'static str; 8] = [
        "training_dataset_id",
        "validation_dataset_id",
        "test_dataset_id",
        "experiment_id",
        "code_commit_id",
        "simulation_suite_id",
        "hil_suite_id",
        "release_gate_result_id",
    ];
    /// Values, in wire order.
    pub fn values(&self) -> [&'a str; 8] {
        [
            self.training_dataset_id,
            self.validation_dataset_id,
            self.test_dataset_id,
            self.experiment_id,
            self.code_commit_id,
            self.simulation_suite_id,
            self.hil_suite_id,
            self.release_gate_result_id,
        ]
    }
}

/// The fixed fields of a model component (its registry record).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentHead<'a> {
    /// Model family, e.g. `perception_front_camera`.
    pub family: &'a str,
    /// Model version, e.g. `v1.3.5`.
    pub version: &'a str,
    /// [`Stage`] code.
    pub stage: u8,
    /// Author (free text).
    pub author: &'a str,
    /// Creation time of the model version, seconds since the Unix epoch.
    pub created_at: u64,
    /// Training environment (free text).
    pub training_environment: &'a str,
    /// The lineage links.
    #[serde(borrow)]
    pub lineage: Lineage<'a>,
}

/// One free key/value metadata entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataEntry<'a> {
    /// Key (identifier); keys are strictly ascending within a component.
    pub key: &'a str,
    /// Value (free text).
    pub value: &'a str,
}

/// A model component (writing side).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ComponentDoc<'a> {
    /// The registry record.
    pub head: ComponentHead<'a>,
    /// Tickets (identifiers).
    pub tickets: &'a [&'a str],
    /// Free metadata, keys strictly ascending.
    pub metadata: &'a [MetadataEntry<'a>],
}

/// The fixed fields of a system configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemConfigHead<'a> {
    /// Configuration id.
    pub config_id: &'a str,
    /// Configuration version.
    pub config_version: &'a str,
    /// Vehicle platform (may be empty).
    pub vehicle_platform: &'a str,
    /// Sensor set (may be empty).
    pub sensor_set: &'a str,
    /// Market (may be empty).
    pub market: &'a str,
}

/// The fixed fields of one ECU entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcuHead<'a> {
    /// ECU name; names are strictly ascending within a configuration.
    pub name: &'a str,
    /// Hardware id of the ECU.
    pub hardware_id: &'a str,
    /// Software version the ECU runs.
    pub software_version: &'a str,
}

/// A model an ECU runs, pinned by the digest of its component manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRef<'a> {
    /// Model family.
    pub family: &'a str,
    /// Model version.
    pub version: &'a str,
    /// SHA-256 of the component bundle's manifest document.
    #[serde(deserialize_with = "crate::wire::de_digest")]
    pub manifest_digest: Digest,
}

/// One ECU entry (writing side).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EcuDoc<'a> {
    /// Name, hardware id, software version.
    pub head: EcuHead<'a>,
    /// The models it runs.
    pub models: &'a [ModelRef<'a>],
}

/// A shared middleware version (ROS, DDS, OS, compiler, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Middleware<'a> {
    /// Name; names are strictly ascending within a configuration.
    pub name: &'a str,
    /// Version.
    pub version: &'a str,
}

/// A parameter set for a vehicle variant, sensor set and market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterSet<'a> {
    /// Name; names are strictly ascending within a configuration.
    pub name: &'a str,
    /// Vehicle variant (may be empty).
    pub vehicle_variant: &'a str,
    /// Sensor set (may be empty).
    pub sensor_set: &'a str,
    /// Market (may be empty).
    pub market: &'a str,
    /// SHA-256 of the parameter data.
    #[serde(deserialize_with = "crate::wire::de_digest")]
    pub digest: Digest,
}

/// A system configuration (writing side).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SystemConfigDoc<'a> {
    /// Id, version, platform, sensor set, market.
    pub head: SystemConfigHead<'a>,
    /// ECU entries, names strictly ascending (at least one).
    pub ecus: &'a [EcuDoc<'a>],
    /// Middleware versions, names strictly ascending.
    pub middleware: &'a [Middleware<'a>],
    /// Parameter sets, names strictly ascending.
    pub parameter_sets: &'a [ParameterSet<'a>],
}

/// How a distributed artifact was derived from its plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption<'a> {
    /// Algorithm (identifier), e.g. `aes-256-gcm`.
    pub algorithm: &'a str,
    /// Id of the key in the vehicle's key store (identifier).
    pub key_id: &'a str,
}

/// The artifact before signing and encryption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plaintext<'a> {
    /// Length of the plaintext, in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext.
    #[serde(deserialize_with = "crate::wire::de_digest")]
    pub digest: Digest,
    /// How it was encrypted.
    #[serde(borrow)]
    pub encryption: Encryption<'a>,
}

/// One artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact<'a> {
    /// Relative path; names are strictly ascending (bytewise) in a manifest.
    pub name: &'a str,
    /// [`ArtifactKind`] code.
    pub kind: u8,
    /// Length of the distributed bytes, in bytes.
    pub size: u64,
    /// SHA-256 of the distributed bytes.
    #[serde(deserialize_with = "crate::wire::de_digest")]
    pub digest: Digest,
    /// The plaintext, when the distributed bytes are encrypted.
    #[serde(borrow)]
    pub plaintext: Option<Plaintext<'a>>,
    /// Licence (SPDX expression).
    pub licence: &'a str,
}

/// An extension: how later formats add fields that deployed verifiers can
/// skip. A verifier rejects a critical extension it does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension<'a> {
    /// Extension id; ids are strictly ascending in a manifest.
    pub id: u32,
    /// Whether a verifier that does not know `id` must reject the manifest.
    pub critical: bool,
    /// Payload, at most [`crate::limits::MAX_EXTENSION_LEN`] bytes.
    pub data: &'a [u8],
}

/// A whole manifest (writing side).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ManifestDoc<'a> {
    /// Kind, counter, version, times, supersedes.
    pub head: ManifestHead<'a>,
    /// Target binding.
    pub target: TargetDoc<'a>,
    /// Components: at least one in a component bundle, none in a system configuration.
    pub components: &'a [ComponentDoc<'a>],
    /// The system configuration: present exactly in system-configuration bundles.
    pub system_config: Option<SystemConfigDoc<'a>>,
    /// Artifacts, names strictly ascending: at least one in a component bundle.
    pub artifacts: &'a [Artifact<'a>],
    /// Extensions, ids strictly ascending.
    pub extensions: &'a [Extension<'a>],
}

// ---------------------------------------------------------------- root

/// Role id of the role that signs new trust roots ([`RoleId::Root`]).
pub const ROLE_ROOT: u8 = RoleId::Root.code();
/// Role id of the role that signs component bundles ([`RoleId::Component`]).
pub const ROLE_COMPONENT: u8 = RoleId::Component.code();
/// Role id of the role that signs system-configuration bundles
/// ([`RoleId::SystemConfig`]).
pub const ROLE_SYSTEM_CONFIG: u8 = RoleId::SystemConfig.code();

/// One role of a trust root (writing side).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RoleDoc<'a> {
    /// Role id ([`ROLE_ROOT`], [`ROLE_COMPONENT`], [`ROLE_SYSTEM_CONFIG`];
    /// other nonzero ids are reserved for later roles and ignored).
    pub id: u8,
    /// Distinct keys of this role that must sign (1 ..= keys).
    pub threshold: u8,
    /// The role's Ed25519 public keys, each listed once.
    pub keys: &'a [[u8; 32]],
    /// A re-base of the role's security-counter floor (component and
    /// system-configuration roles only): a device that applies the
    /// rotation to this root sets its floor for the role to this value.
    /// Legal only in a root that changes the role's keys; it undoes a
    /// counter that stolen, now retired, keys pushed up.
    pub floor: Option<u64>,
}

/// A trust root (writing side).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RootDoc<'a> {
    /// Root version, from 1; each rotation is exactly one more.
    pub version: u32,
    /// Expiry, seconds since the Unix epoch; checked only with a trusted clock.
    pub expires_at: Option<u64>,
    /// Roles, ids strictly ascending; roles 1, 2 and 3 are required.
    pub roles: &'a [RoleDoc<'a>],
}
