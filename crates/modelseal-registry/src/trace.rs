//! `trace`: from what a car reports back to the data its models were
//! trained on.
//!
//! The starting point is a signed version report (verified against the
//! ECU's key first: an unverified report is never traced), an identity
//! record, a manifest digest or `family@version`. The answer is the system
//! configuration, every model version with its current stage, its eight
//! lineage links resolved to references, its evaluations, SBOM and signers,
//! and the update history. A digest the registry never saw is an alarm in
//! the answer (an ECU runs a bundle the registry does not know), not an
//! error.

use crate::error::{Error, Result};
use crate::query::{ConfigRef, HistoryEntry, ModelVersion, SignerRow};
use crate::store::Store;
use crate::{Page, parse_family_version, vals};
use serde::Serialize;

/// Where a trace starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Start {
    /// A version report whose signature was verified against the ECU key.
    Report {
        /// ECU hardware id.
        hardware_id: String,
        /// ECU serial.
        serial: String,
        /// Report sequence number.
        sequence: u64,
        /// Key id (hex) of the ECU key that signed it.
        ecu_key_id: String,
        /// Whether the nonce was compared with one asked.
        nonce_checked: bool,
    },
    /// An identity record (unsigned: a transport summary).
    Identity,
    /// A manifest digest.
    Digest,
    /// `family@version`.
    Model,
}

/// A configuration, as traced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigTrace {
    /// Manifest digest (hex).
    pub manifest_digest: String,
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
    /// ECUs: name, hardware id, software version, software digest.
    pub ecus: Vec<EcuTrace>,
    /// Middleware: name, version, digest.
    pub middleware: Vec<(String, String, Option<String>)>,
    /// Parameter sets: name and digest.
    pub parameter_sets: Vec<(String, String)>,
    /// Keys whose signatures counted for the configuration.
    pub signers: Vec<SignerRow>,
}

/// One ECU of a traced configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EcuTrace {
    /// Name.
    pub name: String,
    /// Hardware id.
    pub hardware_id: String,
    /// Software version.
    pub software_version: String,
    /// Software digest (hex), when pinned.
    pub software_digest: Option<String>,
    /// Models it runs: `family@version` and component manifest digest.
    pub models: Vec<(String, String)>,
}

/// The answer of `trace`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// Where it started.
    pub start: Start,
    /// The manifest digest traced (hex), when the start names one.
    pub manifest_digest: Option<String>,
    /// Whether the registry knows everything traced.
    pub known: bool,
    /// Alarms: bundles an ECU runs (or a configuration lists) that the
    /// registry never saw; withdrawn versions still running.
    pub alarms: Vec<String>,
    /// The system configuration.
    pub config: Option<ConfigTrace>,
    /// Every model version, in full.
    pub models: Vec<ModelVersion>,
    /// Configurations that list the traced component (for a component).
    pub in_configs: Vec<ConfigRef>,
    /// The update history of each family traced (newest last, at most
    /// [`HISTORY_LEN`] entries each).
    pub history: Vec<HistoryEntry>,
}

/// Most history entries per family in a trace.
pub const HISTORY_LEN: u64 = 20;

/// What a trace starts from, once its input has been checked.
#[derive(Debug, Clone)]
pub enum Input {
    /// Manifest digests (the installed one, and the configuration the ECU
    /// reports it runs under), from a verified report or an identity record.
    Installed {
        /// The start, for the answer.
        start: Start,
        /// The installed manifest digest (hex).
        manifest: String,
        /// The configuration digest the ECU reports (hex), if any.
        config: Option<String>,
    },
    /// A manifest digest (hex).
    Digest(String),
    /// `family@version`.
    Model(String),
}

