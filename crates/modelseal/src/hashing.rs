//! Streaming, parallel hashing of artifact files: flat SHA-256, or the
//! fs-verity digest (see [`crate::verity`]).
//!
//! Work goes to one worker per core, largest piece first, so the longest
//! piece starts at once and the small ones fill in around it. A flat
//! SHA-256 is one piece (its bytes chain), so one large flat file bounds
//! the wall time; an fs-verity file is cut into segments of
//! [`SEGMENT_LEN`] bytes whose blocks hash independently, so one large
//! file is hashed on every core. Each worker streams through a fixed
//! buffer: memory is `threads × CHUNK_LEN`, plus 32 bytes per block of
//! each fs-verity file (its lowest tree level, 1/128 of the file with
//! 4 KiB blocks). A worker may also copy the bytes it hashes into the
//! bundle being written (one read per byte).
//!
//! A file that changes length or modification time while it is read is an
//! error: the digest must describe the bytes that ship.

use crate::error::{Error, Result};
use crate::fsio::AtomicFile;
use crate::spec::FileRef;
use modelseal_core::Digest;
use modelseal_core::verity::Params;
use sha2::Digest as _;
use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Bytes read per call, per worker (a multiple of every fs-verity block
/// size). Small enough that the bytes a read copies are still in the
/// core's cache when they are hashed: a large copy out of the page cache
/// can bypass the cache (streaming stores), and the hash then reads them
/// back from memory. Measured on an AMD EPYC guest (1 MiB L2 per core),
/// 1 GiB through `build`: 1 MiB and 256 KiB reads 1.41-1.50 s flat and
/// 0.85-0.91 s fs-verity, 128 KiB 0.97-1.06 s and 0.60-0.67 s, 64 KiB no
/// faster than 128 KiB.
pub const CHUNK_LEN: usize = 128 * 1024;
/// Bytes of an fs-verity file one worker hashes at a time: small enough
/// that the cores finish one large file within a few milliseconds of each
/// other (the last segment on one core while the other idles: 7 ms at
/// 1.2 GB/s), large enough that the per-segment open and checks (tens of
/// microseconds) do not show.
pub const SEGMENT_LEN: u64 = 8 * 1024 * 1024;
const _: () = assert!(SEGMENT_LEN.is_multiple_of(CHUNK_LEN as u64));
const _: () = assert!(CHUNK_LEN.is_multiple_of(1 << modelseal_core::verity::MAX_LOG_BLOCK_SIZE));

/// Receives progress while files are hashed. Called from several threads.
pub trait Progress: Sync {
    /// Hashing starts: `files` files, `bytes` bytes in all.
    fn begin(&self, _files: usize, _bytes: u64) {}
    /// `bytes` more bytes were hashed.
    fn advance(&self, _bytes: u64) {}
    /// Hashing ended.
    fn end(&self) {}
    /// A step after hashing started (signing, flushing to disk, checking
    /// with the verifier): long on big bundles, so a person sees what runs.
    fn phase(&self, _label: &'static str) {}
}

/// Progress that reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// One file to hash.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The file, as resolved from the spec.
    pub file: &'a FileRef,
    /// Where to copy its bytes in the output, if anywhere.
    pub copy_to: Option<u64>,
    /// fs-verity parameters, for an fs-verity digest instead of a flat one.
    pub verity: Option<Params>,
    /// Whether to keep the fs-verity tree (for the bundle or a tree file).
    pub keep_tree: bool,
}

/// What hashing one file gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed {
    /// Flat SHA-256, or the fs-verity file digest for an fs-verity job.
    pub digest: Digest,
    /// The fs-verity tree (root level first), when the job kept it.
    pub tree: Option<Vec<u8>>,
}

/// Number of worker threads to use for `files` files: every core, at most
/// one per file (an fs-verity file is split further by [`hash_files`]).
pub fn default_threads(files: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.max(1))
}

/// One piece of work.
enum Work<'s> {
    /// A whole file, flat SHA-256.
    Flat(usize),
    /// Bytes `start..start + len` of an fs-verity file: their block
    /// digests go to `out`.
    Segment {
        job: usize,
        start: u64,
        len: u64,
        out: &'s mut [u8],
    },
}

