//! The declarative bundle spec (TOML) and its resolution into a manifest
//! plan: which files to hash, and every other field filled in.
//!
//! Every table refuses unknown fields, so a typo is an error, never a field
//! silently left out. Every error names the spec file, the field (as a path
//! such as `component[0].lineage.hil_suite_id`) and what is wrong. Values
//! are checked against the verifier's bounds in [`modelseal_core::limits`]
//! here, so the message can name the field; the core re-checks the encoded
//! manifest before anything is written, and remains the authority.
//!
//! Paths in a spec are relative to the directory holding the spec file.
//! Resolution reads only file metadata and small referenced bundles; the
//! artifacts themselves are hashed later, in parallel (see [`crate::hashing`]).

use crate::error::{Error, Result};
use crate::fieldpath::{SpecOrder, SpecTrail};
use crate::model::{
    ArtifactEntry, Component, ComponentHeadBuf, Ecu, EcuHeadBuf, EncryptionBuf, ExtensionBuf,
    Lineage, Manifest, ManifestHeadBuf, MetadataEntryBuf, MiddlewareBuf, ModelRefBuf,
    ParameterSetBuf, PlaintextBuf, SystemConfig, SystemConfigHeadBuf, Target,
};
use crate::tree;
use modelseal_core::doc::VerityBuf;
use modelseal_core::doc::{ArtifactKind, BundleKind, Stage};
use modelseal_core::limits::{MAX_ARTIFACTS, MAX_EXTENSION_LEN};
use modelseal_core::rules::Record;
use modelseal_core::{Digest, SoftSha256};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Largest spec file read, in bytes.
pub const MAX_SPEC_LEN: usize = 4 * 1024 * 1024;

// ------------------------------------------------------------ file format

/// A bundle spec as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpecFile {
    /// `component` or `system-config`.
    pub kind: String,
    /// Version string of the bundle (identifier).
    pub version: String,
    /// Anti-rollback counter.
    pub security_counter: u64,
    /// Creation time; default `SOURCE_DATE_EPOCH`, else now.
    #[serde(default)]
    pub created_at: Option<Time>,
    /// Expiry time.
    #[serde(default)]
    pub expires_at: Option<Time>,
    /// The manifest this bundle supersedes.
    #[serde(default)]
    pub supersedes: Option<DigestRef>,
    /// Directory that artifact paths are relative to (default: the spec's directory).
    #[serde(default)]
    pub artifact_root: Option<String>,
    /// Whether an artifact may be a symbolic link to a file outside
    /// `artifact_root` (a model cache, say). Off by default: without it such
    /// a link is an error, so a spec cannot pull in host files unnoticed.
    #[serde(default)]
    pub follow_symlinks_outside_root: bool,
    /// Where the bundle may be installed.
    pub target: Target,
    /// Model components (component bundles).
    #[serde(default)]
    pub component: Vec<ComponentSpec>,
    /// The system configuration (system-configuration bundles).
    #[serde(default)]
    pub system_config: Option<SystemConfigSpec>,
    /// Artifacts, one table each.
    #[serde(default)]
    pub artifact: Vec<ArtifactSpec>,
    /// Directories whose every regular file is an artifact.
    #[serde(default)]
    pub artifact_tree: Vec<ArtifactTreeSpec>,
    /// The software bill of materials.
    #[serde(default)]
    pub sbom: Option<SbomSpec>,
    /// Manifest extensions.
    #[serde(default)]
    pub extension: Vec<ExtensionSpec>,
    /// fs-verity digests: the defaults of every artifact's `verity`, and a
    /// size from which artifacts get one without asking.
    #[serde(default)]
    pub verity: Option<VerityDefaults>,
}

/// The `[verity]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerityDefaults {
    /// Artifacts (and hashed plaintexts) of at least this many bytes get an
    /// fs-verity digest unless they say `verity = false`.
    #[serde(default)]
    pub min_size: Option<u64>,
    /// Merkle tree block size in bytes (default 4096).
    #[serde(default)]
    pub block_size: Option<u64>,
    /// Salt, hex (default none).
    #[serde(default)]
    pub salt: Option<String>,
    /// Whether the bundle carries each tree as an artifact `<name>.merkle`
    /// (for devices that verify on read).
    #[serde(default)]
    pub tree_in_bundle: Option<bool>,
}

/// An artifact's `verity`: `true`, `false`, or a table overriding the
/// `[verity]` defaults.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum VeritySpec {
    /// On (with the defaults) or off (even above `min_size`).
    Flag(bool),
    /// On, with these settings.
    Table(VerityDefaults),
}

