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

use crate::db::{BULK_ROWS, Db, Dialect, Val, int};
use crate::{Error, Inventory, Result, vals};
use modelseal::report::{Claimed, EcuPublicKey, Expectation, Freshness, VerifiedReport};
use serde::Serialize;
use sha2::Digest as _;

/// The vehicle and position a removed ECU (hardware id `?1`, serial
/// `?2`) was last fitted at: the refusal reason of a report it signed. A
/// search of `ecus_removed_serial`. Public, like [`EARLIER_ROWS`], so that
/// the tests check the plan of this text, not of a copy.
pub const REMOVED_ECU: &str =
    "SELECT v.vin, e.position FROM ecus e JOIN vehicles v ON v.id = e.vehicle_id
  WHERE e.hardware_id = ?1 AND e.serial = ?2 AND e.removed_at IS NOT NULL
  ORDER BY e.id DESC";

/// For the ECUs in the list (`{}`), the earlier rows of the same device
/// (hardware id and serial) that recorded a report, with their last
/// sequence: a device fitted again keeps counting where it was. The
/// earlier rows are the removed ones, found in `ecus_removed_serial`.
pub const EARLIER_ROWS: &str = "SELECT e.id, p.id, p.last_sequence
  FROM ecus e JOIN ecus p
    ON p.hardware_id = e.hardware_id AND p.serial = e.serial AND p.id <> e.id
   AND p.removed_at IS NOT NULL
 WHERE p.last_sequence IS NOT NULL AND e.id IN ({})";

/// How to ingest.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The vehicle the reports were uploaded from, when known: a report of
    /// an ECU enrolled under another VIN is then refused.
    pub vin: Option<String>,
    /// When the reports were received (seconds): their time when the ECU
    /// has no trusted clock.
    pub received_at: u64,
    /// Signature-checking threads (0: one per core, one fewer while a
    /// batch is being written).
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

/// Reports whose ECUs were found and whose signatures were checked,
/// waiting to be recorded ([`Inventory::check`], then
/// [`Inventory::record`]; [`Inventory::ingest`] does both).
pub struct CheckedBatch {
    out: Vec<Outcome>,
    checked: Vec<Checked>,
}

impl std::fmt::Debug for CheckedBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckedBatch")
            .field("reports", &self.out.len())
            .field("verified", &self.checked.len())
            .finish()
    }
}

impl CheckedBatch {
    /// Reports that verified (the rest are refused already).
    pub fn verified(&self) -> usize {
        self.checked.len()
    }
}

impl Inventory {
    /// Ingests `reports` ((source, bytes) pairs): each ECU's reports in the
    /// order of the sequence numbers they claim, the ECUs in the order their
    /// first report arrived, in batches of `opts.batch`; the signatures of
    /// one batch are checked (on every core) while the previous batch is
    /// written and the ECUs of the next are looked up.
    pub fn ingest(
        &mut self,
        reports: Vec<(String, Vec<u8>)>,
        opts: &IngestOptions,
    ) -> Result<Summary> {
        let mut out = outcomes(&reports);
        let claims: Vec<(Option<Claimed>, usize)> = reports
            .iter()
            .enumerate()
            .map(|(i, (_, b))| (modelseal::report::claimed(b), i))
            .collect();
        // Arrival order per ECU, not the order of the claimed hardware ids
        // and serials: a vehicle's ECUs report together, so its reports
        // stay in one batch and the rows they append lie together (sorted
        // by hardware id, a batch held one position of many vehicles, and
        // a vehicle's rows were spread over as many batches as it has
        // ECUs).
        let first_seen: Vec<usize> = {
            let mut first = std::collections::HashMap::with_capacity(claims.len());
            claims
                .iter()
                .map(|(c, i)| match c {
                    Some(c) => *first
                        .entry((c.hardware_id.as_str(), c.serial.as_str()))
                        .or_insert(*i),
                    None => *i,
                })
                .collect()
        };
        let mut ranked: Vec<(usize, Option<Claimed>, usize)> = claims
            .into_iter()
            .zip(first_seen)
            .map(|((c, i), first)| (first, c, i))
            .collect();
        ranked.sort();
        let order: Vec<(Option<Claimed>, usize)> =
            ranked.into_iter().map(|(_, c, i)| (c, i)).collect();
        let mut bytes: Vec<Option<Vec<u8>>> = reports.into_iter().map(|(_, b)| Some(b)).collect();
        let mut take =
            |chunk: &[(Option<Claimed>, usize)]| -> Vec<(usize, Option<Claimed>, Vec<u8>)> {
                chunk
                    .iter()
                    .map(|(c, i)| (*i, c.clone(), bytes[*i].take().unwrap_or_default()))
                    .collect()
            };
        let mut chunks = order.chunks(opts.batch.max(1));
        // The ECUs of the first batch are looked up before anything else
        // runs; those of each later batch while the batch before it is
        // checked (ingest changes no ECU's keys or fitting, so the lookup
        // sees what it would have seen after that batch was written).
        let mut candidates = match chunks.next() {
            Some(c) => self.find_ecus(take(c), opts, &mut out)?,
            None => return Ok(summary(out)),
        };
        let mut pending: Vec<Checked> = Vec::new();
        loop {
            let next = chunks.next().map(&mut take);
            let previous = std::mem::take(&mut pending);
            // By default one checking thread per core; while a batch is
            // written, one fewer, so that the writer (the slower side)
            // keeps a core of its own rather than a share of every core.
            let threads = match opts.threads {
                0 if !previous.is_empty() => cores().saturating_sub(1).max(1),
                t => t,
            };
            let current = std::mem::take(&mut candidates);
            let (checked, looked_up) = std::thread::scope(|s| {
                let checking = s.spawn(move || check_all(current, threads));
                let looked_up = self
                    .record_checked(&previous, opts, &mut out)
                    .and_then(|()| match next {
                        Some(items) => self.find_ecus(items, opts, &mut out).map(Some),
                        None => Ok(None),
                    });
                (checking.join(), looked_up)
            });
            let looked_up = looked_up?;
            let (mut checked, refused) = checked.map_err(|_| Error::Internal {
                invariant: "signature checks do not panic",
            })?;
            for (i, why) in refused {
                out[i].reason = Some(why);
            }
            checked.sort_by_key(|c| (c.ecu.id, c.report.sequence));
            pending = checked;
            match looked_up {
                Some(c) => candidates = c,
                None => break,
            }
        }
        self.record_checked(&pending, opts, &mut out)?;
        Ok(summary(out))
    }

