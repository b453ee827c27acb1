//! Version reports end to end: the core encodes on the "ECU" (a verified
//! bundle, a software device key behind the signer trait), the host checks
//! (`modelseal::report::verify`), and every forgery of the issue is refused
//! with its own reason.

use modelseal::report::{EcuPublicKey, EcuSigningKey, Expectation, Freshness, ReportError, verify};
use modelseal_core::limits::{
    MAX_NONCE_LEN, MAX_REPORT_LEN, REPORT_HEADER_LEN, REPORT_SIGNATURE_LEN, REPORT_WORST,
    SIGNED_MESSAGE_LEN,
};
use modelseal_core::report::{
    self, Algorithm, ReportComponent, ReportDoc, ReportRequest, ReportSigner, SignerFailure,
};
use modelseal_core::rules::Record;
use modelseal_core::{BundleKind, Error, SoftSha256};
use modelseal_tests::reports::*;
use modelseal_tests::*;

fn component_report(key: &mut EcuSigningKey, sequence: u64) -> Vec<u8> {
    answer_with(policy(), &standard_bundle(), &request(sequence), key).unwrap()
}

fn expect(key: &EcuSigningKey) -> Expectation {
    Expectation {
        key: key.public_key(),
        serial: Some(SERIAL.into()),
        freshness: Freshness::Nonce(NONCE.to_vec()),
        last_sequence: Some(41),
        manifest_digest: Some(
            verify_in_memory(&provisioned_root(), &policy(), &standard_bundle())
                .unwrap()
                .digest,
        ),
    }
}

#[test]
fn component_report_round_trips_with_both_algorithms() {
    for alg in [Algorithm::Ed25519, Algorithm::EcdsaP256] {
        let mut key = device_key(alg, "fc");
        let r = component_report(&mut key, 42);
        let got = verify(&r, &expect(&key)).unwrap();
        assert_eq!(got.algorithm, alg.name());
        assert_eq!(got.serial, SERIAL);
        assert_eq!(got.hardware_id, HW);
        assert_eq!(got.sequence, 42);
        assert_eq!(got.kind, "component");
        assert_eq!(got.security_counter, COUNTER);
        assert_eq!(got.component_floor, COUNTER);
        assert_eq!(got.system_config_floor, 0);
        assert_eq!(got.root_version, 1);
        assert_eq!(got.components.len(), 1);
        assert_eq!(got.components[0].family, "perception_front_camera");
        assert_eq!(got.signers.len(), 2);
        assert!(got.time.is_none());
        println!("component report, {}: {} bytes", alg.name(), r.len());
    }
}

#[test]
fn system_config_report_names_the_ecu_and_configuration() {
    let (b, p) = system_config_bundle();
    let mut key = device_key(Algorithm::Ed25519, "fc");
    let req = ReportRequest {
        trusted_time: Some(NOW),
        ..request(7)
    };
    let r = answer_with(p.clone(), &b, &req, &mut key).unwrap();
    let digest = verify_in_memory(&provisioned_root(), &p, &b)
        .unwrap()
        .digest;
    let got = verify(
        &r,
        &Expectation {
            manifest_digest: Some(digest),
            last_sequence: None,
            ..expect(&key)
        },
    )
    .unwrap();
    assert_eq!(got.kind, "system-config");
    assert_eq!(got.ecu_name.as_deref(), Some("front_camera"));
    assert_eq!(got.time, Some(NOW));
    let c = got.config.unwrap();
    assert_eq!(
        (c.config_id.as_str(), c.config_version.as_str()),
        ("vehicle-l2plus-eu", "2026.01.0")
    );
    assert!(got.components.is_empty());
    println!("system-configuration report: {} bytes", r.len());
}

