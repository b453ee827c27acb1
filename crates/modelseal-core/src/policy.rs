//! What the device accepts: its identity, its stored floor, its rules.
//!
//! The firmware fills a [`DevicePolicy`] from its own trusted state at boot.
//! Nothing that weakens verification is a default: the stage floor, the
//! counter floor and the clock are arguments of [`DevicePolicy::new`], and
//! running without a trusted clock is spelled out as
//! [`Expiry::NotCheckedNoTrustedClock`].

use crate::doc::{BundleKind, Stage};
use crate::error::{Error, Result};
use crate::hash::Digest;
use crate::limits::{MAX_ECU_MODELS, MAX_ID_LEN};
use crate::wire::check_id;

/// A bounded identifier held by value.
pub type IdString = heapless::String<MAX_ID_LEN, u8>;

/// Copies `s` into an [`IdString`] after checking it is an identifier.
pub(crate) fn id_string(s: &str) -> Result<IdString> {
    check_id(s, true)?;
    IdString::try_from(s).map_err(|_| Error::LimitExceeded)
}

/// Whether, and against what time, expiry dates are enforced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The device has no trusted clock: expiry dates of roots and manifests
    /// are **not** checked. An attacker who replays an expired but otherwise
    /// valid bundle is stopped only by the security counter.
    NotCheckedNoTrustedClock,
    /// The device has a trusted clock reading this many seconds since the
    /// Unix epoch: anything that expires at or before it is refused.
    CheckedAt(u64),
}

/// Which system configuration a component must belong to, as derived from a
/// verified system-configuration bundle for this ECU
/// (see [`crate::Installed::config_binding`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigBinding {
    pub(crate) digest: Digest,
    pub(crate) config_id: IdString,
    pub(crate) config_version: IdString,
    pub(crate) allowed: heapless::Vec<Digest, MAX_ECU_MODELS, u8>,
}

impl ConfigBinding {
    /// Digest of the system-configuration manifest.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }
    /// Configuration id.
    pub fn config_id(&self) -> &str {
        &self.config_id
    }
    /// Configuration version.
    pub fn config_version(&self) -> &str {
        &self.config_version
    }
    /// Component manifest digests the configuration lists for this ECU.
    pub fn allowed(&self) -> &[Digest] {
        &self.allowed
    }
    /// Rebuilds a binding from the values a firmware persisted (all of them
    /// came from [`crate::Installed::config_binding`] on an earlier boot).
    pub fn from_parts(
        digest: Digest,
        config_id: &str,
        config_version: &str,
        allowed: &[Digest],
    ) -> Result<Self> {
        let mut list = heapless::Vec::new();
        for d in allowed {
            list.push(*d).map_err(|_| Error::LimitExceeded)?;
        }
        Ok(Self {
            digest,
            config_id: id_string(config_id)?,
            config_version: id_string(config_version)?,
            allowed: list,
        })
    }
}

/// The device's own facts and rules, supplied by the firmware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePolicy {
    pub(crate) kind: BundleKind,
    pub(crate) hardware_id: IdString,
    pub(crate) ecu_name: Option<IdString>,
    pub(crate) serial: Option<IdString>,
    pub(crate) platform: Option<IdString>,
    pub(crate) market: Option<IdString>,
    pub(crate) counter_floor: u64,
    pub(crate) min_stage: Stage,
    pub(crate) expiry: Expiry,
    pub(crate) config: Option<ConfigBinding>,
}

impl DevicePolicy {
    /// A policy for installing bundles of `kind` on hardware `hardware_id`,
    /// refusing security counters below `counter_floor`, components below
    /// `min_stage`, and expired documents as `expiry` says.
    pub fn new(
        kind: BundleKind,
        hardware_id: &str,
        counter_floor: u64,
        min_stage: Stage,
        expiry: Expiry,
    ) -> Result<Self> {
        Ok(Self {
            kind,
            hardware_id: id_string(hardware_id)?,
            ecu_name: None,
            serial: None,
            platform: None,
            market: None,
            counter_floor,
            min_stage,
            expiry,
            config: None,
        })
    }

    /// This ECU's serial (required by manifests that list serials).
    pub fn set_serial(&mut self, serial: &str) -> Result<()> {
        self.serial = Some(id_string(serial)?);
        Ok(())
    }
    /// This vehicle's platform (required by manifests that name one).
    pub fn set_platform(&mut self, platform: &str) -> Result<()> {
        self.platform = Some(id_string(platform)?);
        Ok(())
    }
    /// This vehicle's market (required by manifests that name one).
    pub fn set_market(&mut self, market: &str) -> Result<()> {
        self.market = Some(id_string(market)?);
        Ok(())
    }
    /// This ECU's name in system configurations (needed when two ECUs of one
    /// configuration share a hardware id).
    pub fn set_ecu_name(&mut self, name: &str) -> Result<()> {
        self.ecu_name = Some(id_string(name)?);
        Ok(())
    }
    /// Accept only component bundles that this system configuration lists
    /// for this ECU (mix-and-match protection).
    pub fn set_config(&mut self, binding: ConfigBinding) {
        self.config = Some(binding);
    }

    /// [`DevicePolicy::set_serial`], by value.
    pub fn with_serial(mut self, serial: &str) -> Result<Self> {
        self.set_serial(serial)?;
        Ok(self)
    }
    /// [`DevicePolicy::set_platform`], by value.
    pub fn with_platform(mut self, platform: &str) -> Result<Self> {
        self.set_platform(platform)?;
        Ok(self)
    }
    /// [`DevicePolicy::set_market`], by value.
    pub fn with_market(mut self, market: &str) -> Result<Self> {
        self.set_market(market)?;
        Ok(self)
    }
    /// [`DevicePolicy::set_ecu_name`], by value.
    pub fn with_ecu_name(mut self, name: &str) -> Result<Self> {
        self.set_ecu_name(name)?;
        Ok(self)
    }
    /// [`DevicePolicy::set_config`], by value.
    pub fn with_config(mut self, binding: ConfigBinding) -> Self {
        self.set_config(binding);
        self
    }

    /// Bundle kind accepted.
    pub fn kind(&self) -> BundleKind {
        self.kind
    }
    /// Hardware id.
    pub fn hardware_id(&self) -> &str {
        &self.hardware_id
    }
    /// ECU name, if set.
    pub fn ecu_name(&self) -> Option<&str> {
        self.ecu_name.as_deref()
    }
    /// Serial, if set.
    pub fn serial(&self) -> Option<&str> {
        self.serial.as_deref()
    }
    /// Platform, if set.
    pub fn platform(&self) -> Option<&str> {
        self.platform.as_deref()
    }
    /// Market, if set.
    pub fn market(&self) -> Option<&str> {
        self.market.as_deref()
    }
    /// Stored security-counter floor.
    pub fn counter_floor(&self) -> u64 {
        self.counter_floor
    }
    /// Minimum lifecycle stage.
    pub fn min_stage(&self) -> Stage {
        self.min_stage
    }
    /// Expiry enforcement.
    pub fn expiry(&self) -> Expiry {
        self.expiry
    }
    /// System configuration in force, if any.
    pub fn config(&self) -> Option<&ConfigBinding> {
        self.config.as_ref()
    }
}
