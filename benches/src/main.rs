//! The modelseal benchmark command.
//!
//! Makes its own data in a temporary directory, measures every figure of
//! the README's performance table side by side with its reference on the
//! same bytes, repeats each, and prints medians and ratios. These machines
//! are shared and noisy: the ratios, measured in alternation, are the
//! figures that count. Run through `benches/run.sh`, which builds what is
//! measured (release CLI, C harness, ECU-profile twin of this program).
//!
//! Never a test: nothing here asserts a time.

use modelseal_core::bundle::{BundleHeader, ReadAt, ReadFailure};
use modelseal_core::{BundleKind, DevicePolicy, Expiry, SoftSha256, Stage, Verifier};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

struct Args {
    dir: PathBuf,
    modelseal: Option<PathBuf>,
    capi: Option<PathBuf>,
    ecu_twin: Option<PathBuf>,
    footprint: Option<PathBuf>,
    baseline: Option<PathBuf>,
    runs: usize,
    keep: bool,
    /// `verity`: only the fs-verity rows.
    only: Option<String>,
}

fn usage() -> ! {
    eprintln!(
        "usage: modelseal-bench [--dir DIR] [--runs N] [--keep] [--only verity|verify-on-read] --modelseal PATH [--baseline PATH] [--capi PATH] [--ecu-twin PATH] [--footprint FILE]\n       modelseal-bench profile ROOT BUNDLE   (figures of this build's crypto profile)"
    );
    std::process::exit(2)
}

