//! The verifier: from untrusted bytes to an installed identity.
//!
//! Typestate carries the proof. [`Verifier::verify_head`] is the only way to
//! a [`Session`] (signatures checked, device policy met). Artifacts are then
//! checked by streaming their bytes; only a session whose every artifact
//! verified becomes [`Installed`], the only source of the identity and of
//! what the device must persist.
//!
//! The caller's memory is never trusted twice. Everything a session reports
//! or acts on is either held by value in its state (kept in RAM the caller
//! gave to the verifier, such as a C context) or read again from the head
//! *and* re-authenticated in the same read: the manifest is re-hashed from
//! the copy it is decoded from and must equal the signed digest
//! ([`crate::snap`]); an artifact record must lead to the tree hash kept at
//! verification ([`crate::records`]); a new root copied out must hash to the
//! digest that was verified. A head that changed gives
//! [`Error::InputChanged`], never a different answer.
//!
//! The verification steps are numbered in [`Verifier::verify_head`]; that is
//! the one place they are written down.
//!
//! Nothing here allocates, panics or loops without a bound: loops run over
//! at most a limit's count of items, or over the bytes of an artifact whose
//! length is signed.

use crate::KeyId;
use crate::bundle::{BundleHeader, ReadAt};
use crate::doc::{
    Artifact, BundleKind, ComponentHead, Extension, ManifestHead, ModelRef, ParameterSet,
    SystemConfigHead,
};
use crate::envelope::{DocType, Envelope, check_threshold, signed_message};
use crate::error::{Error, Result};
use crate::hash::{Digest, Sha256Engine, key_id};
use crate::identity;
use crate::limits::{
    BUNDLE_HEADER_LEN, ENVELOPE_HEADER_LEN, MAX_ARTIFACTS, MAX_COMPONENTS, MAX_ECU_MODELS,
    MAX_SIGNATURES, MIN_READ_CHUNK,
};
use crate::manifest::{
    self, ComponentView, Device, Items, ManifestIndex, ManifestView, ManifestVisitor, NoSink,
    SystemConfigView, TargetView,
};
use crate::policy::{ConfigBinding, DevicePolicy, Floors, IdString, id_string};
use crate::records::{ArtifactRecord, Path, Table};
use crate::root::TrustRoot;
use core::borrow::{Borrow, BorrowMut};

/// A manifest whose signatures and device policy have been checked, over
/// memory the reader owns (see [`Installed::manifest`]). Only a session
/// makes one: a function that needs authenticated contents takes a
/// `VerifiedManifest`, and an unauthenticated [`ManifestView`] (from
/// [`crate::unverified`]) cannot be passed in its place.
#[derive(Debug, Clone, Copy)]
pub struct VerifiedManifest<'a>(ManifestView<'a>);

impl<'a> VerifiedManifest<'a> {
    /// The document's reader, for code that works on verified and
    /// unverified manifests alike (printing, comparing). What it returns
    /// no longer carries the proof.
    pub fn view(&self) -> &ManifestView<'a> {
        &self.0
    }
    /// The manifest document bytes (as signed).
    pub fn doc(&self) -> &'a [u8] {
        self.0.doc()
    }
    /// Bundle kind.
    pub fn kind(&self) -> BundleKind {
        self.0.kind()
    }
    /// Kind, counter, version, times, supersedes.
    pub fn head(&self) -> &ManifestHead<'a> {
        self.0.head()
    }
    /// Target binding.
    pub fn target(&self) -> Result<TargetView<'a>> {
        self.0.target()
    }
    /// Components (none in a system configuration).
    pub fn components(&self) -> Result<Items<'a, ComponentView<'a>>> {
        self.0.components()
    }
    /// The system configuration (only in system-configuration bundles).
    pub fn system_config(&self) -> Result<Option<SystemConfigView<'a>>> {
        self.0.system_config()
    }
    /// Artifacts, in manifest (and payload) order.
    pub fn artifacts(&self) -> Result<Items<'a, Artifact<'a>>> {
        self.0.artifacts()
    }
    /// Number of artifacts.
    pub fn artifact_count(&self) -> usize {
        self.0.artifact_count()
    }
    /// Artifact `index`.
    pub fn artifact(&self, index: usize) -> Result<Artifact<'a>> {
        self.0.artifact(index)
    }
    /// Extensions.
    pub fn extensions(&self) -> Result<Items<'a, Extension<'a>>> {
        self.0.extensions()
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

/// The newest root a bundle carried: where it sits in the head, the digest
/// its document had when it was verified, and the digest of the whole
/// envelope (document and signature entries) taken right after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NewRoot {
    off: u32,
    len: u32,
    digest: Digest,
    envelope: Digest,
}

/// Everything a session knows, held by value (no borrow of the head). A
/// session owns its state ([`Session`]) or works on one kept elsewhere
/// ([`Verifier::verify_head_into`]): a C context keeps the state in place
/// between calls and re-attaches it with [`Session::resume`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    live: bool,
    head_addr: usize,
    head_len: usize,
    manifest_off: u32,
    manifest_len: u32,
    ix: ManifestIndex,
    digest: Digest,
    records_off: u32,
    records_root: Digest,
    path: Path,
    root_version: u32,
    new_root: Option<NewRoot>,
    signers: heapless::Vec<KeyId, MAX_SIGNATURES, u8>,
    config: Option<ConfigRef>,
    ecu_entry: Option<u8>,
    floors: Floors,
    bundle_len: u64,
    generation: u32,
    verified: [u64; MAX_ARTIFACTS / 64],
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
            records_off: 0,
            records_root: [0; 32],
            path: Path::EMPTY,
            root_version: 0,
            new_root: None,
            signers: heapless::Vec::new(),
            config: None,
            ecu_entry: None,
            floors: Floors::new(0, 0),
            bundle_len: 0,
            generation: 0,
            verified: [0; MAX_ARTIFACTS / 64],
        }
    }

    /// Forgets the session: nothing resumes from this state afterwards.
    pub fn clear(&mut self) {
        self.live = false;
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
/// [`Verifier::begin_plaintext`] (bytes after decryption). It holds the
/// signed length and digest by value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactCheck {
    index: u16,
    plaintext: bool,
    size: u64,
    seen: u64,
    digest: Digest,
    manifest: Digest,
    generation: u32,
    /// The running fs-verity tree, when the digest is an fs-verity digest
    /// (a flat digest runs in the engine alone).
    verity: Option<crate::verity::Hasher>,
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

/// A root update that verified: the root to persist and the floors after
/// any re-base its roots carried.
#[derive(Debug, Clone)]
pub struct RootUpdate<'u> {
    update: &'u [u8],
    version: u32,
    floors: Floors,
    new_root: Option<NewRoot>,
}

