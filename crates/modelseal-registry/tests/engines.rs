//! The registry on SQLite and on a real PostgreSQL server (tests/pg), side
//! by side: the same operations, the same answers. The PostgreSQL database
//! sorts text by an ICU English locale (where `ops-7` sorts before
//! `PERC-1201`): the registry's answers still come in SQLite's byte order.
//! Writers racing on one PostgreSQL database are serialised as on SQLite,
//! and refusals keep their meaning and exit classes.

mod pg;

use modelseal::model::{Manifest, Role};
use modelseal_core::codes::{EventAction, Stage, SuiteKind, Verdict};
use modelseal_core::doc::{ArtifactKind, RoleId};
use modelseal_core::event::{EvaluationBuf, StageEventBuf};
use modelseal_registry::add::AddOptions;
use modelseal_registry::event::{Event, sign_event};
use modelseal_registry::query::CheckTarget;
use modelseal_registry::store::Dialect;
use modelseal_registry::trace::{Input, Start};
use modelseal_registry::{Error, ErrorClass, Page, Store};
use modelseal_tests::*;
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A CycloneDX SBOM: a package with a purl and licence, one without.
const CDX: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
  {"type":"library","name":"onnxruntime","version":"1.17.1","purl":"pkg:github/microsoft/onnxruntime@1.17.1",
   "licenses":[{"license":{"id":"MIT"}}]},
  {"type":"library","name":"readline","version":"8.2","purl":"pkg:deb/debian/readline@8.2",
   "licenses":[{"expression":"GPL-3.0-only"}]},
  {"type":"data","name":"ds-train-2025-11-03"}]}"#;

/// The standard roots, plus a registry role (g1 g2, 2 of 2) and an
/// evaluation role (e1).
fn registry_root() -> Vec<u8> {
    let mut r = root_v1();
    r.roles.push(Role {
        id: RoleId::Registry.code(),
        threshold: 2,
        keys: vec![pk("g1"), pk("g2")],
        floor: None,
    });
    r.roles.push(Role {
        id: RoleId::Evaluation.code(),
        threshold: 1,
        keys: vec![pk("e1")],
        floor: None,
    });
    root_envelope(&r, &["r1", "r2"])
}

fn opts() -> AddOptions {
    AddOptions {
        now: NOW,
        threads: 2,
        ..AddOptions::default()
    }
}

fn hex(d: &[u8; 32]) -> String {
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn signed(e: &Event, keys: &[&str]) -> Vec<u8> {
    let signers: Vec<_> = keys.iter().map(|k| key(k)).collect();
    let refs: Vec<&dyn modelseal::sign::Signer> = signers.iter().map(|k| k as _).collect();
    sign_event(e, &refs).unwrap()
}

fn stage_event(m: &Manifest, action: EventAction, stage: Stage, at: u64) -> Event {
    Event::Stage(StageEventBuf {
        family: "perception_front_camera".into(),
        version: "v1.3.5".into(),
        manifest_digest: manifest_digest(m),
        action: action.code(),
        stage: stage.code(),
        actor: "release board".into(),
        at,
        reason: "REL-2026-17".into(),
    })
}

fn evaluation(m: &Manifest) -> Event {
    Event::Evaluation(EvaluationBuf {
        family: "perception_front_camera".into(),
        version: "v1.3.5".into(),
        manifest_digest: manifest_digest(m),
        suite_kind: SuiteKind::Hil.code(),
        suite_id: "hil-suite-12".into(),
        result_id: "hil-run-88121".into(),
        verdict: Verdict::Pass.code(),
        link: "https://hil.example.com/runs/88121".into(),
        evaluator: "hil rig 3".into(),
        at: T0 + 10,
    })
}

/// Everything the scenario registers, written once so both engines read
/// the same files (their paths are recorded as sources).
struct Inputs {
    dir: tempfile::TempDir,
    root: Vec<u8>,
    component: Manifest,
    component_bundle: PathBuf,
    config_a: Manifest,
    config_a_bundle: PathBuf,
    config_b: Manifest,
    config_b_bundle: PathBuf,
    candidate_spec: PathBuf,
}

impl Inputs {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        // The component: a real SBOM, and a lowercase ticket that a locale
        // sorts before the uppercase ones.
        let mut p = payloads();
        for x in &mut p {
            if x.kind.is_sbom() {
                x.kind = ArtifactKind::SbomCycloneDx;
                x.bytes = CDX.as_bytes().to_vec();
            }
        }
        let mut component = component_manifest(&p);
        component.components[0].tickets.push("ops-7".into());
        let b = bundle(&[], &component, &["c1", "c2"], &slices(&payload_bytes(&p)));
        let component_bundle = write("fc.msb", &b);
        // Configuration A lists it; B changes the OS build and a parameter set.
        let config_a = system_config_manifest(&[manifest_digest(&component)]);
        let config_a_bundle = write("a.msb", &bundle(&[], &config_a, &["s1"], &[]));
        let mut config_b = config_a.clone();
        config_b.head.security_counter = 4;
        let sc = config_b.system_config.as_mut().unwrap();
        sc.head.config_version = "2026.02.0".into();
        sc.middleware
            .iter_mut()
            .find(|x| x.name == "os")
            .unwrap()
            .digest = Some(sha256(b"qnx 7.1 security fix"));
        sc.parameter_sets[0].digest = sha256(b"eu highway parameters v2");
        let config_b_bundle = write("b.msb", &bundle(&[], &config_b, &["s1"], &[]));
        let candidate_spec = candidate_spec(dir.path());
        Self {
            dir,
            root: registry_root(),
            component,
            component_bundle,
            config_a,
            config_a_bundle,
            config_b,
            config_b_bundle,
            candidate_spec,
        }
    }
}

