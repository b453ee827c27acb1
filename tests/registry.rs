//! The model registry end to end, on a real SQLite file: what `registry
//! add` records from a verified bundle, what it refuses (and that it then
//! writes nothing), candidates, signed stage and evaluation events (and
//! forgeries of them), the queries, and `trace` from a signed version
//! report. Every test makes its own data with the fixtures.

use modelseal::model::{Manifest, Role};
use modelseal::report::{Expectation, Freshness};
use modelseal_core::codes::{EventAction, Stage, SuiteKind, Verdict};
use modelseal_core::doc::{ArtifactKind, RoleId};
use modelseal_core::envelope::DocType;
use modelseal_core::event::{EvaluationBuf, StageEventBuf};
use modelseal_core::report::Algorithm;
use modelseal_registry::add::AddOptions;
use modelseal_registry::event::{Event, sign_event};
use modelseal_registry::query::CheckTarget;
use modelseal_registry::trace::{Input, Start};
use modelseal_registry::{Error, Page, Store};
use modelseal_tests::reports::*;
use modelseal_tests::*;
use std::path::{Path, PathBuf};

/// A CycloneDX SBOM with a GPL package, a licence expression and purls.
const CDX: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[
  {"type":"library","name":"onnxruntime","version":"1.17.1","purl":"pkg:github/microsoft/onnxruntime@1.17.1",
   "licenses":[{"license":{"id":"MIT"}}]},
  {"type":"library","name":"readline","version":"8.2","purl":"pkg:deb/debian/readline@8.2",
   "licenses":[{"expression":"GPL-3.0-only"}]},
  {"type":"data","name":"ds-train-2025-11-03"}]}"#;

/// An SPDX SBOM.
const SPDX: &str = r#"{"spdxVersion":"SPDX-2.3","packages":[
  {"name":"zlib","versionInfo":"1.3.1","licenseConcluded":"Zlib",
   "externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:generic/zlib@1.3.1"}]}]}"#;

/// The standard payloads with a real SBOM of `kind`.
fn payloads_with_sbom(kind: ArtifactKind, text: &str) -> Vec<Payload> {
    let mut p = payloads();
    for x in &mut p {
        if x.kind.is_sbom() {
            x.kind = kind;
            x.bytes = text.as_bytes().to_vec();
        }
    }
    p
}

/// The registry's root: the standard roles, plus a registry role (g1 g2,
/// 2 of 2) and an evaluation role (e1, 1 of 1).
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

struct Reg {
    dir: tempfile::TempDir,
    store: Store,
}

