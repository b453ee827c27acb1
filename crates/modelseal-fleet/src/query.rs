//! What the inventory answers: a vehicle now or at a time (`show`), which
//! vehicles run something (`which`), where the fleet differs from what it
//! should run (`drift`), and what changed on a vehicle between two times
//! (`diff`). Model versions are resolved through the registry's tables in
//! the same database: stage, withdrawal, lineage.

use crate::db::{Db, Row, Val, int};
use crate::enroll::{no_vehicle, vehicle_id};
use crate::{Inventory, Page, Paged, Result, page_vals, paged, vals};
use modelseal_core::doc::Lineage;
use serde::Serialize;
use std::collections::BTreeMap;

/// A model version an ECU runs, as reported, with what the registry says.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelView {
    /// Family.
    pub family: String,
    /// Version.
    pub version: String,
    /// Stage the signed manifest gives.
    pub stage: String,
    /// What the registry says; `None` when it does not know the release.
    pub registry: Option<RegistryView>,
}

/// The registry's record of a released model version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistryView {
    /// Current stage (after signed stage events).
    pub stage: String,
    /// Whether a signed withdrawal is the latest stage event.
    pub withdrawn: bool,
    /// The lineage links that are set (name → id).
    pub lineage: BTreeMap<String, String>,
    /// Signed evaluation results (suite kind, suite, verdict), oldest first.
    pub evaluations: Vec<EvaluationView>,
}

/// One signed evaluation result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationView {
    /// `simulation`, `hil`, `release-gate`, …
    pub suite_kind: String,
    /// Suite id.
    pub suite_id: String,
    /// Result id.
    pub result_id: String,
    /// Verdict.
    pub verdict: String,
    /// When.
    pub at: u64,
}

/// What an ECU ran over one interval.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstallView {
    /// Manifest digest (hex).
    pub manifest_digest: String,
    /// `component` or `system-config`.
    pub kind: String,
    /// Bundle version.
    pub bundle_version: String,
    /// The configuration it runs under, as reported (`id@version`).
    pub config: Option<String>,
    /// That configuration's manifest digest.
    pub config_digest: Option<String>,
    /// Whether the registry knows the manifest.
    pub known_manifest: bool,
    /// From when (the first report's time).
    pub since: u64,
    /// Until when (`None`: still).
    pub until: Option<u64>,
    /// The last report's sequence number and time.
    pub last_sequence: u64,
    /// When the last report was observed.
    pub last_report_at: u64,
    /// Model versions.
    pub models: Vec<ModelView>,
}

/// An ECU of a vehicle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EcuView {
    /// Position.
    pub position: String,
    /// Hardware id.
    pub hardware_id: String,
    /// Serial.
    pub serial: String,
    /// When it was fitted (enrolled).
    pub fitted_at: u64,
    /// When it was removed (replaced), if it was.
    pub removed_at: Option<u64>,
    /// The key in force (`algorithm:key id`), if any.
    pub key: Option<String>,
    /// What it ran at the time asked (now by default).
    pub installed: Option<InstallView>,
}

/// An assignment: the configuration prescribed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentView {
    /// Manifest digest of the system configuration.
    pub config_digest: String,
    /// `id@version`, when the registry knows it.
    pub config: Option<String>,
    /// Since when.
    pub assigned_at: u64,
    /// Why.
    pub reason: String,
}

/// A vehicle, now or at a time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VehicleView {
    /// VIN.
    pub vin: String,
    /// The time asked (`None`: now).
    pub at: Option<u64>,
    /// When it was enrolled.
    pub enrolled_at: u64,
    /// The configuration prescribed at that time.
    pub prescribed: Option<AssignmentView>,
    /// Its ECUs at that time.
    pub ecus: Vec<EcuView>,
}

/// What `which` looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// A model version.
    Model {
        /// Family.
        family: String,
        /// Version.
        version: String,
    },
    /// A system configuration, `id` and `version`.
    Config {
        /// Configuration id.
        id: String,
        /// Configuration version.
        version: String,
    },
    /// Any model at this (signed) stage.
    Stage(String),
    /// Any model trained, validated or tested on this dataset.
    Dataset(String),
    /// Any model built from this code commit.
    Commit(String),
    /// Any installed manifest whose SBOM lists this package version.
    Package {
        /// Package name.
        name: String,
        /// Package version.
        version: String,
    },
}

