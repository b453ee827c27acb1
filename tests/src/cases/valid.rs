//! Bundles that must verify: the standard component (also with flat
//! digests only), a system configuration, a component under it, and a
//! root rotation. Every other case alters one of these.

use super::{Case, Standard};
use crate::flat_bundle;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    vec![
        Case::new(
            "valid-component",
            "the standard component bundle verifies",
            s.bundle.clone(),
            None,
        ),
        Case::new(
            "valid-flat-digests",
            "the standard component with a flat SHA-256 for its weights too verifies (the bundle a device without fs-verity support takes)",
            flat_bundle(),
            None,
        ),
        Case::new(
            "valid-system-config",
            "a system configuration listing this ECU verifies",
            s.sc_bundle(),
            None,
        )
        .system_config_slot(),
        Case::new(
            "valid-under-system-config",
            "a component the configuration lists for this ECU verifies",
            s.bundle.clone(),
            None,
        )
        .under_config(s.sc_bundle()),
        Case::new(
            "valid-rotation",
            "a bundle carrying root v2 signed by old and new root roles verifies and hands back v2",
            s.rotation_bundle(),
            None,
        ),
    ]
}
