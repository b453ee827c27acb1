//! The fleet inventory on SQLite and on a real PostgreSQL server, the same
//! scenario on both: enrolment (Ed25519 and P-256 device keys), ingest of
//! signed version reports with every refusal (forged, unknown ECU, another
//! vehicle's ECU, revoked and retired keys, replayed and out-of-order
//! sequence numbers, malformed and truncated bytes), duplicates as no-ops,
//! ECU replacement and key rotation kept as history, `which` now and at a
//! time, `show --at`, `drift`, `diff`, incidents and their walk, results
//! from the road; a PostgreSQL server killed mid-ingest; and a fleet
//! loaded in bulk into PostgreSQL planned as loaded.

#[path = "../../modelseal-registry/tests/pg/mod.rs"]
mod pg;

use modelseal::report::{EcuSigningKey, sign_fields};
use modelseal_core::report::Algorithm;
use modelseal_core::report::{ReportComponentBuf, ReportConfigBuf, ReportDocBuf, ReportHeadBuf};
use modelseal_fleet::enroll::{Enrolled, Enrolment, EnrolmentRow, parse_cmdb};
use modelseal_fleet::incident::{NewIncident, OnlineResult};
use modelseal_fleet::ingest::IngestOptions;
use modelseal_fleet::query::Filter;
use modelseal_fleet::{Inventory, Page};

/// The two tests of one scenario (a function of the database's address):
/// on SQLite in a temporary file, and on a PostgreSQL server started for it.
macro_rules! on_both_engines {
    ($sqlite:ident, $postgres:ident, $scenario:ident, $file:literal) => {
        #[test]
        fn $sqlite() {
            let d = tempfile::tempdir().unwrap();
            $scenario(d.path().join($file).to_str().unwrap());
        }

        #[test]
        fn $postgres() {
            let server = pg::Postgres::start();
            $scenario(&server.database());
        }
    };
}

const FAMILY: &str = "perception_front_camera";
const T0: u64 = 1_780_000_000;

/// A simulated ECU: its key, identity and report counter.
struct Ecu {
    vin: String,
    position: &'static str,
    hardware_id: &'static str,
    serial: String,
    key: EcuSigningKey,
    sequence: u64,
}

impl Ecu {
    fn new(vin: &str, position: &'static str, serial: &str, alg: Algorithm) -> Self {
        Self {
            vin: vin.into(),
            position,
            hardware_id: if position == "front_camera" {
                "HW-FC-0042"
            } else {
                "HW-GW-0001"
            },
            serial: serial.into(),
            key: EcuSigningKey::generate(alg).expect("key"),
            sequence: 0,
        }
    }

    fn enrolment(&self) -> Enrolment {
        Enrolment {
            vin: self.vin.clone(),
            position: self.position.into(),
            hardware_id: self.hardware_id.into(),
            serial: self.serial.clone(),
            key: self.key.public_key(),
            fitted_at: None,
        }
    }

    /// The next report: running `version` of the family (digest derived
    /// from it) under configuration `config` (none for 0), at time `t`.
    fn report(&mut self, version: &str, config: u8, t: u64) -> Vec<u8> {
        self.sequence += 1;
        let seq = self.sequence;
        self.report_with(seq, version, config, t)
    }

    fn report_with(&mut self, sequence: u64, version: &str, config: u8, t: u64) -> Vec<u8> {
        // The camera runs the perception model; the gateway its own.
        let family = if self.position == "front_camera" {
            FAMILY
        } else {
            "gateway_router"
        };
        let doc = ReportDocBuf {
            head: ReportHeadBuf {
                nonce: vec![7; 16],
                sequence,
                time: Some(t),
                hardware_id: self.hardware_id.into(),
                serial: self.serial.clone(),
                ecu_name: Some(self.position.into()),
                manifest_digest: manifest(family, version),
                kind: 2,
                security_counter: 5,
                component_floor: 5,
                system_config_floor: 1,
                root_version: 1,
                config: (config != 0).then(|| ReportConfigBuf {
                    config_id: "CFG-EU".into(),
                    config_version: format!("{config}.0"),
                    digest: [config; 32],
                }),
                version: version.into(),
            },
            components: vec![ReportComponentBuf {
                family: family.into(),
                version: version.into(),
                stage: 3,
            }],
            signers: vec![],
        };
        sign_fields(&doc, &mut self.key).expect("sign")
    }
}

fn manifest(family: &str, version: &str) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(format!("{family}@{version}")).into()
}

fn model(version: &str) -> Filter {
    Filter::Model {
        family: FAMILY.into(),
        version: version.into(),
    }
}

fn opts(at: u64) -> IngestOptions {
    IngestOptions {
        received_at: at,
        ..IngestOptions::default()
    }
}

fn one(
    inv: &mut Inventory,
    source: &str,
    bytes: Vec<u8>,
    o: &IngestOptions,
) -> (String, Option<String>) {
    let s = inv.ingest(vec![(source.into(), bytes)], o).expect("ingest");
    let r = &s.reports[0];
    (r.outcome.to_owned(), r.reason.clone())
}

fn refused_for(inv: &mut Inventory, bytes: Vec<u8>, o: &IngestOptions, why: &str) {
    let (outcome, reason) = one(inv, "r", bytes, o);
    assert_eq!(outcome, "refused", "expected a refusal for {why}");
    let reason = reason.unwrap_or_default();
    assert!(reason.contains(why), "{reason:?} should say {why:?}");
}

/// A front camera (Ed25519) and a gateway (P-256) for each of `vins`, car
/// by car; serials `FC-{tag}{n}` and `GW-{tag}{n}` for the n-th car.
fn camera_and_gateway(vins: &[&str], tag: &str) -> Vec<Ecu> {
    vins.iter()
        .enumerate()
        .flat_map(|(n, vin)| {
            [
                Ecu::new(
                    vin,
                    "front_camera",
                    &format!("FC-{tag}{n}"),
                    Algorithm::Ed25519,
                ),
                Ecu::new(
                    vin,
                    "gateway",
                    &format!("GW-{tag}{n}"),
                    Algorithm::EcdsaP256,
                ),
            ]
        })
        .collect()
}

fn count(inv: &mut Inventory, table: &str) -> i64 {
    inv.db()
        .query_one(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .unwrap()
        .unwrap()
        .int(0)
        .unwrap()
}

/// What the inventory keeps derived from its history agrees with it: the
/// running counts with the installs running now, each install's
/// last-report sequence and time with that report, and each install's
/// bundle with what its first report says is installed.
fn assert_derived_state_consistent(inv: &mut Inventory) {
    let recount = inv
        .db()
        .query(
            "SELECT family, version, COUNT(DISTINCT vehicle_id) FROM install_models
              WHERE until IS NULL GROUP BY family, version ORDER BY family, version",
            &[],
        )
        .unwrap();
    let kept = inv
        .db()
        .query(
            "SELECT family, version, vehicles FROM running_counts WHERE vehicles > 0
              ORDER BY family, version",
            &[],
        )
        .unwrap();
    assert_eq!(recount, kept, "running_counts");
    let per_vehicle = inv
        .db()
        .query(
            "SELECT family, version, vehicle_id, COUNT(*) FROM install_models
              WHERE until IS NULL GROUP BY family, version, vehicle_id
              ORDER BY family, version, vehicle_id",
            &[],
        )
        .unwrap();
    let running = inv
        .db()
        .query(
            "SELECT family, version, vehicle_id, ecus FROM running
              ORDER BY family, version, vehicle_id",
            &[],
        )
        .unwrap();
    assert_eq!(per_vehicle, running, "running");
    // Each install's copy of its last report's sequence and time (the
    // time the report says, else when it was received).
    let installs = inv
        .db()
        .query(
            "SELECT i.id, i.last_sequence, i.last_observed_at, r.sequence, r.received_at, r.body
               FROM installs i JOIN reports r ON r.id = i.last_report ORDER BY i.id",
            &[],
        )
        .unwrap();
    assert_eq!(
        installs.len() as i64,
        count(inv, "installs"),
        "every install's last report"
    );
    for r in &installs {
        let body =
            modelseal::report::claimed(&r.blob(5).unwrap()).expect("a recorded body decodes");
        assert_eq!(
            body.sequence,
            r.u64(3).unwrap(),
            "the row's sequence is the body's"
        );
        let last = (r.opt_u64(1).unwrap(), r.opt_u64(2).unwrap());
        let observed = body.time.unwrap_or(r.u64(4).unwrap());
        assert_eq!(
            last,
            (Some(body.sequence), Some(observed)),
            "install {}",
            r.int(0).unwrap()
        );
    }
    // Each ECU's last report sequence and time are its running install's
    // (what `show` reads from the ECU's row).
    let differ = inv
        .db()
        .query(
            "SELECT e.id, e.last_sequence, i.last_sequence, e.last_observed_at, i.last_observed_at
               FROM ecus e JOIN installs i ON i.id = e.current_install
              WHERE e.last_sequence <> i.last_sequence OR e.last_observed_at <> i.last_observed_at
                 OR e.last_observed_at IS NULL",
            &[],
        )
        .unwrap();
    assert!(differ.is_empty(), "the ECU row's last report: {differ:?}");
    // Each install's bundle row: the manifest, kind, version and
    // configuration its first report names (decoded here from the signed
    // bytes, not by the library's ingest).
    let installs = inv
        .db()
        .query(
            "SELECT i.id, r.body, b.manifest_digest, b.kind, b.bundle_version,
                    b.config_id, b.config_version, b.config_digest
               FROM installs i JOIN bundles b ON b.id = i.bundle_id
               JOIN reports r ON r.id = i.first_report ORDER BY i.id",
            &[],
        )
        .unwrap();
    assert_eq!(
        installs.len() as i64,
        count(inv, "installs"),
        "every install's bundle and first report"
    );
    for r in &installs {
        let body = r.blob(1).unwrap();
        let (head, _) = postcard::take_from_bytes::<modelseal_core::report::ReportHead<'_>>(
            &body[modelseal_core::limits::REPORT_HEADER_LEN..],
        )
        .expect("a recorded body decodes");
        let kind = modelseal_core::BundleKind::from_code(head.kind)
            .map_or_else(|| head.kind.to_string(), |k| k.name().to_owned());
        let config = head.config.map(|c| {
            (
                c.config_id.to_owned(),
                c.config_version.to_owned(),
                hex::encode(c.digest),
            )
        });
        let kept = match (
            r.opt_text(5).unwrap(),
            r.opt_text(6).unwrap(),
            r.opt_text(7).unwrap(),
        ) {
            (None, None, None) => None,
            (Some(i), Some(v), Some(d)) => Some((i, v, d)),
            partial => panic!("a configuration is whole or absent: {partial:?}"),
        };
        assert_eq!(
            (
                r.text(2).unwrap(),
                r.text(3).unwrap(),
                r.text(4).unwrap(),
                kept
            ),
            (
                hex::encode(head.manifest_digest),
                kind,
                head.version.to_owned(),
                config
            ),
            "install {}",
            r.int(0).unwrap()
        );
    }
}