impl RootUpdate<'_> {
    /// Version of the root in force after the update.
    pub fn root_version(&self) -> u32 {
        self.version
    }
    /// The floors to persist: the policy's, with any re-base applied.
    pub fn floors(&self) -> Floors {
        self.floors
    }
    /// Length of the root envelope to persist; `None` when every root of
    /// the update was applied already.
    pub fn new_root_len(&self) -> Option<usize> {
        self.new_root.and_then(|r| usize::try_from(r.len).ok())
    }
    /// Copies the root envelope to persist into `out` (as
    /// [`Installed::copy_new_root`]); `Ok(0)` when nothing is new.
    pub fn copy_new_root(&self, out: &mut [u8]) -> Result<usize> {
        match &self.new_root {
            None => Ok(0),
            Some(r) => copy_root(self.update, r, out),
        }
    }
}

/// What the rotation chain leaves besides the root to persist and the
/// floors (written where the caller keeps them): where the manifest
/// envelope starts and, after a rotation, the version and expiry of the
/// root now in force (the role it gives this policy's bundles is kept in
/// [`Verifier`]).
struct Chain<'h> {
    rest: &'h [u8],
    root: Option<ChainRoot>,
}

/// The rotated root's version and expiry.
#[derive(Clone, Copy)]
struct ChainRoot {
    version: u32,
    expires_at: Option<u64>,
}

/// Verifies bundles against a trust root and a device policy.
#[derive(Debug)]
pub struct Verifier<E: Sha256Engine> {
    root: TrustRoot,
    policy: DevicePolicy,
    engine: E,
    generation: u32,
    /// After a rotation chain: the keys and threshold the root it left in
    /// force gives the role that signs this policy's bundles. Kept here, in
    /// the memory the verifier lives in (a C context), rather than on the
    /// stack under the manifest's signature checks.
    chain_role: crate::root::Role,
    /// The fs-verity code, once [`Verifier::accept_verity`] pointed at it;
    /// `None`: artifacts with an fs-verity digest are refused.
    verity: Option<&'static VerityOps>,
}

/// The fs-verity code the verifier reaches only through the reference to
/// [`VERITY`] that [`Verifier::accept_verity`] stores, so a program that
/// never calls it links none of it: a boot check of flat digests carries
/// neither the tree hasher nor the parameter rules. (Data blocks reach the
/// engine through `dyn`: one indirect call per block or chunk.)
pub(crate) struct VerityOps {
    /// The rule of an artifact record declaring an fs-verity digest.
    pub(crate) check: fn(&crate::doc::Artifact<'_>) -> Result<()>,
    /// A tree hasher for a payload of the size given.
    begin: fn(&crate::doc::Verity<'_>, u64) -> Result<crate::verity::Hasher>,
    update: fn(&mut crate::verity::Hasher, &mut dyn Sha256Engine, &[u8]) -> Result<()>,
    finish: fn(crate::verity::Hasher, &mut dyn Sha256Engine) -> Result<Digest>,
}

/// The fs-verity code, as [`Verifier::accept_verity`] links it.
static VERITY: VerityOps = VerityOps {
    check: crate::verity::check_artifact,
    begin: |v, size| crate::verity::Hasher::new(crate::verity::Params::of(v)?, size),
    update: |h, engine, data| h.update(engine, data),
    finish: |h, engine| h.finish(engine),
};

impl core::fmt::Debug for VerityOps {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("VerityOps")
    }
}

fn engine_err<T>(r: core::result::Result<T, crate::hash::EngineFailure>) -> Result<T> {
    r.map_err(|_| Error::HashEngine)
}

fn u32_of(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::LimitExceeded)
}

impl<E: Sha256Engine> Verifier<E> {
    /// A verifier trusting the root envelope `root` (the device's provisioned
    /// or last persisted root, trusted as stored), applying `policy`, hashing
    /// with `engine`. The root is copied: its memory may be reused.
    pub fn new(root: &[u8], policy: DevicePolicy, engine: E) -> Result<Self> {
        Ok(Self {
            root: TrustRoot::from_envelope_unverified(root)?,
            policy,
            engine,
            generation: 0,
            chain_role: crate::root::Role::NONE,
            verity: None,
        })
    }

    /// Accepts artifacts whose digest is an fs-verity digest (checked as
    /// they stream, with [`crate::verity::Hasher`]). Without this call a
    /// manifest that declares one is refused with
    /// [`Error::VerityNotAccepted`] once its signatures check, and the
    /// hasher is not linked into a program that never makes it.
    pub fn accept_verity(&mut self) {
        self.verity = Some(&VERITY);
    }

    /// Whether [`Verifier::accept_verity`] was called.
    pub fn accepts_verity(&self) -> bool {
        self.verity.is_some()
    }