impl Reg {
    fn new() -> Self {
        Self::with_root(&registry_root())
    }
    fn with_root(root: &[u8]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("registry.db")).unwrap();
        store.add_root(root).unwrap();
        Self { dir, store }
    }
    fn db(&self) -> PathBuf {
        self.dir.path().join("registry.db")
    }
    /// Writes `bytes` as a file named `name` in the test directory.
    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }
    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<modelseal_registry::add::Added, Error> {
        let p = self.file(name, bytes);
        self.store.add_bundle(&p, &opts())
    }
    /// Every row of every table, as text: "untouched" means this is equal.
    fn dump(&self) -> Vec<String> {
        let c = rusqlite::Connection::open(self.db()).unwrap();
        let tables: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let mut out = Vec::new();
        for t in tables {
            let mut st = c.prepare(&format!("SELECT * FROM {t}")).unwrap();
            let n = st.column_count();
            let rows: Vec<String> = st
                .query_map([], |r| {
                    let vals: Vec<String> = (0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect();
                    Ok(format!("{t}: {}", vals.join(" | ")))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            out.extend(rows);
        }
        out
    }
}

fn opts() -> AddOptions {
    AddOptions {
        now: NOW,
        threads: 2,
        ..AddOptions::default()
    }
}

fn sbom_bundle(
    kind: ArtifactKind,
    text: &str,
    tweak: impl FnOnce(&mut Manifest),
) -> (Vec<u8>, Manifest) {
    let p = payloads_with_sbom(kind, text);
    let mut m = component_manifest(&p);
    tweak(&mut m);
    let b = bundle(&[], &m, &["c1", "c2"], &slices(&payload_bytes(&p)));
    (b, m)
}

fn hex(d: &[u8; 32]) -> String {
    modelseal_core::hash::Digest::from(*d)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_verified_bundle_is_recorded_with_everything_it_says() {
    let mut reg = Reg::new();
    let (b, m) = sbom_bundle(ArtifactKind::SbomCycloneDx, CDX, |_| {});
    let added = reg.add("fc.msb", &b).unwrap();
    let digest = hex(&manifest_digest(&m));
    assert!(added.new);
    assert_eq!(added.manifest_digest, digest);
    assert_eq!(added.models, ["perception_front_camera@v1.3.5"]);
    assert_eq!(added.artifacts, 6);
    assert!(added.artifacts_checked);
    assert_eq!(added.sbom_status, "parsed");
    assert_eq!(added.sbom_packages, 3);
    assert_eq!(added.root_version, 1);
    assert_eq!(added.signers.len(), 2);

    let s = &reg.store;
    let full = s
        .show("perception_front_camera", "v1.3.5", &Default::default())
        .unwrap();
    assert_eq!(full.len(), 1);
    let v = &full[0];
    assert_eq!(v.summary.stage, "production");
    assert!(v.summary.deployable && !v.summary.candidate);
    assert_eq!(v.lineage.len(), 8);
    assert_eq!(v.lineage[0].id, "ds-train-2025-11-03");
    assert_eq!(v.tickets, ["PERC-1201", "SAFE-88"]);
    assert_eq!(
        v.metadata,
        [("odd".to_owned(), "highway, daylight".to_owned())]
    );
    assert_eq!(v.supersedes, Some(hex(&sha256(b"previous manifest"))));
    assert_eq!(v.bundle_version.as_deref(), Some("fc-perception-2026.01.1"));
    let engine = v
        .artifacts
        .iter()
        .find(|a| a.name == "engine/perception.plan")
        .unwrap();
    assert_eq!(
        engine.plaintext_digest,
        Some(hex(&sha256(&engine_plaintext())))
    );
    assert_eq!(engine.licence, "LicenseRef-Proprietary");
    let sbom = v.sbom.as_ref().unwrap();
    assert_eq!(sbom.packages, 3);
    assert_eq!(sbom.documents[0].1, hex(&sha256(CDX.as_bytes())));
    assert_eq!(
        sbom.notable[0].purl,
        "pkg:github/microsoft/onnxruntime@1.17.1"
    );
    assert_eq!(v.signers.len(), 2);

    // By artifact: the distributed and the plaintext digest both find it.
    let hits = s.by_artifact(&sha256(&engine_plaintext())).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].matched, "plaintext");
    assert_eq!(hits[0].models, ["perception_front_camera@v1.3.5"]);
    let dist = payloads()
        .into_iter()
        .find(|p| p.name == "model.onnx")
        .unwrap();
    assert_eq!(
        s.by_artifact(&sha256(&dist.bytes)).unwrap()[0].matched,
        "distributed"
    );
    assert!(s.by_artifact(&sha256(b"never shipped")).unwrap().is_empty());

    // Reverse lineage, by link and by kind; paged.
    let p = s
        .by_lineage(
            "training_dataset_id",
            "ds-train-2025-11-03",
            Page::default(),
        )
        .unwrap();
    assert_eq!(p.items.len(), 1);
    let p = s
        .by_lineage("dataset", "ds-test-2025-11-03", Page::default())
        .unwrap();
    assert_eq!(p.items[0].link, "test_dataset_id");
    assert!(
        s.by_lineage("code_commit_id", "nope", Page::default())
            .unwrap()
            .items
            .is_empty()
    );
    assert!(matches!(
        s.by_lineage("dataset_id", "x", Page::default()),
        Err(Error::Argument(_))
    ));

    // By package, with and without the version; by package URL.
    let p = s
        .by_package("readline", Some("8.2"), Page::default())
        .unwrap();
    assert_eq!(p.items.len(), 1);
    assert_eq!(p.items[0].package.licences, "GPL-3.0-only");
    assert!(
        s.by_package("readline", Some("8.1"), Page::default())
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(
        s.by_package(
            "pkg:github/microsoft/onnxruntime@1.17.1",
            None,
            Page::default()
        )
        .unwrap()
        .items
        .len(),
        1
    );

    // Licence policy: the GPL package and the proprietary engine.
    let fv = CheckTarget::Model("perception_front_camera".into(), "v1.3.5".into());
    let r = s.check_licences(&fv, &["GPL-3.0-only".into()]).unwrap();
    assert!(!r.pass);
    assert_eq!(r.violations.len(), 1);
    assert_eq!(r.violations[0].what, "package");
    let r = s
        .check_licences(&fv, &["LicenseRef-Proprietary".into()])
        .unwrap();
    assert_eq!(r.violations[0].name, "engine/perception.plan");
    assert!(
        s.check_licences(&fv, &["AGPL-3.0-only".into()])
            .unwrap()
            .pass
    );

    assert!(s.integrity_problems().unwrap().is_empty());
}

#[test]
fn the_same_bundle_twice_is_a_no_op() {
    let mut reg = Reg::new();
    let (b, _) = sbom_bundle(ArtifactKind::SbomSpdx, SPDX, |_| {});
    assert!(reg.add("a.msb", &b).unwrap().new);
    let before = reg.dump();
    let again = reg.add("b.msb", &b).unwrap();
    assert!(!again.new);
    assert_eq!(reg.dump(), before);
    let pkg = reg.store.by_package("zlib", None, Page::default()).unwrap();
    assert_eq!(pkg.items[0].package.purl, "pkg:generic/zlib@1.3.1");
}

#[test]
fn unverified_bundles_are_refused_and_nothing_is_written() {
    let mut reg = Reg::new();
    // Something registered already, so "untouched" covers existing rows.
    let (good, _) = sbom_bundle(ArtifactKind::SbomCycloneDx, CDX, |_| {});
    reg.add("good.msb", &good).unwrap();
    let before = reg.dump();

    // Below the component role's threshold (2 of 3).
    let one = component_bundle(&[], |m| m.head.version = "one-signer".into(), &["c1"]);
    assert!(matches!(
        reg.add("one.msb", &one),
        Err(Error::SignaturesIncomplete { .. })
    ));
    // Signed by keys outside the role.
    let outsiders = component_bundle(&[], |m| m.head.version = "outsiders".into(), &["x1", "x2"]);
    assert!(reg.add("outsiders.msb", &outsiders).is_err());
    // A payload changed after signing.
    let mut tampered = component_bundle(&[], |m| m.head.version = "tampered".into(), &["c1", "c2"]);
    let (off, _) = payload_offsets(&tampered)[2];
    tampered[off as usize] ^= 1;
    let e = reg.add("tampered.msb", &tampered).unwrap_err();
    assert!(
        matches!(&e, Error::Host(modelseal::Error::Verify { source, .. } | modelseal::Error::WouldBeRejected { source, .. })
            if *source == modelseal_core::Error::ArtifactDigestMismatch),
        "{e:?}"
    );
    // A bit flipped in the manifest (its signature no longer verifies).
    let mut flipped = component_bundle(&[], |m| m.head.version = "flipped".into(), &["c1", "c2"]);
    let h = head_len(&flipped);
    flipped[h - 200] ^= 0x10;
    assert!(reg.add("flipped.msb", &flipped).is_err());
    // Truncated.
    assert!(reg.add("short.msb", &good[..good.len() - 10]).is_err());
    // Not a bundle at all.
    assert!(reg.add("noise.msb", &bytes("noise", 4096)).is_err());

    assert_eq!(reg.dump(), before, "a refused bundle wrote nothing");
    assert!(reg.store.integrity_problems().unwrap().is_empty());
}

#[test]
fn a_registry_without_a_root_or_on_a_foreign_file_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("r.db")).unwrap();
    let p = dir.path().join("b.msb");
    std::fs::write(&p, standard_bundle()).unwrap();
    assert!(matches!(
        s.add_bundle(&p, &opts()),
        Err(Error::NoTrustRoot { .. })
    ));
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, bytes("not a database", 8192)).unwrap();
    assert!(matches!(
        Store::open(&junk),
        Err(Error::NotARegistry { .. })
    ));
    assert!(matches!(
        Store::open_existing(&dir.path().join("missing.db")),
        Err(Error::NotARegistry { .. })
    ));
    let other = dir.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER)")
        .unwrap();
    assert!(matches!(
        Store::open(&other),
        Err(Error::NotARegistry { .. })
    ));
}

