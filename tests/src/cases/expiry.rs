//! Expired manifests and roots: refused with a trusted clock, not checked
//! without one (the policy's name says so).

use super::{Case, Standard};
use crate::*;
use modelseal_core::Error;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    let expired = component_bundle(&[], |m| m.head.expires_at = Some(NOW - 1), &["c1", "c2"]);
    let mut exp_root = same_keys_root(2);
    exp_root.expires_at = Some(NOW);
    let expired_root = s.bundle_with(&[root_envelope(&exp_root, &["r1", "r2"])], &["c1", "c2"]);
    vec![
        Case::new(
            "expired-manifest-trusted-clock",
            "expired a second before the trusted time",
            expired.clone(),
            Some(Error::ManifestExpired),
        )
        .policy(|p| p.trusted_time = Some(NOW)),
        Case::new(
            "expired-manifest-no-trusted-clock",
            "the same bundle on a device without a trusted clock: expiry is not checked",
            expired,
            None,
        ),
        Case::new(
            "expired-root-trusted-clock",
            "the rotated root in force expires exactly at the trusted time",
            expired_root.clone(),
            Some(Error::RootExpired),
        )
        .policy(|p| p.trusted_time = Some(NOW)),
        Case::new(
            "expired-root-no-trusted-clock",
            "the same expired root on a device without a trusted clock: expiry is not checked",
            expired_root,
            None,
        ),
    ]
}
