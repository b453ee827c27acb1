//! Vehicles, the ECUs fitted in them, their device keys, and what each
//! vehicle should run: enrolment (one ECU or a CMDB export), replacement,
//! key rotation and revocation, assignment. History is kept: nothing here
//! overwrites a row that said something about the past.

use crate::db::{Db, Val, int};
use crate::{Error, Inventory, Result, now, vals};
use modelseal::report::EcuPublicKey;
use serde::{Deserialize, Serialize};

/// One ECU to enrol: where it is fitted and its device key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    /// Vehicle identification number.
    pub vin: String,
    /// The ECU's position (its name in the system configuration).
    pub position: String,
    /// The device policy's hardware id.
    pub hardware_id: String,
    /// The ECU's serial.
    pub serial: String,
    /// Its device public key.
    pub key: EcuPublicKey,
    /// When it was fitted (the CMDB's date; default: now). A replacement
    /// ends the previous ECU's time in the position then. Reports whose
    /// trusted time is earlier move it back: the ECU was evidently there.
    pub fitted_at: Option<u64>,
}

/// One row of a CMDB export (CSV with this header, or a JSON array of
/// these objects).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolmentRow {
    /// Vehicle identification number.
    pub vin: String,
    /// ECU position.
    pub position: String,
    /// Hardware id.
    pub hardware_id: String,
    /// Serial.
    pub serial: String,
    /// `ed25519` or `ecdsa-p256`.
    pub algorithm: String,
    /// The public key in hex: 32 bytes (Ed25519) or the 65-byte
    /// uncompressed point (P-256).
    pub public_key: String,
    /// When it was fitted (seconds or RFC 3339), if the CMDB says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitted_at: Option<String>,
}

impl EnrolmentRow {
    /// The enrolment this row says, its key checked.
    pub fn parse(&self) -> Result<Enrolment> {
        let alg = modelseal::report::parse_algorithm(&self.algorithm).map_err(Error::Argument)?;
        let bytes = hex::decode(self.public_key.trim()).map_err(|_| {
            Error::Argument(format!(
                "{} {}: public_key is not hex",
                self.vin, self.position
            ))
        })?;
        let key = EcuPublicKey::from_bytes(alg, &bytes).map_err(|e| {
            Error::Argument(format!("{} {}: public_key: {e}", self.vin, self.position))
        })?;
        for (what, v) in [
            ("vin", &self.vin),
            ("position", &self.position),
            ("hardware_id", &self.hardware_id),
            ("serial", &self.serial),
        ] {
            check_id(what, v)?;
        }
        let fitted_at = match self.fitted_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(modelseal::spec::parse_time(t).map_err(|e| {
                Error::Argument(format!("{} {}: fitted_at: {e}", self.vin, self.position))
            })?),
        };
        Ok(Enrolment {
            vin: self.vin.clone(),
            position: self.position.clone(),
            hardware_id: self.hardware_id.clone(),
            serial: self.serial.clone(),
            key,
            fitted_at,
        })
    }
}

/// Longest VIN, position, hardware id or serial accepted (the format's id
/// limit is lower for the last three; a VIN is 17 characters).
pub const MAX_ID_LEN: usize = 64;

fn check_id(what: &str, v: &str) -> Result<()> {
    if v.is_empty() || v.len() > MAX_ID_LEN || v.chars().any(|c| c.is_control() || c == ',') {
        return Err(Error::Argument(format!(
            "{what} `{v}`: 1 to {MAX_ID_LEN} characters, no commas or control characters"
        )));
    }
    Ok(())
}