impl Filter {
    /// The question, for reports.
    pub fn describe(&self) -> String {
        match self {
            Filter::Model { family, version } => format!("{family}@{version}"),
            Filter::Config { id, version } => format!("configuration {id}@{version}"),
            Filter::Stage(s) => format!("any model at stage {s}"),
            Filter::Dataset(d) => format!("any model whose lineage names dataset {d}"),
            Filter::Commit(c) => format!("any model built from commit {c}"),
            Filter::Package { name, version } => format!("SBOM package {name}@{version}"),
        }
    }
}

/// The answer to `which`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhichAnswer {
    /// The question.
    pub question: String,
    /// The time asked (`None`: now).
    pub at: Option<u64>,
    /// How many vehicles.
    pub vehicles: u64,
    /// A page of their VINs (in enrolment order).
    pub vins: Paged<String>,
}

/// One vehicle that differs from what it should run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Drift {
    /// VIN.
    pub vin: String,
    /// What differs, one line each.
    pub reasons: Vec<String>,
}

/// One position whose install differs between two times.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Position.
    pub position: String,
    /// What it ran at the first time.
    pub before: Option<InstallView>,
    /// What it ran at the second time.
    pub after: Option<InstallView>,
}

/// An install's columns, with its bundle's (`b`, joined on `i.bundle_id`),
/// in the order `installs_at` reads them. The last report's sequence and
/// time come from `last`: the install's row (`i`), or for a running install
/// the ECU's row (`e`), which repeats them (migration 8).
fn install_cols(last: &str) -> String {
    format!(
        "i.id, b.manifest_digest, b.kind, b.bundle_version, b.config_id,
         b.config_version, b.config_digest, i.known_manifest, i.since, i.until,
         {last}.last_sequence, {last}.last_observed_at"
    )
}

fn stage_name(code: i64) -> String {
    u8::try_from(code)
        .ok()
        .and_then(modelseal_core::Stage::from_code)
        .map_or_else(|| format!("stage {code}"), modelseal::identity::stage_name)
}

/// (family, version, manifest digest) of a released model version.
type ModelKey = (String, String, String);

/// What the registry says of each of `keys`, in five statements whatever
/// their number: the release, its stage after signed events, lineage and
/// evaluations.
fn registry_views(
    db: &mut Db,
    keys: &[ModelKey],
) -> Result<std::collections::HashMap<ModelKey, RegistryView>> {
    use std::collections::{HashMap, HashSet};
    let mut out = HashMap::new();
    let wanted: HashSet<&ModelKey> = keys.iter().collect();
    let mut manifests: Vec<&str> = keys.iter().map(|k| k.2.as_str()).collect();
    manifests.sort_unstable();
    manifests.dedup();
    let digests: Vec<Val> = manifests.iter().map(|d| Val::from(*d)).collect();
    let mut models: HashMap<i64, ModelKey> = HashMap::new();
    for mv in db.query_in(
        "SELECT m.digest, mv.family, mv.version, mv.id, mv.stage,
                (SELECT se.action FROM stage_events se
                  WHERE se.family = mv.family AND se.version = mv.version
                    AND se.manifest_digest = m.digest ORDER BY se.at DESC, se.id DESC LIMIT 1),
                (SELECT se.stage FROM stage_events se
                  WHERE se.family = mv.family AND se.version = mv.version
                    AND se.manifest_digest = m.digest ORDER BY se.at DESC, se.id DESC LIMIT 1)
           FROM model_versions mv JOIN manifests m ON m.id = mv.manifest_id
          WHERE m.digest IN ({})",
        &digests,
    )? {
        let key = (mv.text(1)?, mv.text(2)?, mv.text(0)?);
        if !wanted.contains(&key) {
            continue;
        }
        let (action, event_stage) = (mv.opt_text(5)?, mv.opt_int(6)?);
        let code = match (action.as_deref(), event_stage) {
            (Some("withdraw") | None, _) | (Some(_), None) => mv.int(4)?,
            (Some(_), Some(s)) => s,
        };
        models.insert(mv.int(3)?, key.clone());
        out.insert(
            key,
            RegistryView {
                stage: stage_name(code),
                withdrawn: action.as_deref() == Some("withdraw"),
                lineage: BTreeMap::new(),
                evaluations: Vec::new(),
            },
        );
    }
    let ids: Vec<Val> = models.keys().map(|i| Val::Int(*i)).collect();
    for r in db.query_in(
        "SELECT model_id, link, value FROM lineage WHERE model_id IN ({})",
        &ids,
    )? {
        if let Some(v) = models.get(&r.int(0)?).and_then(|k| out.get_mut(k)) {
            v.lineage.insert(r.text(1)?, r.text(2)?);
        }
    }
    for r in db.query_in(
        "SELECT family, version, manifest_digest, suite_kind, suite_id, result_id, verdict, at
           FROM evaluations WHERE manifest_digest IN ({}) ORDER BY at, id",
        &digests,
    )? {
        let key = (r.text(0)?, r.text(1)?, r.text(2)?);
        if let Some(v) = out.get_mut(&key) {
            v.evaluations.push(EvaluationView {
                suite_kind: r.text(3)?,
                suite_id: r.text(4)?,
                result_id: r.text(5)?,
                verdict: r.text(6)?,
                at: r.u64(7)?,
            });
        }
    }
    Ok(out)
}