    /// The trust root in force.
    pub fn root(&self) -> &TrustRoot {
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
    /// signed part of a bundle. On success the artifacts may be checked.
    pub fn verify_head<'e>(&mut self, head: &'e [u8]) -> Result<Session<'e>> {
        let mut st = SessionState::empty();
        self.verify_head_tree(head, &mut st)?;
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
        self.verify_head_tree(head, state)?;
        Ok(Session { head, st: state })
    }

    /// A head for the per-chunk path: with the tree that authenticates
    /// artifact records one at a time.
    fn verify_head_tree(&mut self, head: &[u8], st: &mut SessionState) -> Result<()> {
        st.live = false;
        let (env, kind) = self.authenticate(head, st)?;
        self.admit_tree(head, &env, kind, st)
    }

    /// [`Verifier::admit`] with the tree over the artifact records, in a
    /// frame of its own: the tree is not on the stack of the signature
    /// checks.
    #[inline(never)]
    fn admit_tree(
        &mut self,
        head: &[u8],
        env: &Envelope<'_>,
        kind: BundleKind,
        st: &mut SessionState,
    ) -> Result<()> {
        let mut tree = crate::records::Tree(crate::records::Builder::new());
        self.admit(head, env, kind, st, &mut tree)?;
        st.records_root = tree.0.root();
        Ok(())
    }

    #[inline(always)]
    fn verify_head_state(
        &mut self,
        head: &[u8],
        st: &mut SessionState,
        sink: &mut dyn ManifestVisitor,
    ) -> Result<()> {
        st.live = false;
        // Two frames, never nested: the signature checks (and the deep
        // Ed25519 call tree under them) run in `authenticate`; parsing and
        // policy run afterwards in `admit`. What the first establishes goes
        // into the state, not into a frame that would stay on the stack.
        let (env, kind) = self.authenticate(head, st)?;
        self.admit(head, &env, kind, st, sink)
    }

    /// Steps 1 to 5: everything up to and including the manifest's
    /// signatures. Nothing of the manifest is parsed here. Writes the
    /// manifest digest, the signers, the root version, the new root and
    /// the floors after any re-base into `st` (which holds no session
    /// until [`Verifier::admit`] completes it); returns the manifest
    /// envelope and the bundle kind.
    #[inline(never)]
    fn authenticate<'h>(
        &mut self,
        head: &'h [u8],
        st: &mut SessionState,
    ) -> Result<(Envelope<'h>, BundleKind)> {
        // 1. Container header: magic, version, reserved byte; the head is
        //    exactly as long as the header says.
        let hdr = BundleHeader::parse(head)?;
        check_total_len(head.len() as u64, hdr.head_len() as u64)?;
        let rest = head.get(BUNDLE_HEADER_LEN..).ok_or(Error::Truncated)?;

        // 2. Rotation chain, oldest first. Roots up to and including one
        //    whose document hashes like the root in force were applied when
        //    this bundle (or an earlier one) was installed: they are skipped
        //    unparsed, so a device that persisted the newest root still
        //    re-verifies the installed bundle at every boot (their bytes are
        //    not authenticated and nothing of them is used). Each root after
        //    that must be exactly the next version, signed by a threshold of
        //    the current root role (checked before the new root is parsed)
        //    and of its own; its keys are copied in the pass that re-hashes
        //    it. A root that re-bases a role's counter floor sets it here.
        let chain = self.apply_chain(head, &hdr, rest, &mut st.new_root, &mut st.floors)?;
        let rest = chain.rest;

        // 3. Expiry of the root now in force (only with a trusted clock).
        st.root_version = self.root_in_force(chain.root)?;

        // 4. Manifest envelope: framing, a manifest type, the kind the
        //    policy expects; it ends the head.
        let env = Envelope::parse(rest)?;
        let (role, kind) = env.doc_type().signer();
        let (kind, role_id) = (kind.ok_or(Error::WrongDocumentType)?, role.code());
        if kind != self.policy.kind {
            return Err(Error::WrongKind);
        }

        // 5. Signatures: a threshold of distinct keys of the role for this
        //    kind, over the domain-separated digest, before any parsing.
        //    Every entry must verify under the key it names.
        crate::hash::digest_into(&mut self.engine, env.doc(), &mut st.digest)?;
        let role = match &chain.root {
            Some(_) => self.chain_role.as_keys(),
            None => self.root.role(role_id).ok_or(Error::RootInvalid)?,
        };
        let signer_set = check_threshold(&env, &role, &signed_message(env.doc_type(), &st.digest))?;
        st.signers.clear();
        for (pos, pk) in role.keys().enumerate() {
            if signer_set & (1u16.checked_shl(u32_of(pos)?).unwrap_or(0)) != 0 {
                st.signers
                    .push(key_id(&mut self.engine, pk)?)
                    .map_err(|_| Error::LimitExceeded)?;
            }
        }
        Ok((env, kind))
    }

    /// Step 3 of [`Verifier::authenticate`]: the version of the root in
    /// force after `chain`, refused if it has expired (with a trusted clock).
    fn root_in_force(&self, rotated: Option<ChainRoot>) -> Result<u32> {
        let (version, expires_at) = match rotated {
            Some(r) => (r.version, r.expires_at),
            None => (self.root.version(), self.root.expires_at()),
        };
        if self.policy.expiry.refuses(expires_at) {
            return Err(Error::RootExpired);
        }
        Ok(version)
    }

    /// Step 2 of [`Verifier::authenticate`] (described there). Never
    /// inlined: the root it holds is not on the stack of a bundle without
    /// a rotation. After a rotation, the role the root in force gives this
    /// policy's bundles goes into `chain_role`.
    #[inline(never)]
    fn apply_chain<'h>(
        &mut self,
        head: &'h [u8],
        hdr: &BundleHeader,
        mut rest: &'h [u8],
        new_root: &mut Option<NewRoot>,
        floors: &mut Floors,
    ) -> Result<Chain<'h>> {
        let mut pending = hdr.chain_len();
        let mut scan = rest;
        for i in 0..hdr.chain_len() {
            let (env, after) = Envelope::parse_prefix(scan)?;
            if env.doc_type() != DocType::Root {
                return Err(Error::WrongDocumentType);
            }
            if env.digest(&mut self.engine)? == *self.root.digest() {
                pending = hdr.chain_len().saturating_sub(i).saturating_sub(1);
                rest = after;
            }
            scan = after;
        }
        *new_root = None;
        *floors = self.policy.floors;
        let mut out = Chain { rest, root: None };
        if pending == 0 {
            return Ok(out);
        }
        // The one root on this frame: rotated in place, step by step.
        let mut current = self.root.clone();
        for _ in 0..pending {
            let (env, after) = Envelope::parse_prefix(out.rest)?;
            current.advance(&env, &mut self.engine)?;
            for kind in [BundleKind::Component, BundleKind::SystemConfig] {
                if let Some(f) = current.rebase(kind) {
                    *floors.slot(kind) = f;
                }
            }
            *new_root = Some(NewRoot {
                off: u32_of(head.len().saturating_sub(out.rest.len()))?,
                len: u32_of(env.len())?,
                digest: *current.digest(),
                envelope: crate::hash::sha256(env.bytes()),
            });
            out.rest = after;
        }
        let role_id = self.policy.kind.role().code();
        self.chain_role = *current.role_ref(role_id).ok_or(Error::RootInvalid)?;
        out.root = Some(ChainRoot {
            version: current.version(),
            expires_at: current.expires_at(),
        });
        Ok(out)
    }

    /// Steps 6 to 8 on an authenticated manifest, then the session state.
    #[inline(never)]
    fn admit(
        &mut self,
        head: &[u8],
        env: &Envelope<'_>,
        kind: BundleKind,
        st: &mut SessionState,
        sink: &mut dyn ManifestVisitor,
    ) -> Result<()> {
        // 6. The authenticated manifest: every field, rule and limit, in one
        //    pass over a copy of its bytes that also gathers what the policy
        //    needs and builds the tree over the artifact records. The copy
        //    must hash to the signed digest: what was checked is what was
        //    signed, even if the head's memory changed after step 5.
        let policy = &self.policy;
        let device = Device {
            hardware_id: &policy.hardware_id,
            serial: policy.serial.as_deref(),
            ecu_name: policy.ecu_name.as_deref(),
            platform: policy.platform.as_deref(),
            market: policy.market.as_deref(),
            min_stage: policy.min_stage,
            head_len: head.len() as u64,
            verity: self.verity.map(|o| o.check),
        };
        let scanned = manifest::scan(env.doc(), kind, &device, sink)?;
        if scanned.digest != st.digest {
            return Err(Error::InputChanged);
        }

        // 7. Device policy.
        let (config, ecu_entry) = check_policy(&scanned, policy, &st.digest, &st.floors)?;

        // 8. Container layout: every payload offset and the bundle length,
        //    overflow-checked (computed in step 6).
        let bundle_len = scanned.facts.bundle_len.ok_or(Error::LimitExceeded)?;

        let manifest_off = u32_of(head.len().saturating_sub(env.len()))?
            .checked_add(u32_of(ENVELOPE_HEADER_LEN)?)
            .ok_or(Error::LimitExceeded)?;
        self.generation = self.generation.wrapping_add(1);
        // Field by field: the state is written where the caller keeps it.
        st.head_addr = head.as_ptr() as usize;
        st.head_len = head.len();
        st.manifest_off = manifest_off;
        st.manifest_len = u32_of(env.doc().len())?;
        st.ix = scanned.ix;
        st.records_off = scanned.facts.records_off;
        st.records_root = [0; 32];
        st.path = Path::EMPTY;
        st.config = config;
        st.ecu_entry = ecu_entry;
        // The floors after any re-base (written by `authenticate`), with
        // this bundle's role's floor raised to its counter.
        let floor = st.floors.slot(kind);
        *floor = (*floor).max(scanned.ix.security_counter);
        st.bundle_len = bundle_len;
        st.generation = self.generation;
        st.verified = [0; MAX_ARTIFACTS / 64];
        st.live = true;
        Ok(())
    }

    /// Starts checking the distributed bytes of artifact `index`.
    pub fn begin_artifact<S: BorrowMut<SessionState>>(
        &mut self,
        session: &mut Session<'_, S>,
        index: usize,
    ) -> Result<ArtifactCheck> {
        let (record, _) = session.artifact(index)?;
        self.start(
            session,
            index,
            record.size,
            record.digest,
            record.verity,
            false,
        )
    }

    /// Starts checking the plaintext of artifact `index` (the bytes after
    /// the firmware decrypted it) against the plaintext digest and length.
    pub fn begin_plaintext<S: BorrowMut<SessionState>>(
        &mut self,
        session: &mut Session<'_, S>,
        index: usize,
    ) -> Result<ArtifactCheck> {
        let (record, _) = session.artifact(index)?;
        let p = record.plaintext.ok_or(Error::NoSuchArtifact)?;
        self.start(session, index, p.size, p.digest, p.verity, true)
    }

    fn start<S: Borrow<SessionState>>(
        &mut self,
        session: &Session<'_, S>,
        index: usize,
        size: u64,
        digest: Digest,
        verity: Option<crate::verity::Params>,
        plaintext: bool,
    ) -> Result<ArtifactCheck> {
        // A flat digest starts the engine now; an fs-verity tree starts it
        // at every data block.
        let verity = match verity {
            None => {
                engine_err(self.engine.start())?;
                None
            }
            Some(_) if self.verity.is_none() => return Err(Error::VerityNotAccepted),
            Some(p) => Some(crate::verity::Hasher::new(p, size)?),
        };
        self.generation = self.generation.wrapping_add(1);
        Ok(ArtifactCheck {
            index: u16::try_from(index).map_err(|_| Error::NoSuchArtifact)?,
            plaintext,
            size,
            seen: 0,
            digest,
            manifest: session.st.borrow().digest,
            generation: self.generation,
            verity,
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
        match &mut check.verity {
            None => engine_err(self.engine.update(data))?,
            Some(h) => {
                let ops = self.verity.ok_or(Error::VerityNotAccepted)?;
                (ops.update)(h, &mut self.engine, data)?;
            }
        }
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
        let got = match check.verity {
            None => {
                let mut got = [0u8; 32];
                engine_err(self.engine.finish(&mut got))?;
                got
            }
            // The tree of fewer bytes than declared is not computed.
            Some(_) if check.seen < check.size => return Err(Error::ArtifactTruncated),
            Some(h) => {
                let ops = self.verity.ok_or(Error::VerityNotAccepted)?;
                (ops.finish)(h, &mut self.engine)?
            }
        };
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
        self.verify_head_state(head, st, &mut NoSink)?;
        let session = Session { head, st };
        check_total_len(bundle.len() as u64, session.bundle_len())?;
        self.payloads(session, Source::Bytes(bundle)).map(drop)
    }

    /// Checks every payload of a verified head in one more walk over a copy
    /// of the manifest: each payload is hashed as its record passes, against
    /// the digest in that copy, and the walk counts only if the copy hashes
    /// to the signed digest. No record is read from the head twice, and no
    /// tree of records is needed for a whole bundle.
    fn payloads<'e, S: BorrowMut<SessionState>>(
        &mut self,
        mut session: Session<'e, S>,
        src: Source<'_>,
    ) -> Result<Installed<'e, S>> {
        self.generation = self.generation.wrapping_add(1);
        let head_len = session.head_len() as u64;
        let mut p = Payloads {
            engine: &mut self.engine,
            verity: self.verity,
            src,
            layout: crate::bundle::Layout::new(head_len),
            pos: head_len,
            count: 0,
        };
        visit(session.head, session.st.borrow(), &mut p)?;
        let n = p.count;
        session.mark_all_verified(n);
        session.finish()
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
        self.verify_head_state(head, st, &mut NoSink)?;
        let session = Session { head, st };
        check_total_len(total, session.bundle_len())?;
        let mut reader = Unsized(reader);
        self.payloads(session, Source::Reader(&mut reader, chunk))
            .map(|_| head_len)
    }

    /// Applies a root update (see [`crate::bundle::ROOT_UPDATE_MAGIC`]): a
    /// chain of up to [`crate::limits::MAX_ROOT_CHAIN`] roots and nothing
    /// else, checked exactly as a bundle's rotation chain is (step 2 of
    /// `Verifier::authenticate`, then the new root's expiry). It is how a
    /// device more rotations behind than one bundle carries catches up: one
    /// update per eight rotations, then the bundle. What to persist comes
    /// back in the [`RootUpdate`].
    pub fn verify_root_update<'u>(&mut self, update: &'u [u8]) -> Result<RootUpdate<'u>> {
        let hdr = BundleHeader::parse_magic(update, &crate::bundle::ROOT_UPDATE_MAGIC)?;
        check_total_len(update.len() as u64, hdr.head_len() as u64)?;
        if hdr.chain_len() == 0 {
            return Err(Error::Invalid);
        }
        let rest = update.get(BUNDLE_HEADER_LEN..).ok_or(Error::Truncated)?;
        let (mut new_root, mut floors) = (None, self.policy.floors);
        let chain = self.apply_chain(update, &hdr, rest, &mut new_root, &mut floors)?;
        if !chain.rest.is_empty() {
            return Err(Error::TrailingBytes);
        }
        let version = self.root_in_force(chain.root)?;
        Ok(RootUpdate {
            update,
            version,
            floors,
            new_root,
        })
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
/// hardware, serial, platform, market, rollback (the floor of this kind's
/// role, after any re-base; at the floor only the installed bundle when the
/// policy names it), stage, system configuration.
fn check_policy(
    scanned: &manifest::Scanned,
    policy: &DevicePolicy,
    digest: &Digest,
    floors: &Floors,
) -> Result<(Option<ConfigRef>, Option<u8>)> {
    let ix = &scanned.ix;
    let facts = &scanned.facts;
    if policy.expiry.refuses(ix.expires_at) {
        return Err(Error::ManifestExpired);
    }
    if !facts.hardware_listed {
        return Err(Error::WrongHardware);
    }
    if facts.serials_restricted && !facts.serial_listed {
        return Err(Error::WrongSerial);
    }
    if !facts.platform_ok {
        return Err(Error::WrongPlatform);
    }
    if !facts.market_ok {
        return Err(Error::WrongMarket);
    }
    let floor = floors.of(ix.kind);
    if ix.security_counter < floor {
        return Err(Error::Rollback);
    }
    if ix.security_counter == floor && policy.installed.is_some_and(|d| d != *digest) {
        return Err(Error::Rollback);
    }
    if !facts.stages_ok {
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
                config_id: facts.config_id.clone(),
                config_version: facts.config_version.clone(),
            }),
            Some(facts.ecu_entry),
        )),
        BundleKind::SystemConfig => Err(Error::NotInConfiguration),
    }
}

