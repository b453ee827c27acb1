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

impl Expiry {
    /// Whether a document expiring at `expires_at` is refused: only with a
    /// trusted clock, at or after the expiry.
    pub fn refuses(self, expires_at: Option<u64>) -> bool {
        matches!((self, expires_at), (Expiry::CheckedAt(now), Some(t)) if now >= t)
    }
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

/// The security-counter floors a device keeps: one per signing role, so
/// that a bundle of one kind never moves the floor bundles of the other
/// kind are checked against (the system-configuration role may be a single
/// key; it must not be able to lock out component updates).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Floors {
    /// Floor of component bundles (role 2).
    pub component: u64,
    /// Floor of system-configuration bundles (role 3).
    pub system_config: u64,
}

impl Floors {
    /// Floors of `component` and `system_config`.
    pub const fn new(component: u64, system_config: u64) -> Self {
        Self {
            component,
            system_config,
        }
    }
    /// The floor bundles of `kind` are checked against.
    pub const fn of(&self, kind: BundleKind) -> u64 {
        match kind {
            BundleKind::Component => self.component,
            BundleKind::SystemConfig => self.system_config,
        }
    }
    pub(crate) fn slot(&mut self, kind: BundleKind) -> &mut u64 {
        match kind {
            BundleKind::Component => &mut self.component,
            BundleKind::SystemConfig => &mut self.system_config,
        }
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
    pub(crate) floors: Floors,
    pub(crate) installed: Option<Digest>,
    pub(crate) min_stage: Stage,
    pub(crate) expiry: Expiry,
    pub(crate) config: Option<ConfigBinding>,
}

impl DevicePolicy {
    /// A policy for installing bundles of `kind` on hardware `hardware_id`,
    /// refusing security counters below the floor of `kind`'s role in
    /// `floors`, components below `min_stage`, and expired documents as
    /// `expiry` says.
    pub fn new(
        kind: BundleKind,
        hardware_id: &str,
        floors: Floors,
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
            floors,
            installed: None,
            min_stage,
            expiry,
            config: None,
        })
    }

    /// The manifest digest of the bundle of this kind installed now. With
    /// it, a bundle whose counter equals the floor is accepted only if it
    /// is that very bundle (the boot re-check); any other bundle must carry
    /// a higher counter. Without it, an equal counter is accepted for any
    /// bundle, and an attacker holding two bundles with the same counter
    /// can switch the device between them.
    pub fn set_installed(&mut self, manifest_digest: Digest) {
        self.installed = Some(manifest_digest);
    }
    /// [`DevicePolicy::set_installed`], by value.
    pub fn with_installed(mut self, manifest_digest: Digest) -> Self {
        self.set_installed(manifest_digest);
        self
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
    /// The stored security-counter floors.
    pub fn floors(&self) -> Floors {
        self.floors
    }
    /// The installed manifest digest, if the firmware supplied it.
    pub fn installed(&self) -> Option<&Digest> {
        self.installed.as_ref()
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
