//! What lives inside a caller-allocated `modelseal_verifier`: the core
//! verifier and where the verification stands.
//!
//! The core's borrowing types (`Session`, `Installed`) cannot be kept in C
//! memory between calls, so the context keeps their borrow-free state and
//! the address of the head they came from, and re-attaches the two on every
//! call (`Session::resume` checks address and length). A failed step never
//! leaves a half-made state: the phase only moves forward on success, and
//! an artifact check that failed is over.

use crate::consts::{MODELSEAL_VERIFIER_ALIGN, MODELSEAL_VERIFIER_SIZE};
use crate::engine::Engine;
use crate::status::{Status, modelseal_status};
use crate::types::modelseal_verifier;
use modelseal_core::bundle::{ReadAt, ReadFailure};
use modelseal_core::{ArtifactCheck, Installed, Session, SessionState, Verifier};

/// Marks an initialised context ("MSEALCTX" read as a little-endian u64).
const MAGIC: u64 = u64::from_le_bytes(*b"MSEALCTX");

/// A buffer the caller lent: a bundle head (or a whole bundle in memory).
#[derive(Clone, Copy)]
pub(crate) struct Lent {
    ptr: *const u8,
    len: usize,
}

impl Lent {
    pub(crate) fn of(s: &[u8]) -> Self {
        Self {
            ptr: s.as_ptr(),
            len: s.len(),
        }
    }

