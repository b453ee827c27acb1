//! The verifier: from untrusted bytes to an installed identity.
//!
//! Typestate carries the proof. [`Verifier::verify_head`] is the only way to
//! a [`Session`], which exposes the manifest only as a [`VerifiedManifest`]
//! (signatures checked, device policy met). Artifacts are then checked by
//! streaming their bytes; only a session whose every artifact verified
//! becomes [`Installed`], the only source of the identity and of what the
//! device must persist.
//!
//! The verification steps are numbered in [`Verifier::verify_head`]; that is
//! the one place they are written down.
//!
//! Nothing here allocates, panics or loops without a bound: loops run over
//! at most a limit's count of items, or over the bytes of an artifact whose
//! length is signed.

use crate::KeyId;
use crate::bundle::{BundleHeader, Layout, ReadAt, align_up};
use crate::doc::{Artifact, BundleKind, ROLE_COMPONENT, ROLE_SYSTEM_CONFIG};
use crate::envelope::{DocType, Envelope, check_threshold, signed_message};
use crate::error::{Error, Result};
use crate::hash::{Digest, Sha256Engine, key_id};
use crate::identity;
use crate::limits::{BUNDLE_HEADER_LEN, MAX_ARTIFACTS, MAX_SIGNATURES, MIN_READ_CHUNK};
use crate::manifest::{self, Device, Facts, ManifestIndex, ManifestView};
use crate::policy::{ConfigBinding, DevicePolicy, Expiry, IdString, id_string};
use crate::root::TrustRoot;
use crate::wire::{Walker, walker_at};
use core::borrow::{Borrow, BorrowMut};

/// A manifest whose signatures and device policy have been checked.
/// Dereferences to the read-only [`ManifestView`].
#[derive(Debug, Clone, Copy)]
pub struct VerifiedManifest<'a>(ManifestView<'a>);

impl<'a> core::ops::Deref for VerifiedManifest<'a> {
    type Target = ManifestView<'a>;
    fn deref(&self) -> &ManifestView<'a> {
        &self.0
    }
}

/// The system configuration a bundle was installed under (or, for a
/// system-configuration bundle, the configuration itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigRef {
    /// Digest of the system-configuration manifest.
    pub digest: Digest,
    /// Configuration id.
    pub config_id: IdString,
    /// Configuration version.
    pub config_version: IdString,
}

/// Where sequential artifact lookups resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    index: u16,
    record_off: u32,
    layout: Layout,
}

/// Everything a session knows, without borrowing the head. A session owns
/// its state ([`Session`]) or works on one kept elsewhere
/// ([`Verifier::verify_head_into`]): a C context keeps the state in place
/// between calls and re-attaches it with [`Session::resume`], so the 700-odd
/// bytes are never copied through the stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    live: bool,
    head_addr: usize,
    head_len: usize,
    manifest_off: u32,
    manifest_len: u32,
    ix: ManifestIndex,
    digest: Digest,
    root_version: u32,
    new_root: Option<(u32, u32)>,
    signers: heapless::Vec<KeyId, MAX_SIGNATURES, u8>,
    config: Option<ConfigRef>,
    ecu_entry: Option<u8>,
    counter_floor: u64,
    bundle_len: u64,
    generation: u32,
    verified: [u64; MAX_ARTIFACTS / 64],
    cursor: Cursor,
}

impl SessionState {
    /// A state of no session: nothing resumes from it until a head verifies
    /// into it.
    pub const fn empty() -> Self {
        Self {
            live: false,
            head_addr: 0,
            head_len: 0,
            manifest_off: 0,
            manifest_len: 0,
            ix: ManifestIndex::EMPTY,
            digest: [0; 32],
            root_version: 0,
            new_root: None,
            signers: heapless::Vec::new(),
            config: None,
            ecu_entry: None,
            counter_floor: 0,
            bundle_len: 0,
            generation: 0,
            verified: [0; MAX_ARTIFACTS / 64],
            cursor: Cursor {
                index: 0,
                record_off: 0,
                layout: Layout::new(0),
            },
        }
    }
}

impl Default for SessionState {
    fn default() -> Self {
        Self::empty()
    }
}

/// A bundle head that verified: signatures, root chain and device policy.
/// Its artifacts are still to be checked. `S` is where the state lives:
/// owned (the default) or borrowed from the caller.
#[derive(Debug, Clone)]
pub struct Session<'e, S = SessionState> {
    head: &'e [u8],
    st: S,
}