#[test]
fn the_core_checks_ed25519_reports_and_leaves_p256_to_the_host() {
    let mut ed = device_key(Algorithm::Ed25519, "fc");
    let r = component_report(&mut ed, 42);
    let EcuPublicKey::Ed25519(pk) = ed.public_key() else {
        unreachable!()
    };
    let got = report::parse(&r).unwrap().verify_ed25519(&pk).unwrap();
    assert_eq!(got.head().serial, SERIAL);
    assert_eq!(got.head().nonce, NONCE);
    let mut other = pk;
    other[0] ^= 1;
    assert!(report::parse(&r).unwrap().verify_ed25519(&other).is_err());
    let mut p = device_key(Algorithm::EcdsaP256, "fc");
    let r = component_report(&mut p, 42);
    assert_eq!(
        report::parse(&r).unwrap().verify_ed25519(&pk).unwrap_err(),
        Error::UnsupportedAlgorithm
    );
}

#[test]
fn forged_report_is_refused() {
    for alg in [Algorithm::Ed25519, Algorithm::EcdsaP256] {
        let key = device_key(alg, "fc");
        // Same contents, signed by a key the attacker holds.
        let mut forger = device_key(alg, "attacker");
        let r = component_report(&mut forger, 42);
        assert!(matches!(
            verify(&r, &expect(&key)),
            Err(ReportError::Signature { .. })
        ));
        // A valid report with its signature replaced by another report's.
        let mut key2 = key.clone();
        let mut a = component_report(&mut key2, 42);
        let b = component_report(&mut key2, 43);
        let n = a.len();
        a[n - 64..].copy_from_slice(&b[b.len() - 64..]);
        assert!(matches!(
            verify(&a, &expect(&key)),
            Err(ReportError::Signature { .. })
        ));
    }
}

#[test]
fn replayed_report_is_refused() {
    let mut key = device_key(Algorithm::Ed25519, "fc");
    let r = component_report(&mut key, 42);
    let mut want = expect(&key);
    want.freshness = Freshness::Nonce(vec![0x11; 32]);
    assert!(matches!(verify(&r, &want), Err(ReportError::Nonce { .. })));
}

#[test]
fn cross_ecu_report_is_refused() {
    let key = device_key(Algorithm::Ed25519, "fc");
    let mut other = device_key(Algorithm::Ed25519, "rd");
    let req = ReportRequest {
        serial: "SN-000999",
        ..request(42)
    };
    let r = answer_with(policy(), &standard_bundle(), &req, &mut other).unwrap();
    assert!(matches!(
        verify(&r, &expect(&key)),
        Err(ReportError::OtherEcu { .. })
    ));
    // Without a registered serial: the other ECU's key does not verify.
    let want = Expectation {
        serial: None,
        ..expect(&key)
    };
    assert!(matches!(
        verify(&r, &want),
        Err(ReportError::Signature { .. })
    ));
    // Same serial claimed, other ECU's key: the signature decides.
    let r = answer_with(policy(), &standard_bundle(), &request(42), &mut other).unwrap();
    assert!(matches!(
        verify(&r, &expect(&key)),
        Err(ReportError::Signature { .. })
    ));
}

#[test]
fn older_sequence_is_refused() {
    let mut key = device_key(Algorithm::Ed25519, "fc");
    for seq in [0, 40, 41] {
        let r = component_report(&mut key, seq);
        assert!(
            matches!(verify(&r, &expect(&key)), Err(ReportError::StaleSequence { found, last: 41 }) if found == seq)
        );
    }
    let r = component_report(&mut key, 42);
    let want = Expectation {
        freshness: Freshness::UnsolicitedNoNonceCheck,
        ..expect(&key)
    };
    assert!(verify(&r, &want).is_ok());
}

#[test]
fn report_of_another_bundle_is_refused() {
    let mut key = device_key(Algorithm::Ed25519, "fc");
    let r = component_report(&mut key, 42);
    let want = Expectation {
        manifest_digest: Some([7; 32]),
        ..expect(&key)
    };
    assert!(matches!(
        verify(&r, &want),
        Err(ReportError::WrongBundle { .. })
    ));
}

