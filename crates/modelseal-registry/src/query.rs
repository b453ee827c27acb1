//! The registry's questions: a family's versions, one version in full,
//! reverse lineage, by artifact digest, by package, licence policy, update
//! history, and which configurations include a component.
//!
//! Every list that grows is paged ([`Page`]); every answer is a plain
//! serializable value, printed as text or JSON by the CLI.

use crate::db::{Row, Val, int};
use crate::error::{Error, Result};
use crate::resolve::{KINDS, Resolvers};
use crate::sbom::{Package, licence_ids};
use crate::store::Store;
use crate::{Page, Paged, vals};
use modelseal_core::codes::Stage;
use modelseal_core::doc::Lineage;
use serde::Serialize;

/// A model version in a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSummary {
    /// Model family.
    pub family: String,
    /// Model version.
    pub version: String,
    /// Current stage: the release's, or the latest signed stage event's.
    pub stage: String,
    /// Whether a signed withdrawal is the latest stage event.
    pub withdrawn: bool,
    /// Registered from a spec, unsigned: never deployable.
    pub candidate: bool,
    /// A signed release that is not withdrawn.
    pub deployable: bool,
    /// The manifest that released it (none for a candidate).
    pub manifest_digest: Option<String>,
    /// For a candidate: the manifest of the signed release that superseded it.
    pub superseded_by: Option<String>,
    /// Creation time of the model version.
    pub created_at: u64,
    #[serde(skip)]
    pub(crate) id: i64,
}

/// A lineage link, with where it resolves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    /// The link (`training_dataset_id`).
    pub link: &'static str,
    /// Its id ("" when not applicable yet).
    pub id: String,
    /// The URL of the system that owns it, when a resolver covers it.
    pub reference: Option<String>,
}

/// One artifact of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactRow {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Distributed size, in bytes.
    pub size: u64,
    /// Distributed digest (hex).
    pub digest: String,
    /// Plaintext digest (hex), for an encrypted artifact.
    pub plaintext_digest: Option<String>,
    /// Licence (SPDX expression).
    pub licence: String,
}

/// A signed stage event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageEventRow {
    /// `promote` or `withdraw`.
    pub action: String,
    /// Stage name.
    pub stage: String,
    /// Who.
    pub actor: String,
    /// When.
    pub at: u64,
    /// Why.
    pub reason: String,
    /// Key ids (hex) that signed.
    pub signers: Vec<String>,
    /// Event digest (hex).
    pub digest: String,
}

/// A signed evaluation result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationRow {
    /// `simulation`, `hil` or `release-gate`.
    pub suite_kind: String,
    /// Suite id.
    pub suite_id: String,
    /// Result id.
    pub result_id: String,
    /// `pass`, `fail` or `inconclusive`.
    pub verdict: String,
    /// Link to the result.
    pub link: String,
    /// Who or what ran it.
    pub evaluator: String,
    /// When.
    pub at: u64,
    /// Key ids (hex) that signed.
    pub signers: Vec<String>,
}

/// A signer of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignerRow {
    /// Key id (hex).
    pub key_id: String,
    /// The role it counted for.
    pub role: String,
}

/// The SBOM of a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SbomSummary {
    /// `parsed`, `none`, `not-read` or `unreadable: …`.
    pub status: String,
    /// The SBOM artifacts: name and digest (hex).
    pub documents: Vec<(String, String)>,
    /// Packages listed.
    pub packages: u64,
    /// The first packages listed, those with a package URL first (at most
    /// [`NOTABLE_PACKAGES`]).
    pub notable: Vec<Package>,
}

/// How many packages `show` and `trace` list by name.
pub const NOTABLE_PACKAGES: usize = 10;

/// A configuration that lists a component manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigRef {
    /// Manifest digest of the configuration (hex).
    pub manifest_digest: String,
    /// Configuration id.
    pub config_id: String,
    /// Configuration version.
    pub config_version: String,
    /// The ECU that runs the component.
    pub ecu: String,
}

