//! Everything in a bundle or a trust root, for people (text) and for
//! pipelines (JSON, complete: every field of the manifest).
//!
//! Inspection does not authenticate: it reads through the core's
//! unauthenticated views, and says so. With the device root it also judges
//! every signature (valid or not, which role it counts for).

use crate::authority::{Authority, SignatureStatus, role_name, root_in_force};
use crate::bundle::{BundleFile, HeadParts, split_head};
use crate::error::{Error, Result};
use crate::identity::stage_name;
use crate::keys::KeyInfo;
use crate::model::{
    ArtifactEntry, Component, Ecu, ExtensionBuf, Lineage, Manifest, ParameterSetBuf, PlaintextBuf,
    Root, SystemConfig,
};
use crate::sign::{SignedDocument, key_id_of};
use modelseal_core::bundle::Layout;
use modelseal_core::doc::{ArtifactKind, BundleKind, MetadataEntryBuf, MiddlewareBuf, Stage};
use modelseal_core::envelope::{Envelope, verify_strict};
use modelseal_core::limits::MAX_ROOT_ENVELOPE_LEN;
use modelseal_core::root::TrustRoot;
use modelseal_core::unverified::UnauthenticatedHead;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

// ------------------------------------------------------------ JSON records
//
// The JSON of `modelseal inspect` (and of `root init`/`rotate`) is derived
// from these records, one per object, and nothing reads it back by key.
// Field names are the JSON keys documented in docs/CLI.md; the CLI prints
// objects with their keys in lexicographic order.

/// A time as seconds and as RFC 3339 UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimeReport {
    /// Seconds since the Unix epoch.
    pub unix: u64,
    /// RFC 3339, UTC.
    pub utc: String,
}

impl TimeReport {
    /// The time `t` (seconds since the epoch).
    pub fn of(t: u64) -> Self {
        Self {
            unix: t,
            utc: time_text(t),
        }
    }
}

/// A time as RFC 3339 UTC.
pub fn time_text(t: u64) -> String {
    let st = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t);
    humantime::format_rfc3339_seconds(st).to_string()
}

/// What inspection cannot know without a trust root to judge against:
/// `null` in JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Unknown;

impl Serialize for Unknown {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_none()
    }
}

/// Where a bundle may be installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetReport {
    /// Accepted hardware ids.
    pub hardware_ids: Vec<String>,
    /// Accepted serials (empty: any).
    pub serials: Vec<String>,
    /// Vehicle platform restriction.
    pub platform: Option<String>,
    /// Market restriction.
    pub market: Option<String>,
}

/// A model component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentReport {
    /// Model family.
    pub family: String,
    /// Model version.
    pub version: String,
    /// Stage name (`stage <code>` for an unnamed one).
    pub stage: String,
    /// Stage code.
    pub stage_code: u8,
    /// Author.
    pub author: String,
    /// Creation time.
    pub created_at: TimeReport,
    /// Training environment.
    pub training_environment: String,
    /// The eight lineage links, by their format names.
    #[serde(serialize_with = "lineage_map")]
    pub lineage: Lineage,
    /// Tickets.
    pub tickets: Vec<String>,
    /// Free metadata.
    pub metadata: BTreeMap<String, String>,
}

fn lineage_map<S: Serializer>(l: &Lineage, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.collect_map(l.str_fields().map(|(k, v)| (k, v.unwrap_or_default())))
}

impl From<&Component> for ComponentReport {
    fn from(c: &Component) -> Self {
        Self {
            family: c.head.family.clone(),
            version: c.head.version.clone(),
            stage: stage_label(c.head.stage),
            stage_code: c.head.stage,
            author: c.head.author.clone(),
            created_at: TimeReport::of(c.head.created_at),
            training_environment: c.head.training_environment.clone(),
            lineage: c.head.lineage.clone(),
            tickets: c.tickets.clone(),
            metadata: c
                .metadata
                .iter()
                .map(|m| (m.key.clone(), m.value.clone()))
                .collect(),
        }
    }
}

/// A model an ECU runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelReport {
    /// Family.
    pub family: String,
    /// Version.
    pub version: String,
    /// Digest of its component manifest (hex).
    pub manifest_digest: String,
}

/// One ECU of a system configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcuReport {
    /// ECU name.
    pub name: String,
    /// Hardware id.
    pub hardware_id: String,
    /// Software version.
    pub software_version: String,
    /// Pinned digest of the ECU software image (hex), when the
    /// configuration pins it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software_digest: Option<String>,
    /// Models it runs.
    pub models: Vec<ModelReport>,
}