#[test]
fn report_of_another_algorithm_is_refused() {
    let key = device_key(Algorithm::Ed25519, "fc");
    let mut p = device_key(Algorithm::EcdsaP256, "fc");
    let r = component_report(&mut p, 42);
    assert!(matches!(
        verify(&r, &expect(&key)),
        Err(ReportError::Algorithm { .. })
    ));
}

#[test]
fn every_truncation_is_refused() {
    for alg in [Algorithm::Ed25519, Algorithm::EcdsaP256] {
        let mut key = device_key(alg, "fc");
        let r = component_report(&mut key, 42);
        for n in 0..r.len() {
            let e = verify(&r[..n], &expect(&key)).unwrap_err();
            assert!(
                matches!(e, ReportError::Truncated { .. }),
                "prefix of {n} bytes: {e}"
            );
        }
        let mut long = r.clone();
        long.push(0);
        assert!(matches!(
            verify(&long, &expect(&key)),
            Err(ReportError::Malformed { .. })
        ));
    }
}

#[test]
fn every_single_bit_flip_is_refused() {
    for alg in [Algorithm::Ed25519, Algorithm::EcdsaP256] {
        let mut key = device_key(alg, "fc");
        let r = component_report(&mut key, 42);
        let want = expect(&key);
        let mut reasons = std::collections::BTreeMap::<&str, usize>::new();
        for bit in 0..r.len() * 8 {
            let mut f = r.clone();
            f[bit / 8] ^= 1 << (bit % 8);
            let e = verify(&f, &want).expect_err("a flipped bit must be refused");
            *reasons.entry(e.reason()).or_default() += 1;
            // The core alone refuses it too (Ed25519).
            if let EcuPublicKey::Ed25519(pk) = key.public_key() {
                assert!(
                    report::parse(&f)
                        .and_then(|s| s.verify_ed25519(&pk))
                        .is_err()
                );
            }
        }
        println!("{}: {} flips refused: {reasons:?}", alg.name(), r.len() * 8);
    }
}

struct FailingSigner;
impl ReportSigner for FailingSigner {
    fn algorithm(&self) -> Algorithm {
        Algorithm::Ed25519
    }
    fn sign(
        &mut self,
        _: &[u8; SIGNED_MESSAGE_LEN],
        _: &mut [u8; REPORT_SIGNATURE_LEN],
    ) -> Result<(), SignerFailure> {
        Err(SignerFailure)
    }
}

#[test]
fn failing_signer_gives_its_own_error() {
    assert_eq!(
        answer_with(
            policy(),
            &standard_bundle(),
            &request(1),
            &mut FailingSigner
        ),
        Err(Error::SignerFailed)
    );
}

#[test]
fn request_is_checked() {
    let mut key = device_key(Algorithm::Ed25519, "fc");
    let short = [1u8; 15];
    let long = [1u8; MAX_NONCE_LEN + 1];
    let run = |nonce: &[u8], serial: &str, key: &mut EcuSigningKey| {
        let req = ReportRequest {
            nonce,
            serial,
            ..request(1)
        };
        answer_with(policy(), &standard_bundle(), &req, key)
    };
    assert_eq!(run(&short, SERIAL, &mut key), Err(Error::Invalid));
    assert_eq!(run(&long, SERIAL, &mut key), Err(Error::LimitExceeded));
    assert_eq!(run(&NONCE, "", &mut key), Err(Error::Invalid));
    assert_eq!(run(&NONCE, "has space", &mut key), Err(Error::Invalid));
    // A policy that names the serial must agree with the report's.
    let p = policy().with_serial("SN-000123").unwrap();
    let req = ReportRequest {
        serial: "SN-OTHER",
        ..request(1)
    };
    assert_eq!(
        answer_with(p, &standard_bundle(), &req, &mut key),
        Err(Error::WrongSerial)
    );
    // Too small an output buffer.
    let mut v =
        modelseal_tests::test_device(&provisioned_root(), policy(), SoftSha256::new()).unwrap();
    let b = standard_bundle();
    let i = v.verify_bundle_bytes(&b).unwrap();
    let mut out = [0u8; 100];
    assert_eq!(
        report::encode(&mut v, &i, &request(1), &mut key, &mut out),
        Err(Error::BufferTooSmall)
    );
}