/// Reads a CMDB export: CSV (header `vin,position,hardware_id,serial,
/// algorithm,public_key`, optionally `,fitted_at`) or, when it starts with
/// `[`, JSON.
pub fn parse_cmdb(text: &str) -> Result<Vec<EnrolmentRow>> {
    if text.trim_start().starts_with('[') {
        return serde_json::from_str(text).map_err(|e| Error::Argument(format!("CMDB JSON: {e}")));
    }
    const HEADER: [&str; 6] = [
        "vin",
        "position",
        "hardware_id",
        "serial",
        "algorithm",
        "public_key",
    ];
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header: Vec<&str> = lines
        .next()
        .map(|(_, l)| l.split(',').map(str::trim).collect())
        .unwrap_or_default();
    let with_time = header.len() == HEADER.len() + 1 && header.last() == Some(&"fitted_at");
    if header.get(..HEADER.len()) != Some(&HEADER[..])
        || header.len() > HEADER.len() + usize::from(with_time)
    {
        return Err(Error::Argument(format!(
            "CMDB CSV: the first line must be `{}` (optionally `,fitted_at`)",
            HEADER.join(",")
        )));
    }
    let width = header.len();
    lines
        .map(|(n, l)| {
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            match f.as_slice() {
                [
                    vin,
                    position,
                    hardware_id,
                    serial,
                    algorithm,
                    public_key,
                    rest @ ..,
                ] if f.len() == width => Ok(EnrolmentRow {
                    vin: (*vin).into(),
                    position: (*position).into(),
                    hardware_id: (*hardware_id).into(),
                    serial: (*serial).into(),
                    algorithm: (*algorithm).into(),
                    public_key: (*public_key).into(),
                    fitted_at: rest.first().map(|t| (*t).to_owned()),
                }),
                _ => Err(Error::Argument(format!(
                    "CMDB CSV line {}: expected {width} fields, found {}",
                    n + 1,
                    f.len()
                ))),
            }
        })
        .collect()
}

/// What enrolling one ECU did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enrolled {
    /// A new ECU (and, if needed, a new vehicle).
    New,
    /// Already enrolled with this serial and key: nothing changed.
    Unchanged,
    /// A new serial in a position that had another: the old ECU is
    /// recorded as removed.
    Replaced,
}

/// ECUs fitted now, chosen by serial, by vehicle, or by position.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FittedBy<'a> {
    /// With these serials (any hardware id).
    Serials(&'a [&'a str]),
    /// Every ECU of these vehicles.
    Vins(&'a [&'a str]),
    /// The one at this VIN and position.
    Position(&'a str, &'a str),
}

/// An ECU fitted now, where it is, and its keys.
#[derive(Debug, Clone)]
pub(crate) struct FittedEcu {
    pub(crate) id: i64,
    pub(crate) vehicle_id: i64,
    pub(crate) vin: String,
    pub(crate) position: String,
    pub(crate) hardware_id: String,
    pub(crate) serial: String,
    /// Every key it had, newest first.
    pub(crate) keys: Vec<EcuKey>,
}

/// A device key of an ECU, as stored.
#[derive(Debug, Clone)]
pub(crate) struct EcuKey {
    pub(crate) key_id: String,
    pub(crate) algorithm: String,
    pub(crate) public_key: Vec<u8>,
    pub(crate) retired: bool,
    pub(crate) revoked: bool,
}

impl FittedEcu {
    /// The key in force (neither retired nor revoked), if any.
    pub(crate) fn in_force(&self) -> Option<&EcuKey> {
        self.keys.iter().find(|k| !k.retired && !k.revoked)
    }
}

/// `SELECT` of the ECUs fitted now, each joined to its vehicle and keys,
/// with `$cond` as the rest of the filter.
macro_rules! fitted_ecus_where {
    ($cond:literal) => {
        concat!(
            "SELECT e.id, e.vehicle_id, v.vin, e.position, e.hardware_id, e.serial,
                    k.key_id, k.algorithm, k.public_key, k.retired_at, k.revoked_at
               FROM ecus e JOIN vehicles v ON v.id = e.vehicle_id
               LEFT JOIN ecu_keys k ON k.ecu_id = e.id
              WHERE e.removed_at IS NULL AND ",
            $cond,
            " ORDER BY e.id, k.id DESC"
        )
    };
}