/// One model version in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelVersion {
    /// Identity, stage, deployability.
    #[serde(flatten)]
    pub summary: VersionSummary,
    /// Author.
    pub author: String,
    /// Training environment.
    pub training_environment: String,
    /// The eight lineage links.
    pub lineage: Vec<Link>,
    /// Tickets.
    pub tickets: Vec<String>,
    /// Free metadata.
    pub metadata: Vec<(String, String)>,
    /// Bundle version of the release.
    pub bundle_version: Option<String>,
    /// Root version the release verified under.
    pub root_version: Option<u32>,
    /// The manifest the release supersedes (hex).
    pub supersedes: Option<String>,
    /// Keys whose signatures counted for the release.
    pub signers: Vec<SignerRow>,
    /// Artifacts of the release.
    pub artifacts: Vec<ArtifactRow>,
    /// The release's SBOM.
    pub sbom: Option<SbomSummary>,
    /// Signed stage events, oldest first.
    pub stage_history: Vec<StageEventRow>,
    /// Signed evaluation results, oldest first.
    pub evaluations: Vec<EvaluationRow>,
    /// Configurations that list this release.
    pub configs: Vec<ConfigRef>,
}

/// A hit of a reverse-lineage query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineageHit {
    /// The link that matched.
    pub link: String,
    /// The model version.
    #[serde(flatten)]
    pub version: VersionSummary,
}

/// A release that shipped a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactHit {
    /// Manifest digest (hex).
    pub manifest_digest: String,
    /// `component` or `system-config`.
    pub kind: String,
    /// Bundle version.
    pub bundle_version: String,
    /// Artifact name.
    pub artifact: String,
    /// `distributed` or `plaintext`: which digest matched.
    pub matched: &'static str,
    /// Model versions the manifest carries.
    pub models: Vec<String>,
}

/// A release whose SBOM lists a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageHit {
    /// Manifest digest (hex).
    pub manifest_digest: String,
    /// `component` or `system-config`.
    pub kind: String,
    /// Model versions the manifest carries.
    pub models: Vec<String>,
    /// `config_id@config_version` of a system configuration manifest.
    pub config: Option<String>,
    /// The package as listed.
    pub package: Package,
    /// Configurations that list this component manifest.
    pub in_configs: Vec<ConfigRef>,
}

/// A licence the policy denies, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Manifest digest (hex).
    pub manifest_digest: String,
    /// `artifact` or `package`.
    pub what: &'static str,
    /// Artifact or package name (with version).
    pub name: String,
    /// The licence expression.
    pub licence: String,
    /// The denied id it names.
    pub denied: String,
}

/// The outcome of a licence check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Manifests checked (hex).
    pub manifests: Vec<String>,
    /// Denied licences found.
    pub violations: Vec<Violation>,
    /// Manifests whose SBOM could not be checked (not read, unreadable):
    /// the check cannot pass for them.
    pub unchecked: Vec<(String, String)>,
    /// No violation and nothing unchecked.
    pub pass: bool,
}

/// One entry of a family's update history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// Time of the entry.
    pub at: u64,
    /// `release`, `candidate`, `promote`, `withdraw` or `evaluation`.
    pub event: String,
    /// Model version.
    pub version: String,
    /// Manifest digest (hex), when any.
    pub manifest_digest: Option<String>,
    /// One line.
    pub detail: String,
}

/// What names a configuration: its manifest digest, or `id@version`.
fn stage_name(code: i64) -> String {
    let s = u8::try_from(code).ok().and_then(Stage::from_code);
    match s.and_then(Stage::name) {
        Some(n) => n.to_owned(),
        None => format!("stage {code}"),
    }
}

fn summary_cols() -> &'static str {
    "mv.id, mv.family, mv.version, mv.stage, mv.candidate, m.digest, sb.digest, mv.created_at,
     (SELECT se.action || ':' || se.stage FROM stage_events se
       WHERE se.family = mv.family AND se.version = mv.version AND se.manifest_digest = m.digest
       ORDER BY se.at DESC, se.id DESC LIMIT 1)"
}

