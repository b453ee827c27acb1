//! A deterministic synthetic fleet: vehicles with their ECUs, device keys
//! derived from a seed, and the signed version reports those ECUs would
//! send. For benchmarks, load tests and demonstrations (the same seed gives
//! the same fleet, so a report made later verifies with the key enrolled
//! earlier); never a source of real keys.
//!
//! Every vehicle has [`Fleet::ecus`] ECUs at positions `ecu00`, `ecu01`, …;
//! `ecu00` is the front camera and runs [`CAMERA_FAMILY`] in one of three
//! versions — [`CAMERA_VERSIONS`], on 15 %, 50 % and 35 % of the fleet —
//! and every other position runs a model family of its own.

use crate::enroll::Enrolment;
use modelseal::report::{EcuSigningKey, sign_fields};
use modelseal_core::report::{ReportComponentBuf, ReportConfigBuf, ReportDocBuf, ReportHeadBuf};
use sha2::Digest as _;

/// The camera's model family.
pub const CAMERA_FAMILY: &str = "perception_front_camera";

/// The camera's versions and their share of the fleet, in per cent.
pub const CAMERA_VERSIONS: [(&str, u64); 3] = [("v1.3.5", 15), ("v1.3.4", 50), ("v1.3.6", 35)];

/// A synthetic fleet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fleet {
    /// Vehicles.
    pub vehicles: u64,
    /// ECUs per vehicle (1 to 99).
    pub ecus: u32,
    /// Seed of the device keys.
    pub seed: u64,
}

/// One ECU of the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetEcu {
    /// VIN.
    pub vin: String,
    /// Position.
    pub position: String,
    /// Hardware id.
    pub hardware_id: String,
    /// Serial.
    pub serial: String,
}

impl Fleet {
    /// The VIN of vehicle `v` (17 characters).
    pub fn vin(&self, v: u64) -> String {
        format!("MSL{v:014}")
    }

    /// ECU `e` of vehicle `v`.
    pub fn ecu(&self, v: u64, e: u32) -> FleetEcu {
        FleetEcu {
            vin: self.vin(v),
            position: format!("ecu{e:02}"),
            hardware_id: format!("HW-{e:02}"),
            serial: format!("SN-{v:010}-{e:02}"),
        }
    }

    /// The device key of ECU `e` of vehicle `v` (Ed25519, from the seed).
    pub fn key(&self, v: u64, e: u32) -> EcuSigningKey {
        let mut h = sha2::Sha256::new();
        h.update(b"modelseal fleet generator");
        h.update(self.seed.to_le_bytes());
        h.update(v.to_le_bytes());
        h.update(e.to_le_bytes());
        let seed: [u8; 32] = h.finalize().into();
        EcuSigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// The enrolment of ECU `e` of vehicle `v`.
    pub fn enrolment(&self, v: u64, e: u32) -> Enrolment {
        let ecu = self.ecu(v, e);
        Enrolment {
            vin: ecu.vin,
            position: ecu.position,
            hardware_id: ecu.hardware_id,
            serial: ecu.serial,
            key: self.key(v, e).public_key(),
            fitted_at: Some(0),
        }
    }

    /// The model ECU `e` of vehicle `v` runs: (family, version).
    pub fn model(&self, v: u64, e: u32) -> (String, String) {
        if e == 0 {
            // Spread the versions over the fleet by a hash of the vehicle,
            // not by its number, so any range of VINs has the same mix.
            let bucket = u64::from_le_bytes(
                sha2::Sha256::digest(v.to_le_bytes())[..8]
                    .try_into()
                    .unwrap_or([0; 8]),
            ) % 100;
            let mut edge = 0;
            for (version, share) in CAMERA_VERSIONS {
                edge += share;
                if bucket < edge {
                    return (CAMERA_FAMILY.into(), version.into());
                }
            }
            return (CAMERA_FAMILY.into(), CAMERA_VERSIONS[1].0.into());
        }
        (format!("model_ecu{e:02}"), "v1.0.0".into())
    }

    /// The manifest digest of a (family, version) release.
    pub fn manifest(family: &str, version: &str) -> [u8; 32] {
        sha2::Sha256::digest(format!("{family}@{version}")).into()
    }

    /// The report ECU `e` of vehicle `v` signs with sequence `sequence` at
    /// time `t`, with `key` (from [`Fleet::key`]; passed in so a caller
    /// making many reports derives it once).
    pub fn report(
        &self,
        key: &mut EcuSigningKey,
        v: u64,
        e: u32,
        sequence: u64,
        t: u64,
    ) -> crate::Result<Vec<u8>> {
        let ecu = self.ecu(v, e);
        let (family, version) = self.model(v, e);
        let doc = ReportDocBuf {
            head: ReportHeadBuf {
                nonce: sequence.to_le_bytes().repeat(2),
                sequence,
                time: Some(t),
                hardware_id: ecu.hardware_id,
                serial: ecu.serial,
                ecu_name: Some(ecu.position),
                manifest_digest: Self::manifest(&family, &version),
                kind: 2,
                security_counter: 1,
                component_floor: 1,
                system_config_floor: 1,
                root_version: 1,
                config: Some(ReportConfigBuf {
                    config_id: "CFG-GEN".into(),
                    config_version: "1.0.0".into(),
                    digest: Self::manifest("CFG-GEN", "1.0.0"),
                }),
                version: format!("{family}-{version}"),
            },
            components: vec![ReportComponentBuf {
                family,
                version,
                stage: 4,
            }],
            signers: vec![],
        };
        Ok(sign_fields(&doc, key)?)
    }
}
