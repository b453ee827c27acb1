//! What a refused bundle expected and what the device gave: the detail a
//! person needs after "bundle is not for this hardware".
//!
//! The verdict is the core verifier's; this only reads the head again
//! (without authenticating it: it explains a refusal, it never admits
//! anything) to say which values disagreed.

use crate::error::Error;
use crate::inspect::time_text;
use crate::model::Manifest;
use modelseal_core::Error as Core;
use modelseal_core::doc::Stage;
use modelseal_core::policy::{DevicePolicy, Expiry};
use modelseal_core::unverified::UnauthenticatedHead;

/// `e` with what was expected and what was found, when `e` is a policy
/// refusal of the bundle whose head is `head`; `e` unchanged otherwise.
pub(crate) fn explain(e: Error, head: &[u8], policy: &DevicePolicy) -> Error {
    let Error::Verify { context, source } = e else {
        return e;
    };
    match detail(source, head, policy) {
        Some(detail) => Error::Refused {
            context,
            source,
            detail,
        },
        None => Error::Verify { context, source },
    }
}

fn detail(e: Core, head: &[u8], policy: &DevicePolicy) -> Option<String> {
    let h = UnauthenticatedHead::parse(head).ok()?;
    let m = Manifest::from_view(&h.manifest_unauthenticated().ok()?).ok()?;
    let given = |v: Option<&str>, flag: &str| match v {
        Some(v) => format!("the device's is {v}"),
        None => format!("the device gave none ({flag})"),
    };
    Some(match e {
        Core::WrongHardware => format!(
            "the bundle accepts {}; the device is {}",
            m.target.hardware_ids.join(", "),
            policy.hardware_id()
        ),
        Core::WrongSerial => format!(
            "the bundle accepts serials {}; {}",
            m.target.serials.join(", "),
            given(policy.serial(), "--serial")
        ),
        Core::WrongPlatform => format!(
            "the bundle is for platform {}; {}",
            restriction(
                m.target.platform.as_deref(),
                m.system_config
                    .as_ref()
                    .map(|s| s.head.vehicle_platform.as_str())
            ),
            given(policy.platform(), "--platform")
        ),
        Core::WrongMarket => format!(
            "the bundle is for market {}; {}",
            restriction(
                m.target.market.as_deref(),
                m.system_config.as_ref().map(|s| s.head.market.as_str())
            ),
            given(policy.market(), "--market")
        ),
        Core::Rollback => format!(
            "the bundle's security counter is {}; the device's floor is {}",
            m.head.security_counter,
            policy.floors().of(policy.kind())
        ),
        Core::StageTooLow => {
            let stages: Vec<String> = m
                .components
                .iter()
                .map(|c| {
                    format!(
                        "{} {} is {}",
                        c.head.family,
                        c.head.version,
                        stage_name(c.head.stage)
                    )
                })
                .collect();
            format!(
                "{}; the device accepts {} and above",
                stages.join(", "),
                stage_name(policy.min_stage().code())
            )
        }
        Core::ManifestExpired => match (m.head.expires_at, policy.expiry()) {
            (Some(at), Expiry::CheckedAt(now)) => format!(
                "the manifest expired at {}; the trusted time is {}",
                time_text(at),
                time_text(now)
            ),
            _ => return None,
        },
        Core::WrongKind => format!(
            "the bundle is a {} bundle; the device expects {}",
            m.kind().map_or("unknown", |k| k.name()),
            policy.kind().name()
        ),
        _ => return None,
    })
}

/// The platform or market a bundle names: the target's, else the system
/// configuration's.
fn restriction(target: Option<&str>, config: Option<&str>) -> String {
    target
        .filter(|s| !s.is_empty())
        .or(config.filter(|s| !s.is_empty()))
        .unwrap_or("(none)")
        .to_owned()
}

fn stage_name(code: u8) -> String {
    Stage::from_code(code)
        .and_then(Stage::name)
        .map_or_else(|| format!("stage code {code}"), str::to_owned)
}
