//! Containers that are not bundles of this format: wrong magic, reserved
//! bytes set, unknown document types, nothing at all.

use super::{Case, Standard};
use modelseal_core::Error;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    vec![
        Case::new(
            "bad-magic",
            "not a bundle",
            s.patched(0, b"X"),
            Some(Error::BadMagic),
        ),
        Case::new(
            "header-reserved-byte-set",
            "a bundle header with its reserved byte set",
            s.patched(11, &[1]),
            Some(Error::Malformed),
        ),
        Case::new(
            "unknown-document-type",
            "a manifest envelope of document type 9",
            s.patched(16 + 10, &[9]),
            Some(Error::Malformed),
        ),
        Case::new("empty-file", "zero bytes", vec![], Some(Error::Truncated)),
    ]
}