#[test]
fn a_detached_head_is_recorded_from_its_signed_manifest() {
    let mut reg = Reg::new();
    let (b, _) = sbom_bundle(ArtifactKind::SbomCycloneDx, CDX, |_| {});
    let head = &b[..head_len(&b)];
    // Without its artifacts: digests and licences, no SBOM contents.
    let p = reg.file("head.msh", head);
    let a = reg.store.add_bundle(&p, &opts()).unwrap();
    assert!(!a.artifacts_checked);
    assert_eq!(a.sbom_status, "not-read");
    assert_eq!(a.artifacts, 6);

    // With them, in a second registry: checked, and the SBOM read.
    let mut reg2 = Reg::new();
    let dir = reg2.dir.path().join("artifacts");
    for x in payloads_with_sbom(ArtifactKind::SbomCycloneDx, CDX) {
        let f = dir.join(&x.name);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, &x.bytes).unwrap();
    }
    let p = reg2.file("head.msh", head);
    let a = reg2
        .store
        .add_bundle(
            &p,
            &AddOptions {
                artifacts_dir: Some(dir.clone()),
                ..opts()
            },
        )
        .unwrap();
    assert!(a.artifacts_checked);
    assert_eq!(a.sbom_status, "parsed");
    // A changed artifact file is refused.
    let mut reg3 = Reg::new();
    std::fs::write(dir.join("model.onnx"), b"changed").unwrap();
    let p = reg3.file("head.msh", head);
    let before = reg3.dump();
    assert!(
        reg3.store
            .add_bundle(
                &p,
                &AddOptions {
                    artifacts_dir: Some(dir),
                    ..opts()
                }
            )
            .is_err()
    );
    assert_eq!(reg3.dump(), before);
}