/// The verified manifest document's place in the head (its bytes are read
/// again only to be re-authenticated).
fn manifest_doc<'e>(head: &'e [u8], st: &SessionState) -> Result<&'e [u8]> {
    let start = usize::try_from(st.manifest_off).map_err(|_| Error::InvalidState)?;
    let len = usize::try_from(st.manifest_len).map_err(|_| Error::InvalidState)?;
    head.get(start..start.saturating_add(len))
        .ok_or(Error::InvalidState)
}

/// Walks the verified manifest again over a copy, handing its items to
/// `v`; succeeds only if the copy hashes to the signed digest.
fn visit(head: &[u8], st: &SessionState, v: &mut dyn ManifestVisitor) -> Result<()> {
    let doc = manifest_doc(head, st)?;
    let scanned = manifest::scan(doc, st.ix.kind, &Device::VERIFIED, v)?;
    if scanned.digest != st.digest {
        return Err(Error::InputChanged);
    }
    Ok(())
}

/// A view over the verified manifest, after checking it still hashes to
/// the signed digest. The view reads the head again lazily: it is for
/// memory nobody else writes (a Rust slice guarantees that); firmware and
/// the C API use the copying accessors instead.
fn manifest_of<'e>(head: &'e [u8], st: &SessionState) -> Result<VerifiedManifest<'e>> {
    let doc = manifest_doc(head, st)?;
    let digest = crate::hash::sha256(doc);
    if digest != st.digest {
        return Err(Error::InputChanged);
    }
    Ok(VerifiedManifest(ManifestView::new(doc, st.ix)?))
}

