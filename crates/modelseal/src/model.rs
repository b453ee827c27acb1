//! Owned documents on the build host.
//!
//! These mirror the core's wire records with `String`s and `Vec`s, so that
//! specs, tools and tests can build them freely. They are turned into bytes
//! only through the core's record types and encoders, and read back only
//! through the core's validating views: the host has no second
//! implementation of the format.

use crate::error::{Error, Result};
use modelseal_core::Digest;
use modelseal_core::doc::{
    self, ArtifactKind, BundleKind, ComponentDoc, EcuDoc, ManifestDoc, RoleDoc, RootDoc, Stage,
    SystemConfigDoc, TargetDoc,
};
use modelseal_core::limits::{MAX_MANIFEST_LEN, MAX_ROOT_LEN, PUBLIC_KEY_LEN};
use modelseal_core::manifest::{ComponentView, EcuView, ManifestView, SystemConfigView};
use modelseal_core::root::TrustRoot;
use std::collections::BTreeMap;

/// Where a bundle may be installed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// Accepted hardware ids (at least one).
    pub hardware_ids: Vec<String>,
    /// Accepted ECU serials; empty means any.
    pub serials: Vec<String>,
    /// Vehicle platform restriction.
    pub platform: Option<String>,
    /// Market restriction.
    pub market: Option<String>,
}

/// The eight lineage links. In a bundle spec (`[component.lineage]`) none
/// may be omitted and no other key is accepted; Production needs all eight
/// non-empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lineage {
    /// Training dataset id.
    pub training_dataset_id: String,
    /// Validation dataset id.
    pub validation_dataset_id: String,
    /// Test dataset id.
    pub test_dataset_id: String,
    /// Experiment id.
    pub experiment_id: String,
    /// Code commit id.
    pub code_commit_id: String,
    /// Simulation suite id.
    pub simulation_suite_id: String,
    /// HiL suite id.
    pub hil_suite_id: String,
    /// Release gate result id.
    pub release_gate_result_id: String,
}

impl Lineage {
    fn as_doc(&self) -> doc::Lineage<'_> {
        doc::Lineage {
            training_dataset_id: &self.training_dataset_id,
            validation_dataset_id: &self.validation_dataset_id,
            test_dataset_id: &self.test_dataset_id,
            experiment_id: &self.experiment_id,
            code_commit_id: &self.code_commit_id,
            simulation_suite_id: &self.simulation_suite_id,
            hil_suite_id: &self.hil_suite_id,
            release_gate_result_id: &self.release_gate_result_id,
        }
    }
    fn from_doc(l: &doc::Lineage<'_>) -> Self {
        Self {
            training_dataset_id: l.training_dataset_id.into(),
            validation_dataset_id: l.validation_dataset_id.into(),
            test_dataset_id: l.test_dataset_id.into(),
            experiment_id: l.experiment_id.into(),
            code_commit_id: l.code_commit_id.into(),
            simulation_suite_id: l.simulation_suite_id.into(),
            hil_suite_id: l.hil_suite_id.into(),
            release_gate_result_id: l.release_gate_result_id.into(),
        }
    }
    /// `(name, value)` pairs in wire order.
    pub fn entries(&self) -> [(&'static str, &str); 8] {
        let v = self.as_doc().values();
        let n = doc::Lineage::NAMES;
        [
            (n[0], v[0]),
            (n[1], v[1]),
            (n[2], v[2]),
            (n[3], v[3]),
            (n[4], v[4]),
            (n[5], v[5]),
            (n[6], v[6]),
            (n[7], v[7]),
        ]
    }
}

/// A model component: its registry record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Model family.
    pub family: String,
    /// Model version.
    pub version: String,
    /// Lifecycle stage.
    pub stage: Stage,
    /// Author.
    pub author: String,
    /// Creation time, seconds since the Unix epoch.
    pub created_at: u64,
    /// Training environment.
    pub training_environment: String,
    /// Lineage links.
    pub lineage: Lineage,
    /// Tickets.
    pub tickets: Vec<String>,
    /// Free metadata (kept sorted by key, as the format requires).
    pub metadata: BTreeMap<String, String>,
}

/// A model an ECU runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelEntry {
    /// Family.
    pub family: String,
    /// Version.
    pub version: String,
    /// Digest of the component manifest.
    pub manifest_digest: Digest,
}

/// One ECU of a system configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ecu {
    /// ECU name.
    pub name: String,
    /// Hardware id.
    pub hardware_id: String,
    /// Software version.
    pub software_version: String,
    /// Models it runs.
    pub models: Vec<ModelEntry>,
}