fn summary_from(r: &Row) -> Result<VersionSummary> {
    let latest = r.opt_text(8)?;
    let mut stage = stage_name(r.int(3)?);
    let mut withdrawn = false;
    if let Some((action, code)) = latest.as_deref().and_then(|l| l.split_once(':')) {
        match action {
            "withdraw" => withdrawn = true,
            _ => stage = stage_name(code.parse().unwrap_or(0)),
        }
    }
    let candidate = r.int(4)? != 0;
    Ok(VersionSummary {
        id: r.int(0)?,
        family: r.text(1)?,
        version: r.text(2)?,
        stage,
        withdrawn,
        candidate,
        deployable: !candidate && !withdrawn,
        manifest_digest: r.opt_text(5)?,
        superseded_by: r.opt_text(6)?,
        created_at: r.u64(7)?,
    })
}

const FROM_VERSIONS: &str = "FROM model_versions mv
     LEFT JOIN manifests m ON m.id = mv.manifest_id
     LEFT JOIN manifests sb ON sb.id = mv.superseded_by";

/// `LIMIT` and `OFFSET` of a page: one item more than the page, to tell
/// whether there is a next.
fn page_vals(page: Page) -> [Val; 2] {
    [int(page.limit.saturating_add(1)), int(page.offset)]
}

impl Store {
    /// A family's versions, newest first, with their stages.
    pub fn versions(&self, family: &str, page: Page) -> Result<Paged<VersionSummary>> {
        let sql = format!(
            "SELECT {} {FROM_VERSIONS} WHERE mv.family = ?1
             ORDER BY mv.created_at DESC, mv.id DESC LIMIT ?2 OFFSET ?3",
            summary_cols()
        );
        let [limit, offset] = page_vals(page);
        let items = self.rows(&sql, vals![family, limit, offset], summary_from)?;
        Ok(Paged::from_fetched(items, page))
    }

    /// Every registered record of `family@version` (its signed releases and
    /// its candidate), in full.
    pub fn show(
        &self,
        family: &str,
        version: &str,
        resolvers: &Resolvers,
    ) -> Result<Vec<ModelVersion>> {
        let sql = format!(
            "SELECT {} {FROM_VERSIONS} WHERE mv.family = ?1 AND mv.version = ?2
             ORDER BY mv.candidate, mv.id",
            summary_cols()
        );
        let sums = self.rows(&sql, vals![family, version], summary_from)?;
        if sums.is_empty() {
            return Err(Error::NotFound(format!("{family}@{version}")));
        }
        sums.into_iter().map(|s| self.full(s, resolvers)).collect()
    }

    /// The model versions a manifest carries, in full.
    pub fn models_of_manifest(
        &self,
        digest: &str,
        resolvers: &Resolvers,
    ) -> Result<Vec<ModelVersion>> {
        let sql = format!(
            "SELECT {} {FROM_VERSIONS} WHERE m.digest = ?1 ORDER BY mv.family COLLATE BINARY",
            summary_cols()
        );
        let sums = self.rows(&sql, vals![digest], summary_from)?;
        sums.into_iter().map(|s| self.full(s, resolvers)).collect()
    }

