//! Ingest of signed version reports: each checked against the key
//! enrolled for the ECU it names (on every core), ordered by the ECU's
//! report sequence number, and recorded — the report, and what the ECU
//! runs from when — in transactions of [`IngestOptions::batch`] reports.
//!
//! A report is refused, with its reason and without changing anything,
//! when it does not parse, names an unknown or removed ECU (or one of
//! another vehicle than the upload's), fails the signature check with the
//! key in force (said as "revoked" or "retired" when an older key of that
//! ECU verifies it), or has a sequence number not above the last recorded.
//! The same report twice is a no-op; a manifest the registry does not know
//! is recorded and flagged.

use crate::db::{Db, Dialect, int};
use crate::{Error, Inventory, Result, vals};
use modelseal::report::{EcuPublicKey, Expectation, Freshness, VerifiedReport};
use serde::Serialize;
use sha2::Digest as _;

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The vehicle the reports were uploaded from, when known: a report of
    /// an ECU enrolled under another VIN is then refused.
    pub vin: Option<String>,
    /// When the reports were received (seconds): their time when the ECU
    /// has no trusted clock.
    pub received_at: u64,
    /// Signature-checking threads (0: one per core).
    pub threads: usize,
    /// Reports per transaction.
    pub batch: usize,
}

impl Default for IngestOptions {
    fn default() -> Self {
        Self {
            vin: None,
            received_at: crate::now(),
            threads: 0,
            batch: DEFAULT_BATCH,
        }
    }
}

/// Reports per transaction by default: large enough to amortise the
/// commit (a disk flush), small enough that a failure loses little work.
pub const DEFAULT_BATCH: usize = 2_000;

/// How often a batch that lost a race with another ingesting process is
/// tried again (it then finds the other's rows and records the rest).
const CONFLICT_RETRIES: usize = 3;

/// What happened to one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Where it came from (a file name, or its index in a stream).
    pub source: String,
    /// `recorded`, `duplicate` or `refused`.
    pub outcome: &'static str,
    /// The vehicle, when the ECU is known.
    pub vin: Option<String>,
    /// The ECU's position, when known.
    pub position: Option<String>,
    /// The report's sequence number, when it verified.
    pub sequence: Option<u64>,
    /// The installed manifest (hex), when it verified.
    pub manifest_digest: Option<String>,
    /// Recorded, but the registry does not know the manifest.
    pub unknown_manifest: bool,
    /// Why it was refused.
    pub reason: Option<String>,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Reports recorded.
    pub recorded: u64,
    /// Reports already recorded (no-ops).
    pub duplicates: u64,
    /// Reports refused.
    pub refused: u64,
    /// Recorded reports whose manifest the registry does not know.
    pub unknown_manifests: u64,
    /// One entry per report, in input order.
    pub reports: Vec<Outcome>,
}