/// A time: seconds since the Unix epoch, or an RFC 3339 string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub u64);

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Time;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "seconds since the Unix epoch, or an RFC 3339 time in quotes (\"2026-01-01T00:00:00Z\")",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Time, E> {
                Ok(Time(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Time, E> {
                u64::try_from(v)
                    .map(Time)
                    .map_err(|_| E::custom("a time before 1970 is not allowed"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Time, E> {
                parse_time(v).map(Time).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses an RFC 3339 time (or plain seconds) into seconds since the epoch.
pub fn parse_time(s: &str) -> std::result::Result<u64, String> {
    if let Ok(n) = s.parse::<u64>() {
        return Ok(n);
    }
    let t = humantime::parse_rfc3339_weak(s)
        .map_err(|e| format!("`{s}` is not an RFC 3339 time: {e}"))?;
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| format!("`{s}` is before 1970"))
}

/// A lifecycle stage: `development`, `staging`, `production`, or a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageSpec(pub Stage);

impl<'de> Deserialize<'de> for StageSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StageSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("\"development\", \"staging\", \"production\" or a stage code 1..=255")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<StageSpec, E> {
                u8::try_from(v)
                    .ok()
                    .and_then(Stage::from_code)
                    .map(StageSpec)
                    .ok_or_else(|| E::custom(format!("stage code {v} is not in 1..=255")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<StageSpec, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a stage code is positive"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<StageSpec, E> {
                parse_stage(v).map(StageSpec).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Parses a stage name or code.
pub fn parse_stage(s: &str) -> std::result::Result<Stage, String> {
    let lower = s.to_ascii_lowercase();
    match Stage::from_name(&lower) {
        Some(stage) => Ok(stage),
        None => lower
            .parse::<u8>()
            .ok()
            .and_then(Stage::from_code)
            .ok_or_else(|| {
                format!(
                    "unknown stage `{s}`: use development, staging, production or a code 1..=255"
                )
            }),
    }
}

/// A manifest digest given directly or taken from a bundle file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestRef {
    /// 64 hex digits.
    #[serde(default)]
    pub digest: Option<String>,
    /// A bundle (or bundle head) file whose manifest digest is meant.
    #[serde(default)]
    pub bundle: Option<String>,
}

/// A model component's registry record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentSpec {
    /// Model family.
    pub family: String,
    /// Model version.
    pub version: String,
    /// Lifecycle stage.
    pub stage: StageSpec,
    /// Author.
    #[serde(default)]
    pub author: String,
    /// Creation time of the model version (default: the bundle's).
    #[serde(default)]
    pub created_at: Option<Time>,
    /// Training environment.
    #[serde(default)]
    pub training_environment: String,
    /// The eight lineage links; every key must be present ("" = not yet).
    pub lineage: Lineage,
    /// Tickets.
    #[serde(default)]
    pub tickets: Vec<String>,
    /// Free metadata.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

/// A system configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemConfigSpec {
    /// Configuration id.
    pub config_id: String,
    /// Configuration version.
    pub config_version: String,
    /// Vehicle platform.
    #[serde(default)]
    pub vehicle_platform: String,
    /// Sensor set.
    #[serde(default)]
    pub sensor_set: String,
    /// Market.
    #[serde(default)]
    pub market: String,
    /// ECUs.
    #[serde(default)]
    pub ecu: Vec<EcuSpec>,
    /// Middleware name to version, or to a table with the version and
    /// the pinned digest.
    #[serde(default)]
    pub middleware: BTreeMap<String, MiddlewareSpec>,
    /// Parameter sets.
    #[serde(default)]
    pub parameter_set: Vec<ParameterSetSpec>,
}

/// One ECU.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EcuSpec {
    /// ECU name.
    pub name: String,
    /// Hardware id.
    pub hardware_id: String,
    /// Software version.
    pub software_version: String,
    /// SHA-256 of the software image (64 hex digits), to pin it.
    #[serde(default)]
    pub software_digest: Option<String>,
    /// The component bundles it runs.
    #[serde(default)]
    pub model: Vec<ModelSpec>,
}

/// One middleware entry: `name = "version"`, or `name = { version = "...",
/// digest = "<64 hex digits>" }` to pin the build by its SHA-256.
#[derive(Debug, Clone, Deserialize)]
#[serde(
    untagged,
    expecting = "a version string, or a table with `version` and `digest`"
)]
pub enum MiddlewareSpec {
    /// The version only.
    Version(String),
    /// The version and the pinned digest.
    Pinned(PinnedMiddlewareSpec),
}

/// A middleware version pinned by digest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedMiddlewareSpec {
    /// Version.
    pub version: String,
    /// SHA-256 of the middleware build (64 hex digits).
    pub digest: String,
}

/// A component bundle an ECU runs: a bundle file, or family, version and
/// manifest digest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Component bundle (or head) file.
    #[serde(default)]
    pub bundle: Option<String>,
    /// Model family (default: the bundle's only component).
    #[serde(default)]
    pub family: Option<String>,
    /// Model version (default: from the bundle).
    #[serde(default)]
    pub version: Option<String>,
    /// Manifest digest (64 hex digits), when no bundle is given.
    #[serde(default)]
    pub manifest_digest: Option<String>,
}

/// A parameter set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParameterSetSpec {
    /// Name.
    pub name: String,
    /// Vehicle variant.
    #[serde(default)]
    pub vehicle_variant: String,
    /// Sensor set.
    #[serde(default)]
    pub sensor_set: String,
    /// Market.
    #[serde(default)]
    pub market: String,
    /// File with the parameter data (hashed).
    #[serde(default)]
    pub path: Option<String>,
    /// Or its digest (64 hex digits).
    #[serde(default)]
    pub digest: Option<String>,
}

/// One artifact.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactSpec {
    /// File, relative to `artifact_root`.
    pub path: String,
    /// Name in the bundle (default: `path`).
    #[serde(default)]
    pub name: Option<String>,
    /// Kind (`weights`, `onnx`, `tensorrt-engine`, ...).
    pub kind: String,
    /// Licence (SPDX expression).
    pub licence: String,
    /// The plaintext, when the file is the encrypted distributed form.
    #[serde(default)]
    pub plaintext: Option<PlaintextSpec>,
    /// An fs-verity digest instead of a flat SHA-256.
    #[serde(default)]
    pub verity: Option<VeritySpec>,
}

/// The plaintext of an encrypted artifact and how it was encrypted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaintextSpec {
    /// Plaintext file (hashed), relative to `artifact_root`.
    #[serde(default)]
    pub path: Option<String>,
    /// Or its digest (64 hex digits) ...
    #[serde(default)]
    pub digest: Option<String>,
    /// ... and length in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// Encryption algorithm (identifier).
    pub algorithm: String,
    /// Key id in the vehicle key store (identifier).
    pub key_id: String,
    /// An fs-verity digest instead of a flat SHA-256 (with `digest`: the
    /// given digest is one).
    #[serde(default)]
    pub verity: Option<VeritySpec>,
}

/// The files of a directory as artifacts: every regular file, or those
/// `include` selects, minus those `exclude` leaves out; each file's kind
/// from the first `kinds` rule that matches it, else `kind`. Patterns:
/// [`crate::tree`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactTreeSpec {
    /// Directory, relative to `artifact_root` (`"."` for the root itself);
    /// names are paths relative to `artifact_root`.
    pub path: String,
    /// Kind of a file no `kinds` rule matches.
    #[serde(default)]
    pub kind: Option<String>,
    /// Licence of every file.
    pub licence: String,
    /// Patterns of the files to take (default: every file).
    #[serde(default)]
    pub include: Vec<String>,
    /// Patterns of files and directories to leave out; beats `include`.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Kinds by pattern, the first match wins:
    /// `kinds = [{ pattern = "*.onnx", kind = "onnx" }]`.
    #[serde(default)]
    pub kinds: Vec<KindRuleSpec>,
    /// An fs-verity digest instead of a flat SHA-256, for every file.
    #[serde(default)]
    pub verity: Option<VeritySpec>,
}

/// One rule of `[[artifact_tree]] kinds`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRuleSpec {
    /// Files the rule applies to.
    pub pattern: String,
    /// Their kind.
    pub kind: String,
}

/// The SBOM, carried as an artifact.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SbomSpec {
    /// File, relative to `artifact_root`.
    #[serde(default)]
    pub path: Option<String>,
    /// Or a file relative to the spec's directory, which may lie outside
    /// `artifact_root` (a read-only vendor model directory with the SBOM
    /// kept elsewhere). Its bundle name defaults to its file name.
    #[serde(default)]
    pub file: Option<String>,
    /// `cyclonedx` or `spdx`.
    pub format: String,
    /// Name in the bundle (default: `path`, or the file name of `file`).
    #[serde(default)]
    pub name: Option<String>,
    /// Licence of the SBOM document itself.
    pub licence: String,
}

/// A manifest extension.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtensionSpec {
    /// Extension id.
    pub id: u32,
    /// Whether a verifier that does not know the id must reject.
    #[serde(default)]
    pub critical: bool,
    /// Payload, hex.
    #[serde(default)]
    pub data: String,
}

// ------------------------------------------------------------ the plan

/// A file to hash: an artifact's distributed bytes, a plaintext or a
/// parameter set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// Where it is.
    pub path: PathBuf,
    /// Its length when the spec was resolved.
    pub size: u64,
    /// Its modification time then (a change during the build is an error).
    pub modified: Option<SystemTime>,
    /// The spec field that named it.
    pub field: String,
}