impl From<&Ecu> for EcuReport {
    fn from(e: &Ecu) -> Self {
        Self {
            name: e.head.name.clone(),
            hardware_id: e.head.hardware_id.clone(),
            software_version: e.head.software_version.clone(),
            software_digest: e.head.software_digest.map(hex::encode),
            models: e
                .models
                .iter()
                .map(|m| ModelReport {
                    family: m.family.clone(),
                    version: m.version.clone(),
                    manifest_digest: hex::encode(m.manifest_digest),
                })
                .collect(),
        }
    }
}

/// A parameter set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParameterSetReport {
    /// Name.
    pub name: String,
    /// Vehicle variant.
    pub vehicle_variant: String,
    /// Sensor set.
    pub sensor_set: String,
    /// Market.
    pub market: String,
    /// Digest of the parameter data (hex).
    pub digest: String,
}

impl From<&ParameterSetBuf> for ParameterSetReport {
    fn from(p: &ParameterSetBuf) -> Self {
        Self {
            name: p.name.clone(),
            vehicle_variant: p.vehicle_variant.clone(),
            sensor_set: p.sensor_set.clone(),
            market: p.market.clone(),
            digest: hex::encode(p.digest),
        }
    }
}

/// A system configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SystemConfigReport {
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
    pub ecus: Vec<EcuReport>,
    /// Middleware name to version.
    pub middleware: BTreeMap<String, String>,
    /// Middleware name to pinned digest (hex), for the middleware the
    /// configuration pins.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub middleware_digests: BTreeMap<String, String>,
    /// Parameter sets.
    pub parameter_sets: Vec<ParameterSetReport>,
}

impl From<&SystemConfig> for SystemConfigReport {
    fn from(sc: &SystemConfig) -> Self {
        Self {
            config_id: sc.head.config_id.clone(),
            config_version: sc.head.config_version.clone(),
            vehicle_platform: sc.head.vehicle_platform.clone(),
            sensor_set: sc.head.sensor_set.clone(),
            market: sc.head.market.clone(),
            ecus: sc.ecus.iter().map(EcuReport::from).collect(),
            middleware: sc
                .middleware
                .iter()
                .map(|m| (m.name.clone(), m.version.clone()))
                .collect(),
            middleware_digests: sc
                .middleware
                .iter()
                .filter_map(|m| Some((m.name.clone(), hex::encode(m.digest?))))
                .collect(),
            parameter_sets: sc
                .parameter_sets
                .iter()
                .map(ParameterSetReport::from)
                .collect(),
        }
    }
}

/// How an artifact's plaintext is encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EncryptionReport {
    /// Encryption algorithm.
    pub algorithm: String,
    /// Key id in the vehicle key store.
    pub key_id: String,
}

/// What a digest is: a flat SHA-256 of the bytes, or their fs-verity file
/// digest. Never one for the other.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "kebab-case")]
pub enum DigestForm {
    /// SHA-256 of the bytes.
    Sha256,
    /// The fs-verity file digest (SHA-256 of the fs-verity descriptor).
    FsVerity {
        /// fs-verity hash algorithm (`sha256`).
        hash_algorithm: &'static str,
        /// Merkle tree block size, in bytes.
        block_size: u64,
        /// Salt (hex; empty for none).
        salt: String,
    },
}

impl DigestForm {
    fn of(v: Option<&modelseal_core::doc::VerityBuf>) -> Self {
        match v {
            None => Self::Sha256,
            Some(v) => Self::FsVerity {
                hash_algorithm: "sha256",
                block_size: 1u64 << (v.log_block_size & 63),
                salt: hex::encode(&v.salt),
            },
        }
    }
    /// `sha256` or `fs-verity sha256 (block 4096)`, for text.
    fn label(&self) -> String {
        match self {
            Self::Sha256 => "sha256".into(),
            Self::FsVerity {
                block_size, salt, ..
            } if salt.is_empty() => format!("fs-verity sha256 (block {block_size})"),
            Self::FsVerity {
                block_size, salt, ..
            } => format!("fs-verity sha256 (block {block_size}, salt {salt})"),
        }
    }
}