/// The fitted ECUs with one of the serials in the list (`{}`): ingest's
/// lookup of the ECUs its reports claim, a search of `ecus_fitted_serial`.
/// Public so that the tests check the plan of this text, not of a copy.
pub const FITTED_BY_SERIALS: &str = fitted_ecus_where!("e.serial IN ({})");
/// The fitted ECUs of the vehicles in the list (`{}`).
pub const FITTED_BY_VINS: &str = fitted_ecus_where!("v.vin IN ({})");
/// The ECU fitted at one position (`?2`) of one vehicle (`?1`).
pub const FITTED_AT_POSITION: &str = fitted_ecus_where!("v.vin = ?1 AND e.position = ?2");

/// The ECUs fitted now that `by` names, each with its keys (newest
/// first), in id order: the one query behind enrolment's checks, key
/// rotation and revocation, and ingest's lookup of the ECU a report
/// claims.
pub(crate) fn fitted_ecus(db: &mut Db, by: FittedBy<'_>) -> Result<Vec<FittedEcu>> {
    let list = |v: &[&str]| v.iter().map(|x| Val::from(*x)).collect::<Vec<_>>();
    let rows = match by {
        FittedBy::Serials(s) => db.query_in(FITTED_BY_SERIALS, &list(s))?,
        FittedBy::Vins(v) => db.query_in(FITTED_BY_VINS, &list(v))?,
        FittedBy::Position(vin, position) => db.query(FITTED_AT_POSITION, vals![vin, position])?,
    };
    // An ECU's rows are consecutive (one statement orders them; with more
    // values than one statement takes, an ECU's serial or VIN is in one).
    let mut out: Vec<FittedEcu> = Vec::new();
    for r in rows {
        let id = r.int(0)?;
        if out.last().is_none_or(|e| e.id != id) {
            out.push(FittedEcu {
                id,
                vehicle_id: r.int(1)?,
                vin: r.text(2)?,
                position: r.text(3)?,
                hardware_id: r.text(4)?,
                serial: r.text(5)?,
                keys: Vec::new(),
            });
        }
        if let (Some(key_id), Some(ecu)) = (r.opt_text(6)?, out.last_mut()) {
            ecu.keys.push(EcuKey {
                key_id,
                algorithm: r.text(7)?,
                public_key: r.blob(8)?,
                retired: r.opt_int(9)?.is_some(),
                revoked: r.opt_int(10)?.is_some(),
            });
        }
    }
    Ok(out)
}

impl Inventory {
    /// Enrols ECUs in one transaction: all of them, or (on any conflict)
    /// none. With `replace`, a position holding another serial records a
    /// replacement; without it, that is a conflict.
    pub fn enroll(&mut self, ecus: &[Enrolment], replace: bool) -> Result<Vec<Enrolled>> {
        let at = now();
        self.db.transaction(|db| enroll_all(db, ecus, replace, at))
    }

    /// Retires the key in force of the ECU at `vin`/`position` and puts
    /// `key` in force. Reports signed by the old key are refused from now.
    pub fn rotate_key(&mut self, vin: &str, position: &str, key: &EcuPublicKey) -> Result<()> {
        let at = now();
        self.db.transaction(|db| {
            let f = fitted(db, vin, position)?.ok_or_else(|| no_ecu(vin, position))?;
            if f.in_force().is_some_and(|k| k.key_id == key.key_id()) {
                return Err(Error::Conflict(format!(
                    "{vin} {position}: key {} is already the one in force",
                    key.key_id()
                )));
            }
            db.exec(
                "UPDATE ecu_keys SET retired_at = ?1
                  WHERE ecu_id = ?2 AND retired_at IS NULL AND revoked_at IS NULL",
                vals![int(at), f.id],
            )?;
            insert_key(db, f.id, key, at)
        })
    }

