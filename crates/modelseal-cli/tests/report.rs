//! `modelseal report` end to end: device keys from the CLI (read by
//! OpenSSL, and OpenSSL's read by the CLI), a report made by the core as
//! the ECU makes it (signed with the key file the CLI wrote), and every
//! refusal of `report verify` with its own exit code.

use modelseal::report::EcuSigningKey;
use modelseal_core::limits::MAX_REPORT_LEN;
use modelseal_core::report::{self, ReportRequest};
use modelseal_core::{BundleKind, DevicePolicy, Expiry, Floors, SoftSha256, Stage, Verifier};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_modelseal");
const SERIAL: &str = "SN-000123";

fn data(case: &str, file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(case)
        .join(file)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run modelseal")
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

/// The ECU: verifies the standard bundle under its policy and answers
/// `nonce` with sequence `seq`, signed with the key file at `key`.
fn ecu_answer(key: &Path, nonce: &[u8], seq: u64, serial: &str) -> Vec<u8> {
    let root = std::fs::read(data("valid-component", "root.msr")).unwrap();
    let bundle = std::fs::read(data("valid-component", "bundle.msb")).unwrap();
    let policy = DevicePolicy::new(
        BundleKind::Component,
        "HW-FC-0042",
        Floors::new(5, 0),
        Stage::STAGING,
        Expiry::NotCheckedNoTrustedClock,
    )
    .unwrap()
    .with_platform("PLAT-A")
    .unwrap()
    .with_market("EU")
    .unwrap();
    let mut v = Verifier::new(&root, policy, SoftSha256::new()).unwrap();
    v.accept_verity();
    let i = v.verify_bundle_bytes(&bundle).unwrap();
    let mut signer = EcuSigningKey::read(key).unwrap();
    let req = ReportRequest {
        nonce,
        sequence: seq,
        trusted_time: None,
        serial,
    };
    let mut out = vec![0u8; MAX_REPORT_LEN];
    let n = report::encode(&mut v, &i, &req, &mut signer, &mut out).unwrap();
    out.truncate(n);
    out
}

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed");
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn device_keys_are_openssl_compatible_and_never_overwritten() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    for alg in ["ed25519", "ecdsa-p256"] {
        let key = format!("{alg}.key");
        let public = format!("{alg}.pub");
        let o = run(
            p,
            &[
                "report",
                "keygen",
                &key,
                "--public",
                &public,
                "--algorithm",
                alg,
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let mode = std::fs::metadata(p.join(&key)).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o600
        );
        // OpenSSL reads both, and derives the same public key.
        openssl(
            p,
            &[
                "pkey",
                "-in",
                &key,
                "-pubout",
                "-out",
                &format!("{alg}.ossl.pub"),
            ],
        );
        assert_eq!(
            std::fs::read(p.join(&public)).unwrap(),
            std::fs::read(p.join(format!("{alg}.ossl.pub"))).unwrap()
        );
        // Never replaced without --force.
        let before = std::fs::read(p.join(&key)).unwrap();
        let o = run(
            p,
            &[
                "report",
                "keygen",
                &key,
                "--public",
                &public,
                "--algorithm",
                alg,
            ],
        );
        assert_eq!(code(&o), Some(2));
        assert_eq!(std::fs::read(p.join(&key)).unwrap(), before);
    }
    // OpenSSL's keys sign reports the CLI verifies.
    openssl(
        p,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "o.key",
        ],
    );
    openssl(p, &["pkey", "-in", "o.key", "-pubout", "-out", "o.pub"]);
    let nonce = [9u8; 16];
    std::fs::write(
        p.join("r.bin"),
        ecu_answer(&p.join("o.key"), &nonce, 1, SERIAL),
    )
    .unwrap();
    let o = run(
        p,
        &[
            "report",
            "verify",
            "r.bin",
            "--ecu-key",
            "o.pub",
            "--nonce",
            &hex::encode(nonce),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn request_makes_fresh_nonces() {
    let d = tempfile::tempdir().unwrap();
    let a = run(d.path(), &["report", "request"]);
    let b = run(d.path(), &["report", "request", "--bytes", "16"]);
    let a = String::from_utf8_lossy(&a.stdout).trim().to_owned();
    let b = String::from_utf8_lossy(&b.stdout).trim().to_owned();
    assert_eq!((a.len(), b.len()), (64, 32));
    assert_ne!(a[..32], b[..]);
    assert_eq!(
        code(&run(d.path(), &["report", "request", "--bytes", "15"])),
        Some(2)
    );
    assert_eq!(
        code(&run(d.path(), &["report", "request", "--bytes", "33"])),
        Some(2)
    );
}

#[test]
fn every_refusal_has_its_own_exit_code() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    for (name, alg) in [
        ("ecu", "ed25519"),
        ("other", "ed25519"),
        ("p256", "ecdsa-p256"),
    ] {
        let o = run(
            p,
            &[
                "report",
                "keygen",
                &format!("{name}.key"),
                "--public",
                &format!("{name}.pub"),
                "--algorithm",
                alg,
            ],
        );
        assert!(o.status.success());
    }
    let nonce = [0x42u8; 32];
    let nonce_hex = hex::encode(nonce);
    let good = ecu_answer(&p.join("ecu.key"), &nonce, 8, SERIAL);
    std::fs::write(p.join("good.bin"), &good).unwrap();
    std::fs::write(p.join("good.hex"), hex::encode(&good)).unwrap();
    let bundle = data("valid-component", "bundle.msb");
    let other_bundle = data("stage-below-minimum", "bundle.msb");
    let b = bundle.to_str().unwrap();
    let verify = |file: &str, extra: &[&str]| {
        let mut a = vec![
            "report",
            "verify",
            file,
            "--ecu-key",
            "ecu.pub",
            "--ecu-serial",
            SERIAL,
        ];
        a.extend_from_slice(extra);
        run(p, &a)
    };
    // Accepted: binary and hex, text and JSON.
    for f in ["good.bin", "good.hex"] {
        let o = verify(
            f,
            &["--nonce", &nonce_hex, "--last-sequence", "7", "--bundle", b],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(String::from_utf8_lossy(&o.stdout).contains("VERIFIED"));
    }
    let o = verify("good.bin", &["--nonce", &nonce_hex, "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["verified"], true);
    assert_eq!(v["report"]["serial"], SERIAL);
    assert_eq!(v["report"]["sequence"], 8);
    assert_eq!(
        v["report"]["components"][0]["family"],
        "perception_front_camera"
    );

    let cases: Vec<(i32, &str, Vec<u8>, Vec<&str>)> = {
        let mut flipped = good.clone();
        let n = flipped.len();
        flipped[n - 1] ^= 0x80;
        let mut forged = ecu_answer(&p.join("other.key"), &nonce, 8, SERIAL);
        let other_serial = ecu_answer(&p.join("other.key"), &nonce, 8, "SN-000999");
        let p256 = ecu_answer(&p.join("p256.key"), &nonce, 8, SERIAL);
        let mut malformed = good.clone();
        malformed[0] = b'X';
        // A forger keeps the contents and swaps in its own signature.
        let sig_at = forged.len() - 64;
        forged.truncate(sig_at);
        forged.extend_from_slice(&ecu_answer(&p.join("other.key"), &nonce, 8, SERIAL)[sig_at..]);
        vec![
            (10, "forged", forged, vec!["--nonce", &nonce_hex]),
            (10, "flipped", flipped, vec!["--nonce", &nonce_hex]),
            (11, "cross-ecu", other_serial, vec!["--nonce", &nonce_hex]),
            (
                12,
                "replayed",
                good.clone(),
                vec!["--nonce", "00112233445566778899aabbccddeeff"],
            ),
            (
                13,
                "older",
                good.clone(),
                vec!["--nonce", &nonce_hex, "--last-sequence", "8"],
            ),
            (
                14,
                "truncated",
                good[..good.len() - 1].to_vec(),
                vec!["--nonce", &nonce_hex],
            ),
            (15, "malformed", malformed, vec!["--nonce", &nonce_hex]),
            (
                16,
                "other-bundle",
                good.clone(),
                vec![
                    "--nonce",
                    &nonce_hex,
                    "--bundle",
                    other_bundle.to_str().unwrap(),
                ],
            ),
            (17, "algorithm", p256, vec!["--nonce", &nonce_hex]),
        ]
    };
    for (want, name, bytes, extra) in &cases {
        let f = format!("{name}.bin");
        std::fs::write(p.join(&f), bytes).unwrap();
        let o = verify(&f, extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(code(&o), Some(*want), "{name}: {err}");
        assert!(err.starts_with("modelseal: error: "), "{name}: {err}");
        let mut j = extra.clone();
        j.push("--json");
        let v: Value = serde_json::from_slice(&verify(&f, &j).stdout).unwrap();
        assert_eq!(v["verified"], false, "{name}");
    }
    // A report from another ECU's key, without a registered serial: the
    // signature decides.
    let o = run(
        p,
        &[
            "report",
            "verify",
            "cross-ecu.bin",
            "--ecu-key",
            "ecu.pub",
            "--nonce",
            &nonce_hex,
        ],
    );
    assert_eq!(code(&o), Some(10));
    // Unsolicited reports need a last sequence; usage errors are 2.
    assert_eq!(
        code(&run(
            p,
            &[
                "report",
                "verify",
                "good.bin",
                "--ecu-key",
                "ecu.pub",
                "--unsolicited"
            ]
        )),
        Some(2)
    );
    assert_eq!(
        code(&run(
            p,
            &["report", "verify", "good.bin", "--ecu-key", "ecu.pub"]
        )),
        Some(2)
    );
    assert_eq!(
        code(&run(
            p,
            &[
                "report",
                "verify",
                "good.bin",
                "--ecu-key",
                "ecu.pub",
                "--nonce",
                "abcd"
            ]
        )),
        Some(2)
    );
    let o = run(
        p,
        &[
            "report",
            "verify",
            "good.bin",
            "--ecu-key",
            "ecu.pub",
            "--unsolicited",
            "--last-sequence",
            "7",
        ],
    );
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("not checked: unsolicited"));
    // Help has an example.
    for s in ["keygen", "request", "verify"] {
        let o = run(p, &["report", s, "--help"]);
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("Example"),
            "{s}"
        );
    }
}