/// A candidate spec for `perception_front_camera v1.3.5`, in `dir`.
fn candidate_spec(dir: &Path) -> PathBuf {
    let art = dir.join("candidate");
    std::fs::create_dir_all(&art).unwrap();
    std::fs::write(art.join("weights.bin"), b"candidate weights").unwrap();
    std::fs::write(art.join("sbom.json"), CDX).unwrap();
    let spec = r#"kind = "component"
version = "fc-candidate-1"
security_counter = 1
created_at = "2025-11-19T00:00:00Z"
artifact_root = "candidate"
[target]
hardware_ids = ["HW-FC-0042"]
[[component]]
family = "perception_front_camera"
version = "v1.3.5"
stage = "development"
author = "training pipeline"
[component.lineage]
training_dataset_id = "ds-train-2025-11-03"
validation_dataset_id = ""
test_dataset_id = ""
experiment_id = "exp-4821"
code_commit_id = "9f2c1e7b"
simulation_suite_id = ""
hil_suite_id = ""
release_gate_result_id = ""
[[artifact]]
name = "weights.bin"
path = "weights.bin"
kind = "weights"
licence = "Apache-2.0"
[sbom]
path = "sbom.json"
format = "cyclonedx"
licence = "CC0-1.0"
"#;
    let p = dir.join("candidate.toml");
    std::fs::write(&p, spec).unwrap();
    p
}