impl<'e, S: Borrow<SessionState>> Session<'e, S> {
    fn st(&self) -> &SessionState {
        self.st.borrow()
    }
    /// The verified manifest as a view (see [`Installed::manifest`]).
    pub fn manifest(&self) -> Result<VerifiedManifest<'e>> {
        manifest_of(self.head, self.st())
    }
    /// Walks the verified manifest again, handing its items to `visitor`
    /// (see [`Installed::visit_manifest`]).
    pub fn visit_manifest(&self, visitor: &mut dyn ManifestVisitor) -> Result<()> {
        visit(self.head, self.st(), visitor)
    }
    /// Length the whole bundle file must have, in bytes.
    pub fn bundle_len(&self) -> u64 {
        self.st().bundle_len
    }
    /// Length of the head, in bytes.
    pub fn head_len(&self) -> usize {
        self.head.len()
    }
    /// Number of artifacts.
    pub fn artifact_count(&self) -> usize {
        usize::from(self.st().ix.n_artifacts)
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
    /// Re-attaches a kept state to its head. `head` must be the buffer
    /// (same address and length) the state was verified from. Its contents
    /// are not trusted: everything read from it again is re-authenticated.
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
    /// Artifact `index`'s record, read from the head and authenticated
    /// against the tree hash kept at verification, and its payload offset
    /// in the bundle file. Ascending order costs about `log2(n)` record
    /// reads each; a jump costs one pass over the records.
    pub fn artifact(&mut self, index: usize) -> Result<(ArtifactRecord, u64)> {
        let head = self.head;
        let st = self.st.borrow_mut();
        let table = Table {
            doc: manifest_doc(head, st)?,
            records_off: st.records_off,
            n: st.ix.n_artifacts,
            root: st.records_root,
            head_len: st.head_len as u64,
        };
        table.authenticate(&mut st.path, index)
    }

    /// Offset of artifact `index`'s payload in the bundle file, in bytes.
    pub fn payload_offset(&mut self, index: usize) -> Result<u64> {
        Ok(self.artifact(index)?.1)
    }

    /// Takes in the artifacts `other` has verified. `other` must be a
    /// session of the same head (the same buffer) that verified to the same
    /// state, such as one resumed from a copy of this session's state: a
    /// host checks payloads on several threads,
    /// each with its own verifier and a session resumed from one verified
    /// state, and gathers the results into one session to
    /// [`Session::finish`]. Only artifacts that passed
    /// [`Verifier::finish_artifact`] in `other` are marked; anything else is
    /// [`Error::InvalidState`]. Firmware has no use for it (one session).
    pub fn join<T: Borrow<SessionState>>(&mut self, other: &Session<'e, T>) -> Result<()> {
        let mine = self.st.borrow_mut();
        let theirs = other.st.borrow();
        if !same_verification(mine, theirs) {
            return Err(Error::InvalidState);
        }
        // MAX_ARTIFACTS / 64 words.
        for (w, t) in mine.verified.iter_mut().zip(theirs.verified.iter()) {
            *w |= *t;
        }
        Ok(())
    }

    fn mark_all_verified(&mut self, n: usize) {
        // At most MAX_ARTIFACTS iterations.
        for i in 0..n.min(MAX_ARTIFACTS) {
            self.mark_verified(i);
        }
    }

    fn mark_verified(&mut self, index: usize) {
        if let Some(w) = self.st.borrow_mut().verified.get_mut(index / 64) {
            *w |= 1u64 << (index % 64);
        }
    }
}

