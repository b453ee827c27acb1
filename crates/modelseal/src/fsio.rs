//! File I/O with the guarantees release engineers rely on.
//!
//! Every output goes to a temporary file in the destination's directory,
//! is flushed to disk, and only then renamed over the destination, after
//! which the directory itself is flushed. An interrupted write (a crash, a
//! SIGKILL, a full disk) therefore leaves either the old file or the new
//! one at the destination, never a mix, and never nothing where something
//! was. Secrets are created with mode 0600 and are never replaced unless
//! the caller says so.
//!
//! A process that ends on SIGINT or SIGTERM calls
//! [`remove_temporaries_for_exit`] on its way out (the CLI does, from its
//! signal handler), so an interrupted write leaves no temporary file
//! either; only a SIGKILL or a crash can.
//!
//! Nothing here may write to the destination path directly.

use crate::error::{Error, Result};
use std::fs::{File, Permissions};
use std::io::Read;
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// What to do when the destination exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with [`Error::Exists`]; the check and the rename are one atomic
    /// step, so a file that appears in between is not replaced either.
    Refuse,
    /// Replace it atomically.
    Replace,
}

impl Overwrite {
    /// What a command's `--force` flag asks for.
    pub fn forced(force: bool) -> Self {
        if force { Self::Replace } else { Self::Refuse }
    }
}

/// Mode of files holding secrets.
pub const SECRET_MODE: u32 = 0o600;
/// Mode of bundles, roots, signatures and reports.
pub const PUBLIC_MODE: u32 = 0o644;

/// Temporary files of the atomic writes in progress in this process, so
/// that a process ending on a signal, when no destructor runs, can remove
/// them.
static LIVE_TEMPORARIES: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn live_temporaries() -> MutexGuard<'static, Vec<PathBuf>> {
    // The list stays usable if a thread panicked while holding it.
    LIVE_TEMPORARIES
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Removes the temporary file of every atomic write in progress, for a
/// process about to end on a signal: the destinations keep what they held
/// and no temporary file stays behind. The list stays locked until the
/// process ends, so no write can start or be renamed into place after
/// this; call it only on the way out.
pub fn remove_temporaries_for_exit() {
    let live = live_temporaries();
    for path in live.iter() {
        // Already renamed or removed: nothing to do.
        let _ = std::fs::remove_file(path);
    }
    std::mem::forget(live);
}

/// A temporary file's entry in the list of live ones, taken out when it
/// is renamed into place or deleted.
#[derive(Debug)]
struct Registered(PathBuf);

impl Drop for Registered {
    fn drop(&mut self) {
        live_temporaries().retain(|p| *p != self.0);
    }
}

/// A file being written that appears at its destination only on
/// [`AtomicFile::commit`]. Dropped without commit, it deletes itself; if
/// the process ends on a signal instead, [`remove_temporaries_for_exit`]
/// deletes it.
#[derive(Debug)]
pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
    mode: u32,
    // After `tmp`: fields drop in order, so the file is deleted before its
    // entry goes, never the other way round.
    _registered: Registered,
}

fn parent_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses a destination that is a directory, or that ends in `/` and so
/// can only name one. The rename that puts an output in place would fail
/// on it, but only after the whole output was written (for a bundle,
/// after every artifact was hashed); callers check this first.
pub fn refuse_directory(dest: &Path) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    if dest.is_dir() || dest.as_os_str().as_bytes().ends_with(b"/") {
        return Err(Error::OutputIsDirectory {
            path: dest.to_path_buf(),
        });
    }
    Ok(())
}

impl AtomicFile {
    /// Starts writing `dest` with permissions `mode`. The temporary file is
    /// created (mode 0600) next to `dest`, named `.<name>.<random>.tmp`.
    pub fn create(dest: &Path, mode: u32) -> Result<Self> {
        refuse_directory(dest)?;
        let dir = parent_of(dest);
        let name = dest.file_name().ok_or_else(|| Error::NotAFileName {
            path: dest.to_path_buf(),
        })?;
        let prefix = format!(".{}.", name.to_string_lossy());
        // Created and listed under the lock: a signal in between cannot
        // leave a file that is not listed.
        let mut live = live_temporaries();
        let tmp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .permissions(Permissions::from_mode(SECRET_MODE))
            .tempfile_in(&dir)
            .map_err(|e| Error::io(&dir, e))?;
        live.push(tmp.path().to_path_buf());
        drop(live);
        let registered = Registered(tmp.path().to_path_buf());
        Ok(Self {
            tmp,
            dest: dest.to_path_buf(),
            mode,
            _registered: registered,
        })
    }

    /// The open temporary file.
    pub fn file(&self) -> &File {
        self.tmp.as_file()
    }
    /// Path of the temporary file.
    pub fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Writes `data` at `offset` of the temporary file.
    pub fn write_at(&self, data: &[u8], offset: u64) -> Result<()> {
        self.file()
            .write_all_at(data, offset)
            .map_err(|e| Error::io(self.temp_path(), e))
    }

    /// Flushes the file to disk (data and length), before it is read back.
    pub fn sync(&self) -> Result<()> {
        self.file()
            .sync_all()
            .map_err(|e| Error::io(self.temp_path(), e))
    }

