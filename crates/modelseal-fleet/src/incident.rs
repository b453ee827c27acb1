//! Incidents — linked, when recorded, to what every ECU of the vehicle ran
//! at that time — and the walk from an incident to the model versions, the
//! datasets they were trained, validated and tested on, the experiment and
//! the release gate. And results from the road per model version.

use crate::db::{Db, int};
use crate::enroll::{no_vehicle, vehicle_id};
use crate::query::{EcuView, InstallView, ecus_at, installs_at};
use crate::{Error, Inventory, Page, Paged, Result, page_vals, paged, vals};
use serde::Serialize;

/// The kinds of incident.
pub const KINDS: [&str; 3] = ["safety", "security", "performance"];

/// An incident to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    /// The vehicle.
    pub vin: String,
    /// When it happened.
    pub at: u64,
    /// `safety`, `security` or `performance`.
    pub kind: String,
    /// Its id in the incident tracker (unique).
    pub external_id: String,
    /// Operational design domain tags (weather, road, light, …).
    pub odd: Vec<String>,
    /// One paragraph.
    pub summary: String,
}

/// An incident, with what the vehicle ran at that time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentView {
    /// Its id in the incident tracker.
    pub external_id: String,
    /// The vehicle.
    pub vin: String,
    /// When it happened.
    pub at: u64,
    /// Kind.
    pub kind: String,
    /// ODD tags.
    pub odd: Vec<String>,
    /// Summary.
    pub summary: String,
    /// When it was recorded.
    pub recorded_at: u64,
    /// Every ECU of the vehicle at that time, with what it ran.
    pub ecus: Vec<EcuView>,
    /// The walk, one entry per model version the vehicle ran: for a
    /// workflow engine.
    pub models: Vec<ModelWalk>,
}

/// From an incident to one model version and what made it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelWalk {
    /// ECU position.
    pub position: String,
    /// Family.
    pub family: String,
    /// Version.
    pub version: String,
    /// Manifest digest (hex).
    pub manifest_digest: String,
    /// Whether the registry knows the release.
    pub registered: bool,
    /// Current stage in the registry.
    pub stage: Option<String>,
    /// Withdrawn since?
    pub withdrawn: bool,
    /// Training dataset.
    pub training_dataset: Option<String>,
    /// Validation dataset.
    pub validation_dataset: Option<String>,
    /// Test dataset.
    pub test_dataset: Option<String>,
    /// Experiment.
    pub experiment: Option<String>,
    /// Code commit.
    pub code_commit: Option<String>,
    /// Release gate result (the lineage link).
    pub release_gate: Option<String>,
    /// Signed release-gate evaluations: verdict and result id.
    pub release_gate_evaluations: Vec<String>,
}

/// One line of an incident list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncidentLine {
    /// Tracker id.
    pub external_id: String,
    /// VIN.
    pub vin: String,
    /// When.
    pub at: u64,
    /// Kind.
    pub kind: String,
    /// Summary.
    pub summary: String,
}

/// A result from the road for one model version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OnlineResult {
    /// Family.
    pub family: String,
    /// Version.
    pub version: String,
    /// Metric name.
    pub metric: String,
    /// Value.
    pub value: f64,
    /// Window start.
    pub window_start: u64,
    /// Window end.
    pub window_end: u64,
    /// Where it came from (the monitoring job).
    pub source: String,
}

