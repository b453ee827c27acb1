//! System configurations that do not admit this ECU's component: mix and
//! match of validly signed parts.

use super::{Case, Standard};
use crate::*;
use modelseal_core::Error;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    let other_sc = system_config_manifest(&[sha256(b"another component manifest")]);
    let mut without_this_ecu = other_sc.clone();
    without_this_ecu
        .system_config
        .as_mut()
        .expect("sc")
        .ecus
        .retain(|e| e.head.hardware_id != HW);
    vec![
        Case::new(
            "component-not-in-system-config",
            "a validly signed component the installed configuration does not list (mix-and-match)",
            s.bundle.clone(),
            Some(Error::NotInConfiguration),
        )
        .under_config(bundle(&[], &other_sc, &["s1"], &[])),
        Case::new(
            "system-config-without-this-ecu",
            "a configuration whose ECU list omits this ECU",
            bundle(&[], &without_this_ecu, &["s1"], &[]),
            Some(Error::NotInConfiguration),
        )
        .system_config_slot(),
    ]
}