/// The models a vehicle's ECUs run now (`?1` the vehicle): one range of
/// `install_models`' primary key, when the planner's counts are current
/// (see `Db::copy_in`).
pub const RUNNING_MODELS: &str = "SELECT install_id, family, version, stage FROM install_models
  WHERE vehicle_id = ?1 AND until IS NULL";

/// What each of `ecus` (of vehicle `vehicle`) ran at `at` (now when
/// `None`), with its models and what the registry says of them, in a
/// handful of statements whatever the number of ECUs. The vehicle's
/// installs and models are each one range: `installs_running` now,
/// `installs_vehicle` at a time, and `install_models`' primary key.
pub(crate) fn installs_at(
    db: &mut Db,
    vehicle: i64,
    ecus: &[i64],
    at: Option<u64>,
) -> Result<std::collections::HashMap<i64, InstallView>> {
    use std::collections::{HashMap, HashSet};
    let wanted: HashSet<i64> = ecus.iter().copied().collect();
    let (rows, model_rows) = match at {
        None => (
            db.query(
                // The ECU's row, not the install's, for the last report:
                // a range of `installs_running`, whose entries do not
                // change with each report.
                &format!(
                    "SELECT i.ecu_id, {} FROM installs i JOIN bundles b ON b.id = i.bundle_id
                       JOIN ecus e ON e.id = i.ecu_id
                      WHERE i.vehicle_id = ?1 AND i.until IS NULL",
                    install_cols("e")
                ),
                vals![vehicle],
            )?,
            db.query(RUNNING_MODELS, vals![vehicle])?,
        ),
        Some(t) => (
            db.query(
                &format!(
                    "SELECT i.ecu_id, {} FROM installs i JOIN bundles b ON b.id = i.bundle_id
                      WHERE i.vehicle_id = ?1 AND i.since <= ?2 AND (i.until IS NULL OR i.until > ?2)
                      ORDER BY i.ecu_id, i.since DESC, i.id DESC",
                    install_cols("i")
                ),
                vals![vehicle, int(t)],
            )?,
            db.query(
                "SELECT install_id, family, version, stage FROM install_models
                  WHERE vehicle_id = ?1 AND since <= ?2 AND (until IS NULL OR until > ?2)",
                vals![vehicle, int(t)],
            )?,
        ),
    };
    let mut found: HashMap<i64, (i64, InstallView)> = HashMap::new();
    for r in &rows {
        let ecu = r.int(0)?;
        if found.contains_key(&ecu) || !wanted.contains(&ecu) {
            // An older install at the same time (the newest wins), or an
            // ECU not asked for (not fitted then).
            continue;
        }
        found.insert(
            ecu,
            (
                r.int(1)?,
                InstallView {
                    manifest_digest: r.text(2)?,
                    kind: r.text(3)?,
                    bundle_version: r.text(4)?,
                    config: match (r.opt_text(5)?, r.opt_text(6)?) {
                        (Some(i), Some(v)) => Some(format!("{i}@{v}")),
                        _ => None,
                    },
                    config_digest: r.opt_text(7)?,
                    known_manifest: r.int(8)? != 0,
                    since: r.u64(9)?,
                    until: r.opt_u64(10)?,
                    last_sequence: r.u64(11)?,
                    last_report_at: r.u64(12)?,
                    models: Vec::new(),
                },
            ),
        );
    }
    let by_install: HashMap<i64, i64> = found.iter().map(|(e, (i, _))| (*i, *e)).collect();
    let mut models: Vec<(i64, String, String, String)> = Vec::new();
    for m in &model_rows {
        let install = m.int(0)?;
        if by_install.contains_key(&install) {
            models.push((install, m.text(1)?, m.text(2)?, m.text(3)?));
        }
    }
    models.sort();
    let keys: Vec<ModelKey> = models
        .iter()
        .filter_map(|(i, f, v, _)| {
            let ecu = by_install.get(i)?;
            let manifest = found.get(ecu)?.1.manifest_digest.clone();
            Some((f.clone(), v.clone(), manifest))
        })
        .collect();
    let registry = registry_views(db, &keys)?;
    for (install, family, version, stage) in models {
        let Some((_, view)) = by_install.get(&install).and_then(|e| found.get_mut(e)) else {
            continue;
        };
        let key = (
            family.clone(),
            version.clone(),
            view.manifest_digest.clone(),
        );
        view.models.push(ModelView {
            family,
            version,
            stage,
            registry: registry.get(&key).cloned(),
        });
    }
    Ok(found.into_iter().map(|(e, (_, v))| (e, v)).collect())
}

