//! Verification on the build host, always through the core verifier.
//!
//! Two uses:
//! - [`verify_file`]: what a device does. The core verifies the head once;
//!   the artifacts (payloads in the bundle file, or the files beside a
//!   detached head) are checked by core sessions resumed from that state on
//!   every core, and joined into one session whose `finish` gives the
//!   installed identity and what the device must persist.
//! - [`check_output`]: the check of everything the host writes, before it is
//!   renamed into place. The head is verified by the core for every device
//!   the bundle targets, and the payloads are read back and checked by core
//!   sessions on every core. While signatures are still being collected the
//!   manifest is checked under a stand-in root whose roles are one ephemeral
//!   key, so every rule except the real threshold is enforced by the core
//!   from the first build on.

use crate::authority::{Authority, SignatureStatus, root_in_force};
use crate::bundle::{BundleFile, split_head};
use crate::error::{Error, Result};
use crate::identity::IdentityReport;
use crate::model::{Manifest, Role, Root};
use crate::sign::{KeySigner, SignedDocument};
use modelseal_core::bundle::Layout;
use modelseal_core::doc::{BundleKind, RoleId, Stage};
use modelseal_core::envelope::DocType;
use modelseal_core::limits::MAX_IDENTITY_LEN;
use modelseal_core::unverified::UnauthenticatedHead;
use modelseal_core::{
    ConfigBinding, DevicePolicy, Expiry, Installed, Session, SessionState, SoftSha256, Verifier,
};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Artifacts smaller than this are checked in runs of neighbours of about
/// this many bytes, in manifest order, by one worker: the core then
/// authenticates each record from the one before it (about `log2(n)`
/// record reads) instead of walking every record again, which a jump costs.
const RUN_BYTES: u64 = 8 * 1024 * 1024;

/// The document type of a manifest's envelope.
pub fn doc_type_of(kind: BundleKind) -> DocType {
    kind.doc_type()
}

/// What a device would do with a bundle that verified.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The installed identity, decoded.
    pub identity: IdentityReport,
    /// The identity record as the ECU stores and reports it.
    pub identity_record: Vec<u8>,
    /// The counter floor the device had.
    pub counter_floor_before: u64,
    /// The counter floor the device must persist.
    pub counter_floor: u64,
    /// The newest root the bundle carried, which the device must persist.
    pub new_root: Option<(u32, Vec<u8>)>,
    /// For a system configuration: this ECU's binding (for the policy that
    /// verifies its component bundles).
    pub config_binding: Option<ConfigBinding>,
    /// The manifest, read from the verified view.
    pub manifest: Manifest,
}

/// Verifies a bundle file (or a detached head and the artifacts under
/// `artifacts_dir`) as a device with `policy` and root `root` would.
pub fn verify_file(
    path: &Path,
    root: &[u8],
    policy: DevicePolicy,
    artifacts_dir: Option<&Path>,
) -> Result<Verification> {
    verify_file_with(
        path,
        root,
        policy,
        artifacts_dir,
        &crate::hashing::NoProgress,
    )
}

/// [`verify_file`], telling `progress` how many artifact bytes are checked
/// (from every worker) as they are.
pub fn verify_file_with(
    path: &Path,
    root: &[u8],
    policy: DevicePolicy,
    artifacts_dir: Option<&Path>,
    progress: &dyn crate::hashing::Progress,
) -> Result<Verification> {
    let bundle = BundleFile::open(path)?;
    let floor = policy.floors().of(policy.kind());
    let mut v = Verifier::new(root, policy.clone(), SoftSha256::new())
        .map_err(|e| Error::verify("trust root", e))?;
    v.accept_verity();
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let workers = |head_verified: &SessionState| Workers {
        root,
        policy: &policy,
        head: &bundle.head,
        state: head_verified.clone(),
    };
    let installed = match (bundle.is_detached(), artifacts_dir) {
        (false, Some(_)) => {
            return Err(Error::ArtifactsDirForWholeBundle {
                path: path.to_path_buf(),
            });
        }
        (false, None) => verify_whole(&mut v, &bundle, workers, threads, progress),
        (true, dir) => verify_detached(&mut v, &bundle, dir, workers, threads, progress),
    }
    .map_err(|e| crate::explain::explain(e, &bundle.head, v.policy()))?;
    let mut record = vec![0u8; MAX_IDENTITY_LEN];
    let n = v
        .encode_identity(&installed, &mut record)
        .map_err(|e| Error::verify("identity record", e))?;
    record.truncate(n);
    let identity = IdentityReport::decode(&record)?;
    let new_root = match installed.new_root_len() {
        None => None,
        Some(len) => {
            let mut bytes = vec![0u8; len];
            installed
                .copy_new_root(&mut bytes)
                .map_err(|e| Error::verify("new trust root", e))?;
            Some((installed.root_version(), bytes))
        }
    };
    let config_binding = match installed.kind() {
        BundleKind::SystemConfig => Some(
            installed
                .config_binding()
                .map_err(|e| Error::verify("system configuration", e))?,
        ),
        BundleKind::Component => None,
    };
    let manifest = Manifest::from_view(
        installed
            .manifest()
            .map_err(|e| Error::verify("manifest", e))?
            .view(),
    )?;
    Ok(Verification {
        identity,
        identity_record: record,
        counter_floor_before: floor,
        counter_floor: installed.counter_floor(),
        new_root,
        config_binding,
        manifest,
    })
}

