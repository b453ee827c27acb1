//! The registry benchmark command.
//!
//! 1. `registry add` of a 2,048-artifact bundle through the release CLI:
//!    wall time and peak RSS of the process (median of the runs).
//! 2. A registry of 10,000 model versions (100 families x 100 versions,
//!    each its own signed component bundle with a 20-package SBOM) and
//!    1,000 system configurations (each its own signed bundle listing ten
//!    of those releases), every one added through `Store::add_bundle`
//!    (verified, one transaction each); then each query and `trace`, in
//!    process (p50 and max over varied arguments), and `trace` through the
//!    CLI (process start included).
//!
//! Makes its data in a temporary directory and deletes it. Never a test:
//! nothing here asserts a time.
//!
//!   registry-bench --modelseal PATH [--dir DIR] [--runs N] [--reuse DIR]
//!
//! `--reuse DIR` keeps the populated registry in DIR and, when it is
//! already there, measures the queries on it without adding again.

use modelseal::model::{ArtifactEntry, Manifest};
use modelseal_core::doc::ArtifactKind;
use modelseal_registry::add::AddOptions;
use modelseal_registry::query::CheckTarget;
use modelseal_registry::trace::Input;
use modelseal_registry::{Page, Store};
use modelseal_tests::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const FAMILIES: usize = 100;
const VERSIONS: usize = 100;
const CONFIGS: usize = 1000;

fn main() {
    let mut it = std::env::args().skip(1);
    let (mut modelseal, mut dir, mut runs) = (None, std::env::temp_dir(), 5usize);
    let mut reuse: Option<PathBuf> = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--modelseal" => modelseal = it.next().map(PathBuf::from),
            "--dir" => dir = it.next().map(PathBuf::from).unwrap_or(dir),
            "--runs" => runs = it.next().and_then(|r| r.parse().ok()).unwrap_or(runs),
            "--reuse" => reuse = it.next().map(PathBuf::from),
            _ => {
                eprintln!("usage: registry-bench --modelseal PATH [--dir DIR] [--runs N]");
                std::process::exit(2);
            }
        }
    }
    let Some(modelseal) = modelseal else {
        eprintln!("registry-bench: give the release CLI with --modelseal");
        std::process::exit(2);
    };
    let work = reuse
        .clone()
        .unwrap_or_else(|| dir.join(format!("modelseal-registry-bench-{}", std::process::id())));
    std::fs::create_dir_all(&work).expect("work dir");
    add_2048(&modelseal, &work, runs);
    queries(&modelseal, &work);
    if reuse.is_none() {
        std::fs::remove_dir_all(&work).expect("clean up");
    }
}

fn sbom(label: &str, n: usize) -> Vec<u8> {
    let comps: Vec<String> = (0..n)
        .map(|i| {
            let lib = (i * 7 + label.len()) % 200;
            let lic = ["MIT", "Apache-2.0", "BSD-3-Clause", "GPL-3.0-only", "Zlib"][lib % 5];
            format!(
                r#"{{"type":"library","name":"lib{lib}","version":"1.{v}.0","purl":"pkg:generic/lib{lib}@1.{v}.0","licenses":[{{"license":{{"id":"{lic}"}}}}]}}"#,
                v = lib % 3
            )
        })
        .collect();
    format!(
        r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{}]}}"#,
        comps.join(",")
    )
    .into_bytes()
}

/// A component bundle of `family@version` with `n` small artifacts and an SBOM.
fn component(family: &str, version: &str, n: usize, dataset: &str) -> (Vec<u8>, Manifest) {
    let mut payloads: Vec<(ArtifactEntry, Vec<u8>)> = (0..n.saturating_sub(1))
        .map(|i| {
            let name = format!("a/{i:04}.bin");
            let b = bytes(&format!("{family}{version}{i}"), 64);
            (
                ArtifactEntry {
                    verity: None,
                    name,
                    kind: ArtifactKind::Weights.code(),
                    size: b.len() as u64,
                    digest: sha256(&b),
                    plaintext: None,
                    licence: "Apache-2.0".into(),
                },
                b,
            )
        })
        .collect();
    let s = sbom(&format!("{family}{version}"), 20);
    payloads.push((
        ArtifactEntry {
            verity: None,
            name: "sbom.cdx.json".into(),
            kind: ArtifactKind::SbomCycloneDx.code(),
            size: s.len() as u64,
            digest: sha256(&s),
            plaintext: None,
            licence: "CC0-1.0".into(),
        },
        s,
    ));
    payloads.sort_by(|a, b| a.0.name.as_bytes().cmp(b.0.name.as_bytes()));
    let mut m = component_manifest(&[]);
    m.head.version = format!("{family}-{version}");
    m.artifacts = payloads.iter().map(|p| p.0.clone()).collect();
    let c = &mut m.components[0];
    c.head.family = family.into();
    c.head.version = version.into();
    c.head.lineage.training_dataset_id = dataset.into();
    c.head.lineage.code_commit_id = format!("commit-{family}-{version}");
    m.normalize();
    let bodies: Vec<&[u8]> = payloads.iter().map(|p| p.1.as_slice()).collect();
    (bundle(&[], &m, &["c1", "c2"], &bodies), m)
}

