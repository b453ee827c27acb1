//! Verification on the build host, always through the core verifier.
//!
//! Two uses:
//! - [`verify_file`]: what a device does. One core session over the whole
//!   bundle (or over a detached head and the artifact files), giving the
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
use crate::fsio::FileReader;
use crate::identity::IdentityReport;
use crate::model::{Manifest, Role, Root};
use crate::sign::{KeySigner, SignedDocument};
use modelseal_core::bundle::Layout;
use modelseal_core::doc::{BundleKind, RoleId, Stage};
use modelseal_core::envelope::DocType;
use modelseal_core::limits::{MAX_IDENTITY_LEN, MIN_READ_CHUNK};
use modelseal_core::unverified::UnauthenticatedHead;
use modelseal_core::{
    ConfigBinding, DevicePolicy, Expiry, Installed, Session, SessionState, SoftSha256, Verifier,
};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes read per call when checking payloads.
const READ_CHUNK: usize = 1024 * 1024;

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
    let bundle = BundleFile::open(path)?;
    let floor = policy.floors().of(policy.kind());
    let mut v = Verifier::new(root, policy, SoftSha256::new())
        .map_err(|e| Error::verify("trust root", e))?;
    let mut work = Vec::new();
    let installed = match (bundle.is_detached(), artifacts_dir) {
        (false, Some(_)) => {
            return Err(Error::ArtifactsDirForWholeBundle {
                path: path.to_path_buf(),
            });
        }
        (false, None) => verify_whole(&mut v, &bundle, root, &mut work),
        (true, dir) => verify_detached(&mut v, &bundle, dir),
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

/// One core session over a whole bundle file; `work` holds the head the
/// result refers to.
fn verify_whole<'w>(
    v: &mut Verifier<SoftSha256>,
    bundle: &BundleFile,
    root: &[u8],
    work: &'w mut Vec<u8>,
) -> Result<Installed<'w>> {
    let mut reader = FileReader::open(&bundle.path)?;
    *work = vec![0u8; bundle.head.len() + READ_CHUNK.max(MIN_READ_CHUNK)];
    let policy = v.policy().clone();
    v.verify_bundle(&mut reader, work).map_err(|e| {
        // The verdict is the whole-bundle verifier's; for an artifact
        // failure, find which one to name it.
        let which = matches!(
            e,
            modelseal_core::Error::ArtifactDigestMismatch
                | modelseal_core::Error::ArtifactTruncated
                | modelseal_core::Error::ArtifactTooLong
        )
        .then(|| failing_artifact(bundle, root, policy))
        .flatten();
        let context = match which {
            Some(name) => in_file(bundle, &format!("artifact `{name}`")),
            None => in_file(bundle, "bundle"),
        };
        Error::verify(context, e)
    })
}

/// A detached head, and each artifact streamed from `dir/<name>` through
/// the core's per-chunk check.
fn verify_detached<'h>(
    v: &mut Verifier<SoftSha256>,
    bundle: &'h BundleFile,
    dir: Option<&Path>,
) -> Result<Installed<'h>> {
    let mut session = v
        .verify_head(&bundle.head)
        .map_err(|e| Error::verify(in_file(bundle, "bundle head"), e))?;
    let manifest = session
        .manifest()
        .map_err(|e| Error::verify(in_file(bundle, "manifest"), e))?;
    let n = manifest.artifact_count();
    if n > 0 && dir.is_none() {
        return Err(Error::ArtifactsDirMissing {
            path: bundle.path.clone(),
            artifacts: n,
        });
    }
    let mut buf = vec![0u8; READ_CHUNK];
    for (i, a) in manifest.artifacts().map_err(Error::from)?.enumerate() {
        let Some(dir) = dir else { break };
        let file_path = dir.join(a.name);
        let mut check = v
            .begin_artifact(&mut session, i)
            .map_err(|e| Error::verify(in_file(bundle, a.name), e))?;
        let refused =
            |e| Error::verify(format!("artifact {} ({})", a.name, file_path.display()), e);
        let mut f = File::open(&file_path).map_err(|e| Error::io(&file_path, e))?;
        loop {
            let n = std::io::Read::read(&mut f, &mut buf).map_err(|e| Error::io(&file_path, e))?;
            if n == 0 {
                break;
            }
            v.update_artifact(&mut check, &buf[..n]).map_err(refused)?;
        }
        v.finish_artifact(&mut session, check).map_err(refused)?;
    }
    session
        .finish()
        .map_err(|e| Error::verify(in_file(bundle, "bundle"), e))
}