/// A candidate spec for `perception_front_camera v1.3.5`, Development, in `dir`.
fn candidate_spec(dir: &Path, stage: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("art")).unwrap();
    std::fs::write(dir.join("art/weights.bin"), b"candidate weights").unwrap();
    std::fs::write(dir.join("art/sbom.json"), CDX).unwrap();
    let spec = format!(
        r#"kind = "component"
version = "fc-candidate-1"
security_counter = 1
created_at = "2025-11-19T00:00:00Z"
artifact_root = "art"
[target]
hardware_ids = ["HW-FC-0042"]
[[component]]
family = "perception_front_camera"
version = "v1.3.5"
stage = "{stage}"
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
"#
    );
    let p = dir.join("candidate.toml");
    std::fs::write(&p, spec).unwrap();
    p
}

#[test]
fn candidates_are_never_traced_as_deployable_and_a_release_supersedes_them() {
    let mut reg = Reg::new();
    let spec = candidate_spec(reg.dir.path(), "development");
    let c = reg.store.add_candidate(&spec).unwrap();
    assert_eq!(c[0].model, "perception_front_camera@v1.3.5");
    assert!(c[0].new && !c[0].already_released);
    assert!(
        !reg.store.add_candidate(&spec).unwrap()[0].new,
        "no-op the second time"
    );

    let t = reg
        .store
        .trace(&Input::Model("perception_front_camera@v1.3.5".into()))
        .unwrap();
    assert_eq!(t.models.len(), 1);
    assert!(t.models[0].summary.candidate);
    assert!(!t.models[0].summary.deployable);
    assert_eq!(t.models[0].summary.manifest_digest, None);
    assert!(t.text().contains("CANDIDATE, never deployable"));
    // Reverse lineage finds it, marked as a candidate.
    let hits = reg
        .store
        .by_lineage("experiment_id", "exp-4821", Page::default())
        .unwrap();
    assert!(hits.items[0].version.candidate && !hits.items[0].version.deployable);

    // A candidate at any stage but development is refused.
    let dir2 = reg.dir.path().join("staging");
    assert!(matches!(
        reg.store.add_candidate(&candidate_spec(&dir2, "staging")),
        Err(Error::Candidate { .. })
    ));

    // The signed release supersedes the candidate.
    let (b, m) = sbom_bundle(ArtifactKind::SbomCycloneDx, CDX, |_| {});
    let added = reg.add("fc.msb", &b).unwrap();
    assert_eq!(
        added.superseded_candidates,
        ["perception_front_camera@v1.3.5"]
    );
    let digest = hex(&manifest_digest(&m));
    let all = reg
        .store
        .show("perception_front_camera", "v1.3.5", &Default::default())
        .unwrap();
    let cand = all.iter().find(|v| v.summary.candidate).unwrap();
    assert_eq!(cand.summary.superseded_by.as_deref(), Some(digest.as_str()));
    assert!(!cand.summary.deployable);
    // Tracing what a car runs never lands on the candidate.
    let t = reg.store.trace(&Input::Digest(digest)).unwrap();
    assert_eq!(t.models.len(), 1);
    assert!(!t.models[0].summary.candidate && t.models[0].summary.deployable);
}

