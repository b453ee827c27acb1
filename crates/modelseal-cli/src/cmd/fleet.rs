//! `modelseal fleet` and `modelseal incident`: the fleet inventory —
//! vehicles, their ECUs and device keys, what each should run, what each
//! reported it runs — and the questions it answers.

use crate::cmd::registry::PageArgs;
use crate::out::{CmdResult, Ctx, Failure, parse_time};
use clap::{Args, Subcommand};
use modelseal::inspect::time_text;
use modelseal::report::EcuPublicKey;
use modelseal_fleet::Inventory;
use modelseal_fleet::enroll::{Enrolled, Enrolment, parse_cmdb};
use modelseal_fleet::incident::{NewIncident, OnlineResult};
use modelseal_fleet::ingest::{DEFAULT_BATCH, IngestOptions};
use modelseal_fleet::query::{Filter, InstallView, VehicleView};
use modelseal_registry::parse_family_version;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The database: `--db`, else `$MODELSEAL_REGISTRY`, else
/// `modelseal-registry.db` (the registry's file: one database for both).
#[derive(Debug, Clone, Args)]
pub(crate) struct FleetDb {
    /// The database: a SQLite file (the registry's; created on first use)
    /// or a PostgreSQL URL (postgres://user@host/db). Default:
    /// $MODELSEAL_REGISTRY, else ./modelseal-registry.db.
    #[arg(long, global = true, value_name = "FILE|URL")]
    db: Option<String>,
}

impl FleetDb {
    fn open(&self) -> Result<Inventory, Failure> {
        let target = self
            .db
            .clone()
            .or_else(|| std::env::var("MODELSEAL_REGISTRY").ok())
            .unwrap_or_else(|| "modelseal-registry.db".into());
        Ok(Inventory::open(&target)?)
    }
}