impl Store {
    /// Traces `input`.
    pub fn trace(&self, input: &Input) -> Result<Trace> {
        let resolvers = self.resolvers()?;
        let mut t = Trace {
            start: Start::Digest,
            manifest_digest: None,
            known: true,
            alarms: Vec::new(),
            config: None,
            models: Vec::new(),
            in_configs: Vec::new(),
            history: Vec::new(),
        };
        let mut digests: Vec<String> = Vec::new();
        match input {
            Input::Installed {
                start,
                manifest,
                config,
            } => {
                t.start = start.clone();
                digests.push(manifest.clone());
                if let Some(c) = config {
                    if c != manifest {
                        digests.push(c.clone());
                    }
                }
            }
            Input::Digest(d) => digests.push(d.to_ascii_lowercase()),
            Input::Model(fv) => {
                t.start = Start::Model;
                let (f, v) = parse_family_version(fv)?;
                t.models = self.show(&f, &v, &resolvers)?;
                for m in &t.models {
                    if let Some(d) = &m.summary.manifest_digest {
                        t.in_configs.extend(self.configs_including(d)?);
                    }
                }
            }
        }
        t.manifest_digest = digests.first().cloned();
        for d in &digests {
            let kind = self
                .row("SELECT id, kind FROM manifests WHERE digest = ?1", vals![d])?
                .map(|r| Ok::<_, Error>((r.int(0)?, r.text(1)?)))
                .transpose()?;
            match kind {
                None => {
                    t.known = false;
                    t.alarms.push(format!(
                        "manifest {d} is not in the registry: an ECU runs a bundle the registry never saw"
                    ));
                }
                Some((id, k)) if k == "system-config" => {
                    let cfg = self.config_trace(id, d)?;
                    for e in &cfg.ecus {
                        for (fv, md) in &e.models {
                            let known = self.models_of_manifest(md, &resolvers)?;
                            if known.is_empty() {
                                t.known = false;
                                t.alarms.push(format!(
                                    "{fv} on ECU {} (manifest {md}) is not in the registry",
                                    e.name
                                ));
                            }
                            for m in known {
                                if !t.models.iter().any(|x| {
                                    x.summary.manifest_digest == m.summary.manifest_digest
                                        && x.summary.family == m.summary.family
                                }) {
                                    t.models.push(m);
                                }
                            }
                        }
                    }
                    t.config = Some(cfg);
                }
                Some(_) => {
                    for m in self.models_of_manifest(d, &resolvers)? {
                        if !t.models.iter().any(|x| {
                            x.summary.manifest_digest == m.summary.manifest_digest
                                && x.summary.family == m.summary.family
                        }) {
                            t.models.push(m);
                        }
                    }
                    if digests.len() == 1 {
                        t.in_configs = self.configs_including(d)?;
                    }
                }
            }
        }
        for m in &t.models {
            if m.summary.withdrawn && m.summary.manifest_digest.is_some() {
                t.alarms.push(format!(
                    "{}@{} is withdrawn (see its stage history)",
                    m.summary.family, m.summary.version
                ));
            }
        }
        let mut families: Vec<&str> = t.models.iter().map(|m| m.summary.family.as_str()).collect();
        families.sort_unstable();
        families.dedup();
        let mut history = Vec::new();
        for f in families {
            let total = self.history_len(f)?;
            let page = Page {
                offset: total.saturating_sub(HISTORY_LEN),
                limit: HISTORY_LEN,
            };
            history.extend(self.history(f, page)?.items);
        }
        t.history = history;
        if t.models.is_empty() && t.config.is_none() && t.known {
            return Err(Error::Internal("a known manifest traces to something"));
        }
        Ok(t)
    }

    fn history_len(&self, family: &str) -> Result<u64> {
        Ok(self
            .one(
                "SELECT (SELECT COUNT(*) FROM model_versions WHERE family = ?1)
                      + (SELECT COUNT(*) FROM stage_events WHERE family = ?1)
                      + (SELECT COUNT(*) FROM evaluations WHERE family = ?1)",
                vals![family],
            )?
            .u64(0)?)
    }