/// A parameter set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterSetEntry {
    /// Name.
    pub name: String,
    /// Vehicle variant.
    pub vehicle_variant: String,
    /// Sensor set.
    pub sensor_set: String,
    /// Market.
    pub market: String,
    /// Digest of the parameter data.
    pub digest: Digest,
}

/// A system configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SystemConfig {
    /// Configuration id.
    pub config_id: String,
    /// Configuration version.
    pub config_version: String,
    /// Vehicle platform.
    pub vehicle_platform: String,
    /// Sensor set.
    pub sensor_set: String,
    /// Market.
    pub market: String,
    /// ECUs.
    pub ecus: Vec<Ecu>,
    /// Middleware name to version (sorted by name).
    pub middleware: BTreeMap<String, String>,
    /// Parameter sets.
    pub parameter_sets: Vec<ParameterSetEntry>,
}

/// The plaintext of an encrypted artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaintextInfo {
    /// Length, in bytes.
    pub size: u64,
    /// SHA-256.
    pub digest: Digest,
    /// Encryption algorithm.
    pub algorithm: String,
    /// Key id in the vehicle key store.
    pub key_id: String,
}

/// One artifact as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactEntry {
    /// Relative path.
    pub name: String,
    /// Kind code (see [`ArtifactKind`]).
    pub kind: u8,
    /// Length of the distributed bytes.
    pub size: u64,
    /// SHA-256 of the distributed bytes.
    pub digest: Digest,
    /// Plaintext before encryption, when encrypted.
    pub plaintext: Option<PlaintextInfo>,
    /// Licence (SPDX expression).
    pub licence: String,
}

impl ArtifactEntry {
    /// The kind, if it is a named one.
    pub fn kind(&self) -> Option<ArtifactKind> {
        ArtifactKind::from_code(self.kind)
    }
}

/// A manifest extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionEntry {
    /// Extension id.
    pub id: u32,
    /// Whether unknown-to-the-verifier means reject.
    pub critical: bool,
    /// Payload.
    pub data: Vec<u8>,
}

/// A whole manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Bundle kind.
    pub kind: BundleKind,
    /// Security counter.
    pub security_counter: u64,
    /// Human version string.
    pub version: String,
    /// Creation time.
    pub created_at: u64,
    /// Expiry.
    pub expires_at: Option<u64>,
    /// Digest of the superseded manifest.
    pub supersedes: Option<Digest>,
    /// Target binding.
    pub target: Target,
    /// Components (component bundles).
    pub components: Vec<Component>,
    /// System configuration (system-configuration bundles).
    pub system_config: Option<SystemConfig>,
    /// Artifacts, in payload order.
    pub artifacts: Vec<ArtifactEntry>,
    /// Extensions.
    pub extensions: Vec<ExtensionEntry>,
}