/// Checks one artifact's bytes as they stream past. Made by
/// [`Verifier::begin_artifact`] (distributed bytes) or
/// [`Verifier::begin_plaintext`] (bytes after decryption).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactCheck {
    index: u16,
    plaintext: bool,
    size: u64,
    seen: u64,
    digest: Digest,
    manifest: Digest,
    generation: u32,
}

impl ArtifactCheck {
    /// Artifact index.
    pub fn index(&self) -> usize {
        usize::from(self.index)
    }
    /// Bytes the manifest states.
    pub fn expected_len(&self) -> u64 {
        self.size
    }
    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.seen
    }
}

/// A bundle that verified completely: the installed identity. `S` is where
/// the state lives, as for [`Session`].
#[derive(Debug, Clone)]
pub struct Installed<'e, S = SessionState> {
    head: &'e [u8],
    st: S,
}

/// What [`Verifier::authenticate`] established about a head.
#[derive(Clone, Copy)]
struct Authenticated<'h> {
    env: Envelope<'h>,
    kind: BundleKind,
    digest: Digest,
    role: crate::envelope::RoleKeys<'h>,
    signer_set: crate::envelope::SignerSet,
    root_version: u32,
    new_root: Option<(u32, u32)>,
}

/// Verifies bundles against a trust root and a device policy.
#[derive(Debug)]
pub struct Verifier<'r, E: Sha256Engine> {
    root: TrustRoot<'r>,
    policy: DevicePolicy,
    engine: E,
    generation: u32,
}

fn engine_err<T>(r: core::result::Result<T, crate::hash::EngineFailure>) -> Result<T> {
    r.map_err(|_| Error::HashEngine)
}

fn u32_of(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::LimitExceeded)
}

impl<'r, E: Sha256Engine> Verifier<'r, E> {
    /// A verifier trusting the root envelope `root` (the device's provisioned
    /// or last persisted root, trusted as stored), applying `policy`, hashing
    /// with `engine`.
    pub fn new(root: &'r [u8], policy: DevicePolicy, engine: E) -> Result<Self> {
        Ok(Self {
            root: TrustRoot::from_envelope_unverified(root)?,
            policy,
            engine,
            generation: 0,
        })
    }