/// The name of the first artifact whose payload fails the core's check.
fn failing_artifact(bundle: &BundleFile, root: &[u8], policy: DevicePolicy) -> Option<String> {
    let mut v = Verifier::new(root, policy, SoftSha256::new()).ok()?;
    let mut session = v.verify_head(&bundle.head).ok()?;
    let manifest = session.manifest().ok()?;
    let file = File::open(&bundle.path).ok()?;
    let mut buf = vec![0u8; READ_CHUNK];
    for (i, a) in manifest.artifacts().ok()?.enumerate() {
        let off = session.payload_offset(i).ok()?;
        let mut check = v.begin_artifact(&mut session, i).ok()?;
        let mut pos = 0u64;
        let mut ok = true;
        while pos < a.size {
            let n = usize::try_from(a.size - pos)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            if file.read_exact_at(&mut buf[..n], off + pos).is_err()
                || v.update_artifact(&mut check, &buf[..n]).is_err()
            {
                ok = false;
                break;
            }
            pos += n as u64;
        }
        if !ok || v.finish_artifact(&mut session, check).is_err() {
            return Some(a.name.to_owned());
        }
    }
    None
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
        let mut state = SessionState::empty();
        v.verify_head_into(check_head, &mut state)
            .map_err(|e| refuse(format!("for a device with {device}"), e))?;
        first_state.get_or_insert(state);
    }

    if let Payloads::InFile(file) = payloads {
        let file_len = file.metadata().map_err(|e| Error::io(what, e))?.len();
        let places =
            payload_places(head.len(), &manifest, file_len).map_err(|(c, e)| refuse(c, e))?;
        let (Some((_, policy)), Some(state)) = (policies.first(), first_state.as_ref()) else {
            // The core refuses a manifest without a hardware id.
            return Err(Error::Internal {
                invariant: "a checked manifest names at least one hardware id",
            });
        };
        let check = PayloadCheck {
            what,
            file,
            manifest: &manifest,
            places: &places,
            root: root_bytes,
            head: check_head,
            policy,
            state,
        };
        check.run(threads)?;
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

/// Reading back the payloads of a bundle being written.
struct PayloadCheck<'a> {
    /// The output, for messages.
    what: &'a str,
    /// The temporary file being written.
    file: &'a File,
    /// Its manifest.
    manifest: &'a Manifest,
    /// Where each payload is.
    places: &'a [Place],
    /// The root to verify under (the device root, or the stand-in).
    root: &'a [u8],
    /// The head to verify (the real one, or the stand-in's).
    head: &'a [u8],
    /// A device the bundle targets.
    policy: &'a DevicePolicy,
    /// The head, verified once under `policy`: each worker resumes it
    /// rather than verifying the rotation chain and signatures again.
    state: &'a SessionState,
}

/// A failure, and the artifact it concerns (0 before any), so the first in
/// manifest order is reported whatever the thread timing.
type WorkerError = (usize, Error);

impl PayloadCheck<'_> {
    /// Reads every payload back and checks it with core sessions, one per
    /// worker (each resumes the one verification of the head), largest
    /// payloads first.
    fn run(&self, threads: usize) -> Result<()> {
        let places = self.places;
        let mut order: Vec<usize> = (0..places.len()).collect();
        order.sort_by(|&a, &b| places[b].2.cmp(&places[a].2));
        let next = AtomicUsize::new(0);
        let errors: Mutex<Vec<WorkerError>> = Mutex::new(Vec::new());
        let threads = threads.clamp(1, places.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    if let Err(e) = self.worker(&order, &next, &errors) {
                        if let Ok(mut errs) = errors.lock() {
                            errs.push(e);
                        }
                    }
                });
            }
        });
        let mut errs = errors.into_inner().map_err(|_| Error::Internal {
            invariant: "a checking worker panicked",
        })?;
        errs.sort_by_key(|(i, _)| *i);
        match errs.into_iter().next() {
            Some((_, e)) => Err(e),
            None => Ok(()),
        }
    }

    /// One worker: its own core session, then artifacts from the shared
    /// queue until it is empty or another worker failed.
    fn worker(
        &self,
        order: &[usize],
        next: &AtomicUsize,
        errors: &Mutex<Vec<WorkerError>>,
    ) -> std::result::Result<(), WorkerError> {
        let mut v = Verifier::new(self.root, self.policy.clone(), SoftSha256::new())
            .map_err(|e| (0, Error::verify("trust root", e)))?;
        let mut session = Session::resume(self.head, self.state.clone())
            .map_err(|e| (0, Error::verify("bundle head", e)))?;
        let mut buf = vec![0u8; READ_CHUNK];
        loop {
            if errors.lock().map(|e| !e.is_empty()).unwrap_or(true) {
                return Ok(());
            }
            let Some(&i) = order.get(next.fetch_add(1, Ordering::Relaxed)) else {
                return Ok(());
            };
            self.check_one(&mut v, &mut session, &mut buf, i)?;
        }
    }

    /// Artifact `i`: zero padding before it, and a payload that passes the
    /// core's check.
    fn check_one(
        &self,
        v: &mut Verifier<SoftSha256>,
        session: &mut Session<'_>,
        buf: &mut [u8],
        i: usize,
    ) -> std::result::Result<(), WorkerError> {
        let name = &self.manifest.artifacts[i].name;
        let fail = |e: modelseal_core::Error| {
            (
                i,
                Error::WouldBeRejected {
                    context: format!("{}: artifact `{name}` as written", self.what),
                    source: e,
                },
            )
        };
        let io = |e: std::io::Error| (i, Error::io(self.what, e));
        let (gap_start, off, size) = self.places[i];
        // Padding before the payload: zero, as the core requires.
        let gap = usize::try_from(off - gap_start).unwrap_or(usize::MAX);
        let pad = buf.get_mut(..gap).ok_or((
            i,
            Error::Internal {
                invariant: "padding before a payload fits in one read chunk",
            },
        ))?;
        self.file.read_exact_at(pad, gap_start).map_err(io)?;
        if pad.iter().any(|&b| b != 0) {
            return Err(fail(modelseal_core::Error::Malformed));
        }
        let mut check = v.begin_artifact(session, i).map_err(fail)?;
        let mut pos = 0u64;
        while pos < size {
            let n = usize::try_from(size - pos)
                .unwrap_or(usize::MAX)
                .min(buf.len());
            self.file
                .read_exact_at(&mut buf[..n], off + pos)
                .map_err(io)?;
            v.update_artifact(&mut check, &buf[..n]).map_err(fail)?;
            pos += n as u64;
        }
        v.finish_artifact(session, check).map_err(fail)
    }
}
