//! Bundles validly signed for somewhere else: the device's policy (counter
//! floor, hardware, serial, market, platform, stage, kind) refuses them.

use super::{Case, Standard};
use crate::*;
use modelseal_core::Error;
use modelseal_core::doc::Stage;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    [binding(s), acceptance(s)].concat()
}

/// Bundles bound to another device, vehicle or counter.
fn binding(s: &Standard) -> Vec<Case> {
    vec![
        Case::new(
            "rollback-counter",
            "security counter 7 below the stored floor 8",
            s.bundle.clone(),
            Some(Error::Rollback),
        )
        .policy(|p| p.counter_floor = COUNTER + 1),
        Case::new(
            "wrong-hardware-id",
            "a bundle for other hardware",
            s.bundle.clone(),
            Some(Error::WrongHardware),
        )
        .policy(|p| p.hardware_id = "HW-RC-0001".into()),
        Case::new(
            "wrong-ecu-serial",
            "a bundle restricted to two serials, installed on a third",
            component_bundle(
                &[],
                |m| m.target.serials = vec!["SN-0001".into(), "SN-0002".into()],
                &["c1", "c2"],
            ),
            Some(Error::WrongSerial),
        )
        .policy(|p| p.serial = Some("SN-0009".into())),
        Case::new(
            "wrong-market",
            "an EU bundle on a US vehicle",
            s.bundle.clone(),
            Some(Error::WrongMarket),
        )
        .policy(|p| p.market = Some("US".into())),
        Case::new(
            "wrong-platform",
            "a bundle for another vehicle platform",
            s.bundle.clone(),
            Some(Error::WrongPlatform),
        )
        .policy(|p| p.platform = Some("PLAT-B".into())),
    ]
}

/// Bundles the device's slot does not accept, whoever they are for.
fn acceptance(s: &Standard) -> Vec<Case> {
    vec![
        Case::new(
            "stage-below-minimum",
            "a Development model on an ECU that accepts Staging and up",
            component_bundle(
                &[],
                |m| m.components[0].head.stage = Stage::DEVELOPMENT.code(),
                &["c1", "c2"],
            ),
            Some(Error::StageTooLow),
        ),
        Case::new(
            "production-lineage-incomplete",
            "a Production model without its release gate result",
            component_bundle(
                &[],
                |m| m.components[0].head.lineage.release_gate_result_id.clear(),
                &["c1", "c2"],
            ),
            Some(Error::LineageIncomplete),
        ),
        Case::new(
            "wrong-kind",
            "a system configuration offered to a component slot",
            s.sc_bundle(),
            Some(Error::WrongKind),
        ),
    ]
}