/// The plaintext of an encrypted artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaintextReport {
    /// Length, in bytes.
    pub size: u64,
    /// Its digest (hex), of the form `digest_form` says.
    pub digest: String,
    /// What `digest` is.
    pub digest_form: DigestForm,
    /// How it is encrypted.
    pub encryption: EncryptionReport,
}

impl From<&PlaintextBuf> for PlaintextReport {
    fn from(p: &PlaintextBuf) -> Self {
        Self {
            size: p.size,
            digest: hex::encode(p.digest),
            digest_form: DigestForm::of(p.verity.as_ref()),
            encryption: EncryptionReport {
                algorithm: p.encryption.algorithm.clone(),
                key_id: p.encryption.key_id.clone(),
            },
        }
    }
}

/// One artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactReport {
    /// Name (relative path).
    pub name: String,
    /// Kind name (`code <n>` for an unnamed one).
    pub kind: String,
    /// Kind code.
    pub kind_code: u8,
    /// Length of the distributed bytes.
    pub size: u64,
    /// Digest of the distributed bytes (hex), of the form `digest_form` says.
    pub digest: String,
    /// What `digest` is: a flat SHA-256 or an fs-verity digest.
    pub digest_form: DigestForm,
    /// For an fs-verity artifact of a whole bundle: the flat SHA-256 of its
    /// bytes, computed by inspection from the bundle (for tools that look
    /// artifacts up by SHA-256). Not signed: the signed digest is `digest`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flat_sha256_computed: Option<String>,
    /// The plaintext, when the artifact is encrypted.
    pub plaintext: Option<PlaintextReport>,
    /// Licence.
    pub licence: String,
    /// Offset of its payload in the bundle, when known.
    pub payload_offset: Option<u64>,
}

impl ArtifactReport {
    fn new(a: &ArtifactEntry, payload_offset: Option<u64>) -> Self {
        Self {
            name: a.name.clone(),
            kind: kind_name(a.kind),
            kind_code: a.kind,
            size: a.size,
            digest: hex::encode(a.digest),
            digest_form: DigestForm::of(a.verity.as_ref()),
            flat_sha256_computed: None,
            plaintext: a.plaintext.as_ref().map(PlaintextReport::from),
            licence: a.licence.clone(),
            payload_offset,
        }
    }
}

/// A manifest extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionReport {
    /// Extension id.
    pub id: u32,
    /// Whether a verifier that does not know it must reject.
    pub critical: bool,
    /// Payload (hex).
    pub data: String,
}

impl From<&ExtensionBuf> for ExtensionReport {
    fn from(e: &ExtensionBuf) -> Self {
        Self {
            id: e.id,
            critical: e.critical,
            data: hex::encode(&e.data),
        }
    }
}

/// The complete manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestReport {
    /// `component` or `system-config`.
    pub kind: &'static str,
    /// Bundle version.
    pub version: String,
    /// Security counter.
    pub security_counter: u64,
    /// Creation time.
    pub created_at: TimeReport,
    /// Expiry.
    pub expires_at: Option<TimeReport>,
    /// Digest of the superseded manifest (hex).
    pub supersedes: Option<String>,
    /// Where it may be installed.
    pub target: TargetReport,
    /// Components (component bundles).
    pub components: Vec<ComponentReport>,
    /// The system configuration (system-configuration bundles).
    pub system_config: Option<SystemConfigReport>,
    /// Artifacts, in payload order.
    pub artifacts: Vec<ArtifactReport>,
    /// The SBOM artifacts, as `name (kind)`.
    pub sbom: Vec<String>,
    /// Extensions.
    pub extensions: Vec<ExtensionReport>,
}

impl ManifestReport {
    /// The report of `m`; `offsets` are the payload offsets, when known.
    pub fn new(m: &Manifest, offsets: Option<&[u64]>) -> Self {
        let t = &m.target;
        Self {
            kind: m.kind().map_or("unknown", BundleKind::name),
            version: m.head.version.clone(),
            security_counter: m.head.security_counter,
            created_at: TimeReport::of(m.head.created_at),
            expires_at: m.head.expires_at.map(TimeReport::of),
            supersedes: m.head.supersedes.map(hex::encode),
            target: TargetReport {
                hardware_ids: t.hardware_ids.clone(),
                serials: t.serials.clone(),
                platform: t.platform.clone(),
                market: t.market.clone(),
            },
            components: m.components.iter().map(ComponentReport::from).collect(),
            system_config: m.system_config.as_ref().map(SystemConfigReport::from),
            artifacts: m
                .artifacts
                .iter()
                .enumerate()
                .map(|(i, a)| ArtifactReport::new(a, offsets.and_then(|o| o.get(i)).copied()))
                .collect(),
            sbom: sbom_names(m),
            extensions: m.extensions.iter().map(ExtensionReport::from).collect(),
        }
    }
}