fn main() {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        dir: std::env::temp_dir(),
        modelseal: None,
        capi: None,
        ecu_twin: None,
        footprint: None,
        baseline: None,
        runs: 5,
        keep: false,
        only: None,
    };
    let first = it.next();
    if first.as_deref() == Some("profile") {
        let (Some(root), Some(bundle)) = (it.next(), it.next()) else {
            usage()
        };
        profile(Path::new(&root), Path::new(&bundle));
        return;
    }
    let mut next = first;
    while let Some(arg) = next {
        let mut val = || it.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--dir" => a.dir = PathBuf::from(val()),
            "--modelseal" => a.modelseal = Some(PathBuf::from(val())),
            "--capi" => a.capi = Some(PathBuf::from(val())),
            "--ecu-twin" => a.ecu_twin = Some(PathBuf::from(val())),
            "--footprint" => a.footprint = Some(PathBuf::from(val())),
            "--baseline" => a.baseline = Some(PathBuf::from(val())),
            "--runs" => a.runs = val().parse().unwrap_or_else(|_| usage()),
            "--keep" => a.keep = true,
            "--only" => a.only = Some(val()),
            _ => usage(),
        }
        next = it.next();
    }
    let Some(ms) = a.modelseal.clone() else {
        usage()
    };
    let work = a
        .dir
        .join(format!("modelseal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work).expect("work dir");
    let rows = match a.only.as_deref() {
        None => run_all(&a, &ms, &work),
        Some("verity") => {
            let keys_dir = work.join("keys");
            std::fs::create_dir_all(&keys_dir).expect("keys dir");
            let s = signing(&ms, &keys_dir);
            verity_rows(&a, &ms, &work, &s)
        }
        Some("verify-on-read") => vec![verify_on_read_row(&a, &work)],
        Some(_) => usage(),
    };
    if !a.keep {
        let _ = std::fs::remove_dir_all(&work);
    }
    print_table(&rows);
}

// ------------------------------------------------------------ measuring

/// One run of a command: wall time and peak resident memory.
#[derive(Clone, Copy, Debug)]
struct Run {
    secs: f64,
    max_rss_kib: u64,
    /// User and system CPU time: over `secs`, how many cores it kept busy.
    cpu_secs: f64,
}

/// Runs `cmd` to completion; its stdout and stderr are discarded unless it fails.
// The child is reaped by `wait4` (which also gives its peak memory), not by
// `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run(cmd: &mut Command) -> Run {
    let start = Instant::now();
    let child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; zeroed is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; the pointers are to live locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(r, pid, "wait4 failed");
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    if !ok {
        let mut err = String::new();
        if let Some(mut e) = child.stderr {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        panic!("{cmd:?} failed: {err}");
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Run {
        secs,
        max_rss_kib: usage.ru_maxrss as u64,
        cpu_secs: tv(usage.ru_utime) + tv(usage.ru_stime),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Fills `path` with `len` pseudo-random bytes (xorshift; incompressible
/// enough for a hash, fast to make).
fn make_file(path: &Path, len: u64, seed: u64) {
    let mut w = BufWriter::with_capacity(MIB as usize, File::create(path).expect("create"));
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut buf = vec![0u8; MIB as usize];
    let mut left = len;
    while left > 0 {
        for chunk in buf.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(MIB) as usize;
        w.write_all(&buf[..n]).expect("write");
        left -= n as u64;
    }
    w.flush().expect("flush");
}

// ------------------------------------------------------------ fixtures on disk

struct Signing {
    root: PathBuf,
    keys: Vec<PathBuf>,
}

/// Three keys and a root whose component and system-configuration roles
/// are 2-of-3, made with the CLI.
fn signing(ms: &Path, dir: &Path) -> Signing {
    let mut keys = Vec::new();
    let mut args: Vec<String> = vec!["root".into(), "init".into(), "-o".into()];
    let root = dir.join("root.msr");
    args.push(root.display().to_string());
    for i in 1..=3 {
        let k = dir.join(format!("k{i}.pem"));
        let p = dir.join(format!("k{i}.pub"));
        run(Command::new(ms)
            .args(["key", "generate", "-q", "-o"])
            .arg(&k)
            .arg("--public-out")
            .arg(&p));
        for role in ["--root-key", "--component-key", "--system-key"] {
            args.push(role.into());
            args.push(p.display().to_string());
        }
        keys.push(k);
    }
    for t in [
        "--root-threshold",
        "--component-threshold",
        "--system-threshold",
    ] {
        args.push(t.into());
        args.push("2".into());
    }
    for k in &keys[..2] {
        args.push("--key".into());
        args.push(k.display().to_string());
    }
    run(Command::new(ms).args(&args));
    Signing { root, keys }
}

/// A component spec over `artifact_root` with an SBOM and `body` (artifact tables).
fn write_spec(path: &Path, artifact_root: &Path, body: &str) {
    let sbom = artifact_root.join("sbom.cdx.json");
    std::fs::write(
        &sbom,
        br#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[]}"#,
    )
    .expect("sbom");
    let text = format!(
        r#"kind = "component"
version = "bench-1"
security_counter = 1
created_at = 1767225600
artifact_root = "{root}"
[target]
hardware_ids = ["HW-BENCH"]
[[component]]
family = "bench_model"
version = "v1"
stage = "development"
[component.lineage]
training_dataset_id = ""
validation_dataset_id = ""
test_dataset_id = ""
experiment_id = ""
code_commit_id = ""
simulation_suite_id = ""
hil_suite_id = ""
release_gate_result_id = ""
{body}
[sbom]
path = "sbom.cdx.json"
format = "cyclonedx"
licence = "CC0-1.0"
"#,
        root = artifact_root.display()
    );
    std::fs::write(path, text).expect("spec");
}

fn build(ms: &Path, s: &Signing, spec: &Path, out: &Path, extra: &[&str]) -> Run {
    let _ = std::fs::remove_file(out);
    let mut c = Command::new(ms);
    c.args(["build", "-q"])
        .arg(spec)
        .arg("-o")
        .arg(out)
        .arg("--root")
        .arg(&s.root)
        .arg("--force");
    for k in &s.keys[..2] {
        c.arg("--key").arg(k);
    }
    c.args(extra);
    run(&mut c)
}

// ------------------------------------------------------------ the core, in process

struct FileSource(File, u64);

impl ReadAt for FileSource {
    fn len(&self) -> u64 {
        self.1
    }
    fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ReadFailure> {
        self.0.read_exact_at(buf, offset).map_err(|_| ReadFailure)
    }
}

fn bench_policy() -> DevicePolicy {
    DevicePolicy::new(
        BundleKind::Component,
        "HW-BENCH",
        modelseal_core::Floors::default(),
        Stage::DEVELOPMENT,
        Expiry::NotCheckedNoTrustedClock,
    )
    .expect("policy")
}

/// Verifies a bundle file through the core's reader path with a 1 MiB
/// read buffer, as firmware would over flash; returns seconds.
fn core_verify(root: &[u8], bundle: &Path) -> f64 {
    let f = File::open(bundle).expect("bundle");
    let len = f.metadata().expect("metadata").len();
    let mut hdr = [0u8; 16];
    f.read_exact_at(&mut hdr, 0).expect("header");
    let head_len = BundleHeader::parse(&hdr).expect("header").head_len();
    let mut work = vec![0u8; head_len + MIB as usize];
    let start = Instant::now();
    let mut v = Verifier::new(root, bench_policy(), SoftSha256::new()).expect("root");
    v.accept_verity();
    let installed = v
        .verify_bundle(&mut FileSource(f, len), &mut work)
        .expect("verifies");
    std::hint::black_box(installed.counter_floor());
    start.elapsed().as_secs_f64()
}

/// Median microseconds of a boot check (init, then verify a system
/// configuration with 2 of 3 signatures and no artifacts) and of the
/// reference (decode both keys and `verify_strict` both signatures of the
/// same message), measured in alternation; and the ratio's median.
fn boot_check() -> (f64, f64, f64) {
    use modelseal_tests::*;
    let sc = system_config_manifest(&[sha256(b"component")]);
    let b = bundle(&[], &sc, &["s1", "s2"], &[]);
    let r = root(
        1,
        [
            (&["r1", "r2", "r3"], 2),
            (&["c1", "c2", "c3"], 2),
            (&["s1", "s2", "s3"], 2),
        ],
    );
    let root_env = root_envelope(&r, &["r1", "r2"]);
    let policy = DevicePolicy::new(
        BundleKind::SystemConfig,
        HW,
        modelseal_core::Floors::default(),
        Stage::DEVELOPMENT,
        Expiry::NotCheckedNoTrustedClock,
    )
    .and_then(|p| p.with_platform(PLATFORM))
    .and_then(|p| p.with_market(MARKET))
    .expect("policy");
    let h = modelseal_core::unverified::UnauthenticatedHead::parse(&b).expect("head");
    let env = h.manifest_envelope();
    let msg = modelseal_core::envelope::signed_message(env.doc_type(), &sha256(env.doc()));
    let sigs: Vec<([u8; 32], [u8; 64])> = env
        .signatures()
        .map(|e| (*e.public_key, *e.signature))
        .collect();
    let n = 200;
    let (mut ours, mut raw, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..31 {
        let t = Instant::now();
        for _ in 0..n {
            let mut v = Verifier::new(
                std::hint::black_box(&root_env),
                policy.clone(),
                SoftSha256::new(),
            )
            .expect("root");
            v.accept_verity();
            let i = v
                .verify_bundle_bytes(std::hint::black_box(&b))
                .expect("verifies");
            std::hint::black_box(i.counter_floor());
        }
        let o = t.elapsed().as_secs_f64() / f64::from(n);
        let t = Instant::now();
        for _ in 0..n {
            for (pk, sig) in &sigs {
                let k =
                    ed25519_dalek::VerifyingKey::from_bytes(std::hint::black_box(pk)).expect("key");
                k.verify_strict(
                    std::hint::black_box(&msg),
                    &ed25519_dalek::Signature::from_bytes(sig),
                )
                .expect("verifies");
            }
        }
        let r = t.elapsed().as_secs_f64() / f64::from(n);
        ours.push(o * 1e6);
        raw.push(r * 1e6);
        ratio.push(o / r);
    }
    (median(ours), median(raw), median(ratio))
}

/// `profile ROOT BUNDLE`: this build's verify throughput and boot check,
/// printed as `key=value` for the parent to compare across profiles.
fn profile(root: &Path, bundle: &Path) {
    let root = std::fs::read(root).expect("root");
    let len = std::fs::metadata(bundle).expect("bundle").len();
    let secs = median((0..3).map(|_| core_verify(&root, bundle)).collect());
    let (boot_us, _, _) = boot_check();
    println!("verify_mb_per_s={:.1}", len as f64 / secs / 1e6);
    println!("boot_check_us={boot_us:.1}");
}

// ------------------------------------------------------------ the figures

struct Row {
    figure: String,
    ours: String,
    reference: String,
    ratio: String,
    goal: String,
    met: Option<bool>,
}

fn row(
    figure: &str,
    ours: String,
    reference: String,
    ratio: String,
    goal: &str,
    met: Option<bool>,
) -> Row {
    Row {
        figure: figure.into(),
        ours,
        reference,
        ratio,
        goal: goal.into(),
        met,
    }
}

fn gbps(bytes: u64, secs: f64) -> String {
    format!("{:.2} GB/s ({secs:.3} s)", bytes as f64 / secs / 1e9)
}

fn run_all(a: &Args, ms: &Path, work: &Path) -> Vec<Row> {
    let mut rows = Vec::new();
    let runs = a.runs.max(1);
    let keys_dir = work.join("keys");
    std::fs::create_dir_all(&keys_dir).expect("keys dir");
    let s = signing(ms, &keys_dir);
    let root = std::fs::read(&s.root).expect("root");

    // 1. Verify throughput: one 1 GiB artifact, one core.
    eprintln!("[1/5] verify throughput: making a 1 GiB artifact ...");
    let d1 = work.join("one");
    std::fs::create_dir_all(&d1).expect("dir");
    let artifact = d1.join("weights.bin");
    make_file(&artifact, GIB, 1);
    let spec1 = work.join("one.toml");
    write_spec(
        &spec1,
        &d1,
        "[[artifact]]\npath = \"weights.bin\"\nkind = \"weights\"\nlicence = \"Apache-2.0\"\n",
    );
    let bundle1 = work.join("one.msb");
    build(ms, &s, &spec1, &bundle1, &[]);
    let (mut t_ossl, mut t_core, mut t_capi) = (Vec::new(), Vec::new(), Vec::new());
    let openssl_one = || {
        run(Command::new("openssl")
            .args(["dgst", "-sha256"])
            .arg(&artifact))
        .secs
    };
    openssl_one(); // warm the page cache
    for _ in 0..runs {
        t_ossl.push(openssl_one());
        t_core.push(core_verify(&root, &bundle1));
        if let Some(c) = &a.capi {
            t_capi.push(run(Command::new(c).arg(&s.root).arg(&bundle1)).secs);
        }
    }
    let (o, c) = (median(t_ossl), median(t_core));
    rows.push(row(
        "verify 1 GiB artifact, core streaming path, 1 core",
        gbps(GIB, c),
        format!("openssl dgst -sha256 {}", gbps(GIB, o)),
        format!("{:.3}x", o / c),
        ">= 0.97x",
        Some(o / c >= 0.97),
    ));
    if !t_capi.is_empty() {
        let k = median(t_capi);
        rows.push(row(
            "verify 1 GiB artifact, C API (read callback), 1 core",
            gbps(GIB, k),
            format!("openssl dgst -sha256 {}", gbps(GIB, o)),
            format!("{:.3}x", o / k),
            ">= 0.97x",
            Some(o / k >= 0.97),
        ));
    }

    // 2. Build + sign a ~2 GiB model directory on every core.
    eprintln!("[2/5] build and sign: making a 2 GiB model directory ...");
    let d2 = work.join("model-dir");
    let model = d2.join("model");
    std::fs::create_dir_all(model.join("mid")).expect("dir");
    std::fs::create_dir_all(model.join("small")).expect("dir");
    let mut files = vec![(model.join("big.bin"), GIB)];
    files.extend((0..4).map(|i| (model.join(format!("m{i}.bin")), 200 * MIB)));
    files.extend((0..100).map(|i| (model.join(format!("mid/f{i:03}.bin")), MIB)));
    files.extend((0..1000).map(|i| (model.join(format!("small/f{i:04}.bin")), 4096)));
    for (i, (p, len)) in files.iter().enumerate() {
        make_file(p, *len, 1000 + i as u64);
    }
    let total: u64 = files.iter().map(|f| f.1).sum();
    let spec2 = work.join("dir.toml");
    write_spec(
        &spec2,
        &d2,
        "[[artifact_tree]]\npath = \"model\"\nkind = \"weights\"\nlicence = \"Apache-2.0\"\n",
    );
    let head2 = work.join("dir.msh");
    let whole2 = work.join("dir.msb");
    let openssl_all = || {
        let mut c = Command::new("openssl");
        c.args(["dgst", "-sha256"]);
        c.args(files.iter().map(|f| &f.0));
        run(&mut c)
    };
    openssl_all();
    let (mut t_o, mut t_b, mut rss) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        t_o.push(openssl_all().secs);
        let r = build(ms, &s, &spec2, &head2, &["--detached"]);
        t_b.push(r.secs);
        rss.push(r.max_rss_kib as f64);
    }
    let (o, b) = (median(t_o), median(t_b));
    rows.push(row(
        "build + sign 2 GiB directory (1,105 files), 2 cores, detached",
        gbps(total, b),
        format!("openssl dgst -sha256, one process {}", gbps(total, o)),
        format!("{:.2}x", o / b),
        ">= 1.8x",
        Some(o / b >= 1.8),
    ));
    let rss_mib = median(rss) / 1024.0;
    rows.push(row(
        "peak RSS of that build",
        format!("{rss_mib:.1} MiB"),
        "-".into(),
        "-".into(),
        "<= 32 MiB",
        Some(rss_mib <= 32.0),
    ));
    let (mut t_w, mut rss_w) = (Vec::new(), Vec::new());
    for _ in 0..runs.min(3) {
        let r = build(ms, &s, &spec2, &whole2, &[]);
        t_w.push(r.secs);
        rss_w.push(r.max_rss_kib as f64);
    }
    let w = median(t_w);
    let rss_w = median(rss_w) / 1024.0;
    rows.push(row(
        "build + sign, one bundle file (copy, fsync, read back, check)",
        gbps(total, w),
        format!("openssl dgst -sha256, one process {}", gbps(total, o)),
        format!("{:.2}x", o / w),
        "(reported)",
        None,
    ));
    rows.push(row(
        "peak RSS of that build",
        format!("{rss_w:.1} MiB"),
        "-".into(),
        "-".into(),
        "<= 32 MiB",
        Some(rss_w <= 32.0),
    ));

    // Verify of the same directory, as a device would: the whole bundle
    // file, and the detached head with the artifact files, on every core.
    // With --baseline (an earlier modelseal), its whole-bundle verify too.
    let verify = |exe: &Path, bundle: &Path, artifacts: Option<&Path>| {
        let mut c = Command::new(exe);
        c.arg("verify")
            .arg(bundle)
            .arg("--root")
            .arg(&s.root)
            .args(["--hardware-id", "HW-BENCH", "--counter-floor", "0"])
            .args(["--min-stage", "development"]);
        if let Some(dir) = artifacts {
            c.arg("--artifacts").arg(dir);
        }
        run(&mut c)
    };
    let (mut t_o, mut t_vw, mut t_vd, mut t_base) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        t_o.push(openssl_all().secs);
        t_vw.push(verify(ms, &whole2, None));
        t_vd.push(verify(ms, &head2, Some(&d2)));
        if let Some(b) = &a.baseline {
            t_base.push(verify(b, &whole2, None).secs);
        }
    }
    let o = median(t_o);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for (figure, t) in [
        (
            "verify 2 GiB bundle file (1,106 artifacts), every core",
            t_vw,
        ),
        ("verify detached head + artifact files, every core", t_vd),
    ] {
        // Cores kept busy (CPU time over wall time): on a shared machine
        // this tells a ratio limited by the work split from one limited by
        // other load.
        let busy = median(t.iter().map(|r| r.cpu_secs / r.secs).collect());
        let v = median(t.iter().map(|r| r.secs).collect());
        rows.push(row(
            figure,
            format!("{}, {busy:.2} of {cores} cores busy", gbps(total, v)),
            format!("openssl dgst -sha256, one process {}", gbps(total, o)),
            format!("{:.2}x", o / v),
            ">= 1.8x",
            Some(o / v >= 1.8),
        ));
    }
    if !t_base.is_empty() {
        let v = median(t_base);
        rows.push(row(
            "verify 2 GiB bundle file, --baseline build",
            gbps(total, v),
            format!("openssl dgst -sha256, one process {}", gbps(total, o)),
            format!("{:.2}x", o / v),
            "(reported)",
            None,
        ));
    }
    let _ = std::fs::remove_dir_all(&d2);
    let _ = std::fs::remove_file(&whole2);

    // 3. Boot check overhead.
    eprintln!("[3/5] boot check ...");
    let (ours, raw, ratio) = boot_check();
    let pct = (ratio - 1.0) * 100.0;
    rows.push(row(
        "boot check: init + manifest with 2-of-3 signatures, no artifacts",
        format!("{ours:.1} us"),
        format!("2 x (decode key + verify_strict) {raw:.1} us"),
        format!("{pct:+.1}%"),
        "<= 10% overhead",
        Some(pct <= 10.0),
    ));

    // 4. The ECU crypto profile: speed cost, side by side on the same bundle.
    if let Some(twin) = &a.ecu_twin {
        eprintln!("[4/5] ECU crypto profile (serial curve backend, compact SHA-256) ...");
        let d4 = work.join("small");
        std::fs::create_dir_all(&d4).expect("dir");
        make_file(&d4.join("weights.bin"), 64 * MIB, 7);
        let spec4 = work.join("small.toml");
        write_spec(
            &spec4,
            &d4,
            "[[artifact]]\npath = \"weights.bin\"\nkind = \"weights\"\nlicence = \"Apache-2.0\"\n",
        );
        let bundle4 = work.join("small.msb");
        build(ms, &s, &spec4, &bundle4, &[]);
        let figures = |exe: &Path| -> (f64, f64) {
            let out = Command::new(exe)
                .arg("profile")
                .arg(&s.root)
                .arg(&bundle4)
                .output()
                .expect("profile run");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let get = |k: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(k))
                    .and_then(|v| v.parse::<f64>().ok())
                    .expect("figure")
            };
            (get("verify_mb_per_s="), get("boot_check_us="))
        };
        let me = std::env::current_exe().expect("self");
        let (host_mbps, host_us) = figures(&me);
        let (ecu_mbps, ecu_us) = figures(twin);
        rows.push(row(
            "verify throughput, ECU crypto profile vs host profile",
            format!("{ecu_mbps:.0} MB/s"),
            format!("host profile {host_mbps:.0} MB/s"),
            format!("{:.2}x", ecu_mbps / host_mbps),
            "(reported)",
            None,
        ));
        rows.push(row(
            "boot check, ECU crypto profile vs host profile",
            format!("{ecu_us:.0} us"),
            format!("host profile {host_us:.0} us"),
            format!("{:.2}x", ecu_us / host_us),
            "(reported)",
            None,
        ));
    }

    // 5. Memory and footprint, measured by the C harnesses (see run.sh).
    eprintln!("[5/5] footprint ...");
    if let Some(f) = &a.footprint {
        let text = std::fs::read_to_string(f).expect("footprint figures");
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(k).map(|v| v.trim().to_owned()))
                .unwrap_or_else(|| panic!("footprint file lacks {k}"))
        };
        let num = |k: &str| {
            get(k)
                .parse::<f64>()
                .unwrap_or_else(|_| panic!("{k} is not a number"))
        };
        let ctx = num("context_bytes=");
        rows.push(row(
            "verifier context (C, caller-allocated)",
            format!("{ctx:.0} B"),
            "-".into(),
            "-".into(),
            "<= 4 KiB",
            Some(ctx <= 4096.0),
        ));
        let stack = num("peak_stack_bytes=");
        rows.push(row(
            "peak stack of a full verification (painted, measured)",
            format!("{stack:.0} B"),
            "-".into(),
            "-".into(),
            "<= 10 KiB",
            Some(stack <= 10240.0),
        ));
        let heap = num("heap_bytes=");
        rows.push(row(
            "heap",
            format!("{heap:.0} B"),
            "-".into(),
            "-".into(),
            "0",
            Some(heap == 0.0),
        ));
        let flash = num("flash_bytes=");
        rows.push(row(
            "flash: .text + .rodata the verifier adds (freestanding, ECU profile)",
            format!("{flash:.0} B ({:.1} KiB)", flash / 1024.0),
            get("flash_detail="),
            "-".into(),
            "<= 40 KiB",
            Some(flash <= 40.0 * 1024.0),
        ));
    }
    rows.extend(verity_rows(a, ms, work, &s));
    rows
}

