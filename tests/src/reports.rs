//! Version-report fixtures: deterministic software device keys and reports
//! an "ECU" made from the standard bundles (the core encoder behind the
//! signer trait), for the report tests, the fuzz harness and its corpus.

use crate::*;
use modelseal::report::EcuSigningKey;
use modelseal_core::limits::MAX_REPORT_LEN;
use modelseal_core::report::{self, Algorithm, ReportRequest, ReportSigner};

/// The serial of the standard reporting ECU.
pub const SERIAL: &str = "SN-000123";
/// The standard nonce.
pub const NONCE: [u8; 32] = [0x5a; 32];

/// A deterministic device key named `label` (public test keys).
pub fn device_key(alg: Algorithm, label: &str) -> EcuSigningKey {
    let seed = sha256(format!("ecu device key {label}").as_bytes());
    match alg {
        Algorithm::Ed25519 => EcuSigningKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed)),
        Algorithm::EcdsaP256 => {
            EcuSigningKey::P256(p256::ecdsa::SigningKey::from_slice(&seed).expect("scalar"))
        }
    }
}

/// The standard request: [`NONCE`], [`SERIAL`], no trusted clock.
pub fn request(sequence: u64) -> ReportRequest<'static> {
    ReportRequest {
        nonce: &NONCE,
        sequence,
        trusted_time: None,
        serial: SERIAL,
    }
}

/// Verifies `bundle` under `policy` and has the ECU answer `request`.
pub fn answer_with(
    policy: DevicePolicy,
    bundle: &[u8],
    request: &ReportRequest<'_>,
    signer: &mut dyn ReportSigner,
) -> Result<Vec<u8>, Error> {
    let mut v = crate::test_device(&provisioned_root(), policy, SoftSha256::new())?;
    let i = v.verify_bundle_bytes(bundle)?;
    let mut out = vec![0u8; MAX_REPORT_LEN];
    let n = report::encode(&mut v, &i, request, signer, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// The standard system-configuration bundle and the front camera's policy
/// for it (ECU name `front_camera`).
pub fn system_config_bundle() -> (Vec<u8>, DevicePolicy) {
    let sc = system_config_manifest(&[manifest_digest(&component_manifest(&payloads()))]);
    let b = bundle(&[], &sc, &["s1"], &[]);
    let p = PolicySpec::standard()
        .for_system_config()
        .to_policy()
        .expect("policy")
        .with_ecu_name("front_camera")
        .expect("ECU name");
    (b, p)
}

/// Reports of both kinds and both algorithms, named for the corpus.
pub fn standard_reports() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let (sc, sc_policy) = system_config_bundle();
    for alg in [Algorithm::Ed25519, Algorithm::EcdsaP256] {
        let mut key = device_key(alg, "fc");
        let c = answer_with(policy(), &standard_bundle(), &request(42), &mut key)
            .expect("component report");
        out.push((format!("component-{}", alg.name()), c));
        let req = ReportRequest {
            trusted_time: Some(NOW),
            ..request(7)
        };
        let s = answer_with(sc_policy.clone(), &sc, &req, &mut key).expect("system-config report");
        out.push((format!("system-config-{}", alg.name()), s));
    }
    out
}
