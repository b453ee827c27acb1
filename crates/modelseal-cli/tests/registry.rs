//! The registry and `trace` through the real `modelseal` binary: the
//! commands, their JSON, their exit codes, keys named for the new roles in
//! `root init`/`rotate`, a SIGKILL during `registry add` of a
//! 2,048-artifact bundle, which must leave a consistent store, and the
//! same commands on a PostgreSQL registry (`--db postgres://…`, a real
//! server: tests/pg of the registry crate).

mod common;
#[path = "../../modelseal-registry/tests/pg/mod.rs"]
mod pg;

use common::Env;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn registry_commands_events_trace_and_exit_codes() {
    let e = Env::new();
    e.root();
    e.build("spec/perception_front_camera.toml", "fc.msb");
    // Before init there is no registry: a bad-input error, nothing created.
    e.code(2, &["registry", "add", "fc.msb"]);
    assert!(!e.p("reg.db").exists());
    e.ok(&["registry", "init", "--root", "root.msr"]);
    let added = e.json(&["registry", "add", "fc.msb"]);
    assert_eq!(added[0]["new"], true);
    assert_eq!(added[0]["sbom_status"], "parsed");
    let digest = added[0]["manifest_digest"]
        .as_str()
        .expect("digest")
        .to_owned();
    assert_eq!(e.json(&["registry", "add", "fc.msb"])[0]["new"], false);

    // A bundle signed by one component key only: refused, exit 1.
    e.ok(&[
        "build",
        "spec/perception_front_camera.toml",
        "-o",
        "one.msb",
        "--root",
        "root.msr",
        "--key",
        "c1.pem",
    ]);
    e.code(1, &["registry", "add", "one.msb"]);

    // Queries.
    let v = e.json(&["registry", "versions", "perception_front_camera"]);
    assert_eq!(v["items"][0]["stage"], "production");
    e.code(5, &["registry", "versions", "no_such_family"]);
    let l = e.json(&["registry", "lineage", "dataset", "ds-train-2025-11-03"]);
    assert_eq!(l["items"][0]["link"], "training_dataset_id");
    let p = e.json(&["registry", "package", "numpy@1.26.4"]);
    assert_eq!(p["items"][0]["manifest_digest"], digest.as_str());
    let shown = e.json(&["registry", "show", "perception_front_camera@v1.3.5"]);
    let onnx = shown[0]["artifacts"]
        .as_array()
        .expect("artifacts")
        .iter()
        .find(|a| a["name"] == "model.onnx")
        .expect("model.onnx");
    let onnx_digest = onnx["digest"].as_str().expect("digest").to_owned();
    let a = e.json(&["registry", "artifact", &onnx_digest]);
    assert_eq!(a[0]["artifact"], "model.onnx");
    e.code(5, &["registry", "artifact", &"0".repeat(64)]);
    e.code(2, &["registry", "artifact", "not-hex"]);
    // Licence policy: the SBOM lists a LicenseRef-NVIDIA-SLA package.
    e.code(
        21,
        &[
            "registry",
            "check",
            "perception_front_camera@v1.3.5",
            "--deny",
            "LicenseRef-NVIDIA-SLA",
        ],
    );
    e.ok(&[
        "registry",
        "check",
        "perception_front_camera@v1.3.5",
        "--deny",
        "GPL-3.0-only",
    ]);

    // Signed events: by the roles' keys, recorded; by another key, refused.
    e.ok(&[
        "registry",
        "resolver",
        "set",
        "dataset",
        "https://data.example.com/{id}",
    ]);
    e.code(
        2,
        &[
            "registry",
            "resolver",
            "set",
            "dataset",
            "https://data.example.com/",
        ],
    );
    let ev = e.json(&[
        "registry",
        "evaluate",
        "perception_front_camera@v1.3.5",
        "--suite-kind",
        "hil",
        "--suite",
        "hil-suite-12",
        "--result",
        "hil-run-1",
        "--verdict",
        "pass",
        "--actor",
        "rig 3",
        "--key",
        "e1.pem",
        "-o",
        "eval.mse",
    ]);
    assert_eq!(ev["new"], true);
    e.code(
        1,
        &[
            "registry",
            "stage",
            "perception_front_camera@v1.3.5",
            "--withdraw",
            "--actor",
            "x",
            "--reason",
            "y",
            "--key",
            "c1.pem",
        ],
    );
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
        "-o",
        "withdraw.mse",
    ]);
    // Recording a signed event file again is a no-op.
    assert_eq!(
        e.json(&["registry", "record", "eval.mse", "withdraw.mse"])[1]["new"],
        false
    );

    // Trace: text and JSON; the dataset reference resolved.
    let t = e.ok(&["trace", "perception_front_camera@v1.3.5"]);
    assert!(t.contains("WITHDRAWN"), "{t}");
    assert!(
        t.contains("<https://data.example.com/ds-train-2025-11-03>"),
        "{t}"
    );
    let tj = e.json(&["trace", &digest]);
    assert_eq!(tj["models"][0]["evaluations"][0]["result_id"], "hil-run-1");
    assert_eq!(tj["models"][0]["stage_history"][0]["action"], "withdraw");
    // Identity record from `verify --identity-out`.
    e.ok(&[
        "verify",
        "fc.msb",
        "--root",
        "root.msr",
        "--hardware-id",
        "HW-FC-0042",
        "--platform",
        "PLAT-A",
        "--market",
        "EU",
        "--counter-floor",
        "0",
        "--min-stage",
        "staging",
        "--identity-out",
        "identity.bin",
    ]);
    assert_eq!(
        e.json(&["trace", "--identity", "identity.bin"])["known"],
        true
    );
    // An unknown digest: the trace is printed, exit 20 (an alarm).
    let o = e.code(20, &["trace", "--json", &"ab".repeat(32)]);
    let j: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(j["known"], false);
    e.code(5, &["trace", "nobody@v0"]);
    e.ok(&["registry", "integrity"]);
    for sub in [
        "init",
        "root",
        "add",
        "record",
        "stage",
        "evaluate",
        "versions",
        "show",
        "lineage",
        "artifact",
        "package",
        "check",
        "history",
        "configs",
        "diff",
        "integrity",
    ] {
        let help = e.ok(&["registry", sub, "--help"]);
        assert!(
            help.contains("Example"),
            "registry {sub} --help has no example"
        );
    }
    for sub in ["set", "list", "remove"] {
        assert!(
            e.ok(&["registry", "resolver", sub, "--help"])
                .contains("Example")
        );
    }
    assert!(e.ok(&["trace", "--help"]).contains("Example"));

    // The new roles survive a rotation that does not name them.
    e.keys(&["c4"]);
    e.ok(&[
        "root",
        "rotate",
        "--from",
        "root.msr",
        "-o",
        "root2.msr",
        "--component-key",
        "c4.pub",
        "--component-threshold",
        "1",
        "--key",
        "r1.pem",
        "--key",
        "r2.pem",
    ]);
    let r = e.json(&["inspect", "root2.msr", "--root", "root.msr"]);
    let roles = r["root"]["roles"].as_array().expect("roles");
    assert_eq!(roles.len(), 5, "{r}");
    e.ok(&["registry", "root", "root2.msr"]);
}

