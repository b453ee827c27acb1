//! The fleet inventory benchmark: a synthetic fleet (the library's
//! generator) enrolled and reporting into one engine, then the questions
//! asked of it. Prints one table; run it once per engine
//! (`benches/fleet.sh` runs both side by side).
//!
//!   fleet-bench --db FILE|URL [--vehicles N] [--ecus N] [--lookups N] [--queries-only]
//!
//! `--queries-only` opens a fleet this benchmark wrote before (the same
//! `--vehicles` and `--ecus`) and measures the questions alone: run it after
//! emptying the page cache to see what a query costs when the database no
//! longer fits in memory (the 1,000,000-vehicle case) on a fleet that does.
//!
//! Measured: enrolment (the library's path; generating the CMDB rows is
//! not timed); ingest of signed reports (signature checks on every
//! core, then the writes) and, from the same run, the write phase alone
//! (rows already verified); the raw `verify_strict` rate of the same cores
//! for comparison; an update wave (10 % of the cameras); `fleet show`
//! p50/p99, straight after the writes and again at rest (`watch::settle`),
//! each pass with what the machine and the server did beside it
//! (`watch.rs`); `fleet which` for the version on 15 % of the fleet (count
//! and first page); the same at a past time (`--at`); the incident walk; size
//! on disk; peak RSS. Signing the reports (the ECUs' work) is not timed.

use modelseal_fleet::generate::{CAMERA_FAMILY, Fleet};
use modelseal_fleet::incident::NewIncident;
use modelseal_fleet::ingest::IngestOptions;
use modelseal_fleet::query::Filter;
use modelseal_fleet::{Inventory, Page};
use std::time::{Duration, Instant};

mod watch;

struct Args {
    db: String,
    vehicles: u64,
    ecus: u32,
    lookups: usize,
    queries_only: bool,
}

fn args() -> Args {
    let mut a = Args {
        db: String::new(),
        vehicles: 20_000,
        ecus: 30,
        lookups: 1_000,
        queries_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        if k == "--queries-only" {
            a.queries_only = true;
            continue;
        }
        let v = it.next().unwrap_or_default();
        match k.as_str() {
            "--db" => a.db = v,
            "--vehicles" => a.vehicles = v.parse().expect("--vehicles N"),
            "--ecus" => a.ecus = v.parse().expect("--ecus N"),
            "--lookups" => a.lookups = v.parse().expect("--lookups N"),
            other => panic!("unknown argument {other}"),
        }
    }
    assert!(!a.db.is_empty(), "give --db FILE or --db postgres://…");
    a
}

/// Vehicles generated, checked and written per round.
const CHUNK_VEHICLES: u64 = 2_000;

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// `f` of every job, in order, the jobs split over every core.
fn on_every_core<T: Sync, R: Send>(jobs: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let per = jobs.len().div_ceil(threads()).max(1);
    let f = &f;
    std::thread::scope(|s| {
        let hs: Vec<_> = jobs
            .chunks(per)
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<_>>()))
            .collect();
        hs.into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    })
}

/// Signs the reports of vehicles `from..to` (all ECUs, sequence `seq`),
/// on every core (the ECUs' work: not timed).
fn sign(
    fleet: &Fleet,
    from: u64,
    to: u64,
    seq: u64,
    t: u64,
    only_camera: bool,
) -> Vec<(String, Vec<u8>)> {
    let ecus = if only_camera { 1 } else { fleet.ecus };
    let jobs: Vec<(u64, u32)> = (from..to)
        .flat_map(|v| (0..ecus).map(move |e| (v, e)))
        .collect();
    on_every_core(&jobs, |&(v, e)| {
        let mut k = fleet.key(v, e);
        (
            String::new(),
            fleet.report(&mut k, v, e, seq, t).expect("report"),
        )
    })
}

/// The CMDB rows of vehicles `from..to`, generated on every core.
fn enrolments(fleet: &Fleet, from: u64, to: u64) -> Vec<modelseal_fleet::enroll::Enrolment> {
    let jobs: Vec<(u64, u32)> = (from..to)
        .flat_map(|v| (0..fleet.ecus).map(move |e| (v, e)))
        .collect();
    on_every_core(&jobs, |&(v, e)| fleet.enrolment(v, e))
}

#[derive(Default)]
struct Ingest {
    reports: u64,
    time: Duration,
}