/// Whether two states come from the same verification of the same head:
/// every field equal but what checking artifacts changes (the artifacts
/// verified and the cached path through the record tree). Every
/// field is named, so a new one has to be decided here.
fn same_verification(a: &SessionState, b: &SessionState) -> bool {
    let SessionState {
        live,
        head_addr,
        head_len,
        manifest_off,
        manifest_len,
        ix,
        digest,
        records_off,
        records_root,
        path: _,
        root_version,
        new_root,
        signers,
        config,
        ecu_entry,
        floors,
        bundle_len,
        generation,
        verified: _,
    } = a;
    *live
        && b.live
        && *head_addr == b.head_addr
        && *head_len == b.head_len
        && *manifest_off == b.manifest_off
        && *manifest_len == b.manifest_len
        && *ix == b.ix
        && *digest == b.digest
        && *records_off == b.records_off
        && *records_root == b.records_root
        && *root_version == b.root_version
        && *new_root == b.new_root
        && *signers == b.signers
        && *config == b.config
        && *ecu_entry == b.ecu_entry
        && *floors == b.floors
        && *bundle_len == b.bundle_len
        && *generation == b.generation
}

/// A reader of any kind (also `dyn ReadAt`) as a sized one.
struct Unsized<'r, R: ReadAt + ?Sized>(&'r mut R);

impl<R: ReadAt + ?Sized> ReadAt for Unsized<'_, R> {
    fn len(&self) -> u64 {
        self.0.len()
    }
    fn read_exact_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
    ) -> core::result::Result<(), crate::bundle::ReadFailure> {
        self.0.read_exact_at(offset, buf)
    }
}

