//! `modelseal fleet` and `modelseal incident` through the real binary: a
//! signed release in the registry, ECUs enrolled with keys `report keygen`
//! wrote, signed reports ingested from a directory and a stream, and the
//! questions — which cars run it and what trained it, what a car ran at an
//! incident — with their JSON and exit codes; on SQLite and on a real
//! PostgreSQL server. And a SIGKILL during ingest, which must leave whole
//! batches only and a consistent database.

mod common;
#[path = "../../modelseal-registry/tests/pg/mod.rs"]
mod pg;

use common::Env;
use modelseal::report::{EcuSigningKey, sign_fields};
use modelseal_core::report::{ReportComponentBuf, ReportDocBuf, ReportHeadBuf};
use std::path::Path;
use std::time::{Duration, Instant};

const FAMILY: &str = "perception_front_camera";
const T0: u64 = 1_790_000_000;

/// A report from the camera with device key `key`, running the bundle
/// whose manifest digest is `manifest` (family@version as the spec says).
fn report(
    key: &Path,
    serial: &str,
    sequence: u64,
    manifest: [u8; 32],
    version: &str,
    t: u64,
) -> Vec<u8> {
    let mut k = EcuSigningKey::read(key).expect("device key");
    let doc = ReportDocBuf {
        head: ReportHeadBuf {
            nonce: vec![1; 16],
            sequence,
            time: Some(t),
            hardware_id: "HW-FC-0042".into(),
            serial: serial.into(),
            ecu_name: Some("front_camera".into()),
            manifest_digest: manifest,
            kind: 2,
            security_counter: 7,
            component_floor: 7,
            system_config_floor: 0,
            root_version: 1,
            config: None,
            version: "fc-perception-2026.01.1".into(),
        },
        components: vec![ReportComponentBuf {
            family: FAMILY.into(),
            version: version.into(),
            stage: 3,
        }],
        signers: vec![],
    };
    sign_fields(&doc, &mut k).expect("sign")
}

/// A registry with the example release, two cars enrolled.
fn fleet(e: &Env, db: &str) -> [u8; 32] {
    e.root();
    e.build("spec/perception_front_camera.toml", "fc.msb");
    e.ok(&["registry", "--db", db, "init", "--root", "root.msr"]);
    e.ok(&["registry", "--db", db, "add", "fc.msb"]);
    for (i, alg) in [(1, "ed25519"), (2, "ecdsa-p256")] {
        let (k, p) = (format!("ecu{i}.key"), format!("ecu{i}.pub"));
        e.ok(&["report", "keygen", &k, "--public", &p, "--algorithm", alg]);
        e.ok(&[
            "fleet",
            "--db",
            db,
            "enroll",
            &format!("WVW0000000000000{i}"),
            "--ecu",
            "front_camera",
            "--hardware-id",
            "HW-FC-0042",
            "--serial",
            &format!("FC-{i}"),
            "--key",
            &p,
            "--fitted-at",
            &T0.to_string(),
        ]);
    }
    modelseal::report::bundle_manifest_digest(&e.p("fc.msb")).expect("digest")
}

/// The registry with the example release (its manifest digest returned),
/// two cars enrolled, and each car's first report ingested and recorded.
fn two_cars_reported() -> (Env, [u8; 32]) {
    let e = Env::new();
    let db = e.p("reg.db").display().to_string();
    let digest = fleet(&e, &db);
    first_reports(&e, digest);
    let s = e.json(&["fleet", "ingest", "reports"]);
    assert_eq!(s["recorded"], 2);
    assert_eq!(s["unknown_manifests"], 0, "the registry knows the release");
    (e, digest)
}

/// Each car's first report (sequence 1, the release `digest`), written to
/// `reports/`.
fn first_reports(e: &Env, digest: [u8; 32]) {
    std::fs::create_dir(e.p("reports")).unwrap();
    for i in [1, 2] {
        let r = report(
            &e.p(&format!("ecu{i}.key")),
            &format!("FC-{i}"),
            1,
            digest,
            "v1.3.5",
            T0 + 10,
        );
        std::fs::write(e.p(&format!("reports/r{i}.bin")), r).unwrap();
    }
}