    /// The trust root in force.
    pub fn root(&self) -> &TrustRoot<'r> {
        &self.root
    }
    /// The device policy.
    pub fn policy(&self) -> &DevicePolicy {
        &self.policy
    }
    /// The hash engine.
    pub fn engine_mut(&mut self) -> &mut E {
        &mut self.engine
    }

    /// Verifies a bundle head (header, root chain, manifest envelope): the
    /// signed part of a bundle. On success the manifest may be read and the
    /// artifacts checked.
    pub fn verify_head<'e>(&mut self, head: &'e [u8]) -> Result<Session<'e>> {
        let mut st = SessionState::empty();
        self.verify_head_state(head, &mut st)?;
        Ok(Session { head, st })
    }

    /// As [`Verifier::verify_head`], keeping the session's state in `state`
    /// (in place, where the caller keeps it). On failure `state` holds no
    /// session.
    pub fn verify_head_into<'e, 's>(
        &mut self,
        head: &'e [u8],
        state: &'s mut SessionState,
    ) -> Result<Session<'e, &'s mut SessionState>> {
        self.verify_head_state(head, state)?;
        Ok(Session { head, st: state })
    }

    fn verify_head_state(&mut self, head: &[u8], st: &mut SessionState) -> Result<()> {
        st.live = false;
        // Two frames, never nested: the signature checks (and the deep
        // Ed25519 call tree under them) run in `authenticate`, whose frame is
        // small; parsing and policy run afterwards in `admit`.
        let auth = self.authenticate(head)?;
        self.admit(head, &auth, st)
    }

    /// Steps 1 to 5: everything up to and including the manifest's
    /// signatures. Nothing of the manifest is parsed here.
    #[inline(never)]
    fn authenticate<'h>(&mut self, head: &'h [u8]) -> Result<Authenticated<'h>>
    where
        'r: 'h,
    {
        // 1. Container header: magic, version, reserved byte; the head is
        //    exactly as long as the header says.
        let hdr = BundleHeader::parse(head)?;
        if head.len() < hdr.head_len() {
            return Err(Error::Truncated);
        }
        if head.len() > hdr.head_len() {
            return Err(Error::TrailingBytes);
        }
        let mut rest = head.get(BUNDLE_HEADER_LEN..).ok_or(Error::Truncated)?;

        // 2. Rotation chain, oldest first. Roots up to and including one
        //    identical to the root in force were applied when this bundle (or
        //    an earlier one) was installed: they are skipped unparsed, so a
        //    device that persisted the newest root still re-verifies the
        //    installed bundle at every boot. Each root after that must be
        //    exactly the next version, signed by a threshold of the current
        //    root role (checked before the new root is parsed) and of its own.
        let mut root = self.root;
        let mut pending = hdr.chain_len();
        let mut scan = rest;
        for i in 0..hdr.chain_len() {
            let (env, after) = Envelope::parse_prefix(scan)?;
            if env.doc_type() != DocType::Root {
                return Err(Error::WrongDocumentType);
            }
            if env.doc() == root.doc() {
                pending = hdr.chain_len().saturating_sub(i).saturating_sub(1);
                rest = after;
            }
            scan = after;
        }
        let mut new_root = None;
        for _ in 0..pending {
            let (env, after) = Envelope::parse_prefix(rest)?;
            let (next, _) = root.rotate(&env, &mut self.engine)?;
            let start = u32_of(head.len().saturating_sub(rest.len()))?;
            new_root = Some((start, u32_of(env.len())?));
            root = next;
            rest = after;
        }

        // 3. Expiry of the root now in force (only with a trusted clock).
        if let (Expiry::CheckedAt(now), Some(t)) = (self.policy.expiry, root.expires_at()) {
            if now >= t {
                return Err(Error::RootExpired);
            }
        }

        // 4. Manifest envelope: framing, a manifest type, the kind the
        //    policy expects; it ends the head.
        let env = Envelope::parse(rest)?;
        let (kind, role_id) = match env.doc_type() {
            DocType::Root => return Err(Error::WrongDocumentType),
            DocType::ComponentManifest => (BundleKind::Component, ROLE_COMPONENT),
            DocType::SystemConfigManifest => (BundleKind::SystemConfig, ROLE_SYSTEM_CONFIG),
        };
        if kind != self.policy.kind {
            return Err(Error::WrongKind);
        }

        // 5. Signatures: a threshold of distinct keys of the role for this
        //    kind, over the domain-separated digest, before any parsing.
        let digest = env.digest(&mut self.engine)?;
        let role = root.role(role_id).ok_or(Error::RootInvalid)?;
        let signer_set = check_threshold(&env, &role, &signed_message(env.doc_type(), &digest))?;
        Ok(Authenticated {
            env,
            kind,
            digest,
            role,
            signer_set,
            root_version: root.version(),
            new_root,
        })
    }

    /// Steps 6 to 8 on an authenticated manifest, then the session state.
    #[inline(never)]
    fn admit(
        &mut self,
        head: &[u8],
        auth: &Authenticated<'_>,
        st: &mut SessionState,
    ) -> Result<()> {
        let Authenticated {
            env,
            kind,
            digest,
            role,
            signer_set,
            root_version,
            new_root,
        } = *auth;

        // 6. The authenticated manifest: every field, rule and limit, in one
        //    pass that also gathers what the policy needs.
        let device = Device {
            hardware_id: &self.policy.hardware_id,
            serial: self.policy.serial.as_deref(),
            ecu_name: self.policy.ecu_name.as_deref(),
            head_len: head.len() as u64,
        };
        let (ix, facts) = manifest::validate(env.doc(), kind, &device)?;

        // 7. Device policy.
        let (config, ecu_entry) = check_policy(&ix, &facts, &self.policy, &digest)?;

        // 8. Container layout: every payload offset and the bundle length,
        //    overflow-checked (computed in step 6).
        let bundle_len = facts.bundle_len.ok_or(Error::LimitExceeded)?;

        let mut signers = heapless::Vec::new();
        for (pos, pk) in role.keys().enumerate() {
            if signer_set & (1u16.checked_shl(u32_of(pos)?).unwrap_or(0)) != 0 {
                signers
                    .push(key_id(&mut self.engine, pk)?)
                    .map_err(|_| Error::LimitExceeded)?;
            }
        }
        let manifest_off = u32_of(head.len().saturating_sub(env.len()))?
            .checked_add(u32_of(crate::limits::ENVELOPE_HEADER_LEN)?)
            .ok_or(Error::LimitExceeded)?;
        let record_off = facts.records_off;
        self.generation = self.generation.wrapping_add(1);
        // Field by field: the state is written where the caller keeps it.
        st.head_addr = head.as_ptr() as usize;
        st.head_len = head.len();
        st.manifest_off = manifest_off;
        st.manifest_len = u32_of(env.doc().len())?;
        st.ix = ix;
        st.digest = digest;
        st.root_version = root_version;
        st.new_root = new_root;
        st.signers = signers;
        st.config = config;
        st.ecu_entry = ecu_entry;
        st.counter_floor = self.policy.counter_floor;
        st.bundle_len = bundle_len;
        st.generation = self.generation;
        st.verified = [0; MAX_ARTIFACTS / 64];
        st.cursor = Cursor {
            index: 0,
            record_off,
            layout: Layout::new(head.len() as u64),
        };
        st.live = true;
        Ok(())
    }

    /// Starts checking the distributed bytes of artifact `index`.
    pub fn begin_artifact<S: BorrowMut<SessionState>>(
        &mut self,
        session: &mut Session<'_, S>,
        index: usize,
    ) -> Result<ArtifactCheck> {
        let (artifact, _) = session.locate(index)?;
        self.start(session, index, &artifact, false)
    }

    /// Starts checking the plaintext of artifact `index` (the bytes after
    /// the firmware decrypted it) against the plaintext digest and length.
    pub fn begin_plaintext<S: BorrowMut<SessionState>>(
        &mut self,
        session: &mut Session<'_, S>,
        index: usize,
    ) -> Result<ArtifactCheck> {
        let (artifact, _) = session.locate(index)?;
        if artifact.plaintext.is_none() {
            return Err(Error::NoSuchArtifact);
        }
        self.start(session, index, &artifact, true)
    }

    fn start<S: Borrow<SessionState>>(
        &mut self,
        session: &Session<'_, S>,
        index: usize,
        artifact: &Artifact<'_>,
        plaintext: bool,
    ) -> Result<ArtifactCheck> {
        let (size, digest) = match (plaintext, &artifact.plaintext) {
            (true, Some(p)) => (p.size, p.digest),
            (true, None) => return Err(Error::NoSuchArtifact),
            (false, _) => (artifact.size, artifact.digest),
        };
        engine_err(self.engine.start())?;
        self.generation = self.generation.wrapping_add(1);
        Ok(ArtifactCheck {
            index: u16::try_from(index).map_err(|_| Error::NoSuchArtifact)?,
            plaintext,
            size,
            seen: 0,
            digest,
            manifest: session.st.borrow().digest,
            generation: self.generation,
        })
    }

    /// Feeds the next bytes of the artifact (any length, including zero).
    pub fn update_artifact(&mut self, check: &mut ArtifactCheck, data: &[u8]) -> Result<()> {
        if check.generation != self.generation {
            return Err(Error::InvalidState);
        }
        let seen = check
            .seen
            .checked_add(data.len() as u64)
            .ok_or(Error::ArtifactTooLong)?;
        if seen > check.size {
            return Err(Error::ArtifactTooLong);
        }
        engine_err(self.engine.update(data))?;
        check.seen = seen;
        Ok(())
    }

    /// Ends the artifact: its length and digest must match the manifest.
    pub fn finish_artifact<S: BorrowMut<SessionState>>(
        &mut self,
        session: &mut Session<'_, S>,
        check: ArtifactCheck,
    ) -> Result<()> {
        if check.generation != self.generation || check.manifest != session.st.borrow().digest {
            return Err(Error::InvalidState);
        }
        // A finished check can never be fed or finished again.
        self.generation = self.generation.wrapping_add(1);
        let mut got = [0u8; 32];
        engine_err(self.engine.finish(&mut got))?;
        if check.seen < check.size {
            return Err(Error::ArtifactTruncated);
        }
        if got != check.digest {
            return Err(Error::ArtifactDigestMismatch);
        }
        if !check.plaintext {
            session.mark_verified(check.index());
        }
        Ok(())
    }

    /// Verifies a whole bundle held in memory (or memory-mapped flash),
    /// without copying it.
    pub fn verify_bundle_bytes<'e>(&mut self, bundle: &'e [u8]) -> Result<Installed<'e>> {
        let mut st = SessionState::empty();
        self.bundle_bytes_state(bundle, &mut st)?;
        let head = bundle.get(..st.head_len).ok_or(Error::InvalidState)?;
        Ok(Installed { head, st })
    }

    /// As [`Verifier::verify_bundle_bytes`], keeping the state in `state`.
    pub fn verify_bundle_bytes_into<'e, 's>(
        &mut self,
        bundle: &'e [u8],
        state: &'s mut SessionState,
    ) -> Result<Installed<'e, &'s mut SessionState>> {
        self.bundle_bytes_state(bundle, state)?;
        let head = bundle.get(..state.head_len).ok_or(Error::InvalidState)?;
        Ok(Installed { head, st: state })
    }

    fn bundle_bytes_state(&mut self, bundle: &[u8], st: &mut SessionState) -> Result<()> {
        let hdr = BundleHeader::parse(bundle)?;
        let head = bundle.get(..hdr.head_len()).ok_or(Error::Truncated)?;
        let mut session = self.verify_head_into(head, st)?;
        check_total_len(bundle.len() as u64, session.bundle_len())?;
        let view = session.manifest()?;
        let mut artifacts = view.artifacts()?;
        let mut pos = head.len() as u64;
        let mut index = 0usize;
        while let Some(a) = artifacts.try_next()? {
            let offset = align_up(pos)?;
            let end = offset.checked_add(a.size).ok_or(Error::LimitExceeded)?;
            let padding = slice_at(bundle, pos, offset)?;
            if padding.iter().any(|&b| b != 0) {
                return Err(Error::Malformed);
            }
            let mut check = self.start(&session, index, &a, false)?;
            self.update_artifact(&mut check, slice_at(bundle, offset, end)?)?;
            self.finish_artifact(&mut session, check)?;
            pos = end;
            index = index.saturating_add(1);
        }
        session.finish().map(drop)
    }

    /// Verifies a whole bundle through a reader (a file, a flash partition),
    /// using `work` for the head and as the read buffer for payloads. `work`
    /// must hold the head plus [`MIN_READ_CHUNK`] bytes; a larger remainder
    /// means fewer, larger reads.
    pub fn verify_bundle<'w, R: ReadAt + ?Sized>(
        &mut self,
        reader: &mut R,
        work: &'w mut [u8],
    ) -> Result<Installed<'w>> {
        let mut st = SessionState::empty();
        let head_len = self.bundle_state(reader, &mut *work, &mut st)?;
        let work: &'w [u8] = work;
        let head = work.get(..head_len).ok_or(Error::InvalidState)?;
        Ok(Installed { head, st })
    }

    /// As [`Verifier::verify_bundle`], keeping the state in `state`.
    pub fn verify_bundle_into<'w, 's, R: ReadAt + ?Sized>(
        &mut self,
        reader: &mut R,
        work: &'w mut [u8],
        state: &'s mut SessionState,
    ) -> Result<Installed<'w, &'s mut SessionState>> {
        let head_len = self.bundle_state(reader, &mut *work, state)?;
        let work: &'w [u8] = work;
        let head = work.get(..head_len).ok_or(Error::InvalidState)?;
        Ok(Installed { head, st: state })
    }

    /// Verifies the bundle from `reader` into `st`; returns the head length
    /// (the head is at the start of `work`).
    fn bundle_state<R: ReadAt + ?Sized>(
        &mut self,
        reader: &mut R,
        work: &mut [u8],
        st: &mut SessionState,
    ) -> Result<usize> {
        let total = reader.len();
        // A source shorter than a header is judged on what it has, as the
        // in-memory path judges it (a bad magic before truncation).
        let first = chunk_len(total, BUNDLE_HEADER_LEN);
        let hdr_buf = work.get_mut(..first).ok_or(Error::BufferTooSmall)?;
        reader.read_exact_at(0, hdr_buf).map_err(|_| Error::Read)?;
        let head_len = BundleHeader::parse(hdr_buf)?.head_len();
        if head_len as u64 > total {
            return Err(Error::Truncated);
        }
        if work.len() < head_len.saturating_add(MIN_READ_CHUNK) {
            return Err(Error::BufferTooSmall);
        }
        let (head, chunk) = work.split_at_mut(head_len);
        let tail = head.get_mut(BUNDLE_HEADER_LEN..).ok_or(Error::Truncated)?;
        reader
            .read_exact_at(BUNDLE_HEADER_LEN as u64, tail)
            .map_err(|_| Error::Read)?;
        let head: &[u8] = head;
        let mut session = self.verify_head_into(head, st)?;
        check_total_len(total, session.bundle_len())?;

        let view = session.manifest()?;
        let mut artifacts = view.artifacts()?;
        let mut pos = head.len() as u64;
        let mut index = 0usize;
        while let Some(a) = artifacts.try_next()? {
            let offset = align_up(pos)?;
            // Padding: fewer than PAYLOAD_ALIGN bytes, all zero.
            while pos < offset {
                let n = chunk_len(offset.saturating_sub(pos), chunk.len());
                let buf = chunk.get_mut(..n).ok_or(Error::BufferTooSmall)?;
                reader.read_exact_at(pos, buf).map_err(|_| Error::Read)?;
                if buf.iter().any(|&b| b != 0) {
                    return Err(Error::Malformed);
                }
                pos = pos.saturating_add(n as u64);
            }
            let mut check = self.start(&session, index, &a, false)?;
            let end = offset.checked_add(a.size).ok_or(Error::LimitExceeded)?;
            // One read per chunk of the signed length: bounded by a.size.
            while pos < end {
                let n = chunk_len(end.saturating_sub(pos), chunk.len());
                let buf = chunk.get_mut(..n).ok_or(Error::BufferTooSmall)?;
                reader.read_exact_at(pos, buf).map_err(|_| Error::Read)?;
                self.update_artifact(&mut check, buf)?;
                pos = pos.saturating_add(n as u64);
            }
            self.finish_artifact(&mut session, check)?;
            index = index.saturating_add(1);
        }
        session.finish().map(|_| head_len)
    }

    /// Encodes the identity record of `installed` into `out`; returns its length.
    pub fn encode_identity<S: Borrow<SessionState>>(
        &mut self,
        installed: &Installed<'_, S>,
        out: &mut [u8],
    ) -> Result<usize> {
        installed.encode_identity(&mut self.engine, out)
    }
}