/// Copies the root envelope `r` locates in `head` into `out`; the copy
/// must hash, document and whole envelope, to what was verified.
fn copy_root(head: &[u8], r: &NewRoot, out: &mut [u8]) -> Result<usize> {
    let s = usize::try_from(r.off).map_err(|_| Error::InvalidState)?;
    let len = usize::try_from(r.len).map_err(|_| Error::InvalidState)?;
    let src = head
        .get(s..s.saturating_add(len))
        .ok_or(Error::InvalidState)?;
    let dst = out.get_mut(..len).ok_or(Error::BufferTooSmall)?;
    crate::wire::copy_exact(dst, src)?;
    let whole = crate::hash::sha256(dst);
    let env = Envelope::parse(dst)?;
    let digest = crate::hash::sha256(env.doc());
    if env.doc_type() != DocType::Root || digest != r.digest || whole != r.envelope {
        return Err(Error::InputChanged);
    }
    Ok(len)
}

/// Where a whole bundle's payloads are read from.
enum Source<'s> {
    /// The bundle in memory (or memory-mapped flash): hashed in place.
    Bytes(&'s [u8]),
    /// A reader, through a chunk buffer of at least [`MIN_READ_CHUNK`] bytes.
    Reader(&'s mut dyn ReadAt, &'s mut [u8]),
}

/// Hashes each payload as the walk over the manifest copy reaches its
/// record (see [`Verifier::payloads`]).
struct Payloads<'g, 's, E: Sha256Engine> {
    engine: &'g mut E,
    verity: Option<&'static VerityOps>,
    src: Source<'s>,
    layout: crate::bundle::Layout,
    /// End of what was checked so far in the bundle file.
    pos: u64,
    count: usize,
}

impl<E: Sha256Engine> Payloads<'_, '_, E> {
    /// Reads the bundle bytes `from..to` into `feed`.
    fn range(&mut self, from: u64, to: u64, mut feed: Feed<'_>) -> Result<()> {
        let mut pos = from;
        // One read per chunk: bounded by to - from.
        while pos < to {
            let buf: &[u8] = match &mut self.src {
                Source::Bytes(b) => slice_at(b, pos, to)?,
                Source::Reader(r, chunk) => {
                    let n = chunk_len(to.saturating_sub(pos), chunk.len());
                    let buf = chunk.get_mut(..n).ok_or(Error::BufferTooSmall)?;
                    r.read_exact_at(pos, buf).map_err(|_| Error::Read)?;
                    buf
                }
            };
            match &mut feed {
                Feed::Flat => engine_err(self.engine.update(buf))?,
                Feed::Verity(h, ops) => (ops.update)(h, &mut *self.engine, buf)?,
                Feed::Zeros if buf.iter().any(|&x| x != 0) => return Err(Error::Malformed),
                Feed::Zeros => {}
            }
            pos = pos.saturating_add(buf.len() as u64);
        }
        Ok(())
    }
}

impl<E: Sha256Engine> ManifestVisitor for Payloads<'_, '_, E> {
    fn artifact(&mut self, _index: usize, a: &crate::doc::Artifact<'_>) -> Result<()> {
        let offset = self.layout.place(a.size)?;
        let end = offset.checked_add(a.size).ok_or(Error::LimitExceeded)?;
        // Padding: fewer than PAYLOAD_ALIGN bytes, all zero.
        self.range(self.pos, offset, Feed::Zeros)?;
        let got = match &a.verity {
            None => {
                engine_err(self.engine.start())?;
                self.range(offset, end, Feed::Flat)?;
                let mut got = [0u8; 32];
                engine_err(self.engine.finish(&mut got))?;
                got
            }
            Some(v) => self.verity_payload(offset, end, v)?,
        };
        if got != a.digest {
            return Err(Error::ArtifactDigestMismatch);
        }
        self.pos = end;
        self.count = self.count.saturating_add(1);
        Ok(())
    }
}

impl<E: Sha256Engine> Payloads<'_, '_, E> {
    /// The fs-verity digest of payload bytes `from..to`. Not inlined: the
    /// hasher's levels take stack only while a verity payload is checked.
    #[inline(never)]
    fn verity_payload(&mut self, from: u64, to: u64, v: &crate::doc::Verity<'_>) -> Result<Digest> {
        let ops = self.verity.ok_or(Error::VerityNotAccepted)?;
        let mut h = (ops.begin)(v, to.saturating_sub(from))?;
        self.range(from, to, Feed::Verity(&mut h, ops))?;
        (ops.finish)(h, &mut *self.engine)
    }
}

/// What [`Payloads::range`] does with the bytes it reads.
enum Feed<'h> {
    /// Requires them to be zero (padding between payloads).
    Zeros,
    /// Hashes them in the engine (a flat digest).
    Flat,
    /// Feeds them to an fs-verity tree.
    Verity(&'h mut crate::verity::Hasher, &'static VerityOps),
}

/// Collects the components of a manifest walk for the identity record.
struct Components {
    items: heapless::Vec<(IdString, IdString, u8), MAX_COMPONENTS, u8>,
    version: IdString,
}

impl ManifestVisitor for Components {
    fn head(&mut self, h: &ManifestHead<'_>) -> Result<()> {
        self.version = id_string(h.version)?;
        Ok(())
    }
    fn component(&mut self, _index: usize, c: &ComponentHead<'_>) -> Result<()> {
        self.items
            .push((id_string(c.family)?, id_string(c.version)?, c.stage))
            .map_err(|_| Error::LimitExceeded)
    }
}

/// Collects one ECU entry's models for a configuration binding.
struct EcuModels {
    entry: usize,
    allowed: heapless::Vec<Digest, MAX_ECU_MODELS, u8>,
}

impl ManifestVisitor for EcuModels {
    fn ecu_model(&mut self, ecu: usize, m: &ModelRef<'_>) -> Result<()> {
        if ecu == self.entry {
            self.allowed
                .push(m.manifest_digest)
                .map_err(|_| Error::LimitExceeded)?;
        }
        Ok(())
    }
}