/// An ECU row: where and when it was fitted.
pub(crate) struct EcuRow {
    pub(crate) id: i64,
    pub(crate) position: String,
    pub(crate) hardware_id: String,
    pub(crate) serial: String,
    pub(crate) fitted_at: u64,
    pub(crate) removed_at: Option<u64>,
}

/// The ECUs of vehicle `vehicle` fitted at `at` (now when `None`).
pub(crate) fn ecus_at(db: &mut Db, vehicle: i64, at: Option<u64>) -> Result<Vec<EcuRow>> {
    let rows = match at {
        None => db.query(
            "SELECT id, position, hardware_id, serial, fitted_at, removed_at FROM ecus
              WHERE vehicle_id = ?1 AND removed_at IS NULL ORDER BY position",
            vals![vehicle],
        )?,
        Some(t) => db.query(
            "SELECT id, position, hardware_id, serial, fitted_at, removed_at FROM ecus
              WHERE vehicle_id = ?1 AND fitted_at <= ?2 AND (removed_at IS NULL OR removed_at > ?2)
              ORDER BY position",
            vals![vehicle, int(t)],
        )?,
    };
    rows.iter()
        .map(|r| {
            Ok(EcuRow {
                id: r.int(0)?,
                position: r.text(1)?,
                hardware_id: r.text(2)?,
                serial: r.text(3)?,
                fitted_at: r.u64(4)?,
                removed_at: r.opt_u64(5)?,
            })
        })
        .collect()
}

impl Inventory {
    /// A vehicle now, or at `at`.
    pub fn show(&mut self, vin: &str, at: Option<u64>) -> Result<VehicleView> {
        let db = &mut self.db;
        let v = db
            .query_one(
                "SELECT id, enrolled_at FROM vehicles WHERE vin = ?1",
                vals![vin],
            )?
            .ok_or_else(|| no_vehicle(vin))?;
        let (vehicle, enrolled_at) = (v.int(0)?, v.u64(1)?);
        let prescribed = db
            .query_one(
                "SELECT config_digest, config_id, config_version, assigned_at, reason
                   FROM assignments WHERE vehicle_id = ?1 AND assigned_at <= ?2
                  ORDER BY assigned_at DESC, id DESC LIMIT 1",
                vals![vehicle, int(at.unwrap_or(u64::MAX >> 1))],
            )?
            .map(|r| assignment(&r))
            .transpose()?;
        let fitted = ecus_at(db, vehicle, at)?;
        let ids: Vec<i64> = fitted.iter().map(|e| e.id).collect();
        let id_vals: Vec<Val> = ids.iter().map(|i| Val::Int(*i)).collect();
        let mut keys: std::collections::HashMap<i64, String> = Default::default();
        for r in db.query_in(
            "SELECT ecu_id, algorithm, key_id FROM ecu_keys
              WHERE ecu_id IN ({}) AND retired_at IS NULL AND revoked_at IS NULL",
            &id_vals,
        )? {
            keys.insert(r.int(0)?, format!("{}:{}", r.text(1)?, r.text(2)?));
        }
        let mut installed = installs_at(db, vehicle, &ids, at)?;
        let ecus = fitted
            .into_iter()
            .map(|e| EcuView {
                key: keys.remove(&e.id),
                installed: installed.remove(&e.id),
                position: e.position,
                hardware_id: e.hardware_id,
                serial: e.serial,
                fitted_at: e.fitted_at,
                removed_at: e.removed_at,
            })
            .collect();
        Ok(VehicleView {
            vin: vin.to_owned(),
            at,
            enrolled_at,
            prescribed,
            ecus,
        })
    }