    pub(crate) fn config_trace(&self, manifest_id: i64, digest: &str) -> Result<ConfigTrace> {
        let c = self.one(
            "SELECT config_id, config_version, vehicle_platform, sensor_set, market FROM configs
             WHERE manifest_id = ?1",
            vals![manifest_id],
        )?;
        let mut ecus: Vec<EcuTrace> = self.rows(
            "SELECT name, hardware_id, software_version, software_digest FROM config_ecus
             WHERE manifest_id = ?1 ORDER BY name COLLATE BINARY",
            vals![manifest_id],
            |r| {
                Ok(EcuTrace {
                    name: r.text(0)?,
                    hardware_id: r.text(1)?,
                    software_version: r.text(2)?,
                    software_digest: r.opt_text(3)?,
                    models: Vec::new(),
                })
            },
        )?;
        let models: Vec<(String, String, String)> = self.rows(
            "SELECT ecu, family || '@' || version, manifest_digest FROM config_models
             WHERE manifest_id = ?1 ORDER BY ecu COLLATE BINARY, family COLLATE BINARY",
            vals![manifest_id],
            |r| Ok((r.text(0)?, r.text(1)?, r.text(2)?)),
        )?;
        for (ecu, fv, d) in models {
            if let Some(e) = ecus.iter_mut().find(|e| e.name == ecu) {
                e.models.push((fv, d));
            }
        }
        let middleware = self.rows(
            "SELECT name, version, digest FROM config_middleware WHERE manifest_id = ?1
             ORDER BY name COLLATE BINARY",
            vals![manifest_id],
            |r| Ok((r.text(0)?, r.text(1)?, r.opt_text(2)?)),
        )?;
        let parameter_sets = self.rows(
            "SELECT name, digest FROM config_parameter_sets WHERE manifest_id = ?1
             ORDER BY name COLLATE BINARY",
            vals![manifest_id],
            |r| Ok((r.text(0)?, r.text(1)?)),
        )?;
        Ok(ConfigTrace {
            manifest_digest: digest.to_owned(),
            config_id: c.text(0)?,
            config_version: c.text(1)?,
            vehicle_platform: c.text(2)?,
            sensor_set: c.text(3)?,
            market: c.text(4)?,
            ecus: {
                ecus.sort_by(|a, b| a.name.cmp(&b.name));
                ecus
            },
            middleware,
            parameter_sets,
            signers: self.signers(manifest_id)?,
        })
    }
}