/// Finds one parameter set's digest by index.
struct ParameterDigest {
    index: usize,
    found: Option<Digest>,
}

impl ManifestVisitor for ParameterDigest {
    fn parameter_set(&mut self, index: usize, p: &ParameterSet<'_>) -> Result<()> {
        if index == self.index {
            self.found = Some(p.digest);
        }
        Ok(())
    }
    fn system_config(&mut self, _h: &SystemConfigHead<'_>) -> Result<()> {
        Ok(())
    }
}

impl<'e, S: Borrow<SessionState>> Installed<'e, S> {
    fn st(&self) -> &SessionState {
        self.st.borrow()
    }
    /// The head this verification read (the start of the work buffer or of
    /// the bundle): what a kept state re-attaches to with
    /// [`Installed::resume`].
    pub fn head_bytes(&self) -> &'e [u8] {
        self.head
    }
    /// The state, to keep without the borrow (C contexts).
    pub fn state(&self) -> &SessionState {
        self.st()
    }
    /// The state, giving up the borrow of the head.
    pub fn into_state(self) -> S {
        self.st
    }
    /// Re-attaches a kept state to its head, under the same terms as
    /// [`Session::resume`]; the state must be one whose every artifact verified.
    pub fn resume(head: &'e [u8], state: S) -> Result<Self> {
        Session::resume(head, state)?.finish()
    }

    /// The verified manifest as a view for host tools, after checking the
    /// head still hashes to the signed digest. The view decodes lazily from
    /// the head: sound for memory nobody else writes (what a Rust `&[u8]`
    /// promises), not for memory shared with C or other bus masters — use
    /// [`Installed::visit_manifest`] and the copying accessors there.
    pub fn manifest(&self) -> Result<VerifiedManifest<'e>> {
        manifest_of(self.head, self.st())
    }
    /// Walks the verified manifest again over a copy of its bytes, handing
    /// every item to `visitor`. The items are not yet authenticated while
    /// the visitor sees them: keep copies, and use them only if this returns
    /// `Ok` (the copy hashed to the signed digest); otherwise
    /// [`Error::InputChanged`].
    pub fn visit_manifest(&self, visitor: &mut dyn ManifestVisitor) -> Result<()> {
        visit(self.head, self.st(), visitor)
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
    /// The counter floors the device must persist: the policy's floors,
    /// with any re-base the root chain applied, and this bundle's role's
    /// floor raised to its counter. The other role's floor is never moved
    /// by this bundle.
    pub fn floors(&self) -> Floors {
        self.st().floors
    }
    /// The floor of this bundle's own role (see [`Installed::floors`]).
    pub fn counter_floor(&self) -> u64 {
        self.st().floors.of(self.st().ix.kind)
    }
    /// Version of the trust root in force after this bundle.
    pub fn root_version(&self) -> u32 {
        self.st().root_version
    }
    /// Length of the newest root envelope the bundle carried; `None` when
    /// no rotation.
    pub fn new_root_len(&self) -> Option<usize> {
        self.st().new_root.and_then(|r| usize::try_from(r.len).ok())
    }
    /// Copies the newest root envelope the bundle carried into `out` (the
    /// device must persist it and use it as its root from now on) and
    /// returns its length; `Ok(0)` when no rotation. The copy must hash,
    /// document and whole envelope, to what was verified
    /// ([`Error::InputChanged`] otherwise). On error, `out` may hold a
    /// partial copy that must not be used.
    pub fn copy_new_root(&self, out: &mut [u8]) -> Result<usize> {
        match self.st().new_root {
            None => Ok(0),
            Some(r) => copy_root(self.head, &r, out),
        }
    }

    /// Key ids of the keys whose signatures counted, in role order: at
    /// least the threshold; these keys signed, others may have too (see
    /// [`check_threshold`]).
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
        let mut models = EcuModels {
            entry,
            allowed: heapless::Vec::new(),
        };
        self.visit_manifest(&mut models)?;
        Ok(ConfigBinding {
            digest: config.digest,
            config_id: config.config_id.clone(),
            config_version: config.config_version.clone(),
            allowed: models.allowed,
        })
    }

    /// For a system-configuration bundle: the signed SHA-256 of parameter
    /// set `index` (in manifest order).
    pub fn parameter_set_digest(&self, index: usize) -> Result<Digest> {
        if self.st().ix.kind != BundleKind::SystemConfig {
            return Err(Error::WrongKind);
        }
        let mut p = ParameterDigest { index, found: None };
        self.visit_manifest(&mut p)?;
        p.found.ok_or(Error::NoSuchArtifact)
    }

    /// Checks parameter data the firmware loaded against parameter set
    /// `index`'s signed digest: [`Error::ArtifactDigestMismatch`] if it
    /// differs.
    pub fn check_parameter_set(&self, index: usize, data: &[u8]) -> Result<()> {
        let want = self.parameter_set_digest(index)?;
        let got = crate::hash::sha256(data);
        if got == want {
            Ok(())
        } else {
            Err(Error::ArtifactDigestMismatch)
        }
    }

    /// Encodes the identity record into `out` (at most
    /// [`crate::limits::MAX_IDENTITY_LEN`] bytes); returns its length.
    pub fn encode_identity<H: Sha256Engine + ?Sized>(
        &self,
        engine: &mut H,
        out: &mut [u8],
    ) -> Result<usize> {
        let mut c = Components {
            items: heapless::Vec::new(),
            version: IdString::new(),
        };
        self.visit_manifest(&mut c)?;
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
                version: c.version.as_str(),
                root_version: self.st().root_version,
            },
            config.as_ref(),
            c.items.iter().map(|(f, v, s)| identity::ComponentId {
                family: f.as_str(),
                version: v.as_str(),
                stage: *s,
            }),
            &self.st().signers,
        )
    }
}
