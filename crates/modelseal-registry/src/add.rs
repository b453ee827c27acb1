//! `registry add`: a bundle (or a detached head) verified against the root
//! in force and recorded with everything it says; a candidate from a spec.
//!
//! The order is fixed: verify everything first (signatures, chain, format
//! rules, payloads, SBOM bytes against their signed digests), then write
//! it all in one transaction. A refusal therefore writes nothing, and a
//! crash during the write leaves the store as it was.

use crate::db::{Db, Row, Val, int};
use crate::error::{Error, Result};
use crate::sbom::{self, Package};
use crate::store::{Store, one};
use crate::{hex32, now, vals};
use modelseal::authority::root_in_force;
use modelseal::bundle::{BundleFile, split_head};
use modelseal::model::Manifest;
use modelseal::sign::SignedDocument;
use modelseal::verify::{Payloads, check_output, target_policies, verify_file};
use modelseal_core::codes::{ArtifactKind, BundleKind, Stage};
use modelseal_core::doc::{ComponentDocBuf, Lineage};
use modelseal_core::root::TrustRoot;
use modelseal_core::unverified::UnauthenticatedHead;
use serde::Serialize;
use sha2::Digest as _;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// How to add a bundle.
#[derive(Debug, Clone)]
pub struct AddOptions {
    /// For a detached head: the directory holding its artifacts (each is
    /// then checked against the signed manifest, and the SBOM read from
    /// it). Without it a detached head is recorded from its signed
    /// manifest alone: artifact digests and licences, no SBOM contents.
    pub artifacts_dir: Option<PathBuf>,
    /// Threads that check the head under the target's device policies.
    pub threads: usize,
    /// The time expiry is checked against.
    pub now: u64,
}

impl Default for AddOptions {
    fn default() -> Self {
        Self {
            artifacts_dir: None,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            now: now(),
        }
    }
}

/// What `registry add` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Added {
    /// Manifest digest (hex).
    pub manifest_digest: String,
    /// `component` or `system-config`.
    pub kind: String,
    /// Bundle version.
    pub bundle_version: String,
    /// False when the registry already had this manifest (nothing written).
    pub new: bool,
    /// `family@version` of each model version it carries.
    pub models: Vec<String>,
    /// `config_id@config_version`, for a system configuration.
    pub config: Option<String>,
    /// Artifacts recorded.
    pub artifacts: usize,
    /// Whether the artifact bytes were checked (whole bundle, or a detached
    /// head with its artifact directory).
    pub artifacts_checked: bool,
    /// SBOM packages recorded.
    pub sbom_packages: usize,
    /// What became of the SBOM: `parsed`, `none` (the bundle carries no
    /// SBOM artifact), `not-read` (a detached head without its artifacts),
    /// or `unreadable: <why>`.
    pub sbom_status: String,
    /// Root version in force for the manifest.
    pub root_version: u32,
    /// Key ids (hex) whose signatures counted.
    pub signers: Vec<String>,
    /// Candidates this release superseded (`family@version`).
    pub superseded_candidates: Vec<String>,
    /// Trust roots the bundle's rotation chain added to the registry.
    pub new_root_versions: Vec<u32>,
}

/// A bundle that verified, with what the store needs, before any write.
struct Checked {
    digest: String,
    manifest: Manifest,
    head: Vec<u8>,
    root_version: u32,
    chain: Vec<(u32, String, Vec<u8>)>,
    signers: Vec<(String, String, String)>,
    artifacts_checked: bool,
    sboms: Vec<(String, std::result::Result<Vec<Package>, String>)>,
    sbom_status: String,
}

impl Store {
    /// The trust root in force: the newest the registry holds (envelope).
    pub fn root_in_force(&self) -> Result<(u32, Vec<u8>)> {
        match self.row(NEWEST_ROOT, &[])? {
            Some(r) => Ok((version_at(&r, 0)?, r.blob(1)?)),
            None => Err(Error::NoTrustRoot {
                db: self.path().to_owned(),
            }),
        }
    }