    fn full(&self, s: VersionSummary, resolvers: &Resolvers) -> Result<ModelVersion> {
        let r = self.one(
            "SELECT author, training_environment FROM model_versions WHERE id = ?1",
            vals![s.id],
        )?;
        let (author, training_environment) = (r.text(0)?, r.text(1)?);
        let links: Vec<(String, String)> = self.rows(
            "SELECT link, value FROM lineage WHERE model_id = ?1",
            vals![s.id],
            |r| Ok((r.text(0)?, r.text(1)?)),
        )?;
        let lineage = Lineage::NAMES
            .iter()
            .map(|&name| {
                let id = links
                    .iter()
                    .find(|(l, _)| l == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                let reference = (!id.is_empty())
                    .then(|| resolvers.reference(name, &id))
                    .flatten();
                Link {
                    link: name,
                    id,
                    reference,
                }
            })
            .collect();
        let tickets = self.rows(
            "SELECT ticket FROM tickets WHERE model_id = ?1 ORDER BY ticket COLLATE BINARY",
            vals![s.id],
            |r| Ok(r.text(0)?),
        )?;
        let metadata = self.rows(
            "SELECT mkey, value FROM metadata WHERE model_id = ?1 ORDER BY mkey COLLATE BINARY",
            vals![s.id],
            |r| Ok((r.text(0)?, r.text(1)?)),
        )?;
        let mut mv = ModelVersion {
            author,
            training_environment,
            lineage,
            tickets,
            metadata,
            bundle_version: None,
            root_version: None,
            supersedes: None,
            signers: Vec::new(),
            artifacts: Vec::new(),
            sbom: None,
            stage_history: Vec::new(),
            evaluations: Vec::new(),
            configs: Vec::new(),
            summary: s,
        };
        if let Some(d) = mv.summary.manifest_digest.clone() {
            let r = self.one(
                "SELECT id, bundle_version, root_version, supersedes, sbom_status FROM manifests WHERE digest = ?1",
                vals![&d],
            )?;
            let mid = r.int(0)?;
            mv.bundle_version = Some(r.text(1)?);
            mv.root_version = Some(
                u32::try_from(r.int(2)?)
                    .map_err(|_| Error::Internal("a root version is a 32-bit number"))?,
            );
            mv.supersedes = r.opt_text(3)?;
            mv.signers = self.signers(mid)?;
            mv.artifacts = self.artifacts(mid)?;
            mv.sbom = Some(self.sbom_summary(mid, r.text(4)?)?);
            mv.stage_history = self.stage_history(&mv.summary.family, &mv.summary.version, &d)?;
            mv.evaluations = self.evaluations(&mv.summary.family, &mv.summary.version, &d)?;
            mv.configs = self.configs_including(&d)?;
        }
        Ok(mv)
    }

    pub(crate) fn signers(&self, manifest_id: i64) -> Result<Vec<SignerRow>> {
        self.rows(
            "SELECT key_id, role FROM signers WHERE manifest_id = ?1 ORDER BY key_id COLLATE BINARY",
            vals![manifest_id],
            |r| {
                Ok(SignerRow {
                    key_id: r.text(0)?,
                    role: r.text(1)?,
                })
            },
        )
    }

    fn artifacts(&self, manifest_id: i64) -> Result<Vec<ArtifactRow>> {
        self.rows(
            "SELECT name, kind, size, digest, plaintext_digest, licence FROM artifacts
             WHERE manifest_id = ?1 ORDER BY name COLLATE BINARY",
            vals![manifest_id],
            |r| {
                Ok(ArtifactRow {
                    name: r.text(0)?,
                    kind: r.text(1)?,
                    size: r.u64(2)?,
                    digest: r.text(3)?,
                    plaintext_digest: r.opt_text(4)?,
                    licence: r.text(5)?,
                })
            },
        )
    }

    pub(crate) fn sbom_summary(&self, manifest_id: i64, status: String) -> Result<SbomSummary> {
        let documents = self.rows(
            "SELECT name, digest FROM artifacts WHERE manifest_id = ?1
             AND kind IN ('sbom-cyclonedx', 'sbom-spdx') ORDER BY name COLLATE BINARY",
            vals![manifest_id],
            |r| Ok((r.text(0)?, r.text(1)?)),
        )?;
        let packages = self
            .one(
                "SELECT COUNT(*) FROM sbom_packages WHERE manifest_id = ?1",
                vals![manifest_id],
            )?
            .u64(0)?;
        let notable = self.rows(
            "SELECT name, version, purl, licences FROM sbom_packages
             WHERE manifest_id = ?1 ORDER BY (purl = ''), sbom COLLATE BINARY, ordinal LIMIT ?2",
            vals![manifest_id, int(NOTABLE_PACKAGES as u64)],
            package_from,
        )?;
        Ok(SbomSummary {
            status,
            documents,
            packages,
            notable,
        })
    }

    fn stage_history(
        &self,
        family: &str,
        version: &str,
        digest: &str,
    ) -> Result<Vec<StageEventRow>> {
        self.rows(
            "SELECT action, stage, actor, at, reason, signers, digest FROM stage_events
             WHERE family = ?1 AND version = ?2 AND manifest_digest = ?3 ORDER BY at, id",
            vals![family, version, digest],
            |r| {
                Ok(StageEventRow {
                    action: r.text(0)?,
                    stage: stage_name(r.int(1)?),
                    actor: r.text(2)?,
                    at: r.u64(3)?,
                    reason: r.text(4)?,
                    signers: split(r.text(5)?),
                    digest: r.text(6)?,
                })
            },
        )
    }

    fn evaluations(&self, family: &str, version: &str, digest: &str) -> Result<Vec<EvaluationRow>> {
        self.rows(
            "SELECT suite_kind, suite_id, result_id, verdict, link, evaluator, at, signers FROM evaluations
             WHERE family = ?1 AND version = ?2 AND manifest_digest = ?3 ORDER BY at, id",
            vals![family, version, digest],
            |r| {
                Ok(EvaluationRow {
                    suite_kind: r.text(0)?,
                    suite_id: r.text(1)?,
                    result_id: r.text(2)?,
                    verdict: r.text(3)?,
                    link: r.text(4)?,
                    evaluator: r.text(5)?,
                    at: r.u64(6)?,
                    signers: split(r.text(7)?),
                })
            },
        )
    }

    /// Which configurations include the component manifest `digest` (hex).
    pub fn configs_including(&self, digest: &str) -> Result<Vec<ConfigRef>> {
        self.rows(
            "SELECT m.digest, c.config_id, c.config_version, cm.ecu FROM config_models cm
             JOIN configs c ON c.manifest_id = cm.manifest_id
             JOIN manifests m ON m.id = cm.manifest_id
             WHERE cm.manifest_digest = ?1
             ORDER BY c.config_id COLLATE BINARY, c.config_version COLLATE BINARY, cm.ecu COLLATE BINARY",
            vals![digest],
            config_ref_from,
        )
    }

    /// Which configurations list `family@version` (by name, whichever
    /// manifest), e.g. to see where a withdrawn version is still listed.
    pub fn configs_listing(&self, family: &str, version: &str) -> Result<Vec<ConfigRef>> {
        self.rows(
            "SELECT m.digest, c.config_id, c.config_version, cm.ecu FROM config_models cm
             JOIN configs c ON c.manifest_id = cm.manifest_id
             JOIN manifests m ON m.id = cm.manifest_id
             WHERE cm.family = ?1 AND cm.version = ?2
             ORDER BY c.config_id COLLATE BINARY, c.config_version COLLATE BINARY, cm.ecu COLLATE BINARY",
            vals![family, version],
            config_ref_from,
        )
    }

    /// Reverse lineage: model versions whose link `link` (a lineage link
    /// such as `training_dataset_id`, or a kind such as `dataset`, which
    /// covers the three dataset links) is `value`.
    pub fn by_lineage(&self, link: &str, value: &str, page: Page) -> Result<Paged<LineageHit>> {
        let links: Vec<&str> = if let Some((_, l)) = KINDS.iter().find(|(k, _)| *k == link) {
            l.to_vec()
        } else if Lineage::NAMES.contains(&link) {
            vec![link]
        } else {
            return Err(Error::Argument(format!(
                "`{link}` is not a lineage link ({}) nor a kind ({})",
                Lineage::NAMES.join(", "),
                KINDS.iter().map(|k| k.0).collect::<Vec<_>>().join(", ")
            )));
        };
        // At most three links: one placeholder each.
        let ph: Vec<String> = (0..links.len()).map(|i| format!("?{}", i + 4)).collect();
        let sql = format!(
            "SELECT {}, l.link {FROM_VERSIONS} JOIN lineage l ON l.model_id = mv.id
             WHERE l.value = ?1 AND l.link IN ({})
             ORDER BY mv.family COLLATE BINARY, mv.created_at DESC, mv.id DESC LIMIT ?2 OFFSET ?3",
            summary_cols(),
            ph.join(", ")
        );
        let mut p: Vec<Val> = vec![Val::from(value)];
        p.extend(page_vals(page));
        p.extend(links.into_iter().map(Val::from));
        let items = self.rows(&sql, &p, |r| {
            Ok(LineageHit {
                version: summary_from(r)?,
                link: r.text(9)?,
            })
        })?;
        Ok(Paged::from_fetched(items, page))
    }

    /// Which releases shipped a file with this digest (distributed or
    /// plaintext).
    pub fn by_artifact(&self, digest: &[u8; 32]) -> Result<Vec<ArtifactHit>> {
        let d = hex::encode(digest);
        let hits: Vec<(i64, ArtifactHit)> = self.rows(
            "SELECT id, digest, kind, bundle_version, name, matched FROM (
               SELECT m.id AS id, m.digest AS digest, m.kind AS kind, m.bundle_version AS bundle_version,
                      a.name AS name, CASE WHEN a.digest = ?1 THEN 'distributed' ELSE 'plaintext' END AS matched
               FROM artifacts a JOIN manifests m ON m.id = a.manifest_id
               WHERE a.digest = ?1
               UNION
               SELECT m.id, m.digest, m.kind, m.bundle_version, a.name, 'plaintext'
               FROM artifacts a JOIN manifests m ON m.id = a.manifest_id
               WHERE a.plaintext_digest = ?1
             ) AS hits ORDER BY digest COLLATE BINARY, name COLLATE BINARY",
            vals![&d],
            |r| {
                Ok((
                    r.int(0)?,
                    ArtifactHit {
                        manifest_digest: r.text(1)?,
                        kind: r.text(2)?,
                        bundle_version: r.text(3)?,
                        artifact: r.text(4)?,
                        matched: if r.text(5)? == "distributed" {
                            "distributed"
                        } else {
                            "plaintext"
                        },
                        models: Vec::new(),
                    },
                ))
            },
        )?;
        hits.into_iter()
            .map(|(mid, mut h)| {
                h.models = self.model_names(mid)?;
                Ok(h)
            })
            .collect()
    }