/// `what` in the bundle file, for messages.
fn in_file(bundle: &BundleFile, what: &str) -> String {
    format!("{}: {what}", bundle.path.display())
}

/// A whole bundle file: the head verified by the core, the file length
/// the layout gives, then every payload (and the zero padding before it)
/// checked on every core.
fn verify_whole<'h>(
    v: &mut Verifier<SoftSha256>,
    bundle: &'h BundleFile,
    workers: impl Fn(&SessionState) -> Workers<'h>,
    threads: usize,
    progress: &dyn crate::hashing::Progress,
) -> Result<Installed<'h>> {
    let whole = |e| Error::verify(in_file(bundle, "bundle"), e);
    let mut session = v.verify_head(&bundle.head).map_err(whole)?;
    // The length check of the core's whole-bundle path, before any payload.
    if bundle.file_len != session.bundle_len() {
        return Err(whole(if bundle.file_len < session.bundle_len() {
            modelseal_core::Error::Truncated
        } else {
            modelseal_core::Error::TrailingBytes
        }));
    }
    let manifest = Manifest::from_view(session.manifest().map_err(whole)?.view())?;
    let places =
        payload_places(bundle.head.len(), &manifest, bundle.file_len).map_err(|(_, e)| whole(e))?;
    let file = File::open(&bundle.path).map_err(|e| Error::io(&bundle.path, e))?;
    let sizes: Vec<u64> = manifest.artifacts.iter().map(|a| a.size).collect();
    let named = |i: usize, what: &str| {
        let name = &manifest.artifacts[i].name;
        in_file(bundle, &format!("{what}artifact `{name}`"))
    };
    let check = |v: &mut Verifier<SoftSha256>, s: &mut Session<'_>, buf: &mut [u8], i: usize| {
        check_in_file(&file, places[i], v, s, buf, i, progress).map_err(|e| match e {
            InFile::Padding(e) => Error::verify(named(i, "padding before "), e),
            InFile::Payload(e) => Error::verify(named(i, ""), e),
            InFile::Io(e) => Error::io(&bundle.path, e),
        })
    };
    progress.begin(sizes.len(), sizes.iter().sum());
    let checked = workers(session.state()).run(&mut session, &sizes, threads, check);
    progress.end();
    checked?;
    session.finish().map_err(whole)
}

/// A detached head, and each artifact streamed from `dir/<name>` through
/// the core's per-chunk check, on every core.
fn verify_detached<'h>(
    v: &mut Verifier<SoftSha256>,
    bundle: &'h BundleFile,
    dir: Option<&Path>,
    workers: impl Fn(&SessionState) -> Workers<'h>,
    threads: usize,
    progress: &dyn crate::hashing::Progress,
) -> Result<Installed<'h>> {
    let mut session = v
        .verify_head(&bundle.head)
        .map_err(|e| Error::verify(in_file(bundle, "bundle head"), e))?;
    let manifest = Manifest::from_view(
        session
            .manifest()
            .map_err(|e| Error::verify(in_file(bundle, "manifest"), e))?
            .view(),
    )?;
    let n = manifest.artifacts.len();
    match dir {
        None if n > 0 => {
            return Err(Error::ArtifactsDirMissing {
                path: bundle.path.clone(),
                artifacts: n,
            });
        }
        None => {}
        Some(dir) => {
            let sizes: Vec<u64> = manifest.artifacts.iter().map(|a| a.size).collect();
            let check =
                |v: &mut Verifier<SoftSha256>, s: &mut Session<'_>, buf: &mut [u8], i: usize| {
                    let name = &manifest.artifacts[i].name;
                    check_file(name, &dir.join(name), v, s, buf, i, progress, || {
                        in_file(bundle, name)
                    })
                };
            progress.begin(sizes.len(), sizes.iter().sum());
            let checked = workers(session.state()).run(&mut session, &sizes, threads, check);
            progress.end();
            checked?;
        }
    }
    session
        .finish()
        .map_err(|e| Error::verify(in_file(bundle, "bundle"), e))
}