    /// Which vehicles run what `filter` names, now or at `at`: how many,
    /// and a page of their VINs.
    pub fn which(&mut self, filter: &Filter, at: Option<u64>, page: Page) -> Result<WhichAnswer> {
        let db = &mut self.db;
        let [limit, offset] = page_vals(page);
        let (count, vins) = match (filter, at) {
            // The common question, answered from the running counts: one
            // row for the count, one index range for the page.
            (Filter::Model { family, version }, None) => {
                let count = db
                    .query_one(
                        "SELECT vehicles FROM running_counts WHERE family = ?1 AND version = ?2",
                        vals![family, version],
                    )?
                    .map_or(Ok(0), |r| r.u64(0))?;
                let vins = db.query(
                    "SELECT v.vin FROM running r JOIN vehicles v ON v.id = r.vehicle_id
                      WHERE r.family = ?1 AND r.version = ?2
                      ORDER BY r.vehicle_id LIMIT ?3 OFFSET ?4",
                    vals![family, version, limit, offset],
                )?;
                (count, vins)
            }
            _ => {
                let (set, mut params) = vehicle_set(filter, at);
                let count = db
                    .query_one(
                        &format!(
                            "SELECT COUNT(*) FROM (SELECT DISTINCT vehicle_id FROM ({set}) s) c"
                        ),
                        &params,
                    )?
                    .map_or(Ok(0), |r| r.u64(0))?;
                let n = params.len();
                params.extend([limit, offset]);
                let vins = db.query(
                    &format!(
                        "SELECT v.vin FROM vehicles v WHERE v.id IN (SELECT vehicle_id FROM ({set}) s)
                          ORDER BY v.id LIMIT ?{} OFFSET ?{}",
                        n + 1,
                        n + 2
                    ),
                    &params,
                )?;
                (count, vins)
            }
        };
        let vins = vins
            .iter()
            .map(|r| r.text(0))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(WhichAnswer {
            question: filter.describe(),
            at,
            vehicles: count,
            vins: paged(vins, page),
        })
    }