fn scenario(target: &str) {
    let mut inv = Inventory::open(target).expect("open");
    let vins = [
        "WVW00000000000001",
        "WVW00000000000002",
        "WVW00000000000003",
    ];
    let mut ecus = camera_and_gateway(&vins, "");
    let all: Vec<Enrolment> = ecus.iter().map(Ecu::enrolment).collect();
    assert!(
        inv.enroll(&all, false)
            .unwrap()
            .iter()
            .all(|e| *e == Enrolled::New)
    );
    // Enrolling the same again changes nothing.
    assert!(
        inv.enroll(&all, false)
            .unwrap()
            .iter()
            .all(|e| *e == Enrolled::Unchanged)
    );

    // Every ECU reports v1.3.5 at T0 (in one stream, out of order).
    let mut stream: Vec<(String, Vec<u8>)> = ecus
        .iter_mut()
        .enumerate()
        .map(|(i, e)| (format!("r{i}"), e.report("v1.3.5", 1, T0)))
        .collect();
    stream.reverse();
    let s = inv.ingest(stream.clone(), &opts(T0 + 5)).unwrap();
    assert_eq!((s.recorded, s.duplicates, s.refused), (6, 0, 0), "{s:?}");
    assert_eq!(s.unknown_manifests, 6, "the registry knows none of these");
    // The same stream again: all no-ops.
    let s = inv.ingest(stream, &opts(T0 + 6)).unwrap();
    assert_eq!((s.recorded, s.duplicates, s.refused), (0, 6, 0));

    let w = inv.which(&model("v1.3.5"), None, Page::default()).unwrap();
    assert_eq!(w.vehicles, 3);
    assert_eq!(w.vins.items, vins.to_vec());

    // Vehicle 1's camera updates to v1.3.6 at T0+100 (reports 2 and 3:
    // the second only extends the install).
    for (i, t) in [(0, T0 + 100), (0, T0 + 150)] {
        let r = ecus[i].report("v1.3.6", 1, t);
        assert_eq!(one(&mut inv, "u", r, &opts(t)).0, "recorded");
    }
    let now = inv.which(&model("v1.3.5"), None, Page::default()).unwrap();
    assert_eq!(now.vehicles, 2);
    assert_eq!(
        inv.which(&model("v1.3.6"), None, Page::default())
            .unwrap()
            .vehicles,
        1
    );
    let before = inv
        .which(&model("v1.3.5"), Some(T0 + 50), Page::default())
        .unwrap();
    assert_eq!(before.vehicles, 3, "at T0+50 all three ran v1.3.5");
    assert_eq!(
        inv.which(&model("v1.3.5"), Some(T0 + 100), Page::default())
            .unwrap()
            .vehicles,
        2,
        "an interval ends when the next begins"
    );
    // The generic path and the fast path agree now.
    let generic = inv
        .which(
            &Filter::Config {
                id: "CFG-EU".into(),
                version: "1.0".into(),
            },
            None,
            Page::default(),
        )
        .unwrap();
    assert_eq!(generic.vehicles, 3);
    assert_eq!(
        inv.which(&Filter::Stage("staging".into()), None, Page::default())
            .unwrap()
            .vehicles,
        0,
        "stage names are the report's: code 3 is {}",
        modelseal::identity::stage_name(modelseal_core::Stage::from_code(3).unwrap())
    );
    // Paging.
    let p1 = inv
        .which(
            &model("v1.3.5"),
            None,
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .unwrap();
    assert_eq!(p1.vins.items.len(), 1);
    assert_eq!(p1.vins.next_offset, Some(1));
    let p2 = inv
        .which(
            &model("v1.3.5"),
            None,
            Page {
                offset: 1,
                limit: 1,
            },
        )
        .unwrap();
    assert_eq!(p2.vins.next_offset, None);
    assert_ne!(p1.vins.items, p2.vins.items);

    // show: now and at a time.
    let v = inv.show(vins[0], None).unwrap();
    let cam = v
        .ecus
        .iter()
        .find(|e| e.position == "front_camera")
        .unwrap();
    let installed = cam.installed.as_ref().unwrap();
    assert_eq!(installed.models[0].version, "v1.3.6");
    assert_eq!(installed.last_sequence, 3);
    assert_eq!(installed.since, T0 + 100);
    assert!(!installed.known_manifest);
    assert!(cam.key.as_ref().unwrap().starts_with("ed25519:"));
    let gw = v.ecus.iter().find(|e| e.position == "gateway").unwrap();
    assert!(gw.key.as_ref().unwrap().starts_with("ecdsa-p256:"));
    let then = inv.show(vins[0], Some(T0 + 10)).unwrap();
    let cam_then = then
        .ecus
        .iter()
        .find(|e| e.position == "front_camera")
        .unwrap();
    assert_eq!(
        cam_then.installed.as_ref().unwrap().models[0].version,
        "v1.3.5"
    );
    assert_eq!(cam_then.installed.as_ref().unwrap().until, Some(T0 + 100));

    // diff: what changed on vehicle 1.
    let d = inv.diff(vins[0], T0 + 10, T0 + 200).unwrap();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].position, "front_camera");

    // Refusals, each changing nothing.
    let reports_before = count(&mut inv, "reports");
    let mut stranger = Ecu::new(vins[1], "front_camera", "FC-1", Algorithm::Ed25519);
    stranger.sequence = 50;
    refused_for(
        &mut inv,
        stranger.report("v9", 1, T0 + 300),
        &opts(T0 + 300),
        "forged",
    );
    let mut unknown = Ecu::new(vins[1], "front_camera", "FC-99", Algorithm::Ed25519);
    refused_for(
        &mut inv,
        unknown.report("v9", 1, T0),
        &opts(T0),
        "unknown ECU",
    );
    let r = ecus[2].report("v1.3.5", 1, T0 + 300);
    let other_vin = IngestOptions {
        vin: Some(vins[0].into()),
        ..opts(T0 + 300)
    };
    refused_for(&mut inv, r.clone(), &other_vin, "enrolled under");
    // Replayed sequence (a different report with an old number).
    let replay = ecus[2].report_with(1, "v1.3.7", 1, T0 + 400);
    refused_for(
        &mut inv,
        replay,
        &opts(T0 + 400),
        "not above the last recorded",
    );
    // Malformed and truncated.
    refused_for(
        &mut inv,
        b"not a report at all".to_vec(),
        &opts(T0),
        "not a version report",
    );
    refused_for(&mut inv, r[..r.len() - 10].to_vec(), &opts(T0), "truncated");
    refused_for(
        &mut inv,
        r[..12].to_vec(),
        &opts(T0),
        "not a version report",
    );
    assert_eq!(count(&mut inv, "reports"), reports_before);
    // The held-back report of ECU 2 (sequence 2) is still good.
    assert_eq!(one(&mut inv, "late", r, &opts(T0 + 300)).0, "recorded");

    // Key rotation: the old key's reports are refused as retired; the new
    // key's accepted. Revocation: refused as revoked.
    assert_eq!(
        (ecus[4].vin.as_str(), ecus[4].position),
        (vins[2], "front_camera")
    );
    inv.rotate_key(vins[2], "front_camera", &ecus[4].key.public_key())
        .expect_err("rotating to the key in force is refused");
    let new = EcuSigningKey::generate(Algorithm::Ed25519).unwrap();
    inv.rotate_key(vins[2], "front_camera", &new.public_key())
        .unwrap();
    let by_old = ecus[4].report("v1.3.5", 1, T0 + 500);
    refused_for(&mut inv, by_old, &opts(T0 + 500), "retired key");
    ecus[4].key = new;
    let by_new = ecus[4].report("v1.3.5", 1, T0 + 510);
    assert_eq!(one(&mut inv, "new", by_new, &opts(T0 + 510)).0, "recorded");
    let revoked = inv
        .revoke_key(vins[2], "front_camera", None, "key extracted")
        .unwrap();
    assert_eq!(revoked, ecus[4].key.public_key().key_id());
    let after = ecus[4].report("v1.3.5", 1, T0 + 520);
    refused_for(&mut inv, after, &opts(T0 + 520), "revoked key");

    // ECU replacement: vehicle 2's gateway gets a new unit.
    let mut replacement = Ecu::new(vins[1], "gateway", "GW-1-B", Algorithm::Ed25519);
    inv.enroll(&[replacement.enrolment()], false)
        .expect_err("a new serial in a taken position needs --replace");
    assert_eq!(
        inv.enroll(&[replacement.enrolment()], true).unwrap(),
        vec![Enrolled::Replaced]
    );
    let from_old_unit = ecus[3].report("v1.3.5", 1, T0 + 600);
    refused_for(&mut inv, from_old_unit, &opts(T0 + 600), "was removed");
    let fresh = replacement.report("v1.3.5", 1, T0 + 610);
    assert_eq!(one(&mut inv, "repl", fresh, &opts(T0 + 610)).0, "recorded");
    // The same ECU cannot be fitted in two vehicles.
    let mut dup = replacement.enrolment();
    dup.vin = vins[0].into();
    dup.position = "rear_camera".into();
    inv.enroll(&[dup], false)
        .expect_err("one device, one place");
    // History: vehicle 2 at T0+10 still shows the old gateway.
    let v2_then = inv.show(vins[1], Some(T0 + 10)).unwrap();
    assert_eq!(
        v2_then
            .ecus
            .iter()
            .find(|e| e.position == "gateway")
            .unwrap()
            .serial,
        "GW-1"
    );
    // The running counts match a recount from the install history.
    assert_eq!(
        inv.which(&model("v1.3.5"), None, Page::default())
            .unwrap()
            .vehicles,
        inv.which(&model("v1.3.5"), Some(T0 + 10_000), Page::default())
            .unwrap()
            .vehicles
    );

    // Drift: vehicle 1 is prescribed configuration 2; it reports 1.
    inv.assign(&[vins[0].to_owned()], &hex::encode([2u8; 32]), "campaign 7")
        .unwrap();
    let drift = inv.drift(Page::default()).unwrap();
    let v1 = drift.items.iter().find(|d| d.vin == vins[0]).unwrap();
    assert!(
        v1.reasons.iter().any(|r| r.contains("prescribed")),
        "{v1:?}"
    );
    assert!(
        v1.reasons
            .iter()
            .any(|r| r.contains("registry does not know")),
        "{v1:?}"
    );
    let shown = inv.show(vins[0], None).unwrap();
    assert_eq!(shown.prescribed.unwrap().reason, "campaign 7");
    assert!(
        inv.show(vins[0], Some(T0)).unwrap().prescribed.is_none(),
        "assigned now, not at T0"
    );

    // Incidents: the walk from what ran at that time.
    let inc = inv
        .add_incident(&NewIncident {
            vin: vins[0].into(),
            at: T0 + 50,
            kind: "performance".into(),
            external_id: "INC-1".into(),
            odd: vec!["rain".into(), "night".into()],
            summary: "late braking".into(),
        })
        .unwrap();
    let cam = inc
        .models
        .iter()
        .find(|m| m.position == "front_camera")
        .unwrap();
    assert_eq!(cam.version, "v1.3.5", "what ran at T0+50, not now");
    assert!(!cam.registered);
    assert_eq!(inc.odd, vec!["rain", "night"]);
    inv.add_incident(&NewIncident {
        vin: vins[0].into(),
        at: T0 + 50,
        kind: "performance".into(),
        external_id: "INC-1".into(),
        odd: vec![],
        summary: String::new(),
    })
    .expect_err("one incident per tracker id");
    inv.add_incident(&NewIncident {
        vin: vins[0].into(),
        at: T0,
        kind: "weather".into(),
        external_id: "INC-2".into(),
        odd: vec![],
        summary: String::new(),
    })
    .expect_err("a known kind");
    let listed = inv
        .incidents(Some((FAMILY, "v1.3.5")), Page::default())
        .unwrap();
    assert_eq!(listed.items.len(), 1);
    assert!(
        inv.incidents(Some((FAMILY, "v1.3.6")), Page::default())
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(inv.incident("INC-1").unwrap().vin, vins[0]);

    // Results from the road.
    let result = OnlineResult {
        family: FAMILY.into(),
        version: "v1.3.5".into(),
        metric: "false_brake_per_1000km".into(),
        value: 0.25,
        window_start: T0,
        window_end: T0 + 86_400,
        source: "fleet-monitor".into(),
    };
    assert_eq!(
        inv.add_online(&[result.clone(), result.clone()]).unwrap(),
        1
    );
    assert_eq!(inv.online(FAMILY, "v1.3.5").unwrap(), vec![result]);
    assert_derived_state_consistent(&mut inv);
}