/// What a digest in the manifest is to be filled from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// Artifact `i`'s distributed bytes (its payload).
    Artifact(usize),
    /// Artifact `i`'s plaintext.
    Plaintext(usize),
    /// Parameter set `i` of the system configuration.
    ParameterSet(usize),
}

/// A resolved spec: the manifest with every digest that comes from a file
/// still zero, and the files those digests come from.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The spec file.
    pub spec_path: PathBuf,
    /// Directory artifact paths resolved against.
    pub artifact_root: PathBuf,
    /// The manifest, in canonical order.
    pub manifest: Manifest,
    /// Files to hash, and which digest each fills.
    pub files: Vec<(Slot, FileRef)>,
    /// Artifacts that carry another artifact's fs-verity tree: (tree
    /// artifact, data artifact), by index in the manifest.
    pub trees: Vec<(usize, usize)>,
}

impl Plan {
    /// The files of artifact payloads, in manifest (payload) order.
    pub fn payload_files(&self) -> Vec<&FileRef> {
        let mut v: Vec<(usize, &FileRef)> = self
            .files
            .iter()
            .filter_map(|(s, f)| match s {
                Slot::Artifact(i) => Some((*i, f)),
                _ => None,
            })
            .collect();
        v.sort_by_key(|(i, _)| *i);
        v.into_iter().map(|(_, f)| f).collect()
    }

    /// Puts `digest` into `slot`.
    pub fn fill(&mut self, slot: Slot, digest: Digest) {
        match slot {
            Slot::Artifact(i) => {
                if let Some(a) = self.manifest.artifacts.get_mut(i) {
                    a.digest = digest;
                }
            }
            Slot::Plaintext(i) => {
                if let Some(p) = self
                    .manifest
                    .artifacts
                    .get_mut(i)
                    .and_then(|a| a.plaintext.as_mut())
                {
                    p.digest = digest;
                }
            }
            Slot::ParameterSet(i) => {
                if let Some(p) = self
                    .manifest
                    .system_config
                    .as_mut()
                    .and_then(|s| s.parameter_sets.get_mut(i))
                {
                    p.digest = digest;
                }
            }
        }
    }
}

/// Reads and parses a spec file.
pub fn load(path: &Path) -> Result<SpecFile> {
    let bytes = crate::fsio::read_small(path, MAX_SPEC_LEN)?;
    let text =
        std::str::from_utf8(&bytes).map_err(|_| Error::spec(path, "(file)", "not UTF-8 text"))?;
    parse(path, text)
}

/// Parses spec text; errors name `path`.
pub fn parse(path: &Path, text: &str) -> Result<SpecFile> {
    let de = toml::de::Deserializer::parse(text).map_err(|e| toml_error(path, text, &e, ""))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        toml_error(path, text, e.inner(), &field)
    })
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error, field: &str) -> Error {
    let at = e.span().map(|s| {
        let before = text.get(..s.start).unwrap_or("");
        let line = before.matches('\n').count() + 1;
        let col = before.rsplit('\n').next().map_or(0, str::len) + 1;
        format!(" (line {line}, column {col})")
    });
    let field = if field.is_empty() || field == "." {
        "(top level)".to_owned()
    } else {
        field.to_owned()
    };
    Error::spec(
        path,
        field,
        format!("{}{}", e.message().trim(), at.unwrap_or_default()),
    )
}

// ------------------------------------------------------------ resolution

/// Checks the spec against the format's rules and limits, looks up every
/// file it names, and returns the plan. `now` is used when the spec gives
/// no creation time.
pub fn resolve(path: &Path, spec: &SpecFile, now: u64) -> Result<Plan> {
    let r = Resolver {
        file: path.to_path_buf(),
        dir: match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        },
        symlinks_outside_root: spec.follow_symlinks_outside_root,
        verity: spec.verity.clone(),
        real_root: std::cell::OnceCell::new(),
    };
    r.resolve(spec, now)
}

/// Files to hash, and the digest slot each fills.
type FileSlots = Vec<(Slot, FileRef)>;

/// An artifact as resolved: its manifest entry, the file of its
/// distributed bytes (for a tree artifact: the file whose tree it
/// carries), the file of its plaintext (when hashed here), and its role.
type Resolved = (ArtifactEntry, FileRef, Option<FileRef>, Role);

/// What an artifact's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A file; with `tree_in_bundle`, its fs-verity tree is an artifact too.
    File { tree_in_bundle: bool },
    /// The fs-verity tree of another artifact, computed while it is hashed.
    Tree,
}

struct Resolver {
    file: PathBuf,
    dir: PathBuf,
    symlinks_outside_root: bool,
    /// The spec's `[verity]` table.
    verity: Option<VerityDefaults>,
    /// The real path of `artifact_root` (one spec has one).
    real_root: std::cell::OnceCell<PathBuf>,
}

impl Resolver {
    fn err(&self, field: impl Into<String>, msg: impl Into<String>) -> Error {
        Error::spec(&self.file, field, msg)
    }

    /// A file or directory the spec names at `field` could not be read.
    fn io_err(&self, field: &str, path: &Path, source: std::io::Error) -> Error {
        Error::SpecIo {
            file: self.file.clone(),
            field: field.to_owned(),
            path: path.to_path_buf(),
            source,
        }
    }

    /// Runs the format's field rules over the manifest built from the spec,
    /// naming a failing field as the spec does.
    fn check_fields(
        &self,
        spec: &SpecFile,
        manifest: &Manifest,
        files: &[(Slot, FileRef)],
    ) -> Result<()> {
        let mut order = SpecOrder::default();
        for (slot, f) in files {
            if let Slot::Artifact(i) = slot {
                if order.artifacts.len() <= *i {
                    order.artifacts.resize(*i + 1, String::new());
                }
                let label = f.field.strip_suffix(".path").unwrap_or(&f.field);
                if let Some(l) = order.artifacts.get_mut(*i) {
                    *l = label.to_owned();
                }
            }
        }
        if let Some(sc) = &spec.system_config {
            let mut by_name: Vec<usize> = (0..sc.parameter_set.len()).collect();
            by_name.sort_by(|&a, &b| sc.parameter_set[a].name.cmp(&sc.parameter_set[b].name));
            order.parameter_sets = by_name;
        }
        let mut trail = SpecTrail::new(&order);
        manifest
            .check_fields(&mut trail)
            .map_err(|e| self.err(trail.field(), trail.problem(e)))
    }

    /// A record-level rule the field classes do not carry: at least `min`
    /// entries (hardware ids, components, ECUs).
    fn at_least(&self, field: &str, n: usize, min: usize) -> Result<()> {
        if n < min {
            return Err(self.err(field, format!("at least {min} entry required")));
        }
        Ok(())
    }