fn chunk_len(left: u64, cap: usize) -> usize {
    usize::try_from(left).map_or(cap, |l| l.min(cap))
}

fn slice_at(bytes: &[u8], start: u64, end: u64) -> Result<&[u8]> {
    let s = usize::try_from(start).map_err(|_| Error::Truncated)?;
    let e = usize::try_from(end).map_err(|_| Error::Truncated)?;
    bytes.get(s..e).ok_or(Error::Truncated)
}

fn check_total_len(actual: u64, expected: u64) -> Result<()> {
    match actual.cmp(&expected) {
        core::cmp::Ordering::Less => Err(Error::Truncated),
        core::cmp::Ordering::Greater => Err(Error::TrailingBytes),
        core::cmp::Ordering::Equal => Ok(()),
    }
}

/// Step 7 of [`Verifier::verify_head`]: the device policy, decided from the
/// facts the validating pass gathered, in this order: manifest expiry,
/// hardware, serial, platform, market, rollback, stage, system
/// configuration.
fn check_policy(
    ix: &ManifestIndex,
    facts: &Facts<'_>,
    policy: &DevicePolicy,
    digest: &Digest,
) -> Result<(Option<ConfigRef>, Option<u8>)> {
    if let (Expiry::CheckedAt(now), Some(t)) = (policy.expiry, ix.expires_at) {
        if now >= t {
            return Err(Error::ManifestExpired);
        }
    }
    if !facts.hardware_listed {
        return Err(Error::WrongHardware);
    }
    if facts.serials_restricted && !facts.serial_listed {
        return Err(Error::WrongSerial);
    }
    if facts.platform.is_some() && facts.platform != policy.platform.as_deref() {
        return Err(Error::WrongPlatform);
    }
    if facts.market.is_some() && facts.market != policy.market.as_deref() {
        return Err(Error::WrongMarket);
    }
    if ix.security_counter < policy.counter_floor {
        return Err(Error::Rollback);
    }
    if facts.lowest_stage.is_some_and(|s| s < policy.min_stage) {
        return Err(Error::StageTooLow);
    }
    match ix.kind {
        BundleKind::Component => match &policy.config {
            None => Ok((None, None)),
            Some(b) if b.allowed.contains(digest) => Ok((
                Some(ConfigRef {
                    digest: b.digest,
                    config_id: b.config_id.clone(),
                    config_version: b.config_version.clone(),
                }),
                None,
            )),
            Some(_) => Err(Error::NotInConfiguration),
        },
        // Exactly one ECU entry must be this device's.
        BundleKind::SystemConfig if facts.ecu_matches == 1 => Ok((
            Some(ConfigRef {
                digest: *digest,
                config_id: id_string(facts.config_id)?,
                config_version: id_string(facts.config_version)?,
            }),
            Some(facts.ecu_entry),
        )),
        BundleKind::SystemConfig => Err(Error::NotInConfiguration),
    }
}