    /// Revokes a key of the ECU at `vin`/`position`: the one in force, or
    /// the one named by `key_id` (a retired key whose leak was found
    /// later). Reports signed by it are refused as revoked.
    pub fn revoke_key(
        &mut self,
        vin: &str,
        position: &str,
        key_id: Option<&str>,
        reason: &str,
    ) -> Result<String> {
        let at = now();
        self.db.transaction(|db| {
            let f = fitted(db, vin, position)?.ok_or_else(|| no_ecu(vin, position))?;
            let target = match key_id {
                Some(k) => k.to_owned(),
                None => f.in_force().map(|k| k.key_id.clone()).ok_or_else(|| {
                    Error::Conflict(format!("{vin} {position}: no key in force to revoke"))
                })?,
            };
            let n = db.exec(
                "UPDATE ecu_keys SET revoked_at = ?1, reason = ?2
                  WHERE ecu_id = ?3 AND key_id = ?4 AND revoked_at IS NULL",
                vals![int(at), reason, f.id, &target],
            )?;
            if n == 0 {
                return Err(Error::NotFound(format!(
                    "{vin} {position}: no unrevoked key {target}"
                )));
            }
            Ok(target)
        })
    }

    /// Prescribes the system configuration `config_digest` (a manifest
    /// digest, hex) for each vehicle, in one transaction. The registry
    /// names the configuration when it knows it; an unknown one is
    /// recorded and flagged by `drift`.
    pub fn assign(&mut self, vins: &[String], config_digest: &str, reason: &str) -> Result<u64> {
        let digest = modelseal_registry::parse_digest(config_digest)
            .map(hex::encode)
            .map_err(|e| Error::Argument(e.to_string()))?;
        let at = now();
        self.db.transaction(|db| {
            let named = db.query_one(
                "SELECT c.config_id, c.config_version FROM configs c
                   JOIN manifests m ON m.id = c.manifest_id WHERE m.digest = ?1",
                vals![&digest],
            )?;
            let (cid, cver) = match &named {
                Some(r) => (r.opt_text(0)?, r.opt_text(1)?),
                None => (None, None),
            };
            let mut n = 0;
            for vin in vins {
                let v = vehicle_id(db, vin)?.ok_or_else(|| no_vehicle(vin))?;
                let id = db
                    .query_one(
                        "INSERT INTO assignments
                           (vehicle_id, config_digest, config_id, config_version, assigned_at, reason)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
                        vals![v, &digest, cid.clone(), cver.clone(), int(at), reason],
                    )?
                    .ok_or(Error::Internal {
                        invariant: "INSERT … RETURNING returns the row",
                    })?
                    .int(0)?;
                db.exec(
                    "UPDATE vehicles SET assignment_id = ?1 WHERE id = ?2",
                    vals![id, v],
                )?;
                n += 1;
            }
            Ok(n)
        })
    }

    /// A configuration named `id@version` in the registry: its manifest
    /// digest.
    pub fn config_digest(&mut self, name: &str) -> Result<String> {
        let (id, version) = name.split_once('@').ok_or_else(|| {
            Error::Argument(format!(
                "`{name}`: a configuration is its manifest digest or CONFIG_ID@VERSION"
            ))
        })?;
        let rows = self.db.query(
            "SELECT m.digest FROM configs c JOIN manifests m ON m.id = c.manifest_id
              WHERE c.config_id = ?1 AND c.config_version = ?2",
            vals![id, version],
        )?;
        match rows.as_slice() {
            [one] => Ok(one.text(0)?),
            [] => Err(Error::NotFound(format!(
                "configuration {name} is not in the registry"
            ))),
            _ => Err(Error::Argument(format!(
                "configuration {name} names {} manifests; give the digest",
                rows.len()
            ))),
        }
    }
}

fn no_ecu(vin: &str, position: &str) -> Error {
    Error::NotFound(format!("{vin}: no ECU fitted at position {position}"))
}

pub(crate) fn no_vehicle(vin: &str) -> Error {
    Error::NotFound(format!("vehicle {vin} is not enrolled"))
}

pub(crate) fn vehicle_id(db: &mut Db, vin: &str) -> Result<Option<i64>> {
    Ok(db
        .query_one("SELECT id FROM vehicles WHERE vin = ?1", vals![vin])?
        .map(|r| r.int(0))
        .transpose()?)
}

/// The ECU fitted at `vin`/`position` now, with its keys.
pub(crate) fn fitted(db: &mut Db, vin: &str, position: &str) -> Result<Option<FittedEcu>> {
    Ok(fitted_ecus(db, FittedBy::Position(vin, position))?
        .into_iter()
        .next())
}