impl Manifest {
    /// Puts every list the format orders into its canonical order: artifacts
    /// by name (which is also payload order), components by family, ECUs
    /// and parameter sets by name.
    pub fn normalize(&mut self) {
        self.artifacts
            .sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        self.components.sort_by(|a, b| a.family.cmp(&b.family));
        if let Some(sc) = &mut self.system_config {
            sc.ecus.sort_by(|a, b| a.name.cmp(&b.name));
            sc.parameter_sets.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.extensions.sort_by_key(|e| e.id);
    }

    /// Encodes the manifest document exactly as given (no reordering, no
    /// checks beyond the document size limit). Use [`Manifest::normalize`]
    /// first, and verify the result with the core.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let hardware_ids: Vec<&str> = self
            .target
            .hardware_ids
            .iter()
            .map(String::as_str)
            .collect();
        let serials: Vec<&str> = self.target.serials.iter().map(String::as_str).collect();
        let tickets: Vec<Vec<&str>> = self
            .components
            .iter()
            .map(|c| c.tickets.iter().map(String::as_str).collect())
            .collect();
        let metadata: Vec<Vec<doc::MetadataEntry<'_>>> = self
            .components
            .iter()
            .map(|c| {
                c.metadata
                    .iter()
                    .map(|(k, v)| doc::MetadataEntry { key: k, value: v })
                    .collect()
            })
            .collect();
        let components: Vec<ComponentDoc<'_>> = self
            .components
            .iter()
            .zip(tickets.iter().zip(metadata.iter()))
            .map(|(c, (t, m))| ComponentDoc {
                head: doc::ComponentHead {
                    family: &c.family,
                    version: &c.version,
                    stage: c.stage.code(),
                    author: &c.author,
                    created_at: c.created_at,
                    training_environment: &c.training_environment,
                    lineage: c.lineage.as_doc(),
                },
                tickets: t,
                metadata: m,
            })
            .collect();
        let sc_parts = self.system_config.as_ref().map(|sc| {
            let models: Vec<Vec<doc::ModelRef<'_>>> = sc
                .ecus
                .iter()
                .map(|e| {
                    e.models
                        .iter()
                        .map(|m| doc::ModelRef {
                            family: &m.family,
                            version: &m.version,
                            manifest_digest: m.manifest_digest,
                        })
                        .collect()
                })
                .collect();
            let middleware: Vec<doc::Middleware<'_>> = sc
                .middleware
                .iter()
                .map(|(n, v)| doc::Middleware {
                    name: n,
                    version: v,
                })
                .collect();
            let sets: Vec<doc::ParameterSet<'_>> = sc
                .parameter_sets
                .iter()
                .map(|p| doc::ParameterSet {
                    name: &p.name,
                    vehicle_variant: &p.vehicle_variant,
                    sensor_set: &p.sensor_set,
                    market: &p.market,
                    digest: p.digest,
                })
                .collect();
            (sc, models, middleware, sets)
        });
        let ecus: Option<Vec<EcuDoc<'_>>> = sc_parts.as_ref().map(|(sc, models, _, _)| {
            sc.ecus
                .iter()
                .zip(models.iter())
                .map(|(e, m)| EcuDoc {
                    head: doc::EcuHead {
                        name: &e.name,
                        hardware_id: &e.hardware_id,
                        software_version: &e.software_version,
                    },
                    models: m,
                })
                .collect()
        });
        let system_config = match (&sc_parts, &ecus) {
            (Some((sc, _, middleware, sets)), Some(ecus)) => Some(SystemConfigDoc {
                head: doc::SystemConfigHead {
                    config_id: &sc.config_id,
                    config_version: &sc.config_version,
                    vehicle_platform: &sc.vehicle_platform,
                    sensor_set: &sc.sensor_set,
                    market: &sc.market,
                },
                ecus,
                middleware,
                parameter_sets: sets,
            }),
            _ => None,
        };
        let artifacts: Vec<doc::Artifact<'_>> = self
            .artifacts
            .iter()
            .map(|a| doc::Artifact {
                name: &a.name,
                kind: a.kind,
                size: a.size,
                digest: a.digest,
                plaintext: a.plaintext.as_ref().map(|p| doc::Plaintext {
                    size: p.size,
                    digest: p.digest,
                    encryption: doc::Encryption {
                        algorithm: &p.algorithm,
                        key_id: &p.key_id,
                    },
                }),
                licence: &a.licence,
            })
            .collect();
        let extensions: Vec<doc::Extension<'_>> = self
            .extensions
            .iter()
            .map(|e| doc::Extension {
                id: e.id,
                critical: e.critical,
                data: &e.data,
            })
            .collect();
        let manifest = ManifestDoc {
            head: doc::ManifestHead {
                kind: self.kind.code(),
                security_counter: self.security_counter,
                version: &self.version,
                created_at: self.created_at,
                expires_at: self.expires_at,
                supersedes: self.supersedes,
            },
            target: TargetDoc {
                hardware_ids: &hardware_ids,
                serials: &serials,
                platform: self.target.platform.as_deref(),
                market: self.target.market.as_deref(),
            },
            components: &components,
            system_config,
            artifacts: &artifacts,
            extensions: &extensions,
        };
        let bytes = postcard::to_allocvec(&manifest).map_err(|_| Error::TooLarge("manifest"))?;
        if bytes.len() > MAX_MANIFEST_LEN {
            return Err(Error::TooLarge("manifest"));
        }
        Ok(bytes)
    }

    /// Reads a manifest back from a validated core view.
    pub fn from_view(view: &ManifestView<'_>) -> Result<Self> {
        let head = view.head();
        let target = view.target()?;
        Ok(Self {
            kind: view.kind(),
            security_counter: head.security_counter,
            version: head.version.into(),
            created_at: head.created_at,
            expires_at: head.expires_at,
            supersedes: head.supersedes,
            target: Target {
                hardware_ids: target.hardware_ids.map(String::from).collect(),
                serials: target.serials.map(String::from).collect(),
                platform: target.platform.map(String::from),
                market: target.market.map(String::from),
            },
            components: view.components()?.map(Component::from).collect(),
            system_config: view.system_config()?.map(SystemConfig::from),
            artifacts: view.artifacts()?.map(ArtifactEntry::from).collect(),
            extensions: view
                .extensions()?
                .map(|e| ExtensionEntry {
                    id: e.id,
                    critical: e.critical,
                    data: e.data.to_vec(),
                })
                .collect(),
        })
    }
}