    /// Records `envelope` as a trust root: the first one as given (it is
    /// the registry's anchor, as the factory root is a device's), every
    /// later one only as a rotation the core accepts from the root in
    /// force. Returns the root's version; a root already held is a no-op.
    pub fn add_root(&mut self, envelope: &[u8]) -> Result<u32> {
        let parsed = TrustRoot::from_envelope_unverified(envelope)
            .map_err(|e| modelseal::Error::verify("trust root", e))?;
        let digest = hex32(parsed.digest());
        self.write(|db| {
            if let Some(held) = db.query_one(
                "SELECT version FROM trust_roots WHERE digest = ?1",
                vals![&digest],
            )? {
                return version_at(&held, 0);
            }
            let mut version = parsed.version();
            if let Some(current) = db.query_one(NEWEST_ROOT, &[])? {
                // A rotation, checked by the core exactly as a device
                // applies it.
                (version, _) = root_in_force(&current.blob(1)?, &[envelope.to_vec()])?;
            }
            insert_roots(db, &[(version, digest.clone(), envelope.to_vec())])?;
            Ok(parsed.version())
        })
    }

    /// Verifies the bundle or detached head at `path` against the root in
    /// force and records it. The same manifest again is a no-op.
    pub fn add_bundle(&mut self, path: &Path, opts: &AddOptions) -> Result<Added> {
        let checked = self.check_bundle(path, opts)?;
        self.record(path, checked)
    }

    /// Everything `add` checks, and everything it will write, with no write.
    fn check_bundle(&self, path: &Path, opts: &AddOptions) -> Result<Checked> {
        let (_, root) = self.root_in_force()?;
        let what = path.display().to_string();
        let bundle = BundleFile::open(path)?;
        let file = std::fs::File::open(path).map_err(|e| modelseal::Error::io(path, e))?;
        let detached = bundle.is_detached();
        if !detached && opts.artifacts_dir.is_some() {
            return Err(modelseal::Error::ArtifactsDirForWholeBundle {
                path: path.to_path_buf(),
            }
            .into());
        }
        // 1. Signatures, rotation chain and every rule of the format: the
        //    core verifier over the head, under every device policy the
        //    target names.
        let status = check_output(
            &what,
            &bundle.head,
            Payloads::Detached,
            &root,
            opts.now,
            opts.threads,
        )?;
        // 2. Only a bundle the role in force fully signed is a release.
        if !status.complete {
            return Err(Error::SignaturesIncomplete {
                what,
                summary: status.summary(),
            });
        }
        let uh = UnauthenticatedHead::parse(&bundle.head)
            .map_err(|e| modelseal::Error::verify("bundle head", e))?;
        let view = uh
            .manifest_unauthenticated()
            .map_err(|e| modelseal::Error::verify("manifest", e))?;
        let manifest =
            Manifest::from_view(&view).map_err(|e| modelseal::Error::verify("manifest", e))?;
        // 3. The payloads: the whole bundle (or the detached head and its
        //    artifact directory) in one core session, streamed as a device
        //    installing it reads it: layout, padding, every artifact's
        //    length and digest.
        let artifacts_checked = !detached || opts.artifacts_dir.is_some();
        if artifacts_checked {
            let (_, policy) = target_policies(&manifest, opts.now)?
                .into_iter()
                .next()
                .ok_or(modelseal::Error::Internal {
                    invariant: "a checked manifest names at least one hardware id",
                })?;
            let v = verify_file(path, &root, policy, opts.artifacts_dir.as_deref())?;
            // The file is read twice (head, then the whole bundle): both
            // reads must be of the same manifest.
            let head_digest = hex32(
                SignedDocument::from_envelope(&split_head(&bundle.head)?.manifest_envelope)?
                    .digest(),
            );
            if v.identity.manifest_digest != head_digest {
                return Err(modelseal::Error::verify(
                    format!("{what}: changed while it was read"),
                    modelseal_core::Error::InputChanged,
                )
                .into());
            }
        }
        let parts = split_head(&bundle.head)?;
        let doc = SignedDocument::from_envelope(&parts.manifest_envelope)?;
        let (root_version, _) = root_in_force(&root, &parts.chain)?;
        let mut chain = Vec::new();
        for env in &parts.chain {
            let r = TrustRoot::from_envelope_unverified(env)
                .map_err(|e| modelseal::Error::verify("rotation chain", e))?;
            chain.push((r.version(), hex32(r.digest()), env.clone()));
        }
        let signers = status
            .signatures
            .iter()
            .filter(|s| s.valid && !s.counts_for.is_empty())
            .map(|s| {
                (
                    s.key_id.clone(),
                    s.public_key.clone(),
                    s.counts_for.join(", "),
                )
            })
            .collect();
        // 4. The SBOMs: bytes read, checked against their signed digests,
        //    then parsed.
        let (sboms, sbom_status) = read_sboms(
            path,
            &file,
            bundle.head.len() as u64,
            &manifest,
            detached,
            opts,
        )?;
        Ok(Checked {
            digest: hex32(doc.digest()),
            manifest,
            head: bundle.head,
            root_version,
            chain,
            signers,
            artifacts_checked,
            sboms,
            sbom_status,
        })
    }