    fn hex_digest(&self, field: &str, s: &str) -> Result<Digest> {
        let mut d = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut d)
            .map_err(|_| self.err(field, format!("`{s}` is not 64 hex digits")))?;
        Ok(d)
    }

    fn path(&self, base: &Path, p: &str) -> PathBuf {
        base.join(p)
    }

    /// `p` under the artifact root: relative, without `..`, and (unless the
    /// spec opts in) not a symbolic link to something outside the root.
    fn inside(&self, field: &str, root: &Path, p: &str) -> Result<PathBuf> {
        let rel = Path::new(p);
        if rel.is_absolute()
            || rel.components().any(|c| {
                !matches!(
                    c,
                    std::path::Component::Normal(_) | std::path::Component::CurDir
                )
            })
        {
            return Err(self.err(
                field,
                format!("`{p}`: artifact paths are relative to artifact_root and stay inside it (no `..`, not absolute)"),
            ));
        }
        let path = root.join(rel);
        self.stays_inside(field, root, &path)?;
        Ok(path)
    }

    /// Refuses `path` when, with symbolic links resolved, it lies outside
    /// `root` and the spec did not set `follow_symlinks_outside_root`.
    fn stays_inside(&self, field: &str, root: &Path, path: &Path) -> Result<()> {
        if self.symlinks_outside_root {
            return Ok(());
        }
        let real = std::fs::canonicalize(path).map_err(|e| self.io_err(field, path, e))?;
        self.real_inside(field, root, path, &real)
    }

    /// [`Self::stays_inside`] for a path whose real path is known.
    fn real_inside(&self, field: &str, root: &Path, path: &Path, real: &Path) -> Result<()> {
        if self.symlinks_outside_root {
            return Ok(());
        }
        let real_root = self.real_root(root)?;
        if real.starts_with(real_root) {
            Ok(())
        } else {
            Err(self.err(
                field,
                format!(
                    "{} resolves to {}, outside artifact_root; set follow_symlinks_outside_root = true to allow it",
                    path.display(),
                    real.display()
                ),
            ))
        }
    }

    /// The real path of `artifact_root`, looked up once.
    fn real_root(&self, root: &Path) -> Result<&Path> {
        if let Some(r) = self.real_root.get() {
            return Ok(r);
        }
        let r = std::fs::canonicalize(root).map_err(|e| self.io_err("artifact_root", root, e))?;
        Ok(self.real_root.get_or_init(|| r))
    }

    fn file(&self, field: &str, path: PathBuf) -> Result<FileRef> {
        let md = std::fs::metadata(&path).map_err(|e| self.io_err(field, &path, e))?;
        if !md.is_file() {
            return Err(self.err(field, format!("{}: not a regular file", path.display())));
        }
        Ok(FileRef {
            size: md.len(),
            modified: md.modified().ok(),
            path,
            field: field.to_owned(),
        })
    }

    fn manifest_digest_of(&self, field: &str, path: &Path) -> Result<(Digest, Manifest)> {
        let head = crate::bundle::read_head(path).map_err(|e| self.err(field, e.to_string()))?;
        let h = modelseal_core::unverified::UnauthenticatedHead::parse(&head)
            .map_err(|e| self.err(field, format!("{}: {e}", path.display())))?;
        let view = h
            .manifest_unauthenticated()
            .map_err(|e| self.err(field, format!("{}: {e}", path.display())))?;
        let digest = h
            .manifest_envelope()
            .digest(&mut SoftSha256::new())
            .map_err(|e| self.err(field, e.to_string()))?;
        Ok((digest, Manifest::from_view(&view)?))
    }

    fn resolve(&self, spec: &SpecFile, now: u64) -> Result<Plan> {
        let kind = BundleKind::from_name(&spec.kind).ok_or_else(|| {
            let names: Vec<String> = BundleKind::ALL
                .iter()
                .map(|k| format!("\"{}\"", k.name()))
                .collect();
            self.err(
                "kind",
                format!("unknown kind `{}`: use {}", spec.kind, names.join(" or ")),
            )
        })?;
        let created_at = spec.created_at.map_or(now, |t| t.0);
        if let Some(e) = spec.expires_at {
            if e.0 <= created_at {
                return Err(self.err("expires_at", "expires at or before its creation time"));
            }
        }
        let supersedes = match &spec.supersedes {
            None => None,
            Some(r) => Some(self.digest_ref("supersedes", r)?),
        };
        let target = self.target(&spec.target)?;
        let (components, system_config, mut files) = self.contents(spec, kind, created_at)?;
        let root = match &spec.artifact_root {
            Some(r) => self.path(&self.dir, r),
            None => self.dir.clone(),
        };
        let artifacts = self.artifacts(spec, kind, &root)?;
        let mut entries = Vec::with_capacity(artifacts.len());
        let mut tree_names = Vec::new();
        for (i, (entry, file, plain, role)) in artifacts.into_iter().enumerate() {
            if role == Role::Tree {
                tree_names.push((i, entry.name.clone()));
            } else {
                files.push((Slot::Artifact(i), file));
            }
            if let Some(p) = plain {
                files.push((Slot::Plaintext(i), p));
            }
            entries.push(entry);
        }
        let mut trees = Vec::new();
        for (i, name) in tree_names {
            let data = name
                .strip_suffix(crate::verity::TREE_SUFFIX)
                .and_then(|d| entries.iter().position(|e| e.name == d))
                .ok_or(Error::Internal {
                    invariant: "a tree artifact without its data artifact",
                })?;
            trees.push((i, data));
        }
        let extensions = self.extensions(&spec.extension)?;

        let mut manifest = Manifest {
            head: ManifestHeadBuf {
                kind: kind.code(),
                security_counter: spec.security_counter,
                version: spec.version.clone(),
                created_at,
                expires_at: spec.expires_at.map(|t| t.0),
                supersedes,
            },
            target,
            components,
            system_config,
            artifacts: entries,
            extensions,
        };
        // Every field against its rule, as declared with the records (the
        // components and ECUs are still in spec order here).
        self.check_fields(spec, &manifest, &files)?;
        // Artifacts are already in order; this orders the other lists the
        // same way the slots above were numbered (parameter sets were
        // numbered after sorting in `system_config`).
        manifest.normalize();
        Ok(Plan {
            spec_path: self.file.clone(),
            artifact_root: root,
            manifest,
            files,
            trees,
        })
    }

    fn target(&self, t: &Target) -> Result<Target> {
        self.at_least("target.hardware_ids", t.hardware_ids.len(), 1)?;
        unique(&t.hardware_ids)
            .map_err(|d| self.err("target.hardware_ids", format!("`{d}` is listed twice")))?;
        unique(&t.serials)
            .map_err(|d| self.err("target.serials", format!("`{d}` is listed twice")))?;
        Ok(t.clone())
    }

    /// The components of a component bundle, or the system configuration
    /// (and its parameter-set files) of a system-configuration bundle.
    fn contents(
        &self,
        spec: &SpecFile,
        kind: BundleKind,
        created_at: u64,
    ) -> Result<(Vec<Component>, Option<SystemConfig>, FileSlots)> {
        Ok(match kind {
            BundleKind::Component => {
                if spec.system_config.is_some() {
                    return Err(self.err(
                        "system_config",
                        "a component bundle has no system configuration (kind = \"component\")",
                    ));
                }
                self.at_least("component", spec.component.len(), 1)?;
                let mut comps = Vec::new();
                for (i, c) in spec.component.iter().enumerate() {
                    comps.push(self.component(&format!("component[{i}]"), c, created_at)?);
                }
                let fams: Vec<String> = comps
                    .iter()
                    .map(|c: &Component| c.head.family.clone())
                    .collect();
                unique(&fams)
                    .map_err(|d| self.err("component", format!("family `{d}` appears twice")))?;
                (comps, None, Vec::new())
            }
            BundleKind::SystemConfig => {
                if !spec.component.is_empty() {
                    return Err(self.err(
                        "component",
                        "a system-configuration bundle carries no components; list them under system_config.ecu[].model",
                    ));
                }
                let sc = spec.system_config.as_ref().ok_or_else(|| {
                    self.err(
                        "system_config",
                        "missing: a system-configuration bundle needs a [system_config] table",
                    )
                })?;
                let (sc, files) = self.system_config(sc)?;
                (Vec::new(), Some(sc), files)
            }
        })
    }

    /// Every artifact: `[[artifact]]`, `[[artifact_tree]]` and `[sbom]`, in
    /// canonical (payload) order, each name once.
    fn artifacts(&self, spec: &SpecFile, kind: BundleKind, root: &Path) -> Result<Vec<Resolved>> {
        let mut artifacts: Vec<Resolved> = Vec::new();
        for (i, a) in spec.artifact.iter().enumerate() {
            let field = format!("artifact[{i}]");
            artifacts.push(self.artifact(&field, a, root)?);
        }
        if let Some(s) = &spec.sbom {
            artifacts.push(self.sbom(s, root)?);
        }
        // Trees last: a file named by [[artifact]] or [sbom] is theirs (a
        // tree over the whole model directory skips it), and a file two
        // trees both take is an error naming both.
        let explicit: std::collections::HashMap<PathBuf, String> = artifacts
            .iter()
            .filter_map(|a| Some((std::fs::canonicalize(&a.1.path).ok()?, a.1.field.clone())))
            .collect();
        let mut taken: std::collections::HashMap<PathBuf, String> = Default::default();
        for (i, t) in spec.artifact_tree.iter().enumerate() {
            let field = format!("artifact_tree[{i}]");
            for (a, real) in self.artifact_tree(
                &field,
                t,
                root,
                MAX_ARTIFACTS - artifacts.len().min(MAX_ARTIFACTS),
            )? {
                if explicit.contains_key(&real) {
                    continue;
                }
                if let Some(other) = taken.insert(real, field.clone()) {
                    return Err(self.err(
                        &a.1.field,
                        format!("also taken by {other}; leave it out of one of them (`exclude`): a file has one kind and one licence"),
                    ));
                }
                artifacts.push(a);
            }
        }
        // Each tree the bundle carries: an artifact of its own, after its data.
        let mut trees = Vec::new();
        for (entry, file, _, role) in &artifacts {
            if *role
                != (Role::File {
                    tree_in_bundle: true,
                })
            {
                continue;
            }
            if let Some(v) = &entry.verity {
                let params = modelseal_core::verity::Params::of_buf(v)
                    .map_err(|_| self.err(&file.field, "invalid fs-verity parameters"))?;
                let g =
                    modelseal_core::verity::Geometry::new(&params, entry.size).map_err(|_| {
                        self.err(
                            &file.field,
                            "too large for an fs-verity tree of at most 6 levels",
                        )
                    })?;
                let mut f = file.clone();
                f.field = format!(
                    "{} (its fs-verity tree)",
                    file.field.strip_suffix(".path").unwrap_or(&file.field)
                );
                f.size = g.tree_len();
                trees.push((
                    ArtifactEntry {
                        name: format!("{}{}", entry.name, crate::verity::TREE_SUFFIX),
                        kind: ArtifactKind::FsverityTree.code(),
                        size: g.tree_len(),
                        digest: [0; 32],
                        verity: None,
                        plaintext: None,
                        licence: entry.licence.clone(),
                    },
                    f,
                    None,
                    Role::Tree,
                ));
            }
        }
        artifacts.extend(trees);
        if kind == BundleKind::Component && artifacts.is_empty() {
            return Err(self.err(
                "artifact",
                "a component bundle needs at least one artifact ([[artifact]], [[artifact_tree]] or [sbom])",
            ));
        }
        let has_sbom = artifacts
            .iter()
            .any(|a| ArtifactKind::from_code(a.0.kind).is_some_and(ArtifactKind::is_sbom));
        if kind == BundleKind::Component && !has_sbom {
            return Err(self.err(
                "sbom",
                "a component bundle carries its software bill of materials: add [sbom] (or an artifact of kind sbom-cyclonedx or sbom-spdx)",
            ));
        }
        // Canonical (payload) order: names bytewise ascending, each once.
        artifacts.sort_by(|a, b| a.0.name.as_bytes().cmp(b.0.name.as_bytes()));
        for w in artifacts.windows(2) {
            if let [a, b] = w {
                if a.0.name == b.0.name {
                    return Err(self.err(
                        &b.1.field,
                        format!("artifact name `{}` is also used by {}", b.0.name, a.1.field),
                    ));
                }
            }
        }
        Ok(artifacts)
    }

    /// The `[sbom]` table: an artifact of an SBOM kind, from under
    /// `artifact_root` (`path`) or from anywhere the spec names (`file`).
    fn sbom(&self, s: &SbomSpec, root: &Path) -> Result<Resolved> {
        let kind = match s.format.as_str() {
            "cyclonedx" => ArtifactKind::SbomCycloneDx,
            "spdx" => ArtifactKind::SbomSpdx,
            other => {
                return Err(self.err(
                    "sbom.format",
                    format!("unknown SBOM format `{other}`: use \"cyclonedx\" or \"spdx\""),
                ));
            }
        };
        match (&s.path, &s.file) {
            (Some(path), None) => {
                let a = ArtifactSpec {
                    path: path.clone(),
                    name: s.name.clone(),
                    kind: kind.name().into(),
                    licence: s.licence.clone(),
                    plaintext: None,
                    verity: None,
                };
                self.artifact("sbom", &a, root)
            }
            (None, Some(file)) => {
                let name = match &s.name {
                    Some(n) => n.clone(),
                    None => Path::new(file)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .ok_or_else(|| self.err("sbom.file", format!("`{file}` names no file")))?,
                };
                let f = self.file("sbom.file", self.path(&self.dir, file))?;
                Ok((
                    ArtifactEntry {
                        name,
                        kind: kind.code(),
                        size: f.size,
                        digest: [0; 32],
                        verity: None,
                        plaintext: None,
                        licence: s.licence.clone(),
                    },
                    f,
                    None,
                    Role::File {
                        tree_in_bundle: false,
                    },
                ))
            }
            _ => Err(self.err(
                "sbom",
                "give exactly one of `path` (under artifact_root) or `file` (relative to the spec, anywhere)",
            )),
        }
    }

    /// The selection and the kind rules of an `[[artifact_tree]]`, each
    /// pattern parsed and each list within `MAX_PATTERNS`.
    fn tree_patterns(
        &self,
        field: &str,
        t: &ArtifactTreeSpec,
    ) -> Result<(tree::Selection, Vec<(tree::Pattern, ArtifactKind)>)> {
        let patterns = |list: &str, texts: &[&String]| -> Result<Vec<tree::Pattern>> {
            if texts.len() > tree::MAX_PATTERNS {
                return Err(self.err(
                    format!("{field}.{list}"),
                    format!(
                        "{} patterns; at most MAX_PATTERNS = {}",
                        texts.len(),
                        tree::MAX_PATTERNS
                    ),
                ));
            }
            texts
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    tree::Pattern::parse(p).map_err(|m| self.err(format!("{field}.{list}[{i}]"), m))
                })
                .collect()
        };
        let sel = tree::Selection {
            include: patterns("include", &t.include.iter().collect::<Vec<_>>())?,
            exclude: patterns("exclude", &t.exclude.iter().collect::<Vec<_>>())?,
        };
        let rules = patterns(
            "kinds",
            &t.kinds.iter().map(|r| &r.pattern).collect::<Vec<_>>(),
        )?
        .into_iter()
        .zip(&t.kinds)
        .enumerate()
        .map(|(i, (p, r))| Ok((p, self.kind(&format!("{field}.kinds[{i}].kind"), &r.kind)?)))
        .collect::<Result<Vec<_>>>()?;
        Ok((sel, rules))
    }

    /// The files an `[[artifact_tree]]` selects, as artifacts with their
    /// real paths; at most `room` of them.
    fn artifact_tree(
        &self,
        field: &str,
        t: &ArtifactTreeSpec,
        root: &Path,
        room: usize,
    ) -> Result<Vec<(Resolved, PathBuf)>> {
        let fallback = t
            .kind
            .as_deref()
            .map(|k| self.kind(&format!("{field}.kind"), k))
            .transpose()?;
        let (sel, rules) = self.tree_patterns(field, t)?;
        let dir = self.inside(&format!("{field}.path"), root, &t.path)?;
        let found = tree::walk(&dir, &sel, room).map_err(|e| match e {
            tree::WalkError::Io(path, source) => self.io_err(&format!("{field}.path"), &path, source),
            tree::WalkError::TooMany(n) => self.err(
                field,
                format!(
                    "more than {n} files with the other artifacts; a bundle holds at most MAX_ARTIFACTS = {MAX_ARTIFACTS} (leave some out with `exclude`)"
                ),
            ),
            tree::WalkError::TooDeep(path) => self.err(
                format!("{field}.path"),
                format!(
                    "{}: more than MAX_TREE_DEPTH = {} directory levels",
                    path.display(),
                    tree::MAX_TREE_DEPTH
                ),
            ),
        })?;
        // One lookup for the directory; a file below it needs its own only
        // when it is a link (see `tree::Found`).
        let real_dir = std::fs::canonicalize(&dir)
            .map_err(|e| self.io_err(&format!("{field}.path"), &dir, e))?;
        let mut out = Vec::with_capacity(found.len());
        for tree::Found { path: p, link } in found {
            let rel = p
                .strip_prefix(root)
                .map_err(|_| self.err(field, "directory is outside artifact_root"))?;
            let name = rel.to_string_lossy().into_owned();
            let ff = format!("{field} ({name})");
            let in_tree: Vec<String> = p
                .strip_prefix(&dir)
                .unwrap_or(rel)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            let in_tree: Vec<&str> = in_tree.iter().map(String::as_str).collect();
            let kind = rules
                .iter()
                .find(|(pat, _)| pat.matches(&in_tree))
                .map(|(_, k)| *k)
                .or(fallback)
                .ok_or_else(|| {
                    self.err(
                        &ff,
                        "no `kinds` pattern matches this file and the tree has no `kind` for the rest",
                    )
                })?;
            let real = match p.strip_prefix(&dir) {
                Ok(below) if !link => real_dir.join(below),
                _ => std::fs::canonicalize(&p).map_err(|e| self.io_err(&ff, &p, e))?,
            };
            self.real_inside(&ff, root, &p, &real)?;
            let f = self.file(&ff, p)?;
            let a =
                self.file_artifact(field, name, kind, f, t.verity.as_ref(), None, &t.licence)?;
            out.push((a, real));
        }
        Ok(out)
    }

    fn extensions(&self, specs: &[ExtensionSpec]) -> Result<Vec<ExtensionBuf>> {
        let mut extensions = Vec::new();
        for (i, e) in specs.iter().enumerate() {
            let field = format!("extension[{i}]");
            let data = hex::decode(e.data.trim())
                .map_err(|_| self.err(format!("{field}.data"), "not hex"))?;
            if data.len() > MAX_EXTENSION_LEN {
                return Err(self.err(
                    format!("{field}.data"),
                    format!(
                        "{} bytes; at most MAX_EXTENSION_LEN = {MAX_EXTENSION_LEN}",
                        data.len()
                    ),
                ));
            }
            if e.critical {
                return Err(self.err(
                    format!("{field}.critical"),
                    format!(
                        "extension {} is critical, and this verifier knows no extension: every ECU would reject the bundle",
                        e.id
                    ),
                ));
            }
            extensions.push(ExtensionBuf {
                id: e.id,
                critical: e.critical,
                data,
            });
        }
        let ids: Vec<u32> = extensions.iter().map(|e| e.id).collect();
        unique(&ids).map_err(|d| self.err("extension", format!("id {d} appears twice")))?;
        Ok(extensions)
    }

    fn digest_ref(&self, field: &str, r: &DigestRef) -> Result<Digest> {
        match (&r.digest, &r.bundle) {
            (Some(d), None) => self.hex_digest(&format!("{field}.digest"), d),
            (None, Some(b)) => {
                let f = format!("{field}.bundle");
                Ok(self.manifest_digest_of(&f, &self.path(&self.dir, b))?.0)
            }
            _ => Err(self.err(field, "give exactly one of `digest` or `bundle`")),
        }
    }

    fn kind(&self, field: &str, s: &str) -> Result<ArtifactKind> {
        ArtifactKind::from_name(s).ok_or_else(|| {
            let names: Vec<&str> = ArtifactKind::ALL.iter().map(|k| k.name()).collect();
            self.err(
                field,
                format!("unknown artifact kind `{s}`; one of: {}", names.join(", ")),
            )
        })
    }

    fn artifact(&self, field: &str, a: &ArtifactSpec, root: &Path) -> Result<Resolved> {
        let name = a.name.clone().unwrap_or_else(|| a.path.clone());
        let kind = self.kind(&format!("{field}.kind"), &a.kind)?;
        let file = self.file(
            &format!("{field}.path"),
            self.inside(&format!("{field}.path"), root, &a.path)?,
        )?;
        let (plaintext, plain_file) = match &a.plaintext {
            None => (None, None),
            Some(p) => {
                let (info, file) = self.plaintext(&format!("{field}.plaintext"), p, root)?;
                (Some(info), file)
            }
        };
        self.file_artifact(
            field,
            name,
            kind,
            file,
            a.verity.as_ref(),
            plaintext.map(|p| (p, plain_file)),
            &a.licence,
        )
    }

    /// An artifact that is a file (of `[[artifact]]` or of a tree, whose
    /// spec entry is `field`): its entry, digest still zero, with the
    /// fs-verity digest `setting` or the spec's `[verity]` table asks for,
    /// the plaintext and its file when encrypted, and its role.
    #[allow(clippy::too_many_arguments)]
    fn file_artifact(
        &self,
        field: &str,
        name: String,
        kind: ArtifactKind,
        file: FileRef,
        setting: Option<&VeritySpec>,
        plaintext: Option<(PlaintextBuf, Option<FileRef>)>,
        licence: &str,
    ) -> Result<Resolved> {
        let verity = self.verity(&format!("{field}.verity"), setting, Some(file.size), true)?;
        let tree = verity.as_ref().is_some_and(|(_, tree)| *tree);
        let (plaintext, plain_file) = match plaintext {
            Some((p, f)) => (Some(p), f),
            None => (None, None),
        };
        Ok((
            ArtifactEntry {
                name,
                kind: kind.code(),
                size: file.size,
                digest: [0; 32],
                verity: verity.map(|(v, _)| v),
                plaintext,
                licence: licence.to_owned(),
            },
            file,
            plain_file,
            Role::File {
                tree_in_bundle: tree,
            },
        ))
    }

    /// The plaintext of an encrypted artifact, and its file when it is
    /// hashed here (its digest is then still zero).
    fn plaintext(
        &self,
        pf: &str,
        p: &PlaintextSpec,
        root: &Path,
    ) -> Result<(PlaintextBuf, Option<FileRef>)> {
        let (size, digest, file, hashed) = match (&p.path, &p.digest, p.size) {
            (Some(path), None, None) => {
                let f = self.file(
                    &format!("{pf}.path"),
                    self.inside(&format!("{pf}.path"), root, path)?,
                )?;
                (f.size, [0; 32], Some(f), true)
            }
            (None, Some(d), Some(size)) => (
                size,
                self.hex_digest(&format!("{pf}.digest"), d)?,
                None,
                false,
            ),
            _ => {
                return Err(self.err(
                    pf,
                    "give either `path` (the plaintext file) or both `digest` and `size`",
                ));
            }
        };
        // The size threshold applies only to a plaintext hashed here: a
        // given digest is what it says it is (`verity` says it is fs-verity).
        let verity = self.verity(
            &format!("{pf}.verity"),
            p.verity.as_ref(),
            hashed.then_some(size),
            false,
        )?;
        let info = PlaintextBuf {
            size,
            digest,
            verity: verity.map(|(v, _)| v),
            encryption: EncryptionBuf {
                algorithm: p.algorithm.clone(),
                key_id: p.key_id.clone(),
            },
        };
        Ok((info, file))
    }

    /// The fs-verity parameters an artifact (or a plaintext) asks for, and
    /// whether its tree travels in the bundle: `setting` over the
    /// `[verity]` defaults; without a setting, on from `[verity] min_size`
    /// (for a file hashed here, of `size` bytes).
    fn verity(
        &self,
        field: &str,
        setting: Option<&VeritySpec>,
        size: Option<u64>,
        tree_allowed: bool,
    ) -> Result<Option<(VerityBuf, bool)>> {
        let defaults = self.verity.clone().unwrap_or_default();
        let table = match setting {
            Some(VeritySpec::Flag(false)) => return Ok(None),
            Some(VeritySpec::Flag(true)) => VerityDefaults::default(),
            Some(VeritySpec::Table(t)) => t.clone(),
            None => match (defaults.min_size, size) {
                (Some(min), Some(n)) if n >= min => VerityDefaults::default(),
                _ => return Ok(None),
            },
        };
        if table.min_size.is_some() {
            return Err(self.err(
                format!("{field}.min_size"),
                "only [verity] has a size threshold",
            ));
        }
        let bs = table.block_size.or(defaults.block_size).unwrap_or(4096);
        let log = if bs.is_power_of_two() {
            bs.trailing_zeros()
        } else {
            0
        };
        let log = u8::try_from(log).unwrap_or(0);
        let salt = match table.salt.as_ref().or(defaults.salt.as_ref()) {
            None => Vec::new(),
            Some(h) => {
                hex::decode(h.trim()).map_err(|_| self.err(format!("{field}.salt"), "not hex"))?
            }
        };
        let tree = table
            .tree_in_bundle
            .or(defaults.tree_in_bundle)
            .unwrap_or(false);
        if tree && !tree_allowed {
            return Err(self.err(
                format!("{field}.tree_in_bundle"),
                "a plaintext's tree cannot travel in the bundle (the device verifies the distributed bytes on read)",
            ));
        }
        let v = VerityBuf {
            algorithm: modelseal_core::verity::ALG_SHA256,
            log_block_size: log,
            salt,
        };
        modelseal_core::verity::Params::of_buf(&v).map_err(|_| {
            self.err(
                field,
                format!(
                    "fs-verity block size {bs} must be a power of two from 1024 to 65536, and the salt at most {} bytes",
                    modelseal_core::verity::MAX_SALT_LEN
                ),
            )
        })?;
        if let Some(n) = size {
            modelseal_core::verity::Geometry::new(
                &modelseal_core::verity::Params::of_buf(&v)
                    .map_err(|_| self.err(field, "invalid"))?,
                n,
            )
            .map_err(|_| {
                self.err(
                    field,
                    format!(
                        "{n} bytes need more than 6 fs-verity tree levels; use a larger block size"
                    ),
                )
            })?;
        }
        Ok(Some((v, tree)))
    }

    fn component(&self, field: &str, c: &ComponentSpec, created_at: u64) -> Result<Component> {
        let lineage = c.lineage.clone();
        let stage = c.stage.0;
        for (name, value) in lineage.str_fields() {
            let value = value.unwrap_or_default();
            let f = format!("{field}.lineage.{name}");
            if stage.requires_lineage() && value.is_empty() {
                return Err(self.err(
                    f,
                    "empty, but a Production component needs all eight lineage links",
                ));
            }
        }
        Ok(Component {
            head: ComponentHeadBuf {
                family: c.family.clone(),
                version: c.version.clone(),
                stage: stage.code(),
                author: c.author.clone(),
                created_at: c.created_at.map_or(created_at, |t| t.0),
                training_environment: c.training_environment.clone(),
                lineage,
            },
            tickets: c.tickets.clone(),
            metadata: c
                .metadata
                .iter()
                .map(|(key, value)| MetadataEntryBuf {
                    key: key.clone(),
                    value: value.clone(),
                })
                .collect(),
        })
    }

    fn system_config(&self, sc: &SystemConfigSpec) -> Result<(SystemConfig, FileSlots)> {
        let f = "system_config";
        self.at_least(&format!("{f}.ecu"), sc.ecu.len(), 1)?;
        let mut ecus = Vec::new();
        for (i, e) in sc.ecu.iter().enumerate() {
            ecus.push(self.ecu(&format!("{f}.ecu[{i}]"), e)?);
        }
        let names: Vec<String> = ecus.iter().map(|e| e.head.name.clone()).collect();
        unique(&names)
            .map_err(|d| self.err(format!("{f}.ecu"), format!("name `{d}` appears twice")))?;
        let (sets, files) = self.parameter_sets(f, &sc.parameter_set)?;
        Ok((
            SystemConfig {
                head: SystemConfigHeadBuf {
                    config_id: sc.config_id.clone(),
                    config_version: sc.config_version.clone(),
                    vehicle_platform: sc.vehicle_platform.clone(),
                    sensor_set: sc.sensor_set.clone(),
                    market: sc.market.clone(),
                },
                ecus,
                middleware: self.middleware(f, &sc.middleware)?,
                parameter_sets: sets,
            },
            files,
        ))
    }

    fn middleware(
        &self,
        f: &str,
        specs: &BTreeMap<String, MiddlewareSpec>,
    ) -> Result<Vec<MiddlewareBuf>> {
        specs
            .iter()
            .map(|(name, m)| {
                let (version, digest) = match m {
                    MiddlewareSpec::Version(v) => (v.clone(), None),
                    MiddlewareSpec::Pinned(p) => (
                        p.version.clone(),
                        Some(self.hex_digest(&format!("{f}.middleware.{name}.digest"), &p.digest)?),
                    ),
                };
                Ok(MiddlewareBuf {
                    name: name.clone(),
                    version,
                    digest,
                })
            })
            .collect()
    }

    fn ecu(&self, ef: &str, e: &EcuSpec) -> Result<Ecu> {
        let mut models = Vec::new();
        for (j, m) in e.model.iter().enumerate() {
            models.push(self.model(&format!("{ef}.model[{j}]"), m)?);
        }
        Ok(Ecu {
            head: EcuHeadBuf {
                name: e.name.clone(),
                hardware_id: e.hardware_id.clone(),
                software_version: e.software_version.clone(),
                software_digest: e
                    .software_digest
                    .as_deref()
                    .map(|d| self.hex_digest(&format!("{ef}.software_digest"), d))
                    .transpose()?,
            },
            models,
        })
    }

    /// The parameter sets of a system configuration, in canonical order so
    /// that slot numbers match the manifest, and the files to hash.
    fn parameter_sets(
        &self,
        f: &str,
        specs: &[ParameterSetSpec],
    ) -> Result<(Vec<ParameterSetBuf>, FileSlots)> {
        let mut order: Vec<usize> = (0..specs.len()).collect();
        order.sort_by(|&a, &b| specs[a].name.cmp(&specs[b].name));
        let mut sets = Vec::new();
        let mut files = Vec::new();
        for (slot, &i) in order.iter().enumerate() {
            let p = &specs[i];
            let pf = format!("{f}.parameter_set[{i}]");
            let digest = match (&p.path, &p.digest) {
                (Some(path), None) => {
                    files.push((
                        Slot::ParameterSet(slot),
                        self.file(&format!("{pf}.path"), self.path(&self.dir, path))?,
                    ));
                    [0; 32]
                }
                (None, Some(d)) => self.hex_digest(&format!("{pf}.digest"), d)?,
                _ => return Err(self.err(pf, "give exactly one of `path` or `digest`")),
            };
            sets.push(ParameterSetBuf {
                name: p.name.clone(),
                vehicle_variant: p.vehicle_variant.clone(),
                sensor_set: p.sensor_set.clone(),
                market: p.market.clone(),
                digest,
            });
        }
        let names: Vec<String> = sets.iter().map(|p| p.name.clone()).collect();
        unique(&names).map_err(|d| {
            self.err(
                format!("{f}.parameter_set"),
                format!("name `{d}` appears twice"),
            )
        })?;
        Ok((sets, files))
    }

    fn model(&self, field: &str, m: &ModelSpec) -> Result<ModelRefBuf> {
        let (digest, family, version) = match (&m.bundle, &m.manifest_digest) {
            (Some(b), None) => self.model_in_bundle(field, b, m)?,
            (None, Some(d)) => {
                let family = m.family.clone().ok_or_else(|| {
                    self.err(
                        format!("{field}.family"),
                        "missing (needed with manifest_digest)",
                    )
                })?;
                let version = m.version.clone().ok_or_else(|| {
                    self.err(
                        format!("{field}.version"),
                        "missing (needed with manifest_digest)",
                    )
                })?;
                (
                    self.hex_digest(&format!("{field}.manifest_digest"), d)?,
                    family,
                    version,
                )
            }
            _ => {
                return Err(self.err(field, "give exactly one of `bundle` or `manifest_digest`"));
            }
        };
        Ok(ModelRefBuf {
            family,
            version,
            manifest_digest: digest,
        })
    }
    /// A model an ECU runs, taken from a component bundle file: its
    /// manifest digest, and the family and version of the component meant.
    fn model_in_bundle(
        &self,
        field: &str,
        b: &str,
        m: &ModelSpec,
    ) -> Result<(Digest, String, String)> {
        let bf = format!("{field}.bundle");
        let (digest, manifest) = self.manifest_digest_of(&bf, &self.path(&self.dir, b))?;
        if manifest.kind() != Some(BundleKind::Component) {
            return Err(self.err(bf, "not a component bundle"));
        }
        let pick = match &m.family {
            Some(f) => manifest.components.iter().find(|c| &c.head.family == f),
            None if manifest.components.len() == 1 => manifest.components.first(),
            None => {
                return Err(self.err(
                    field,
                    "the bundle has several components: say which with `family`",
                ));
            }
        };
        let c = pick.ok_or_else(|| {
            self.err(
                format!("{field}.family"),
                "the bundle has no component of this family",
            )
        })?;
        if let Some(v) = &m.version {
            if v != &c.head.version {
                return Err(self.err(
                    format!("{field}.version"),
                    format!(
                        "`{v}`, but the bundle holds {} {}",
                        c.head.family, c.head.version
                    ),
                ));
            }
        }
        Ok((digest, c.head.family.clone(), c.head.version.clone()))
    }
}

fn unique<T: Ord + Clone + std::fmt::Display>(items: &[T]) -> std::result::Result<(), String> {
    let mut seen = BTreeSet::new();
    for i in items {
        if !seen.insert(i.clone()) {
            return Err(i.to_string());
        }
    }
    Ok(())
}