impl Trace {
    /// Human text.
    pub fn text(&self) -> String {
        use std::fmt::Write;
        let mut t = String::new();
        match &self.start {
            Start::Report {
                hardware_id,
                serial,
                sequence,
                ecu_key_id,
                nonce_checked,
            } => {
                let _ = writeln!(
                    t,
                    "report        ECU {hardware_id} serial {serial}, sequence {sequence}, signed by ECU key {ecu_key_id}{}",
                    if *nonce_checked {
                        ", nonce checked"
                    } else {
                        " (nonce not checked)"
                    }
                );
            }
            Start::Identity => {
                let _ = writeln!(
                    t,
                    "identity      unsigned identity record (a transport summary, not evidence)"
                );
            }
            Start::Digest | Start::Model => {}
        }
        if let Some(d) = &self.manifest_digest {
            let _ = writeln!(t, "manifest      {d}");
        }
        for a in &self.alarms {
            let _ = writeln!(t, "ALARM         {a}");
        }
        if let Some(c) = &self.config {
            let _ = writeln!(
                t,
                "configuration {}@{} ({}), platform {}, sensors {}, market {}",
                c.config_id,
                c.config_version,
                short(&c.manifest_digest),
                or_dash(&c.vehicle_platform),
                or_dash(&c.sensor_set),
                or_dash(&c.market)
            );
            for e in &c.ecus {
                let _ = writeln!(
                    t,
                    "  ecu         {} ({}) software {}{}",
                    e.name,
                    e.hardware_id,
                    e.software_version,
                    e.software_digest
                        .as_deref()
                        .map(|d| format!(" [{}]", short(d)))
                        .unwrap_or_default()
                );
                for (fv, d) in &e.models {
                    let _ = writeln!(t, "    model     {fv} ({})", short(d));
                }
            }
            for (n, v, d) in &c.middleware {
                let _ = writeln!(
                    t,
                    "  middleware  {n} {v}{}",
                    d.as_deref()
                        .map(|d| format!(" [{}]", short(d)))
                        .unwrap_or_default()
                );
            }
            for (n, d) in &c.parameter_sets {
                let _ = writeln!(t, "  parameters  {n} ({})", short(d));
            }
            let _ = writeln!(t, "  signed by   {}", signer_text(&c.signers));
        }
        for m in &self.models {
            let s = &m.summary;
            let state = if s.candidate {
                "CANDIDATE, never deployable".to_owned()
            } else if s.withdrawn {
                format!("{}, WITHDRAWN", s.stage)
            } else {
                s.stage.clone()
            };
            let _ = writeln!(t, "model         {}@{} [{state}]", s.family, s.version);
            if let Some(d) = &s.manifest_digest {
                let _ = writeln!(
                    t,
                    "  manifest    {d} (bundle {}, root v{})",
                    m.bundle_version.as_deref().unwrap_or("?"),
                    m.root_version.unwrap_or(0)
                );
            }
            if let Some(d) = &s.superseded_by {
                let _ = writeln!(t, "  released as {d}");
            }
            for l in &m.lineage {
                let id = if l.id.is_empty() { "-" } else { &l.id };
                let _ = writeln!(
                    t,
                    "  {:<24}{id}{}",
                    l.link,
                    l.reference
                        .as_deref()
                        .map(|r| format!("  <{r}>"))
                        .unwrap_or_default()
                );
            }
            for e in &m.evaluations {
                let _ = writeln!(
                    t,
                    "  evaluation  {} {} result {}: {}{}",
                    e.suite_kind,
                    e.suite_id,
                    e.result_id,
                    e.verdict,
                    if e.link.is_empty() {
                        String::new()
                    } else {
                        format!("  <{}>", e.link)
                    }
                );
            }
            for e in &m.stage_history {
                let _ = writeln!(
                    t,
                    "  stage event {} {} at {} by {}: {}",
                    e.action, e.stage, e.at, e.actor, e.reason
                );
            }
            if let Some(sb) = &m.sbom {
                let docs: Vec<String> = sb
                    .documents
                    .iter()
                    .map(|(n, d)| format!("{n} {}", short(d)))
                    .collect();
                let _ = writeln!(
                    t,
                    "  sbom        {} ({}, {} packages)",
                    if docs.is_empty() {
                        "-".to_owned()
                    } else {
                        docs.join(", ")
                    },
                    sb.status,
                    sb.packages
                );
                for p in &sb.notable {
                    let _ = writeln!(
                        t,
                        "    package   {} {} {}",
                        p.name,
                        p.version,
                        or_dash(&p.licences)
                    );
                }
            }
            if !m.signers.is_empty() {
                let _ = writeln!(t, "  signed by   {}", signer_text(&m.signers));
            }
        }
        for c in &self.in_configs {
            let _ = writeln!(
                t,
                "listed in     {}@{} on ECU {} ({})",
                c.config_id,
                c.config_version,
                c.ecu,
                short(&c.manifest_digest)
            );
        }
        if !self.history.is_empty() {
            let _ = writeln!(t, "history");
            for h in &self.history {
                let _ = writeln!(
                    t,
                    "  {:>10}  {:<10} {:<10} {}",
                    h.at, h.event, h.version, h.detail
                );
            }
        }
        t
    }
}

fn short(d: &str) -> &str {
    d.get(..16).unwrap_or(d)
}

fn or_dash(s: &str) -> &str {
    if s.is_empty() { "-" } else { s }
}

fn signer_text(s: &[SignerRow]) -> String {
    if s.is_empty() {
        return "-".into();
    }
    s.iter()
        .map(|x| format!("{} ({})", x.key_id, x.role))
        .collect::<Vec<_>>()
        .join(", ")
}