#[derive(Debug, Args)]
pub(crate) struct FleetArgs {
    #[command(flatten)]
    db: FleetDb,
    #[command(subcommand)]
    command: FleetCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum FleetCommand {
    /// Enrol ECUs: one (VIN and --ecu …), or a CMDB export (--file, CSV or
    /// JSON). All or nothing: on any conflict nothing is recorded.
    #[command(after_help = "Examples:\n  \
        modelseal fleet enroll WVW00000000000001 --ecu front_camera --hardware-id HW-FC-0042 \\\n      \
        --serial SN-000123 --key ecu.pub\n  \
        modelseal fleet enroll --file cmdb.csv\n\n\
        CSV header: vin,position,hardware_id,serial,algorithm,public_key[,fitted_at]\n\
        (public_key in hex: 32-byte Ed25519, or the 65-byte uncompressed P-256 point).\n\
        A new serial in a taken position is a replacement: give --replace.")]
    Enroll {
        /// Vehicle identification number.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        vin: Option<String>,
        /// The ECU's position (its name in the system configuration).
        #[arg(long, requires = "vin")]
        ecu: Option<String>,
        /// The ECU's hardware id.
        #[arg(long, requires = "vin")]
        hardware_id: Option<String>,
        /// The ECU's serial.
        #[arg(long, requires = "vin")]
        serial: Option<String>,
        /// The ECU's device public key (SPKI PEM, as `report keygen` writes).
        #[arg(long, requires = "vin")]
        key: Option<PathBuf>,
        /// When it was fitted (seconds or RFC 3339; default now).
        #[arg(long, value_parser = parse_time)]
        fitted_at: Option<u64>,
        /// A CMDB export (CSV or JSON).
        #[arg(long)]
        file: Option<PathBuf>,
        /// Record a new serial in a taken position as a replacement.
        #[arg(long)]
        replace: bool,
    },
    /// Device keys: rotate (the old key is retired) or revoke.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Prescribe a system configuration for vehicles (by manifest digest or
    /// CONFIG_ID@VERSION from the registry).
    #[command(
        after_help = "Example:\n  modelseal fleet assign WVW00000000000001 WVW00000000000002 --config CFG-EU@2.1.0"
    )]
    Assign {
        /// Vehicles.
        #[arg(required_unless_present = "file")]
        vins: Vec<String>,
        /// A file with one VIN a line.
        #[arg(long)]
        file: Option<PathBuf>,
        /// The configuration: manifest digest (hex) or CONFIG_ID@VERSION.
        #[arg(long)]
        config: String,
        /// Why (a campaign, a ticket).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Ingest signed version reports: files, directories (every file in
    /// them), or `-` for a stream on standard input (reports back to back,
    /// or hex, one a line).
    #[command(
        after_help = "Each report is checked against the key enrolled for its ECU, ordered by the\n\
        ECU's sequence number and recorded. Refused reports change nothing and are\n\
        listed with their reason (exit 1); the same report twice is a no-op."
    )]
    Ingest {
        /// Report files, directories, or `-`.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// The vehicle these reports were uploaded from: reports of ECUs
        /// enrolled under another VIN are refused.
        #[arg(long)]
        vin: Option<String>,
        /// When they were received (default now): the time of reports from
        /// ECUs without a trusted clock.
        #[arg(long, value_parser = parse_time)]
        received_at: Option<u64>,
        /// Reports per transaction.
        #[arg(long, default_value_t = DEFAULT_BATCH as u64, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        batch: u64,
        /// Signature-checking threads (default: one per core).
        #[arg(long, default_value_t = 0)]
        threads: usize,
    },
    /// A vehicle: prescribed and reported configuration, every ECU with what
    /// it runs, model versions with stage and lineage.
    Show {
        /// VIN.
        vin: String,
        /// At this time instead of now (seconds or RFC 3339).
        #[arg(long, value_parser = parse_time)]
        at: Option<u64>,
    },
    /// Which vehicles run something: a model version, a configuration, a
    /// stage, a dataset, a code commit or an SBOM package.
    #[command(after_help = "Examples:\n  \
        modelseal fleet which perception_front_camera@v1.3.5\n  \
        modelseal fleet which --dataset ds-2026-07-front --at 2026-11-03T08:00:00Z\n  \
        modelseal fleet which --package onnxruntime@1.18.0")]
    Which {
        /// FAMILY@VERSION.
        #[arg(required_unless_present_any = ["config", "stage", "dataset", "commit", "package"])]
        model: Option<String>,
        /// A configuration, CONFIG_ID@VERSION.
        #[arg(long, conflicts_with_all = ["model", "stage", "dataset", "commit", "package"])]
        config: Option<String>,
        /// Any model at this stage (as signed).
        #[arg(long, conflicts_with_all = ["model", "dataset", "commit", "package"])]
        stage: Option<String>,
        /// Any model trained, validated or tested on this dataset.
        #[arg(long, conflicts_with_all = ["model", "commit", "package"])]
        dataset: Option<String>,
        /// Any model built from this code commit.
        #[arg(long, conflicts_with_all = ["model", "package"])]
        commit: Option<String>,
        /// An SBOM package, NAME@VERSION.
        #[arg(long, conflicts_with = "model")]
        package: Option<String>,
        /// At this time instead of now.
        #[arg(long, value_parser = parse_time)]
        at: Option<u64>,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Vehicles that differ from what they should run: another
    /// configuration, a withdrawn model, an unknown bundle, an ECU that
    /// never reported.
    Drift {
        #[command(flatten)]
        page: PageArgs,
    },
    /// What changed on a vehicle between two times.
    Diff {
        /// VIN.
        vin: String,
        /// The two times (give --at twice).
        #[arg(long = "at", value_parser = parse_time, num_args = 1, required = true)]
        at: Vec<u64>,
    },
    /// Results from the road per model version (monitoring summaries).
    #[command(subcommand)]
    Online(OnlineCommand),
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Put a new device key in force; the old one is retired (its reports
    /// are refused from now).
    Rotate {
        /// VIN.
        vin: String,
        /// ECU position.
        #[arg(long)]
        ecu: String,
        /// The new public key (SPKI PEM).
        #[arg(long)]
        key: PathBuf,
    },
    /// Revoke a device key (the one in force, or --key-id): its reports are
    /// refused as revoked.
    Revoke {
        /// VIN.
        vin: String,
        /// ECU position.
        #[arg(long)]
        ecu: String,
        /// A retired key to revoke instead of the one in force.
        #[arg(long)]
        key_id: Option<String>,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum OnlineCommand {
    /// Record results: one (--model …) or a JSON file (an array of
    /// {family, version, metric, value, window_start, window_end, source}).
    Add {
        /// FAMILY@VERSION.
        #[arg(long, required_unless_present = "file", conflicts_with = "file")]
        model: Option<String>,
        /// Metric name.
        #[arg(long, requires = "model")]
        metric: Option<String>,
        /// Value.
        #[arg(long, requires = "model", allow_negative_numbers = true)]
        value: Option<f64>,
        /// Window start (seconds or RFC 3339).
        #[arg(long, value_parser = parse_time, requires = "model")]
        window_start: Option<u64>,
        /// Window end.
        #[arg(long, value_parser = parse_time, requires = "model")]
        window_end: Option<u64>,
        /// Where it came from (the monitoring job).
        #[arg(long, requires = "model")]
        source: Option<String>,
        /// A JSON file of results.
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// The results of a model version.
    Show {
        /// FAMILY@VERSION.
        model: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct IncidentArgs {
    #[command(flatten)]
    db: FleetDb,
    #[command(subcommand)]
    command: IncidentCommand,
}

#[derive(Debug, Subcommand)]
pub(crate) enum IncidentCommand {
    /// Record an incident; it is linked to what every ECU of the vehicle
    /// ran at that time.
    #[command(
        after_help = "Example:\n  modelseal incident add --vin WVW00000000000001 --at 2026-11-03T08:12:00Z \\\n      \
        --kind performance --external-id JIRA-4711 --odd rain --odd night --summary \"late braking\""
    )]
    Add {
        /// VIN.
        #[arg(long)]
        vin: String,
        /// When it happened (seconds or RFC 3339).
        #[arg(long, value_parser = parse_time)]
        at: u64,
        /// safety, security or performance.
        #[arg(long, value_parser = ["safety", "security", "performance"])]
        kind: String,
        /// Its id in the incident tracker.
        #[arg(long)]
        external_id: String,
        /// Operational design domain tags (repeat).
        #[arg(long)]
        odd: Vec<String>,
        /// One paragraph.
        #[arg(long, default_value = "")]
        summary: String,
    },
    /// An incident and the walk: model versions, datasets, experiment,
    /// code, release gate.
    Show {
        /// The tracker id.
        external_id: String,
    },
    /// Incidents, newest first.
    List {
        /// Only those where the vehicle ran FAMILY@VERSION.
        #[arg(long)]
        model: Option<String>,
        #[command(flatten)]
        page: PageArgs,
    },
}

pub(crate) fn run(ctx: &Ctx, a: FleetArgs) -> CmdResult {
    match a.command {
        FleetCommand::Enroll {
            vin,
            ecu,
            hardware_id,
            serial,
            key,
            fitted_at,
            file,
            replace,
        } => {
            let ecus = match (&file, vin) {
                (Some(f), _) => {
                    let text = read_text(f)?;
                    parse_cmdb(&text)?
                        .iter()
                        .map(|r| r.parse())
                        .collect::<Result<Vec<_>, _>>()?
                }
                (None, Some(vin)) => {
                    let need = |v: Option<String>, flag: &str| {
                        v.ok_or_else(|| Failure::Usage(format!("enrolling one ECU needs {flag}")))
                    };
                    let key = need(key.map(|k| k.display().to_string()), "--key")?;
                    vec![Enrolment {
                        vin,
                        position: need(ecu, "--ecu")?,
                        hardware_id: need(hardware_id, "--hardware-id")?,
                        serial: need(serial, "--serial")?,
                        key: EcuPublicKey::read(Path::new(&key))?,
                        fitted_at,
                    }]
                }
                (None, None) => return Err(Failure::Usage("give a VIN or --file".into())),
            };
            let mut inv = a.db.open()?;
            let done = inv.enroll(&ecus, replace)?;
            let count = |k: Enrolled| done.iter().filter(|d| **d == k).count();
            let (new, same, replaced) = (
                count(Enrolled::New),
                count(Enrolled::Unchanged),
                count(Enrolled::Replaced),
            );
            let items: Vec<_> = ecus
                .iter()
                .zip(&done)
                .map(|(e, d)| {
                    serde_json::json!({
                        "vin": e.vin, "position": e.position, "serial": e.serial,
                        "key_id": e.key.key_id(), "outcome": d,
                    })
                })
                .collect();
            ctx.report(
                &serde_json::json!({"enrolled": new, "unchanged": same, "replaced": replaced, "ecus": items}),
                &format!(
                    "enrolled {new} {} ({replaced} as replacements), {same} already enrolled\n",
                    if new == 1 { "ECU" } else { "ECUs" }
                ),
            );
            Ok(())
        }
        FleetCommand::Key(k) => key(ctx, &a.db, k),
        FleetCommand::Assign {
            mut vins,
            file,
            config,
            reason,
        } => {
            if let Some(f) = file {
                vins.extend(
                    read_text(&f)?
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned),
                );
            }
            let mut inv = a.db.open()?;
            let digest = if config.contains('@') {
                inv.config_digest(&config)?
            } else {
                config.clone()
            };
            let n = inv.assign(&vins, &digest, &reason)?;
            ctx.report(
                &serde_json::json!({"assigned": n, "config_digest": digest}),
                &format!("{n} vehicles now prescribed {config}\n"),
            );
            Ok(())
        }
        FleetCommand::Ingest {
            inputs,
            vin,
            received_at,
            batch,
            threads,
        } => ingest(ctx, &a.db, &inputs, vin, received_at, batch, threads),
        FleetCommand::Show { vin, at } => {
            let v = a.db.open()?.show(&vin, at)?;
            ctx.report(&v, &vehicle_text(&v));
            Ok(())
        }
        FleetCommand::Which {
            model,
            config,
            stage,
            dataset,
            commit,
            package,
            at,
            page,
        } => {
            let filter = if let Some(m) = model {
                let (family, version) = parse_family_version(&m)?;
                Filter::Model { family, version }
            } else if let Some(c) = config {
                let (id, version) = split_at(&c, "--config", "CONFIG_ID@VERSION")?;
                Filter::Config { id, version }
            } else if let Some(s) = stage {
                Filter::Stage(s)
            } else if let Some(d) = dataset {
                Filter::Dataset(d)
            } else if let Some(c) = commit {
                Filter::Commit(c)
            } else if let Some(p) = package {
                let (name, version) = split_at(&p, "--package", "NAME@VERSION")?;
                Filter::Package { name, version }
            } else {
                return Err(Failure::Usage("say what to look for".into()));
            };
            let w = a.db.open()?.which(&filter, at, page.page())?;
            let mut t = format!(
                "{} {} {}{}\n",
                w.vehicles,
                if w.vehicles == 1 {
                    "vehicle runs"
                } else {
                    "vehicles run"
                },
                w.question,
                at.map_or(String::new(), |t| format!(" at {}", time_text(t)))
            );
            for v in &w.vins.items {
                let _ = writeln!(t, "  {v}");
            }
            more(&mut t, w.vins.next_offset);
            ctx.report(&w, &t);
            Ok(())
        }
        FleetCommand::Drift { page } => {
            let d = a.db.open()?.drift(page.page())?;
            let mut t = String::new();
            if d.items.is_empty() {
                t.push_str("no drift: every vehicle runs what it should\n");
            }
            for v in &d.items {
                let _ = writeln!(t, "{}", v.vin);
                for r in &v.reasons {
                    let _ = writeln!(t, "  {r}");
                }
            }
            more(&mut t, d.next_offset);
            ctx.report(&d, &t);
            Ok(())
        }
        FleetCommand::Diff { vin, at } => {
            let [t1, t2] = at.as_slice() else {
                return Err(Failure::Usage(
                    "give --at twice: the two times to compare".into(),
                ));
            };
            let changes = a.db.open()?.diff(&vin, *t1, *t2)?;
            let mut t = format!(
                "{vin}: {} positions changed between {} and {}\n",
                changes.len(),
                time_text(*t1),
                time_text(*t2)
            );
            for c in &changes {
                let _ = writeln!(
                    t,
                    "  {}: {} -> {}",
                    c.position,
                    install_brief(c.before.as_ref()),
                    install_brief(c.after.as_ref())
                );
            }
            ctx.report(
                &serde_json::json!({"vin": vin, "from": t1, "to": t2, "changes": changes}),
                &t,
            );
            Ok(())
        }
        FleetCommand::Online(o) => online(ctx, &a.db, o),
    }
}

fn key(ctx: &Ctx, db: &FleetDb, k: KeyCommand) -> CmdResult {
    let mut inv = db.open()?;
    match k {
        KeyCommand::Rotate { vin, ecu, key } => {
            let key = EcuPublicKey::read(&key)?;
            inv.rotate_key(&vin, &ecu, &key)?;
            ctx.report(
                &serde_json::json!({"vin": vin, "position": ecu, "key_id": key.key_id()}),
                &format!(
                    "{vin} {ecu}: key {} in force; the previous key is retired\n",
                    key.key_id()
                ),
            );
        }
        KeyCommand::Revoke {
            vin,
            ecu,
            key_id,
            reason,
        } => {
            let id = inv.revoke_key(&vin, &ecu, key_id.as_deref(), &reason)?;
            ctx.report(
                &serde_json::json!({"vin": vin, "position": ecu, "revoked": id}),
                &format!("{vin} {ecu}: key {id} revoked; its reports are refused\n"),
            );
        }
    }
    Ok(())
}

/// Most bytes read from standard input for one ingest.
const MAX_STREAM: u64 = 1 << 30;

fn ingest(
    ctx: &Ctx,
    db: &FleetDb,
    inputs: &[PathBuf],
    vin: Option<String>,
    received_at: Option<u64>,
    batch: u64,
    threads: usize,
) -> CmdResult {
    let mut reports = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            let mut raw = Vec::new();
            std::io::stdin()
                .take(MAX_STREAM)
                .read_to_end(&mut raw)
                .map_err(|e| modelseal::Error::io("standard input", e))?;
            reports.extend(split_stream(&raw));
        } else if input.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(input)
                .map_err(|e| modelseal::Error::io(input, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for f in files {
                reports.push((f.display().to_string(), modelseal::report::read_report(&f)?));
            }
        } else {
            reports.push((
                input.display().to_string(),
                modelseal::report::read_report(input)?,
            ));
        }
    }
    let opts = IngestOptions {
        vin,
        received_at: received_at.unwrap_or_else(crate::out::now),
        threads,
        batch: usize::try_from(batch).unwrap_or(DEFAULT_BATCH),
    };
    let s = db.open()?.ingest(reports, &opts)?;
    let mut t = format!(
        "{} recorded, {} already recorded, {} refused",
        s.recorded, s.duplicates, s.refused
    );
    if s.unknown_manifests > 0 {
        let _ = write!(
            t,
            "; {} run a manifest the registry does not know",
            s.unknown_manifests
        );
    }
    t.push('\n');
    for r in s.reports.iter().filter(|r| r.outcome == "refused") {
        let _ = writeln!(
            t,
            "  refused {}: {}",
            r.source,
            r.reason.as_deref().unwrap_or("")
        );
    }
    for r in s.reports.iter().filter(|r| r.unknown_manifest) {
        let _ = writeln!(
            t,
            "  flagged {}: manifest {} is not in the registry",
            r.source,
            r.manifest_digest.as_deref().unwrap_or("")
        );
    }
    ctx.report(&s, &t);
    if s.refused > 0 {
        return Err(Failure::Reported(format!("{} reports refused", s.refused)));
    }
    Ok(())
}

/// Splits a stream into reports: binary reports back to back (each
/// announces its length), or hex, one a line.
fn split_stream(raw: &[u8]) -> Vec<(String, Vec<u8>)> {
    use modelseal_core::limits::{REPORT_HEADER_LEN, REPORT_SIGNATURE_LEN};
    let mut out = Vec::new();
    if raw.starts_with(&modelseal_core::report::REPORT_MAGIC) {
        let mut at = 0;
        while at < raw.len() {
            let rest = &raw[at..];
            let len = match (rest.get(8), rest.get(9)) {
                (Some(a), Some(b)) => {
                    REPORT_HEADER_LEN
                        + usize::from(u16::from_le_bytes([*a, *b]))
                        + REPORT_SIGNATURE_LEN
                }
                _ => rest.len(),
            };
            let end = len.min(rest.len());
            out.push((format!("stdin #{}", out.len() + 1), rest[..end].to_vec()));
            at += end;
        }
    } else {
        for (i, line) in String::from_utf8_lossy(raw).lines().enumerate() {
            let l = line.trim();
            if l.is_empty() {
                continue;
            }
            let bytes = hex::decode(l).unwrap_or_else(|_| l.as_bytes().to_vec());
            out.push((format!("stdin line {}", i + 1), bytes));
        }
    }
    out
}

fn online(ctx: &Ctx, db: &FleetDb, o: OnlineCommand) -> CmdResult {
    let mut inv = db.open()?;
    match o {
        OnlineCommand::Add {
            model,
            metric,
            value,
            window_start,
            window_end,
            source,
            file,
        } => {
            let results: Vec<OnlineResult> = match (file, model) {
                (Some(f), _) => {
                    #[derive(serde::Deserialize)]
                    #[serde(deny_unknown_fields)]
                    struct Row {
                        family: String,
                        version: String,
                        metric: String,
                        value: f64,
                        window_start: u64,
                        window_end: u64,
                        source: String,
                    }
                    let rows: Vec<Row> = serde_json::from_str(&read_text(&f)?).map_err(|e| {
                        Failure::Usage(format!("{}: not a JSON array of results: {e}", f.display()))
                    })?;
                    rows.into_iter()
                        .map(|r| OnlineResult {
                            family: r.family,
                            version: r.version,
                            metric: r.metric,
                            value: r.value,
                            window_start: r.window_start,
                            window_end: r.window_end,
                            source: r.source,
                        })
                        .collect()
                }
                (None, Some(m)) => {
                    let (family, version) = parse_family_version(&m)?;
                    let need = |flag: &str| Failure::Usage(format!("a result needs {flag}"));
                    vec![OnlineResult {
                        family,
                        version,
                        metric: metric.ok_or_else(|| need("--metric"))?,
                        value: value.ok_or_else(|| need("--value"))?,
                        window_start: window_start.ok_or_else(|| need("--window-start"))?,
                        window_end: window_end.ok_or_else(|| need("--window-end"))?,
                        source: source.ok_or_else(|| need("--source"))?,
                    }]
                }
                (None, None) => return Err(Failure::Usage("give --model or --file".into())),
            };
            let n = inv.add_online(&results)?;
            ctx.report(
                &serde_json::json!({"recorded": n, "given": results.len()}),
                &format!(
                    "{n} results recorded ({} already were)\n",
                    results.len() as u64 - n
                ),
            );
        }
        OnlineCommand::Show { model } => {
            let (family, version) = parse_family_version(&model)?;
            let r = inv.online(&family, &version)?;
            let mut t = format!("{family}@{version}: {} results from the road\n", r.len());
            for x in &r {
                let _ = writeln!(
                    t,
                    "  {:<28} {:>12} {} .. {}  ({})",
                    x.metric,
                    x.value,
                    time_text(x.window_start),
                    time_text(x.window_end),
                    x.source
                );
            }
            ctx.report(&r, &t);
        }
    }
    Ok(())
}

pub(crate) fn run_incident(ctx: &Ctx, a: IncidentArgs) -> CmdResult {
    let mut inv = a.db.open()?;
    match a.command {
        IncidentCommand::Add {
            vin,
            at,
            kind,
            external_id,
            odd,
            summary,
        } => {
            let i = inv.add_incident(&NewIncident {
                vin,
                at,
                kind,
                external_id,
                odd,
                summary,
            })?;
            ctx.report(&i, &incident_text(&i));
        }
        IncidentCommand::Show { external_id } => {
            let i = inv.incident(&external_id)?;
            ctx.report(&i, &incident_text(&i));
        }
        IncidentCommand::List { model, page } => {
            let fv = model.as_deref().map(parse_family_version).transpose()?;
            let l = inv.incidents(
                fv.as_ref().map(|(f, v)| (f.as_str(), v.as_str())),
                page.page(),
            )?;
            let mut t = String::new();
            for i in &l.items {
                let _ = writeln!(
                    t,
                    "{}  {}  {:<11} {}  {}",
                    i.external_id,
                    time_text(i.at),
                    i.kind,
                    i.vin,
                    i.summary
                );
            }
            if l.items.is_empty() {
                t.push_str("no incidents\n");
            }
            more(&mut t, l.next_offset);
            ctx.report(&l, &t);
        }
    }
    Ok(())
}

fn incident_text(i: &modelseal_fleet::incident::IncidentView) -> String {
    let mut t = format!(
        "incident {} ({}) on {} at {}\n",
        i.external_id,
        i.kind,
        i.vin,
        time_text(i.at)
    );
    if !i.odd.is_empty() {
        let _ = writeln!(t, "  odd: {}", i.odd.join(", "));
    }
    if !i.summary.is_empty() {
        let _ = writeln!(t, "  {}", i.summary);
    }
    for e in &i.ecus {
        let _ = writeln!(
            t,
            "  {} ({} {}): {}",
            e.position,
            e.hardware_id,
            e.serial,
            install_brief(e.installed.as_ref())
        );
    }
    for m in &i.models {
        let _ = writeln!(t, "  {}@{} on {}", m.family, m.version, m.position);
        if !m.registered {
            let _ = writeln!(t, "    not in the registry: manifest {}", m.manifest_digest);
            continue;
        }
        for (k, v) in [
            ("stage", m.stage.clone()),
            ("training data", m.training_dataset.clone()),
            ("validation data", m.validation_dataset.clone()),
            ("test data", m.test_dataset.clone()),
            ("experiment", m.experiment.clone()),
            ("code commit", m.code_commit.clone()),
            ("release gate", m.release_gate.clone()),
        ] {
            if let Some(v) = v {
                let _ = writeln!(t, "    {k:<16} {v}");
            }
        }
        if m.withdrawn {
            let _ = writeln!(t, "    WITHDRAWN since");
        }
        for g in &m.release_gate_evaluations {
            let _ = writeln!(t, "    gate result      {g}");
        }
    }
    t
}

fn vehicle_text(v: &VehicleView) -> String {
    let mut t = format!(
        "{}{}\n",
        v.vin,
        v.at.map_or(String::new(), |a| format!(" at {}", time_text(a)))
    );
    match &v.prescribed {
        Some(p) => {
            let _ = writeln!(
                t,
                "  prescribed   {} (since {}{})",
                p.config.clone().unwrap_or_else(|| p.config_digest.clone()),
                time_text(p.assigned_at),
                if p.reason.is_empty() {
                    String::new()
                } else {
                    format!(", {}", p.reason)
                }
            );
        }
        None => t.push_str("  prescribed   nothing assigned\n"),
    }
    for e in &v.ecus {
        let _ = writeln!(
            t,
            "  {} ({} {}, key {})",
            e.position,
            e.hardware_id,
            e.serial,
            e.key.as_deref().unwrap_or("none in force")
        );
        let Some(i) = &e.installed else {
            t.push_str("    no report\n");
            continue;
        };
        let _ = writeln!(
            t,
            "    runs {} {} under {} since {} (report #{}, {})",
            i.kind,
            i.bundle_version,
            i.config.as_deref().unwrap_or("no configuration"),
            time_text(i.since),
            i.last_sequence,
            time_text(i.last_report_at)
        );
        let _ = writeln!(
            t,
            "    manifest {}{}",
            i.manifest_digest,
            if i.known_manifest {
                ""
            } else {
                " (NOT IN THE REGISTRY)"
            }
        );
        for m in &i.models {
            let reg = match &m.registry {
                Some(r) => format!(
                    "stage {}{}{}",
                    r.stage,
                    if r.withdrawn { ", WITHDRAWN" } else { "" },
                    r.lineage
                        .get(modelseal_core::doc::Lineage::NAMES[0])
                        .map_or(String::new(), |d| format!(", trained on {d}"))
                ),
                None => "not in the registry".into(),
            };
            let _ = writeln!(t, "      {}@{} ({reg})", m.family, m.version);
        }
    }
    t
}

fn install_brief(i: Option<&InstallView>) -> String {
    match i {
        None => "nothing reported".into(),
        Some(i) => {
            let models: Vec<String> = i
                .models
                .iter()
                .map(|m| format!("{}@{}", m.family, m.version))
                .collect();
            format!(
                "{} [{}] manifest {}",
                i.bundle_version,
                models.join(", "),
                i.manifest_digest.get(..16).unwrap_or(&i.manifest_digest)
            )
        }
    }
}

fn split_at(s: &str, flag: &str, shape: &str) -> Result<(String, String), Failure> {
    match s.split_once('@') {
        Some((a, b)) if !a.is_empty() && !b.is_empty() => Ok((a.to_owned(), b.to_owned())),
        _ => Err(Failure::Usage(format!("{flag} `{s}`: expected {shape}"))),
    }
}

fn more(t: &mut String, next: Option<u64>) {
    if let Some(n) = next {
        let _ = writeln!(t, "  … more: --offset {n}");
    }
}

/// Most bytes of a CMDB export or list file.
const MAX_INPUT_FILE: usize = 256 << 20;

fn read_text(path: &Path) -> Result<String, Failure> {
    let bytes = modelseal::fsio::read_small(path, MAX_INPUT_FILE)?;
    String::from_utf8(bytes)
        .map_err(|_| Failure::Usage(format!("{}: not UTF-8 text", path.display())))
}