/// A report whose ECU was found, waiting for its signature check.
struct Candidate {
    index: usize,
    ecu: EcuRow,
    bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
struct EcuRow {
    id: i64,
    vehicle_id: i64,
    vin: String,
    position: String,
    serial: String,
    /// (key id, key, retired, revoked), newest first.
    keys: Vec<(String, EcuPublicKey, bool, bool)>,
}

/// A report that verified.
struct Checked {
    index: usize,
    ecu: EcuRow,
    report: VerifiedReport,
    digest: String,
    bytes: Vec<u8>,
}

impl Inventory {
    /// Ingests `reports` ((source, bytes) pairs).
    pub fn ingest(
        &mut self,
        reports: Vec<(String, Vec<u8>)>,
        opts: &IngestOptions,
    ) -> Result<Summary> {
        let mut out: Vec<Outcome> = reports
            .iter()
            .map(|(source, _)| Outcome {
                source: source.clone(),
                outcome: "refused",
                vin: None,
                position: None,
                sequence: None,
                manifest_digest: None,
                unknown_manifest: false,
                reason: None,
            })
            .collect();
        let candidates = self.find_ecus(reports, opts, &mut out)?;
        let mut checked = check_all(candidates, opts.threads, &mut out);
        checked.sort_by_key(|c| (c.ecu.id, c.report.sequence));
        for chunk in checked.chunks(opts.batch.max(1)) {
            let mut tries = 0;
            loop {
                let r = self.db.transaction(|db| {
                    chunk
                        .iter()
                        .map(|c| record(db, c, opts))
                        .collect::<Result<Vec<_>>>()
                });
                match r {
                    Ok(results) => {
                        for (c, r) in chunk.iter().zip(results) {
                            apply(&mut out[c.index], c, r);
                        }
                        break;
                    }
                    Err(e) if e.is_conflict() && tries < CONFLICT_RETRIES => tries += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        let mut s = Summary::default();
        for o in &out {
            match o.outcome {
                "recorded" => s.recorded += 1,
                "duplicate" => s.duplicates += 1,
                _ => s.refused += 1,
            }
            s.unknown_manifests += u64::from(o.unknown_manifest);
        }
        s.reports = out;
        Ok(s)
    }

    /// The ECU each report claims to be from, with its keys; refuses what
    /// does not parse or names no ECU fitted now.
    fn find_ecus(
        &mut self,
        reports: Vec<(String, Vec<u8>)>,
        opts: &IngestOptions,
        out: &mut [Outcome],
    ) -> Result<Vec<Candidate>> {
        let mut cache: std::collections::HashMap<(String, String), Option<EcuRow>> =
            std::collections::HashMap::new();
        let mut found = Vec::with_capacity(reports.len());
        for (index, (_, bytes)) in reports.into_iter().enumerate() {
            let Some(claimed) = modelseal::report::claimed_ecu(&bytes) else {
                out[index].reason = Some(parse_failure(&bytes));
                continue;
            };
            if !cache.contains_key(&claimed) {
                let row = load_ecu(&mut self.db, &claimed.0, &claimed.1)?;
                cache.insert(claimed.clone(), row);
            }
            let Some(ecu) = cache.get(&claimed).cloned().flatten() else {
                out[index].reason = Some(self.why_unknown(&claimed.0, &claimed.1)?);
                continue;
            };
            out[index].vin = Some(ecu.vin.clone());
            out[index].position = Some(ecu.position.clone());
            if let Some(vin) = &opts.vin {
                if *vin != ecu.vin {
                    out[index].reason = Some(format!(
                        "ECU {} serial {} is enrolled under {}, not {vin}",
                        claimed.0, claimed.1, ecu.vin
                    ));
                    continue;
                }
            }
            found.push(Candidate { index, ecu, bytes });
        }
        Ok(found)
    }

    fn why_unknown(&mut self, hardware_id: &str, serial: &str) -> Result<String> {
        let removed = self.db.query_one(
            "SELECT v.vin, e.position FROM ecus e JOIN vehicles v ON v.id = e.vehicle_id
              WHERE e.hardware_id = ?1 AND e.serial = ?2 ORDER BY e.id DESC",
            vals![hardware_id, serial],
        )?;
        Ok(match removed {
            Some(r) => format!(
                "ECU {hardware_id} serial {serial} was removed from {} {}",
                r.text(0)?,
                r.text(1)?
            ),
            None => format!("unknown ECU: {hardware_id} serial {serial} is not enrolled"),
        })
    }
}

/// Why a report that names no ECU does not parse.
fn parse_failure(bytes: &[u8]) -> String {
    match modelseal_core::report::parse(bytes) {
        Err(e) => format!("not a version report: {e}"),
        Ok(_) => "not a version report: the body does not decode".into(),
    }
}

fn load_ecu(db: &mut Db, hardware_id: &str, serial: &str) -> Result<Option<EcuRow>> {
    let Some(r) = db.query_one(
        "SELECT e.id, e.vehicle_id, v.vin, e.position FROM ecus e
           JOIN vehicles v ON v.id = e.vehicle_id
          WHERE e.hardware_id = ?1 AND e.serial = ?2 AND e.removed_at IS NULL",
        vals![hardware_id, serial],
    )?
    else {
        return Ok(None);
    };
    let id = r.int(0)?;
    let mut keys = Vec::new();
    for k in db.query(
        "SELECT key_id, algorithm, public_key, retired_at, revoked_at FROM ecu_keys
          WHERE ecu_id = ?1 ORDER BY id DESC",
        vals![id],
    )? {
        let alg = modelseal::report::parse_algorithm(&k.text(1)?).map_err(|_| Error::Internal {
            invariant: "stored key algorithms are known",
        })?;
        let key = EcuPublicKey::from_bytes(alg, &k.blob(2)?)?;
        keys.push((
            k.text(0)?,
            key,
            k.opt_int(3)?.is_some(),
            k.opt_int(4)?.is_some(),
        ));
    }
    Ok(Some(EcuRow {
        id,
        vehicle_id: r.int(1)?,
        vin: r.text(2)?,
        position: r.text(3)?,
        serial: serial.to_owned(),
        keys,
    }))
}

/// Checks every candidate's signature, on `threads` threads (0: one per
/// core). Ed25519 with the strict rules (no batch verification: it is not
/// strict).
fn check_all(candidates: Vec<Candidate>, threads: usize, out: &mut [Outcome]) -> Vec<Checked> {
    let n = match threads {
        0 => std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        t => t,
    }
    .clamp(1, candidates.len().max(1));
    let per = candidates.len().div_ceil(n).max(1);
    let results: Vec<std::result::Result<Checked, (usize, String)>> = std::thread::scope(|s| {
        let handles: Vec<_> = candidates
            .chunks(per)
            .map(|chunk| s.spawn(move || chunk.iter().map(check_one).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err((usize::MAX, "checker thread failed".into()))])
            })
            .collect()
    });
    let mut checked = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(c) => checked.push(c),
            Err((i, why)) => {
                if let Some(o) = out.get_mut(i) {
                    o.reason = Some(why);
                }
            }
        }
    }
    checked
}