/// One role of a trust root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleReport {
    /// Role id.
    pub id: u8,
    /// Role name.
    pub name: &'static str,
    /// Distinct keys that must sign.
    pub threshold: u8,
    /// The role's keys.
    pub keys: Vec<KeyInfo>,
}

/// A trust root document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootReport {
    /// Version.
    pub version: u32,
    /// Expiry.
    pub expires_at: Option<TimeReport>,
    /// Roles, ids ascending.
    pub roles: Vec<RoleReport>,
}

impl From<&Root> for RootReport {
    fn from(r: &Root) -> Self {
        Self {
            version: r.version,
            expires_at: r.expires_at.map(TimeReport::of),
            roles: r
                .roles
                .iter()
                .map(|role| RoleReport {
                    id: role.id,
                    name: role_name(role.id),
                    threshold: role.threshold,
                    keys: role.keys.iter().map(KeyInfo::of).collect(),
                })
                .collect(),
        }
    }
}

/// A signature that was not judged (no trust root given): its key and
/// whether it verifies; which role it counts for is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnjudgedSignature {
    /// Key id (hex).
    pub key_id: String,
    /// Public key (hex).
    pub public_key: String,
    /// Whether it verifies (strictly) over the document.
    pub valid: bool,
    /// Unknown without a trust root (`null`).
    pub counts_for: Unknown,
}

/// The signatures of a root envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum RootSignatures {
    /// Judged against the root's own root role, and the previous root's
    /// for a rotation.
    Judged(SignatureStatus),
    /// A rotation inspected without the previous root.
    Unjudged {
        /// Every signature present.
        signatures: Vec<UnjudgedSignature>,
        /// Unknown (`null`).
        roles: Unknown,
        /// Unknown (`null`).
        complete: Unknown,
    },
}

/// The signatures of a bundle's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum BundleSignatures {
    /// Judged against the device root, rotated through the bundle's chain.
    Judged {
        /// Version of the root in force.
        root_in_force: u32,
        /// Signatures and thresholds.
        status: SignatureStatus,
    },
    /// No device root given.
    Unjudged {
        /// Unknown (`null`).
        root_in_force: Unknown,
        /// Every signature present.
        signatures: Vec<UnjudgedSignature>,
    },
}

/// What a bundle file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleForm {
    /// The head alone; the artifacts are separate files.
    DetachedHead,
    /// Head and payloads.
    WholeBundle,
    /// Head and payloads, but the file's length is not the layout's.
    LengthMismatch,
}

impl BundleForm {
    /// The form for people (and in JSON).
    pub fn describe(self) -> &'static str {
        match self {
            Self::DetachedHead => "detached head (artifacts are separate files)",
            Self::WholeBundle => "whole bundle",
            Self::LengthMismatch => "whole bundle, but its length does not match the layout",
        }
    }
}

impl Serialize for BundleForm {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.describe())
    }
}

/// One root of a bundle's rotation chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainEntryReport {
    /// The root document.
    pub root: RootReport,
    /// Key ids (hex) of its signatures, unjudged.
    pub signed_by: Vec<String>,
}

/// A bundle or detached head, inspected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleInspection {
    /// The file.
    pub file: String,
    /// What the file holds.
    pub form: BundleForm,
    /// Always `false`: inspection does not authenticate.
    pub authenticated: bool,
    /// Length of the file.
    pub file_len: u64,
    /// Length of the head.
    pub head_len: usize,
    /// Length of the whole bundle by the layout.
    pub bundle_len: u64,
    /// SHA-256 of the manifest (hex).
    pub manifest_digest: String,
    /// The roots the bundle carries, oldest first.
    pub rotation_chain: Vec<ChainEntryReport>,
    /// The manifest, with payload offsets.
    pub manifest: ManifestReport,
    /// Its signatures.
    pub signatures: BundleSignatures,
    /// What makes the file unusable as it is (a whole bundle whose length
    /// is not its layout's: truncated, or with bytes after the end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// A root envelope, inspected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RootInspection {
    /// The file.
    pub file: String,
    /// SHA-256 of the root document (hex).
    pub document_digest: String,
    /// The root.
    pub root: RootReport,
    /// Its signatures.
    pub signatures: RootSignatures,
}