/// The fs-verity figures (issue 17's goals), each beside its reference on
/// the same bytes in the same run:
/// - the build of one 2 GiB file (flat, then fs-verity) against
///   `openssl dgst -sha256` in one process;
/// - the build of the 2 GiB benchmark directory with fs-verity for its
///   large files (`[verity] min_size = 64 MiB`);
/// - the ECU's streaming check of a 1 GiB fs-verity artifact against the
///   flat SHA-256 check of the same bytes (core reader path, 1 core);
/// - verify on read of random 64 KiB reads from that artifact, tree blocks
///   cached (a warm cache holding the whole tree, as a Linux SoC's page
///   cache does), against SHA-256 of the same 64 KiB read the same way.
fn verity_rows(a: &Args, ms: &Path, work: &Path, s: &Signing) -> Vec<Row> {
    let mut rows = Vec::new();
    let runs = a.runs.max(1);
    let root = std::fs::read(&s.root).expect("root");

    eprintln!("[v1] one 2 GiB file: flat and fs-verity builds ...");
    let d = work.join("v-one");
    std::fs::create_dir_all(&d).expect("dir");
    let big = d.join("weights.bin");
    make_file(&big, 2 * GIB, 7);
    let flat_spec = work.join("v-flat.toml");
    write_spec(
        &flat_spec,
        &d,
        "[[artifact]]\npath = \"weights.bin\"\nkind = \"weights\"\nlicence = \"MIT\"\n",
    );
    let ver_spec = work.join("v-verity.toml");
    write_spec(
        &ver_spec,
        &d,
        "[[artifact]]\npath = \"weights.bin\"\nkind = \"weights\"\nlicence = \"MIT\"\nverity = true\n",
    );
    let head = work.join("v.msh");
    let openssl = |files: &[&Path]| {
        let mut c = Command::new("openssl");
        c.args(["dgst", "-sha256"]).args(files);
        run(&mut c).secs
    };
    openssl(&[&big]);
    let (mut t_o, mut t_f, mut t_v) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        t_o.push(openssl(&[&big]));
        t_f.push(build(ms, s, &flat_spec, &head, &["--detached"]).secs);
        t_v.push(build(ms, s, &ver_spec, &head, &["--detached"]).secs);
    }
    let (o, f, v) = (median(t_o), median(t_f), median(t_v));
    rows.push(row(
        "build + sign one 2 GiB file, flat SHA-256, 2 cores, detached",
        gbps(2 * GIB, f),
        format!("openssl dgst -sha256 {}", gbps(2 * GIB, o)),
        format!("{:.2}x", o / f),
        "(reported: one core hashes one flat file)",
        None,
    ));
    rows.push(row(
        "build + sign one 2 GiB file, fs-verity digest, 2 cores, detached",
        gbps(2 * GIB, v),
        format!("openssl dgst -sha256 {}", gbps(2 * GIB, o)),
        format!("{:.2}x", o / v),
        ">= 1.9x",
        Some(o / v >= 1.9),
    ));
    let _ = std::fs::remove_dir_all(&d);

    eprintln!("[v2] the 2 GiB directory with fs-verity for large files ...");
    let d2 = work.join("v-dir");
    let model = d2.join("model");
    std::fs::create_dir_all(model.join("mid")).expect("dir");
    std::fs::create_dir_all(model.join("small")).expect("dir");
    let mut files = vec![(model.join("big.bin"), GIB)];
    files.extend((0..4).map(|i| (model.join(format!("m{i}.bin")), 200 * MIB)));
    files.extend((0..100).map(|i| (model.join(format!("mid/f{i:03}.bin")), MIB)));
    files.extend((0..1000).map(|i| (model.join(format!("small/f{i:04}.bin")), 4096)));
    for (i, (p, len)) in files.iter().enumerate() {
        make_file(p, *len, 1000 + i as u64);
    }
    let total: u64 = files.iter().map(|f| f.1).sum();
    let spec2 = work.join("v-dir.toml");
    write_spec(
        &spec2,
        &d2,
        "[[artifact_tree]]\npath = \"model\"\nkind = \"weights\"\nlicence = \"Apache-2.0\"\n\n[verity]\nmin_size = 67108864\n",
    );
    let paths: Vec<&Path> = files.iter().map(|f| f.0.as_path()).collect();
    openssl(&paths);
    let (mut t_o, mut t_b) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        t_o.push(openssl(&paths));
        t_b.push(build(ms, s, &spec2, &head, &["--detached"]).secs);
    }
    let (o, b) = (median(t_o), median(t_b));
    rows.push(row(
        "build + sign 2 GiB directory, fs-verity for files >= 64 MiB, 2 cores, detached",
        gbps(total, b),
        format!("openssl dgst -sha256, one process {}", gbps(total, o)),
        format!("{:.2}x", o / b),
        ">= 1.95x",
        Some(o / b >= 1.95),
    ));
    let _ = std::fs::remove_dir_all(&d2);

    eprintln!("[v3] ECU streaming check: 1 GiB, flat and fs-verity ...");
    let d3 = work.join("v-ecu");
    std::fs::create_dir_all(&d3).expect("dir");
    let art = d3.join("weights.bin");
    make_file(&art, GIB, 3);
    let (fb, vb) = (work.join("v-flat.msb"), work.join("v-verity.msb"));
    write_spec(
        &flat_spec,
        &d3,
        "[[artifact]]\npath = \"weights.bin\"\nkind = \"weights\"\nlicence = \"MIT\"\n",
    );
    write_spec(
        &ver_spec,
        &d3,
        "[[artifact]]\npath = \"weights.bin\"\nkind = \"weights\"\nlicence = \"MIT\"\nverity = true\n",
    );
    build(ms, s, &flat_spec, &fb, &[]);
    build(ms, s, &ver_spec, &vb, &[]);
    core_verify(&root, &fb);
    let (mut t_f, mut t_v) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        t_f.push(core_verify(&root, &fb));
        t_v.push(core_verify(&root, &vb));
    }
    let (f, v) = (median(t_f), median(t_v));
    rows.push(row(
        "ECU streaming check of a 1 GiB fs-verity artifact (core reader path, 1 core)",
        gbps(GIB, v),
        format!("flat SHA-256 check of the same bytes {}", gbps(GIB, f)),
        format!("{:+.1}%", (v / f - 1.0) * 100.0),
        "within 5%",
        Some(v <= f * 1.05),
    ));
    let _ = std::fs::remove_file(&fb);
    let _ = std::fs::remove_file(&vb);

    rows.push(read_row(&art, runs));
    let _ = std::fs::remove_dir_all(&d3);
    rows
}