/// The answers of one run, in order, each labelled.
#[derive(Default)]
struct Answers(Vec<(&'static str, Value)>);

impl Answers {
    fn push(&mut self, label: &'static str, v: &impl Serialize) {
        self.0.push((label, serde_json::to_value(v).unwrap()));
    }
}

/// The main registry flow on `s` (a new, empty store). Checks what each
/// answer must say on any engine, and returns them all for the comparison.
fn flow(s: &mut Store, i: &Inputs) -> Answers {
    let mut out = Answers::default();
    let fc = "perception_front_camera";
    let digest = hex(&manifest_digest(&i.component));
    let config_a = hex(&manifest_digest(&i.config_a));

    // Before init: no trust root.
    assert!(matches!(
        s.add_bundle(&i.component_bundle, &opts()),
        Err(Error::NoTrustRoot { .. })
    ));
    // Init with a root; the same root again is a no-op.
    assert_eq!(s.add_root(&i.root).unwrap(), 1);
    assert_eq!(s.add_root(&i.root).unwrap(), 1);
    out.push("root in force", &s.root_in_force().unwrap());
    s.set_resolver("dataset", "https://data.example.com/ds/{id}")
        .unwrap();
    s.set_resolver("hil_suite_id", "https://hil.example.com/{link}/{id}")
        .unwrap();
    s.set_resolver("dataset", "https://datasets.example.com/{id}")
        .unwrap();
    out.push("resolvers", &s.resolver_list().unwrap());

    // A candidate first, then the signed release that supersedes it.
    let c = s.add_candidate(&i.candidate_spec).unwrap();
    assert!(c[0].new && !c[0].already_released);
    out.push("candidate", &c);
    let added = s.add_bundle(&i.component_bundle, &opts()).unwrap();
    assert!(added.new && added.artifacts_checked);
    assert_eq!(added.sbom_status, "parsed");
    assert_eq!(added.sbom_packages, 3);
    assert_eq!(added.superseded_candidates, [format!("{fc}@v1.3.5")]);
    out.push("add", &added);
    let again = s.add_bundle(&i.component_bundle, &opts()).unwrap();
    assert!(!again.new);
    out.push("add again", &again);
    for b in [&i.config_a_bundle, &i.config_b_bundle] {
        let a = s.add_bundle(b, &opts()).unwrap();
        assert!(a.new && a.config.is_some());
        out.push("add configuration", &a);
    }

    // Show: the release and the superseded candidate, in full.
    let shown = s.show(fc, "v1.3.5", &s.resolvers().unwrap()).unwrap();
    assert_eq!(shown.len(), 2);
    let release = &shown[0];
    assert!(!release.summary.candidate && release.summary.deployable);
    assert_eq!(release.summary.stage, "production");
    assert_eq!(release.tickets, ["PERC-1201", "SAFE-88", "ops-7"]);
    assert_eq!(
        release.lineage[0].reference.as_deref(),
        Some("https://datasets.example.com/ds-train-2025-11-03")
    );
    assert_eq!(release.artifacts.len(), 6);
    assert_eq!(release.sbom.as_ref().unwrap().packages, 3);
    assert_eq!(release.configs.len(), 2);
    assert_eq!(
        shown[1].summary.superseded_by.as_deref(),
        Some(digest.as_str())
    );
    out.push("show", &shown);

    // Versions, reverse lineage, packages, artifacts, configurations.
    let v = s.versions(fc, Page::default()).unwrap();
    assert_eq!(v.items.len(), 2);
    out.push("versions", &v);
    let one = s
        .versions(
            fc,
            Page {
                offset: 0,
                limit: 1,
            },
        )
        .unwrap();
    assert_eq!(one.next_offset, Some(1));
    out.push("versions, a page", &one);
    let l = s
        .by_lineage("dataset", "ds-train-2025-11-03", Page::default())
        .unwrap();
    assert_eq!(l.items.len(), 2);
    assert!(l.items.iter().all(|h| h.link == "training_dataset_id"));
    out.push("lineage by kind", &l);
    out.push(
        "lineage by link",
        &s.by_lineage("experiment_id", "exp-4821", Page::default())
            .unwrap(),
    );
    assert!(matches!(
        s.by_lineage("dataset_id", "x", Page::default()),
        Err(Error::Argument(_))
    ));
    let p = s
        .by_package("readline", Some("8.2"), Page::default())
        .unwrap();
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].package.licences, "GPL-3.0-only");
    assert_eq!(p.items[0].in_configs.len(), 2);
    out.push("package", &p);
    let purl = s
        .by_package(
            "pkg:github/microsoft/onnxruntime@1.17.1",
            None,
            Page::default(),
        )
        .unwrap();
    assert_eq!(purl.items.len(), 1);
    out.push("package by purl", &purl);
    assert!(
        s.by_package("readline", Some("8.1"), Page::default())
            .unwrap()
            .items
            .is_empty()
    );
    let hits = s.by_artifact(&sha256(&engine_plaintext())).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].matched, "plaintext");
    out.push("artifact", &hits);
    out.push("configs including", &s.configs_including(&digest).unwrap());
    out.push("configs listing", &s.configs_listing(fc, "v1.3.5").unwrap());
    let diff = s
        .diff_configs(
            "vehicle-l2plus-eu@2026.01.0",
            &hex(&manifest_digest(&i.config_b)),
        )
        .unwrap();
    let what: Vec<&str> = diff.changes.iter().map(|c| c.what).collect();
    assert_eq!(what, ["middleware", "parameter-set"]);
    out.push("diff", &diff);
    let check = s
        .check_licences(
            &CheckTarget::Model(fc.into(), "v1.3.5".into()),
            &["GPL-3.0-only".into()],
        )
        .unwrap();
    assert!(!check.pass && check.violations.len() == 1);
    out.push("licence check", &check);
    out.push(
        "licence check, configuration",
        &s.check_licences(
            &CheckTarget::Config(config_a.clone()),
            &["LicenseRef-Proprietary".into()],
        )
        .unwrap(),
    );
    out.push(
        "highest counter",
        &s.highest_counter("system-config").unwrap(),
    );
    out.push("release digest", &s.release_digest(fc, "v1.3.5").unwrap());

    // Signed events: a withdrawal, an evaluation, a promotion back.
    let m = &i.component;
    let withdraw = signed(
        &stage_event(m, EventAction::Withdraw, Stage::PRODUCTION, T0 + 100),
        &["g1", "g2"],
    );
    let r = s.record_event("withdraw", &withdraw).unwrap();
    assert!(r.new);
    out.push("withdraw", &r);
    assert!(!s.record_event("again", &withdraw).unwrap().new);
    assert!(matches!(
        s.record_event(
            "one key",
            &signed(
                &stage_event(m, EventAction::Promote, Stage::STAGING, T0),
                &["g1"]
            )
        ),
        Err(Error::EventRejected { .. })
    ));
    let e = s
        .record_event("eval", &signed(&evaluation(m), &["e1"]))
        .unwrap();
    assert_eq!(e.kind, "evaluation");
    out.push("evaluation", &e);
    let withdrawn = &s.show(fc, "v1.3.5", &Default::default()).unwrap()[0];
    assert!(withdrawn.summary.withdrawn && !withdrawn.summary.deployable);
    out.push("show withdrawn", withdrawn);

    // Trace: from the configuration an ECU reports, from a digest, from a
    // model; an unknown manifest is an alarm.
    let t = s
        .trace(&Input::Installed {
            start: Start::Identity,
            manifest: digest.clone(),
            config: Some(config_a.clone()),
        })
        .unwrap();
    assert!(
        !t.known,
        "the radar model of the configuration is not registered"
    );
    assert!(t.alarms.iter().any(|a| a.contains("withdrawn")));
    assert_eq!(t.config.as_ref().unwrap().ecus.len(), 2);
    assert_eq!(t.models[0].evaluations.len(), 1);
    out.push("trace installed", &t);
    out.push("trace text", &t.text());
    out.push(
        "trace digest",
        &s.trace(&Input::Digest(digest.clone())).unwrap(),
    );
    out.push(
        "trace model",
        &s.trace(&Input::Model(format!("{fc}@v1.3.5"))).unwrap(),
    );
    let unknown = s.trace(&Input::Digest("ab".repeat(32))).unwrap();
    assert!(!unknown.known && unknown.alarms[0].contains("never saw"));
    out.push("trace unknown", &unknown);

    // Promoted back: the latest event by time wins; history keeps both.
    let back = signed(
        &stage_event(m, EventAction::Promote, Stage::PRODUCTION, T0 + 200),
        &["g1", "g2"],
    );
    s.record_event("back", &back).unwrap();
    let v = &s.show(fc, "v1.3.5", &Default::default()).unwrap()[0];
    assert!(!v.summary.withdrawn && v.summary.deployable);
    assert_eq!(v.stage_history.len(), 2);
    let h = s.history(fc, Page::default()).unwrap();
    let kinds: Vec<&str> = h.items.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        kinds,
        ["candidate", "release", "evaluation", "withdraw", "promote"]
    );
    assert!(
        h.items[3]
            .detail
            .starts_with("stage production by release board")
    );
    out.push("history", &h);
    out.push(
        "history, second page",
        &s.history(
            fc,
            Page {
                offset: 2,
                limit: 2,
            },
        )
        .unwrap(),
    );
    out.push("counts", &s.counts().unwrap());
    assert!(s.remove_resolver("hil_suite_id").unwrap());
    assert!(!s.remove_resolver("hil_suite_id").unwrap());
    out.push("resolvers after removal", &s.resolver_list().unwrap());
    assert!(s.integrity_problems().unwrap().is_empty());
    out
}