fn promote(m: &Manifest, action: EventAction, stage: Stage, at: u64) -> Event {
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

fn evaluation(m: &Manifest, verdict: Verdict) -> Event {
    Event::Evaluation(EvaluationBuf {
        family: "perception_front_camera".into(),
        version: "v1.3.5".into(),
        manifest_digest: manifest_digest(m),
        suite_kind: SuiteKind::Hil.code(),
        suite_id: "hil-suite-12".into(),
        result_id: "hil-run-88121".into(),
        verdict: verdict.code(),
        link: "https://hil.example.com/runs/88121".into(),
        evaluator: "hil rig 3".into(),
        at: T0 + 10,
    })
}

fn signed(e: &Event, keys: &[&str]) -> Vec<u8> {
    let signers: Vec<_> = keys.iter().map(|k| key(k)).collect();
    let refs: Vec<&dyn modelseal::sign::Signer> = signers.iter().map(|k| k as _).collect();
    sign_event(e, &refs).unwrap()
}

#[test]
fn stage_and_evaluation_events_are_signed_verified_and_append_only() {
    let mut reg = Reg::new();
    let (b, m) = sbom_bundle(ArtifactKind::SbomCycloneDx, CDX, |_| {});
    reg.add("fc.msb", &b).unwrap();
    // A configuration that lists it.
    let sc = system_config_manifest(&[manifest_digest(&m)]);
    reg.add("sc.msb", &bundle(&[], &sc, &["s1"], &[])).unwrap();

    let withdraw = promote(&m, EventAction::Withdraw, Stage::PRODUCTION, T0 + 100);
    let r = reg
        .store
        .record_event("withdraw", &signed(&withdraw, &["g1", "g2"]))
        .unwrap();
    assert!(r.new);
    assert_eq!(r.signers.len(), 2);
    assert!(
        !reg.store
            .record_event("again", &signed(&withdraw, &["g1", "g2"]))
            .unwrap()
            .new
    );
    let e = reg
        .store
        .record_event("eval", &signed(&evaluation(&m, Verdict::Pass), &["e1"]))
        .unwrap();
    assert_eq!(e.kind, "evaluation");

    let v = &reg
        .store
        .show("perception_front_camera", "v1.3.5", &Default::default())
        .unwrap()[0];
    assert!(v.summary.withdrawn && !v.summary.deployable);
    assert_eq!(v.stage_history.len(), 1);
    assert_eq!(v.stage_history[0].actor, "release board");
    assert_eq!(v.evaluations[0].verdict, "pass");
    assert_eq!(v.evaluations[0].result_id, "hil-run-88121");
    // Withdrawal is the record; the configuration that still lists it says so.
    let listed = reg
        .store
        .configs_listing("perception_front_camera", "v1.3.5")
        .unwrap();
    assert_eq!(listed[0].config_id, "vehicle-l2plus-eu");
    let t = reg
        .store
        .trace(&Input::Digest(hex(&manifest_digest(&sc))))
        .unwrap();
    assert!(t.alarms.iter().any(|a| a.contains("withdrawn")));
    // A later promotion supersedes the withdrawal by time; history keeps both.
    let back = promote(&m, EventAction::Promote, Stage::PRODUCTION, T0 + 200);
    reg.store
        .record_event("back", &signed(&back, &["g1", "g2"]))
        .unwrap();
    let v = &reg
        .store
        .show("perception_front_camera", "v1.3.5", &Default::default())
        .unwrap()[0];
    assert!(!v.summary.withdrawn && v.summary.deployable);
    assert_eq!(v.stage_history.len(), 2);
    let h = reg
        .store
        .history("perception_front_camera", Page::default())
        .unwrap();
    let kinds: Vec<&str> = h.items.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(kinds, ["release", "evaluation", "withdraw", "promote"]);
}

#[test]
fn forged_stage_and_evaluation_events_are_refused() {
    let mut reg = Reg::new();
    let (b, m) = sbom_bundle(ArtifactKind::SbomCycloneDx, CDX, |_| {});
    reg.add("fc.msb", &b).unwrap();
    let before = reg.dump();
    let ev = promote(&m, EventAction::Promote, Stage::STAGING, T0 + 5);
    let rejected = |r: Result<_, Error>, want: modelseal_core::Error| match r {
        Err(Error::EventRejected { source, .. }) => assert_eq!(source, want),
        other => panic!("expected a refusal ({want:?}), got {other:?}"),
    };
    // Below the registry role's threshold (2 of 2).
    rejected(
        reg.store.record_event("one", &signed(&ev, &["g1"])),
        modelseal_core::Error::SignatureRejected,
    );
    // Keys of another role (component keys sign bundles, not events).
    rejected(
        reg.store.record_event("c", &signed(&ev, &["c1", "c2"])),
        modelseal_core::Error::SignatureRejected,
    );
    // An evaluation signed by registry keys: the wrong role.
    rejected(
        reg.store.record_event(
            "wrong role",
            &signed(&evaluation(&m, Verdict::Fail), &["g1", "g2"]),
        ),
        modelseal_core::Error::SignatureRejected,
    );
    // Every bit of the document and of a signature flipped.
    let good = signed(&ev, &["g1", "g2"]);
    let env = modelseal_core::envelope::Envelope::parse(&good).unwrap();
    let doc_len = env.doc().len();
    for bit in (16 * 8..(16 + doc_len) * 8)
        .chain((good.len() - 64) * 8..good.len() * 8)
        .step_by(7)
    {
        let mut f = good.clone();
        f[bit / 8] ^= 1 << (bit % 8);
        assert!(reg.store.record_event("flipped", &f).is_err(), "bit {bit}");
    }
    // A signed event re-labelled as the other document type.
    let mut relabelled = good.clone();
    relabelled[10] = DocType::Evaluation.code();
    rejected(
        reg.store.record_event("relabelled", &relabelled),
        modelseal_core::Error::SignatureRejected,
    );
    // A manifest envelope offered as an event.
    let manifest_env = envelope(
        DocType::ComponentManifest,
        m.encode().unwrap(),
        &["c1", "c2"],
    );
    rejected(
        reg.store.record_event("manifest", &manifest_env),
        modelseal_core::Error::WrongDocumentType,
    );
    // Properly signed, for a version the registry never released.
    let mut other = m.clone();
    other.head.version = "never-registered".into();
    let unknown = promote(&other, EventAction::Promote, Stage::STAGING, T0);
    assert!(matches!(
        reg.store
            .record_event("unknown", &signed(&unknown, &["g1", "g2"])),
        Err(Error::EventForUnknownVersion { .. })
    ));
    assert_eq!(reg.dump(), before, "a refused event wrote nothing");

    // A registry whose root names no registry role accepts no stage event.
    let mut plain = Reg::with_root(&provisioned_root());
    plain.add("fc.msb", &b).unwrap();
    assert!(matches!(
        plain
            .store
            .record_event("no role", &signed(&ev, &["g1", "g2"])),
        Err(Error::RoleMissing { .. })
    ));
}

#[test]
fn trace_from_a_signed_report_to_the_training_data() {
    let mut reg = Reg::new();
    reg.store
        .set_resolver("dataset", "https://data.example.com/ds/{id}")
        .unwrap();
    reg.store
        .set_resolver("hil_suite_id", "https://hil.example.com/{link}/{id}")
        .unwrap();
    let (b, m) = sbom_bundle(ArtifactKind::SbomCycloneDx, CDX, |_| {});
    reg.add("fc.msb", &b).unwrap();
    reg.store
        .record_event("eval", &signed(&evaluation(&m, Verdict::Pass), &["e1"]))
        .unwrap();

    let mut key = device_key(Algorithm::Ed25519, "fc");
    let report = answer_with(policy(), &b, &request(42), &mut key).unwrap();
    let want = Expectation {
        key: key.public_key(),
        serial: Some(SERIAL.into()),
        freshness: Freshness::Nonce(NONCE.to_vec()),
        last_sequence: None,
        manifest_digest: None,
    };
    let r = modelseal::report::verify(&report, &want).unwrap();
    let input = Input::Installed {
        start: Start::Report {
            hardware_id: r.hardware_id,
            serial: r.serial,
            sequence: r.sequence,
            ecu_key_id: r.ecu_key_id,
            nonce_checked: r.nonce_checked,
        },
        manifest: r.manifest_digest,
        config: r.config.map(|c| c.digest),
    };
    let t = reg.store.trace(&input).unwrap();
    assert!(t.known && t.alarms.is_empty());
    let mv = &t.models[0];
    assert_eq!(mv.lineage[0].id, "ds-train-2025-11-03");
    assert_eq!(
        mv.lineage[0].reference.as_deref(),
        Some("https://data.example.com/ds/ds-train-2025-11-03")
    );
    assert_eq!(
        mv.lineage[6].reference.as_deref(),
        Some("https://hil.example.com/hil_suite_id/hil-suite-12")
    );
    assert_eq!(mv.lineage[3].reference, None, "no resolver for experiments");
    assert_eq!(mv.evaluations.len(), 1);
    let text = t.text();
    assert!(text.contains("sequence 42"));
    assert!(text.contains("training_dataset_id     ds-train-2025-11-03"));
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["models"][0]["lineage"][0]["id"], "ds-train-2025-11-03");

    // A car that runs a bundle the registry never saw: an alarm, not a crash.
    let unknown = component_bundle(
        &[],
        |m| m.head.version = "unregistered".into(),
        &["c1", "c2"],
    );
    let report = answer_with(policy(), &unknown, &request(43), &mut key).unwrap();
    let r = modelseal::report::verify(&report, &want).unwrap();
    let t = reg
        .store
        .trace(&Input::Installed {
            start: Start::Identity,
            manifest: r.manifest_digest,
            config: None,
        })
        .unwrap();
    assert!(!t.known);
    assert!(t.alarms[0].contains("never saw"));
    assert!(t.models.is_empty());
}

