//! What the machine and the server did while a pass of lookups ran: enough
//! to tell a slow lookup's cause (a checkpoint, an autovacuum, waiting on
//! the disk) from the query's own cost.
//!
//! - Every lookup records the machine's I/O stall time while it ran
//!   (Linux pressure stall information, `/proc/pressure/io`, "some").
//! - On PostgreSQL, a second connection samples the server's background
//!   work every [`SAMPLE_EVERY`]: whether the checkpointer is inside a
//!   checkpoint (its wait event is not its idle loop's), and which tables
//!   a vacuum or analyze is working on. The benchmark connects as the
//!   cluster's superuser (`benches/fleet.sh`), which sees both.
//! - Around the pass, on the lookups' own connection: checkpoints started
//!   and buffers they wrote (`pg_stat_bgwriter`), and the time the lookups
//!   spent reading blocks that were not in shared buffers
//!   (`blk_read_time`, with `track_io_timing` on for this session only, so
//!   the figure is the lookups' alone).

use modelseal_fleet::{Db, Inventory};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A lookup slower than this is counted and attributed: the goal for
/// `fleet show` is a p99 under 5 ms.
pub(crate) const SLOW: Duration = Duration::from_millis(5);
/// How often the server's background work is sampled.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);
/// The machine's I/O stall during a lookup that counts as "stalled on I/O".
const IO_STALLED_US: u64 = 1_000;

/// Microseconds some task on this machine has stalled on I/O since boot
/// (Linux pressure stall information), when the kernel reports it.
fn io_stall_us() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/pressure/io").ok()?;
    s.lines()
        .find(|l| l.starts_with("some "))?
        .split_whitespace()
        .find_map(|f| f.strip_prefix("total="))?
        .parse()
        .ok()
}

/// One timed lookup.
pub(crate) struct Timed {
    start: Instant,
    pub(crate) took: Duration,
    /// The machine's I/O stall while it ran, when known.
    io_stall_us: Option<u64>,
}

/// Times `f`, with the machine's I/O stall while it ran.
pub(crate) fn timed<R>(f: impl FnOnce() -> R) -> (R, Timed) {
    let io0 = io_stall_us();
    let start = Instant::now();
    let r = f();
    let took = start.elapsed();
    let io_stall_us = io0.zip(io_stall_us()).map(|(a, b)| b.saturating_sub(a));
    (
        r,
        Timed {
            start,
            took,
            io_stall_us,
        },
    )
}

/// What the sampler saw at one moment.
struct Sample {
    at: Instant,
    checkpoint: bool,
    /// Tables a vacuum or analyze was working on ("" when none).
    vacuum: String,
}

/// The server's counters around a pass (PostgreSQL).
#[derive(Clone, Copy, Default)]
struct Counters {
    checkpoints: i64,
    buffers_checkpoint: i64,
    read_ms: f64,
}

const BACKGROUND: &str = "SELECT
  (SELECT count(*) FROM pg_stat_activity
    WHERE backend_type = 'checkpointer'
      AND wait_event IS DISTINCT FROM 'CheckpointerMain')::bigint,
  (SELECT COALESCE(string_agg(DISTINCT relid::regclass::text, ','), '') FROM
     (SELECT relid FROM pg_stat_progress_vacuum WHERE datname = current_database()
      UNION ALL
      SELECT relid FROM pg_stat_progress_analyze WHERE datname = current_database()) p)";

const COUNTERS: &str = "SELECT
  (SELECT (checkpoints_timed + checkpoints_req)::bigint FROM pg_stat_bgwriter),
  (SELECT buffers_checkpoint::bigint FROM pg_stat_bgwriter),
  (SELECT blk_read_time::float8 FROM pg_stat_database WHERE datname = current_database())";

fn counters(db: &mut Db) -> Option<Counters> {
    // The session's own statistics reach the shared ones when it next goes
    // idle: force that, then read.
    db.batch("SELECT pg_stat_force_next_flush()").ok()?;
    let r = db.query_one(COUNTERS, &[]).ok()??;
    Some(Counters {
        checkpoints: r.int(0).ok()?,
        buffers_checkpoint: r.int(1).ok()?,
        read_ms: r.real(2).ok()?,
    })
}

/// A pass of lookups with what went on beside it.
pub(crate) struct Pass {
    pub(crate) lookups: Vec<Timed>,
    samples: Vec<Sample>,
    before: Option<Counters>,
    after: Option<Counters>,
    io_timing: bool,
}