    /// The lent bytes again.
    fn get(&self) -> &'static [u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `ptr`/`len` were taken from a slice the caller lent to
        // `modelseal_verifier_verify_head`, `_verify_bundle` or
        // `_verify_bundle_bytes`, whose contract requires those bytes to stay
        // valid and unchanged until the context is initialised again or
        // verifies another bundle, which replaces this value. The 'static
        // lifetime never escapes the call that re-creates it.
        unsafe { core::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// Where the verification stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Initialised; no bundle head verified.
    Ready,
    /// A head verified; artifacts are being checked.
    Head,
    /// As `Head`, with one artifact check in progress.
    Artifact,
    /// Every artifact verified: the identity may be read.
    Installed,
}

/// The contents of a `modelseal_verifier`. The session state is kept in
/// place (not inside the phase) so that moving between phases never copies
/// it: that keeps the stack of every call small.
#[repr(C)]
pub(crate) struct Ctx {
    /// [`MAGIC`] once initialised; first, at offset 0, so it can be checked
    /// before anything else is read.
    magic: u64,
    verifier: Verifier<Engine>,
    phase: Phase,
    /// The lent head (meaningful unless `Ready`).
    head: Lent,
    /// The session's state (meaningful unless `Ready`), written in place by
    /// the core and never copied.
    state: SessionState,
    /// What the current phase holds: the artifact check in progress
    /// (`Artifact`), or after `verify_bundle` refused a work buffer as too
    /// small, the length that bundle needs. One field for both (they never
    /// coexist), so the answer costs the context no room.
    held: Held,
}

/// What a context holds beside its session state.
#[allow(clippy::large_enum_variant)] // it lives in the caller's context, never moved about
enum Held {
    /// Nothing.
    Nothing,
    /// The artifact check in progress.
    Check(ArtifactCheck),
    /// The work-buffer length a refused bundle needs.
    WorkNeeded(usize),
}

// The context fits the storage the header declares, at its alignment.
const _: () = assert!(size_of::<Ctx>() <= MODELSEAL_VERIFIER_SIZE);
const _: () = assert!(align_of::<Ctx>() <= MODELSEAL_VERIFIER_ALIGN);
const _: () = assert!(size_of::<modelseal_verifier>() == MODELSEAL_VERIFIER_SIZE);
const _: () = assert!(align_of::<modelseal_verifier>() == MODELSEAL_VERIFIER_ALIGN);

/// What a bundle whose work buffer the core refused needs:
/// `MODELSEAL_WORK_BUF_LEN(head_len)`. The core refuses a buffer as too
/// small in two places only: once the bundle's header is in the buffer's
/// first 16 bytes and parses, or before reading anything, when the buffer
/// cannot hold the header's bytes; then they are read here into 16 bytes of
/// our own (the only read of them). A header that does not parse needs no
/// more than its own bytes to be judged. Never inlined, and cold: its frame
/// exists on this refusal only, not under the boot check.
#[inline(never)]
#[cold]
fn work_len_needed(reader: &mut Reader, work: &[u8]) -> usize {
    use modelseal_core::bundle::BundleHeader;
    use modelseal_core::limits::{BUNDLE_HEADER_LEN, MIN_READ_CHUNK};
    let first = usize::try_from(reader.len).map_or(BUNDLE_HEADER_LEN, |l| l.min(BUNDLE_HEADER_LEN));
    let mut own = [0u8; BUNDLE_HEADER_LEN];
    let header = match work.get(..first) {
        Some(h) => h,
        None => {
            let Some(h) = own.get_mut(..first) else {
                return first;
            };
            if reader.read_exact_at(0, h).is_err() {
                return first;
            }
            h
        }
    };
    BundleHeader::parse(header).map_or(first, |h| h.head_len().saturating_add(MIN_READ_CHUNK))
}

/// A bundle source over the caller's read callback.
pub(crate) struct Reader {
    pub(crate) read:
        unsafe extern "C" fn(*mut core::ffi::c_void, u64, *mut u8, usize) -> core::ffi::c_int,
    pub(crate) user: *mut core::ffi::c_void,
    pub(crate) len: u64,
}

impl ReadAt for Reader {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ReadFailure> {
        // The callback is never asked for nothing (its documented contract):
        // a bundle of length 0, or a head without envelopes, reads no bytes.
        if buf.is_empty() {
            return Ok(());
        }
        // SAFETY: `read` and `user` come from the caller of
        // `modelseal_verifier_verify_bundle` under its contract; `buf` is a
        // live, exclusive slice, valid for `buf.len()` bytes of writing
        // during the call.
        let rc = unsafe { (self.read)(self.user, offset, buf.as_mut_ptr(), buf.len()) };
        if rc == 0 { Ok(()) } else { Err(ReadFailure) }
    }
}

impl Ctx {
    /// Writes a ready context holding `verifier` into `p`.
    ///
    /// # Safety
    /// `p` comes from [`Ctx::storage`] and points at
    /// `MODELSEAL_VERIFIER_SIZE` bytes the caller owns.
    pub(crate) unsafe fn init_at(p: *mut Self, verifier: Verifier<Engine>) {
        // SAFETY: `p` is non-NULL and aligned (checked by `storage`) and the
        // storage holds a whole `Ctx` (compile-time assertion). Fields are
        // written one by one, so no whole `Ctx` is built on the stack; `write`
        // neither reads nor drops the old contents (which may be
        // uninitialised; a `Ctx` owns no resources, so nothing leaks). The
        // magic comes last: until then the storage is not a context.
        unsafe {
            core::ptr::addr_of_mut!((*p).verifier).write(verifier);
            core::ptr::addr_of_mut!((*p).phase).write(Phase::Ready);
            core::ptr::addr_of_mut!((*p).head).write(Lent::of(&[]));
            core::ptr::addr_of_mut!((*p).state).write(SessionState::empty());
            core::ptr::addr_of_mut!((*p).held).write(Held::Nothing);
            core::ptr::addr_of_mut!((*p).magic).write(MAGIC);
        }
    }

    /// Makes the storage at `p` no context: every call but
    /// `modelseal_verifier_init` answers `InvalidState` until an init
    /// succeeds. Run first by every init, so a refused one leaves nothing of
    /// an earlier context usable.
    ///
    /// # Safety
    /// As for [`Ctx::init_at`].
    pub(crate) unsafe fn invalidate_at(p: *mut Self) {
        // SAFETY: `p` is non-NULL and aligned (checked by `storage`) and the
        // caller owns the storage, which holds a whole `Ctx` (compile-time
        // assertion); `magic` is a u64 at offset 0, writable whatever the
        // storage held. Volatile, as `initialised` reads it.
        unsafe { core::ptr::addr_of_mut!((*p).magic).write_volatile(0) }
    }