on_both_engines!(
    the_inventory_on_sqlite,
    the_inventory_on_postgresql,
    scenario,
    "fleet.db"
);

#[test]
fn cmdb_exports_enrol_all_or_nothing() {
    let d = tempfile::tempdir().unwrap();
    let mut inv = Inventory::open(d.path().join("f.db").to_str().unwrap()).unwrap();
    let k1 = EcuSigningKey::generate(Algorithm::Ed25519)
        .unwrap()
        .public_key();
    let k2 = EcuSigningKey::generate(Algorithm::EcdsaP256)
        .unwrap()
        .public_key();
    let csv = format!(
        "vin,position,hardware_id,serial,algorithm,public_key\n\
         V1,front_camera,HW-FC,S1,ed25519,{}\n\
         V1,gateway,HW-GW,S2,ecdsa-p256,{}\n",
        hex::encode(k1.bytes()),
        hex::encode(k2.bytes())
    );
    let rows = parse_cmdb(&csv).unwrap();
    let json = serde_json::to_string(&rows).unwrap();
    assert_eq!(parse_cmdb(&json).unwrap().len(), 2);
    let e: Vec<_> = rows.iter().map(|r| r.parse().unwrap()).collect();
    assert_eq!(
        inv.enroll(&e, false).unwrap(),
        vec![Enrolled::New, Enrolled::New]
    );
    // A file with one conflicting row changes nothing.
    let mut bad: Vec<EnrolmentRow> = rows.clone();
    bad.push(EnrolmentRow {
        vin: "V2".into(),
        serial: "S1".into(),
        ..rows[0].clone()
    });
    bad.push(EnrolmentRow {
        vin: "V3".into(),
        serial: "S9".into(),
        ..rows[0].clone()
    });
    let e: Vec<_> = bad.iter().map(|r| r.parse().unwrap()).collect();
    inv.enroll(&e, false).expect_err("S1 is fitted in V1");
    assert!(
        inv.show("V3", None).is_err(),
        "nothing of the file was kept"
    );
    // One file naming one device in two places, or one position twice.
    let twice = vec![
        EnrolmentRow {
            vin: "V4".into(),
            serial: "S40".into(),
            ..rows[0].clone()
        },
        EnrolmentRow {
            vin: "V5".into(),
            serial: "S40".into(),
            ..rows[0].clone()
        },
    ];
    let e: Vec<_> = twice.iter().map(|r| r.parse().unwrap()).collect();
    inv.enroll(&e, false)
        .expect_err("one device, one place, within a file too");
    let mut same_position = twice.clone();
    same_position[1].vin = "V4".into();
    same_position[1].serial = "S41".into();
    let e: Vec<_> = same_position.iter().map(|r| r.parse().unwrap()).collect();
    inv.enroll(&e, false).expect_err("a position named twice");
    inv.enroll(&e, true)
        .expect_err("a position named twice, even with --replace");
    assert!(
        inv.show("V4", None).is_err(),
        "nothing of those files was kept"
    );
    // Bad rows are named.
    assert!(parse_cmdb("vin,position\nV1,x\n").is_err());
    let short = EnrolmentRow {
        public_key: "abcd".into(),
        ..rows[0].clone()
    };
    assert!(short.parse().is_err());
}

/// `vehicles` cameras enrolled, and their reports for `rounds` rounds (in
/// round order), cycling through `versions` versions `v0`, `v1`, …
fn cameras(
    inv: &mut Inventory,
    vehicles: usize,
    rounds: u64,
    versions: u64,
) -> (Vec<Ecu>, Vec<(String, Vec<u8>)>) {
    let mut ecus: Vec<Ecu> = (0..vehicles)
        .map(|i| {
            Ecu::new(
                &format!("VIN{i:05}"),
                "front_camera",
                &format!("FC-{i}"),
                Algorithm::Ed25519,
            )
        })
        .collect();
    let all: Vec<Enrolment> = ecus.iter().map(Ecu::enrolment).collect();
    inv.enroll(&all, false).unwrap();
    let mut reports = Vec::new();
    for round in 0..rounds {
        for e in &mut ecus {
            let v = format!("v{}", round % versions);
            reports.push((String::new(), e.report(&v, 1, T0 + round)));
        }
    }
    (ecus, reports)
}

