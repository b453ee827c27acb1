//! SHA-256 engines that use CPU instructions directly, for the places
//! where the `sha2` crate's one-computation-at-a-time interface leaves
//! speed unused.
//!
//! [`NativeSha256`] is the built-in engine ([`SoftSha256`]) plus
//! [`Sha256Engine::digest_two`] on x86-64 CPUs with the SHA extensions:
//! the two computations are interleaved round by round, so that one
//! computation's SHA instructions run while the other's wait for their
//! results. fs-verity's data blocks are independent of each other, and
//! verify on read hashes them in pairs through this call (Linux's
//! fs-verity does the same). Elsewhere, and for inputs that are not whole
//! SHA-256 blocks, it is [`SoftSha256`].
//!
//! This crate holds unsafe code (the loads of the x86 intrinsics), which
//! is why it lives under `ffi/` with the C boundary: the verifier core has
//! none.
#![no_std]
#![deny(missing_docs)]
// The C layer's denials (ffi/src/lib.rs): nothing here may panic.
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
    )
)]

use modelseal_core::hash::EngineFailure;
use modelseal_core::{Digest, Sha256Engine, SoftSha256};

#[cfg(target_arch = "x86_64")]
mod x86;

/// The built-in SHA-256 engine, with two-at-once hashing where the CPU
/// allows it (see the crate docs).
#[derive(Clone, Debug, Default)]
pub struct NativeSha256 {
    soft: SoftSha256,
}

impl NativeSha256 {
    /// A fresh engine (detects the CPU's features the first time).
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether [`Sha256Engine::digest_two`] runs its two computations at
    /// once on this CPU.
    pub fn interleaves() -> bool {
        #[cfg(target_arch = "x86_64")]
        {
            x86::available()
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    }
}

/// Bytes of one SHA-256 input block.
const BLOCK: usize = 64;

impl Sha256Engine for NativeSha256 {
    fn start(&mut self) -> Result<(), EngineFailure> {
        self.soft.start()
    }
    fn update(&mut self, data: &[u8]) -> Result<(), EngineFailure> {
        self.soft.update(data)
    }
    fn finish(&mut self, out: &mut Digest) -> Result<(), EngineFailure> {
        self.soft.finish(out)
    }
    fn digest_two(
        &mut self,
        prefix: &[u8],
        a: &[u8],
        b: &[u8],
        out: &mut [Digest; 2],
    ) -> Result<(), EngineFailure> {
        let whole = |n: usize| n.is_multiple_of(BLOCK);
        if a.len() == b.len() && whole(a.len()) && whole(prefix.len()) && Self::interleaves() {
            two_at_once(prefix, a, b, out);
            return Ok(());
        }
        let [oa, ob] = out;
        for (m, o) in [(a, oa), (b, ob)] {
            self.soft.start()?;
            self.soft.update(prefix)?;
            self.soft.update(m)?;
            self.soft.finish(o)?;
        }
        Ok(())
    }
}

/// `SHA-256(prefix || a)` and `SHA-256(prefix || b)`, all three whole
/// blocks and `a`, `b` of one length, on a CPU [`x86::available`] found
/// able.
#[cfg(target_arch = "x86_64")]
fn two_at_once(prefix: &[u8], a: &[u8], b: &[u8], out: &mut [Digest; 2]) {
    // The prefix is common: compressed once.
    let mut h = modelseal_core::hash::SHA256_IV;
    let mut rest = prefix;
    // One block per round: bounded by the prefix's length.
    while let Some((blk, tail)) = rest.split_first_chunk::<BLOCK>() {
        sha2::block_api::compress256(&mut h, core::slice::from_ref(blk));
        rest = tail;
    }
    let mut s = [h, h];
    x86::compress_two(&mut s, a, b);
    // The padding block: 0x80, zeros, the bit length (the same for both).
    let len = (prefix.len() as u64).saturating_add(a.len() as u64);
    let mut pad = [0u8; BLOCK];
    for (d, v) in pad
        .iter_mut()
        .rev()
        .zip(len.saturating_mul(8).to_le_bytes())
    {
        *d = v;
    }
    if let Some(first) = pad.first_mut() {
        *first = 0x80;
    }
    x86::compress_two(&mut s, &pad, &pad);
    for (o, st) in out.iter_mut().zip(s) {
        for (d, v) in o.iter_mut().zip(st.iter().flat_map(|w| w.to_be_bytes())) {
            *d = v;
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn two_at_once(_: &[u8], _: &[u8], _: &[u8], _: &mut [Digest; 2]) {}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use sha2::Digest as _;
    use std::vec::Vec;

    fn reference(prefix: &[u8], m: &[u8]) -> Digest {
        sha2::Sha256::new()
            .chain_update(prefix)
            .chain_update(m)
            .finalize()
            .into()
    }

    #[test]
    fn pairs_match_sha2_at_every_shape() {
        let data: Vec<u8> = (0..100_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let salt: Vec<u8> = (0..64u8).collect();
        let mut e = NativeSha256::new();
        // Whole blocks (the interleaved path where the CPU has it), and
        // lengths that are not (the serial path).
        for len in [
            0usize, 1, 55, 56, 63, 64, 65, 128, 1000, 1024, 4096, 4097, 8192, 65_536,
        ] {
            for prefix in [&salt[..0], &salt[..], &salt[..13]] {
                let (a, b) = (&data[..len], &data[len / 3 + 1..len / 3 + 1 + len]);
                let mut out = [[0u8; 32]; 2];
                e.digest_two(prefix, a, b, &mut out).unwrap();
                assert_eq!(
                    out[0],
                    reference(prefix, a),
                    "len {len}, prefix {}",
                    prefix.len()
                );
                assert_eq!(
                    out[1],
                    reference(prefix, b),
                    "len {len}, prefix {}",
                    prefix.len()
                );
            }
        }
        // Two lengths: the serial path.
        let mut out = [[0u8; 32]; 2];
        e.digest_two(b"", &data[..128], &data[..64], &mut out)
            .unwrap();
        assert_eq!(
            out,
            [reference(b"", &data[..128]), reference(b"", &data[..64])]
        );
        // The one-at-a-time calls are the built-in engine's.
        let mut d = [0u8; 32];
        e.start().unwrap();
        e.update(&data[..1000]).unwrap();
        e.finish(&mut d).unwrap();
        assert_eq!(d, reference(b"", &data[..1000]));
    }

    #[test]
    fn this_machine_says_whether_it_interleaves() {
        #[cfg(target_arch = "x86_64")]
        assert_eq!(
            NativeSha256::interleaves(),
            std::is_x86_feature_detected!("sha")
                && std::is_x86_feature_detected!("ssse3")
                && std::is_x86_feature_detected!("sse4.1")
        );
    }
}