/// Artifact `i` (`name`) from its own file, to its end: the core judges
/// the length and the digest. `begun` names the artifact when the core
/// refuses to start it.
#[allow(clippy::too_many_arguments)] // one worker's state, passed as the workers hold it
fn check_file(
    name: &str,
    file_path: &Path,
    v: &mut Verifier<SoftSha256>,
    session: &mut Session<'_>,
    buf: &mut [u8],
    i: usize,
    progress: &dyn crate::hashing::Progress,
    begun: impl Fn() -> String,
) -> Result<()> {
    let mut check = v
        .begin_artifact(session, i)
        .map_err(|e| Error::verify(begun(), e))?;
    let refused = |e| Error::verify(format!("artifact {name} ({})", file_path.display()), e);
    let mut f = File::open(file_path).map_err(|e| Error::io(file_path, e))?;
    loop {
        let n = match std::io::Read::read(&mut f, buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(file_path, e)),
        };
        v.update_artifact(&mut check, &buf[..n]).map_err(refused)?;
        progress.advance(n as u64);
    }
    v.finish_artifact(session, check).map_err(refused)
}

/// Why a payload in a bundle file failed.
enum InFile {
    /// The padding before it is not zero, or too long.
    Padding(modelseal_core::Error),
    /// The core refused the payload.
    Payload(modelseal_core::Error),
    /// Reading the file failed.
    Io(std::io::Error),
}

/// Artifact `i` of a bundle file at `place`: zero padding before it, and a
/// payload that passes the core's check.
fn check_in_file(
    file: &File,
    (gap_start, off, size): Place,
    v: &mut Verifier<SoftSha256>,
    session: &mut Session<'_>,
    buf: &mut [u8],
    i: usize,
    progress: &dyn crate::hashing::Progress,
) -> std::result::Result<(), InFile> {
    // Padding before the payload: zero, as the core requires.
    let gap = usize::try_from(off - gap_start).unwrap_or(usize::MAX);
    let pad = buf
        .get_mut(..gap)
        .ok_or(InFile::Padding(modelseal_core::Error::Malformed))?;
    file.read_exact_at(pad, gap_start).map_err(InFile::Io)?;
    if pad.iter().any(|&b| b != 0) {
        return Err(InFile::Padding(modelseal_core::Error::Malformed));
    }
    let mut check = v.begin_artifact(session, i).map_err(InFile::Payload)?;
    let mut pos = 0u64;
    while pos < size {
        let n = usize::try_from(size - pos)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        file.read_exact_at(&mut buf[..n], off + pos)
            .map_err(InFile::Io)?;
        v.update_artifact(&mut check, &buf[..n])
            .map_err(InFile::Payload)?;
        progress.advance(n as u64);
        pos += n as u64;
    }
    v.finish_artifact(session, check).map_err(InFile::Payload)
}

/// Checking artifacts on several threads: each worker has its own verifier
/// and a session resumed from the one verification of the head, and the
/// sessions are joined at the end, so the verdict on every artifact and on
/// the whole is the core's.
struct Workers<'a> {
    /// The root the head verified under.
    root: &'a [u8],
    /// The device policy it verified under.
    policy: &'a DevicePolicy,
    /// The head.
    head: &'a [u8],
    /// Its verified state.
    state: SessionState,
}