/// A database on `server` whose default collation is ICU English (text
/// sorted by locale rules, not by bytes); its URL.
fn locale_database(server: &pg::Postgres) -> String {
    let mut c = postgres::Client::connect(&server.url("postgres"), postgres::NoTls).unwrap();
    c.batch_execute(
        "CREATE DATABASE registry_en TEMPLATE template0 ENCODING 'UTF8'
             LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'",
    )
    .unwrap();
    // The premise: this database orders text differently from bytes.
    let mut d = postgres::Client::connect(&server.url("registry_en"), postgres::NoTls).unwrap();
    let first: String = d
        .query_one(
            "SELECT t FROM (VALUES ('PERC-1201'), ('ops-7')) AS v (t) ORDER BY t LIMIT 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(first, "ops-7");
    server.url("registry_en")
}

#[test]
fn the_registry_answers_the_same_on_sqlite_and_postgresql() {
    let inputs = Inputs::new();
    let mut lite = Store::open(&inputs.dir.path().join("registry.db")).unwrap();
    assert_eq!(lite.dialect(), Dialect::Sqlite);
    let on_sqlite = flow(&mut lite, &inputs);

    let server = pg::Postgres::start();
    let url = locale_database(&server);
    let mut pg = Store::open(&url).unwrap();
    assert_eq!(pg.dialect(), Dialect::Postgres);
    assert_eq!(pg.path(), url);
    let on_postgres = flow(&mut pg, &inputs);

    assert_eq!(on_sqlite.0.len(), on_postgres.0.len());
    for ((label, a), (_, b)) in on_sqlite.0.iter().zip(&on_postgres.0) {
        assert_eq!(a, b, "{label}: SQLite and PostgreSQL differ");
    }
    // Opened again: nothing to migrate, the same store.
    drop(pg);
    let again = Store::open_existing(&url).unwrap();
    assert_eq!(again.counts().unwrap(), lite.counts().unwrap());
    assert_eq!(
        again.schema_version().unwrap(),
        lite.schema_version().unwrap()
    );
}

#[test]
fn writers_racing_on_postgresql_record_each_bundle_once() {
    let server = pg::Postgres::start();
    let url = server.database();
    let dir = tempfile::tempdir().unwrap();
    Store::open(&url)
        .unwrap()
        .add_root(&registry_root())
        .unwrap();
    // Four writers, each its own connection: every one adds the same five
    // bundles (one wins each, the others find it there) and then its own.
    let shared: Vec<PathBuf> = (0..5)
        .map(|i| {
            let b = component_bundle(
                &[],
                |m| {
                    m.head.version = format!("shared-{i}");
                    m.components[0].head.version = format!("v9.{i}.0");
                },
                &["c1", "c2"],
            );
            let p = dir.path().join(format!("shared-{i}.msb"));
            std::fs::write(&p, b).unwrap();
            p
        })
        .collect();
    let own: Vec<PathBuf> = (0..4)
        .map(|w| {
            let b = component_bundle(
                &[],
                |m| {
                    m.head.version = format!("own-{w}");
                    m.components[0].head.version = format!("v{w}.0.0");
                },
                &["c1", "c2"],
            );
            let p = dir.path().join(format!("own-{w}.msb"));
            std::fs::write(&p, b).unwrap();
            p
        })
        .collect();
    let new_counts: Vec<usize> = std::thread::scope(|s| {
        let writers: Vec<_> = own
            .iter()
            .map(|mine| {
                let (url, shared) = (&url, &shared);
                s.spawn(move || {
                    let mut w = Store::open_existing(url).unwrap();
                    let mut new = 0;
                    for f in shared.iter().chain([mine]) {
                        new += usize::from(w.add_bundle(f, &opts()).unwrap().new);
                    }
                    new
                })
            })
            .collect();
        writers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(new_counts.iter().sum::<usize>(), 5 + 4);
    assert!(new_counts.iter().all(|n| *n >= 1), "each added its own");
    let s = Store::open_existing(&url).unwrap();
    assert_eq!(s.counts().unwrap().0, 9);
    assert_eq!(
        s.versions("perception_front_camera", Page::default())
            .unwrap()
            .items
            .len(),
        9
    );
}

#[test]
fn refusals_on_postgresql_mean_what_they_mean_on_sqlite() {
    let server = pg::Postgres::start();
    // Someone else's database.
    let url = server.database();
    postgres::Client::connect(&url, postgres::NoTls)
        .unwrap()
        .batch_execute("CREATE TABLE t (x INTEGER)")
        .unwrap();
    let e = Store::open(&url).unwrap_err();
    assert!(matches!(e, Error::NotARegistry { .. }), "{e}");
    assert_eq!(e.class(), ErrorClass::BadInput);
    assert!(e.to_string().contains("not a modelseal registry"), "{e}");
    // A server that is not there: the engine's error, an I/O outcome,
    // and never the URL's password.
    let e = Store::open("postgresql://u:hunter2@%2Fnonexistent-dir/x").unwrap_err();
    assert!(matches!(e, Error::Store(_)), "{e}");
    assert_eq!(e.class(), ErrorClass::Io);
    assert!(!e.to_string().contains("hunter2"), "{e}");
    // A new database has the registry's tables and no trust root.
    let s = Store::open_existing(&server.database()).unwrap();
    assert!(matches!(s.root_in_force(), Err(Error::NoTrustRoot { .. })));
    assert_eq!(s.counts().unwrap(), (0, 0, 0));
}