/// Runs `f` (a pass of lookups on `inv`, open on `url`, each lookup timed
/// with [`timed`]), sampling the server's background work on a second
/// connection when it is PostgreSQL.
pub(crate) fn pass(
    url: &str,
    inv: &mut Inventory,
    f: impl FnOnce(&mut Inventory) -> Vec<Timed>,
) -> Pass {
    let postgres = modelseal_fleet::db::is_postgres(url);
    let io_timing = postgres && inv.db().batch("SET track_io_timing = on").is_ok();
    let before = if postgres { counters(inv.db()) } else { None };
    let stop = AtomicBool::new(false);
    let (lookups, samples) = std::thread::scope(|s| {
        let sampler = postgres.then(|| {
            let stop = &stop;
            s.spawn(move || {
                let mut out = Vec::new();
                let Ok(mut watcher) = Db::open(url, false) else {
                    return out;
                };
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(Some(r)) = watcher.query_one(BACKGROUND, &[]) {
                        out.push(Sample {
                            at: Instant::now(),
                            checkpoint: r.int(0).is_ok_and(|n| n > 0),
                            vacuum: r.text(1).unwrap_or_default(),
                        });
                    }
                    std::thread::sleep(SAMPLE_EVERY);
                }
                out
            })
        });
        let lookups = f(inv);
        stop.store(true, Ordering::Relaxed);
        let samples = sampler
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default();
        (lookups, samples)
    });
    let after = if postgres { counters(inv.db()) } else { None };
    if io_timing {
        let _ = inv.db().batch("RESET track_io_timing");
    }
    Pass {
        lookups,
        samples,
        before,
        after,
        io_timing,
    }
}

impl Pass {
    /// The last sample taken before `t` ended (the server's state then).
    fn state_at(&self, t: &Timed) -> Option<&Sample> {
        let end = t.start + t.took;
        self.samples.iter().rev().find(|s| s.at <= end)
    }

    /// One line: how many lookups were slow and what ran beside them.
    pub(crate) fn attribution(&self) -> String {
        let slow: Vec<&Timed> = self.lookups.iter().filter(|t| t.took > SLOW).collect();
        let slowest = self
            .lookups
            .iter()
            .map(|t| t.took)
            .max()
            .unwrap_or_default();
        let total: Duration = self.lookups.iter().map(|t| t.took).sum();
        let mut line = format!(
            "{} of {} over {} ms (slowest {:.1} ms)",
            slow.len(),
            self.lookups.len(),
            SLOW.as_millis(),
            slowest.as_secs_f64() * 1e3
        );
        let io_known = self.lookups.iter().all(|t| t.io_stall_us.is_some());
        if !slow.is_empty() {
            let (mut in_checkpoint, mut in_vacuum, mut io, mut none) = (0, 0, 0, 0);
            let mut tables: Vec<&str> = Vec::new();
            for t in &slow {
                let s = self.state_at(t);
                let c = s.is_some_and(|s| s.checkpoint);
                let v = s.filter(|s| !s.vacuum.is_empty());
                let stalled = t.io_stall_us.is_some_and(|us| us >= IO_STALLED_US);
                in_checkpoint += usize::from(c);
                in_vacuum += usize::from(v.is_some());
                io += usize::from(stalled);
                none += usize::from(!c && v.is_none() && !stalled);
                if let Some(v) = v {
                    tables.extend(v.vacuum.split(','));
                }
            }
            tables.sort_unstable();
            tables.dedup();
            if !self.samples.is_empty() {
                line += &format!(
                    "; of those, {in_checkpoint} during a checkpoint, {in_vacuum} during a vacuum or analyze ({})",
                    if tables.is_empty() {
                        "-".to_owned()
                    } else {
                        tables.join(", ")
                    }
                );
            }
            if io_known {
                line += &format!(
                    ", {io} with the machine stalled on I/O for {} ms or more",
                    IO_STALLED_US / 1_000
                );
            }
            line += &format!(", {none} with none of these");
        }
        if io_known {
            let stall: u64 = self.lookups.iter().filter_map(|t| t.io_stall_us).sum();
            line += &format!(
                "; machine stalled on I/O {:.0} ms of the {:.0} ms the lookups took",
                stall as f64 / 1e3,
                total.as_secs_f64() * 1e3
            );
        }
        if let (Some(b), Some(a)) = (self.before, self.after) {
            line += &format!(
                "; server: {} checkpoints started, {} buffers written by checkpoints",
                a.checkpoints - b.checkpoints,
                a.buffers_checkpoint - b.buffers_checkpoint
            );
            if self.io_timing {
                line += &format!(
                    ", {:.0} ms of the lookups reading blocks not in shared buffers",
                    a.read_ms - b.read_ms
                );
            }
        }
        if !self.samples.is_empty() {
            let busy = |p: &dyn Fn(&Sample) -> bool| {
                100.0 * self.samples.iter().filter(|s| p(s)).count() as f64
                    / self.samples.len() as f64
            };
            line += &format!(
                "; checkpointer busy {:.0} % and vacuum or analyze running {:.0} % of {} samples",
                busy(&|s| s.checkpoint),
                busy(&|s| !s.vacuum.is_empty()),
                self.samples.len()
            );
        }
        line
    }
}

/// Brings the database to rest after the writes: on PostgreSQL, fresh
/// planner statistics (`ANALYZE`: autovacuum's may not have come yet) and
/// a checkpoint; on SQLite, a checkpoint that writes the log into the
/// database file and empties it. What it did, and how long it took.
pub(crate) fn settle(inv: &mut Inventory) -> (&'static str, Duration) {
    let db = inv.db();
    let t0 = Instant::now();
    let what = if db.dialect() == modelseal_fleet::db::Dialect::Postgres {
        db.batch("ANALYZE; CHECKPOINT")
            .expect("analyze, checkpoint");
        "after ANALYZE and a checkpoint"
    } else {
        db.query("PRAGMA wal_checkpoint(TRUNCATE)", &[])
            .expect("checkpoint");
        "after a checkpoint"
    };
    (what, t0.elapsed())
}