/// The whole ingest as `fleet ingest` runs it (checks of one batch
/// overlapped with the writes of the previous), timed.
fn ingest(inv: &mut Inventory, reports: Vec<(String, Vec<u8>)>, t: u64, acc: &mut Ingest) {
    let opts = IngestOptions {
        received_at: t,
        ..IngestOptions::default()
    };
    let n = reports.len() as u64;
    let t0 = Instant::now();
    let s = inv.ingest(reports, &opts).expect("ingest");
    acc.time += t0.elapsed();
    assert_eq!(s.recorded, n, "every generated report records");
    acc.reports += n;
}

/// Checked first (not timed), then the writes alone, timed: the rate of
/// rows already verified.
fn write_verified(inv: &mut Inventory, reports: Vec<(String, Vec<u8>)>, t: u64, acc: &mut Ingest) {
    let opts = IngestOptions {
        received_at: t,
        ..IngestOptions::default()
    };
    let n = reports.len() as u64;
    let checked = inv.check(reports, &opts).expect("check");
    let t0 = Instant::now();
    let s = inv.record(checked, &opts).expect("record");
    acc.time += t0.elapsed();
    assert_eq!(s.recorded, n, "every generated report records");
    acc.reports += n;
}

/// The raw `verify_strict` rate of all cores, on `sample` reports.
fn raw_verify_rate(fleet: &Fleet, sample: &[(String, Vec<u8>)]) -> f64 {
    let items: Vec<([u8; 64], [u8; 64], ed25519_dalek::VerifyingKey)> = sample
        .iter()
        .enumerate()
        .map(|(i, (_, bytes))| {
            let r = modelseal_core::report::parse(bytes).expect("report");
            let msg = r.signed_message().expect("message");
            let v = i as u64 / u64::from(fleet.ecus);
            let e = (i as u64 % u64::from(fleet.ecus)) as u32;
            let key = match fleet.key(v, e).public_key() {
                modelseal::report::EcuPublicKey::Ed25519(k) => {
                    ed25519_dalek::VerifyingKey::from_bytes(&k).expect("key")
                }
                modelseal::report::EcuPublicKey::P256(_) => {
                    unreachable!("the generator uses Ed25519")
                }
            };
            (msg, *r.signature(), key)
        })
        .collect();
    let per = items.len().div_ceil(threads()).max(1);
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for c in items.chunks(per) {
            s.spawn(move || {
                for (m, sig, k) in c {
                    let sig = ed25519_dalek::Signature::from_bytes(sig);
                    assert!(k.verify_strict(m, &sig).is_ok());
                }
            });
        }
    });
    items.len() as f64 / t0.elapsed().as_secs_f64()
}

fn percentiles(mut d: Vec<Duration>) -> (f64, f64) {
    d.sort();
    let at = |p: f64| {
        let i = ((d.len() as f64 - 1.0) * p).round() as usize;
        d.get(i).map_or(0.0, |x| x.as_secs_f64() * 1e3)
    };
    (at(0.5), at(0.99))
}

/// Peak resident set size of this process (`VmHWM`), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

fn size_on_disk(inv: &mut Inventory, db: &str) -> f64 {
    if modelseal_fleet::db::is_postgres(db) {
        let r = inv
            .db()
            .query_one("SELECT pg_database_size(current_database())", &[])
            .expect("size")
            .expect("row");
        return r.int(0).expect("bytes") as f64 / (1 << 20) as f64;
    }
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{db}{s}")).ok())
        .map(|m| m.len())
        .sum::<u64>() as f64
        / (1 << 20) as f64
}

/// When the fleet first reports, and when the update wave comes.
const T1: u64 = 1_790_000_000;
const T2: u64 = T1 + 86_400;

/// What writing the fleet measured.
struct Writes {
    enrol: Duration,
    signed: Ingest,
    verified: Ingest,
    wave: Ingest,
    raw: f64,
}