impl<'e, S: Borrow<SessionState>> Session<'e, S> {
    fn st(&self) -> &SessionState {
        self.st.borrow()
    }
    /// The verified manifest.
    pub fn manifest(&self) -> Result<VerifiedManifest<'e>> {
        manifest_of(self.head, self.st())
    }
    /// Length the whole bundle file must have, in bytes.
    pub fn bundle_len(&self) -> u64 {
        self.st().bundle_len
    }
    /// Length of the head, in bytes.
    pub fn head_len(&self) -> usize {
        self.head.len()
    }
    /// SHA-256 of the manifest document.
    pub fn manifest_digest(&self) -> &Digest {
        &self.st().digest
    }
    /// Whether artifact `index` has verified.
    pub fn is_verified(&self, index: usize) -> bool {
        self.st()
            .verified
            .get(index / 64)
            .is_some_and(|w| w & (1u64 << (index % 64)) != 0)
    }

    /// The session's state, to keep without the borrow (C contexts).
    pub fn state(&self) -> &SessionState {
        self.st()
    }
    /// The state, giving up the borrow of the head.
    pub fn into_state(self) -> S {
        self.st
    }
    /// Re-attaches a kept state to its head. `head` must be the very buffer
    /// (same address and length) the state was verified from, unchanged
    /// since: the address is checked, the contents are the caller's promise.
    pub fn resume(head: &'e [u8], state: S) -> Result<Self> {
        let st = state.borrow();
        if !st.live || head.as_ptr() as usize != st.head_addr || head.len() != st.head_len {
            return Err(Error::InvalidState);
        }
        Ok(Self { head, st: state })
    }

    /// Ends the session: every artifact must have verified.
    pub fn finish(self) -> Result<Installed<'e, S>> {
        let n = usize::from(self.st().ix.n_artifacts);
        // At most MAX_ARTIFACTS iterations.
        if (0..n).all(|i| self.is_verified(i)) {
            Ok(Installed {
                head: self.head,
                st: self.st,
            })
        } else {
            Err(Error::ArtifactsIncomplete)
        }
    }
}

