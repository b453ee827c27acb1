//! The device policy as C hands it over (`modelseal_policy`, and the
//! configuration binding it may carry), turned into the core's
//! `DevicePolicy`: every code range-checked, every string checked by the
//! core's identifier rules. Read during `modelseal_verifier_init` only;
//! nothing of the C record is kept.

use crate::consts::MODELSEAL_DIGEST_LEN;
use crate::ptr::{bytes, copy_to, from_c_string, opt_str, reference};
use crate::status::{Status, modelseal_status};
use crate::types::{modelseal_config_binding, modelseal_policy};
use modelseal_core::{BundleKind, ConfigBinding, DevicePolicy, Expiry, Floors, Stage};

pub(super) fn policy_from_c(p: &modelseal_policy) -> Status<DevicePolicy> {
    let kind = BundleKind::from_code(p.kind).ok_or(modelseal_status::InvalidArgument)?;
    let min_stage = Stage::from_code(p.min_stage)
        .filter(|s| s.rank().is_some())
        .ok_or(modelseal_status::InvalidArgument)?;
    let expiry = match p.expiry {
        crate::consts::MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK => {
            Expiry::NotCheckedNoTrustedClock
        }
        crate::consts::MODELSEAL_EXPIRY_CHECKED_AT => Expiry::CheckedAt(p.trusted_time),
        _ => return Err(modelseal_status::InvalidArgument),
    };
    // SAFETY: the string pointers and lengths are the caller's, under the
    // contract of `modelseal_verifier_init`; they are only read, and only
    // during this call (the policy copies what it keeps).
    let (hw, ecu, serial, platform, market) = unsafe {
        (
            opt_str(p.hardware_id, p.hardware_id_len)?,
            opt_str(p.ecu_name, p.ecu_name_len)?,
            opt_str(p.serial, p.serial_len)?,
            opt_str(p.platform, p.platform_len)?,
            opt_str(p.market, p.market_len)?,
        )
    };
    let hw = hw.ok_or(modelseal_status::NullArgument)?;
    let floors = Floors::new(p.component_floor, p.system_config_floor);
    let mut policy = DevicePolicy::new(kind, hw, floors, min_stage, expiry)?;
    if !p.installed_digest.is_null() {
        // SAFETY: non-NULL; the caller's contract makes it
        // MODELSEAL_DIGEST_LEN readable bytes for the duration of the call.
        let d = unsafe { bytes(p.installed_digest, MODELSEAL_DIGEST_LEN) }?;
        let mut digest = [0u8; MODELSEAL_DIGEST_LEN];
        copy_to(&mut digest, d)?;
        policy.set_installed(digest);
    }
    // Set in place: the policy is a kilobyte, and every by-value step would
    // copy it through the stack.
    if let Some(s) = ecu {
        policy.set_ecu_name(s)?;
    }
    if let Some(s) = serial {
        policy.set_serial(s)?;
    }
    if let Some(s) = platform {
        policy.set_platform(s)?;
    }
    if let Some(s) = market {
        policy.set_market(s)?;
    }
    if !p.config.is_null() {
        // SAFETY: non-NULL; the caller's contract makes it a readable,
        // initialised record for the duration of the call.
        let b = unsafe { reference(p.config) }?;
        policy.set_config(binding_from_c(b)?);
    }
    Ok(policy)
}

fn binding_from_c(b: &modelseal_config_binding) -> Status<ConfigBinding> {
    let n = usize::from(b.allowed_count);
    let allowed = b
        .allowed
        .get(..n)
        .ok_or(modelseal_status::InvalidArgument)?;
    Ok(ConfigBinding::from_parts(
        b.digest,
        from_c_string(&b.config_id)?,
        from_c_string(&b.config_version)?,
        allowed,
    )?)
}