/// Rate of `n` in `d`.
fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// Enrols the fleet, ingests every ECU's first report and an update wave,
/// timed phase by phase.
fn write_fleet(
    inv: &mut Inventory,
    fleet: &Fleet,
    a: &Args,
    progress: &dyn Fn(&str, u64, Duration),
) -> Writes {
    let ecus_total = a.vehicles * u64::from(a.ecus);
    let mut enrol = Duration::ZERO;
    let (mut signed, mut verified) = (Ingest::default(), Ingest::default());
    let mut wave = Ingest::default();
    let mut raw = 0.0;
    // Enrolment through the library's path (`Inventory::enroll`: checks,
    // then bulk appends), in transactions of CHUNK_VEHICLES vehicles. The
    // CMDB rows are generated on every core (deriving each ECU's public key
    // is the CMDB's work, not the inventory's: not timed).
    let mut v = 0;
    while v < a.vehicles {
        let to = (v + CHUNK_VEHICLES).min(a.vehicles);
        let e = enrolments(fleet, v, to);
        let t0 = Instant::now();
        inv.enroll(&e, false).expect("enroll");
        enrol += t0.elapsed();
        v = to;
    }
    progress("enrolled ECUs", ecus_total, enrol);

    // First reports of every ECU (sequence 1, at T1): the first half of
    // the fleet through the whole ingest, the second half checked first and
    // then written (the rate of verified rows).
    // Chunks small enough that each half of the fleet gets several.
    let chunk = CHUNK_VEHICLES.min((a.vehicles / 4).max(1));
    let mut v = 0;
    while v < a.vehicles {
        let to = (v + chunk).min(a.vehicles);
        let reports = sign(fleet, v, to, 1, T1, false);
        if v == 0 {
            raw = raw_verify_rate(fleet, &reports[..reports.len().min(20_000)]);
        }
        if v < a.vehicles / 2 {
            ingest(inv, reports, T1, &mut signed);
            if to >= a.vehicles / 2 {
                progress("signed reports ingested", signed.reports, signed.time);
            }
        } else {
            write_verified(inv, reports, T1, &mut verified);
        }
        v = to;
    }
    progress("verified reports written", verified.reports, verified.time);
    // An update wave: 10 % of the cameras report again at T2 (sequence 2).
    let mut v = 0;
    while v < a.vehicles / 10 {
        let to = (v + CHUNK_VEHICLES).min(a.vehicles / 10);
        let reports = sign(fleet, v, to, 2, T2, true);
        ingest(inv, reports, T2, &mut wave);
        v = to;
    }
    Writes {
        enrol,
        signed,
        verified,
        wave,
        raw,
    }
}

/// The write rows of the table.
fn print_writes(w: &Writes, ecus_total: u64) {
    let signed_rate = rate(w.signed.reports, w.signed.time);
    println!(
        "| enrol ({ecus_total} ECUs) | {:.1} s, {:.0} ECUs/s |",
        w.enrol.as_secs_f64(),
        rate(ecus_total, w.enrol)
    );
    println!(
        "| ingest, signed reports ({}, checks + writes) | {signed_rate:.0} reports/s |",
        w.signed.reports
    );
    println!(
        "| ingest, verified reports ({}, writes alone: 4 rows and 1 update each) | {:.0} reports/s |",
        w.verified.reports,
        rate(w.verified.reports, w.verified.time)
    );
    println!("| raw verify_strict, same cores | {:.0} /s |", w.raw);
    println!(
        "| signed ingest / raw verify_strict | {:.0} % |",
        100.0 * signed_rate / w.raw.max(1.0)
    );
    println!(
        "| update wave ({} reports, install changes) | {:.0} reports/s |",
        w.wave.reports,
        rate(w.wave.reports, w.wave.time)
    );
}

