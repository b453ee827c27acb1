//! The pluggable SHA-256 engine.
//!
//! Every digest the verifier computes (documents, artifacts, key ids) goes
//! through one [`Sha256Engine`], so firmware can route them to a hardware
//! accelerator. The engine holds one computation at a time; the verifier
//! never interleaves two.

use crate::error::{Error, Result};
use crate::limits::DIGEST_LEN;
use sha2::Digest as _;

/// A SHA-256 digest.
pub type Digest = [u8; DIGEST_LEN];

/// The engine reported failure (a hardware fault, a busy accelerator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineFailure;

/// A streaming SHA-256 implementation: `start`, any number of `update`s,
/// `finish`. After `finish` the engine may be started again.
pub trait Sha256Engine {
    /// Begins a new digest, discarding any computation in progress.
    fn start(&mut self) -> core::result::Result<(), EngineFailure>;
    /// Feeds bytes (any length, including zero).
    fn update(&mut self, data: &[u8]) -> core::result::Result<(), EngineFailure>;
    /// Ends the digest and writes it.
    fn finish(&mut self, out: &mut Digest) -> core::result::Result<(), EngineFailure>;
    /// Two digests of independent inputs: `out[0] = SHA-256(prefix || a)`
    /// and `out[1] = SHA-256(prefix || b)`. fs-verity's data blocks are
    /// hashed this way, two at a time. An engine that can run two
    /// computations at once (two channels of an accelerator, or two
    /// interleaved instruction streams) overrides it; this default runs
    /// them one after the other with `start`, `update` and `finish`. On
    /// failure `out` holds nothing to trust.
    fn digest_two(
        &mut self,
        prefix: &[u8],
        a: &[u8],
        b: &[u8],
        out: &mut [Digest; 2],
    ) -> core::result::Result<(), EngineFailure> {
        let [oa, ob] = out;
        for (m, o) in [(a, oa), (b, ob)] {
            self.start()?;
            self.update(prefix)?;
            self.update(m)?;
            self.finish(o)?;
        }
        Ok(())
    }
}

impl<E: Sha256Engine + ?Sized> Sha256Engine for &mut E {
    fn start(&mut self) -> core::result::Result<(), EngineFailure> {
        (**self).start()
    }
    fn update(&mut self, data: &[u8]) -> core::result::Result<(), EngineFailure> {
        (**self).update(data)
    }
    fn finish(&mut self, out: &mut Digest) -> core::result::Result<(), EngineFailure> {
        (**self).finish(out)
    }
    fn digest_two(
        &mut self,
        prefix: &[u8],
        a: &[u8],
        b: &[u8],
        out: &mut [Digest; 2],
    ) -> core::result::Result<(), EngineFailure> {
        (**self).digest_two(prefix, a, b, out)
    }
}

/// The default engine: the `sha2` crate (uses SHA-NI or the ARMv8 SHA2
/// instructions when the CPU has them, a portable implementation otherwise).
#[derive(Clone, Default)]
pub struct SoftSha256 {
    state: sha2::Sha256,
}

impl core::fmt::Debug for SoftSha256 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SoftSha256")
    }
}

impl SoftSha256 {
    /// A fresh engine.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Sha256Engine for SoftSha256 {
    // Reset and finalize in place: no state is built and moved per digest,
    // which shows when digests are short (fs-verity blocks).
    fn start(&mut self) -> core::result::Result<(), EngineFailure> {
        sha2::Digest::reset(&mut self.state);
        Ok(())
    }
    fn update(&mut self, data: &[u8]) -> core::result::Result<(), EngineFailure> {
        self.state.update(data);
        Ok(())
    }
    fn finish(&mut self, out: &mut Digest) -> core::result::Result<(), EngineFailure> {
        *out = self.state.finalize_reset().into();
        Ok(())
    }
}

/// SHA-256's initial chaining value (FIPS 180-4 §5.3.3), for the code that
/// compresses blocks itself: fs-verity's running tree state
/// ([`crate::verity`]) and engines that hash two inputs at once.
pub const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// SHA-256 of `data` with the built-in implementation (for the verifier's
/// own bookkeeping: re-hashing copies, record trees). One function, so the
/// firmware carries one copy of the code.
#[inline(never)]
pub(crate) fn sha256(data: &[u8]) -> Digest {
    sha2::Sha256::digest(data).into()
}

/// Digest of one byte string through `engine`. Never inlined: one copy of
/// the engine calls serves every document digest.
pub fn digest_of<E: Sha256Engine + ?Sized>(engine: &mut E, data: &[u8]) -> Result<Digest> {
    let mut out = [0u8; DIGEST_LEN];
    digest_into(engine, data, &mut out)?;
    Ok(out)
}

/// [`digest_of`] written into `out` (on success only), where the caller
/// keeps it: no digest is returned through the stack and copied.
#[inline(never)]
pub(crate) fn digest_into<E: Sha256Engine + ?Sized>(
    engine: &mut E,
    data: &[u8],
    out: &mut Digest,
) -> Result<()> {
    engine.start().map_err(|_| Error::HashEngine)?;
    engine.update(data).map_err(|_| Error::HashEngine)?;
    engine.finish(out).map_err(|_| Error::HashEngine)
}

/// Key id of a public key: the first [`crate::limits::KEY_ID_LEN`] bytes of
/// its SHA-256. Used for display and in the identity record; the verifier
/// matches signatures by full public key, never by id.
pub fn key_id<E: Sha256Engine + ?Sized>(
    engine: &mut E,
    public_key: &[u8; crate::limits::PUBLIC_KEY_LEN],
) -> Result<crate::KeyId> {
    let d = digest_of(engine, public_key)?;
    let mut id = [0u8; crate::limits::KEY_ID_LEN];
    for (dst, src) in id.iter_mut().zip(d.iter()) {
        *dst = *src;
    }
    Ok(id)
}