    fn record(&mut self, path: &Path, c: Checked) -> Result<Added> {
        let m = &c.manifest;
        let kind = m.kind().ok_or(modelseal::Error::Internal {
            invariant: "a verified manifest has a known kind",
        })?;
        let mut added = Added {
            manifest_digest: c.digest.clone(),
            kind: kind.name().to_owned(),
            bundle_version: m.head.version.clone(),
            new: false,
            models: m
                .components
                .iter()
                .map(|x| format!("{}@{}", x.head.family, x.head.version))
                .collect(),
            config: m
                .system_config
                .as_ref()
                .map(|s| format!("{}@{}", s.head.config_id, s.head.config_version)),
            artifacts: m.artifacts.len(),
            artifacts_checked: c.artifacts_checked,
            sbom_packages: c
                .sboms
                .iter()
                .map(|(_, r)| r.as_ref().map_or(0, Vec::len))
                .sum(),
            sbom_status: c.sbom_status.clone(),
            root_version: c.root_version,
            signers: c.signers.iter().map(|s| s.0.clone()).collect(),
            superseded_candidates: Vec::new(),
            new_root_versions: Vec::new(),
        };
        let source = path.display().to_string();
        // One writer transaction, taken before the first read, so two adds
        // of the same bundle cannot both find it missing.
        self.write(|db| {
            let exists = db.query_one("SELECT id FROM manifests WHERE digest = ?1", vals![&c.digest])?;
            if exists.is_some() {
                return Ok(added);
            }
            let max_root = one(db, "SELECT COALESCE(MAX(version), 0) FROM trust_roots", &[])?.int(0)?;
            let newer: Vec<_> = c
                .chain
                .iter()
                .filter(|(v, _, _)| i64::from(*v) > max_root)
                .cloned()
                .collect();
            insert_roots(db, &newer)?;
            added.new_root_versions = newer.iter().map(|r| r.0).collect();
            let now = now();
            let manifest_id = one(
                db,
                "INSERT INTO manifests (digest, kind, bundle_version, security_counter, created_at,
                     expires_at, supersedes, root_version, target_platform, target_market,
                     artifacts_checked, sbom_status, head, source, registered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                 RETURNING id",
                vals![
                    &c.digest,
                    kind.name(),
                    &m.head.version,
                    int(m.head.security_counter),
                    int(m.head.created_at),
                    m.head.expires_at.map(int),
                    m.head.supersedes.as_ref().map(hex32),
                    i64::from(c.root_version),
                    m.target.platform.as_deref(),
                    m.target.market.as_deref(),
                    c.artifacts_checked,
                    &c.sbom_status,
                    c.head.clone(),
                    &source,
                    int(now),
                ],
            )?
            .int(0)?;
            for hw in &m.target.hardware_ids {
                db.exec(
                    "INSERT INTO manifest_hardware_ids (manifest_id, hardware_id) VALUES (?1, ?2)",
                    vals![manifest_id, hw],
                )?;
            }
            for s in &m.target.serials {
                db.exec(
                    "INSERT INTO manifest_serials (manifest_id, serial) VALUES (?1, ?2)",
                    vals![manifest_id, s],
                )?;
            }
            for (key_id, pk, role) in &c.signers {
                db.exec(
                    "INSERT INTO signers (manifest_id, key_id, public_key, role) VALUES (?1, ?2, ?3, ?4)",
                    vals![manifest_id, key_id, pk, role],
                )?;
            }
            for comp in &m.components {
                insert_model(db, Some(manifest_id), comp, false, &source, now)?;
                let n = db.exec(
                    "UPDATE model_versions SET superseded_by = ?1
                     WHERE candidate = 1 AND family = ?2 AND version = ?3 AND superseded_by IS NULL",
                    vals![manifest_id, &comp.head.family, &comp.head.version],
                )?;
                if n > 0 {
                    added
                        .superseded_candidates
                        .push(format!("{}@{}", comp.head.family, comp.head.version));
                }
            }
            // The artifacts and SBOM packages in bulk (a bundle may carry
            // thousands): PostgreSQL's COPY, prepared INSERTs on SQLite.
            let artifacts: Vec<Vec<Val>> = m
                .artifacts
                .iter()
                .map(|a| {
                    let kind = ArtifactKind::from_code(a.kind).map_or("other", ArtifactKind::name);
                    let p = a.plaintext.as_ref();
                    vals![
                        manifest_id,
                        &a.name,
                        kind,
                        int(a.size),
                        hex32(&a.digest),
                        p.map(|p| int(p.size)),
                        p.map(|p| hex32(&p.digest)),
                        p.map(|p| p.encryption.algorithm.as_str()),
                        p.map(|p| p.encryption.key_id.as_str()),
                        &a.licence,
                    ]
                    .to_vec()
                })
                .collect();
            db.copy_in(
                "artifacts",
                &[
                    "manifest_id",
                    "name",
                    "kind",
                    "size",
                    "digest",
                    "plaintext_size",
                    "plaintext_digest",
                    "encryption_algorithm",
                    "encryption_key_id",
                    "licence",
                ],
                &artifacts,
            )?;
            let mut packages: Vec<Vec<Val>> = Vec::new();
            for (sbom, pkgs) in &c.sboms {
                for (i, p) in pkgs.iter().flatten().enumerate() {
                    packages.push(
                        vals![
                            manifest_id,
                            sbom,
                            int(i as u64),
                            &p.name,
                            &p.version,
                            &p.purl,
                            &p.licences
                        ]
                        .to_vec(),
                    );
                }
            }
            db.copy_in(
                "sbom_packages",
                &["manifest_id", "sbom", "ordinal", "name", "version", "purl", "licences"],
                &packages,
            )?;
            if let Some(sc) = &m.system_config {
                let h = &sc.head;
                db.exec(
                    "INSERT INTO configs (manifest_id, config_id, config_version, vehicle_platform, sensor_set, market)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    vals![manifest_id, &h.config_id, &h.config_version, &h.vehicle_platform, &h.sensor_set, &h.market],
                )?;
                for ecu in &sc.ecus {
                    db.exec(
                        "INSERT INTO config_ecus (manifest_id, name, hardware_id, software_version, software_digest)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        vals![
                            manifest_id,
                            &ecu.head.name,
                            &ecu.head.hardware_id,
                            &ecu.head.software_version,
                            ecu.head.software_digest.as_ref().map(hex32),
                        ],
                    )?;
                    for mr in &ecu.models {
                        db.exec(
                            "INSERT INTO config_models (manifest_id, ecu, family, version, manifest_digest)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                            vals![manifest_id, &ecu.head.name, &mr.family, &mr.version, hex32(&mr.manifest_digest)],
                        )?;
                    }
                }
                for mw in &sc.middleware {
                    db.exec(
                        "INSERT INTO config_middleware (manifest_id, name, version, digest) VALUES (?1, ?2, ?3, ?4)",
                        vals![manifest_id, &mw.name, &mw.version, mw.digest.as_ref().map(hex32)],
                    )?;
                }
                for ps in &sc.parameter_sets {
                    db.exec(
                        "INSERT INTO config_parameter_sets (manifest_id, name, vehicle_variant, sensor_set, market, digest)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        vals![manifest_id, &ps.name, &ps.vehicle_variant, &ps.sensor_set, &ps.market, hex32(&ps.digest)],
                    )?;
                }
            }
            added.new = true;
            Ok(added)
        })
    }

    /// Records the components of a bundle spec as candidates: unsigned
    /// Development model versions that training produced, never deployable.
    /// The spec is read and checked with the same rules as `build` (its
    /// files must exist). A candidate already recorded is a no-op.
    pub fn add_candidate(&mut self, spec_path: &Path) -> Result<Vec<Candidate>> {
        let spec = modelseal::spec::load(spec_path)?;
        let plan = modelseal::spec::resolve(spec_path, &spec, now())?;
        let comps = &plan.manifest.components;
        if plan.manifest.kind() != Some(BundleKind::Component) || comps.is_empty() {
            return Err(Error::Candidate {
                path: spec_path.to_path_buf(),
                why: "a candidate is a model version: give a component spec".into(),
            });
        }
        for c in comps {
            if Stage::from_code(c.head.stage) != Some(Stage::DEVELOPMENT) {
                return Err(Error::Candidate {
                    path: spec_path.to_path_buf(),
                    why: format!(
                        "{}@{}: a candidate is registered at stage development (the spec says {}); \
                         later stages come with a signed bundle or a signed stage event",
                        c.head.family,
                        c.head.version,
                        modelseal::identity::stage_name(
                            Stage::from_code(c.head.stage).unwrap_or(Stage::DEVELOPMENT)
                        )
                    ),
                });
            }
        }
        let source = spec_path.display().to_string();
        self.write(|db| {
            let mut out = Vec::new();
            let now = now();
            for c in comps {
                let (f, v) = (&c.head.family, &c.head.version);
                let have = db.query_one(
                    "SELECT id FROM model_versions WHERE candidate = 1 AND family = ?1 AND version = ?2",
                    vals![f, v],
                )?;
                // A signed release of the same version already exists: it
                // supersedes the candidate from the start.
                let release = db
                    .query_one(
                        "SELECT manifest_id FROM model_versions WHERE candidate = 0 AND family = ?1 AND version = ?2
                         ORDER BY manifest_id LIMIT 1",
                        vals![f, v],
                    )?
                    .map(|r| r.int(0))
                    .transpose()?;
                if have.is_none() {
                    let id = insert_model(db, None, c, true, &source, now)?;
                    if let Some(rel) = release {
                        db.exec(
                            "UPDATE model_versions SET superseded_by = ?1 WHERE id = ?2",
                            vals![rel, id],
                        )?;
                    }
                }
                out.push(Candidate {
                    model: format!("{f}@{v}"),
                    new: have.is_none(),
                    already_released: release.is_some(),
                });
            }
            Ok(out)
        })
    }
}

