//! The signer's audit log: one line of JSON per signature made on this
//! machine (by a key file, a token or a reviewed request), appended and
//! flushed before the signature is used. A person answering "what did
//! this key sign?" reads it with `modelseal audit`.
//!
//! The log is off in the library until the program names its file
//! ([`set_log`]); the CLI uses `MODELSEAL_AUDIT_LOG`, else
//! `$XDG_STATE_HOME/modelseal/audit.jsonl`, else
//! `~/.local/state/modelseal/audit.jsonl`.

use crate::error::{Error, Result};
use crate::sign::key_id_of;
use modelseal_core::doc::BundleKind;
use modelseal_core::envelope::DocType;
use modelseal_core::limits::PUBLIC_KEY_LEN;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static LOG: OnceLock<PathBuf> = OnceLock::new();

/// Names the audit log file, once per process; `false` if already named.
pub fn set_log(path: PathBuf) -> bool {
    LOG.set(path).is_ok()
}

/// The audit log file, if one was named.
pub fn log_path() -> Option<&'static Path> {
    LOG.get().map(PathBuf::as_path)
}

/// The default log file: `$XDG_STATE_HOME/modelseal/audit.jsonl`, else
/// `$HOME/.local/state/modelseal/audit.jsonl`.
pub fn default_path() -> Option<PathBuf> {
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("modelseal").join("audit.jsonl"))
}

/// One signature made.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// When, seconds since the Unix epoch.
    pub time: u64,
    /// The same, RFC 3339.
    pub time_text: String,
    /// Key id of the signing key (hex).
    pub key_id: String,
    /// Who signed: the key file or token URI.
    pub signer: String,
    /// SHA-256 of the signed document (hex).
    pub document_digest: String,
    /// `root`, `component-manifest` or `system-config-manifest`.
    pub document_type: String,
    /// The manifest's version, or `root vN`; empty when only the raw
    /// message was seen (`sign-message`).
    pub version: String,
    /// The manifest's security counter, when known.
    pub counter: Option<u64>,
}

/// What the document says about itself, for the log: version and counter
/// of a manifest, the version of a root.
fn describe(doc_type: DocType, doc: &[u8]) -> (String, Option<u64>) {
    match doc_type.bundle_kind() {
        Some(kind) => describe_manifest(kind, doc),
        None => modelseal_core::root::TrustRoot::parse_doc(doc)
            .map(|r| (format!("root v{}", r.version()), None))
            .unwrap_or_default(),
    }
}

fn describe_manifest(kind: BundleKind, doc: &[u8]) -> (String, Option<u64>) {
    modelseal_core::unverified::manifest_unauthenticated(doc, kind)
        .map(|m| (m.head().version.to_owned(), Some(m.head().security_counter)))
        .unwrap_or_default()
}

/// Appends an entry for a signature by `public_key` (`signer`) over the
/// document `doc` of `doc_type` whose digest is `digest`; `doc` may be
/// empty when only the message was seen. Nothing when no log is named.
pub fn record(
    doc_type: DocType,
    doc: &[u8],
    digest: &[u8; 32],
    public_key: &[u8; PUBLIC_KEY_LEN],
    signer: &str,
) -> Result<()> {
    let Some(path) = log_path() else {
        return Ok(());
    };
    let now = std::time::SystemTime::now();
    let time = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (version, counter) = if doc.is_empty() {
        (String::new(), None)
    } else {
        describe(doc_type, doc)
    };
    let entry = Entry {
        time,
        time_text: humantime::format_rfc3339_seconds(now).to_string(),
        key_id: hex::encode(key_id_of(public_key)),
        signer: signer.to_owned(),
        document_digest: hex::encode(digest),
        document_type: doc_type.name().to_owned(),
        version,
        counter,
    };
    let mut line = serde_json::to_vec(&entry).map_err(|_| Error::Internal {
        invariant: "an audit entry serializes",
    })?;
    line.push(b'\n');
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    // One write of one line with O_APPEND: concurrent signers interleave
    // whole lines; flushed before the signature leaves this process.
    f.write_all(&line).map_err(|e| Error::io(path, e))?;
    f.sync_data().map_err(|e| Error::io(path, e))
}

/// Every entry of the log at `path`, oldest first; a line that does not
/// parse is reported with its number.
pub fn read(path: &Path) -> Result<Vec<Entry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| Error::AuditLine {
                path: path.to_path_buf(),
                line: i + 1,
                reason: e.to_string(),
            })
        })
        .collect()
}