/// Runs of artifacts, each checked in manifest order by one worker: an
/// artifact of [`RUN_BYTES`] or more alone, smaller neighbours together up
/// to about that size; largest runs first, so the longest starts at once
/// and the small ones fill in around it.
fn runs(sizes: &[u64]) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, &size) in sizes.iter().enumerate() {
        if size >= RUN_BYTES {
            if start < i {
                runs.push(start..i);
            }
            runs.push(i..i + 1);
            (start, bytes) = (i + 1, 0);
            continue;
        }
        bytes += size;
        if bytes >= RUN_BYTES {
            runs.push(start..i + 1);
            (start, bytes) = (i + 1, 0);
        }
    }
    if start < sizes.len() {
        runs.push(start..sizes.len());
    }
    let total = |r: &std::ops::Range<usize>| sizes[r.clone()].iter().sum::<u64>();
    runs.sort_by_key(|r| std::cmp::Reverse(total(r)));
    runs
}

impl<'a> Workers<'a> {
    /// Checks every artifact (`sizes` in manifest order) with `check` on
    /// up to `threads` workers and joins what they verified into
    /// `session`. On failure, the error of the first failing artifact in
    /// manifest order, whatever the thread timing: after a failure at `k`
    /// workers still check every artifact before `k`, and only those.
    fn run<F>(
        &self,
        session: &mut Session<'a>,
        sizes: &[u64],
        threads: usize,
        check: F,
    ) -> Result<()>
    where
        F: Fn(&mut Verifier<SoftSha256>, &mut Session<'_>, &mut [u8], usize) -> Result<()> + Sync,
    {
        let runs = runs(sizes);
        let next = AtomicUsize::new(0);
        // The lowest failing index so far (usize::MAX: none).
        let first_failure = AtomicUsize::new(usize::MAX);
        let errors: Mutex<Vec<WorkerError>> = Mutex::new(Vec::new());
        let verified: Mutex<Vec<SessionState>> = Mutex::new(Vec::new());
        let threads = threads.clamp(1, runs.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    let fail = |e: WorkerError| {
                        first_failure.fetch_min(e.0, Ordering::Relaxed);
                        if let Ok(mut errs) = errors.lock() {
                            errs.push(e);
                        }
                    };
                    let mut v =
                        match Verifier::new(self.root, self.policy.clone(), SoftSha256::new()) {
                            Ok(v) => v,
                            Err(e) => return fail((0, Error::verify("trust root", e))),
                        };
                    v.accept_verity();
                    let mut mine = match Session::resume(self.head, self.state.clone()) {
                        Ok(s) => s,
                        Err(e) => return fail((0, Error::verify("bundle head", e))),
                    };
                    // Read as the build reads, for the same reason.
                    let mut buf = vec![0u8; crate::hashing::CHUNK_LEN];
                    while let Some(run) = runs.get(next.fetch_add(1, Ordering::Relaxed)) {
                        for i in run.clone() {
                            if i > first_failure.load(Ordering::Relaxed) {
                                break;
                            }
                            if let Err(e) = check(&mut v, &mut mine, &mut buf, i) {
                                fail((i, e));
                                break;
                            }
                        }
                    }
                    if let Ok(mut states) = verified.lock() {
                        states.push(mine.into_state());
                    }
                });
            }
        });
        let poisoned = || Error::Internal {
            invariant: "a checking worker panicked",
        };
        let mut errs = errors.into_inner().map_err(|_| poisoned())?;
        errs.sort_by_key(|(i, _)| *i);
        if let Some((_, e)) = errs.into_iter().next() {
            return Err(e);
        }
        for state in verified.into_inner().map_err(|_| poisoned())? {
            let theirs =
                Session::resume(self.head, state).map_err(|e| Error::verify("bundle head", e))?;
            session
                .join(&theirs)
                .map_err(|e| Error::verify("bundle head", e))?;
        }
        Ok(())
    }
}

