//! Signatures that must not count: forged, by unknown keys, too few, the
//! same key twice, keys of another role.

use super::{Case, Standard, first_signature_offset};
use crate::*;
use modelseal_core::Error;
use modelseal_core::envelope::DocType;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    let mut forged = s.bundle.clone();
    let at = first_signature_offset(&forged) + 10;
    forged[at] ^= 0x01;
    let c1 = signature(DocType::ComponentManifest, &s.doc, "c1");
    let twice = raw_envelope(DocType::ComponentManifest, &s.doc, &[c1, c1]);
    vec![
        Case::new(
            "forged-signature",
            "one bit of a signature flipped",
            forged,
            Some(Error::SignatureRejected),
        ),
        Case::new(
            "wrong-key",
            "signed by two keys the root does not know",
            component_bundle(&[], |_| {}, &["x1", "x2"]),
            Some(Error::SignatureRejected),
        ),
        Case::new(
            "below-threshold",
            "one signature where the component role needs two",
            component_bundle(&[], |_| {}, &["c1"]),
            Some(Error::SignatureRejected),
        ),
        Case::new(
            "duplicate-signature-same-key",
            "the same key's signature twice counts once: below the threshold of two",
            bundle_with_envelope(&[], &twice, &s.refs()),
            Some(Error::SignatureRejected),
        ),
        same_key_under_two_ids(s),
        Case::new(
            "key-outside-role",
            "signed by two root-role keys: known to the root, but not component signers",
            component_bundle(&[], |_| {}, &["r1", "r2"]),
            Some(Error::SignatureRejected),
        ),
        Case::new(
            "key-from-other-role",
            "one component key and one system-configuration key",
            component_bundle(&[], |_| {}, &["c1", "s1"]),
            Some(Error::SignatureRejected),
        ),
    ]
}

fn same_key_under_two_ids(s: &Standard) -> Case {
    let dup_root = root(
        2,
        [
            (&["r1", "r2", "r3"], 2),
            (&["c1", "c1", "c2"], 2),
            (&["s1", "s2"], 1),
        ],
    );
    Case::new(
        "same-key-under-two-ids",
        "a rotated root listing one key twice in a role (to count it twice) is refused",
        s.bundle_with(&[root_envelope(&dup_root, &["r1", "r2"])], &["c1"]),
        Some(Error::RootInvalid),
    )
}
