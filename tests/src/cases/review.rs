//! Cases from the independent security review (docs/SECURITY.md,
//! "Review findings"): each was accepted before its fix.

use super::{Case, Standard, first_signature_offset};
use crate::*;
use modelseal_core::Error;
use modelseal_core::doc::Stage;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    let mut other_platform = s.sc.clone();
    if let Some(c) = other_platform.system_config.as_mut() {
        c.head.vehicle_platform = "PLAT-B".into();
    }
    other_platform.target.platform = None;
    let mut other_market = s.sc.clone();
    if let Some(c) = other_market.system_config.as_mut() {
        c.head.market = "US".into();
    }
    other_market.target.market = None;
    vec![
        Case::new(
            "system-config-for-another-platform",
            "a PLAT-B configuration on a PLAT-A vehicle (its own platform field, no target restriction)",
            bundle(&[], &other_platform, &["s1"], &[]),
            Some(Error::WrongPlatform),
        )
        .system_config_slot(),
        Case::new(
            "system-config-for-another-market",
            "a US configuration on an EU vehicle (its own market field, no target restriction)",
            bundle(&[], &other_market, &["s1"], &[]),
            Some(Error::WrongMarket),
        )
        .system_config_slot(),
        Case::new(
            "stage-unknown-code-above-production",
            "stage code 40 (a registry's retired or experimental code) on an ECU that accepts Production only",
            component_bundle(
                &[],
                |m| m.components[0].head.stage = 40,
                &["c1", "c2"],
            ),
            Some(Error::StageTooLow),
        )
        .policy(|p| p.min_stage = Stage::PRODUCTION.code()),
        signature_entry_key_corrupted(),
    ]
}

fn signature_entry_key_corrupted() -> Case {
    let mut three = component_bundle(&[], |_| {}, &["c1", "c2", "c3"]);
    let at = first_signature_offset(&three) - 32;
    three[at] ^= 0x01;
    Case::new(
        "signature-entry-key-corrupted",
        "one of three signature entries has a flipped bit in its public key (threshold 2): the entry no longer verifies, so the envelope is refused instead of reporting two signers",
        three,
        Some(Error::SignatureRejected),
    )
}