impl From<ComponentView<'_>> for Component {
    fn from(c: ComponentView<'_>) -> Self {
        Self {
            family: c.head.family.into(),
            version: c.head.version.into(),
            stage: Stage::from_code(c.head.stage).unwrap_or(Stage::DEVELOPMENT),
            author: c.head.author.into(),
            created_at: c.head.created_at,
            training_environment: c.head.training_environment.into(),
            lineage: Lineage::from_doc(&c.head.lineage),
            tickets: c.tickets.map(String::from).collect(),
            metadata: c
                .metadata
                .map(|m| (m.key.to_owned(), m.value.to_owned()))
                .collect(),
        }
    }
}

impl From<EcuView<'_>> for Ecu {
    fn from(e: EcuView<'_>) -> Self {
        Self {
            name: e.head.name.into(),
            hardware_id: e.head.hardware_id.into(),
            software_version: e.head.software_version.into(),
            models: e
                .models
                .map(|m| ModelEntry {
                    family: m.family.into(),
                    version: m.version.into(),
                    manifest_digest: m.manifest_digest,
                })
                .collect(),
        }
    }
}

impl From<SystemConfigView<'_>> for SystemConfig {
    fn from(sc: SystemConfigView<'_>) -> Self {
        Self {
            config_id: sc.head.config_id.into(),
            config_version: sc.head.config_version.into(),
            vehicle_platform: sc.head.vehicle_platform.into(),
            sensor_set: sc.head.sensor_set.into(),
            market: sc.head.market.into(),
            ecus: sc.ecus.map(Ecu::from).collect(),
            middleware: sc
                .middleware
                .map(|m| (m.name.to_owned(), m.version.to_owned()))
                .collect(),
            parameter_sets: sc
                .parameter_sets
                .map(|p| ParameterSetEntry {
                    name: p.name.into(),
                    vehicle_variant: p.vehicle_variant.into(),
                    sensor_set: p.sensor_set.into(),
                    market: p.market.into(),
                    digest: p.digest,
                })
                .collect(),
        }
    }
}

impl From<doc::Artifact<'_>> for ArtifactEntry {
    fn from(a: doc::Artifact<'_>) -> Self {
        Self {
            name: a.name.into(),
            kind: a.kind,
            size: a.size,
            digest: a.digest,
            plaintext: a.plaintext.map(|p| PlaintextInfo {
                size: p.size,
                digest: p.digest,
                algorithm: p.encryption.algorithm.into(),
                key_id: p.encryption.key_id.into(),
            }),
            licence: a.licence.into(),
        }
    }
}

/// One role of a trust root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// Role id ([`doc::ROLE_ROOT`], [`doc::ROLE_COMPONENT`], [`doc::ROLE_SYSTEM_CONFIG`]).
    pub id: u8,
    /// Distinct keys that must sign.
    pub threshold: u8,
    /// Public keys.
    pub keys: Vec<[u8; PUBLIC_KEY_LEN]>,
    /// Counter-floor re-base for this role (component and
    /// system-configuration roles, in a root that changes their keys).
    pub floor: Option<u64>,
}

/// A trust root document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// Version (from 1).
    pub version: u32,
    /// Expiry.
    pub expires_at: Option<u64>,
    /// Roles, ids ascending.
    pub roles: Vec<Role>,
}

impl Root {
    /// Encodes the root document as given.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let roles: Vec<RoleDoc<'_>> = self
            .roles
            .iter()
            .map(|r| RoleDoc {
                id: r.id,
                threshold: r.threshold,
                keys: &r.keys,
                floor: r.floor,
            })
            .collect();
        let bytes = postcard::to_allocvec(&RootDoc {
            version: self.version,
            expires_at: self.expires_at,
            roles: &roles,
        })
        .map_err(|_| Error::TooLarge("root"))?;
        if bytes.len() > MAX_ROOT_LEN {
            return Err(Error::TooLarge("root"));
        }
        Ok(bytes)
    }

    /// Reads a root back from a parsed core root.
    pub fn from_trust_root(root: &TrustRoot) -> Self {
        let roles = [doc::ROLE_ROOT, doc::ROLE_COMPONENT, doc::ROLE_SYSTEM_CONFIG]
            .into_iter()
            .filter_map(|id| {
                root.role(id).map(|r| Role {
                    id,
                    threshold: r.threshold(),
                    keys: r.keys().copied().collect(),
                    floor: match id {
                        doc::ROLE_COMPONENT => root.rebase(BundleKind::Component),
                        doc::ROLE_SYSTEM_CONFIG => root.rebase(BundleKind::SystemConfig),
                        _ => None,
                    },
                })
            })
            .collect();
        Self {
            version: root.version(),
            expires_at: root.expires_at(),
            roles,
        }
    }

    /// The role with id `id`.
    pub fn role(&self, id: u8) -> Option<&Role> {
        self.roles.iter().find(|r| r.id == id)
    }
}