/// Starts `registry add`, kills it with SIGKILL after `after`, and says
/// whether it had finished on its own.
fn kill_add_after(e: &Env, after: Duration, preload: Option<&Path>) -> bool {
    let mut c = e.cmd(&["registry", "add", "big.msb"]);
    c.stdout(Stdio::null()).stderr(Stdio::null());
    if let Some(lib) = preload {
        c.env("LD_PRELOAD", lib);
    }
    let mut child = c.spawn().expect("spawn");
    let start = Instant::now();
    while start.elapsed() < after {
        if child.try_wait().expect("wait").is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let done = child.try_wait().expect("wait").is_some();
    child.kill().expect("kill");
    child.wait().expect("reap");
    done
}

/// The store after a kill: sound, and the bundle either wholly there or
/// not there at all.
fn consistent(e: &Env) -> bool {
    let s = modelseal_registry::Store::open_existing(&e.p("reg.db")).expect("opens");
    assert_eq!(s.integrity_problems().expect("check"), Vec::<String>::new());
    let (manifests, versions, _) = s.counts().expect("counts");
    match manifests {
        0 => {
            assert_eq!(versions, 0);
            false
        }
        1 => {
            assert_eq!(versions, 1);
            let t = s
                .trace(&modelseal_registry::trace::Input::Model(
                    "perception_front_camera@v1.3.5".into(),
                ))
                .expect("trace");
            let m = &t.models[0];
            assert_eq!(m.artifacts.len(), 2048, "every artifact or none");
            assert_eq!(m.sbom.as_ref().expect("sbom").packages, 3);
            true
        }
        n => panic!("{n} manifests"),
    }
}

#[test]
fn sigkill_during_registry_add_leaves_the_store_consistent() {
    let e = Env::new();
    e.root();
    // 2,048 artifacts: the example's six and 2,042 small files.
    let tree = e.p("spec/artifacts/tiles");
    fs::create_dir_all(&tree).expect("mkdir");
    for i in 0..2042 {
        fs::write(tree.join(format!("t{i:04}.bin")), format!("tile {i}")).expect("tile");
    }
    let spec = fs::read_to_string(e.p("spec/perception_front_camera.toml")).expect("spec");
    let spec = spec.replace(
        "[sbom]",
        "[[artifact_tree]]\npath = \"tiles\"\nkind = \"map-data\"\nlicence = \"CC-BY-4.0\"\n\n[sbom]",
    );
    fs::write(e.p("spec/big.toml"), spec).expect("spec");
    e.build("spec/big.toml", "big.msb");
    e.ok(&["registry", "init", "--root", "root.msr"]);

    // How long a whole add takes here, on a copy of the empty store.
    fs::copy(e.p("reg.db"), e.p("empty.db")).expect("copy");
    let start = Instant::now();
    e.ok(&["registry", "add", "big.msb"]);
    let whole = start.elapsed();
    assert!(consistent(&e));
    for f in ["reg.db-wal", "reg.db-shm"] {
        let _ = fs::remove_file(e.p(f));
    }
    fs::copy(e.p("empty.db"), e.p("reg.db")).expect("restore");
    assert!(!consistent(&e));

    // Kills spread over the run: each leaves nothing or everything.
    let (mut killed, mut left_nothing) = (0, 0);
    for i in 1..=8u32 {
        let finished = kill_add_after(&e, whole * i / 9, None);
        let present = consistent(&e);
        if !finished {
            killed += 1;
            left_nothing += u32::from(!present);
        }
        if present {
            break;
        }
    }
    assert!(
        killed > 0 && left_nothing > 0,
        "no add was killed before its commit"
    );

    // A kill while the commit is being made durable (fsync stalled).
    let _ = fs::remove_file(e.p("reg.db-wal"));
    let _ = fs::remove_file(e.p("reg.db-shm"));
    fs::copy(e.p("empty.db"), e.p("reg.db")).expect("restore");
    let lib = slow_fsync_library(e.dir.path());
    assert!(
        !kill_add_after(&e, whole + Duration::from_secs(2), Some(&lib)),
        "stalled in fsync"
    );
    consistent(&e);

    // Whatever the kills left, adding again completes the store.
    e.ok(&["registry", "add", "big.msb"]);
    assert!(consistent(&e));
    e.ok(&["registry", "integrity"]);
}

/// A preload library whose fsync and fdatasync stall for 30 seconds.
fn slow_fsync_library(dir: &Path) -> PathBuf {
    let src = dir.join("slow_fsync.c");
    fs::write(
        &src,
        "#include <unistd.h>\nint fsync(int fd) { (void)fd; sleep(30); return 0; }\nint fdatasync(int fd) { (void)fd; sleep(30); return 0; }\n",
    )
    .expect("write");
    let lib = dir.join("libslow_fsync.so");
    let ok = Command::new("cc")
        .args(["-shared", "-fPIC", "-o"])
        .arg(&lib)
        .arg(&src)
        .status()
        .expect("cc");
    assert!(ok.success());
    lib
}

/// The registry commands on `db` (a SQLite file or a PostgreSQL URL):
/// their JSON answers, in order.
fn registry_answers(e: &Env, db: &str) -> Vec<Value> {
    let with_db = |args: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        a.insert(1, "--db".into());
        a.insert(2, db.to_owned());
        a
    };
    let json = |args: &[&str]| -> Value {
        let a = with_db(args);
        e.json(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let ok = |args: &[&str]| -> String {
        let a = with_db(args);
        e.ok(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    // Before init: no registry (SQLite) or no trust root (PostgreSQL, whose
    // database exists): bad input either way.
    let a = with_db(&["registry", "add", "fc.msb"]);
    e.code(2, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let mut out = vec![json(&["registry", "init", "--root", "root.msr"])];
    assert_eq!(out[0]["registry"], db);
    let added = json(&["registry", "add", "fc.msb"]);
    assert_eq!(added[0]["new"], true);
    assert_eq!(json(&["registry", "add", "fc.msb"])[0]["new"], false);
    out.push(added);
    ok(&[
        "registry",
        "resolver",
        "set",
        "dataset",
        "https://data.example.com/{id}",
    ]);
    out.push(json(&["registry", "versions", "perception_front_camera"]));
    out.push(json(&[
        "registry",
        "show",
        "perception_front_camera@v1.3.5",
    ]));
    out.push(json(&[
        "registry",
        "lineage",
        "dataset",
        "ds-train-2025-11-03",
    ]));
    out.push(json(&["registry", "package", "numpy@1.26.4"]));
    let withdrawn = json(&[
        "registry",
        "stage",
        "perception_front_camera@v1.3.5",
        "--withdraw",
        "--actor",
        "safety board",
        "--reason",
        "INC-42",
        "--at",
        "2026-02-01T00:00:00Z",
        "--key",
        "g1.pem",
    ]);
    assert_eq!(withdrawn["new"], true);
    out.push(withdrawn);
    let mut trace = with_db(&["trace", "perception_front_camera@v1.3.5"]);
    trace.push("--json".into());
    let t: Value =
        serde_json::from_str(&e.ok(&trace.iter().map(String::as_str).collect::<Vec<_>>()))
            .expect("JSON");
    assert_eq!(t["models"][0]["stage_history"][0]["action"], "withdraw");
    out.push(t);
    out.push(json(&["registry", "history", "perception_front_camera"]));
    let integrity = json(&["registry", "integrity"]);
    assert_eq!(integrity["ok"], true);
    out.push(integrity);
    out
}

#[test]
fn a_postgresql_registry_answers_as_a_sqlite_one() {
    let e = Env::new();
    e.root();
    e.build("spec/perception_front_camera.toml", "fc.msb");
    let server = pg::Postgres::start();
    let url = server.database();
    let on_sqlite = registry_answers(&e, "lite.db");
    let on_postgres = registry_answers(&e, &url);
    // The init line names each store; everything else is the same.
    assert_eq!(on_sqlite.len(), on_postgres.len());
    for (i, (a, b)) in on_sqlite.iter().zip(&on_postgres).enumerate().skip(1) {
        assert_eq!(a, b, "answer {i} differs between SQLite and PostgreSQL");
    }
    assert!(
        !e.p("reg.db").exists(),
        "--db wins over $MODELSEAL_REGISTRY"
    );
    // $MODELSEAL_REGISTRY names a PostgreSQL registry too.
    let o = e
        .cmd(&["registry", "versions", "perception_front_camera", "--json"])
        .env("MODELSEAL_REGISTRY", &url)
        .output()
        .expect("run");
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert_eq!(v["items"][0]["withdrawn"], true);
    assert_eq!(
        v,
        e.json(&[
            "registry",
            "--db",
            "lite.db",
            "versions",
            "perception_front_camera"
        ])
    );
}