#[test]
fn a_postgresql_server_killed_mid_ingest_keeps_whole_batches_only() {
    let mut server = pg::Postgres::start();
    let url = server.database();
    let mut inv = Inventory::open(&url).unwrap();
    let (_, reports) = cameras(&mut inv, 40, 100, 3);
    const BATCH: usize = 50;
    let again = reports.clone();
    let worker = std::thread::spawn(move || {
        let o = IngestOptions {
            batch: BATCH,
            ..opts(T0)
        };
        inv.ingest(reports, &o).map(|s| s.recorded)
    });
    // Kill the server once some batches are in.
    let mut watcher = Inventory::open(&url).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while count(&mut watcher, "reports") < 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "ingest made no progress"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    drop(watcher);
    server.kill();
    let r = worker.join().unwrap();
    let e = r.expect_err("the server went away mid-ingest");
    assert!(
        e.to_string().contains("connection") || e.to_string().contains("server"),
        "{e}"
    );
    server.run();
    let mut inv = Inventory::open(&url).unwrap();
    let n = count(&mut inv, "reports");
    assert!((200..4000).contains(&n), "{n}");
    assert_eq!(
        n % BATCH as i64,
        0,
        "only whole batches are committed ({n})"
    );
    // What is recorded is consistent: each ECU's last sequence is its
    // newest report, and every install's last report is its own ECU's.
    let bad = inv
        .db()
        .query_one(
            "SELECT COUNT(*) FROM ecus e
              WHERE COALESCE(e.last_sequence, 0) <>
                    COALESCE((SELECT MAX(r.sequence) FROM reports r WHERE r.ecu_id = e.id), 0)",
            &[],
        )
        .unwrap()
        .unwrap()
        .int(0)
        .unwrap();
    assert_eq!(bad, 0);
    // Ingest again from the start: what was committed is a no-op, the
    // rest records.
    let s = inv.ingest(again, &opts(T0)).unwrap();
    assert_eq!(s.duplicates, n as u64);
    assert_eq!(s.recorded + s.duplicates, 4000);
    assert_eq!(count(&mut inv, "reports"), 4000);
    assert_derived_state_consistent(&mut inv);
}

/// Concurrent ingesting processes (here: connections on threads) with
/// overlapping inputs: every report recorded once, none lost, the counts
/// consistent; on both engines.
fn concurrent(target: &str) {
    let mut inv = Inventory::open(target).unwrap();
    let (_, reports) = cameras(&mut inv, 30, 20, 4);
    let total = reports.len();
    // Four writers: each takes the whole input, in its own order.
    let handles: Vec<_> = (0..4)
        .map(|w| {
            let mut mine = reports.clone();
            if w % 2 == 1 {
                mine.reverse();
            }
            let target = target.to_owned();
            std::thread::spawn(move || {
                let mut inv = Inventory::open(&target).unwrap();
                let o = IngestOptions {
                    batch: 37,
                    ..opts(T0)
                };
                inv.ingest(mine, &o).unwrap()
            })
        })
        .collect();
    let mut recorded = 0;
    for h in handles {
        let s = h.join().unwrap();
        assert_eq!(s.refused + s.recorded + s.duplicates, total as u64);
        // Each writer orders its input by ECU and sequence: what another
        // wrote first is found as the same report, never as a stale one.
        assert_eq!(
            s.refused,
            0,
            "{:?}",
            s.reports.iter().find(|r| r.reason.is_some())
        );
        recorded += s.recorded;
    }
    assert_eq!(
        recorded, total as u64,
        "each report recorded by exactly one writer"
    );
    assert_eq!(count(&mut inv, "reports"), total as i64);
    assert_derived_state_consistent(&mut inv);
    assert_eq!(
        inv.which(&model("v3"), None, Page::default())
            .unwrap()
            .vehicles,
        30,
        "every camera ended on round 19: v3"
    );
}

on_both_engines!(
    concurrent_ingest_records_each_report_once_on_sqlite,
    concurrent_ingest_records_each_report_once_on_postgresql,
    concurrent,
    "c.db"
);

/// What the ingest said about each report, in input order.
fn outcomes(s: &modelseal_fleet::ingest::Summary) -> Vec<&str> {
    s.reports.iter().map(|r| r.outcome).collect()
}

/// (reports, installs, install_models) rows, and every ECU's last sequence.
fn recorded_state(inv: &mut Inventory) -> (i64, i64, i64, Vec<modelseal_fleet::db::Row>) {
    let ecus = inv
        .db()
        .query(
            "SELECT id, last_sequence, current_install FROM ecus ORDER BY id",
            &[],
        )
        .unwrap();
    (
        count(inv, "reports"),
        count(inv, "installs"),
        count(inv, "install_models"),
        ecus,
    )
}

/// Exactly-once by (ECU, sequence) and digest: the same report again (in
/// one input, across batches of one input, across ingests) is a no-op; a
/// different report at a recorded (ECU, sequence), or at an older sequence
/// never recorded, is refused and changes nothing.
fn exactly_once(target: &str) {
    let mut inv = Inventory::open(target).unwrap();
    let vin = "WVW00000000000009";
    let mut cam = Ecu::new(vin, "front_camera", "FC-9", Algorithm::Ed25519);
    let mut gw = Ecu::new(vin, "gateway", "GW-9", Algorithm::EcdsaP256);
    inv.enroll(&[cam.enrolment(), gw.enrolment()], false)
        .unwrap();
    let stale = "is not above the last recorded for this ECU";

    // The same report twice in one input: recorded once.
    let r1 = cam.report("v1", 1, T0);
    let g1 = gw.report("v1", 1, T0);
    let s = inv
        .ingest(
            vec![
                ("a".into(), r1.clone()),
                ("b".into(), g1.clone()),
                ("c".into(), r1.clone()),
                ("d".into(), g1.clone()),
            ],
            &opts(T0 + 1),
        )
        .unwrap();
    assert_eq!(
        outcomes(&s),
        ["recorded", "recorded", "duplicate", "duplicate"]
    );
    // Again, in another ingest: no-ops.
    let before = recorded_state(&mut inv);
    let s = inv
        .ingest(
            vec![("a".into(), r1.clone()), ("b".into(), g1.clone())],
            &opts(T0 + 2),
        )
        .unwrap();
    assert_eq!(outcomes(&s), ["duplicate", "duplicate"]);
    assert_eq!(recorded_state(&mut inv), before);

    // Twice in one input, one report per batch: the second batch finds
    // the first's row.
    let r2 = cam.report("v1", 1, T0 + 10);
    let r3 = cam.report("v2", 1, T0 + 20);
    let s = inv
        .ingest(
            vec![
                ("r3".into(), r3.clone()),
                ("r2".into(), r2.clone()),
                ("r3 again".into(), r3.clone()),
                ("r1".into(), r1.clone()),
            ],
            &IngestOptions {
                batch: 1,
                ..opts(T0 + 30)
            },
        )
        .unwrap();
    assert_eq!(
        outcomes(&s),
        ["recorded", "recorded", "duplicate", "duplicate"]
    );
    assert_eq!(s.refused, 0, "{s:?}");

    // A different report at a recorded (ECU, sequence) — as a device
    // whose counter went back would sign — is refused, alone or next to
    // the recorded one; nothing changes.
    let before = recorded_state(&mut inv);
    let forked = cam.report_with(2, "v9", 1, T0 + 40);
    assert_ne!(forked, r2);
    refused_for(&mut inv, forked.clone(), &opts(T0 + 41), stale);
    let s = inv
        .ingest(
            vec![
                ("forked".into(), forked.clone()),
                ("r2".into(), r2.clone()),
                ("forked again".into(), forked.clone()),
            ],
            &opts(T0 + 42),
        )
        .unwrap();
    assert_eq!(outcomes(&s), ["refused", "duplicate", "refused"]);
    assert!(s.reports[0].reason.as_deref().unwrap().contains(stale));
    assert!(s.reports[2].reason.as_deref().unwrap().contains(stale));
    // The P-256 gateway signs the same fields into other bytes: another
    // report at a recorded sequence, refused too.
    let g1_again = gw.report_with(1, "v1", 1, T0);
    if g1_again != g1 {
        refused_for(&mut inv, g1_again, &opts(T0 + 43), stale);
    }
    assert_eq!(recorded_state(&mut inv), before);

    // An older sequence never recorded (the camera skips from 3 to 6):
    // refused, in the same input as the newer one or after it.
    let r6 = cam.report_with(6, "v3", 1, T0 + 60);
    let r4 = cam.report_with(4, "v3", 1, T0 + 50);
    let s = inv
        .ingest(
            vec![("r6".into(), r6.clone()), ("r4".into(), r4.clone())],
            &opts(T0 + 61),
        )
        .unwrap();
    // In one input, reports are ordered by sequence: 4 before 6, both new.
    assert_eq!(outcomes(&s), ["recorded", "recorded"]);
    let r5 = cam.report_with(5, "v3", 1, T0 + 55);
    let before = recorded_state(&mut inv);
    refused_for(&mut inv, r5.clone(), &opts(T0 + 70), stale);
    let s = inv
        .ingest(
            vec![
                ("r5".into(), r5.clone()),
                ("r6".into(), r6.clone()),
                ("r5 again".into(), r5),
            ],
            &opts(T0 + 71),
        )
        .unwrap();
    assert_eq!(outcomes(&s), ["refused", "duplicate", "refused"]);
    assert_eq!(recorded_state(&mut inv), before);

    // A new report and a different one at the same new sequence in one
    // input: the first recorded, the other refused.
    cam.sequence = 6;
    let r7 = cam.report("v4", 1, T0 + 80);
    let r7_forked = cam.report_with(7, "v5", 1, T0 + 81);
    let s = inv
        .ingest(
            vec![("r7".into(), r7), ("r7 forked".into(), r7_forked)],
            &opts(T0 + 82),
        )
        .unwrap();
    assert_eq!(outcomes(&s), ["recorded", "refused"]);
    assert!(s.reports[1].reason.as_deref().unwrap().contains(stale));

    assert_eq!(count(&mut inv, "reports"), 7, "camera 1-4, 6, 7; gateway 1");
    let cam_now = inv.show(vin, None).unwrap();
    let installed = cam_now
        .ecus
        .iter()
        .find(|e| e.position == "front_camera")
        .and_then(|e| e.installed.as_ref())
        .unwrap();
    assert_eq!(installed.last_sequence, 7);
    assert_eq!(installed.models[0].version, "v4");
    assert_derived_state_consistent(&mut inv);

    // A device fitted again keeps its count. The gateway reports 3 (2 is
    // never sent in), is replaced here and fitted in another vehicle with
    // the same key: its recorded reports are no-ops there, 2 is refused,
    // and 4 is recorded.
    let g2 = gw.report("v1", 1, T0 + 70);
    let g3 = gw.report("v1", 1, T0 + 80);
    assert_eq!(
        one(&mut inv, "g3", g3.clone(), &opts(T0 + 80)).0,
        "recorded"
    );
    let replacement = Ecu::new(vin, "gateway", "GW-9-B", Algorithm::Ed25519);
    assert_eq!(
        inv.enroll(&[replacement.enrolment()], true).unwrap(),
        vec![Enrolled::Replaced]
    );
    gw.vin = "WVW00000000000010".into();
    inv.enroll(&[gw.enrolment()], false).unwrap();
    let before = recorded_state(&mut inv);
    let s = inv
        .ingest(
            vec![("g1".into(), g1.clone()), ("g3".into(), g3.clone())],
            &opts(T0 + 90),
        )
        .unwrap();
    assert_eq!(outcomes(&s), ["duplicate", "duplicate"]);
    refused_for(&mut inv, g2, &opts(T0 + 91), stale);
    assert_eq!(recorded_state(&mut inv), before);
    let g4 = gw.report("v2", 1, T0 + 100);
    assert_eq!(one(&mut inv, "g4", g4, &opts(T0 + 100)).0, "recorded");
    assert_derived_state_consistent(&mut inv);
}