fn peak_rss_kib_of(cmd: &mut Command) -> (Duration, i64) {
    let start = Instant::now();
    let st = cmd.status().expect("run");
    let t = start.elapsed();
    assert!(st.success(), "{cmd:?} failed");
    // SAFETY: getrusage fills the struct it is given; a zeroed rusage is a
    // valid value to pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: RUSAGE_CHILDREN with a valid pointer.
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    (t, ru.ru_maxrss)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn add_2048(modelseal: &Path, work: &Path, runs: usize) {
    let (b, _) = component("bench_family", "v2048", 2048, "ds-bench");
    let path = work.join("big.msb");
    std::fs::write(&path, &b).expect("write bundle");
    let root = work.join("root.msr");
    std::fs::write(&root, provisioned_root()).expect("root");
    let mut times = Vec::new();
    let mut rss = 0;
    for i in 0..runs {
        let db = work.join(format!("add-{i}.db"));
        let ok = Command::new(modelseal)
            .args(["registry", "init", "--root"])
            .arg(&root)
            .env("MODELSEAL_REGISTRY", &db)
            .output()
            .expect("init");
        assert!(ok.status.success());
        let mut c = Command::new(modelseal);
        c.args(["-q", "registry", "add"])
            .arg(&path)
            .env("MODELSEAL_REGISTRY", &db);
        c.stdout(std::process::Stdio::null());
        let (t, r) = peak_rss_kib_of(&mut c);
        times.push(t);
        rss = rss.max(r);
    }
    println!(
        "registry add, 2,048-artifact bundle ({} bytes): median {} of {runs} runs; peak RSS {:.1} MiB (goal < 1 s, < 64 MiB)",
        b.len(),
        ms(median(times)),
        rss as f64 / 1024.0
    );
}

fn timed<T>(label: &str, n: usize, mut f: impl FnMut(usize) -> T) {
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let s = Instant::now();
        std::hint::black_box(f(i));
        v.push(s.elapsed());
    }
    v.sort();
    println!(
        "  {label:<46} p50 {:>10}  max {:>10}  ({n} runs)",
        ms(v[n / 2]),
        ms(v[n - 1])
    );
}

