//! Replay of the installed bundle: at boot the device re-verifies what it
//! installed, at a counter equal to the floor.

use super::{Case, Standard};
use crate::*;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    vec![
        Case::new(
            "replay-at-the-floor",
            "the installed bundle re-verified at boot: counter equal to the floor is accepted",
            s.bundle.clone(),
            None,
        )
        .policy(|p| p.counter_floor = COUNTER),
    ]
}