on_both_engines!(
    each_report_recorded_once_on_sqlite,
    each_report_recorded_once_on_postgresql,
    exactly_once,
    "once.db"
);

/// Reports are batched in the order their ECUs first arrived, not in the
/// order of the hardware ids they claim: two cars whose ECUs report car by
/// car, in batches of two, write one car per batch, so each car's installs
/// (and the rows with them) are appended together. Sorted by hardware id,
/// the first batch held both cameras and the second both gateways.
fn batches_keep_a_vehicle_together(target: &str) {
    let mut inv = Inventory::open(target).unwrap();
    let mut ecus = camera_and_gateway(&["WVW00000000000021", "WVW00000000000022"], "2");
    let all: Vec<Enrolment> = ecus.iter().map(Ecu::enrolment).collect();
    inv.enroll(&all, false).unwrap();
    let reports: Vec<(String, Vec<u8>)> = ecus
        .iter_mut()
        .map(|e| (e.serial.clone(), e.report("v1", 1, T0)))
        .collect();
    let s = inv
        .ingest(
            reports,
            &IngestOptions {
                batch: 2,
                ..opts(T0 + 1)
            },
        )
        .unwrap();
    assert_eq!(outcomes(&s), ["recorded"; 4]);
    let rows = inv
        .db()
        .query(
            "SELECT v.vin, MIN(i.id), MAX(i.id) FROM installs i JOIN vehicles v ON v.id = i.vehicle_id
              GROUP BY v.vin ORDER BY v.vin",
            &[],
        )
        .unwrap();
    let ids: Vec<(String, i64, i64)> = rows
        .iter()
        .map(|r| (r.text(0).unwrap(), r.int(1).unwrap(), r.int(2).unwrap()))
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    for (vin, first, last) in &ids {
        assert_eq!(
            last - first,
            1,
            "{vin}'s two installs are adjacent: {ids:?}"
        );
    }
    assert!(
        ids[0].2 < ids[1].1,
        "the first car's before the second's: {ids:?}"
    );
    assert_derived_state_consistent(&mut inv);
}

on_both_engines!(
    batches_keep_a_vehicle_together_on_sqlite,
    batches_keep_a_vehicle_together_on_postgresql,
    batches_keep_a_vehicle_together,
    "together.db"
);

/// A raw connection to the database, without modelseal's migrations.
enum Raw {
    Sqlite(rusqlite::Connection),
    Postgres(Box<postgres::Client>),
}

impl Raw {
    fn open(target: &str) -> Self {
        if target.starts_with("postgres") {
            Raw::Postgres(Box::new(
                postgres::Client::connect(target, postgres::NoTls).unwrap(),
            ))
        } else {
            Raw::Sqlite(rusqlite::Connection::open(target).unwrap())
        }
    }

    fn dialect(&self) -> modelseal_registry::store::Dialect {
        match self {
            Raw::Sqlite(_) => modelseal_registry::store::Dialect::Sqlite,
            Raw::Postgres(_) => modelseal_registry::store::Dialect::Postgres,
        }
    }

    fn batch(&mut self, sql: &str) {
        match self {
            Raw::Sqlite(c) => c.execute_batch(sql).unwrap(),
            Raw::Postgres(c) => c.batch_execute(sql).unwrap(),
        }
    }

    /// The rows of `sql`, whose one column is text.
    fn texts(&mut self, sql: &str) -> Vec<String> {
        match self {
            Raw::Sqlite(c) => {
                let mut st = c.prepare(sql).unwrap();
                st.query_map([], |r| r.get(0))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap()
            }
            Raw::Postgres(c) => c
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect(),
        }
    }
}

/// The indexes of `table` other than its primary key, each as "name:
/// columns[ unique][ WHERE predicate]", sorted: one spelling on both
/// engines, read from each engine's catalogue.
fn index_shapes(raw: &mut Raw, table: &str) -> Vec<String> {
    let mut shapes = match raw {
        Raw::Sqlite(_) => raw.texts(&format!(
            "SELECT l.name || ': ' || (SELECT group_concat(name, ', ') FROM
                      (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno))
                    || CASE WHEN l.\"unique\" THEN ' unique' ELSE '' END
                    || CASE WHEN l.partial THEN ' WHERE ' || trim(substr(s.sql, instr(s.sql, 'WHERE') + 6))
                            ELSE '' END
               FROM pragma_index_list('{table}') l JOIN sqlite_schema s ON s.name = l.name
              WHERE l.origin <> 'pk'"
        )),
        Raw::Postgres(_) => raw.texts(&format!(
            "SELECT i.relname || ': '
                    || (SELECT string_agg(pg_get_indexdef(x.indexrelid, k, true), ', ' ORDER BY k)
                          FROM generate_series(1, x.indnatts) k)
                    || CASE WHEN x.indisunique THEN ' unique' ELSE '' END
                    || COALESCE(' WHERE ' || pg_get_expr(x.indpred, x.indrelid, true), '')
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
              WHERE x.indrelid = '{table}'::regclass AND NOT x.indisprimary"
        )),
    };
    for shape in &mut shapes {
        // SQLite keeps the predicate as the migration wrote it, line
        // breaks and all; PostgreSQL quotes the names that are keywords.
        *shape = shape.split_whitespace().collect::<Vec<_>>().join(" ");
        shape.retain(|ch| ch != '"');
    }
    shapes.sort();
    shapes
}

/// Asserts that `table` has an index of this shape (as [`index_shapes`]
/// spells it), naming the ones it has when it does not.
fn assert_has_index(raw: &mut Raw, table: &str, shape: &str) {
    let shapes = index_shapes(raw, table);
    assert!(
        shapes.iter().any(|s| s == shape),
        "{table} has no index {shape:?}: {shapes:#?}"
    );
}

/// The columns of `table`'s primary key, in key order.
fn primary_key(raw: &mut Raw, table: &str) -> String {
    let sql = match raw {
        Raw::Sqlite(_) => format!(
            "SELECT group_concat(name, ', ') FROM
               (SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk)"
        ),
        Raw::Postgres(_) => format!(
            "SELECT (SELECT string_agg(pg_get_indexdef(x.indexrelid, k, true), ', ' ORDER BY k)
                       FROM generate_series(1, x.indnatts) k)
               FROM pg_index x WHERE x.indrelid = '{table}'::regclass AND x.indisprimary"
        ),
    };
    raw.texts(&sql).concat()
}

