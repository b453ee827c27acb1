//! Two SHA-256 computations interleaved with the x86 SHA extensions
//! (`SHA256RNDS2`, `SHA256MSG1`, `SHA256MSG2`).
//!
//! One computation is a chain: each pair of rounds needs the result of the
//! one before. The two chains here are independent, and each group of four
//! rounds issues both, so the CPU's SHA unit works on one while the other's
//! results are still in flight.

use core::arch::x86_64::{
    __m128i, _mm_add_epi32, _mm_alignr_epi8, _mm_blend_epi16, _mm_extract_epi32, _mm_loadu_si128,
    _mm_set_epi32, _mm_set_epi64x, _mm_sha256msg1_epu32, _mm_sha256msg2_epu32,
    _mm_sha256rnds2_epu32, _mm_shuffle_epi8, _mm_shuffle_epi32,
};

cpufeatures::new!(sha_ni, "sha", "sse2", "ssse3", "sse4.1");

/// Whether this CPU has the instructions [`compress_two`] uses.
pub(crate) fn available() -> bool {
    sha_ni::get()
}

/// SHA-256's round constants, four per group of rounds.
const K: [[u32; 4]; 16] = [
    [0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5],
    [0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5],
    [0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3],
    [0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174],
    [0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc],
    [0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da],
    [0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7],
    [0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967],
    [0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13],
    [0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85],
    [0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3],
    [0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070],
    [0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5],
    [0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3],
    [0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208],
    [0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2],
];

/// Compresses the whole 64-byte blocks of `a` into `s[0]` and those of `b`
/// into `s[1]` (`a` and `b` of one length), two at a time. Nothing happens
/// on a CPU without the instructions ([`available`] says which).
///
/// Written with no indexing or slicing that could fail, so that the ECU
/// profile's build of the C library has no panic path here (checked by
/// `ffi/tests/run.sh`).
pub(crate) fn compress_two(s: &mut [[u32; 8]; 2], a: &[u8], b: &[u8]) {
    if available() {
        // SAFETY: the CPU has every feature `two` is compiled for (checked
        // just above); `two` has no other precondition.
        unsafe { two(s, a, b) }
    }
}

/// The four 16-byte message vectors of `block`, big-endian words.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn message(block: &[u8; 64]) -> [__m128i; 4] {
    let swap = _mm_set_epi64x(0x0C0D_0E0F_0809_0A0B, 0x0405_0607_0001_0203);
    let p = block.as_ptr();
    // SAFETY: `block` is 64 readable bytes, so each 16-byte load at 0,
    // 16, 32 and 48 is in bounds; the loads have no alignment requirement.
    let [w0, w1, w2, w3] = unsafe {
        [
            _mm_loadu_si128(p.cast()),
            _mm_loadu_si128(p.add(16).cast()),
            _mm_loadu_si128(p.add(32).cast()),
            _mm_loadu_si128(p.add(48).cast()),
        ]
    };
    [
        _mm_shuffle_epi8(w0, swap),
        _mm_shuffle_epi8(w1, swap),
        _mm_shuffle_epi8(w2, swap),
        _mm_shuffle_epi8(w3, swap),
    ]
}

/// A state as the two vectors the SHA instructions work on: (A, B, E, F)
/// and (C, D, G, H).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn pack(s: &[u32; 8]) -> (__m128i, __m128i) {
    let [a, b, c, d, e, f, g, h] = s.map(|w| w as i32);
    let dcba = _mm_set_epi32(d, c, b, a);
    let hgfe = _mm_set_epi32(h, g, f, e);
    let cdab = _mm_shuffle_epi32(dcba, 0xB1);
    let efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    (
        _mm_alignr_epi8(cdab, efgh, 8),
        _mm_blend_epi16(efgh, cdab, 0xF0),
    )
}

/// The inverse of [`pack`].
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn unpack(abef: __m128i, cdgh: __m128i) -> [u32; 8] {
    let feba = _mm_shuffle_epi32(abef, 0x1B);
    let dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    let dcba = _mm_blend_epi16(feba, dchg, 0xF0);
    let hgef = _mm_alignr_epi8(dchg, feba, 8);
    [
        _mm_extract_epi32(dcba, 0),
        _mm_extract_epi32(dcba, 1),
        _mm_extract_epi32(dcba, 2),
        _mm_extract_epi32(dcba, 3),
        _mm_extract_epi32(hgef, 0),
        _mm_extract_epi32(hgef, 1),
        _mm_extract_epi32(hgef, 2),
        _mm_extract_epi32(hgef, 3),
    ]
    .map(|w| w as u32)
}

/// [`compress_two`] itself.
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn two(s: &mut [[u32; 8]; 2], a: &[u8], b: &[u8]) {
    let [sa, sb] = s;
    let (mut abef_a, mut cdgh_a) = pack(sa);
    let (mut abef_b, mut cdgh_b) = pack(sb);
    let (mut rest_a, mut rest_b) = (a, b);
    // One block of each per round: bounded by the inputs' length.
    while let (Some((ba, ta)), Some((bb, tb))) = (
        rest_a.split_first_chunk::<64>(),
        rest_b.split_first_chunk::<64>(),
    ) {
        (rest_a, rest_b) = (ta, tb);
        let (keep_abef_a, keep_cdgh_a, keep_abef_b, keep_cdgh_b) = (abef_a, cdgh_a, abef_b, cdgh_b);
        // The last sixteen message words, oldest first, as four vectors.
        let [mut a0, mut a1, mut a2, mut a3] = message(ba);
        let [mut b0, mut b1, mut b2, mut b3] = message(bb);
        // 16 groups of four rounds. The first four use the block's words;
        // each later one makes its four from the previous sixteen.
        for (g, k) in K.iter().enumerate() {
            let (wa, wb) = if g < 4 {
                (a0, b0)
            } else {
                let next = |x0, x1, x2, x3| {
                    let m1 = _mm_sha256msg1_epu32(x0, x1);
                    _mm_sha256msg2_epu32(_mm_add_epi32(m1, _mm_alignr_epi8(x3, x2, 4)), x3)
                };
                (next(a0, a1, a2, a3), next(b0, b1, b2, b3))
            };
            (a0, a1, a2, a3) = (a1, a2, a3, wa);
            (b0, b1, b2, b3) = (b1, b2, b3, wb);
            let [k0, k1, k2, k3] = k.map(|w| w as i32);
            let kv = _mm_set_epi32(k3, k2, k1, k0);
            let ta = _mm_add_epi32(wa, kv);
            let tb = _mm_add_epi32(wb, kv);
            cdgh_a = _mm_sha256rnds2_epu32(cdgh_a, abef_a, ta);
            cdgh_b = _mm_sha256rnds2_epu32(cdgh_b, abef_b, tb);
            abef_a = _mm_sha256rnds2_epu32(abef_a, cdgh_a, _mm_shuffle_epi32(ta, 0x0E));
            abef_b = _mm_sha256rnds2_epu32(abef_b, cdgh_b, _mm_shuffle_epi32(tb, 0x0E));
        }
        abef_a = _mm_add_epi32(abef_a, keep_abef_a);
        cdgh_a = _mm_add_epi32(cdgh_a, keep_cdgh_a);
        abef_b = _mm_add_epi32(abef_b, keep_abef_b);
        cdgh_b = _mm_add_epi32(cdgh_b, keep_cdgh_b);
    }
    *sa = unpack(abef_a, cdgh_a);
    *sb = unpack(abef_b, cdgh_b);
}