/// The report of an inspection, tagged with `"type"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum InspectReport {
    /// A root envelope.
    Root(RootInspection),
    /// A bundle or detached head (boxed: it holds the whole manifest).
    Bundle(Box<BundleInspection>),
}

// ------------------------------------------------------------ text

fn kind_name(code: u8) -> String {
    ArtifactKind::from_code(code).map_or_else(|| format!("code {code}"), |k| k.name().to_owned())
}

fn sbom_names(m: &Manifest) -> Vec<String> {
    m.artifacts
        .iter()
        .filter(|a| ArtifactKind::from_code(a.kind).is_some_and(ArtifactKind::is_sbom))
        .map(|a| format!("{} ({})", a.name, kind_name(a.kind)))
        .collect()
}

/// The manifest for people.
pub fn manifest_text(m: &Manifest, offsets: Option<&[u64]>) -> String {
    let mut s = String::new();
    head_text(&mut s, m);
    for c in &m.components {
        component_text(&mut s, c);
    }
    if let Some(sc) = &m.system_config {
        system_config_text(&mut s, sc);
    }
    artifacts_text(&mut s, m, offsets);
    let sbom = sbom_names(m);
    let _ = writeln!(
        s,
        "sbom              {}",
        if sbom.is_empty() {
            "none".into()
        } else {
            sbom.join(", ")
        }
    );
    for e in &m.extensions {
        let _ = writeln!(
            s,
            "extension {} ({}) {}",
            e.id,
            if e.critical {
                "critical"
            } else {
                "non-critical"
            },
            hex::encode(&e.data)
        );
    }
    s
}

/// Kind, version, counter, times and target.
fn head_text(s: &mut String, m: &Manifest) {
    let _ = writeln!(
        s,
        "kind              {}",
        m.kind().map_or("unknown", BundleKind::name)
    );
    let _ = writeln!(s, "version           {}", m.head.version);
    let _ = writeln!(s, "security counter  {}", m.head.security_counter);
    let _ = writeln!(s, "created           {}", time_text(m.head.created_at));
    let _ = writeln!(
        s,
        "expires           {}",
        m.head.expires_at.map_or("never".into(), time_text)
    );
    let _ = writeln!(
        s,
        "supersedes        {}",
        m.head.supersedes.map_or("nothing".into(), hex::encode)
    );
    let t = &m.target;
    let _ = writeln!(s, "target");
    let _ = writeln!(s, "  hardware ids    {}", t.hardware_ids.join(", "));
    let _ = writeln!(
        s,
        "  serials         {}",
        if t.serials.is_empty() {
            "any".into()
        } else {
            t.serials.join(", ")
        }
    );
    let _ = writeln!(
        s,
        "  platform        {}",
        t.platform.as_deref().unwrap_or("any")
    );
    let _ = writeln!(
        s,
        "  market          {}",
        t.market.as_deref().unwrap_or("any")
    );
}

fn component_text(s: &mut String, c: &Component) {
    let _ = writeln!(s, "component {} {}", c.head.family, c.head.version);
    let _ = writeln!(s, "  stage           {}", stage_label(c.head.stage));
    let _ = writeln!(s, "  author          {}", c.head.author);
    let _ = writeln!(s, "  created         {}", time_text(c.head.created_at));
    let _ = writeln!(s, "  training env    {}", c.head.training_environment);
    let _ = writeln!(s, "  lineage");
    for (k, v) in c.head.lineage.str_fields() {
        let v = v.unwrap_or_default();
        let _ = writeln!(s, "    {k:<24}{}", if v.is_empty() { "(none)" } else { v });
    }
    if !c.tickets.is_empty() {
        let _ = writeln!(s, "  tickets         {}", c.tickets.join(", "));
    }
    for MetadataEntryBuf { key: k, value: v } in &c.metadata {
        let _ = writeln!(s, "  metadata        {k} = {v}");
    }
}

/// ", pinned <hex>" for a pinned digest, nothing otherwise.
fn pinned(d: Option<[u8; 32]>) -> String {
    d.map(|d| format!(", pinned {}", hex::encode(d)))
        .unwrap_or_default()
}

