//! Streaming, parallel SHA-256 of artifact files.
//!
//! Files are handed to one worker per core, largest first, so the longest
//! file starts at once and the small ones fill in around it: the wall time
//! is bounded below by the largest file, never by an unlucky split. Each
//! worker streams its file through a fixed buffer: memory is
//! `threads × CHUNK_LEN` however large the files. A worker may also copy the
//! bytes it hashes into the bundle being written (one read per byte).
//!
//! A file that changes length or modification time while it is read is an
//! error: the digest must describe the bytes that ship.

use crate::error::{Error, Result};
use crate::fsio::AtomicFile;
use crate::spec::FileRef;
use modelseal_core::Digest;
use sha2::Digest as _;
use std::fs::File;
use std::io::Read;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Bytes read per call, per worker.
pub const CHUNK_LEN: usize = 1024 * 1024;

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
}

/// Number of worker threads to use for `jobs` files: every core, at most
/// one per file.
pub fn default_threads(files: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(files.max(1))
}

/// Hashes every job's file with `threads` workers (copying into `out` where
/// asked) and returns the digests in job order.
pub fn hash_files(
    jobs: &[Job<'_>],
    out: Option<&AtomicFile>,
    threads: usize,
    progress: &dyn Progress,
) -> Result<Vec<Digest>> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by(|&a, &b| jobs[b].file.size.cmp(&jobs[a].file.size));
    progress.begin(jobs.len(), jobs.iter().map(|j| j.file.size).sum());
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Mutex<Vec<Option<Result<Digest>>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    let threads = threads.clamp(1, jobs.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let mut buf = vec![0u8; CHUNK_LEN];
                while !failed.load(Ordering::Relaxed) {
                    let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    let job = &jobs[i];
                    // Ok(None): stopped because another file failed; that
                    // failure is the one to report.
                    let r = match hash_one(job, out, &mut buf, progress, &failed) {
                        Ok(None) => continue,
                        Ok(Some(d)) => Ok(d),
                        Err(e) => {
                            failed.store(true, Ordering::Relaxed);
                            Err(e)
                        }
                    };
                    if let Ok(mut v) = results.lock() {
                        v[i] = Some(r);
                    }
                }
            });
        }
    });
    progress.end();
    let results = results.into_inner().map_err(|_| Error::Internal {
        invariant: "a hashing worker panicked",
    })?;
    in_job_order(results)
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
    let mut file = File::open(&f.path).map_err(err)?;
    let before = file.metadata().map_err(err)?;
    if before.len() != f.size || before.modified().ok() != f.modified {
        return Err(changed());
    }
    let mut hasher = sha2::Sha256::new();
    let mut pos = 0u64;
    loop {
        if failed.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(err(e)),
        };
        let chunk = &buf[..n];
        if pos + n as u64 > f.size {
            return Err(changed());
        }
        hasher.update(chunk);
        if let (Some(out), Some(base)) = (out, job.copy_to) {
            out.write_at(chunk, base + pos)?;
        }
        pos += n as u64;
        progress.advance(n as u64);
    }
    let after = file.metadata().map_err(err)?;
    if pos != f.size || after.len() != f.size || after.modified().ok() != f.modified {
        return Err(changed());
    }
    Ok(Some(hasher.finalize().into()))
}
