//! Payloads that are not what the signed manifest says: altered, short,
//! long, from another model, or with padding that is not zero.

use super::{Case, Standard};
use crate::*;
use modelseal_core::Error;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    let offs = payload_offsets(&s.bundle);
    let mut modified = s.bundle.clone();
    modified[offs[2].0 as usize + 100] ^= 0x80;
    let mut truncated = s.bundle.clone();
    truncated.pop();
    let mut extended = s.bundle.clone();
    extended.push(0);
    let other = bytes("weights of another model", offs[5].1 as usize);
    let swapped = s.patched(offs[5].0 as usize, &other);
    let padded = s.patched(offs[0].0 as usize - 1, &[0xff]);
    let mut flat_modified = flat_bundle();
    let flat_offs = payload_offsets(&flat_modified);
    flat_modified[flat_offs[5].0 as usize + 100] ^= 0x80;
    vec![
        Case::new(
            "flat-weights-modified",
            "one bit of the weights flipped where they carry a flat SHA-256 (the bundle a device without fs-verity support takes)",
            flat_modified,
            Some(Error::ArtifactDigestMismatch),
        ),
        Case::new(
            "artifact-modified",
            "one bit of model.onnx flipped",
            modified,
            Some(Error::ArtifactDigestMismatch),
        ),
        Case::new(
            "artifact-truncated",
            "the last artifact one byte short",
            truncated,
            Some(Error::Truncated),
        ),
        Case::new(
            "artifact-extended",
            "one byte after the last artifact",
            extended,
            Some(Error::TrailingBytes),
        ),
        Case::new(
            "artifact-from-another-bundle",
            "weights replaced by another model's weights of the same size",
            swapped,
            Some(Error::ArtifactDigestMismatch),
        ),
        Case::new(
            "padding-not-zero",
            "a nonzero byte in the padding before the first payload",
            padded,
            Some(Error::Malformed),
        ),
    ]
}