    /// Flushes the file, gives it its final mode, renames it over the
    /// destination and flushes the directory.
    pub fn commit(self, overwrite: Overwrite) -> Result<()> {
        self.sync()?;
        self.file()
            .set_permissions(Permissions::from_mode(self.mode))
            .map_err(|e| Error::io(self.temp_path(), e))?;
        let dest = self.dest.clone();
        // Renamed under the lock of the live list: a process ending on a
        // signal either finds the file in place or stops the rename, and
        // never reports a temporary file it removed as an I/O error.
        let live = live_temporaries();
        let renamed = match overwrite {
            Overwrite::Replace => self.tmp.persist(&dest).map(drop),
            Overwrite::Refuse => self.tmp.persist_noclobber(&dest).map(drop),
        };
        drop(live);
        renamed.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Error::Exists(dest.clone())
            } else {
                Error::io(&dest, e.error)
            }
        })?;
        sync_dir(&parent_of(&dest))
    }
}

/// Flushes a directory, so a rename inside it survives a power loss.
pub fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))
}

/// Writes `data` to `path` atomically with permissions `mode`.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32, overwrite: Overwrite) -> Result<()> {
    refuse_directory(path)?;
    if overwrite == Overwrite::Refuse && path.exists() {
        return Err(Error::Exists(path.to_path_buf()));
    }
    let f = AtomicFile::create(path, mode)?;
    f.write_at(data, 0)?;
    f.commit(overwrite)
}

/// What a modelseal file is, by its magic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A bundle or a detached bundle head (`MSBUNDLE`).
    Bundle,
    /// A signed envelope: a trust root (`MSENVLOP`).
    Envelope,
    /// A root update for devices behind (`MSROOTUP`).
    RootUpdate,
    /// An identity summary (`MSID`).
    Identity,
    /// A version report (`MSVR`).
    Report,
}

impl FileKind {
    /// What it is, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::Bundle => "a bundle (or bundle head)",
            FileKind::Envelope => "a signed envelope (trust root)",
            FileKind::RootUpdate => "a root update",
            FileKind::Identity => "an identity record",
            FileKind::Report => "a version report",
        }
    }
    /// Where such a file goes instead.
    pub fn hint(self) -> &'static str {
        match self {
            FileKind::Bundle => {
                "a bundle is the command's BUNDLE argument; --root takes the trust root file"
            }
            FileKind::Envelope => "a trust root goes to --root",
            FileKind::RootUpdate => {
                "a root update is applied on the device (`modelseal_verifier_apply_root_update`)"
            }
            FileKind::Identity => "decode it with `modelseal identity decode FILE`",
            FileKind::Report => "check it with `modelseal report verify FILE`",
        }
    }
}

/// The kind of the modelseal file at `path`, by its magic; `None` for a
/// file too short to hold one or with another magic.
pub fn sniff(path: &Path) -> Result<Option<FileKind>> {
    use modelseal_core::{
        bundle::{BUNDLE_MAGIC, ROOT_UPDATE_MAGIC},
        envelope::ENVELOPE_MAGIC,
        identity::IDENTITY_MAGIC,
        report::REPORT_MAGIC,
    };
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut magic = [0u8; 8];
    let mut n = 0;
    while n < magic.len() {
        match std::os::unix::fs::FileExt::read_at(&f, &mut magic[n..], n as u64) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, e)),
        }
    }
    let m = &magic[..n];
    Ok(if m == BUNDLE_MAGIC {
        Some(FileKind::Bundle)
    } else if m == ENVELOPE_MAGIC {
        Some(FileKind::Envelope)
    } else if m == ROOT_UPDATE_MAGIC {
        Some(FileKind::RootUpdate)
    } else if m.starts_with(&IDENTITY_MAGIC) {
        Some(FileKind::Identity)
    } else if m.starts_with(&REPORT_MAGIC) {
        Some(FileKind::Report)
    } else {
        None
    })
}

/// Reads a whole small file (keys, roots, signatures, heads), refusing one
/// longer than `max` bytes before reading it.
pub fn read_small(path: &Path, max: usize) -> Result<Vec<u8>> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    let len = f.metadata().map_err(|e| Error::io(path, e))?.len();
    if len > max as u64 {
        return Err(Error::FileTooLarge {
            path: path.to_path_buf(),
            len,
            max,
        });
    }
    let mut out = Vec::with_capacity(len as usize);
    f.take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| Error::io(path, e))?;
    if out.len() > max {
        return Err(Error::FileGrew {
            path: path.to_path_buf(),
            max,
        });
    }
    Ok(out)
}

/// A file as the core's random-access reader.
#[derive(Debug)]
pub struct FileReader {
    file: File,
    len: u64,
}

impl FileReader {
    /// Opens `path`.
    pub fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        Ok(Self { file, len })
    }
}

impl modelseal_core::bundle::ReadAt for FileReader {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_exact_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
    ) -> std::result::Result<(), modelseal_core::bundle::ReadFailure> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|_| modelseal_core::bundle::ReadFailure)
    }
}