/// The device policies a bundle is built for: one per hardware id of its
/// target (and per ECU entry, for a system configuration), with the
/// target's platform, market and first serial, no counter floor, any
/// stage, and expiry checked against `now`.
pub fn target_policies(m: &Manifest, now: u64) -> Result<Vec<(String, DevicePolicy)>> {
    // The lowest known stage: every known stage meets it; an unknown stage
    // code meets no minimum, so such a bundle fails this check as it
    // would on every device.
    let lowest = Stage::DEVELOPMENT;
    let mut out = Vec::new();
    for hw in &m.target.hardware_ids {
        let base = |ecu: Option<&str>| -> std::result::Result<DevicePolicy, modelseal_core::Error> {
            let mut p = DevicePolicy::new(
                m.kind().ok_or(modelseal_core::Error::Invalid)?,
                hw,
                modelseal_core::Floors::default(),
                lowest,
                Expiry::CheckedAt(now),
            )?;
            if let Some(s) = m.target.serials.first() {
                p = p.with_serial(s)?;
            }
            if let Some(s) = &m.target.platform {
                p = p.with_platform(s)?;
            }
            if let Some(s) = &m.target.market {
                p = p.with_market(s)?;
            }
            if let Some(e) = ecu {
                p = p.with_ecu_name(e)?;
            }
            Ok(p)
        };
        let mk = |ecu: Option<&str>| {
            base(ecu).map_err(|e| Error::WouldBeRejected {
                context: format!("hardware id `{hw}`"),
                source: e,
            })
        };
        match &m.system_config {
            Some(sc) => {
                let ecus: Vec<&str> = sc
                    .ecus
                    .iter()
                    .filter(|e| &e.head.hardware_id == hw)
                    .map(|e| e.head.name.as_str())
                    .collect();
                if ecus.is_empty() {
                    return Err(Error::HardwareIdWithoutEcu {
                        hardware_id: hw.clone(),
                    });
                }
                for e in ecus {
                    out.push((format!("hardware id {hw}, ECU {e}"), mk(Some(e))?));
                }
            }
            None => out.push((format!("hardware id {hw}"), mk(None)?)),
        }
    }
    Ok(out)
}

/// Where the payloads of a written bundle are.
#[derive(Debug, Clone, Copy)]
pub enum Payloads<'a> {
    /// In this file, after the head (a whole bundle).
    InFile(&'a File),
    /// Nowhere to read back: a detached head (the artifacts were hashed
    /// from their files, which were checked unchanged).
    Detached,
}

/// A root for checking everything but the real signatures: every role is
/// one ephemeral key, expiry as the real root in force.
struct StandIn {
    root_envelope: Vec<u8>,
    head: Vec<u8>,
}

fn stand_in(manifest_envelope: &SignedDocument, real_root_doc: &[u8]) -> Result<StandIn> {
    let real = modelseal_core::root::TrustRoot::parse_doc(real_root_doc)
        .map_err(|e| Error::verify("trust root", e))?;
    let key = KeySigner::new(crate::keys::generate()?, "ephemeral check key");
    let pk = crate::sign::Signer::public_key(&key)?;
    let root = Root {
        version: real.version(),
        expires_at: real.expires_at(),
        roles: RoleId::ALL
            .iter()
            .map(|r| Role {
                id: r.code(),
                threshold: 1,
                keys: vec![pk],
                floor: None,
            })
            .collect(),
    };
    let root_envelope = SignedDocument::new(DocType::Root, root.encode()?).to_envelope()?;
    let mut m = SignedDocument::new(
        manifest_envelope.doc_type(),
        manifest_envelope.doc().to_vec(),
    );
    m.sign_unlogged(&key)?;
    let head = crate::bundle::head(&[], &m.to_envelope()?)?;
    Ok(StandIn {
        root_envelope,
        head,
    })
}

/// The manifest's signatures judged against the root in force (whose
/// document is returned); any signature that does not verify is refused.
fn judge_signatures(
    what: &str,
    head: &[u8],
    device_root: &[u8],
) -> Result<(SignedDocument, Vec<u8>, SignatureStatus)> {
    let parts = split_head(head)?;
    let doc = SignedDocument::from_envelope(&parts.manifest_envelope)?;
    let (_, root_doc) = root_in_force(device_root, &parts.chain).map_err(|e| match e {
        Error::Verify { context, source } => Error::WouldBeRejected {
            context: format!("{what}: {context}"),
            source,
        },
        other => other,
    })?;
    let authority = Authority::for_manifest(head, device_root)?;
    let status = SignatureStatus::of(&doc, &authority);
    if let Some(bad) = status.signatures.iter().find(|s| !s.valid) {
        return Err(Error::signature_from(
            what,
            Error::SignatureInvalid {
                key_id: bad.key_id.clone(),
            },
        ));
    }
    Ok((doc, root_doc, status))
}