fn queries(modelseal: &Path, work: &Path) {
    let db = work.join("big.db");
    let populated = db.exists();
    let mut s = Store::open(&db).expect("store");
    s.add_root(&provisioned_root()).expect("root");
    let opts = AddOptions {
        now: NOW,
        ..AddOptions::default()
    };
    let file = work.join("c.msb");
    let add = |s: &mut Store, b: &[u8]| {
        if !populated {
            std::fs::write(&file, b).expect("write");
            s.add_bundle(&file, &opts).expect("add");
        }
    };
    let start = Instant::now();
    let mut digests = Vec::with_capacity(FAMILIES * VERSIONS);
    for f in 0..FAMILIES {
        for v in 0..VERSIONS {
            let (b, m) = component(
                &format!("family_{f:03}"),
                &format!("v1.{v}.0"),
                3,
                &format!("ds-{:03}", (f * VERSIONS + v) % 500),
            );
            add(&mut s, &b);
            digests.push(manifest_digest(&m));
        }
    }
    let t_components = start.elapsed();
    let start = Instant::now();
    let mut configs = Vec::with_capacity(CONFIGS);
    for c in 0..CONFIGS {
        let picks: Vec<_> = (0..10)
            .map(|k| digests[(c * 37 + k * 1009) % digests.len()])
            .collect();
        let mut m = system_config_manifest(&picks[..1]);
        let sc = m.system_config.as_mut().expect("config");
        sc.head.config_version = format!("2026.{c:04}");
        // Ten ECUs, each running one of the picks.
        let template = sc.ecus[0].clone();
        sc.ecus = (0..10)
            .map(|k| {
                let mut e = template.clone();
                e.head.name = format!("ecu_{k:02}");
                e.head.hardware_id = if k == 0 {
                    HW.into()
                } else {
                    format!("HW-X-{k:02}")
                };
                let d = picks[k];
                let i = digests.iter().position(|x| *x == d).expect("pick");
                e.models[0].family = format!("family_{:03}", i / VERSIONS);
                e.models[0].version = format!("v1.{}.0", i % VERSIONS);
                e.models[0].manifest_digest = d;
                e
            })
            .collect();
        m.target.hardware_ids = sc.ecus.iter().map(|e| e.head.hardware_id.clone()).collect();
        m.target.hardware_ids.sort();
        m.normalize();
        let b = bundle(&[], &m, &["s1"], &[]);
        add(&mut s, &b);
        configs.push(format!("vehicle-l2plus-eu@2026.{c:04}"));
    }
    let t_configs = start.elapsed();
    let (mn, mv, cf) = s.counts().expect("counts");
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(work.join("big.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "registry of {mv} model versions, {cf} configurations ({mn} manifests, {:.1} MiB): \
         populated by add in {:.1} s (components) + {:.1} s (configurations){}",
        size as f64 / (1 << 20) as f64,
        t_components.as_secs_f64(),
        t_configs.as_secs_f64(),
        if populated {
            " (reused: not added again)"
        } else {
            ""
        }
    );
    let hex = |d: &[u8; 32]| d.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let r = s.resolvers().expect("resolvers");
    let n = 50;
    println!("queries (in process, a warm store):");
    timed("versions FAMILY (first page of 100)", n, |i| {
        s.versions(&format!("family_{:03}", i % FAMILIES), Page::default())
            .expect("q")
    });
    timed("show FAMILY@VERSION", n, |i| {
        s.show(
            &format!("family_{:03}", i % FAMILIES),
            &format!("v1.{}.0", i % VERSIONS),
            &r,
        )
        .expect("q")
    });
    timed("lineage dataset D (first page)", n, |i| {
        s.by_lineage("dataset", &format!("ds-{:03}", i % 500), Page::default())
            .expect("q")
    });
    timed("lineage code_commit_id C", n, |i| {
        s.by_lineage(
            "code_commit_id",
            &format!("commit-family_{:03}-v1.{}.0", i % FAMILIES, i % VERSIONS),
            Page::default(),
        )
        .expect("q")
    });
    timed("artifact DIGEST", n, |i| {
        let f = i % FAMILIES;
        let v = i % VERSIONS;
        let b = bytes(&format!("family_{f:03}v1.{v}.0{}", 0), 64);
        s.by_artifact(&sha256(&b)).expect("q")
    });
    timed("package NAME@VERSION (first page)", n, |i| {
        s.by_package(
            &format!("lib{}", i % 200),
            Some(&format!("1.{}.0", (i % 200) % 3)),
            Page::default(),
        )
        .expect("q")
    });
    timed("check FAMILY@VERSION --deny GPL-3.0-only", n, |i| {
        s.check_licences(
            &CheckTarget::Model(
                format!("family_{:03}", i % FAMILIES),
                format!("v1.{}.0", i % VERSIONS),
            ),
            &["GPL-3.0-only".into()],
        )
        .expect("q")
    });
    timed("check --config CONFIG --deny GPL-3.0-only", n, |i| {
        s.check_licences(
            &CheckTarget::Config(configs[i * 19 % CONFIGS].clone()),
            &["GPL-3.0-only".into()],
        )
        .expect("q")
    });
    timed("history FAMILY (first page)", n, |i| {
        s.history(&format!("family_{:03}", i % FAMILIES), Page::default())
            .expect("q")
    });
    timed("configs COMPONENT_DIGEST", n, |i| {
        s.configs_including(&hex(&digests[i * 131 % digests.len()]))
            .expect("q")
    });
    timed("diff CONFIG_A CONFIG_B", n, |i| {
        s.diff_configs(&configs[i % CONFIGS], &configs[(i + 500) % CONFIGS])
            .expect("q")
    });
    timed("trace COMPONENT_DIGEST", n, |i| {
        s.trace(&Input::Digest(hex(&digests[i * 197 % digests.len()])))
            .expect("q")
    });
    timed("trace CONFIG_DIGEST (10 ECUs, 10 models)", n, |i| {
        let (_, d) = s
            .config_manifest(&configs[i * 7 % CONFIGS])
            .expect("config");
        s.trace(&Input::Digest(d)).expect("q")
    });
    timed("trace FAMILY@VERSION", n, |i| {
        s.trace(&Input::Model(format!(
            "family_{:03}@v1.{}.0",
            i % FAMILIES,
            i % VERSIONS
        )))
        .expect("q")
    });
    drop(s);
    let mut cli = Vec::new();
    for i in 0..10 {
        let (_, d) = Store::open_existing(&db)
            .expect("store")
            .config_manifest(&configs[i * 7 % CONFIGS])
            .expect("config");
        let start = Instant::now();
        let o = Command::new(modelseal)
            .args(["trace", "--json", &d])
            .env("MODELSEAL_REGISTRY", &db)
            .output()
            .expect("trace");
        cli.push(start.elapsed());
        assert!(o.status.success() || o.status.code() == Some(20));
    }
    println!(
        "  {:<46} p50 {:>10}  (process start, open, trace, JSON)",
        "CLI: modelseal trace --json CONFIG_DIGEST",
        ms(median(cli))
    );
}