#[test]
fn which_cars_run_it_and_what_trained_it() {
    let (e, digest) = two_cars_reported();
    // Again: no-ops, exit 0.
    assert_eq!(e.json(&["fleet", "ingest", "reports"])["duplicates"], 2);

    let w = e.json(&["fleet", "which", "perception_front_camera@v1.3.5"]);
    assert_eq!(w["vehicles"], 2);
    assert_eq!(w["vins"]["items"][0], "WVW00000000000001");
    for (flag, value) in [
        ("--dataset", "ds-train-2025-11-03"),
        ("--dataset", "ds-test-2025-11-03"),
        ("--commit", "9f2c1e7b4a0d"),
    ] {
        assert_eq!(
            e.json(&["fleet", "which", flag, value])["vehicles"],
            2,
            "{flag} {value}"
        );
    }
    assert_eq!(
        e.json(&["fleet", "which", "--dataset", "ds-other"])["vehicles"],
        0
    );
    // The SBOM's packages, through the bundle the cars report.
    assert_eq!(
        e.json(&["fleet", "which", "--package", "tensorrt@10.3.0"])["vehicles"],
        2
    );
    assert_eq!(
        e.json(&["fleet", "which", "--package", "tensorrt@10.2.0"])["vehicles"],
        0
    );
    // The answer written to `stdout`, with what the command said on stderr.
    let which_to = |stdout: std::process::Stdio| {
        e.cmd(&["fleet", "which", "perception_front_camera@v1.3.5"])
            .stdout(stdout)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap()
    };
    // A reader that went away (`| head`): the answer is dropped, the
    // exit code stays the command's, and nothing panics.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = which_to(writer.into());
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    // Output that cannot be written (a full disk) is an I/O failure: exit 3.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = which_to(full.into());
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot write to standard output"), "{err}");
    let text = e.ok(&["fleet", "which", "perception_front_camera@v1.3.5"]);
    assert!(
        text.starts_with("2 vehicles run perception_front_camera@v1.3.5"),
        "{text}"
    );

    let v = e.json(&["fleet", "show", "WVW00000000000001"]);
    let m = &v["ecus"][0]["installed"]["models"][0];
    assert_eq!(
        m["registry"]["lineage"]["training_dataset_id"],
        "ds-train-2025-11-03"
    );
    assert_eq!(v["ecus"][0]["installed"]["known_manifest"], true);
    let shown = e.ok(&["fleet", "show", "WVW00000000000001"]);
    assert!(shown.contains("trained on ds-train-2025-11-03"), "{shown}");

    // An incident, and the walk to the data.
    let inc = e.json(&[
        "incident",
        "add",
        "--vin",
        "WVW00000000000002",
        "--at",
        &(T0 + 20).to_string(),
        "--kind",
        "safety",
        "--external-id",
        "JIRA-4711",
        "--odd",
        "rain",
        "--summary",
        "late braking at dusk",
    ]);
    assert_eq!(inc["models"][0]["training_dataset"], "ds-train-2025-11-03");
    assert_eq!(inc["models"][0]["code_commit"], "9f2c1e7b4a0d");
    assert_eq!(inc["models"][0]["registered"], true);
    let listed = e.json(&[
        "incident",
        "list",
        "--model",
        "perception_front_camera@v1.3.5",
    ]);
    assert_eq!(listed["items"][0]["external_id"], "JIRA-4711");
    e.code(5, &["incident", "show", "JIRA-0000"]);
    e.code(
        2,
        &[
            "incident",
            "add",
            "--vin",
            "WVW00000000000002",
            "--at",
            "0",
            "--kind",
            "weather",
            "--external-id",
            "X",
        ],
    );

    // A forged report (another key) is refused: exit 1, nothing recorded,
    // the reason in the JSON.
    e.ok(&["report", "keygen", "rogue.key", "--public", "rogue.pub"]);
    std::fs::create_dir(e.p("bad")).unwrap();
    std::fs::write(
        e.p("bad/forged.bin"),
        report(&e.p("rogue.key"), "FC-1", 9, digest, "v1.3.5", T0 + 30),
    )
    .unwrap();
    std::fs::write(e.p("bad/empty.bin"), b"").unwrap();
    let r = e.code_json(1, &["fleet", "ingest", "bad"]);
    assert_eq!(r["refused"], 2);
    let reasons: Vec<String> = r["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["reason"].as_str().unwrap().to_owned())
        .collect();
    assert!(reasons.iter().any(|x| x.contains("forged")), "{reasons:?}");

    // A stream on standard input: hex, one a line.
    let r3 = report(&e.p("ecu1.key"), "FC-1", 2, digest, "v1.3.5", T0 + 40);
    let mut c = e.cmd(&["fleet", "ingest", "-", "--json"]);
    c.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{}", hex::encode(&r3)).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["recorded"], 1);

    // Drift: prescribed a configuration the registry does not know.
    e.ok(&[
        "fleet",
        "assign",
        "WVW00000000000001",
        "--config",
        &"ab".repeat(32),
        "--reason",
        "test",
    ]);
    let d = e.json(&["fleet", "drift"]);
    assert_eq!(d["items"][0]["vin"], "WVW00000000000001");
    // Results from the road.
    e.ok(&[
        "fleet",
        "online",
        "add",
        "--model",
        "perception_front_camera@v1.3.5",
        "--metric",
        "disengagements_per_1000km",
        "--value",
        "0.7",
        "--window-start",
        "2026-11-01T00:00:00Z",
        "--window-end",
        "2026-11-08T00:00:00Z",
        "--source",
        "monitor",
    ]);
    let o = e.json(&["fleet", "online", "show", "perception_front_camera@v1.3.5"]);
    assert_eq!(o[0]["value"], 0.7);

    // Bad input: not a database, unknown VIN, a bad argument.
    std::fs::write(e.p("junk.db"), vec![7u8; 4096]).unwrap();
    let j = e.code_json(
        2,
        &["fleet", "--db", "junk.db", "show", "WVW00000000000001"],
    );
    assert!(
        j["error"]["message"].as_str().unwrap().contains("not a"),
        "{j}"
    );
    e.code(5, &["fleet", "show", "NOPE"]);
    e.code(2, &["fleet", "which", "no-at-sign"]);
}

/// Each reason of `fleet drift` against a registry that knows the
/// prescribed configuration: nothing to report while the cars run what it
/// lists; a withdrawn release still running; a position running another
/// manifest than the configuration lists for it.
#[test]
fn drift_against_a_configuration_the_registry_knows() {
    let (e, digest) = two_cars_reported();
    // The system configuration lists the camera bundle the cars run.
    std::fs::copy(e.p("fc.msb"), e.p("spec/perception_front_camera.msb")).unwrap();
    e.ok(&[
        "build",
        "spec/system_config.toml",
        "-o",
        "sc.msb",
        "--root",
        "root.msr",
        "--key",
        "s1.pem",
    ]);
    e.ok(&["registry", "add", "sc.msb"]);
    let config = hex::encode(modelseal::report::bundle_manifest_digest(&e.p("sc.msb")).unwrap());
    for vin in ["WVW00000000000001", "WVW00000000000002"] {
        e.ok(&[
            "fleet", "assign", vin, "--config", &config, "--reason", "sop",
        ]);
    }
    let reasons = |e: &Env| -> Vec<(String, Vec<String>)> {
        let d = e.json(&["fleet", "drift"]);
        d["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["vin"].as_str().unwrap().to_owned(),
                    x["reasons"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap().to_owned())
                        .collect(),
                )
            })
            .collect()
    };
    assert_eq!(reasons(&e), vec![], "both cars run what they should");

    // The release is withdrawn: both cars still run it.
    e.ok(&[
        "registry",
        "stage",
        "perception_front_camera@v1.3.5",
        "--withdraw",
        "--actor",
        "safety board",
        "--reason",
        "INC-42",
        "--key",
        "g1.pem",
    ]);
    let withdrawn = "front_camera: runs perception_front_camera@v1.3.5, which was withdrawn";
    assert_eq!(
        reasons(&e),
        vec![
            ("WVW00000000000001".into(), vec![withdrawn.to_owned()]),
            ("WVW00000000000002".into(), vec![withdrawn.to_owned()]),
        ]
    );

    // Car 2's camera moves to a bundle neither the configuration lists
    // nor the registry knows.
    let other = [9u8; 32];
    let r = report(&e.p("ecu2.key"), "FC-2", 2, other, "v1.4.0", T0 + 20);
    std::fs::write(e.p("r3.bin"), r).unwrap();
    assert_eq!(e.json(&["fleet", "ingest", "r3.bin"])["recorded"], 1);
    let d = reasons(&e);
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!(
        d[0],
        ("WVW00000000000001".into(), vec![withdrawn.to_owned()])
    );
    assert_eq!(d[1].0, "WVW00000000000002");
    let short = &hex::encode(other)[..16];
    let lists = &hex::encode(digest)[..16];
    let mut want = vec![
        format!(
            "front_camera: runs manifest {short}, the configuration prescribes \
             perception_front_camera@v1.3.5 ({lists})"
        ),
        format!("front_camera: runs manifest {short}, which the registry does not know"),
    ];
    want.sort();
    let mut got = d[1].1.clone();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn the_same_commands_on_postgresql() {
    let server = pg::Postgres::start();
    let url = server.database();
    let e = Env::new();
    let digest = fleet(&e, &url);
    let r = report(&e.p("ecu2.key"), "FC-2", 1, digest, "v1.3.5", T0 + 10);
    std::fs::write(e.p("r.bin"), r).unwrap();
    let s = e.json(&[
        "fleet",
        "--db",
        &url,
        "ingest",
        "r.bin",
        "--vin",
        "WVW00000000000002",
    ]);
    assert_eq!(s["recorded"], 1);
    let w = e.json(&[
        "fleet",
        "--db",
        &url,
        "which",
        "perception_front_camera@v1.3.5",
    ]);
    assert_eq!(w["vehicles"], 1);
    let v = e.json(&[
        "fleet",
        "--db",
        &url,
        "show",
        "WVW00000000000002",
        "--at",
        &(T0 + 11).to_string(),
    ]);
    assert_eq!(v["ecus"][0]["installed"]["last_sequence"], 1);
    // A wrong URL: a clear error, exit 3, no password echoed.
    let o = e.code(
        3,
        &[
            "fleet",
            "--db",
            "postgresql://u:secret@%2Fno-such-dir/x",
            "show",
            "V",
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("secret") && err.contains("***"), "{err}");
}

/// Counts reports in a SQLite inventory (read while a writer may run).
fn reports_in(db: &Path) -> i64 {
    let c = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .expect("open");
    c.query_row("SELECT COUNT(*) FROM reports", [], |r| r.get(0))
        .unwrap_or(0)
}

#[test]
fn sigkill_during_ingest_leaves_whole_batches_and_a_consistent_database() {
    let e = Env::new();
    let db = e.p("reg.db");
    let dbs = db.display().to_string();
    // 200 ECUs, 60 reports each, 12,000 in all.
    let mut cmdb = String::from("vin,position,hardware_id,serial,algorithm,public_key\n");
    let keys: Vec<EcuSigningKey> = (0..200)
        .map(|_| EcuSigningKey::generate(modelseal_core::report::Algorithm::Ed25519).unwrap())
        .collect();
    for (i, k) in keys.iter().enumerate() {
        cmdb.push_str(&format!(
            "V{i:05},front_camera,HW-FC-0042,FC-{i},ed25519,{}\n",
            hex::encode(k.public_key().bytes())
        ));
    }
    std::fs::write(e.p("cmdb.csv"), cmdb).unwrap();
    let en = e.json(&["fleet", "--db", &dbs, "enroll", "--file", "cmdb.csv"]);
    assert_eq!(en["enrolled"], 200);
    let mut stream = Vec::new();
    for seq in 1..=60u64 {
        for (i, k) in keys.iter().enumerate() {
            let mut k = k.clone();
            let doc = ReportDocBuf {
                head: ReportHeadBuf {
                    nonce: vec![2; 16],
                    sequence: seq,
                    time: Some(T0 + seq),
                    hardware_id: "HW-FC-0042".into(),
                    serial: format!("FC-{i}"),
                    ecu_name: None,
                    manifest_digest: [u8::try_from(seq % 3).unwrap(); 32],
                    kind: 2,
                    security_counter: 1,
                    component_floor: 1,
                    system_config_floor: 0,
                    root_version: 1,
                    config: None,
                    version: format!("b{}", seq % 3),
                },
                components: vec![ReportComponentBuf {
                    family: FAMILY.into(),
                    version: format!("v{}", seq % 3),
                    stage: 2,
                }],
                signers: vec![],
            };
            stream.extend(sign_fields(&doc, &mut k).unwrap());
        }
    }
    std::fs::write(e.p("stream.bin"), &stream).unwrap();
    const BATCH: i64 = 500;
    let ingest = |e: &Env| {
        let f = std::fs::File::open(e.p("stream.bin")).unwrap();
        let mut c = e.cmd(&[
            "fleet", "--db", &dbs, "ingest", "-", "--batch", "500", "--json",
        ]);
        c.stdin(f)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        c
    };
    let mut child = ingest(&e).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while reports_in(&db) < BATCH {
        assert!(Instant::now() < deadline, "ingest made no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "ingest finished before it was killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let n = reports_in(&db);
    assert!(n < 12_000, "killed before the end");
    assert_eq!(n % BATCH, 0, "only whole batches are visible ({n})");
    let mut check = modelseal_registry::db::Db::open(&dbs, false).unwrap();
    assert!(check.integrity_problems().unwrap().is_empty());
    let stale = check
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
    assert_eq!(stale, 0, "every ECU's state matches its reports");
    drop(check);
    // The same stream again finishes the job; what was in is a no-op.
    let out = ingest(&e)
        .stdout(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success());
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["duplicates"], n);
    assert_eq!(reports_in(&db), 12_000);
    // Every ECU's camera ended on sequence 60: v0 (60 % 3).
    let w = e.json(&["fleet", "--db", &dbs, "which", "perception_front_camera@v0"]);
    assert_eq!(w["vehicles"], 200);
}