#[test]
fn configurations_trace_diff_and_include_components() {
    let mut reg = Reg::new();
    let (b, m) = sbom_bundle(ArtifactKind::SbomCycloneDx, CDX, |_| {});
    reg.add("fc.msb", &b).unwrap();
    let d = manifest_digest(&m);
    let a = system_config_manifest(&[d]);
    reg.add("a.msb", &bundle(&[], &a, &["s1"], &[])).unwrap();
    // B: a new OS build, a new front-camera software build, a parameter
    // set changed, the radar model bumped.
    let mut bm = a.clone();
    bm.head.security_counter = 4;
    let sc = bm.system_config.as_mut().unwrap();
    sc.head.config_version = "2026.02.0".into();
    sc.middleware
        .iter_mut()
        .find(|x| x.name == "os")
        .unwrap()
        .digest = Some(sha256(b"qnx 7.1 security fix"));
    sc.ecus[0].head.software_digest = Some(sha256(b"front camera software 4.2.1"));
    sc.ecus[1].models[0].version = "v0.9.1".into();
    sc.ecus[1].models[0].manifest_digest = sha256(b"fusion manifest 0.9.1");
    sc.parameter_sets[0].digest = sha256(b"eu highway parameters v2");
    reg.add("b.msb", &bundle(&[], &bm, &["s1"], &[])).unwrap();

    let diff = reg
        .store
        .diff_configs("vehicle-l2plus-eu@2026.01.0", &hex(&manifest_digest(&bm)))
        .unwrap();
    let what: Vec<(&str, &str)> = diff
        .changes
        .iter()
        .map(|c| (c.what, c.name.as_str()))
        .collect();
    assert_eq!(
        what,
        [
            ("software", "front_camera"),
            ("model", "radar_fusion/fusion_radar_lidar"),
            ("middleware", "os"),
            ("parameter-set", "eu-highway"),
        ]
    );
    assert!(diff.text().contains("~ middleware"));
    assert!(
        reg.store
            .diff_configs("vehicle-l2plus-eu@2026.01.0", "vehicle-l2plus-eu@2026.01.0")
            .unwrap()
            .changes
            .is_empty()
    );

    let inc = reg.store.configs_including(&hex(&d)).unwrap();
    assert_eq!(inc.len(), 2);
    assert_eq!(inc[0].ecu, "front_camera");

    // Tracing a configuration: the radar model's bundle was never
    // registered, which is an alarm.
    let t = reg
        .store
        .trace(&Input::Digest(hex(&manifest_digest(&a))))
        .unwrap();
    let cfg = t.config.as_ref().unwrap();
    assert_eq!(cfg.ecus.len(), 2);
    assert!(
        cfg.middleware
            .iter()
            .any(|(n, _, d)| n == "os" && d.is_some())
    );
    assert_eq!(t.models.len(), 1);
    assert!(!t.known);
    assert!(t.alarms[0].contains("fusion_radar_lidar@v0.9.0"));
    // Licence check over a configuration covers its components.
    let r = reg
        .store
        .check_licences(
            &CheckTarget::Config("vehicle-l2plus-eu@2026.01.0".into()),
            &["GPL-3.0-only".into()],
        )
        .unwrap();
    assert_eq!(r.manifests.len(), 2);
    assert!(!r.pass);
}