    /// Where a new context is written by `modelseal_verifier_init`: a
    /// checked, aligned pointer to the storage (not yet a valid `Ctx`).
    pub(crate) fn storage(p: *mut modelseal_verifier) -> Status<*mut Self> {
        if p.is_null() {
            return Err(modelseal_status::NullArgument);
        }
        let c = p.cast::<Self>();
        if !c.is_aligned() {
            return Err(modelseal_status::MisalignedContext);
        }
        Ok(c)
    }

    /// Checks that `p` is a usable pointer to an initialised context.
    ///
    /// # Safety
    /// A non-NULL, aligned `p` must point at `MODELSEAL_VERIFIER_SIZE`
    /// readable bytes.
    unsafe fn initialised(p: *const modelseal_verifier) -> Status<*const Self> {
        let c = Self::storage(p.cast_mut())?.cast_const();
        // SAFETY: `c` is non-NULL and aligned for `Ctx` (checked above) and
        // points at enough bytes (precondition; `Ctx` fits the storage by the
        // compile-time assertions). `magic` is a u64 at offset 0 of a
        // repr(C) struct, and any bytes are a valid u64.
        let magic = unsafe { core::ptr::addr_of!((*c).magic).read_volatile() };
        if magic != MAGIC {
            // Never initialised (or overwritten): nothing else is read.
            return Err(modelseal_status::InvalidState);
        }
        Ok(c)
    }

    /// The initialised context at `p`.
    ///
    /// # Safety
    /// A non-NULL, aligned `p` must point at `MODELSEAL_VERIFIER_SIZE`
    /// bytes the caller owns, used by nobody else during 'a.
    pub(crate) unsafe fn from_ptr<'a>(p: *mut modelseal_verifier) -> Status<&'a mut Self> {
        // SAFETY: forwarded precondition.
        let c = unsafe { Self::initialised(p) }?;
        // SAFETY: the magic is only ever written by `modelseal_verifier_init`,
        // together with a whole valid `Ctx`; exclusivity for 'a is the
        // precondition.
        Ok(unsafe { &mut *c.cast_mut() })
    }

    /// The initialised context at `p`, shared.
    ///
    /// # Safety
    /// As for [`Ctx::from_ptr`], except that others may read (not write) the
    /// context during 'a.
    pub(crate) unsafe fn from_const<'a>(p: *const modelseal_verifier) -> Status<&'a Self> {
        // SAFETY: forwarded precondition.
        let c = unsafe { Self::initialised(p) }?;
        // SAFETY: as in `from_ptr`; no writer during 'a by the precondition.
        Ok(unsafe { &*c })
    }

    /// Forgets any verification in progress or done.
    fn reset(&mut self) {
        self.phase = Phase::Ready;
        self.held = Held::Nothing;
    }

    /// Accepts fs-verity digests from now on; forgets any verification in
    /// progress or done (it was judged without them).
    pub(crate) fn accept_verity(&mut self) {
        self.reset();
        self.verifier.accept_verity();
    }

    /// Verifies a bundle head.
    pub(crate) fn verify_head(&mut self, head: &'static [u8]) -> Status<()> {
        self.reset();
        self.verifier.verify_head_into(head, &mut self.state)?;
        self.head = Lent::of(head);
        self.phase = Phase::Head;
        Ok(())
    }

