//! Release keys in tokens over PKCS#11, against a real SoftHSM2 token set
//! up here (a private token directory through `SOFTHSM2_CONF`): keys
//! generated in two tokens sign a 2-of-3 bundle, a key file adds the
//! third signature; a wrong PIN, a missing object, a non-Ed25519 key and a
//! module that cannot load are each a clear error that writes nothing.
//! `tests/setup.sh` installs the `softhsm2` package.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_modelseal");
const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "1234";

struct Hsm {
    dir: tempfile::TempDir,
}

impl Hsm {
    /// A token directory of its own, with tokens `labels` (user PIN 1234).
    fn new(labels: &[&str]) -> Self {
        assert!(
            Path::new(MODULE).exists(),
            "{MODULE} is missing: tests/setup.sh installs the softhsm2 package"
        );
        let dir = tempfile::tempdir().expect("dir");
        fs::create_dir(dir.path().join("tokens")).expect("mkdir");
        fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                dir.path().join("tokens").display()
            ),
        )
        .expect("conf");
        fn copy(from: &Path, to: &Path) {
            fs::create_dir_all(to).expect("mkdir");
            for e in fs::read_dir(from).expect("dir") {
                let e = e.expect("entry");
                if e.file_type().expect("type").is_dir() {
                    copy(&e.path(), &to.join(e.file_name()));
                } else {
                    fs::copy(e.path(), to.join(e.file_name())).expect("copy");
                }
            }
        }
        copy(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/spec"),
            &dir.path().join("spec"),
        );
        let h = Self { dir };
        for label in labels {
            let out = Command::new("softhsm2-util")
                .args([
                    "--init-token",
                    "--free",
                    "--label",
                    label,
                    "--pin",
                    PIN,
                    "--so-pin",
                    "5678",
                ])
                .env("SOFTHSM2_CONF", h.p("softhsm2.conf"))
                .output()
                .expect("softhsm2-util (tests/setup.sh installs softhsm2)");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        h
    }
    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// modelseal with the token configuration, module and PIN variable.
    fn run(&self, pin: &str, args: &[&str]) -> Output {
        self.run_with(MODULE, pin, args)
    }
    fn run_with(&self, module: &str, pin: &str, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .args(["--pkcs11-module", module, "--pin-env", "TOKEN_PIN"])
            .current_dir(self.dir.path())
            .env("SOFTHSM2_CONF", self.p("softhsm2.conf"))
            .env("MODELSEAL_AUDIT_LOG", self.p("audit.jsonl"))
            .env("TOKEN_PIN", pin)
            .stdin(Stdio::null())
            .output()
            .expect("run modelseal")
    }
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(PIN, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
    fn fails(&self, pin: &str, args: &[&str]) -> String {
        let out = self.run(pin, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

const C1: &str = "pkcs11:token=release-a;object=c1";
const C2: &str = "pkcs11:token=release-b;object=c2";

#[test]
fn token_keys_sign_a_two_of_three_bundle_beside_a_key_file() {
    let h = Hsm::new(&["release-a", "release-b"]);
    // Keys generated inside two tokens, one key file.
    h.ok(&["key", "generate", "-o", C1, "--public-out", "c1.pub"]);
    h.ok(&["key", "generate", "-o", C2, "--public-out", "c2.pub"]);
    h.ok(&["key", "generate", "-o", "c3.pem", "--public-out", "c3.pub"]);
    h.ok(&["key", "generate", "-o", "r1.pem"]);
    h.ok(&["key", "generate", "-o", "s1.pem"]);
    // A token key is never replaced.
    assert!(
        h.fails(PIN, &["key", "generate", "-o", C1])
            .contains("never replaced")
    );
    // The token lists its key; its public key exports as from a file.
    let list = h.ok(&["key", "list", "pkcs11:token=release-a", "--json"]);
    let list: serde_json::Value = serde_json::from_str(&list).expect("json");
    assert_eq!(list[0]["uri"], C1);
    h.ok(&["key", "public", C2, "-o", "c2-again.pub"]);
    assert_eq!(
        fs::read(h.p("c2.pub")).expect("pub"),
        fs::read(h.p("c2-again.pub")).expect("pub")
    );
    // The root names token keys by URI or by their public key files.
    h.ok(&[
        "root",
        "init",
        "-o",
        "root.msr",
        "--root-key",
        "r1.pem",
        "--root-threshold",
        "1",
        "--component-key",
        C1,
        "--component-key",
        "c2.pub",
        "--component-key",
        "c3.pub",
        "--component-threshold",
        "2",
        "--system-key",
        "s1.pem",
        "--system-threshold",
        "1",
        "--key",
        "r1.pem",
    ]);
    let build = |key: &str| {
        vec![
            "build".to_owned(),
            "spec/perception_front_camera.toml".into(),
            "-o".into(),
            "b.msb".into(),
            "--root".into(),
            "root.msr".into(),
            "--key".into(),
            C1.into(),
            "--key".into(),
            key.into(),
            "--json".into(),
        ]
    };
    let args = build(C2);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r: serde_json::Value = serde_json::from_str(&h.ok(&args)).expect("json");
    assert_eq!(r["signatures"]["complete"], true);
    // The ceremony with review: built with one token key, the second
    // signer reviews the request on the offline machine with the other
    // token, and the signature attaches.
    h.ok(&[
        "build",
        "spec/perception_front_camera.toml",
        "-o",
        "r.msb",
        "--root",
        "root.msr",
        "--key",
        C1,
    ]);
    h.ok(&["request", "r.msb", "--root", "root.msr", "-o", "r.msq"]);
    let digest = r["manifest_digest"].as_str().expect("digest").to_owned();
    let reviewed = h.ok(&[
        "review",
        "r.msq",
        "--key",
        C2,
        "-o",
        "c2.sig",
        "--yes",
        "--expect-digest",
        &digest,
    ]);
    assert!(reviewed.contains("signed by key"), "{reviewed}");
    let attached = h.ok(&[
        "attach",
        "r.msb",
        "--root",
        "root.msr",
        "--signature",
        "c2.sig",
        "--json",
    ]);
    let attached: serde_json::Value = serde_json::from_str(&attached).expect("json");
    assert_eq!(attached["signatures"]["complete"], true);
    // Every token signature is in the signer's audit log.
    let log: serde_json::Value = serde_json::from_str(&h.ok(&["audit", "--json"])).expect("json");
    let by_token = log
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| {
            e["signer"]
                .as_str()
                .is_some_and(|s| s.starts_with("token key pkcs11:"))
        })
        .count();
    assert_eq!(by_token, 4, "{log}");
    // The key file adds the third signature.
    h.ok(&["sign", "b.msb", "--root", "root.msr", "--key", "c3.pem"]);
    let v = h.ok(&[
        "verify",
        "b.msb",
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
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&v).expect("json");
    assert_eq!(v["identity"]["kind"], "component");
    let i: serde_json::Value =
        serde_json::from_str(&h.ok(&["inspect", "b.msb", "--json"])).expect("json");
    assert_eq!(
        i["signatures"]["signatures"].as_array().map(Vec::len),
        Some(3),
        "{i}"
    );

    // Failures: each names the cause, exits 2 and writes nothing.
    fs::remove_file(h.p("b.msb")).expect("rm");
    let err = h.fails("0000", &args);
    assert!(err.contains("the token refused the PIN"), "{err}");
    let missing = build("pkcs11:token=release-b;object=nope");
    let missing: Vec<&str> = missing.iter().map(String::as_str).collect();
    let err = h.fails(PIN, &missing);
    assert!(
        err.contains("holds no private key with this label/id"),
        "{err}"
    );
    // A P-256 key in the token is not a release key.
    let o = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
        ])
        .arg(h.p("p256.pem"))
        .output()
        .expect("openssl");
    assert!(o.status.success());
    let o = Command::new("softhsm2-util")
        .args(["--import"])
        .arg(h.p("p256.pem"))
        .args([
            "--token",
            "release-b",
            "--label",
            "p256",
            "--id",
            "99",
            "--pin",
            PIN,
        ])
        .env("SOFTHSM2_CONF", h.p("softhsm2.conf"))
        .output()
        .expect("softhsm2-util");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p256 = build("pkcs11:token=release-b;object=p256");
    let p256: Vec<&str> = p256.iter().map(String::as_str).collect();
    let err = h.fails(PIN, &p256);
    assert!(err.contains("not an Ed25519 key"), "{err}");
    // A module that cannot load.
    let out = h.run_with("/nonexistent/libnothing.so", PIN, &args);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the PKCS#11 module /nonexistent/libnothing.so cannot be used"),
        "{err}"
    );
    // A PIN in the URI is refused before anything else.
    let err = h.fails(
        PIN,
        &[
            "key",
            "show",
            "pkcs11:token=release-a;object=c1?pin-value=1234",
        ],
    );
    assert!(err.contains("never given on the command line"), "{err}");
    assert!(!h.p("b.msb").exists());
}