impl<'e, S: BorrowMut<SessionState>> Session<'e, S> {
    /// Offset of artifact `index`'s payload in the bundle file, in bytes.
    pub fn payload_offset(&mut self, index: usize) -> Result<u64> {
        Ok(self.locate(index)?.1)
    }

    fn mark_verified(&mut self, index: usize) {
        if let Some(w) = self.st.borrow_mut().verified.get_mut(index / 64) {
            *w |= 1u64 << (index % 64);
        }
    }

    /// Artifact `index` and its payload offset; sequential lookups cost one
    /// decode each.
    fn locate(&mut self, index: usize) -> Result<(Artifact<'e>, u64)> {
        let head = self.head;
        let st = self.st.borrow_mut();
        if index >= usize::from(st.ix.n_artifacts) {
            return Err(Error::NoSuchArtifact);
        }
        let doc = manifest_doc(head, st)?;
        let mut cursor = st.cursor;
        if usize::from(cursor.index) > index {
            cursor = Cursor {
                index: 0,
                record_off: records_start(doc, st)?,
                layout: Layout::new(st.head_len as u64),
            };
        }
        let mut w: Walker<'e> = walker_at(doc, cursor.record_off)?;
        // At most n_artifacts iterations.
        loop {
            let a: Artifact<'e> = w.take()?;
            let offset = cursor.layout.place(a.size)?;
            cursor.index = cursor.index.saturating_add(1);
            cursor.record_off = u32_of(w.offset_in(doc))?;
            if usize::from(cursor.index) > index {
                st.cursor = cursor;
                return Ok((a, offset));
            }
        }
    }
}