fn system_config_text(s: &mut String, sc: &SystemConfig) {
    let _ = writeln!(
        s,
        "system configuration {} {}",
        sc.head.config_id, sc.head.config_version
    );
    let _ = writeln!(s, "  vehicle platform {}", sc.head.vehicle_platform);
    let _ = writeln!(s, "  sensor set      {}", sc.head.sensor_set);
    let _ = writeln!(s, "  market          {}", sc.head.market);
    for e in &sc.ecus {
        let _ = writeln!(
            s,
            "  ecu {} (hardware {}, software {}{})",
            e.head.name,
            e.head.hardware_id,
            e.head.software_version,
            pinned(e.head.software_digest)
        );
        for mo in &e.models {
            let _ = writeln!(
                s,
                "    runs {} {} (manifest {})",
                mo.family,
                mo.version,
                hex::encode(mo.manifest_digest)
            );
        }
    }
    for MiddlewareBuf {
        name: k,
        version: v,
        digest,
    } in &sc.middleware
    {
        let _ = writeln!(s, "  middleware      {k} {v}{}", pinned(*digest));
    }
    for p in &sc.parameter_sets {
        let _ = writeln!(
            s,
            "  parameter set   {} (variant {}, sensors {}, market {}) {}",
            p.name,
            p.vehicle_variant,
            p.sensor_set,
            p.market,
            hex::encode(p.digest)
        );
    }
}

fn artifacts_text(s: &mut String, m: &Manifest, offsets: Option<&[u64]>) {
    let _ = writeln!(s, "artifacts ({})", m.artifacts.len());
    for (i, a) in m.artifacts.iter().enumerate() {
        let off = offsets
            .and_then(|o| o.get(i))
            .map_or(String::new(), |o| format!(" at offset {o}"));
        let _ = writeln!(
            s,
            "  {} [{}] {} bytes{off}, licence {}",
            a.name,
            kind_name(a.kind),
            a.size,
            a.licence
        );
        let _ = writeln!(
            s,
            "    {} {}",
            DigestForm::of(a.verity.as_ref()).label(),
            hex::encode(a.digest)
        );
        if let Some(p) = &a.plaintext {
            let _ = writeln!(
                s,
                "    plaintext {} bytes, {} {}, encrypted with {} key {}",
                p.size,
                DigestForm::of(p.verity.as_ref()).label(),
                hex::encode(p.digest),
                p.encryption.algorithm,
                p.encryption.key_id
            );
        }
    }
}

/// A root document for people.
pub fn root_text(r: &Root) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "root version {}", r.version);
    let _ = writeln!(
        s,
        "  expires         {}",
        r.expires_at.map_or("never".into(), time_text)
    );
    for role in &r.roles {
        let _ = writeln!(
            s,
            "  role {:<14}{} of {} keys must sign",
            role_name(role.id),
            role.threshold,
            role.keys.len()
        );
        for k in &role.keys {
            let _ = writeln!(
                s,
                "    key {} ({})",
                hex::encode(key_id_of(k)),
                hex::encode(k)
            );
        }
    }
    s
}

fn status_text(st: &SignatureStatus) -> String {
    let mut s = String::new();
    for sig in &st.signatures {
        let _ = writeln!(
            s,
            "  key {} {}: {}",
            sig.key_id,
            if sig.valid { "valid" } else { "INVALID" },
            if sig.counts_for.is_empty() {
                "counts for no signing role".to_owned()
            } else {
                format!("counts for the {}", sig.counts_for.join(" and the "))
            }
        );
    }
    let _ = writeln!(s, "  thresholds: {}", st.summary());
    s
}

/// Unjudged signatures (no trust root given): key and validity only.
fn unjudged_signatures(doc: &SignedDocument) -> Vec<UnjudgedSignature> {
    let msg = doc.message();
    doc.signatures()
        .iter()
        .map(|(pk, sig)| UnjudgedSignature {
            key_id: hex::encode(key_id_of(pk)),
            public_key: hex::encode(pk),
            valid: verify_strict(pk, &msg, sig).is_ok(),
            counts_for: Unknown,
        })
        .collect()
}

// ------------------------------------------------------------ inspection

/// The result of inspecting a file.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// Complete report (the JSON output).
    pub report: InspectReport,
    /// Text for people.
    pub text: String,
}

impl Inspection {
    /// What makes the inspected file unusable as it is, if anything.
    pub fn problem(&self) -> Option<&str> {
        match &self.report {
            InspectReport::Bundle(b) => b.problem.as_deref(),
            _ => None,
        }
    }
}