    /// Finds the ECU of each report and checks its signature (on every
    /// core). Reads the database; writes nothing. ([`Inventory::ingest`]
    /// is this then [`Inventory::record`], overlapped.)
    pub fn check(
        &mut self,
        reports: Vec<(String, Vec<u8>)>,
        opts: &IngestOptions,
    ) -> Result<CheckedBatch> {
        let mut out = outcomes(&reports);
        let items = reports
            .into_iter()
            .enumerate()
            .map(|(i, (_, b))| (i, modelseal::report::claimed(&b), b))
            .collect();
        let candidates = self.find_ecus(items, opts, &mut out)?;
        let (mut checked, refused) = check_all(candidates, opts.threads);
        for (i, why) in refused {
            out[i].reason = Some(why);
        }
        checked.sort_by_key(|c| (c.ecu.id, c.report.sequence));
        Ok(CheckedBatch { out, checked })
    }

    /// Records checked reports in sequence order, in transactions of
    /// `opts.batch`, and says what happened to each report.
    pub fn record(&mut self, batch: CheckedBatch, opts: &IngestOptions) -> Result<Summary> {
        let CheckedBatch { mut out, checked } = batch;
        self.record_checked(&checked, opts, &mut out)?;
        Ok(summary(out))
    }

    fn record_checked(
        &mut self,
        checked: &[Checked],
        opts: &IngestOptions,
        out: &mut [Outcome],
    ) -> Result<()> {
        for chunk in checked.chunks(opts.batch.max(1)) {
            let mut tries = 0;
            loop {
                match self.db.transaction(|db| record_chunk(db, chunk, opts)) {
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
        Ok(())
    }

    /// The ECU each report claims to be from, with its keys (looked up in
    /// bulk); refuses what does not parse or names no ECU fitted now.
    fn find_ecus(
        &mut self,
        items: Vec<(usize, Option<Claimed>, Vec<u8>)>,
        opts: &IngestOptions,
        out: &mut [Outcome],
    ) -> Result<Vec<Candidate>> {
        let mut serials: Vec<&str> = items
            .iter()
            .filter_map(|(_, c, _)| c.as_ref().map(|c| c.serial.as_str()))
            .collect();
        serials.sort_unstable();
        serials.dedup();
        let ecus = load_ecus(&mut self.db, &serials)?;
        let mut found = Vec::with_capacity(items.len());
        for (index, claimed, bytes) in items {
            let Some(claimed) = claimed else {
                out[index].reason = Some(parse_failure(&bytes));
                continue;
            };
            let key = (claimed.hardware_id.clone(), claimed.serial.clone());
            let Some(ecu) = ecus.get(&key).cloned() else {
                out[index].reason = Some(self.why_unknown(&key.0, &key.1)?);
                continue;
            };
            out[index].vin = Some(ecu.vin.clone());
            out[index].position = Some(ecu.position.clone());
            if let Some(vin) = &opts.vin {
                if *vin != ecu.vin {
                    out[index].reason = Some(format!(
                        "ECU {} serial {} is enrolled under {}, not {vin}",
                        key.0, key.1, ecu.vin
                    ));
                    continue;
                }
            }
            found.push(Candidate { index, ecu, bytes });
        }
        Ok(found)
    }

    /// Why a report's ECU is not fitted now: removed (from which vehicle
    /// and position), or never enrolled. Only removed ECUs are searched
    /// (`ecus_removed_serial`): the fitted ones were looked up already.
    fn why_unknown(&mut self, hardware_id: &str, serial: &str) -> Result<String> {
        let removed = self.db.query_one(REMOVED_ECU, vals![hardware_id, serial])?;
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

/// One outcome per report, refused until something better is known.
fn outcomes(reports: &[(String, Vec<u8>)]) -> Vec<Outcome> {
    reports
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
        .collect()
}

fn summary(out: Vec<Outcome>) -> Summary {
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
    s
}

/// Why a report that names no ECU does not parse.
fn parse_failure(bytes: &[u8]) -> String {
    match modelseal_core::report::parse(bytes) {
        Err(e) => format!("not a version report: {e}"),
        Ok(_) => "not a version report: the body does not decode".into(),
    }
}

/// The ECUs fitted now with these serials, with their keys (newest
/// first), by (hardware id, serial).
fn load_ecus(
    db: &mut Db,
    serials: &[&str],
) -> Result<std::collections::HashMap<(String, String), EcuRow>> {
    let mut out: std::collections::HashMap<(String, String), EcuRow> = Default::default();
    for e in crate::enroll::fitted_ecus(db, crate::enroll::FittedBy::Serials(serials))? {
        let mut keys = Vec::with_capacity(e.keys.len());
        for k in e.keys {
            let alg =
                modelseal::report::parse_algorithm(&k.algorithm).map_err(|_| Error::Internal {
                    invariant: "stored key algorithms are known",
                })?;
            // An Ed25519 key was checked when it was enrolled; its point is
            // decompressed once, by the signature check (on the checking
            // threads), not again here.
            let key = match <[u8; 32]>::try_from(k.public_key.as_slice()) {
                Ok(b) if alg == modelseal_core::report::Algorithm::Ed25519 => {
                    EcuPublicKey::Ed25519(b)
                }
                _ => EcuPublicKey::from_bytes(alg, &k.public_key)?,
            };
            keys.push((k.key_id, key, k.retired, k.revoked));
        }
        out.insert(
            (e.hardware_id, e.serial.clone()),
            EcuRow {
                id: e.id,
                vehicle_id: e.vehicle_id,
                vin: e.vin,
                position: e.position,
                serial: e.serial,
                keys,
            },
        );
    }
    Ok(out)
}

/// Cores this process may run on.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Checks every candidate's signature, on `threads` threads (0: one per
/// core). Ed25519 with the strict rules (no batch verification: it is not
/// strict).
fn check_all(candidates: Vec<Candidate>, threads: usize) -> (Vec<Checked>, Vec<(usize, String)>) {
    let n = match threads {
        0 => cores(),
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
    let mut refused = Vec::new();
    for r in results {
        match r {
            Ok(c) => checked.push(c),
            Err(e) => refused.push(e),
        }
    }
    (checked, refused)
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
            digest: report_digest(&c.bytes),
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

/// An ECU's state while a chunk is written.
struct EcuState {
    last_sequence: Option<u64>,
    /// The time of its last report recorded in this chunk (the time of its
    /// current install's last report, kept on the ECU's row for `show`).
    last_observed_at: Option<u64>,
    fitted_at: u64,
    /// The install it runs: (id, manifest, configuration digest).
    current: Option<(i64, String, Option<String>)>,
    touched: bool,
}

/// An install's last report: its id, sequence and time (kept on the
/// install, so what an ECU runs now is read without `reports`).
#[derive(Clone, Copy)]
struct LastReport {
    id: i64,
    sequence: u64,
    observed_at: u64,
}

/// A new install of this chunk, with its models.
struct NewInstall {
    ecu: i64,
    bundle: BundleKey,
    known: bool,
    since: u64,
    until: Option<u64>,
    first_report: i64,
    last_report: LastReport,
    vehicle: i64,
    models: Vec<(String, String, String)>,
}

/// A bundle as a report names it: manifest digest, kind, version, and the
/// configuration's id, version and digest (all three or none).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct BundleKey {
    manifest_digest: String,
    kind: String,
    version: String,
    config: Option<(String, String, String)>,
}

impl BundleKey {
    fn of(r: &VerifiedReport) -> BundleKey {
        BundleKey {
            manifest_digest: r.manifest_digest.clone(),
            kind: r.kind.clone(),
            version: r.version.clone(),
            config: r.config.as_ref().map(|k| {
                (
                    k.config_id.clone(),
                    k.config_version.clone(),
                    k.digest.clone(),
                )
            }),
        }
    }

    fn from_row(r: &modelseal_registry::db::Row, at: usize) -> Result<BundleKey> {
        let config = match (
            r.opt_text(at + 3)?,
            r.opt_text(at + 4)?,
            r.opt_text(at + 5)?,
        ) {
            (Some(i), Some(v), Some(d)) => Some((i, v, d)),
            (None, None, None) => None,
            _ => {
                return Err(Error::Internal {
                    invariant: "a bundle's configuration is whole or absent",
                });
            }
        };
        Ok(BundleKey {
            manifest_digest: r.text(at)?,
            kind: r.text(at + 1)?,
            version: r.text(at + 2)?,
            config,
        })
    }
}

/// The `bundles` row id of each of `keys`, the rows of those not recorded
/// yet added (migration 7). A fleet runs few bundles: one read for the
/// chunk's, and an insert for each new one, in key order (two writers
/// adding the same new bundles wait for each other in the same order on
/// PostgreSQL; the second's insert does nothing and its read finds the
/// first's row once that commits).
fn bundle_ids<'a>(
    db: &mut Db,
    keys: impl Iterator<Item = &'a BundleKey>,
) -> Result<std::collections::HashMap<BundleKey, i64>> {
    let keys: std::collections::BTreeSet<&BundleKey> = keys.collect();
    let mut found = std::collections::HashMap::with_capacity(keys.len());
    let read = |db: &mut Db, found: &mut std::collections::HashMap<BundleKey, i64>| {
        let mut digests: Vec<Val> = keys.iter().map(|k| Val::from(&k.manifest_digest)).collect();
        digests.dedup();
        for r in db.query_in(
            "SELECT id, manifest_digest, kind, bundle_version, config_id, config_version, config_digest
               FROM bundles WHERE manifest_digest IN ({})",
            &digests,
        )? {
            let key = BundleKey::from_row(&r, 1)?;
            if keys.contains(&key) {
                found.insert(key, r.int(0)?);
            }
        }
        Ok::<_, Error>(())
    };
    read(db, &mut found)?;
    let missing: Vec<&BundleKey> = keys
        .iter()
        .filter(|k| !found.contains_key(**k))
        .copied()
        .collect();
    if missing.is_empty() {
        return Ok(found);
    }
    for k in &missing {
        let (id, version, digest) = match &k.config {
            Some((i, v, d)) => (Val::from(i), Val::from(v), Val::from(d)),
            None => (Val::Null, Val::Null, Val::Null),
        };
        db.exec(
            "INSERT INTO bundles (manifest_digest, kind, bundle_version, config_id, config_version, config_digest)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
            &[
                Val::from(&k.manifest_digest),
                Val::from(&k.kind),
                Val::from(&k.version),
                id,
                version,
                digest,
            ],
        )?;
    }
    read(db, &mut found)?;
    Ok(found)
}

/// A report's row: the signed bytes and what is not in them (migration 6:
/// the key id, times, manifest and digest are read from the body).
const REPORT_COLUMNS: [&str; 5] = ["id", "ecu_id", "sequence", "received_at", "body"];
/// An install's row (migration 7: the bundle it runs is a `bundles` row).
const INSTALL_COLUMNS: [&str; 11] = [
    "id",
    "ecu_id",
    "vehicle_id",
    "bundle_id",
    "known_manifest",
    "since",
    "until",
    "first_report",
    "last_report",
    "last_sequence",
    "last_observed_at",
];
const MODEL_COLUMNS: [&str; 7] = [
    "install_id",
    "vehicle_id",
    "family",
    "version",
    "stage",
    "since",
    "until",
];

/// Records a chunk of checked reports (sorted by ECU and sequence) in the
/// caller's transaction, with the engine's bulk path: a handful of reads
/// for the whole chunk, then bulk appends (`COPY` on PostgreSQL) and keyed
/// bulk updates — the same rows the per-report rules give.
fn record_chunk(db: &mut Db, chunk: &[Checked], opts: &IngestOptions) -> Result<Vec<Recorded>> {
    use std::collections::{BTreeMap, HashMap, HashSet};
    let text = |v: &[&str]| v.iter().map(|d| Val::from(*d)).collect::<Vec<_>>();
    let mut ids: Vec<i64> = chunk.iter().map(|c| c.ecu.id).collect();
    ids.dedup();
    let lock = match db.dialect() {
        Dialect::Sqlite => "",
        Dialect::Postgres => " ORDER BY e.id FOR UPDATE OF e",
    };
    let mut state: HashMap<i64, EcuState> = HashMap::with_capacity(ids.len());
    let id_vals: Vec<Val> = ids.iter().map(|i| Val::Int(*i)).collect();
    for r in db.query_in(
        &format!(
            "SELECT e.id, e.last_sequence, e.fitted_at, i.id, b.manifest_digest, b.config_digest
               FROM ecus e LEFT JOIN installs i ON i.id = e.current_install
               LEFT JOIN bundles b ON b.id = i.bundle_id
              WHERE e.id IN ({{}}){lock}"
        ),
        &id_vals,
    )? {
        let current = match r.opt_int(3)? {
            Some(id) => Some((id, r.text(4)?, r.opt_text(5)?)),
            None => None,
        };
        state.insert(
            r.int(0)?,
            EcuState {
                last_sequence: r.opt_u64(1)?,
                last_observed_at: None,
                fitted_at: r.u64(2)?,
                current,
                touched: false,
            },
        );
    }
    // A device fitted again (a new row for the same hardware id and serial,
    // after its removal) keeps counting where it was: its reports recorded
    // under its earlier rows count for it, so that neither those bytes nor
    // an older report it never sent in are taken as new. Looked up (one
    // index probe each) for the rows with no report yet and the rows with
    // a report of this chunk at or below their last: none, once a fleet
    // has reported and sends only new reports. The earlier rows are the
    // removed ones (one row of a device is fitted at a time), which
    // `ecus_removed_serial` holds: a probe of a small index.
    let mut fresh: Vec<i64> = chunk
        .iter()
        .filter(|c| {
            state
                .get(&c.ecu.id)
                .is_some_and(|s| s.last_sequence.is_none_or(|l| c.report.sequence <= l))
        })
        .map(|c| c.ecu.id)
        .collect();
    fresh.dedup();
    let fresh: Vec<Val> = fresh.into_iter().map(Val::Int).collect();
    let mut earlier: HashMap<i64, Vec<i64>> = HashMap::new();
    if !fresh.is_empty() {
        for r in db.query_in(EARLIER_ROWS, &fresh)? {
            let (id, before, last) = (r.int(0)?, r.int(1)?, r.u64(2)?);
            earlier.entry(id).or_default().push(before);
            if let Some(st) = state.get_mut(&id) {
                st.last_sequence = Some(st.last_sequence.map_or(last, |l| l.max(last)));
            }
        }
    }
    // What is already recorded (read after the ECUs' rows are locked, so
    // another writer's batch on these ECUs is either committed or not
    // begun). Sequences are recorded only increasing, so a report above its
    // ECU's last recorded sequence cannot be recorded yet: only the others
    // are looked up, by (ECU, sequence) under each row of the device, and
    // are the same report again when the digest recorded there is theirs.
    let mut behind: Vec<(i64, u64)> = Vec::new();
    for c in chunk {
        let last = state.get(&c.ecu.id).and_then(|s| s.last_sequence);
        if last.is_some_and(|last| c.report.sequence <= last) {
            behind.push((c.ecu.id, c.report.sequence));
            for e in earlier.get(&c.ecu.id).into_iter().flatten() {
                behind.push((*e, c.report.sequence));
            }
        }
    }
    behind.sort_unstable();
    behind.dedup();
    let recorded = recorded_digests(db, &behind)?;
    let recorded_for = |c: &Checked| {
        std::iter::once(c.ecu.id)
            .chain(earlier.get(&c.ecu.id).into_iter().flatten().copied())
            .any(|e| recorded.get(&(e, c.report.sequence)) == Some(&c.digest))
    };
    // Digests of this chunk's reports that are recorded or about to be.
    let mut seen: HashSet<String> = HashSet::with_capacity(chunk.len());
    let mut manifests: Vec<&str> = chunk
        .iter()
        .map(|c| c.report.manifest_digest.as_str())
        .collect();
    manifests.sort_unstable();
    manifests.dedup();
    let known: HashSet<String> = db
        .query_in(
            "SELECT digest FROM manifests WHERE digest IN ({})",
            &text(&manifests),
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<std::result::Result<_, _>>()?;

    let report_ids = db.reserve_ids("reports", chunk.len())?;
    let install_ids = db.reserve_ids("installs", chunk.len())?;
    let (mut next_report, mut next_install) = (report_ids.into_iter(), install_ids.into_iter());
    let out_of_ids = || Error::Internal {
        invariant: "one id is reserved per report and install",
    };
    let mut results = Vec::with_capacity(chunk.len());
    let mut reports: Vec<Vec<Val>> = Vec::new();
    let mut new_installs: BTreeMap<i64, NewInstall> = BTreeMap::new();
    // Installs recorded before this chunk: ended (id -> until), extended
    // (id -> last report).
    let mut ended: BTreeMap<i64, u64> = BTreeMap::new();
    let mut extended: BTreeMap<i64, LastReport> = BTreeMap::new();
    // Running counts: (family, version, vehicle) -> change in ECUs.
    let mut running = RunningDelta::new();
    for c in chunk {
        let r = &c.report;
        if !seen.insert(c.digest.clone()) {
            results.push(Recorded::Duplicate);
            continue;
        }
        let st = state.get_mut(&c.ecu.id).ok_or(Error::Internal {
            invariant: "an ECU found stays recorded",
        })?;
        if let Some(last) = st.last_sequence {
            if r.sequence <= last {
                if recorded_for(c) {
                    results.push(Recorded::Duplicate);
                } else {
                    seen.remove(&c.digest);
                    results.push(Recorded::Stale { last });
                }
                continue;
            }
        }
        let is_known = known.contains(&r.manifest_digest);
        let observed = r.time.unwrap_or(opts.received_at);
        let report_id = next_report.next().ok_or_else(out_of_ids)?;
        let latest = LastReport {
            id: report_id,
            sequence: r.sequence,
            observed_at: observed,
        };
        reports.push(vec![
            Val::Int(report_id),
            Val::Int(c.ecu.id),
            int(r.sequence),
            int(opts.received_at),
            Val::Blob(c.bytes.clone()),
        ]);
        let config_digest = r.config.as_ref().map(|k| k.digest.clone());
        let same = st
            .current
            .as_ref()
            .is_some_and(|(_, m, k)| *m == r.manifest_digest && *k == config_digest);
        if same {
            let id = st.current.as_ref().map_or(0, |(id, ..)| *id);
            match new_installs.get_mut(&id) {
                Some(n) => n.last_report = latest,
                None => {
                    extended.insert(id, latest);
                }
            }
        } else {
            if let Some((old, ..)) = st.current.take() {
                match new_installs.get_mut(&old) {
                    Some(n) => {
                        n.until = Some(observed);
                        for (f, v, _) in &n.models {
                            *running
                                .entry((f.clone(), v.clone(), n.vehicle))
                                .or_default() -= 1;
                        }
                    }
                    None => {
                        ended.insert(old, observed);
                        extended.remove(&old);
                    }
                }
            }
            let id = next_install.next().ok_or_else(out_of_ids)?;
            let models: Vec<(String, String, String)> = r
                .components
                .iter()
                .map(|m| (m.family.clone(), m.version.clone(), m.stage.clone()))
                .collect();
            for (f, v, _) in &models {
                *running
                    .entry((f.clone(), v.clone(), c.ecu.vehicle_id))
                    .or_default() += 1;
            }
            new_installs.insert(
                id,
                NewInstall {
                    ecu: c.ecu.id,
                    bundle: BundleKey::of(r),
                    known: is_known,
                    since: observed,
                    until: None,
                    first_report: report_id,
                    last_report: latest,
                    vehicle: c.ecu.vehicle_id,
                    models,
                },
            );
            st.current = Some((id, r.manifest_digest.clone(), config_digest));
        }
        st.last_sequence = Some(r.sequence);
        st.last_observed_at = Some(observed);
        st.fitted_at = st.fitted_at.min(observed);
        st.touched = true;
        results.push(Recorded::New {
            unknown_manifest: !is_known,
        });
    }
    // Installs that ended: their `until` may not precede their start.
    let ended_ids: Vec<Val> = ended.keys().map(|i| Val::Int(*i)).collect();
    let mut ended_rows = Vec::with_capacity(ended.len());
    let mut ended_model_rows = Vec::with_capacity(ended.len());
    for r in db.query_in(
        "SELECT id, since, vehicle_id FROM installs WHERE id IN ({})",
        &ended_ids,
    )? {
        let id = r.int(0)?;
        let until = int(ended.get(&id).copied().unwrap_or(0).max(r.u64(1)?));
        ended_rows.push(([id], vec![until.clone()]));
        ended_model_rows.push(([r.int(2)?, id], vec![until]));
    }
    for r in db.query_in(
        "SELECT m.install_id, m.family, m.version, i.vehicle_id
           FROM installs i JOIN install_models m ON m.vehicle_id = i.vehicle_id AND m.install_id = i.id
          WHERE i.id IN ({})",
        &ended_ids,
    )? {
        *running
            .entry((r.text(1)?, r.text(2)?, r.int(3)?))
            .or_default() -= 1;
    }
    // Appends.
    db.copy_in("reports", &REPORT_COLUMNS, &reports)?;
    let mut install_rows = Vec::with_capacity(new_installs.len());
    let mut model_rows = Vec::new();
    let bundles = bundle_ids(db, new_installs.values().map(|n| &n.bundle))?;
    for (id, n) in &new_installs {
        let bundle = bundles.get(&n.bundle).copied().ok_or(Error::Internal {
            invariant: "every bundle of the chunk has a row",
        })?;
        install_rows.push(vec![
            Val::Int(*id),
            Val::Int(n.ecu),
            Val::Int(n.vehicle),
            Val::Int(bundle),
            Val::from(n.known),
            int(n.since),
            n.until.map(int).unwrap_or(Val::Null),
            Val::Int(n.first_report),
            Val::Int(n.last_report.id),
            int(n.last_report.sequence),
            int(n.last_report.observed_at),
        ]);
        for (f, v, stage) in &n.models {
            model_rows.push(vec![
                Val::Int(*id),
                Val::Int(n.vehicle),
                Val::from(f),
                Val::from(v),
                Val::from(stage),
                int(n.since),
                n.until.map(int).unwrap_or(Val::Null),
            ]);
        }
    }
    db.copy_in("installs", &INSTALL_COLUMNS, &install_rows)?;
    db.copy_in("install_models", &MODEL_COLUMNS, &model_rows)?;
    // Keyed updates.
    db.update_many("installs", &["id"], &["until"], &ended_rows)?;
    db.update_many(
        "install_models",
        &["vehicle_id", "install_id"],
        &["until"],
        &ended_model_rows,
    )?;
    let ext: Vec<([i64; 1], Vec<Val>)> = extended
        .iter()
        .map(|(id, r)| {
            (
                [*id],
                vec![Val::Int(r.id), int(r.sequence), int(r.observed_at)],
            )
        })
        .collect();
    db.update_many(
        "installs",
        &["id"],
        &["last_report", "last_sequence", "last_observed_at"],
        &ext,
    )?;
    let ecus: Vec<([i64; 1], Vec<Val>)> = state
        .iter()
        .filter(|(_, s)| s.touched)
        .map(|(id, s)| {
            (
                [*id],
                vec![
                    s.last_sequence.map(int).unwrap_or(Val::Null),
                    s.last_observed_at.map(int).unwrap_or(Val::Null),
                    s.current.as_ref().map_or(Val::Null, |(i, ..)| Val::Int(*i)),
                    int(s.fitted_at),
                ],
            )
        })
        .collect();
    db.update_many(
        "ecus",
        &["id"],
        &[
            "last_sequence",
            "last_observed_at",
            "current_install",
            "fitted_at",
        ],
        &ecus,
    )?;
    apply_running(db, &running)?;
    Ok(results)
}

/// A report's digest (hex SHA-256 of its signed bytes): how the same report
/// given again is told from another at the same (ECU, sequence).
fn report_digest(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The digests of the reports recorded at these (ECU, sequence) keys (each
/// computed from the recorded body; rare: only reports at or below their
/// ECU's last sequence are looked up), by key: one statement on PostgreSQL (the keys sent as two arrays), one per
/// [`BULK_ROWS`] keys on SQLite; each key is one probe of the
/// `(ecu_id, sequence)` unique index (SQLite scans the table for
/// `(a, b) IN (VALUES …)`, and searches the index for `(a, b) IN (SELECT
/// … FROM (VALUES …))`).
fn recorded_digests(
    db: &mut Db,
    keys: &[(i64, u64)],
) -> Result<std::collections::HashMap<(i64, u64), String>> {
    const SQL: &str = "SELECT ecu_id, sequence, body FROM reports
                        WHERE (ecu_id, sequence) IN ({})";
    if keys.is_empty() {
        return Ok(Default::default());
    }
    let mut rows = Vec::new();
    if db.dialect() == Dialect::Postgres {
        let (ecus, sequences): (Vec<_>, Vec<_>) = keys
            .iter()
            .map(|(e, s)| (Some(*e), Some(i64::try_from(*s).unwrap_or(i64::MAX))))
            .unzip();
        rows = db.query(
            &SQL.replace(
                "{}",
                "SELECT * FROM unnest(CAST(?1 AS BIGINT[]), CAST(?2 AS BIGINT[]))",
            ),
            &[Val::Ints(ecus), Val::Ints(sequences)],
        )?;
    } else {
        for chunk in keys.chunks(BULK_ROWS / 2) {
            let mut params = Vec::with_capacity(chunk.len() * 2);
            let mut tuples = Vec::with_capacity(chunk.len());
            for (e, s) in chunk {
                let b = params.len();
                params.extend([Val::Int(*e), int(*s)]);
                tuples.push(format!("(?{}, ?{})", b + 1, b + 2));
            }
            rows.extend(db.query(
                &SQL.replace(
                    "{}",
                    &format!(
                        "SELECT column1, column2 FROM (VALUES {})",
                        tuples.join(", ")
                    ),
                ),
                &params,
            )?);
        }
    }
    rows.iter()
        .map(|r| Ok(((r.int(0)?, r.u64(1)?), report_digest(&r.blob(2)?))))
        .collect()
}

/// Changes in running ECUs: (family, version, vehicle) -> change in the
/// number of its ECUs that run it.
pub(crate) type RunningDelta = std::collections::BTreeMap<(String, String, i64), i64>;

/// Applies changes in running ECUs per (family, version, vehicle), and the
/// vehicle counts per (family, version) that follow, in bulk: the one way
/// `running` and `running_counts` change (ingest, and ECU removal).
pub(crate) fn apply_running(db: &mut Db, running: &RunningDelta) -> Result<()> {
    let changes: Vec<(&(String, String, i64), i64)> = running
        .iter()
        .filter(|(_, d)| **d != 0)
        .map(|(k, d)| (k, *d))
        .collect();
    let mut vehicles: std::collections::BTreeMap<(String, String), i64> = Default::default();
    let mut emptied = Vec::new();
    const UPSERT: &str = "INSERT INTO running (family, version, vehicle_id, ecus) {}
         ON CONFLICT (family, version, vehicle_id)
         DO UPDATE SET ecus = running.ecus + excluded.ecus
         RETURNING family, version, vehicle_id, ecus";
    let mut rows = Vec::with_capacity(changes.len());
    if db.dialect() == Dialect::Postgres {
        // One statement, each column one array.
        let (mut f, mut v, mut veh, mut d) = (vec![], vec![], vec![], vec![]);
        for ((family, version, vehicle), delta) in &changes {
            f.push(Some(family.clone()));
            v.push(Some(version.clone()));
            veh.push(Some(*vehicle));
            d.push(Some(*delta));
        }
        if !changes.is_empty() {
            rows = db.query(
                &UPSERT.replace(
                    "{}",
                    "SELECT * FROM unnest(CAST(?1 AS TEXT[]), CAST(?2 AS TEXT[]),
                                          CAST(?3 AS BIGINT[]), CAST(?4 AS BIGINT[]))",
                ),
                &[Val::Texts(f), Val::Texts(v), Val::Ints(veh), Val::Ints(d)],
            )?;
        }
    } else {
        for chunk in changes.chunks(BULK_ROWS) {
            let mut params = Vec::with_capacity(chunk.len() * 4);
            let mut tuples = Vec::with_capacity(chunk.len());
            for ((f, v, vehicle), d) in chunk {
                let b = params.len();
                params.extend([Val::from(f), Val::from(v), Val::Int(*vehicle), Val::Int(*d)]);
                tuples.push(format!("(?{}, ?{}, ?{}, ?{})", b + 1, b + 2, b + 3, b + 4));
            }
            rows.extend(db.query(
                &UPSERT.replace("{}", &format!("VALUES {}", tuples.join(", "))),
                &params,
            )?);
        }
    }
    for r in rows {
        let key = (r.text(0)?, r.text(1)?, r.int(2)?);
        let now = r.int(3)?;
        let before = now - running.get(&key).copied().unwrap_or(0);
        let change = i64::from(now > 0) - i64::from(before > 0);
        if change != 0 {
            *vehicles.entry((key.0.clone(), key.1.clone())).or_default() += change;
        }
        if now <= 0 {
            emptied.push(key);
        }
    }
    for (f, v, vehicle) in &emptied {
        db.exec(
            "DELETE FROM running WHERE family = ?1 AND version = ?2 AND vehicle_id = ?3",
            vals![f, v, *vehicle],
        )?;
    }
    for ((f, v), d) in vehicles.iter().filter(|(_, d)| **d != 0) {
        db.exec(
            "INSERT INTO running_counts (family, version, vehicles) VALUES (?1, ?2, ?3)
             ON CONFLICT (family, version) DO UPDATE SET vehicles = running_counts.vehicles + excluded.vehicles",
            vals![f, v, *d],
        )?;
    }
    Ok(())
}

/// Ends the ECU's current install at `at` (not before it began); its
/// models leave the running counts through `running` (changes that
/// [`apply_running`] applies, as for ingest).
pub(crate) fn end_current_install(
    db: &mut Db,
    ecu: i64,
    at: u64,
    running: &mut RunningDelta,
) -> Result<()> {
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
        "UPDATE install_models SET until = ?1 WHERE vehicle_id = ?2 AND install_id = ?3",
        &[until, crate::Val::Int(vehicle), crate::Val::Int(id)],
    )?;
    for m in db.query(
        "SELECT family, version FROM install_models WHERE vehicle_id = ?1 AND install_id = ?2",
        vals![vehicle, id],
    )? {
        *running
            .entry((m.text(0)?, m.text(1)?, vehicle))
            .or_default() -= 1;
    }
    Ok(())
}