/// Checks a bundle head (and its payloads) that the host has just written,
/// before it is renamed into place: everything the core verifier checks,
/// for every device the target names. Returns the signature status.
/// `what` names the output in messages.
pub fn check_output(
    what: &str,
    head: &[u8],
    payloads: Payloads<'_>,
    device_root: &[u8],
    now: u64,
    threads: usize,
) -> Result<SignatureStatus> {
    let refuse = |context: String, source: modelseal_core::Error| Error::WouldBeRejected {
        context: format!("{what}: {context}"),
        source,
    };
    let (doc, root_doc, status) = judge_signatures(what, head, device_root)?;
    let uh = UnauthenticatedHead::parse(head).map_err(|e| refuse("bundle head".into(), e))?;
    let view = uh
        .manifest_unauthenticated()
        .map_err(|e| refuse("manifest".into(), e))?;
    let manifest = Manifest::from_view(&view)?;

    let standin;
    let (root_bytes, check_head): (&[u8], &[u8]) = if status.complete {
        (device_root, head)
    } else {
        standin = stand_in(&doc, &root_doc)?;
        (&standin.root_envelope, &standin.head)
    };

    // The head under every device policy the target names; the first
    // device's verified state is what the payload workers resume from.
    let policies = target_policies(&manifest, now)?;
    let mut first_state = None;
    for (device, policy) in &policies {
        let mut v = Verifier::new(root_bytes, policy.clone(), SoftSha256::new())
            .map_err(|e| refuse("trust root".into(), e))?;
        v.accept_verity();
        let mut state = SessionState::empty();
        v.verify_head_into(check_head, &mut state)
            .map_err(|e| refuse(format!("for a device with {device}"), e))?;
        first_state.get_or_insert(state);
    }

    if let Payloads::InFile(file) = payloads {
        let file_len = file.metadata().map_err(|e| Error::io(what, e))?.len();
        let places =
            payload_places(head.len(), &manifest, file_len).map_err(|(c, e)| refuse(c, e))?;
        let (Some((_, policy)), Some(state)) = (policies.first(), first_state) else {
            // The core refuses a manifest without a hardware id.
            return Err(Error::Internal {
                invariant: "a checked manifest names at least one hardware id",
            });
        };
        // Each worker resumes the one verification of the head rather than
        // verifying the rotation chain and signatures again.
        let mut session = Session::resume(check_head, state.clone())
            .map_err(|e| refuse("bundle head".into(), e))?;
        let workers = Workers {
            root: root_bytes,
            policy,
            head: check_head,
            state,
        };
        let sizes: Vec<u64> = manifest.artifacts.iter().map(|a| a.size).collect();
        let check =
            |v: &mut Verifier<SoftSha256>, s: &mut Session<'_>, buf: &mut [u8], i: usize| {
                let name = &manifest.artifacts[i].name;
                check_in_file(file, places[i], v, s, buf, i, &crate::hashing::NoProgress).map_err(
                    |e| match e {
                        InFile::Padding(e) => {
                            refuse(format!("padding before artifact `{name}` as written"), e)
                        }
                        InFile::Payload(e) => refuse(format!("artifact `{name}` as written"), e),
                        InFile::Io(e) => Error::io(what, e),
                    },
                )
            };
        workers.run(&mut session, &sizes, threads, check)?;
        session
            .finish()
            .map_err(|e| refuse("bundle as written".into(), e))?;
    }
    Ok(status)
}

/// Where a payload is: the end of the one before it (where its padding
/// starts), its offset, its size.
type Place = (u64, u64, u64);

/// The place of every payload after a head of `head_len` bytes, after
/// checking that the file is as long as the layout says. An error is the
/// context and the verifier's reason.
fn payload_places(
    head_len: usize,
    manifest: &Manifest,
    file_len: u64,
) -> std::result::Result<Vec<Place>, (String, modelseal_core::Error)> {
    let mut layout = Layout::new(head_len as u64);
    let mut places = Vec::with_capacity(manifest.artifacts.len());
    let mut prev_end = head_len as u64;
    for a in &manifest.artifacts {
        let off = layout.place(a.size).map_err(|e| ("layout".into(), e))?;
        places.push((prev_end, off, a.size));
        prev_end = off + a.size;
    }
    if file_len != layout.end() {
        return Err((
            format!("file is {file_len} bytes, the layout says {}", layout.end()),
            if file_len < layout.end() {
                modelseal_core::Error::Truncated
            } else {
                modelseal_core::Error::TrailingBytes
            },
        ));
    }
    Ok(places)
}

/// A failure, and the artifact it concerns (0 before any), so the first in
/// manifest order is reported whatever the thread timing.
type WorkerError = (usize, Error);