    /// Vehicles whose reported configuration differs from the prescribed
    /// one, that have an ECU that never reported, or that run a withdrawn
    /// model version or a bundle the registry does not know.
    pub fn drift(&mut self, page: Page) -> Result<Paged<Drift>> {
        let db = &mut self.db;
        let mut found: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut add = |vin: String, why: String| found.entry(vin).or_default().push(why);
        // Configuration reported ≠ prescribed.
        for r in db.query(
            "SELECT v.vin, e.position, b.config_digest, a.config_digest
               FROM vehicles v JOIN assignments a ON a.id = v.assignment_id
               JOIN ecus e ON e.vehicle_id = v.id AND e.removed_at IS NULL
               JOIN installs i ON i.id = e.current_install JOIN bundles b ON b.id = i.bundle_id
              WHERE b.config_digest IS NOT NULL AND b.config_digest <> a.config_digest",
            &[],
        )? {
            add(
                r.text(0)?,
                format!(
                    "{}: runs under configuration {}, prescribed {}",
                    r.text(1)?,
                    short(&r.text(2)?),
                    short(&r.text(3)?)
                ),
            );
        }
        // A component the prescribed configuration lists for a position,
        // where that position runs another manifest.
        for r in db.query(
            "SELECT v.vin, e.position, cm.family, cm.version, cm.manifest_digest, b.manifest_digest
               FROM vehicles v JOIN assignments a ON a.id = v.assignment_id
               JOIN manifests m ON m.digest = a.config_digest
               JOIN config_models cm ON cm.manifest_id = m.id
               JOIN ecus e ON e.vehicle_id = v.id AND e.removed_at IS NULL AND e.position = cm.ecu
               JOIN installs i ON i.id = e.current_install JOIN bundles b ON b.id = i.bundle_id
              WHERE b.kind = 'component' AND b.manifest_digest <> cm.manifest_digest",
            &[],
        )? {
            add(
                r.text(0)?,
                format!(
                    "{}: runs manifest {}, the configuration prescribes {}@{} ({})",
                    r.text(1)?,
                    short(&r.text(5)?),
                    r.text(2)?,
                    r.text(3)?,
                    short(&r.text(4)?)
                ),
            );
        }
        // A prescribed configuration the registry does not know.
        for r in db.query(
            "SELECT v.vin, a.config_digest FROM vehicles v JOIN assignments a ON a.id = v.assignment_id
              WHERE NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = a.config_digest)",
            &[],
        )? {
            add(
                r.text(0)?,
                format!(
                    "prescribed configuration {} is not in the registry",
                    short(&r.text(1)?)
                ),
            );
        }
        // ECUs that never reported.
        for r in db.query(
            "SELECT v.vin, e.position FROM ecus e JOIN vehicles v ON v.id = e.vehicle_id
              WHERE e.removed_at IS NULL AND e.current_install IS NULL",
            &[],
        )? {
            add(r.text(0)?, format!("{}: has not reported", r.text(1)?));
        }
        // Who runs a manifest now: its bundles (few), then their running
        // installs through the partial index.
        const RUNNING: &str = "SELECT v.vin, e.position FROM bundles b
               JOIN installs i ON i.bundle_id = b.id
               JOIN ecus e ON e.id = i.ecu_id JOIN vehicles v ON v.id = i.vehicle_id
              WHERE b.manifest_digest = ?1 AND i.until IS NULL";
        // Unknown bundles (the registry may have learnt them since).
        let unknown = db.query(
            "SELECT DISTINCT b.manifest_digest FROM bundles b
              WHERE NOT EXISTS (SELECT 1 FROM manifests m WHERE m.digest = b.manifest_digest)",
            &[],
        )?;
        for u in unknown {
            let manifest = u.text(0)?;
            for r in db.query(RUNNING, vals![&manifest])? {
                add(
                    r.text(0)?,
                    format!(
                        "{}: runs manifest {}, which the registry does not know",
                        r.text(1)?,
                        short(&manifest)
                    ),
                );
            }
        }
        // Withdrawn versions still running: the withdrawn releases first.
        let withdrawn = db.query(
            "SELECT se.family, se.version, se.manifest_digest FROM stage_events se
              WHERE se.action = 'withdraw' AND NOT EXISTS (
                    SELECT 1 FROM stage_events later
                     WHERE later.family = se.family AND later.version = se.version
                       AND later.manifest_digest = se.manifest_digest
                       AND (later.at > se.at OR (later.at = se.at AND later.id > se.id)))",
            &[],
        )?;
        for w in withdrawn {
            let (family, version, manifest) = (w.text(0)?, w.text(1)?, w.text(2)?);
            for r in db.query(RUNNING, vals![&manifest])? {
                add(
                    r.text(0)?,
                    format!(
                        "{}: runs {family}@{version}, which was withdrawn",
                        r.text(1)?
                    ),
                );
            }
        }
        let items: Vec<Drift> = found
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(usize::try_from(page.limit.saturating_add(1)).unwrap_or(usize::MAX))
            .map(|(vin, mut reasons)| {
                // By position, whichever check found them.
                reasons.sort();
                Drift { vin, reasons }
            })
            .collect();
        Ok(paged(items, page))
    }

    /// What changed on `vin` between `t1` and `t2`: each position whose
    /// install differs.
    pub fn diff(&mut self, vin: &str, t1: u64, t2: u64) -> Result<Vec<Change>> {
        let db = &mut self.db;
        let vehicle = vehicle_id(db, vin)?.ok_or_else(|| no_vehicle(vin))?;
        let mut by_position: BTreeMap<String, (Option<InstallView>, Option<InstallView>)> =
            BTreeMap::new();
        for (slot, t) in [(0, t1), (1, t2)] {
            let fitted = ecus_at(db, vehicle, Some(t))?;
            let ids: Vec<i64> = fitted.iter().map(|e| e.id).collect();
            let mut installed = installs_at(db, vehicle, &ids, Some(t))?;
            for ecu in fitted {
                let i = installed.remove(&ecu.id);
                let e = by_position.entry(ecu.position).or_default();
                if slot == 0 {
                    e.0 = i;
                } else {
                    e.1 = i;
                }
            }
        }
        Ok(by_position
            .into_iter()
            .filter(|(_, (a, b))| {
                a.as_ref().map(|i| (&i.manifest_digest, &i.config_digest))
                    != b.as_ref().map(|i| (&i.manifest_digest, &i.config_digest))
            })
            .map(|(position, (before, after))| Change {
                position,
                before,
                after,
            })
            .collect())
    }
}