impl Inventory {
    /// Records an incident and links it to what every ECU of the vehicle
    /// ran at `at`.
    pub fn add_incident(&mut self, i: &NewIncident) -> Result<IncidentView> {
        if !KINDS.contains(&i.kind.as_str()) {
            return Err(Error::Argument(format!(
                "incident kind `{}`: one of {}",
                i.kind,
                KINDS.join(", ")
            )));
        }
        if i.external_id.trim().is_empty() {
            return Err(Error::Argument(
                "an incident needs its tracker id (--external-id)".into(),
            ));
        }
        let now = crate::now();
        self.db.transaction(|db| {
            let vehicle = vehicle_id(db, &i.vin)?.ok_or_else(|| no_vehicle(&i.vin))?;
            if db
                .query_one(
                    "SELECT id FROM incidents WHERE external_id = ?1",
                    vals![&i.external_id],
                )?
                .is_some()
            {
                return Err(Error::Conflict(format!(
                    "incident {} is already recorded",
                    i.external_id
                )));
            }
            let id = db
                .query_one(
                    "INSERT INTO incidents (vehicle_id, at, kind, external_id, odd, summary, recorded_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                    vals![
                        vehicle,
                        int(i.at),
                        &i.kind,
                        &i.external_id,
                        i.odd.join(","),
                        &i.summary,
                        int(now)
                    ],
                )?
                .ok_or(Error::Internal {
                    invariant: "INSERT … RETURNING returns the row",
                })?
                .int(0)?;
            // What each ECU ran then: the vehicle's installs at that time,
            // one range of `installs_vehicle` (the walk reads the same), the
            // newest per ECU.
            let mut ran: std::collections::HashMap<i64, i64> = Default::default();
            for r in db.query(
                "SELECT ecu_id, id FROM installs WHERE vehicle_id = ?1 AND since <= ?2
                   AND (until IS NULL OR until > ?2) ORDER BY ecu_id, since DESC, id DESC",
                vals![vehicle, int(i.at)],
            )? {
                ran.entry(r.int(0)?).or_insert(r.int(1)?);
            }
            for ecu in ecus_at(db, vehicle, Some(i.at))? {
                let ecu = ecu.id;
                let install = ran.get(&ecu).copied();
                db.exec(
                    "INSERT INTO incident_installs (incident_id, ecu_id, install_id) VALUES (?1, ?2, ?3)",
                    vals![id, ecu, install],
                )?;
            }
            Ok(())
        })?;
        self.incident(&i.external_id)
    }

    /// An incident by its tracker id, with the walk.
    pub fn incident(&mut self, external_id: &str) -> Result<IncidentView> {
        let db = &mut self.db;
        let r = db
            .query_one(
                "SELECT n.id, v.vin, n.at, n.kind, n.odd, n.summary, n.recorded_at, n.vehicle_id
                   FROM incidents n JOIN vehicles v ON v.id = n.vehicle_id WHERE n.external_id = ?1",
                vals![external_id],
            )?
            .ok_or_else(|| Error::NotFound(format!("no incident {external_id}")))?;
        let (id, at) = (r.int(0)?, r.u64(2)?);
        let rows = db.query(
            "SELECT e.id, e.position, e.hardware_id, e.serial, e.fitted_at, e.removed_at, x.install_id
               FROM incident_installs x JOIN ecus e ON e.id = x.ecu_id
              WHERE x.incident_id = ?1 ORDER BY e.position",
            vals![id],
        )?;
        let with_install: Vec<i64> = rows
            .iter()
            .filter(|e| matches!(e.opt_int(6), Ok(Some(_))))
            .map(|e| e.int(0))
            .collect::<std::result::Result<_, _>>()?;
        let mut installed = installs_at(db, r.int(7)?, &with_install, Some(at))?;
        let mut ecus = Vec::with_capacity(rows.len());
        for e in rows {
            ecus.push(EcuView {
                position: e.text(1)?,
                hardware_id: e.text(2)?,
                serial: e.text(3)?,
                fitted_at: e.u64(4)?,
                removed_at: e.opt_u64(5)?,
                key: None,
                installed: installed.remove(&e.int(0)?),
            });
        }
        let models = ecus
            .iter()
            .flat_map(|e| e.installed.iter().map(move |i| (e.position.clone(), i)))
            .flat_map(|(p, i)| walk(&p, i))
            .collect();
        let odd = r.text(4)?;
        Ok(IncidentView {
            external_id: external_id.to_owned(),
            vin: r.text(1)?,
            at,
            kind: r.text(3)?,
            odd: odd
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            summary: r.text(5)?,
            recorded_at: r.u64(6)?,
            ecus,
            models,
        })
    }

    /// Incidents, newest first; with `model`, only those where the vehicle
    /// ran that `family@version`.
    pub fn incidents(
        &mut self,
        model: Option<(&str, &str)>,
        page: Page,
    ) -> Result<Paged<IncidentLine>> {
        let [limit, offset] = page_vals(page);
        let rows = match model {
            None => self.db.query(
                "SELECT n.external_id, v.vin, n.at, n.kind, n.summary
                   FROM incidents n JOIN vehicles v ON v.id = n.vehicle_id
                  ORDER BY n.at DESC, n.id DESC LIMIT ?1 OFFSET ?2",
                &[limit, offset],
            )?,
            Some((family, version)) => self.db.query(
                "SELECT n.external_id, v.vin, n.at, n.kind, n.summary
                   FROM incidents n JOIN vehicles v ON v.id = n.vehicle_id
                  WHERE EXISTS (SELECT 1 FROM incident_installs x
                                  JOIN install_models im
                                    ON im.vehicle_id = n.vehicle_id AND im.install_id = x.install_id
                                 WHERE x.incident_id = n.id AND im.family = ?1 AND im.version = ?2)
                  ORDER BY n.at DESC, n.id DESC LIMIT ?3 OFFSET ?4",
                vals![family, version, limit, offset],
            )?,
        };
        let items = rows
            .iter()
            .map(|r| {
                Ok(IncidentLine {
                    external_id: r.text(0)?,
                    vin: r.text(1)?,
                    at: r.u64(2)?,
                    kind: r.text(3)?,
                    summary: r.text(4)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(paged(items, page))
    }

    /// Records results from the road (monitoring summaries), in one
    /// transaction; the same result again is a no-op. The number recorded.
    pub fn add_online(&mut self, results: &[OnlineResult]) -> Result<u64> {
        let now = crate::now();
        self.db.transaction(|db| {
            let mut n = 0;
            for r in results {
                if r.window_end < r.window_start || !r.value.is_finite() {
                    return Err(Error::Argument(format!(
                        "{}@{} {}: the window must not end before it starts, the value must be finite",
                        r.family, r.version, r.metric
                    )));
                }
                n += insert_online(db, r, now)?;
            }
            Ok(n)
        })
    }

    /// Results from the road for `family@version`, by metric and time.
    pub fn online(&mut self, family: &str, version: &str) -> Result<Vec<OnlineResult>> {
        self.db
            .query(
                "SELECT metric, value, window_start, window_end, source FROM online_results
                  WHERE family = ?1 AND version = ?2 ORDER BY metric, window_start, source",
                vals![family, version],
            )?
            .iter()
            .map(|r| {
                Ok(OnlineResult {
                    family: family.to_owned(),
                    version: version.to_owned(),
                    metric: r.text(0)?,
                    value: r.real(1)?,
                    window_start: r.u64(2)?,
                    window_end: r.u64(3)?,
                    source: r.text(4)?,
                })
            })
            .collect()
    }
}

fn insert_online(db: &mut Db, r: &OnlineResult, now: u64) -> Result<u64> {
    let exists = db.query_one(
        "SELECT id FROM online_results WHERE family = ?1 AND version = ?2 AND metric = ?3
            AND window_start = ?4 AND window_end = ?5 AND source = ?6",
        vals![
            &r.family,
            &r.version,
            &r.metric,
            int(r.window_start),
            int(r.window_end),
            &r.source
        ],
    )?;
    if exists.is_some() {
        return Ok(0);
    }
    db.exec(
        "INSERT INTO online_results (family, version, metric, value, window_start, window_end, source, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        vals![
            &r.family,
            &r.version,
            &r.metric,
            r.value,
            int(r.window_start),
            int(r.window_end),
            &r.source,
            int(now)
        ],
    )?;
    Ok(1)
}

/// The walk entries of one install.
fn walk(position: &str, i: &InstallView) -> Vec<ModelWalk> {
    i.models
        .iter()
        .map(|m| {
            let link = |name: &str| {
                m.registry
                    .as_ref()
                    .and_then(|r| r.lineage.get(name).cloned())
            };
            let names = modelseal_core::doc::Lineage::NAMES;
            ModelWalk {
                position: position.to_owned(),
                family: m.family.clone(),
                version: m.version.clone(),
                manifest_digest: i.manifest_digest.clone(),
                registered: m.registry.is_some(),
                stage: m.registry.as_ref().map(|r| r.stage.clone()),
                withdrawn: m.registry.as_ref().is_some_and(|r| r.withdrawn),
                training_dataset: link(names[0]),
                validation_dataset: link(names[1]),
                test_dataset: link(names[2]),
                experiment: link(names[3]),
                code_commit: link(names[4]),
                release_gate: link(names[7]),
                release_gate_evaluations: m
                    .registry
                    .iter()
                    .flat_map(|r| r.evaluations.iter())
                    .filter(|e| e.suite_kind == "release-gate")
                    .map(|e| format!("{} {}", e.verdict, e.result_id))
                    .collect(),
            }
        })
        .collect()
}