/// Inspects a bundle, a detached bundle head or a root envelope. `root` is
/// the device root (bundles) or the previous root (rotated roots), to judge
/// signatures.
pub fn inspect_path(path: &Path, root: Option<&[u8]>) -> Result<Inspection> {
    // Only a root starts with the envelope magic. Everything else, a file
    // too short to hold any magic included, is read as a bundle, so short
    // or foreign input gets the verifier's verdict in the verifier's order
    // (fewer than 8 bytes: truncated, then the magic) and the message and
    // exit code `verify` gives for it. Identity records and version
    // reports are named, with the command that reads them.
    match crate::fsio::sniff(path)? {
        Some(crate::fsio::FileKind::Envelope) => {
            let bytes = crate::fsio::read_small(path, MAX_ROOT_ENVELOPE_LEN)?;
            return inspect_root(path, &bytes, root);
        }
        Some(found @ (crate::fsio::FileKind::Identity | crate::fsio::FileKind::Report)) => {
            return Err(Error::WrongFileKind {
                path: path.to_path_buf(),
                expected: "a bundle, a bundle head or a trust root",
                found,
            });
        }
        _ => {}
    }
    inspect_bundle(path, root)
}

fn inspect_root(path: &Path, bytes: &[u8], previous: Option<&[u8]>) -> Result<Inspection> {
    TrustRoot::from_envelope_unverified(bytes)
        .map_err(|e| Error::verify(format!("{}: trust root", path.display()), e))?;
    let root = crate::rootfile::read_root_envelope(bytes)?;
    let doc = SignedDocument::from_envelope(bytes)?;
    let status = Authority::for_root(doc.doc(), previous)
        .ok()
        .map(|a| SignatureStatus::of(&doc, &a));
    let mut text = format!(
        "{}: trust root (not authenticated by inspection)\n",
        path.display()
    );
    text.push_str(&root_text(&root));
    let _ = writeln!(text, "signatures ({})", doc.signatures().len());
    let signatures = match status {
        Some(st) => {
            text.push_str(&status_text(&st));
            RootSignatures::Judged(st)
        }
        None => {
            let _ = writeln!(
                text,
                "  (give the previous root with --root to judge the signatures of a rotation)"
            );
            RootSignatures::Unjudged {
                signatures: unjudged_signatures(&doc),
                roles: Unknown,
                complete: Unknown,
            }
        }
    };
    let report = InspectReport::Root(RootInspection {
        file: path.display().to_string(),
        document_digest: hex::encode(doc.digest()),
        root: RootReport::from(&root),
        signatures,
    });
    Ok(Inspection { report, text })
}

/// The rotation chain a bundle carries, as records and as text.
fn chain_report(chain: &[Vec<u8>]) -> Result<(Vec<ChainEntryReport>, String)> {
    let mut entries = Vec::new();
    let mut text = String::new();
    for (i, env) in chain.iter().enumerate() {
        let e = Envelope::parse(env).map_err(|e| Error::verify("rotation chain", e))?;
        TrustRoot::parse_doc(e.doc()).map_err(|e| Error::verify("rotation chain", e))?;
        let r = crate::rootfile::read_root_doc(e.doc())?;
        let signed_by: Vec<String> = e
            .signatures()
            .map(|s| hex::encode(key_id_of(s.public_key)))
            .collect();
        let _ = write!(text, "rotation {i}: ");
        text.push_str(&root_text(&r));
        let _ = writeln!(text, "  signed by {}", signed_by.join(", "));
        entries.push(ChainEntryReport {
            root: RootReport::from(&r),
            signed_by,
        });
    }
    Ok((entries, text))
}

/// A bundle's signatures: judged against the device root when given.
fn bundle_signatures(
    head: &[u8],
    parts: &HeadParts,
    doc: &SignedDocument,
    device_root: Option<&[u8]>,
) -> Result<(BundleSignatures, String)> {
    let Some(root) = device_root else {
        let signatures = unjudged_signatures(doc);
        let mut text = String::new();
        for s in &signatures {
            let _ = writeln!(
                text,
                "  key {} {} (role unknown: give the device root with --root)",
                s.key_id,
                if s.valid { "valid" } else { "INVALID" }
            );
        }
        let unjudged = BundleSignatures::Unjudged {
            root_in_force: Unknown,
            signatures,
        };
        return Ok((unjudged, text));
    };
    let authority = Authority::for_manifest(head, root)?;
    let status = SignatureStatus::of(doc, &authority);
    let (root_in_force, _) = root_in_force(root, &parts.chain)?;
    let text = format!(
        "  (judged against root v{root_in_force})\n{}",
        status_text(&status)
    );
    Ok((
        BundleSignatures::Judged {
            root_in_force,
            status,
        },
        text,
    ))
}