fn insert_key(db: &mut Db, ecu: i64, key: &EcuPublicKey, at: u64) -> Result<()> {
    db.exec(
        "INSERT INTO ecu_keys (ecu_id, algorithm, public_key, key_id, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        vals![
            ecu,
            key.algorithm().name(),
            key.bytes(),
            key.key_id(),
            int(at)
        ],
    )?;
    Ok(())
}

/// Enrols `ecus` in the caller's transaction, in a handful of statements
/// whatever their number: what is fitted where is read once, each
/// enrolment is decided against it (and against the ones before it in the
/// list), and the new vehicles, ECUs and keys are appended in bulk. A
/// replacement ends the old ECU as it is decided.
fn enroll_all(db: &mut Db, ecus: &[Enrolment], replace: bool, now: u64) -> Result<Vec<Enrolled>> {
    use std::collections::HashMap;
    let conflict = |m: String| Err(Error::Conflict(m));
    let mut vins: Vec<&str> = ecus.iter().map(|e| e.vin.as_str()).collect();
    vins.sort_unstable();
    vins.dedup();
    let mut serials: Vec<&str> = ecus.iter().map(|e| e.serial.as_str()).collect();
    serials.sort_unstable();
    serials.dedup();
    let as_text = |v: &[&str]| v.iter().map(|x| Val::from(*x)).collect::<Vec<_>>();
    let mut vehicles: HashMap<String, Option<i64>> = HashMap::new();
    for r in db.query_in(
        "SELECT vin, id FROM vehicles WHERE vin IN ({})",
        &as_text(&vins),
    )? {
        vehicles.insert(r.text(0)?, Some(r.int(1)?));
    }
    // What is fitted now: by (VIN, position), and by (hardware id, serial).
    // `None` as the ECU id marks one enrolled earlier in this list.
    struct Slot {
        id: Option<i64>,
        hardware_id: String,
        serial: String,
        key_id: Option<String>,
    }
    let mut at_position: HashMap<(String, String), Slot> = HashMap::new();
    for e in fitted_ecus(db, FittedBy::Vins(&vins))? {
        let key_id = e.in_force().map(|k| k.key_id.clone());
        at_position.insert(
            (e.vin, e.position),
            Slot {
                id: Some(e.id),
                hardware_id: e.hardware_id,
                serial: e.serial,
                key_id,
            },
        );
    }
    let mut placed: HashMap<(String, String), (String, String)> = HashMap::new();
    for e in fitted_ecus(db, FittedBy::Serials(&serials))? {
        placed.insert((e.hardware_id, e.serial), (e.vin, e.position));
    }
    // Changes in what runs, from the ECUs this list replaces: applied once,
    // with ingest's bulk path.
    let mut running = crate::ingest::RunningDelta::new();
    let mut outcomes = Vec::with_capacity(ecus.len());
    let mut new: Vec<&Enrolment> = Vec::new();
    for e in ecus {
        let device = (e.hardware_id.clone(), e.serial.clone());
        let here = (e.vin.clone(), e.position.clone());
        // The same ECU fitted anywhere else is a conflict: it is one device.
        if let Some((vin, position)) = placed.get(&device) {
            if (vin, position) != (&here.0, &here.1) {
                return conflict(format!(
                    "ECU {} serial {} is fitted in {vin} at {position}; remove it there first",
                    e.hardware_id, e.serial
                ));
            }
        }
        let mut outcome = Enrolled::New;
        if let Some(slot) = at_position.get(&here) {
            if slot.serial == e.serial && slot.hardware_id == e.hardware_id {
                if slot.key_id.as_deref() == Some(e.key.key_id().as_str()) {
                    outcomes.push(Enrolled::Unchanged);
                    continue;
                }
                return conflict(format!(
                    "{} {}: serial {} is enrolled with another key; rotate it with `fleet key rotate`",
                    e.vin, e.position, e.serial
                ));
            }
            if !replace {
                return conflict(format!(
                    "{} {}: serial {} is fitted there; give --replace to record {} as its replacement",
                    e.vin, e.position, slot.serial, e.serial
                ));
            }
            let Some(old) = slot.id else {
                return conflict(format!(
                    "{} {}: the list names this position twice",
                    e.vin, e.position
                ));
            };
            remove_ecu(db, old, e.fitted_at.unwrap_or(now), &mut running)?;
            placed.remove(&(slot.hardware_id.clone(), slot.serial.clone()));
            outcome = Enrolled::Replaced;
        }
        at_position.insert(
            here.clone(),
            Slot {
                id: None,
                hardware_id: e.hardware_id.clone(),
                serial: e.serial.clone(),
                key_id: Some(e.key.key_id()),
            },
        );
        placed.insert(device, here);
        vehicles.entry(e.vin.clone()).or_insert(None);
        new.push(e);
        outcomes.push(outcome);
    }
    crate::ingest::apply_running(db, &running)?;
    // Appends: new vehicles, then the ECUs and their keys.
    let missing: Vec<String> = {
        let mut m: Vec<String> = vehicles
            .iter()
            .filter(|(_, id)| id.is_none())
            .map(|(v, _)| v.clone())
            .collect();
        m.sort();
        m
    };
    let vehicle_ids = db.reserve_ids("vehicles", missing.len())?;
    let mut rows = Vec::with_capacity(missing.len());
    for (vin, id) in missing.iter().zip(&vehicle_ids) {
        vehicles.insert(vin.clone(), Some(*id));
        rows.push(vec![Val::Int(*id), Val::from(vin), int(now)]);
    }
    db.copy_in("vehicles", &["id", "vin", "enrolled_at"], &rows)?;
    let ecu_ids = db.reserve_ids("ecus", new.len())?;
    let key_ids = db.reserve_ids("ecu_keys", new.len())?;
    let (mut ecu_rows, mut key_rows) =
        (Vec::with_capacity(new.len()), Vec::with_capacity(new.len()));
    for ((e, ecu), key) in new.iter().zip(&ecu_ids).zip(&key_ids) {
        let vehicle = vehicles
            .get(&e.vin)
            .copied()
            .flatten()
            .ok_or(Error::Internal {
                invariant: "every vehicle of the list has an id",
            })?;
        let at = int(e.fitted_at.unwrap_or(now));
        ecu_rows.push(vec![
            Val::Int(*ecu),
            Val::Int(vehicle),
            Val::from(&e.position),
            Val::from(&e.hardware_id),
            Val::from(&e.serial),
            at.clone(),
        ]);
        key_rows.push(vec![
            Val::Int(*key),
            Val::Int(*ecu),
            Val::from(e.key.algorithm().name()),
            Val::Blob(e.key.bytes()),
            Val::from(e.key.key_id()),
            at,
        ]);
    }
    db.copy_in(
        "ecus",
        &[
            "id",
            "vehicle_id",
            "position",
            "hardware_id",
            "serial",
            "fitted_at",
        ],
        &ecu_rows,
    )?;
    db.copy_in(
        "ecu_keys",
        &[
            "id",
            "ecu_id",
            "algorithm",
            "public_key",
            "key_id",
            "added_at",
        ],
        &key_rows,
    )?;
    Ok(outcomes)
}

/// Records an ECU as removed: its current install ends now (its models
/// leave `running`, as changes added to `running`), its keys are retired.
fn remove_ecu(
    db: &mut Db,
    ecu: i64,
    at: u64,
    running: &mut crate::ingest::RunningDelta,
) -> Result<()> {
    crate::ingest::end_current_install(db, ecu, at, running)?;
    db.exec(
        "UPDATE ecus SET removed_at = ?1, current_install = NULL WHERE id = ?2",
        vals![int(at), ecu],
    )?;
    db.exec(
        "UPDATE ecu_keys SET retired_at = ?1
          WHERE ecu_id = ?2 AND retired_at IS NULL AND revoked_at IS NULL",
        vals![int(at), ecu],
    )?;
    Ok(())
}