fn check_one(c: &Candidate) -> std::result::Result<Checked, (usize, String)> {
    let expect = |key: &EcuPublicKey| Expectation {
        key: key.clone(),
        serial: Some(c.ecu.serial.clone()),
        freshness: Freshness::UnsolicitedNoNonceCheck,
        last_sequence: None,
        manifest_digest: None,
    };
    let in_force = c.ecu.keys.iter().find(|k| !k.2 && !k.3);
    let first = match in_force {
        Some((_, key, _, _)) => modelseal::report::verify(&c.bytes, &expect(key)),
        None => Err(modelseal::report::ReportError::Signature {
            key_id: String::new(),
        }),
    };
    match first {
        Ok(report) => Ok(Checked {
            index: c.index,
            ecu: c.ecu.clone(),
            report,
            digest: hex::encode(sha2::Sha256::digest(&c.bytes)),
            bytes: c.bytes.clone(),
        }),
        Err(modelseal::report::ReportError::Signature { .. }) => {
            // Name the refusal: an older key of this ECU that verifies it.
            let old = c
                .ecu
                .keys
                .iter()
                .filter(|k| k.2 || k.3)
                .find(|k| modelseal::report::verify(&c.bytes, &expect(&k.1)).is_ok());
            let why = match (old, in_force) {
                (Some((id, _, _, true)), _) => format!("signed by revoked key {id}"),
                (Some((id, _, _, _)), _) => format!("signed by retired key {id}"),
                (None, Some((id, ..))) => format!(
                    "signature does not verify with the key enrolled for this ECU ({id}): forged or damaged"
                ),
                (None, None) => "the ECU has no key in force (revoked)".into(),
            };
            Err((c.index, why))
        }
        Err(e) => Err((c.index, e.to_string())),
    }
}