/// SQLite's plan for `sql` (its parameters bound to NULL), one step per
/// "; ".
fn sqlite_plan(c: &rusqlite::Connection, sql: &str) -> String {
    let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let nulls = vec![rusqlite::types::Null; st.parameter_count()];
    let rows = st
        .query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3))
        .unwrap();
    rows.map(Result::unwrap).collect::<Vec<_>>().join("; ")
}

/// A statement of the product whose list is `{}`, with `n` values in it.
fn in_list(sql: &str, n: usize) -> String {
    let values = (1..=n).map(|i| i.to_string()).collect::<Vec<_>>();
    sql.replace("{}", &values.join(", "))
}

/// Every row of the tables migration 5 changes or rebuilds, as text (the
/// columns both schemas have), in key order.
const MIGRATION_5_TABLES: &str = "
    SELECT 'install ' || CAST(id AS TEXT) || ' ' || CAST(ecu_id AS TEXT) || ' '
           || CAST(first_report AS TEXT) || ' ' || CAST(last_report AS TEXT) || ' '
           || CAST(since AS TEXT) || ' ' || COALESCE(CAST(until AS TEXT), '-') FROM installs
    UNION ALL
    SELECT 'model ' || CAST(install_id AS TEXT) || ' ' || CAST(vehicle_id AS TEXT) || ' ' || family
           || ' ' || version || ' ' || stage || ' ' || CAST(since AS TEXT) || ' '
           || COALESCE(CAST(until AS TEXT), '-') FROM install_models
    UNION ALL
    SELECT 'running ' || family || ' ' || version || ' ' || CAST(vehicle_id AS TEXT) || ' '
           || CAST(ecus AS TEXT) FROM running
    UNION ALL
    SELECT 'count ' || family || ' ' || version || ' ' || CAST(vehicles AS TEXT) FROM running_counts
    ORDER BY 1";

/// The report columns migration 6 keeps, every row as text, in id order
/// (`{hex}`: the engine's hex of the body).
const MIGRATION_6_REPORTS: &str = "
    SELECT CAST(id AS TEXT) || ' ' || CAST(ecu_id AS TEXT) || ' ' || CAST(sequence AS TEXT) || ' '
           || CAST(received_at AS TEXT) || ' ' || {hex} FROM reports ORDER BY id";

/// Each install's id, the bundle it runs as text and its known flag, in id
/// order (`{bundle}`: where the bundle's fields are read, `{from}`: the
/// tables).
const MIGRATION_7_INSTALLS: &str = "
    SELECT CAST(i.id AS TEXT) || ' ' || {bundle}.manifest_digest || ' ' || {bundle}.kind || ' '
           || {bundle}.bundle_version || ' ' || COALESCE({bundle}.config_id, '-') || ' '
           || COALESCE({bundle}.config_version, '-') || ' '
           || COALESCE({bundle}.config_digest, '-') || ' ' || CAST(i.known_manifest AS TEXT)
      FROM {from} ORDER BY i.id";

/// `installs` as 0005 left it on SQLite, with the bundle's id this build
/// writes, and the bundle's fields it no longer writes open to NULL (while
/// the test writes the earlier schema's rows with it; no row is there
/// yet).
const INSTALLS_OPEN_ON_SQLITE: &str = "
    DROP TABLE installs;
    CREATE TABLE installs (
        id                INTEGER PRIMARY KEY,
        ecu_id            BIGINT NOT NULL REFERENCES ecus (id),
        vehicle_id        BIGINT NOT NULL REFERENCES vehicles (id),
        manifest_digest   TEXT,
        kind              TEXT,
        bundle_version    TEXT,
        config_id         TEXT,
        config_version    TEXT,
        config_digest     TEXT,
        known_manifest    SMALLINT NOT NULL,
        since             BIGINT NOT NULL,
        until             BIGINT,
        first_report      BIGINT NOT NULL REFERENCES reports (id),
        last_report       BIGINT NOT NULL REFERENCES reports (id),
        last_sequence     BIGINT,
        last_observed_at  BIGINT,
        bundle_id         BIGINT
    );
    CREATE INDEX installs_ecu ON installs (ecu_id, since);
    CREATE INDEX installs_vehicle ON installs (vehicle_id, since);
    CREATE INDEX installs_manifest ON installs (manifest_digest) WHERE until IS NULL;
    CREATE INDEX installs_config ON installs (config_id, config_version) WHERE until IS NULL;";

/// `bundles` as migration 7 makes it (its table and unique index, taken
/// from the migration's text), while the test writes the earlier schema's
/// rows with this build.
fn bundles_for_this_build() -> &'static str {
    let m7 = modelseal_registry::store::MIGRATIONS[6].2;
    let from = m7
        .find("CREATE TABLE bundles")
        .expect("migration 7 makes bundles");
    let to = m7
        .find("CREATE INDEX bundles_config")
        .expect("and indexes it");
    &m7[from..to]
}

/// `reports` as 0004 left it on SQLite, but with the columns this build no
/// longer writes open to NULL (while the test writes the earlier schema's
/// rows with it; migration 4 copies them into NOT NULL columns, so each is
/// filled by then).
const REPORTS_OPEN_ON_SQLITE: &str = "
    DROP TABLE reports;
    CREATE TABLE reports (
        id               INTEGER PRIMARY KEY,
        ecu_id           BIGINT NOT NULL REFERENCES ecus (id),
        digest           TEXT UNIQUE,
        sequence         BIGINT NOT NULL,
        key_id           TEXT,
        reported_time    BIGINT,
        received_at      BIGINT NOT NULL,
        observed_at      BIGINT,
        manifest_digest  TEXT,
        known_manifest   SMALLINT,
        body             BLOB NOT NULL,
        UNIQUE (ecu_id, sequence)
    );";