impl Work<'_> {
    fn len(&self, jobs: &[Job<'_>]) -> u64 {
        match self {
            Work::Flat(i) => jobs[*i].file.size,
            Work::Segment { len, .. } => *len,
        }
    }
    fn job(&self) -> usize {
        match self {
            Work::Flat(i) | Work::Segment { job: i, .. } => *i,
        }
    }
}

/// Hashes every job's file with `threads` workers (copying into `out` where
/// asked) and returns the results in job order.
pub fn hash_files(
    jobs: &[Job<'_>],
    out: Option<&AtomicFile>,
    threads: usize,
    progress: &dyn Progress,
) -> Result<Vec<Hashed>> {
    progress.begin(jobs.len(), jobs.iter().map(|j| j.file.size).sum());
    // The lowest tree level of each fs-verity file, filled by its segments.
    let mut leaves: Vec<Vec<u8>> = jobs
        .iter()
        .map(|j| match j.verity {
            Some(p) => vec![0u8; (j.file.size.div_ceil(p.block_size() as u64) * 32) as usize],
            None => Vec::new(),
        })
        .collect();
    let mut work: Vec<Work<'_>> = Vec::new();
    for (i, (job, l)) in jobs.iter().zip(leaves.iter_mut()).enumerate() {
        match job.verity {
            None => work.push(Work::Flat(i)),
            Some(p) => {
                let seg_blocks = (SEGMENT_LEN / p.block_size() as u64) as usize;
                if l.is_empty() {
                    // An empty file: one piece that checks it is still empty.
                    work.push(Work::Segment {
                        job: i,
                        start: 0,
                        len: 0,
                        out: &mut [],
                    });
                    continue;
                }
                let mut start = 0u64;
                for out in l.chunks_mut(seg_blocks * 32) {
                    let len = SEGMENT_LEN.min(job.file.size - start);
                    work.push(Work::Segment {
                        job: i,
                        start,
                        len,
                        out,
                    });
                    start += len;
                }
            }
        }
    }
    // Largest first (stable: equal pieces keep file order).
    work.sort_by_key(|w| std::cmp::Reverse(w.len(jobs)));
    let queue: Vec<Mutex<Option<Work<'_>>>> =
        work.into_iter().map(|w| Mutex::new(Some(w))).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<Digest>>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    let threads = threads.clamp(1, queue.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut buf = vec![0u8; CHUNK_LEN];
                while !failed.load(Ordering::Relaxed) {
                    let Some(slot) = queue.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let Some(w) = slot.lock().ok().and_then(|mut g| g.take()) else {
                        continue;
                    };
                    let i = w.job();
                    let r = match w {
                        Work::Flat(_) => hash_one(&jobs[i], out, &mut buf, progress, &failed),
                        Work::Segment {
                            start, len, out: o, ..
                        } => {
                            hash_segment(&jobs[i], out, start, len, o, &mut buf, progress, &failed)
                                .map(|done| done.then_some([0u8; 32]))
                        }
                    };
                    // Ok(None): stopped because another piece failed; that
                    // failure is the one to report.
                    let r = match r {
                        Ok(None) => continue,
                        Ok(Some(d)) => Ok(d),
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            Err(e)
                        }
                    };
                    if let Ok(mut v) = results.lock() {
                        // A segment's success says nothing about the file;
                        // its first failure is the file's.
                        if v[i].as_ref().is_none_or(|x| x.is_ok()) {
                            v[i] = Some(r);
                        }
                    }
                }
            });
        }
    });
    progress.end();
    let results = results.into_inner().map_err(|_| Error::Internal {
        invariant: "a hashing worker panicked",
    })?;
    let digests = in_job_order(results)?;
    let mut hashed = Vec::with_capacity(jobs.len());
    for ((job, d), l) in jobs.iter().zip(digests).zip(leaves) {
        hashed.push(match job.verity {
            None => Hashed {
                digest: d,
                tree: None,
            },
            Some(p) => {
                let t = crate::verity::finish_tree(&p, job.file.size, l, job.keep_tree)?;
                Hashed {
                    digest: t.digest,
                    tree: t.bytes,
                }
            }
        });
    }
    Ok(hashed)
}