    fn model_names(&self, manifest_id: i64) -> Result<Vec<String>> {
        self.rows(
            "SELECT family || '@' || version FROM model_versions WHERE manifest_id = ?1
             ORDER BY family COLLATE BINARY",
            vals![manifest_id],
            |r| Ok(r.text(0)?),
        )
    }

    /// Which releases (and, through them, configurations) carry package
    /// `name` (a package name or a package URL), optionally at `version`,
    /// according to their SBOMs.
    pub fn by_package(
        &self,
        name: &str,
        version: Option<&str>,
        page: Page,
    ) -> Result<Paged<PackageHit>> {
        let [limit, offset] = page_vals(page);
        let rows: Vec<(i64, String, String, Package)> = self.rows(
            "SELECT m.id, m.digest, m.kind, p.name, p.version, p.purl, p.licences
             FROM sbom_packages p JOIN manifests m ON m.id = p.manifest_id
             WHERE (p.name = ?1 OR p.purl = ?1) AND (CAST(?2 AS TEXT) IS NULL OR p.version = ?2)
             ORDER BY m.digest COLLATE BINARY, p.sbom COLLATE BINARY, p.ordinal LIMIT ?3 OFFSET ?4",
            vals![name, version, limit, offset],
            |r| Ok((r.int(0)?, r.text(1)?, r.text(2)?, package_from_at(r, 3)?)),
        )?;
        let mut items = Vec::with_capacity(rows.len());
        for (mid, digest, kind, package) in rows {
            let config = self
                .row(
                    "SELECT config_id || '@' || config_version FROM configs WHERE manifest_id = ?1",
                    vals![mid],
                )?
                .map(|r| r.text(0))
                .transpose()?;
            items.push(PackageHit {
                models: self.model_names(mid)?,
                in_configs: self.configs_including(&digest)?,
                manifest_digest: digest,
                kind,
                config,
                package,
            });
        }
        Ok(Paged::from_fetched(items, page))
    }