fn inspect_bundle(path: &Path, device_root: Option<&[u8]>) -> Result<Inspection> {
    let file = BundleFile::open(path)?;
    let uh = UnauthenticatedHead::parse(&file.head)
        .map_err(|e| Error::verify(format!("{}: bundle head", path.display()), e))?;
    let view = uh
        .manifest_unauthenticated()
        .map_err(|e| Error::verify(format!("{}: manifest", path.display()), e))?;
    let manifest = Manifest::from_view(&view)?;
    let parts = split_head(&file.head)?;
    let doc = SignedDocument::from_envelope(&parts.manifest_envelope)?;
    let mut layout = Layout::new(file.head.len() as u64);
    let offsets: Vec<u64> = manifest
        .artifacts
        .iter()
        .map(|a| layout.place(a.size))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::verify("layout", e))?;
    let form = if file.is_detached() && !manifest.artifacts.is_empty() {
        BundleForm::DetachedHead
    } else if file.file_len == layout.end() {
        BundleForm::WholeBundle
    } else {
        BundleForm::LengthMismatch
    };
    let problem = (form == BundleForm::LengthMismatch).then(|| {
        format!(
            "{} bytes, but its layout needs {}: {}",
            file.file_len,
            layout.end(),
            if file.file_len < layout.end() {
                "truncated"
            } else {
                "bytes after the end"
            }
        )
    });
    let (rotation_chain, chain_text) = chain_report(&parts.chain)?;
    let (signatures, sig_text) = bundle_signatures(&file.head, &parts, &doc, device_root)?;
    let mut text = format!(
        "{}: {}, {} bytes (head {} bytes); not authenticated by inspection, use `modelseal verify`\n",
        path.display(),
        form.describe(),
        file.file_len,
        file.head.len()
    );
    let _ = writeln!(text, "manifest digest   {}", hex::encode(doc.digest()));
    text.push_str(&chain_text);
    text.push_str(&manifest_text(&manifest, Some(&offsets)));
    // Flat SHA-256 of fs-verity artifacts, from the bytes in the bundle.
    let mut flat = vec![None; manifest.artifacts.len()];
    if form == BundleForm::WholeBundle {
        let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        for (i, a) in manifest.artifacts.iter().enumerate() {
            if a.verity.is_some() {
                let d = hex::encode(
                    flat_sha256(&f, offsets[i], a.size).map_err(|e| Error::io(path, e))?,
                );
                let _ = writeln!(
                    text,
                    "flat sha256 of {} (computed from the bundle's bytes; the signed digest is its fs-verity digest): {d}",
                    a.name
                );
                flat[i] = Some(d);
            }
        }
    }
    let _ = writeln!(text, "signatures ({})", doc.signatures().len());
    text.push_str(&sig_text);
    let report = InspectReport::Bundle(Box::new(BundleInspection {
        file: path.display().to_string(),
        form,
        authenticated: false,
        file_len: file.file_len,
        head_len: file.head.len(),
        bundle_len: layout.end(),
        manifest_digest: hex::encode(doc.digest()),
        rotation_chain,
        manifest: {
            let mut m = ManifestReport::new(&manifest, Some(&offsets));
            for (a, d) in m.artifacts.iter_mut().zip(flat) {
                a.flat_sha256_computed = d;
            }
            m
        },
        signatures,
        problem,
    }));
    Ok(Inspection { report, text })
}

/// SHA-256 of `len` bytes of `f` at `offset`, streamed.
fn flat_sha256(f: &std::fs::File, offset: u64, len: u64) -> std::io::Result<[u8; 32]> {
    use sha2::Digest as _;
    use std::os::unix::fs::FileExt;
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0u64;
    while pos < len {
        let n = (len - pos).min(buf.len() as u64) as usize;
        f.read_exact_at(&mut buf[..n], offset + pos)?;
        h.update(&buf[..n]);
        pos += n as u64;
    }
    Ok(h.finalize().into())
}

/// A stage code for people (code 0 is reserved and never in a checked
/// manifest).
fn stage_label(code: u8) -> String {
    Stage::from_code(code).map_or_else(|| format!("stage {code}"), stage_name)
}