fn manifest_doc<'e>(head: &'e [u8], st: &SessionState) -> Result<&'e [u8]> {
    let start = usize::try_from(st.manifest_off).map_err(|_| Error::InvalidState)?;
    let len = usize::try_from(st.manifest_len).map_err(|_| Error::InvalidState)?;
    head.get(start..start.saturating_add(len))
        .ok_or(Error::InvalidState)
}

fn manifest_of<'e>(head: &'e [u8], st: &SessionState) -> Result<VerifiedManifest<'e>> {
    Ok(VerifiedManifest(ManifestView::new(
        manifest_doc(head, st)?,
        st.ix,
    )?))
}

fn records_start(doc: &[u8], st: &SessionState) -> Result<u32> {
    let items = ManifestView::new(doc, st.ix)?.artifacts()?;
    u32_of(doc.len().saturating_sub(items.rest_len()))
}

impl<'e, S: Borrow<SessionState>> Installed<'e, S> {
    fn st(&self) -> &SessionState {
        self.st.borrow()
    }
    /// The state, to keep without the borrow (C contexts).
    pub fn state(&self) -> &SessionState {
        self.st()
    }
    /// The state, giving up the borrow of the head.
    pub fn into_state(self) -> S {
        self.st
    }
    /// Re-attaches a kept state to its head, under the same promise as
    /// [`Session::resume`]; the state must be one whose every artifact verified.
    pub fn resume(head: &'e [u8], state: S) -> Result<Self> {
        Session::resume(head, state)?.finish()
    }