/// Fills the report columns migration 6 drops as the build before it
/// wrote them: the body's digest, the signing key's id, the reported
/// time, the observed time (reported, else received), the manifest and
/// whether the registry knew it (the report's install's).
fn write_earlier_report_columns(inv: &mut Inventory) {
    use modelseal_fleet::Val;
    use sha2::Digest as _;
    let rows = inv
        .db()
        .query(
            "SELECT r.id, r.received_at, r.body, k.key_id, i.manifest_digest, i.known_manifest
               FROM reports r
               JOIN ecu_keys k ON k.ecu_id = r.ecu_id AND k.retired_at IS NULL AND k.revoked_at IS NULL
               JOIN installs i ON i.ecu_id = r.ecu_id AND r.id BETWEEN i.first_report AND i.last_report",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len() as i64, count(inv, "reports"), "each report once");
    for r in rows {
        let body = r.blob(2).unwrap();
        let time = modelseal::report::claimed(&body).unwrap().time;
        let observed = time.unwrap_or(r.u64(1).unwrap());
        let opt = |t: Option<u64>| t.map_or(Val::Null, |t| Val::Int(t as i64));
        inv.db()
            .exec(
                "UPDATE reports SET digest = ?1, key_id = ?2, reported_time = ?3, observed_at = ?4,
                        manifest_digest = ?5, known_manifest = ?6 WHERE id = ?7",
                &[
                    Val::Text(hex::encode(sha2::Sha256::digest(&body))),
                    Val::Text(r.text(3).unwrap()),
                    opt(time),
                    opt(Some(observed)),
                    Val::Text(r.text(4).unwrap()),
                    Val::Int(r.int(5).unwrap()),
                    Val::Int(r.int(0).unwrap()),
                ],
            )
            .unwrap();
    }
}

/// A database made by an earlier schema (migrations 1–3, the digest
/// unique, installs without their last report's sequence and time, report
/// rows with copies of their bodies' fields, installs with their bundle's
/// fields), with reports in it, opened by this build: migrations 4 to 9
/// keep every row and id; the digest's unique index is gone, the (ECU,
/// sequence) one stays; every install carries its last report's sequence
/// and time; on SQLite `install_models` and `running` are WITHOUT ROWID
/// tables with their indexes; a report row is its id, ECU, sequence,
/// reception time and signed bytes; an install names its bundle, one row
/// per bundle; a vehicle's models and running installs are each one
/// range; the fitted ECUs' serials are one index, the lookup and the
/// constraint; and the same reports are still no-ops.
fn migrated_from_the_previous_schema(target: &str) {
    use modelseal_registry::store::MIGRATIONS;
    let previous = 3;
    let mut raw = Raw::open(target);
    let dialect = raw.dialect();
    raw.batch(
        "CREATE TABLE schema_migrations (
             version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    );
    for (version, name, sql) in MIGRATIONS.iter().take(previous) {
        raw.batch(&dialect.render_schema(sql));
        raw.batch(&format!(
            "INSERT INTO schema_migrations VALUES ({version}, '{name}', 0)"
        ));
    }
    // The fleet's rows written on that schema: by this build's ingest (the
    // rows are the same; only how duplicates are found, where an install's
    // last sequence is kept, which report columns are written and where an
    // install's bundle is kept changed), the database marked as up to date
    // while it writes, with the columns and table this build writes added
    // and the report and install columns it no longer writes open to NULL
    // for that time; then those filled as the earlier build wrote them, and
    // the rest set back.
    raw.batch(
        "INSERT INTO schema_migrations VALUES (4, 'not yet', 0);
         INSERT INTO schema_migrations VALUES (5, 'not yet', 0);
         INSERT INTO schema_migrations VALUES (6, 'not yet', 0);
         INSERT INTO schema_migrations VALUES (7, 'not yet', 0);
         INSERT INTO schema_migrations VALUES (8, 'not yet', 0);
         INSERT INTO schema_migrations VALUES (9, 'not yet', 0);
         ALTER TABLE installs ADD COLUMN last_sequence BIGINT;
         ALTER TABLE installs ADD COLUMN last_observed_at BIGINT;
         ALTER TABLE ecus ADD COLUMN last_observed_at BIGINT;",
    );
    raw.batch(&dialect.render_schema(bundles_for_this_build()));
    match raw {
        Raw::Sqlite(_) => {
            raw.batch(REPORTS_OPEN_ON_SQLITE);
            raw.batch(INSTALLS_OPEN_ON_SQLITE);
        }
        Raw::Postgres(_) => raw.batch(
            "ALTER TABLE reports ALTER COLUMN digest DROP NOT NULL,
                 ALTER COLUMN key_id DROP NOT NULL, ALTER COLUMN observed_at DROP NOT NULL,
                 ALTER COLUMN manifest_digest DROP NOT NULL,
                 ALTER COLUMN known_manifest DROP NOT NULL;
             ALTER TABLE installs ADD COLUMN bundle_id BIGINT,
                 ALTER COLUMN manifest_digest DROP NOT NULL, ALTER COLUMN kind DROP NOT NULL,
                 ALTER COLUMN bundle_version DROP NOT NULL",
        ),
    }
    let mut inv = Inventory::open(target).unwrap();
    let (mut ecus, mut reports) = cameras(&mut inv, 12, 6, 3);
    // Two installs under no configuration.
    for e in &mut ecus[..2] {
        reports.push((String::new(), e.report("v1", 0, T0 + 50)));
    }
    let total = reports.len();
    let s = inv.ingest(reports.clone(), &opts(T0)).unwrap();
    assert_eq!(s.recorded, total as u64);
    inv.db()
        .exec(
            "UPDATE installs SET
                 manifest_digest = (SELECT b.manifest_digest FROM bundles b WHERE b.id = installs.bundle_id),
                 kind = (SELECT b.kind FROM bundles b WHERE b.id = installs.bundle_id),
                 bundle_version = (SELECT b.bundle_version FROM bundles b WHERE b.id = installs.bundle_id),
                 config_id = (SELECT b.config_id FROM bundles b WHERE b.id = installs.bundle_id),
                 config_version = (SELECT b.config_version FROM bundles b WHERE b.id = installs.bundle_id),
                 config_digest = (SELECT b.config_digest FROM bundles b WHERE b.id = installs.bundle_id)",
            &[],
        )
        .unwrap();
    write_earlier_report_columns(&mut inv);
    drop(inv);
    raw.batch(
        "DELETE FROM schema_migrations WHERE version >= 4;
         ALTER TABLE installs DROP COLUMN last_sequence;
         ALTER TABLE installs DROP COLUMN last_observed_at;
         ALTER TABLE installs DROP COLUMN bundle_id;
         ALTER TABLE ecus DROP COLUMN last_observed_at;
         DROP TABLE bundles;",
    );
    match raw {
        Raw::Postgres(_) => raw.batch(
            "ALTER TABLE reports ALTER COLUMN digest SET NOT NULL,
                 ALTER COLUMN key_id SET NOT NULL, ALTER COLUMN observed_at SET NOT NULL,
                 ALTER COLUMN manifest_digest SET NOT NULL,
                 ALTER COLUMN known_manifest SET NOT NULL;
             ALTER TABLE installs ALTER COLUMN manifest_digest SET NOT NULL,
                 ALTER COLUMN kind SET NOT NULL, ALTER COLUMN bundle_version SET NOT NULL",
        ),
        Raw::Sqlite(_) => assert_eq!(
            raw.texts(
                "SELECT CAST(COUNT(*) AS TEXT) FROM installs
                  WHERE manifest_digest IS NULL OR kind IS NULL OR bundle_version IS NULL"
            ),
            ["0"],
            "the earlier schema's NOT NULL columns"
        ),
    }
    let report_columns = |raw: &mut Raw| match raw {
        Raw::Sqlite(_) => raw.texts("SELECT name FROM pragma_table_info('reports') ORDER BY cid"),
        Raw::Postgres(_) => raw.texts(
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
              WHERE table_name = 'reports' ORDER BY ordinal_position",
        ),
    };
    assert_eq!(report_columns(&mut raw).len(), 11, "the previous schema");
    let installs_kept = raw.texts(
        &MIGRATION_7_INSTALLS
            .replace("{bundle}", "i")
            .replace("{from}", "installs i"),
    );
    assert_eq!(installs_kept.len(), total, "one install per report here");
    assert!(
        installs_kept.iter().any(|i| i.contains(" - - - ")),
        "an install under no configuration"
    );
    let report_rows = match raw {
        Raw::Sqlite(_) => MIGRATION_6_REPORTS.replace("{hex}", "lower(hex(body))"),
        Raw::Postgres(_) => MIGRATION_6_REPORTS.replace("{hex}", "encode(body, 'hex')"),
    };
    let reports_kept = raw.texts(&report_rows);
    assert_eq!(reports_kept.len(), total);
    let tables_before = raw.texts(MIGRATION_5_TABLES);
    assert!(tables_before.len() > total * 2, "installs, models, counts");
    let without_rowid = |raw: &mut Raw| -> Vec<String> {
        raw.texts(
            "SELECT name FROM pragma_table_list
              WHERE name IN ('install_models', 'running') AND wr ORDER BY name",
        )
    };
    if let Raw::Sqlite(_) = raw {
        assert!(without_rowid(&mut raw).is_empty(), "the previous schema");
    }
    let digest_unique = |raw: &mut Raw| -> i64 {
        match raw {
            Raw::Sqlite(c) => c
                .query_row(
                    "SELECT COUNT(*) FROM pragma_index_list('reports') l
                      WHERE l.\"unique\" AND (SELECT group_concat(name) FROM pragma_index_info(l.name)) = 'digest'",
                    [],
                    |r| r.get(0),
                )
                .unwrap(),
            Raw::Postgres(c) => c
                .query_one(
                    "SELECT COUNT(*) FROM pg_constraint
                      WHERE conrelid = 'reports'::regclass AND contype = 'u'
                        AND conkey = ARRAY[(SELECT attnum FROM pg_attribute
                                             WHERE attrelid = 'reports'::regclass AND attname = 'digest')]",
                    &[],
                )
                .unwrap()
                .get(0),
        }
    };
    assert_eq!(digest_unique(&mut raw), 1, "the previous schema");
    let rows = |inv: &mut Inventory| {
        (
            inv.db()
                .query(
                    "SELECT id, ecu_id, sequence, received_at, body FROM reports ORDER BY id",
                    &[],
                )
                .unwrap(),
            inv.db()
                .query(
                    "SELECT id, ecu_id, first_report, last_report, since, until
                       FROM installs ORDER BY id",
                    &[],
                )
                .unwrap(),
        )
    };

    // Opened by this build: the migration runs.
    let mut inv = Inventory::open(target).unwrap();
    assert_eq!(
        inv.db().schema_version().unwrap(),
        MIGRATIONS.last().unwrap().0
    );
    assert_eq!(digest_unique(&mut raw), 0, "the digest is not unique now");
    let (reports_before, installs_before) = rows(&mut inv);
    assert_eq!(reports_before.len(), total);
    // Migration 7: each install keeps its id and runs the same bundle, now
    // a row of `bundles` (one per bundle), named by id.
    assert_eq!(
        raw.texts(
            &MIGRATION_7_INSTALLS
                .replace("{bundle}", "b")
                .replace("{from}", "installs i JOIN bundles b ON b.id = i.bundle_id")
        ),
        installs_kept
    );
    let mut distinct: Vec<String> = installs_kept
        .iter()
        .map(|i| {
            let fields: Vec<&str> = i.split(' ').collect();
            fields[1..7].join(" ")
        })
        .collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        raw.texts("SELECT CAST(COUNT(*) AS TEXT) FROM bundles"),
        [distinct.len().to_string()]
    );
    assert!(distinct.len() < total, "installs share bundles");
    // A configuration is whole or absent, and its digest 64 hex digits:
    // what the unique index's COALESCE relies on.
    for partial in [
        "'CFG', NULL, NULL",
        "NULL, '1.0', NULL",
        "NULL, NULL, '00'",
        "'CFG', '1.0', '00'",
    ] {
        let refused = inv.db().exec(
            &format!(
                "INSERT INTO bundles (manifest_digest, kind, bundle_version,
                                      config_id, config_version, config_digest)
                 VALUES ('{}', 'component', 'x', {partial})",
                "ab".repeat(32)
            ),
            &[],
        );
        assert!(refused.is_err(), "{partial}: {refused:?}");
    }
    let mut install_columns = match raw {
        Raw::Sqlite(_) => raw.texts("SELECT name FROM pragma_table_info('installs')"),
        Raw::Postgres(_) => raw.texts(
            "SELECT CAST(column_name AS TEXT) FROM information_schema.columns
              WHERE table_name = 'installs'",
        ),
    };
    install_columns.sort();
    assert_eq!(
        install_columns,
        [
            "bundle_id",
            "ecu_id",
            "first_report",
            "id",
            "known_manifest",
            "last_observed_at",
            "last_report",
            "last_sequence",
            "since",
            "until",
            "vehicle_id"
        ]
    );
    // Migration 6: each report keeps its id, ECU, sequence, reception time
    // and signed bytes, and nothing else.
    assert_eq!(raw.texts(&report_rows), reports_kept);
    assert_eq!(
        report_columns(&mut raw),
        ["id", "ecu_id", "sequence", "received_at", "body"]
    );
    // Migration 5: the same rows; each install's last report's sequence
    // and time copied from it.
    assert_eq!(raw.texts(MIGRATION_5_TABLES), tables_before);
    assert_derived_state_consistent(&mut inv);
    if let Raw::Sqlite(_) = raw {
        assert_eq!(without_rowid(&mut raw), ["install_models", "running"]);
        assert_eq!(
            raw.texts(
                "SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'install_models'
                  ORDER BY name"
            ),
            ["install_models_history", "install_models_running"]
        );
    }
    // The history index holds each install's end and vehicle.
    assert_has_index(
        &mut raw,
        "install_models",
        "install_models_history: family, version, since, until, vehicle_id",
    );
    // Migration 8: a vehicle's models are one range of the primary key,
    // and its running installs one range of `installs_running`.
    assert_eq!(
        primary_key(&mut raw, "install_models"),
        "vehicle_id, install_id, family"
    );
    assert_has_index(
        &mut raw,
        "installs",
        "installs_running: vehicle_id, ecu_id, id, bundle_id, known_manifest, since, until \
         WHERE until IS NULL",
    );
    // Migration 9: the ECUs fitted now have one index on their serial, the
    // lookup and the constraint; the removed ones have their own.
    let ecu_indexes = index_shapes(&mut raw, "ecus");
    assert_eq!(
        ecu_indexes,
        [
            "ecus_fitted_position: vehicle_id, position unique WHERE removed_at IS NULL",
            "ecus_fitted_serial: serial, hardware_id unique WHERE removed_at IS NULL",
            "ecus_removed_serial: hardware_id, serial WHERE removed_at IS NOT NULL",
            "ecus_vehicle: vehicle_id, position",
        ]
    );
    if let Raw::Sqlite(c) = &raw {
        // The product's lookups of ECUs by serial each search their index:
        // ingest's of the fitted ECUs its reports claim, its look for a
        // device's earlier (removed) rows, and the refusal reason of a
        // removed ECU's report.
        let plan = sqlite_plan(c, &in_list(modelseal_fleet::enroll::FITTED_BY_SERIALS, 2));
        assert!(
            plan.contains("SEARCH e USING INDEX ecus_fitted_serial (serial=?)"),
            "{plan}"
        );
        let plan = sqlite_plan(c, &in_list(modelseal_fleet::ingest::EARLIER_ROWS, 2));
        assert!(
            plan.contains("SEARCH p USING INDEX ecus_removed_serial (hardware_id=? AND serial=?)"),
            "{plan}"
        );
        let plan = sqlite_plan(c, modelseal_fleet::ingest::REMOVED_ECU);
        assert!(
            plan.contains("SEARCH e USING INDEX ecus_removed_serial (hardware_id=? AND serial=?)"),
            "{plan}"
        );
    }
    // On PostgreSQL, an ECU's page keeps room for its rows' first updates.
    if let Raw::Postgres(_) = raw {
        assert_eq!(
            raw.texts("SELECT CAST(reloptions AS TEXT) FROM pg_class WHERE relname = 'ecus'"),
            ["{fillfactor=40}"]
        );
    }
    // It still refuses a second fitted ECU with a hardware id and serial.
    let twin = inv.db().exec(
        "INSERT INTO ecus (vehicle_id, position, hardware_id, serial, fitted_at)
         SELECT vehicle_id, 'twin', hardware_id, serial, fitted_at FROM ecus
          WHERE removed_at IS NULL ORDER BY id LIMIT 1",
        &[],
    );
    assert!(
        twin.as_ref()
            .is_err_and(modelseal_fleet::db::DbError::is_conflict),
        "{twin:?}"
    );
    if let Raw::Sqlite(c) = &mut raw {
        // Every foreign key holds, and the (ECU, sequence) index is kept.
        let broken: i64 = c
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
        let fks: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM pragma_foreign_key_list('installs') WHERE \"table\" = 'reports'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(fks, 2, "installs' first and last report");
        let fks: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM pragma_foreign_key_list('reports') WHERE \"table\" = 'ecus'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(fks, 1, "a report's ECU");
    }
    // Uniqueness by (ECU, sequence) stays.
    let first = reports_before[0].int(0).unwrap();
    let again = inv.db().exec(
        "INSERT INTO reports (ecu_id, sequence, received_at, body)
         SELECT ecu_id, sequence, received_at + 1, body FROM reports WHERE id = ?1",
        &[modelseal_fleet::Val::Int(first)],
    );
    assert!(
        again
            .as_ref()
            .is_err_and(modelseal_fleet::db::DbError::is_conflict),
        "{again:?}"
    );

    // The same reports again: no-ops; a different one at a recorded (ECU,
    // sequence): refused; the next round: recorded.
    let s = inv.ingest(reports.clone(), &opts(T0 + 100)).unwrap();
    assert_eq!((s.recorded, s.duplicates, s.refused), (0, total as u64, 0));
    assert_eq!(rows(&mut inv), (reports_before, installs_before));
    let forked = ecus[0].report_with(3, "v9", 1, T0 + 200);
    refused_for(
        &mut inv,
        forked,
        &opts(T0 + 201),
        "is not above the last recorded for this ECU",
    );
    let next = ecus[0].report("v1", 1, T0 + 300);
    assert_eq!(one(&mut inv, "next", next, &opts(T0 + 301)).0, "recorded");
    assert_eq!(count(&mut inv, "reports"), total as i64 + 1);
    assert_derived_state_consistent(&mut inv);
}