fn assignment(r: &Row) -> Result<AssignmentView> {
    Ok(AssignmentView {
        config_digest: r.text(0)?,
        config: match (r.opt_text(1)?, r.opt_text(2)?) {
            (Some(i), Some(v)) => Some(format!("{i}@{v}")),
            _ => None,
        },
        assigned_at: r.u64(3)?,
        reason: r.text(4)?,
    })
}

/// The first 16 hex digits of a digest, for one-line reasons.
fn short(d: &str) -> &str {
    d.get(..16).unwrap_or(d)
}

/// A subquery giving the `vehicle_id`s that match `filter` at `at` (now
/// when `None`), and its parameters.
fn vehicle_set(filter: &Filter, at: Option<u64>) -> (String, Vec<Val>) {
    // Installs (and their models) in force at the time asked.
    let (when, mut params): (String, Vec<Val>) = match at {
        None => ("X.until IS NULL".into(), vec![]),
        Some(t) => (
            "X.since <= ?1 AND (X.until IS NULL OR X.until > ?1)".into(),
            vec![int(t)],
        ),
    };
    let next = |p: &Vec<Val>| p.len() + 1;
    let models_when = when.replace("X.", "im.");
    let installs_when = when.replace("X.", "i.");
    let sql = match filter {
        Filter::Model { family, version } => {
            let n = next(&params);
            params.extend([Val::from(family), Val::from(version)]);
            format!(
                "SELECT im.vehicle_id FROM install_models im
                  WHERE im.family = ?{n} AND im.version = ?{} AND {models_when}",
                n + 1
            )
        }
        Filter::Config { id, version } => {
            let n = next(&params);
            params.extend([Val::from(id), Val::from(version)]);
            format!(
                "SELECT i.vehicle_id FROM bundles b JOIN installs i ON i.bundle_id = b.id
                  WHERE b.config_id = ?{n} AND b.config_version = ?{} AND {installs_when}",
                n + 1
            )
        }
        Filter::Stage(stage) => {
            let n = next(&params);
            params.push(Val::from(stage));
            format!(
                "SELECT im.vehicle_id FROM install_models im WHERE im.stage = ?{n} AND {models_when}"
            )
        }
        Filter::Dataset(_) | Filter::Commit(_) => {
            let (links, value) = match filter {
                Filter::Dataset(d) => (&Lineage::NAMES[0..3], d),
                Filter::Commit(c) => (&Lineage::NAMES[4..5], c),
                _ => (&Lineage::NAMES[0..0], &String::new()),
            };
            let quoted: Vec<String> = links.iter().map(|l| format!("'{l}'")).collect();
            let n = next(&params);
            params.push(Val::from(value));
            format!(
                "SELECT im.vehicle_id FROM install_models im
                   JOIN installs i ON i.id = im.install_id JOIN bundles b ON b.id = i.bundle_id
                   JOIN manifests m ON m.digest = b.manifest_digest
                   JOIN model_versions mv ON mv.manifest_id = m.id
                        AND mv.family = im.family AND mv.version = im.version
                   JOIN lineage l ON l.model_id = mv.id
                  WHERE l.link IN ({}) AND l.value = ?{n} AND {models_when}",
                quoted.join(", ")
            )
        }
        Filter::Package { name, version } => {
            let n = next(&params);
            params.extend([Val::from(name), Val::from(version)]);
            format!(
                "SELECT i.vehicle_id FROM sbom_packages p
                   JOIN manifests m ON m.id = p.manifest_id
                   JOIN bundles b ON b.manifest_digest = m.digest
                   JOIN installs i ON i.bundle_id = b.id
                  WHERE p.name = ?{n} AND p.version = ?{} AND {installs_when}",
                n + 1
            )
        }
    };
    (sql, params)
}