/// What recording one report did.
enum Recorded {
    New { unknown_manifest: bool },
    Duplicate,
    Stale { last: u64 },
}

fn apply(o: &mut Outcome, c: &Checked, r: Recorded) {
    o.sequence = Some(c.report.sequence);
    o.manifest_digest = Some(c.report.manifest_digest.clone());
    match r {
        Recorded::New { unknown_manifest } => {
            o.outcome = "recorded";
            o.unknown_manifest = unknown_manifest;
        }
        Recorded::Duplicate => o.outcome = "duplicate",
        Recorded::Stale { last } => {
            o.reason = Some(format!(
                "sequence {} is not above the last recorded for this ECU ({last}): replayed or out of order",
                c.report.sequence
            ));
        }
    }
}

fn record(db: &mut Db, c: &Checked, opts: &IngestOptions) -> Result<Recorded> {
    if db
        .query_one("SELECT id FROM reports WHERE digest = ?1", vals![&c.digest])?
        .is_some()
    {
        return Ok(Recorded::Duplicate);
    }
    let lock = match db.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE",
    };
    let state = db
        .query_one(
            &format!("SELECT last_sequence, removed_at FROM ecus WHERE id = ?1{lock}"),
            vals![c.ecu.id],
        )?
        .ok_or(Error::Internal {
            invariant: "an ECU found stays recorded",
        })?;
    if let Some(last) = state.opt_u64(0)? {
        if c.report.sequence <= last {
            return Ok(Recorded::Stale { last });
        }
    }
    let r = &c.report;
    let known = db
        .query_one(
            "SELECT id FROM manifests WHERE digest = ?1",
            vals![&r.manifest_digest],
        )?
        .is_some();
    let observed = r.time.unwrap_or(opts.received_at);
    let report_id = db
        .query_one(
            "INSERT INTO reports (ecu_id, digest, sequence, key_id, reported_time, received_at,
                                  observed_at, manifest_digest, known_manifest, body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            vals![
                c.ecu.id,
                &c.digest,
                int(r.sequence),
                &r.ecu_key_id,
                r.time.map(int),
                int(opts.received_at),
                int(observed),
                &r.manifest_digest,
                known,
                c.bytes.clone(),
            ],
        )?
        .ok_or(Error::Internal {
            invariant: "INSERT … RETURNING returns the row",
        })?
        .int(0)?;
    let install = update_install(db, c, report_id, observed, known)?;
    // A report from before the recorded fitting date: the ECU was there.
    db.exec(
        "UPDATE ecus SET fitted_at = ?1 WHERE id = ?2 AND fitted_at > ?1",
        vals![int(observed), c.ecu.id],
    )?;
    db.exec(
        "UPDATE ecus SET last_sequence = ?1, current_install = ?2 WHERE id = ?3",
        vals![int(r.sequence), install, c.ecu.id],
    )?;
    Ok(Recorded::New {
        unknown_manifest: !known,
    })
}