/// The hand-written ECU encoder and the declaration agree: the body the
/// ECU wrote is postcard's encoding of the `ReportDoc` decoded from it.
#[test]
fn encoder_writes_the_declared_records() {
    let (b, p) = system_config_bundle();
    for (policy, bundle) in [(policy(), standard_bundle()), (p, b)] {
        let mut key = device_key(Algorithm::Ed25519, "fc");
        let r = answer_with(policy, &bundle, &request(5), &mut key).unwrap();
        let EcuPublicKey::Ed25519(pk) = key.public_key() else {
            unreachable!()
        };
        let got = report::parse(&r).unwrap().verify_ed25519(&pk).unwrap();
        let comps: Vec<ReportComponent<'_>> = got.components().collect();
        let signers: Vec<[u8; 8]> = got.signers().collect();
        let doc = ReportDoc {
            head: *got.head(),
            components: &comps,
            signers: &signers,
        };
        let body = postcard::to_allocvec(&doc).unwrap();
        assert_eq!(
            &r[REPORT_HEADER_LEN..r.len() - REPORT_SIGNATURE_LEN],
            &body[..]
        );
        doc.check_fields(&mut ()).unwrap();
    }
}

/// The largest legal report fits the declared bound.
#[test]
fn largest_report_fits_max_report_len() {
    let id = "x".repeat(64);
    let comp = ReportComponent {
        family: &id,
        version: &id,
        stage: 3,
    };
    let comps = vec![comp; modelseal_core::limits::MAX_COMPONENTS];
    let signers = vec![[0xffu8; 8]; modelseal_core::limits::MAX_SIGNATURES];
    let doc = ReportDoc {
        head: report::ReportHead {
            nonce: &[0xff; MAX_NONCE_LEN],
            sequence: u64::MAX,
            time: Some(u64::MAX),
            hardware_id: &id,
            serial: &id,
            ecu_name: Some(&id),
            manifest_digest: [0xff; 32],
            kind: BundleKind::SystemConfig.code(),
            security_counter: u64::MAX,
            component_floor: u64::MAX,
            system_config_floor: u64::MAX,
            root_version: u32::MAX,
            config: Some(report::ReportConfig {
                config_id: &id,
                config_version: &id,
                digest: [0xff; 32],
            }),
            version: &id,
        },
        components: &comps,
        signers: &signers,
    };
    doc.check_fields(&mut ()).unwrap();
    let body = postcard::to_allocvec(&doc).unwrap();
    assert_eq!(body.len(), ReportDoc::MAX_LEN);
    let total = REPORT_HEADER_LEN + body.len() + REPORT_SIGNATURE_LEN;
    assert_eq!(total, REPORT_WORST);
    assert!(total <= MAX_REPORT_LEN);
    println!("largest report: {total} bytes of MAX_REPORT_LEN = {MAX_REPORT_LEN}");
}

/// Development key files are PKCS#8 / SPKI PEM that round-trip (and that
/// OpenSSL reads: see the CLI tests).
#[test]
fn device_key_files_round_trip() {
    for alg in [Algorithm::Ed25519, Algorithm::EcdsaP256] {
        let key = EcuSigningKey::generate(alg).unwrap();
        let pem = key.to_pkcs8_pem().unwrap();
        let back = EcuSigningKey::from_pkcs8_pem(std::str::from_utf8(&pem).unwrap()).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        let pubpem = key.public_key().to_pem().unwrap();
        assert_eq!(EcuPublicKey::from_pem(&pubpem).unwrap(), key.public_key());
    }
}