    /// Runs `f` on the session of the verified head, re-attached to its
    /// head over the state kept in place (sequential lookups move its
    /// cursor). On failure any artifact check in progress is over.
    fn with_session<T>(
        &mut self,
        f: impl FnOnce(&mut Verifier<Engine>, &mut Session<'static, &mut SessionState>) -> Status<T>,
    ) -> Status<T> {
        if !matches!(self.phase, Phase::Head | Phase::Artifact) {
            return Err(modelseal_status::InvalidState);
        }
        let mut session = Session::resume(self.head.get(), &mut self.state)?;
        let r = f(&mut self.verifier, &mut session);
        if r.is_err() {
            self.held = Held::Nothing;
            self.phase = Phase::Head;
        }
        r
    }

    /// Starts checking artifact `index` (its plaintext when `plaintext`).
    pub(crate) fn begin(&mut self, index: usize, plaintext: bool) -> Status<()> {
        let check = self.with_session(|v, s| {
            Ok(if plaintext {
                v.begin_plaintext(s, index)?
            } else {
                v.begin_artifact(s, index)?
            })
        })?;
        self.held = Held::Check(check);
        self.phase = Phase::Artifact;
        Ok(())
    }

    /// Feeds the artifact check.
    pub(crate) fn update(&mut self, data: &[u8]) -> Status<()> {
        let (Phase::Artifact, Held::Check(check)) = (self.phase, &mut self.held) else {
            return Err(modelseal_status::InvalidState);
        };
        if let Err(e) = self.verifier.update_artifact(check, data) {
            // A check that refused bytes can never succeed afterwards.
            self.held = Held::Nothing;
            self.phase = Phase::Head;
            return Err(e.into());
        }
        Ok(())
    }

    /// Ends the artifact check; it is over whatever the answer.
    pub(crate) fn finish_artifact(&mut self) -> Status<()> {
        if self.phase != Phase::Artifact {
            return Err(modelseal_status::InvalidState);
        }
        let Held::Check(check) = core::mem::replace(&mut self.held, Held::Nothing) else {
            return Err(modelseal_status::InvalidState);
        };
        self.phase = Phase::Head;
        self.with_session(|v, s| Ok(v.finish_artifact(s, check)?))
    }

    /// Ends the session: every artifact must have verified.
    pub(crate) fn finish(&mut self) -> Status<()> {
        if self.phase != Phase::Head {
            return Err(modelseal_status::InvalidState);
        }
        // The installed state is the session's state, already in place.
        Session::resume(self.head.get(), &self.state)?.finish()?;
        self.phase = Phase::Installed;
        Ok(())
    }

    /// Verifies a whole bundle through `reader`, with `work` as head and
    /// read buffer.
    pub(crate) fn verify_bundle(
        &mut self,
        reader: &mut Reader,
        work: &'static mut [u8],
    ) -> Status<()> {
        self.reset();
        match self
            .verifier
            .verify_bundle_into(reader, &mut *work, &mut self.state)
        {
            Ok(installed) => {
                self.head = Lent::of(installed.head_bytes());
                self.phase = Phase::Installed;
                Ok(())
            }
            Err(modelseal_core::Error::BufferTooSmall) => {
                self.held = Held::WorkNeeded(work_len_needed(reader, work));
                Err(modelseal_status::BufferTooSmall)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The work-buffer length the bundle that `verify_bundle` last refused
    /// as too small needs.
    pub(crate) fn work_len_needed(&self) -> Status<usize> {
        match self.held {
            Held::WorkNeeded(n) if n > 0 => Ok(n),
            _ => Err(modelseal_status::InvalidState),
        }
    }

    /// Verifies a whole bundle held in memory.
    pub(crate) fn verify_bundle_bytes(&mut self, bundle: &'static [u8]) -> Status<()> {
        self.reset();
        let head = self
            .verifier
            .verify_bundle_bytes_into(bundle, &mut self.state)?
            .head_bytes();
        self.installed_at(head);
        Ok(())
    }

    /// Keeps the head the core verified (in the work buffer or the bundle),
    /// as the core returned it: nothing is parsed again. `Installed::resume`
    /// re-checks its address and length on every later use.
    fn installed_at(&mut self, head: &'static [u8]) {
        self.head = Lent::of(head);
        self.phase = Phase::Installed;
    }

    /// The verified bundle, once every artifact verified.
    pub(crate) fn installed(&self) -> Status<Installed<'static, &SessionState>> {
        if self.phase != Phase::Installed {
            return Err(modelseal_status::InvalidState);
        }
        Ok(Installed::resume(self.head.get(), &self.state)?)
    }

    /// The verified session (head verified; artifacts may be pending), read
    /// only: the accessors behind it take a `const` context.
    pub(crate) fn with_verified_head<T>(
        &self,
        f: impl FnOnce(&Session<'static, &SessionState>) -> Status<T>,
    ) -> Status<T> {
        if !matches!(self.phase, Phase::Head | Phase::Artifact) {
            return Err(modelseal_status::InvalidState);
        }
        f(&Session::resume(self.head.get(), &self.state)?)
    }

    /// The verified session, with its record cursor moving (authenticated
    /// artifact lookups keep the sibling hashes of the last one).
    pub(crate) fn with_verified_head_mut<T>(
        &mut self,
        f: impl FnOnce(&mut Session<'static, &mut SessionState>) -> Status<T>,
    ) -> Status<T> {
        if !matches!(self.phase, Phase::Head | Phase::Artifact) {
            return Err(modelseal_status::InvalidState);
        }
        f(&mut Session::resume(self.head.get(), &mut self.state)?)
    }

    /// How artifact `index`'s digest is made, from its authenticated
    /// record: with a verified head (through the tree of records) or a
    /// verified bundle (through the manifest, re-hashed).
    pub(crate) fn artifact_verity(
        &mut self,
        index: usize,
    ) -> Status<(
        u64,
        modelseal_core::Digest,
        Option<modelseal_core::verity::Params>,
    )> {
        if self.phase == Phase::Installed {
            let i = self.installed()?;
            let m = i.manifest()?;
            if index >= m.artifact_count() {
                return Err(modelseal_status::NoSuchArtifact);
            }
            let a = m.artifact(index)?;
            let v = a
                .verity
                .as_ref()
                .map(modelseal_core::verity::Params::of)
                .transpose()?;
            return Ok((a.size, a.digest, v));
        }
        self.with_verified_head_mut(|s| {
            let (a, _) = s.artifact(index)?;
            Ok((a.size, a.digest, a.verity))
        })
    }

    /// Length of the verified head, in bytes: after `verify_head` or a
    /// whole-bundle verification.
    pub(crate) fn head_len(&self) -> Status<usize> {
        if self.phase == Phase::Ready {
            return Err(modelseal_status::InvalidState);
        }
        Ok(self.head.len)
    }

    /// Applies a root update; ends any session. Copies the root to persist
    /// into `out` and returns its length (0 when nothing is new), the root
    /// version and the floors.
    pub(crate) fn root_update(
        &mut self,
        update: &[u8],
        out: &mut [u8],
    ) -> Status<(usize, u32, modelseal_core::Floors)> {
        self.reset();
        let u = self.verifier.verify_root_update(update)?;
        let n = u.copy_new_root(out)?;
        Ok((n, u.root_version(), u.floors()))
    }

    /// Encodes the identity record of the installed bundle into `out`.
    pub(crate) fn encode_identity(&mut self, out: &mut [u8]) -> Status<usize> {
        if self.phase != Phase::Installed {
            return Err(modelseal_status::InvalidState);
        }
        let installed = Installed::resume(self.head.get(), &self.state)?;
        Ok(installed.encode_identity(self.verifier.engine_mut(), out)?)
    }

    /// Encodes and signs the version report of the installed bundle into `out`.
    pub(crate) fn encode_report(
        &mut self,
        request: &modelseal_core::report::ReportRequest<'_>,
        signer: &mut dyn modelseal_core::report::ReportSigner,
        out: &mut [u8],
    ) -> Status<usize> {
        if self.phase != Phase::Installed {
            return Err(modelseal_status::InvalidState);
        }
        let installed = Installed::resume(self.head.get(), &self.state)?;
        Ok(modelseal_core::report::encode(
            &mut self.verifier,
            &installed,
            request,
            signer,
            out,
        )?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_fits_its_storage() {
        std::println!(
            "context in use: {} of {} bytes, alignment {} of {}",
            size_of::<Ctx>(),
            MODELSEAL_VERIFIER_SIZE,
            align_of::<Ctx>(),
            MODELSEAL_VERIFIER_ALIGN
        );
        assert!(size_of::<Ctx>() <= MODELSEAL_VERIFIER_SIZE);
    }
}