/// A candidate `registry add --candidate` recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// `family@version`.
    pub model: String,
    /// False when it was already recorded.
    pub new: bool,
    /// Whether a signed release of it is already registered.
    pub already_released: bool,
}

/// The newest trust root held: version and envelope.
const NEWEST_ROOT: &str = "SELECT version, envelope FROM trust_roots ORDER BY version DESC LIMIT 1";

/// A root version column.
fn version_at(r: &Row, i: usize) -> Result<u32> {
    u32::try_from(r.int(i)?).map_err(|_| Error::Internal("a root version is a 32-bit number"))
}

fn insert_roots(db: &mut Db, roots: &[(u32, String, Vec<u8>)]) -> Result<()> {
    for (version, digest, env) in roots {
        db.exec(
            "INSERT INTO trust_roots (version, digest, envelope, recorded_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
            vals![i64::from(*version), digest, env.clone(), int(now())],
        )?;
    }
    Ok(())
}

fn insert_model(
    db: &mut Db,
    manifest_id: Option<i64>,
    c: &ComponentDocBuf,
    candidate: bool,
    source: &str,
    now: u64,
) -> Result<i64> {
    let h = &c.head;
    let id = one(
        db,
        "INSERT INTO model_versions (manifest_id, family, version, stage, author, created_at,
             training_environment, candidate, source, registered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
        vals![
            manifest_id,
            &h.family,
            &h.version,
            i64::from(h.stage),
            &h.author,
            int(h.created_at),
            &h.training_environment,
            candidate,
            source,
            int(now),
        ],
    )?
    .int(0)?;
    for (link, value) in lineage_links(&h.lineage) {
        if !value.is_empty() {
            db.exec(
                "INSERT INTO lineage (model_id, link, value) VALUES (?1, ?2, ?3)",
                vals![id, link, value],
            )?;
        }
    }
    for t in &c.tickets {
        db.exec(
            "INSERT INTO tickets (model_id, ticket) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            vals![id, t],
        )?;
    }
    for md in &c.metadata {
        db.exec(
            "INSERT INTO metadata (model_id, mkey, value) VALUES (?1, ?2, ?3)",
            vals![id, &md.key, &md.value],
        )?;
    }
    Ok(id)
}