/// Hashes the blocks of bytes `start..start + len` of an fs-verity job's
/// file into `leaves`; `Ok(false)` when it stopped because another piece
/// failed.
#[allow(clippy::too_many_arguments)]
fn hash_segment(
    job: &Job<'_>,
    out: Option<&AtomicFile>,
    start: u64,
    len: u64,
    leaves: &mut [u8],
    buf: &mut [u8],
    progress: &dyn Progress,
    failed: &AtomicBool,
) -> Result<bool> {
    let f = job.file;
    let Some(p) = job.verity else {
        return Err(Error::Internal {
            invariant: "a segment of a file without fs-verity parameters",
        });
    };
    let err = |e: std::io::Error| Error::io(&f.path, e);
    let changed = || Error::FileChanged {
        path: f.path.clone(),
        field: f.field.clone(),
    };
    let file = File::open(&f.path).map_err(err)?;
    let unchanged = |file: &File| -> Result<()> {
        let m = file.metadata().map_err(err)?;
        if m.len() != f.size || m.modified().ok() != f.modified {
            return Err(changed());
        }
        Ok(())
    };
    unchanged(&file)?;
    let bs = p.block_size();
    let base = crate::verity::salted(&p);
    let mut pos = 0u64;
    while pos < len {
        if failed.load(Ordering::Relaxed) {
            return Ok(false);
        }
        let n = (len - pos).min(buf.len() as u64) as usize;
        let chunk = &mut buf[..n];
        file.read_exact_at(chunk, start + pos).map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                changed()
            } else {
                err(e)
            }
        })?;
        let first = (pos / bs as u64) as usize * 32;
        let blocks = n.div_ceil(bs);
        crate::verity::hash_blocks(&base, bs, chunk, &mut leaves[first..first + blocks * 32]);
        if let (Some(out), Some(base)) = (out, job.copy_to) {
            out.write_at(chunk, base + start + pos)?;
        }
        pos += n as u64;
        progress.advance(n as u64);
    }
    unchanged(&file)?;
    Ok(true)
}

/// The digests in job order, or the first failure in job order (so the
/// message does not depend on thread timing).
fn in_job_order(results: Vec<Option<Result<Digest>>>) -> Result<Vec<Digest>> {
    let jobs = results.len();
    let mut digests = Vec::with_capacity(jobs);
    let mut first_err = None;
    for r in results {
        match r {
            Some(Ok(d)) => digests.push(d),
            Some(Err(e)) => {
                first_err.get_or_insert(e);
            }
            None => {}
        }
    }
    match first_err {
        Some(e) => Err(e),
        None if digests.len() == jobs => Ok(digests),
        None => Err(Error::Internal {
            invariant: "hashing stopped before every file was hashed, and no file failed",
        }),
    }
}

fn hash_one(
    job: &Job<'_>,
    out: Option<&AtomicFile>,
    buf: &mut [u8],
    progress: &dyn Progress,
    failed: &AtomicBool,
) -> Result<Option<Digest>> {
    let f = job.file;
    let err = |e: std::io::Error| Error::io(&f.path, e);
    let changed = || Error::FileChanged {
        path: f.path.clone(),
        field: f.field.clone(),
    };
    // The file is read up to the size the spec's walk saw, then compared
    // with what the walk saw (size and modification time): a file that
    // changed since, before or while it was read, is caught there, and
    // one that came up short, here. (A check before reading would catch
    // nothing more; for a small file it is a third of the system calls.)
    let mut file = File::open(&f.path).map_err(err)?;
    let mut hasher = sha2::Sha256::new();
    let mut pos = 0u64;
    while pos < f.size {
        if failed.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let want = (f.size - pos).min(buf.len() as u64) as usize;
        let n = match file.read(&mut buf[..want]) {
            Ok(0) => return Err(changed()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(err(e)),
        };
        let chunk = &buf[..n];
        hasher.update(chunk);
        if let (Some(out), Some(base)) = (out, job.copy_to) {
            out.write_at(chunk, base + pos)?;
        }
        pos += n as u64;
        progress.advance(n as u64);
    }
    let after = file.metadata().map_err(err)?;
    if after.len() != f.size || after.modified().ok() != f.modified {
        return Err(changed());
    }
    Ok(Some(hasher.finalize().into()))
}