/// The verify-on-read row alone (`--only verify-on-read`), on a 1 GiB
/// artifact of its own.
fn verify_on_read_row(a: &Args, work: &Path) -> Row {
    let art = work.join("weights.bin");
    make_file(&art, GIB, 3);
    let r = read_row(&art, a.runs);
    let _ = std::fs::remove_file(&art);
    r
}

fn read_row(art: &Path, runs: usize) -> Row {
    eprintln!("[v4] verify on read: random 64 KiB reads from 1 GiB ...");
    let r = verify_on_read(art, runs);
    let engine = if modelseal_accel::NativeSha256::interleaves() {
        "block pairs hashed two at once"
    } else {
        "this CPU hashes one block at a time"
    };
    row(
        "verify on read, random 64 KiB reads of a 1 GiB artifact, tree cached",
        format!("{:.1} us per read ({engine})", r.ours * 1e6),
        format!("SHA-256 of the same 64 KiB {:.1} us", r.reference * 1e6),
        format!(
            "{:+.1}% (one block at a time: {:+.1}%; a digest per 4 KiB block, no tree: {:+.1}%)",
            (r.ratio - 1.0) * 100.0,
            (r.serial - 1.0) * 100.0,
            (r.floor - 1.0) * 100.0
        ),
        "<= 3% overhead",
        Some(r.ratio <= 1.03),
    )
}