on_both_engines!(
    a_database_of_the_previous_schema_is_migrated_on_sqlite,
    a_database_of_the_previous_schema_is_migrated_on_postgresql,
    migrated_from_the_previous_schema,
    "old.db"
);

/// A fleet loaded in bulk into a new PostgreSQL inventory is planned as
/// loaded, not as the empty tables it was created with: `show`'s read of a
/// vehicle's running models is one range of `install_models`' primary key,
/// not a scan of the whole running-models index. The bulk appends analyze
/// what they outgrew as they commit (`Db::copy_in`); autovacuum is off for
/// these tables here, so nothing else can.
#[test]
fn a_fleet_loaded_in_bulk_into_postgresql_is_planned_as_loaded() {
    use modelseal_fleet::generate::Fleet;
    let server = pg::Postgres::start();
    let mut inv = Inventory::open(&server.database()).unwrap();
    for table in [
        "vehicles",
        "ecus",
        "ecu_keys",
        "reports",
        "installs",
        "install_models",
    ] {
        inv.db()
            .batch(&format!(
                "ALTER TABLE {table} SET (autovacuum_enabled = false)"
            ))
            .unwrap();
    }
    let fleet = Fleet {
        vehicles: 400,
        ecus: 30,
        seed: 3,
    };
    let ecus: Vec<(u64, u32)> = (0..fleet.vehicles)
        .flat_map(|v| (0..fleet.ecus).map(move |e| (v, e)))
        .collect();
    assert!(ecus.len() as u64 >= modelseal_fleet::db::ANALYZE_AFTER_ROWS);
    let enrolments: Vec<Enrolment> = ecus.iter().map(|&(v, e)| fleet.enrolment(v, e)).collect();
    inv.enroll(&enrolments, false).unwrap();
    let reports: Vec<(String, Vec<u8>)> = ecus
        .iter()
        .map(|&(v, e)| {
            let mut k = fleet.key(v, e);
            (String::new(), fleet.report(&mut k, v, e, 1, T0).unwrap())
        })
        .collect();
    let s = inv.ingest(reports, &opts(T0)).unwrap();
    assert_eq!(s.recorded, ecus.len() as u64);

    let vehicle = inv
        .db()
        .query_one(
            "SELECT id FROM vehicles WHERE vin = ?1",
            &[modelseal_fleet::Val::Text(fleet.vin(7))],
        )
        .unwrap()
        .unwrap()
        .int(0)
        .unwrap();
    let plan: Vec<String> = inv
        .db()
        .query(
            &format!("EXPLAIN {}", modelseal_fleet::query::RUNNING_MODELS),
            &[modelseal_fleet::Val::Int(vehicle)],
        )
        .unwrap()
        .iter()
        .map(|r| r.text(0).unwrap())
        .collect();
    let plan = plan.join("\n");
    assert!(
        plan.contains("install_models_pkey") && !plan.contains("install_models_running"),
        "{plan}"
    );
    let shown = inv.show(&fleet.vin(7), None).unwrap();
    assert_eq!(shown.ecus.len(), 30);
    assert!(shown.ecus.iter().all(|e| e.installed.is_some()));
}