/// Extends the ECU's current install with this report, or ends it and
/// starts a new one when the manifest or configuration changed.
fn update_install(
    db: &mut Db,
    c: &Checked,
    report_id: i64,
    observed: u64,
    known: bool,
) -> Result<i64> {
    let r = &c.report;
    let config_digest = r.config.as_ref().map(|k| k.digest.clone());
    let current = db.query_one(
        "SELECT i.id, i.manifest_digest, i.config_digest FROM ecus e
           JOIN installs i ON i.id = e.current_install WHERE e.id = ?1",
        vals![c.ecu.id],
    )?;
    if let Some(cur) = &current {
        if cur.text(1)? == r.manifest_digest && cur.opt_text(2)? == config_digest {
            let id = cur.int(0)?;
            db.exec(
                "UPDATE installs SET last_report = ?1 WHERE id = ?2",
                vals![report_id, id],
            )?;
            return Ok(id);
        }
    }
    end_current_install(db, c.ecu.id, observed)?;
    let id = db
        .query_one(
            "INSERT INTO installs (ecu_id, vehicle_id, manifest_digest, kind, bundle_version,
                                   config_id, config_version, config_digest, known_manifest,
                                   since, first_report, last_report)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11) RETURNING id",
            vals![
                c.ecu.id,
                c.ecu.vehicle_id,
                &r.manifest_digest,
                &r.kind,
                &r.version,
                r.config.as_ref().map(|k| k.config_id.clone()),
                r.config.as_ref().map(|k| k.config_version.clone()),
                config_digest,
                known,
                int(observed),
                report_id,
            ],
        )?
        .ok_or(Error::Internal {
            invariant: "INSERT … RETURNING returns the row",
        })?
        .int(0)?;
    for m in &r.components {
        db.exec(
            "INSERT INTO install_models (install_id, vehicle_id, family, version, stage, since)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            vals![
                id,
                c.ecu.vehicle_id,
                &m.family,
                &m.version,
                &m.stage,
                int(observed)
            ],
        )?;
        running_add(db, &m.family, &m.version, c.ecu.vehicle_id)?;
    }
    Ok(id)
}

/// Ends the ECU's current install at `at` (not before it began), and takes
/// its models out of the running counts.
pub(crate) fn end_current_install(db: &mut Db, ecu: i64, at: u64) -> Result<()> {
    let Some(cur) = db.query_one(
        "SELECT i.id, i.since, i.vehicle_id FROM ecus e
           JOIN installs i ON i.id = e.current_install WHERE e.id = ?1",
        vals![ecu],
    )?
    else {
        return Ok(());
    };
    let (id, since, vehicle) = (cur.int(0)?, cur.u64(1)?, cur.int(2)?);
    let until = int(at.max(since));
    db.exec(
        "UPDATE installs SET until = ?1 WHERE id = ?2",
        vals![until.clone(), id],
    )?;
    db.exec(
        "UPDATE install_models SET until = ?1 WHERE install_id = ?2",
        &[until, crate::Val::Int(id)],
    )?;
    for m in db.query(
        "SELECT family, version FROM install_models WHERE install_id = ?1",
        vals![id],
    )? {
        running_remove(db, &m.text(0)?, &m.text(1)?, vehicle)?;
    }
    Ok(())
}

fn running_add(db: &mut Db, family: &str, version: &str, vehicle: i64) -> Result<()> {
    let ecus = db
        .query_one(
            "INSERT INTO running (family, version, vehicle_id, ecus) VALUES (?1, ?2, ?3, 1)
             ON CONFLICT (family, version, vehicle_id) DO UPDATE SET ecus = running.ecus + 1
             RETURNING ecus",
            vals![family, version, vehicle],
        )?
        .ok_or(Error::Internal {
            invariant: "an upsert … RETURNING returns the row",
        })?
        .int(0)?;
    if ecus == 1 {
        db.exec(
            "INSERT INTO running_counts (family, version, vehicles) VALUES (?1, ?2, 1)
             ON CONFLICT (family, version) DO UPDATE SET vehicles = running_counts.vehicles + 1",
            vals![family, version],
        )?;
    }
    Ok(())
}

fn running_remove(db: &mut Db, family: &str, version: &str, vehicle: i64) -> Result<()> {
    let left = db.query_one(
        "UPDATE running SET ecus = ecus - 1
          WHERE family = ?1 AND version = ?2 AND vehicle_id = ?3 RETURNING ecus",
        vals![family, version, vehicle],
    )?;
    if left.map(|r| r.int(0)).transpose()? == Some(0) {
        db.exec(
            "DELETE FROM running WHERE family = ?1 AND version = ?2 AND vehicle_id = ?3",
            vals![family, version, vehicle],
        )?;
        db.exec(
            "UPDATE running_counts SET vehicles = vehicles - 1 WHERE family = ?1 AND version = ?2",
            vals![family, version],
        )?;
    }
    Ok(())
}