/// What [`verify_on_read`] measures: seconds per read checked (the C
/// API's built-in engine, [`modelseal_accel::NativeSha256`]) and hashed,
/// the median ratio of the two, and as ratios to the same reference the
/// check through an engine that hashes one block at a time and the floor.
struct ReadFigures {
    ours: f64,
    reference: f64,
    ratio: f64,
    serial: f64,
    floor: f64,
}

/// Seconds per random 64 KiB read of `file`, checked on read through its
/// fs-verity tree (every tree block cached and verified, as after a
/// warm-up) and hashed with SHA-256, with the ratio of the two. The two
/// alternate in short rounds of the same reads (which goes first swaps
/// every round), so that a change in the machine's load falls on both:
/// the figures are medians over rounds, the ratio the median of the
/// rounds' ratios. In the same rounds, as median ratios too: the check
/// through the one-block-at-a-time engine ([`SoftSha256`]), and the same
/// reads hashed one digest per block with no tree (the floor fs-verity's
/// blocks set for an engine that hashes one block at a time).
fn verify_on_read(file: &Path, runs: usize) -> ReadFigures {
    use modelseal_core::verity::{BlockCache, BlockChecker, Geometry, Params};
    const READ: usize = 64 * 1024;
    const READS: usize = 200;
    let data = std::fs::read(file).expect("artifact");
    let p = Params::new(1, 12, b"").expect("params");
    let t = modelseal::verity::of_bytes(&p, &data).expect("tree");
    let tree = t.bytes.expect("tree bytes");
    let g = Geometry::new(&p, data.len() as u64).expect("geometry");
    let slots = ((g.tree_len() / 4096) as usize).next_power_of_two();
    let mut mem = vec![0u8; slots * BlockCache::slot_len(4096)];
    let mut cache = BlockCache::new(&mut mem, &p).expect("cache");
    let mut e = modelseal_accel::NativeSha256::new();
    let mut soft = SoftSha256::new();
    struct Mem<'a>(&'a [u8]);
    impl ReadAt for Mem<'_> {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_exact_at(&mut self, off: u64, buf: &mut [u8]) -> Result<(), ReadFailure> {
            let o = off as usize;
            buf.copy_from_slice(self.0.get(o..o + buf.len()).ok_or(ReadFailure)?);
            Ok(())
        }
    }
    let mut tr = Mem(&tree);
    let c = BlockChecker::open(&mut e, p, data.len() as u64, &t.digest, &mut tr, &mut cache)
        .expect("open");
    // Warm-up: every level-1 block enters the cache once.
    for b in (0..data.len()).step_by(4096 * 128) {
        c.check(&mut e, &mut tr, &mut cache, b as u64, &data[b..b + 4096])
            .expect("warm");
    }
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut buf = vec![0u8; READ];
    let (mut ours, mut reference, mut ratios, mut serials, mut floors) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..runs.max(3) * 20 {
        let offsets: Vec<usize> = (0..READS)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x as usize % (data.len() / READ)) * READ
            })
            .collect();
        // A macro, not a closure: each engine's calls stay direct, as in
        // firmware built with one engine.
        macro_rules! checked {
            ($buf:expr, $e:expr) => {{
                let t0 = Instant::now();
                for &o in &offsets {
                    $buf.copy_from_slice(&data[o..o + READ]);
                    c.check($e, &mut tr, &mut cache, o as u64, &$buf)
                        .expect("verifies");
                }
                t0.elapsed().as_secs_f64() / READS as f64
            }};
        }
        let (a, s, b, f);
        if round % 2 == 0 {
            a = checked!(buf, &mut e);
            s = checked!(buf, &mut soft);
            b = hashed(&data, &offsets, &mut buf, READ);
            f = hashed(&data, &offsets, &mut buf, p.block_size());
        } else {
            f = hashed(&data, &offsets, &mut buf, p.block_size());
            b = hashed(&data, &offsets, &mut buf, READ);
            s = checked!(buf, &mut soft);
            a = checked!(buf, &mut e);
        }
        ours.push(a);
        reference.push(b);
        ratios.push(a / b);
        serials.push(s / b);
        floors.push(f / b);
    }
    ReadFigures {
        ours: median(ours),
        reference: median(reference),
        ratio: median(ratios),
        serial: median(serials),
        floor: median(floors),
    }
}

/// Seconds per read of SHA-256 over `buf.len()` bytes at each of
/// `offsets`, copied into `buf` first as a checked read is, hashed in
/// pieces of `piece` bytes (the whole read, or fs-verity's blocks: one
/// digest per block with no tree, the least a checked read costs).
fn hashed(data: &[u8], offsets: &[usize], buf: &mut [u8], piece: usize) -> f64 {
    let mut e = SoftSha256::new();
    let t0 = Instant::now();
    for &o in offsets {
        buf.copy_from_slice(&data[o..o + buf.len()]);
        for p in buf.chunks(piece) {
            std::hint::black_box(modelseal_core::hash::digest_of(&mut e, p).expect("digest"));
        }
    }
    t0.elapsed().as_secs_f64() / offsets.len() as f64
}

fn print_table(rows: &[Row]) {
    println!("| figure | modelseal | reference (same bytes, same run) | ratio | goal | met |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        let met = match r.met {
            Some(true) => "yes",
            Some(false) => "NO",
            None => "-",
        };
        println!(
            "| {} | {} | {} | {} | {} | {met} |",
            r.figure, r.ours, r.reference, r.ratio, r.goal
        );
    }
}