/// The eight lineage links with their declared names, in wire order.
pub fn lineage_links(l: &modelseal_core::doc::LineageBuf) -> [(&'static str, &str); 8] {
    let v = [
        &l.training_dataset_id,
        &l.validation_dataset_id,
        &l.test_dataset_id,
        &l.experiment_id,
        &l.code_commit_id,
        &l.simulation_suite_id,
        &l.hil_suite_id,
        &l.release_gate_result_id,
    ];
    let mut out = [("", ""); 8];
    for (i, (name, value)) in Lineage::NAMES.iter().zip(v).enumerate() {
        out[i] = (name, value.as_str());
    }
    out
}

/// The SBOM artifacts of a verified manifest, read and parsed; and the
/// overall status.
type Sboms = (
    Vec<(String, std::result::Result<Vec<Package>, String>)>,
    String,
);

fn read_sboms(
    path: &Path,
    file: &std::fs::File,
    head_len: u64,
    m: &Manifest,
    detached: bool,
    opts: &AddOptions,
) -> Result<Sboms> {
    let mut layout = modelseal_core::bundle::Layout::new(head_len);
    let mut offsets = Vec::with_capacity(m.artifacts.len());
    for a in &m.artifacts {
        offsets.push(
            layout
                .place(a.size)
                .map_err(|e| modelseal::Error::verify("layout", e))?,
        );
    }
    let mut out = Vec::new();
    for (a, off) in m.artifacts.iter().zip(offsets) {
        let kind = ArtifactKind::from_code(a.kind);
        let hint = match kind {
            Some(ArtifactKind::SbomCycloneDx) => sbom::Format::CycloneDx,
            Some(ArtifactKind::SbomSpdx) => sbom::Format::Spdx,
            _ => continue,
        };
        if a.size > sbom::MAX_SBOM_LEN {
            out.push((
                a.name.clone(),
                Err(format!(
                    "{} bytes, over the {} read",
                    a.size,
                    sbom::MAX_SBOM_LEN
                )),
            ));
            continue;
        }
        let bytes = match (detached, &opts.artifacts_dir) {
            (false, _) => {
                let mut b = vec![0u8; a.size as usize];
                file.read_exact_at(&mut b, off)
                    .map_err(|e| modelseal::Error::io(path, e))?;
                b
            }
            (true, Some(dir)) => {
                let p = dir.join(&a.name);
                let mut b = Vec::new();
                std::fs::File::open(&p)
                    .and_then(|f| f.take(a.size + 1).read_to_end(&mut b))
                    .map_err(|e| modelseal::Error::io(&p, e))?;
                b
            }
            (true, None) => return Ok((Vec::new(), "not-read".into())),
        };
        // The bytes parsed are the bytes signed, whatever happened to the
        // file since the verifier read it.
        let digest: [u8; 32] = sha2::Sha256::digest(&bytes).into();
        if digest != a.digest {
            return Err(modelseal::Error::verify(
                format!(
                    "{}: SBOM artifact `{}` changed while it was read",
                    path.display(),
                    a.name
                ),
                modelseal_core::Error::ArtifactDigestMismatch,
            )
            .into());
        }
        out.push((a.name.clone(), sbom::parse(&bytes, Some(hint))));
    }
    let status = if out.is_empty() {
        "none".to_owned()
    } else if let Some((name, Err(why))) = out.iter().find(|(_, r)| r.is_err()) {
        format!("unreadable: {name}: {why}")
    } else {
        "parsed".to_owned()
    };
    Ok((out, status))
}
