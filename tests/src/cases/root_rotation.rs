//! Root rotations the device must refuse: skipped versions, takeovers by
//! new keys, thresholds lowered or zeroed, keys the rotation removed.

use super::{Case, Standard};
use crate::*;
use modelseal_core::Error;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    let v3 = same_keys_root(3);
    let lower = root(
        2,
        [
            (&["r1", "r2", "r3"], 1),
            (&["c1", "c2", "c3"], 2),
            (&["s1", "s2"], 1),
        ],
    );
    let zero_t = root(
        2,
        [
            (&["r1", "r2", "r3"], 2),
            (&["c1", "c2", "c3"], 0),
            (&["s1", "s2"], 1),
        ],
    );
    vec![
        Case::new(
            "root-skips-version",
            "root v3 offered to a device at v1, signed by keys both would accept",
            s.bundle_with(&[root_envelope(&v3, &["r1", "r2"])], &["c1", "c2"]),
            Some(Error::RootVersionNotNext),
        ),
        takeover(s),
        Case::new(
            "root-threshold-lowered-by-one-key",
            "root v2 lowering the root threshold to 1, signed by a single old root key",
            s.bundle_with(&[root_envelope(&lower, &["r1"])], &["c1", "c2"]),
            Some(Error::SignatureRejected),
        ),
        Case::new(
            "key-removed-by-rotation",
            "after rotating to v2 (c1 removed), a manifest signed by c1 and c2",
            s.bundle_with(std::slice::from_ref(&s.v2_env), &["c1", "c2"]),
            Some(Error::SignatureRejected),
        ),
        Case::new(
            "root-threshold-zero",
            "root v2 whose component role needs no signature at all",
            s.bundle_with(&[root_envelope(&zero_t, &["r1", "r2"])], &[]),
            Some(Error::RootInvalid),
        ),
    ]
}

fn takeover(s: &Standard) -> Case {
    let takeover = root(
        2,
        [
            (&["n1", "n2", "n3"], 2),
            (&["x1", "x2"], 2),
            (&["x1", "x2"], 1),
        ],
    );
    let env = root_envelope(&takeover, &["n1", "n2", "r1"]);
    let mut m = s.manifest.clone();
    m.head.security_counter += 1;
    Case::new(
        "root-not-signed-by-old-threshold",
        "root v2 with all-new keys, signed by its own keys and one old root key",
        bundle(&[env], &m, &["x1", "x2"], &s.refs()),
        Some(Error::SignatureRejected),
    )
}