fn main() {
    let a = args();
    let engine = if modelseal_fleet::db::is_postgres(&a.db) {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let fleet = Fleet {
        vehicles: a.vehicles,
        ecus: a.ecus,
        seed: 7,
    };
    let ecus_total = a.vehicles * u64::from(a.ecus);
    let mut inv = Inventory::open(&a.db).expect("open");
    // The schema this build migrated to: a figure belongs to a schema, and
    // a stale build shows here.
    let schema = inv.db().schema_version().expect("schema version");
    println!(
        "fleet inventory benchmark, {engine}: {} vehicles x {} ECUs = {ecus_total} ECUs, {} cores, schema {schema}",
        a.vehicles,
        a.ecus,
        threads()
    );
    // Progress on stderr: a phase's end, with wall time since the start
    // (generating and signing included) and the phase's timed rate.
    let start = Instant::now();
    let progress = |what: &str, n: u64, d: Duration| {
        eprintln!(
            "[{:>6.0} s] {what}: {n} in {:.1} s timed, {:.0}/s",
            start.elapsed().as_secs_f64(),
            d.as_secs_f64(),
            rate(n, d)
        );
    };

    let writes = (!a.queries_only).then(|| write_fleet(&mut inv, &fleet, &a, &progress));

    // fleet show VIN, straight after the writes (or, with --queries-only,
    // on the database as found).
    let first = show_pass(&mut inv, &fleet, &a, 0);
    let (show50, show99) = percentiles(first.lookups.iter().map(|t| t.took).collect());

    // fleet which perception_front_camera@v1.3.5 (15 % of the fleet).
    let filter = Filter::Model {
        family: CAMERA_FAMILY.into(),
        version: "v1.3.5".into(),
    };
    let mut whiches = Vec::new();
    let mut count = 0;
    for _ in 0..20 {
        let t = Instant::now();
        let w = inv.which(&filter, None, Page::default()).expect("which");
        whiches.push(t.elapsed());
        count = w.vehicles;
        assert_eq!(w.vins.items.len() as u64, w.vehicles.min(100));
    }
    let (which50, which99) = percentiles(whiches);
    let mut ats = Vec::new();
    let mut at_count = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let w = inv
            .which(&filter, Some(T1 + 10), Page::default())
            .expect("which --at");
        ats.push(t.elapsed());
        at_count = w.vehicles;
    }
    let (at50, at99) = percentiles(ats);

    // The incident walk: record, then show.
    let mut walks = Vec::new();
    for i in 0..20 {
        let vin = fleet.vin((i * 104_729) % a.vehicles);
        let t = Instant::now();
        let inc = inv
            .add_incident(&NewIncident {
                vin,
                at: T1 + 100,
                kind: "performance".into(),
                external_id: format!("BENCH-{i}-{}", std::process::id()),
                odd: vec!["rain".into()],
                summary: String::new(),
            })
            .expect("incident");
        let back = inv.incident(&inc.external_id).expect("walk");
        walks.push(t.elapsed());
        assert_eq!(back.models.len(), a.ecus as usize);
    }
    let (walk50, walk99) = percentiles(walks);

    // fleet show VIN again, on other vehicles, once the database is at
    // rest (PostgreSQL: ANALYZE and a checkpoint; SQLite: a checkpoint):
    // the same lookups without the writes' after-effects beside them.
    let (settled_by, settled_in) = watch::settle(&mut inv);
    let second = show_pass(&mut inv, &fleet, &a, a.vehicles / 2 + 1);
    let (settled50, settled99) = percentiles(second.lookups.iter().map(|t| t.took).collect());
    let size = size_on_disk(&mut inv, &a.db);

    println!("| measure | {engine} |");
    println!("|---|---:|");
    if let Some(w) = &writes {
        print_writes(w, ecus_total);
    }
    println!("| fleet show VIN, p50 / p99 | {show50:.2} / {show99:.2} ms |");
    println!(
        "| fleet show VIN at rest ({settled_by}, {:.1} s), other vehicles, p50 / p99 | {settled50:.2} / {settled99:.2} ms |",
        settled_in.as_secs_f64()
    );
    println!(
        "| fleet which (count {count} + first page), p50 / p99 | {which50:.2} / {which99:.2} ms |"
    );
    println!("| fleet which --at (count {at_count}), p50 / p99 | {at50:.1} / {at99:.1} ms |");
    println!(
        "| incident add + walk ({} ECUs), p50 / p99 | {walk50:.1} / {walk99:.1} ms |",
        a.ecus
    );
    println!("| size on disk | {size:.0} MiB |");
    println!("| peak RSS | {:.0} MiB |", peak_rss_mib());
    println!();
    println!("fleet show, first pass: {}", first.attribution());
    println!("fleet show, at rest: {}", second.attribution());
}

/// `a.lookups` timed `fleet show` lookups, vehicles spread over the fleet
/// from `offset`, with what the machine and the server did beside them.
fn show_pass(inv: &mut Inventory, fleet: &Fleet, a: &Args, offset: u64) -> watch::Pass {
    watch::pass(&a.db, inv, |inv| {
        (0..a.lookups)
            .map(|i| {
                let vin = fleet.vin((offset + i as u64 * 7_919) % a.vehicles);
                let (s, t) = watch::timed(|| inv.show(&vin, None).expect("show"));
                assert_eq!(s.ecus.len(), a.ecus as usize);
                t
            })
            .collect()
    })
}