    /// The verified manifest.
    pub fn manifest(&self) -> Result<VerifiedManifest<'e>> {
        manifest_of(self.head, self.st())
    }
    /// Bundle kind.
    pub fn kind(&self) -> BundleKind {
        self.st().ix.kind
    }
    /// SHA-256 of the manifest document: the bundle's identity.
    pub fn manifest_digest(&self) -> &Digest {
        &self.st().digest
    }
    /// The bundle's security counter.
    pub fn security_counter(&self) -> u64 {
        self.st().ix.security_counter
    }
    /// The counter floor the device must persist: the larger of the old
    /// floor and this bundle's counter.
    pub fn counter_floor(&self) -> u64 {
        self.st().counter_floor.max(self.st().ix.security_counter)
    }
    /// Version of the trust root in force after this bundle.
    pub fn root_version(&self) -> u32 {
        self.st().root_version
    }
    /// The newest root envelope the bundle carried, which the device must
    /// persist and use as its root from now on; `None` when no rotation.
    pub fn new_root(&self) -> Option<&'e [u8]> {
        let (start, len) = self.st().new_root?;
        let s = usize::try_from(start).ok()?;
        let e = s.checked_add(usize::try_from(len).ok()?)?;
        self.head.get(s..e)
    }
    /// Key ids of the keys whose signatures counted, in role order.
    pub fn signers(&self) -> &[KeyId] {
        &self.st().signers
    }
    /// The system configuration this bundle is installed under (or is).
    pub fn config(&self) -> Option<&ConfigRef> {
        self.st().config.as_ref()
    }

    /// For a system-configuration bundle: this ECU's entry as a binding to
    /// put in the policy that verifies component bundles.
    pub fn config_binding(&self) -> Result<ConfigBinding> {
        let config = self.st().config.as_ref().ok_or(Error::WrongKind)?;
        let entry = usize::from(self.st().ecu_entry.ok_or(Error::WrongKind)?);
        let view = self.manifest()?;
        let sc = view.system_config()?.ok_or(Error::WrongKind)?;
        let ecu = sc.ecus.clone().nth(entry).ok_or(Error::InvalidState)?;
        let mut allowed = heapless::Vec::new();
        for m in ecu.models {
            allowed
                .push(m.manifest_digest)
                .map_err(|_| Error::LimitExceeded)?;
        }
        Ok(ConfigBinding {
            digest: config.digest,
            config_id: config.config_id.clone(),
            config_version: config.config_version.clone(),
            allowed,
        })
    }

    /// Encodes the identity record into `out` (at most
    /// [`crate::limits::MAX_IDENTITY_LEN`] bytes); returns its length.
    pub fn encode_identity<H: Sha256Engine + ?Sized>(
        &self,
        engine: &mut H,
        out: &mut [u8],
    ) -> Result<usize> {
        let view = self.manifest()?;
        let config = self.st().config.as_ref().map(|c| identity::ConfigRecord {
            config_id: c.config_id.as_str(),
            config_version: c.config_version.as_str(),
            digest: c.digest,
        });
        identity::encode(
            engine,
            out,
            &identity::IdentityHead {
                manifest_digest: self.st().digest,
                kind: self.st().ix.kind.code(),
                security_counter: self.st().ix.security_counter,
                version: view.head().version,
                root_version: self.st().root_version,
            },
            config.as_ref(),
            view.components()?.map(|c| identity::ComponentId {
                family: c.head.family,
                version: c.head.version,
                stage: c.head.stage,
            }),
            &self.st().signers,
        )
    }
}