    /// The manifest id of a configuration named by its manifest digest
    /// (hex) or `config_id@config_version`.
    pub fn config_manifest(&self, name: &str) -> Result<(i64, String)> {
        let id_digest = |r: &Row| Ok((r.int(0)?, r.text(1)?));
        let found: Vec<(i64, String)> = if name.len() == 64
            && name.bytes().all(|b| b.is_ascii_hexdigit())
        {
            self.rows(
                "SELECT m.id, m.digest FROM configs c JOIN manifests m ON m.id = c.manifest_id WHERE m.digest = ?1",
                vals![name.to_ascii_lowercase()],
                id_digest,
            )?
        } else {
            let (id, v) = name.split_once('@').ok_or_else(|| {
                Error::Argument(format!(
                    "`{name}`: a configuration is its manifest digest (hex) or CONFIG_ID@CONFIG_VERSION"
                ))
            })?;
            self.rows(
                "SELECT m.id, m.digest FROM configs c JOIN manifests m ON m.id = c.manifest_id
                 WHERE c.config_id = ?1 AND c.config_version = ?2 ORDER BY m.id",
                vals![id, v],
                id_digest,
            )?
        };
        match found.as_slice() {
            [] => Err(Error::NotFound(format!("configuration {name}"))),
            [one] => Ok(one.clone()),
            many => Err(Error::Argument(format!(
                "{name} names {} configuration manifests ({}): give the digest",
                many.len(),
                many.iter()
                    .map(|m| m.1.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Checks licences against a deny list over a model version (every
    /// release of `family@version`) or a configuration (its manifest and
    /// every component manifest it lists): artifact licences and SBOM
    /// package licences.
    pub fn check_licences(&self, target: &CheckTarget, deny: &[String]) -> Result<CheckReport> {
        let id_digest = |r: &Row| Ok((r.int(0)?, r.text(1)?));
        let mut manifests: Vec<(i64, String)> = match target {
            CheckTarget::Model(f, v) => self.rows(
                "SELECT m.id, m.digest FROM model_versions mv JOIN manifests m ON m.id = mv.manifest_id
                 WHERE mv.family = ?1 AND mv.version = ?2 ORDER BY m.id",
                vals![f, v],
                id_digest,
            )?,
            CheckTarget::Config(name) => {
                let (id, digest) = self.config_manifest(name)?;
                let mut v = vec![(id, digest)];
                v.extend(self.rows(
                    "SELECT DISTINCT m.id, m.digest FROM config_models cm JOIN manifests m ON m.digest = cm.manifest_digest
                     WHERE cm.manifest_id = ?1 ORDER BY m.id",
                    vals![id],
                    id_digest,
                )?);
                v
            }
        };
        if manifests.is_empty() {
            let CheckTarget::Model(f, v) = target else {
                return Err(Error::Internal("a configuration has its own manifest"));
            };
            return Err(Error::NotFound(format!("no signed release of {f}@{v}")));
        }
        manifests.dedup();
        let denied = |expr: &str| -> Option<String> {
            licence_ids(expr)
                .into_iter()
                .find(|id| deny.iter().any(|d| d.eq_ignore_ascii_case(id)))
        };
        let mut report = CheckReport {
            manifests: manifests.iter().map(|m| m.1.clone()).collect(),
            violations: Vec::new(),
            unchecked: Vec::new(),
            pass: false,
        };
        for (mid, digest) in &manifests {
            for a in self.artifacts(*mid)? {
                if let Some(d) = denied(&a.licence) {
                    report.violations.push(Violation {
                        manifest_digest: digest.clone(),
                        what: "artifact",
                        name: a.name,
                        licence: a.licence,
                        denied: d,
                    });
                }
            }
            let status = self
                .one(
                    "SELECT sbom_status FROM manifests WHERE id = ?1",
                    vals![*mid],
                )?
                .text(0)?;
            if status != "parsed" && status != "none" {
                report.unchecked.push((digest.clone(), status));
            }
            let pkgs = self.rows(
                "SELECT name, version, purl, licences FROM sbom_packages WHERE manifest_id = ?1
                 ORDER BY sbom COLLATE BINARY, ordinal",
                vals![*mid],
                package_from,
            )?;
            for p in pkgs {
                if let Some(d) = denied(&p.licences) {
                    report.violations.push(Violation {
                        manifest_digest: digest.clone(),
                        what: "package",
                        name: format!("{} {}", p.name, p.version),
                        licence: p.licences,
                        denied: d,
                    });
                }
            }
        }
        report.pass = report.violations.is_empty() && report.unchecked.is_empty();
        Ok(report)
    }

    /// The update history of a family, oldest first: candidates, releases
    /// (with what they supersede), stage events and evaluations.
    pub fn history(&self, family: &str, page: Page) -> Result<Paged<HistoryEntry>> {
        let [limit, offset] = page_vals(page);
        let items = self.rows(
            "SELECT at, event, version, digest, detail FROM (
               SELECT mv.created_at AS at, CASE WHEN mv.candidate = 1 THEN 'candidate' ELSE 'release' END AS event,
                      mv.version AS version, m.digest AS digest,
                      CASE WHEN mv.candidate = 1 THEN 'registered from ' || mv.source
                           ELSE 'bundle ' || m.bundle_version || COALESCE(' supersedes ' || m.supersedes, '') END AS detail,
                      mv.id AS ord
                 FROM model_versions mv LEFT JOIN manifests m ON m.id = mv.manifest_id WHERE mv.family = ?1
               UNION ALL
               SELECT at, action, version, manifest_digest, 'stage ' || stage || ' by ' || actor || ': ' || reason, id
                 FROM stage_events WHERE family = ?1
               UNION ALL
               SELECT at, 'evaluation', version, manifest_digest,
                      suite_kind || ' ' || suite_id || ' result ' || result_id || ': ' || verdict, id
                 FROM evaluations WHERE family = ?1
             ) AS h ORDER BY at, ord LIMIT ?2 OFFSET ?3",
            vals![family, limit, offset],
            |r| {
                Ok(HistoryEntry {
                    at: r.u64(0)?,
                    event: r.text(1)?,
                    version: r.text(2)?,
                    manifest_digest: r.opt_text(3)?,
                    detail: r.text(4)?,
                })
            },
        )?;
        let mut page_items = Paged::from_fetched(items, page);
        for h in &mut page_items.items {
            if h.event == "promote" || h.event == "withdraw" {
                // The stage column is a code: name it.
                if let Some(rest) = h.detail.strip_prefix("stage ") {
                    if let Some((code, tail)) = rest.split_once(' ') {
                        h.detail = format!(
                            "stage {}{}",
                            stage_name(code.parse().unwrap_or(0)),
                            format_args!(" {tail}")
                        );
                    }
                }
            }
        }
        Ok(page_items)
    }

    /// The highest security counter of a registered release of `kind`
    /// (`component` or `system-config`): the floor devices may hold for
    /// that kind, against which a signer judges a new counter's jump.
    pub fn highest_counter(&self, kind: &str) -> Result<Option<u64>> {
        Ok(self
            .one(
                "SELECT MAX(security_counter) FROM manifests WHERE kind = ?1",
                vals![kind],
            )?
            .opt_u64(0)?)
    }

    /// Counts for a summary line: manifests, model versions, configurations.
    pub fn counts(&self) -> Result<(u64, u64, u64)> {
        let r = self.one(
            "SELECT (SELECT COUNT(*) FROM manifests), (SELECT COUNT(*) FROM model_versions),
                    (SELECT COUNT(*) FROM configs)",
            &[],
        )?;
        Ok((r.u64(0)?, r.u64(1)?, r.u64(2)?))
    }
}

/// What a licence check covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckTarget {
    /// Every release of `family@version`.
    Model(String, String),
    /// A configuration (digest or `id@version`) and its components.
    Config(String),
}

fn split(s: String) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

fn package_from(r: &Row) -> Result<Package> {
    package_from_at(r, 0)
}

fn package_from_at(r: &Row, i: usize) -> Result<Package> {
    Ok(Package {
        name: r.text(i)?,
        version: r.text(i + 1)?,
        purl: r.text(i + 2)?,
        licences: r.text(i + 3)?,
    })
}

fn config_ref_from(r: &Row) -> Result<ConfigRef> {
    Ok(ConfigRef {
        manifest_digest: r.text(0)?,
        config_id: r.text(1)?,
        config_version: r.text(2)?,
        ecu: r.text(3)?,
    })
}