#[test]
fn queries_page_through_a_family() {
    let mut reg = Reg::new();
    for i in 0..5u64 {
        let b = component_bundle(
            &[],
            |m| {
                m.head.version = format!("fc-{i}");
                m.components[0].head.version = format!("v1.{i}.0");
                m.components[0].head.created_at = T0 + i;
            },
            &["c1", "c2"],
        );
        reg.add(&format!("{i}.msb"), &b).unwrap();
    }
    let p1 = reg
        .store
        .versions(
            "perception_front_camera",
            Page {
                offset: 0,
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(
        p1.items
            .iter()
            .map(|v| v.version.as_str())
            .collect::<Vec<_>>(),
        ["v1.4.0", "v1.3.0"]
    );
    assert_eq!(p1.next_offset, Some(2));
    let p3 = reg
        .store
        .versions(
            "perception_front_camera",
            Page {
                offset: 4,
                limit: 2,
            },
        )
        .unwrap();
    assert_eq!(p3.items.len(), 1);
    assert_eq!(p3.next_offset, None);
    let l = reg
        .store
        .by_lineage(
            "dataset",
            "ds-val-2025-11-03",
            Page {
                offset: 0,
                limit: 3,
            },
        )
        .unwrap();
    assert_eq!(l.items.len(), 3);
    assert_eq!(l.next_offset, Some(3));
    // The random SBOM bytes of the standard payloads are unreadable: the
    // licence check cannot pass on them.
    let r = reg
        .store
        .check_licences(
            &CheckTarget::Model("perception_front_camera".into(), "v1.0.0".into()),
            &["GPL-3.0-only".into()],
        )
        .unwrap();
    assert!(!r.pass && r.violations.is_empty() && r.unchecked.len() == 1);
}

#[test]
fn a_rotation_the_bundle_carries_becomes_the_registry_root() {
    let mut reg = Reg::with_root(&provisioned_root());
    let chain = same_keys_chain(2..=2);
    let b = component_bundle(&chain, |_| {}, &["c1", "c2"]);
    let a = reg.add("rot.msb", &b).unwrap();
    assert_eq!(a.root_version, 2);
    assert_eq!(a.new_root_versions, [2]);
    assert_eq!(reg.store.root_in_force().unwrap().0, 2);
    // A root given directly must be the next rotation.
    assert!(reg.store.add_root(&same_keys_chain(4..=4)[0]).is_err());
    assert_eq!(reg.store.add_root(&same_keys_chain(3..=3)[0]).unwrap(), 3);
}

#[test]
fn concurrent_writers_and_readers_share_one_store() {
    let reg = Reg::new();
    let db = reg.db();
    // Four writers, each its own connection and its own bundles; a reader
    // querying throughout. One writer at a time (the busy timeout queues
    // the others), readers never blocked (WAL).
    let files: Vec<Vec<PathBuf>> = (0..4)
        .map(|w| {
            (0..5)
                .map(|i| {
                    let b = component_bundle(
                        &[],
                        |m| {
                            m.head.version = format!("w{w}-{i}");
                            m.components[0].head.version = format!("v{w}.{i}.0");
                        },
                        &["c1", "c2"],
                    );
                    reg.file(&format!("w{w}-{i}.msb"), &b)
                })
                .collect()
        })
        .collect();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let r = Store::open_existing(&db).unwrap();
            let mut seen = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let p = r
                    .versions("perception_front_camera", Page::default())
                    .unwrap();
                assert!(
                    p.items.len() >= seen,
                    "a committed version never disappears"
                );
                seen = p.items.len();
            }
        });
        let writers: Vec<_> = files
            .iter()
            .map(|fs| {
                let db = db.clone();
                s.spawn(move || {
                    let mut w = Store::open_existing(&db).unwrap();
                    for f in fs {
                        assert!(w.add_bundle(f, &opts()).unwrap().new);
                        // The same bundle again, racing the others: a no-op.
                        assert!(!w.add_bundle(f, &opts()).unwrap().new);
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().unwrap();
    });
    let s = Store::open_existing(&db).unwrap();
    assert_eq!(s.counts().unwrap().0, 20);
    assert!(s.integrity_problems().unwrap().is_empty());
}
