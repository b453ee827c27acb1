//! Round trips of every document type, the largest legal values, one over
//! each limit, and the streaming artifact API.

use modelseal::model::{
    ArtifactEntry, Component, Ecu, EcuHeadBuf, EncryptionBuf, ExtensionBuf, Manifest,
    ManifestHeadBuf, MetadataEntryBuf, MiddlewareBuf, ModelRefBuf, ParameterSetBuf, PlaintextBuf,
    Role, Root, SystemConfigHeadBuf,
};
use modelseal::sign::SignedDocument;
use modelseal_core::doc::{
    BundleKind, ROLE_COMPONENT, ROLE_ROOT, ROLE_SYSTEM_CONFIG, Stage, VerityBuf,
};
use modelseal_core::envelope::DocType;
use modelseal_core::identity;
use modelseal_core::limits::*;
use modelseal_core::root::TrustRoot;
use modelseal_core::unverified::manifest_unauthenticated;
use modelseal_core::{DevicePolicy, Error, SoftSha256, Verifier};
use modelseal_tests::*;

// ------------------------------------------------------------ round trips

#[test]
fn component_manifest_round_trips() {
    let m = component_manifest(&payloads());
    let doc = m.encode().unwrap();
    let view = manifest_unauthenticated(&doc, BundleKind::Component).unwrap();
    assert_eq!(Manifest::from_view(&view).unwrap(), m);
}

#[test]
fn system_config_manifest_round_trips() {
    let m = system_config_manifest(&[sha256(b"a"), sha256(b"b")]);
    let doc = m.encode().unwrap();
    let view = manifest_unauthenticated(&doc, BundleKind::SystemConfig).unwrap();
    assert_eq!(Manifest::from_view(&view).unwrap(), m);
}

#[test]
fn root_round_trips() {
    let mut r = root_v1();
    r.expires_at = Some(NOW);
    let env = root_envelope(&r, &["r1", "r2"]);
    let parsed = TrustRoot::from_envelope_unverified(&env).unwrap();
    assert_eq!(Root::from_trust_root(&parsed), r);
    assert_eq!(parsed.role(ROLE_COMPONENT).unwrap().threshold(), 2);
}

#[test]
fn envelope_round_trips_with_its_signatures() {
    let doc = component_manifest(&payloads()).encode().unwrap();
    let env = envelope(DocType::ComponentManifest, doc.clone(), &["c1", "c2", "c3"]);
    let back = SignedDocument::from_envelope(&env).unwrap();
    assert_eq!(back.doc(), &doc[..]);
    assert_eq!(back.signatures().len(), 3);
    assert_eq!(back.to_envelope().unwrap(), env);
}

#[test]
fn identity_round_trips_through_the_decoder() {
    let verdict = verify(&provisioned_root(), &policy(), &standard_bundle()).unwrap();
    let id = identity::decode(&mut SoftSha256::new(), &verdict.identity).unwrap();
    assert_eq!(id.head.manifest_digest, verdict.digest);
    assert_eq!(id.kind(), Some(BundleKind::Component));
    assert_eq!(id.head.security_counter, COUNTER);
    assert_eq!(id.head.version, "fc-perception-2026.01.1");
    assert_eq!(id.head.root_version, 1);
    assert!(id.config.is_none());
    let comps: Vec<_> = id.components.collect();
    assert_eq!(comps.len(), 1);
    assert_eq!(
        (comps[0].family, comps[0].version),
        ("perception_front_camera", "v1.3.5")
    );
    assert_eq!(comps[0].stage, Stage::PRODUCTION.code());
    let signers: Vec<_> = id.signers.collect();
    assert_eq!(
        signers,
        vec![
            modelseal::sign::key_id_of(&pk("c1")),
            modelseal::sign::key_id_of(&pk("c2"))
        ]
    );
}

#[test]
fn identity_under_a_system_configuration_names_it() {
    let case = cases::case("valid-under-system-config");
    let verdict = case.run().unwrap();
    let id = identity::decode(&mut SoftSha256::new(), &verdict.identity).unwrap();
    let config = id.config.unwrap();
    assert_eq!(
        (config.config_id, config.config_version),
        ("vehicle-l2plus-eu", "2026.01.0")
    );
    let sc = system_config_manifest(&[manifest_digest(&component_manifest(&payloads()))]);
    assert_eq!(config.digest, manifest_digest(&sc));
}

#[test]
fn rotation_hands_back_the_new_root_and_floor() {
    let case = cases::case("valid-rotation");
    let verdict = case.run().unwrap();
    assert_eq!(verdict.root_version, 2);
    let new_root = verdict.new_root.unwrap();
    let parsed = TrustRoot::from_envelope_unverified(&new_root).unwrap();
    assert_eq!(parsed.version(), 2);
    assert_eq!(verdict.counter_floor, COUNTER);
    // The persisted root now verifies bundles on its own, and the old keys
    // it dropped count for nothing.
    let signed_by = |signers| component_bundle(&[], |_| {}, signers);
    assert!(verify(&new_root, &policy(), &signed_by(&["c3", "c4"])).is_ok());
    assert_eq!(
        verify(&new_root, &policy(), &signed_by(&["c1", "c2"])).unwrap_err(),
        Error::SignatureRejected
    );
}

#[test]
fn counter_floor_never_goes_down() {
    let binding = modelseal_core::ConfigBinding::from_parts(
        sha256(b"cfg"),
        "cfg",
        "1",
        &[manifest_digest(&component_manifest(&payloads()))],
    )
    .unwrap();
    let p = PolicySpec {
        counter_floor: 2,
        ..PolicySpec::standard()
    }
    .to_policy()
    .unwrap()
    .with_config(binding);
    assert_eq!(
        verify(&provisioned_root(), &p, &standard_bundle())
            .unwrap()
            .counter_floor,
        COUNTER
    );
}

// ------------------------------------------------------------ largest legal values

fn id(c: char) -> String {
    std::iter::repeat_n(c, MAX_ID_LEN).collect()
}
fn text(c: char) -> String {
    std::iter::repeat_n(c, MAX_TEXT_LEN).collect()
}
fn numbered(prefix: &str, i: usize, len: usize) -> String {
    let s = format!("{prefix}{i:05}");
    format!("{s}{}", "x".repeat(len - s.len()))
}

fn largest_common(kind: BundleKind) -> Manifest {
    Manifest {
        head: ManifestHeadBuf {
            kind: kind.code(),
            security_counter: u64::MAX,
            version: id('v'),
            created_at: u64::MAX,
            expires_at: Some(u64::MAX),
            supersedes: Some([0xff; 32]),
        },
        target: modelseal::model::Target {
            hardware_ids: (0..MAX_HARDWARE_IDS)
                .map(|i| {
                    if i == 0 {
                        HW.to_owned()
                    } else {
                        numbered("hw", i, MAX_ID_LEN)
                    }
                })
                .collect(),
            serials: (0..MAX_SERIALS)
                .map(|i| numbered("sn", i, MAX_ID_LEN))
                .collect(),
            platform: Some(id('p')),
            market: Some(id('m')),
        },
        components: vec![],
        system_config: None,
        artifacts: (0..MAX_ARTIFACTS)
            .map(|i| ArtifactEntry {
                name: numbered("a/", i, MAX_NAME_LEN),
                kind: 255,
                size: 0,
                // The fs-verity digest of no bytes, with these parameters.
                digest: modelseal::verity::of_bytes(
                    &modelseal_core::verity::Params::new(1, 12, &[0xff; 32]).unwrap(),
                    b"",
                )
                .unwrap()
                .digest,
                verity: Some(VerityBuf {
                    algorithm: 1,
                    log_block_size: 12,
                    salt: vec![0xff; modelseal_core::verity::MAX_SALT_LEN],
                }),
                plaintext: Some(PlaintextBuf {
                    size: u64::MAX,
                    digest: [0xff; 32],
                    // 64 KiB blocks: the largest size fits six levels.
                    verity: Some(VerityBuf {
                        algorithm: 1,
                        log_block_size: 16,
                        salt: vec![0xff; modelseal_core::verity::MAX_SALT_LEN],
                    }),
                    encryption: EncryptionBuf {
                        algorithm: id('g'),
                        key_id: id('k'),
                    },
                }),
                licence: text('L'),
            })
            .collect(),
        extensions: (0..MAX_EXTENSIONS)
            .map(|i| ExtensionBuf {
                id: u32::MAX - (MAX_EXTENSIONS - i) as u32,
                critical: false,
                data: vec![0xee; MAX_EXTENSION_LEN],
            })
            .collect(),
    }
}

fn largest_component() -> Component {
    let mut c = component();
    c.head.family = id('f');
    c.head.version = id('v');
    // A stage is one byte whatever its code; a known one, since no device
    // accepts an unknown stage.
    c.head.stage = Stage::PRODUCTION.code();
    c.head.author = text('a');
    c.head.created_at = u64::MAX;
    c.head.training_environment = text('t');
    let l = &mut c.head.lineage;
    for s in [
        &mut l.training_dataset_id,
        &mut l.validation_dataset_id,
        &mut l.test_dataset_id,
        &mut l.experiment_id,
        &mut l.code_commit_id,
        &mut l.simulation_suite_id,
        &mut l.hil_suite_id,
        &mut l.release_gate_result_id,
    ] {
        *s = id('l');
    }
    c.tickets = (0..MAX_TICKETS)
        .map(|i| numbered("T", i, MAX_ID_LEN))
        .collect();
    c.metadata = (0..MAX_METADATA)
        .map(|i| MetadataEntryBuf {
            key: numbered("k", i, MAX_ID_LEN),
            value: text('w'),
        })
        .collect();
    c
}

fn largest_component_manifest() -> Manifest {
    let mut m = largest_common(BundleKind::Component);
    m.components = (0..MAX_COMPONENTS)
        .map(|i| {
            let mut c = largest_component();
            c.head.family = numbered("family", i, MAX_ID_LEN);
            c
        })
        .collect();
    m
}

fn largest_system_config_manifest() -> Manifest {
    let mut m = largest_common(BundleKind::SystemConfig);
    m.system_config = Some(modelseal::model::SystemConfig {
        head: SystemConfigHeadBuf {
            config_id: id('c'),
            config_version: id('v'),
            vehicle_platform: id('p'),
            sensor_set: id('s'),
            market: id('m'),
        },
        ecus: (0..MAX_ECUS)
            .map(|i| Ecu {
                head: EcuHeadBuf {
                    name: numbered("ecu", i, MAX_ID_LEN),
                    hardware_id: if i == 0 {
                        HW.to_owned()
                    } else {
                        numbered("hw", i, MAX_ID_LEN)
                    },
                    software_version: id('s'),
                    software_digest: Some([i as u8; 32]),
                },
                models: (0..MAX_ECU_MODELS)
                    .map(|j| ModelRefBuf {
                        family: numbered("f", j, MAX_ID_LEN),
                        version: id('v'),
                        manifest_digest: [j as u8; 32],
                    })
                    .collect(),
            })
            .collect(),
        middleware: (0..MAX_MIDDLEWARE)
            .map(|i| MiddlewareBuf {
                name: numbered("mw", i, MAX_ID_LEN),
                version: id('v'),
                digest: Some([i as u8; 32]),
            })
            .collect(),
        parameter_sets: (0..MAX_PARAMETER_SETS)
            .map(|i| ParameterSetBuf {
                name: numbered("ps", i, MAX_ID_LEN),
                vehicle_variant: id('v'),
                sensor_set: id('s'),
                market: id('m'),
                digest: [0xaa; 32],
            })
            .collect(),
    });
    m
}

fn largest_policy(kind: BundleKind) -> DevicePolicy {
    PolicySpec {
        kind,
        counter_floor: 0,
        min_stage: Stage::DEVELOPMENT.code(),
        platform: Some(id('p')),
        market: Some(id('m')),
        serial: Some(numbered("sn", 0, MAX_ID_LEN)),
        ..PolicySpec::standard()
    }
    .to_policy()
    .unwrap()
}

/// A head-and-payloads bundle whose artifacts are all empty.
fn empty_payload_bundle(m: &Manifest, signers: &[&str]) -> Vec<u8> {
    let empty: Vec<&[u8]> = m.artifacts.iter().map(|_| &[][..]).collect();
    bundle(&[], m, signers, &empty)
}

#[test]
fn the_largest_legal_manifests_fit_and_verify() {
    for (m, signers) in [
        (largest_component_manifest(), ["c1", "c2"]),
        (largest_system_config_manifest(), ["s1", "s2"]),
    ] {
        let doc = m.encode().unwrap();
        let kind = m.kind().unwrap();
        let worst = match kind {
            BundleKind::Component => COMPONENT_MANIFEST_WORST,
            BundleKind::SystemConfig => SYSTEM_CONFIG_MANIFEST_WORST,
        };
        println!(
            "largest legal {:?} manifest: {} bytes (bound {worst}, limit {MAX_MANIFEST_LEN})",
            kind,
            doc.len()
        );
        assert!(doc.len() <= worst && worst <= MAX_MANIFEST_LEN);
        let b = empty_payload_bundle(&m, &signers);
        let verdict = verify(&provisioned_root(), &largest_policy(kind), &b).unwrap();
        let id = identity::decode(&mut SoftSha256::new(), &verdict.identity).unwrap();
        assert!(verdict.identity.len() <= MAX_IDENTITY_LEN);
        assert_eq!(id.components.count(), m.components.len());
    }
}

#[test]
fn the_largest_legal_root_fits_and_rotates() {
    let names: Vec<Vec<String>> = (0..MAX_ROLES)
        .map(|r| (0..MAX_ROLE_KEYS).map(|k| format!("big{r}-{k}")).collect())
        .collect();
    let big = Root {
        version: 2,
        expires_at: Some(u64::MAX),
        roles: (0..MAX_ROLES)
            .map(|r| Role {
                id: r as u8 + 1,
                threshold: MAX_ROLE_KEYS as u8,
                keys: names[r].iter().map(|n| pk(n)).collect(),
                // Every role but the root role may carry a re-base.
                floor: (r > 0).then_some(u64::MAX),
            })
            .collect(),
    };
    let doc = big.encode().unwrap();
    assert!(
        doc.len() <= ROOT_WORST && ROOT_WORST <= MAX_ROOT_LEN,
        "{} bytes",
        doc.len()
    );
    // Signed by the old root role (r1, r2) and all eight new root keys: the
    // largest rotation envelope, MAX_SIGNATURES entries.
    let mut signers: Vec<&str> = vec!["r1", "r2"];
    signers.extend(names[0].iter().map(String::as_str));
    let env = root_envelope(&big, &signers);
    assert_eq!(
        modelseal_core::envelope::Envelope::parse(&env)
            .unwrap()
            .signature_count(),
        10
    );
    let comp: Vec<&str> = names[1].iter().map(String::as_str).collect();
    // The root re-bases the component floor to u64::MAX (the longest
    // encoding): only a manifest at that counter installs under it.
    let b = component_bundle(&[env], |m| m.head.security_counter = u64::MAX, &comp);
    assert_eq!(
        verify(&provisioned_root(), &policy(), &b)
            .unwrap()
            .root_version,
        2
    );
}

// ------------------------------------------------------------ one over each limit

fn rejects(m: &Manifest, expect: Error) {
    let kind = m.kind().unwrap();
    let signers: &[&str] = match kind {
        BundleKind::Component => &["c1", "c2"],
        BundleKind::SystemConfig => &["s1"],
    };
    let b = empty_payload_bundle(m, signers);
    assert_eq!(
        verify(&provisioned_root(), &largest_policy(kind), &b).unwrap_err(),
        expect
    );
}

type Tweak = fn(&mut Manifest);

/// Each tweak, applied to the largest legal manifest, takes it one over a
/// limit: refused with `LimitExceeded`.
fn refuses_each_one_over(largest: fn() -> Manifest, tweaks: Vec<(&str, Tweak)>) {
    for (name, tweak) in tweaks {
        let mut m = largest();
        tweak(&mut m);
        println!("one over the limit of {name}");
        rejects(&m, Error::LimitExceeded);
    }
}

#[test]
fn one_over_each_count_limit_is_refused() {
    let component: Vec<(&str, Tweak)> = vec![
        ("MAX_ARTIFACTS", |m| {
            m.artifacts.push(ArtifactEntry {
                name: "z/over".into(),
                ..m.artifacts[0].clone()
            })
        }),
        ("MAX_COMPONENTS", |m| {
            let mut c = m.components[0].clone();
            c.head.family = "zzz".into();
            m.components.push(c)
        }),
        ("MAX_HARDWARE_IDS", |m| {
            m.target.hardware_ids.push("hw-over".into())
        }),
        ("MAX_SERIALS", |m| m.target.serials.push("sn-over".into())),
        ("MAX_TICKETS", |m| {
            m.components[0].tickets.push("over".into())
        }),
        ("MAX_METADATA", |m| {
            m.components[0].metadata.push(MetadataEntryBuf {
                key: "zz-over".into(),
                value: "v".into(),
            });
        }),
        ("MAX_EXTENSIONS", |m| {
            m.extensions.push(ExtensionBuf {
                id: u32::MAX,
                critical: false,
                data: vec![],
            })
        }),
        ("MAX_EXTENSION_LEN", |m| m.extensions[0].data.push(0)),
    ];
    refuses_each_one_over(largest_component_manifest, component);
    let sysconfig: Vec<(&str, Tweak)> = vec![
        ("MAX_ECUS", |m| {
            let sc = m.system_config.as_mut().unwrap();
            let mut e = sc.ecus[1].clone();
            e.head.name = "zz-over".into();
            sc.ecus.push(e)
        }),
        ("MAX_ECU_MODELS", |m| {
            let e = &mut m.system_config.as_mut().unwrap().ecus[0];
            e.models.push(e.models[0].clone())
        }),
        ("MAX_MIDDLEWARE", |m| {
            m.system_config
                .as_mut()
                .unwrap()
                .middleware
                .push(MiddlewareBuf {
                    name: "zz-over".into(),
                    version: "1".into(),
                    digest: None,
                });
        }),
        ("MAX_PARAMETER_SETS", |m| {
            let sc = m.system_config.as_mut().unwrap();
            let mut p = sc.parameter_sets[0].clone();
            p.name = "zz-over".into();
            sc.parameter_sets.push(p)
        }),
    ];
    refuses_each_one_over(largest_system_config_manifest, sysconfig);
}

#[test]
fn one_over_each_length_limit_is_refused() {
    let lengths: Vec<(&str, Tweak)> = vec![
        ("version", |m| m.head.version.push('v')),
        ("family", |m| m.components[0].head.family.push('f')),
        ("lineage link", |m| {
            m.components[0].head.lineage.hil_suite_id.push('l')
        }),
        ("author", |m| m.components[0].head.author.push('a')),
        ("artifact name", |m| m.artifacts[0].name.push('n')),
        ("licence", |m| m.artifacts[0].licence.push('L')),
        ("encryption key id", |m| {
            m.artifacts[0]
                .plaintext
                .as_mut()
                .unwrap()
                .encryption
                .key_id
                .push('k')
        }),
        ("market", |m| m.target.market.as_mut().unwrap().push('m')),
    ];
    refuses_each_one_over(largest_component_manifest, lengths);
}

#[test]
fn one_over_the_role_key_limit_is_refused() {
    let keys: Vec<String> = (0..=MAX_ROLE_KEYS).map(|k| format!("many{k}")).collect();
    let names: Vec<&str> = keys.iter().map(String::as_str).collect();
    let r = root(
        2,
        [(&["r1", "r2", "r3"], 2), (&names, 2), (&["s1", "s2"], 1)],
    );
    let env = root_envelope(&r, &["r1", "r2"]);
    let b = component_bundle(&[env], |_| {}, &["many0", "many1"]);
    assert_eq!(
        verify(&provisioned_root(), &policy(), &b).unwrap_err(),
        Error::LimitExceeded
    );
}

#[test]
fn a_provisioned_root_missing_a_role_is_refused() {
    let r = Root {
        version: 1,
        expires_at: None,
        roles: vec![
            Role {
                id: ROLE_ROOT,
                threshold: 1,
                keys: vec![pk("r1")],
                floor: None,
            },
            Role {
                id: ROLE_COMPONENT,
                threshold: 1,
                keys: vec![pk("c1")],
                floor: None,
            },
        ],
    };
    let env = root_envelope(&r, &["r1"]);
    assert_eq!(
        Verifier::new(&env, policy(), SoftSha256::new()).unwrap_err(),
        Error::RootInvalid
    );
    let _ = ROLE_SYSTEM_CONFIG;
}

// ------------------------------------------------------------ streaming API

#[test]
fn artifacts_verify_in_chunks_of_any_size_and_any_order() {
    let f = Fixture::standard();
    for chunk in [1usize, 2, 7, 63, 64, 65, 4095, 4096, 4097, usize::MAX] {
        let mut v = f.verifier();
        let mut s = v.verify_head(f.head()).unwrap();
        // Last to first: order does not matter.
        for (i, bytes) in f.payloads.iter().enumerate().rev() {
            let mut c = v.begin_artifact(&mut s, i).unwrap();
            for piece in bytes.chunks(chunk.min(bytes.len()).max(1)) {
                v.update_artifact(&mut c, piece).unwrap();
            }
            v.update_artifact(&mut c, &[]).unwrap();
            v.finish_artifact(&mut s, c).unwrap();
        }
        let installed = s.finish().unwrap();
        assert_eq!(installed.counter_floor(), COUNTER);
    }
}

#[test]
fn streaming_refuses_short_long_and_altered_artifacts() {
    let f = Fixture::standard();
    let payloads = &f.payloads;
    let mut v = f.verifier();
    let mut s = v.verify_head(f.head()).unwrap();
    let data = &payloads[2];

    let mut c = v.begin_artifact(&mut s, 2).unwrap();
    v.update_artifact(&mut c, &data[..data.len() - 1]).unwrap();
    assert_eq!(
        v.finish_artifact(&mut s, c).unwrap_err(),
        Error::ArtifactTruncated
    );

    let mut c = v.begin_artifact(&mut s, 2).unwrap();
    v.update_artifact(&mut c, data).unwrap();
    assert_eq!(
        v.update_artifact(&mut c, &[0]).unwrap_err(),
        Error::ArtifactTooLong
    );

    let mut altered = data.clone();
    altered[0] ^= 1;
    let mut c = v.begin_artifact(&mut s, 2).unwrap();
    v.update_artifact(&mut c, &altered).unwrap();
    assert_eq!(
        v.finish_artifact(&mut s, c).unwrap_err(),
        Error::ArtifactDigestMismatch
    );

    // Another artifact's bytes under this index.
    let mut c = v.begin_artifact(&mut s, 2).unwrap();
    let other = &payloads[3][..data.len().min(payloads[3].len())];
    v.update_artifact(&mut c, other).unwrap();
    assert!(v.finish_artifact(&mut s, c).is_err());

    assert_eq!(
        v.begin_artifact(&mut s, payloads.len()).unwrap_err(),
        Error::NoSuchArtifact
    );
    assert!(!s.is_verified(2));
    assert_eq!(s.clone().finish().unwrap_err(), Error::ArtifactsIncomplete);
}

#[test]
fn a_check_cannot_be_reused_or_interleaved() {
    let f = Fixture::standard();
    let payloads = &f.payloads;
    let mut v = f.verifier();
    let mut s = v.verify_head(f.head()).unwrap();
    let mut first = v.begin_artifact(&mut s, 0).unwrap();
    let mut second = v.begin_artifact(&mut s, 1).unwrap();
    // The engine now belongs to the second check.
    assert_eq!(
        v.update_artifact(&mut first, &payloads[0]).unwrap_err(),
        Error::InvalidState
    );
    v.update_artifact(&mut second, &payloads[1]).unwrap();
    let stale = second;
    v.finish_artifact(&mut s, second).unwrap();
    assert_eq!(
        v.finish_artifact(&mut s, stale).unwrap_err(),
        Error::InvalidState
    );
}

#[test]
fn plaintext_is_checked_against_its_own_digest() {
    let f = Fixture::standard();
    let mut v = f.verifier();
    let mut s = v.verify_head(f.head()).unwrap();
    let engine_index = s
        .manifest()
        .unwrap()
        .artifacts()
        .unwrap()
        .position(|a| a.plaintext.is_some())
        .unwrap();
    let mut c = v.begin_plaintext(&mut s, engine_index).unwrap();
    v.update_artifact(&mut c, &engine_plaintext()).unwrap();
    v.finish_artifact(&mut s, c).unwrap();
    // Plaintext checks do not stand in for the distributed bytes.
    assert!(!s.is_verified(engine_index));
    assert_eq!(
        v.begin_plaintext(&mut s, 0).unwrap_err(),
        Error::NoSuchArtifact
    );
}

#[test]
fn resume_refuses_another_buffer() {
    let f = Fixture::standard();
    let mut v = f.verifier();
    let s = v.verify_head(f.head()).unwrap();
    let state = s.state().clone();
    let copy = f.head().to_vec();
    assert_eq!(
        modelseal_core::Session::resume(&copy, state.clone()).unwrap_err(),
        Error::InvalidState
    );
    assert!(modelseal_core::Session::resume(f.head(), state.clone()).is_ok());
    assert_eq!(
        modelseal_core::Installed::resume(f.head(), state).unwrap_err(),
        Error::ArtifactsIncomplete
    );
}

#[test]
fn payload_offsets_are_aligned_and_match_the_layout() {
    let f = Fixture::standard();
    let payloads = &f.payloads;
    let mut v = f.verifier();
    let mut s = v.verify_head(f.head()).unwrap();
    for (i, p) in payloads.iter().enumerate() {
        let off = s.payload_offset(i).unwrap();
        assert_eq!(off % PAYLOAD_ALIGN, 0);
        assert_eq!(&f.bundle[off as usize..off as usize + p.len()], &p[..]);
    }
    // Out of order lookups restart the walk and agree.
    assert_eq!(
        s.payload_offset(0).unwrap(),
        PAYLOAD_ALIGN * (f.head().len() as u64).div_ceil(PAYLOAD_ALIGN)
    );
    assert_eq!(s.bundle_len(), f.bundle.len() as u64);
}

#[test]
fn the_reader_path_needs_room_for_the_head() {
    let b = standard_bundle();
    let root = provisioned_root();
    let mut v = modelseal_tests::test_device(&root, policy(), SoftSha256::new()).unwrap();
    let mut small = vec![0u8; head_len(&b) + MIN_READ_CHUNK - 1];
    let mut r: &[u8] = &b;
    assert_eq!(
        v.verify_bundle(&mut r, &mut small).unwrap_err(),
        Error::BufferTooSmall
    );
    for chunk in [MIN_READ_CHUNK, 100, 4096, 1 << 20] {
        assert!(
            verify_streamed(&provisioned_root(), &policy(), &b, chunk).is_ok(),
            "chunk {chunk}"
        );
    }
}

#[test]
fn a_verifier_not_accepting_fs_verity_refuses_it_before_any_artifact_byte() {
    use modelseal_core::bundle::{ReadAt, ReadFailure};
    /// The bundle, remembering how far it was read.
    struct Watched<'b>(&'b [u8], u64);
    impl ReadAt for Watched<'_> {
        fn len(&self) -> u64 {
            self.0.len() as u64
        }
        fn read_exact_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), ReadFailure> {
            self.1 = self.1.max(offset + buf.len() as u64);
            let mut r: &[u8] = self.0;
            r.read_exact_at(offset, buf)
        }
    }
    let b = standard_bundle();
    let root = provisioned_root();
    let mut v = Verifier::new(&root, policy(), SoftSha256::new()).unwrap();
    assert!(!v.accepts_verity());
    assert_eq!(
        v.verify_bundle_bytes(&b).unwrap_err(),
        Error::VerityNotAccepted
    );
    assert_eq!(
        v.verify_head(&b[..head_len(&b)]).map(|_| ()).unwrap_err(),
        Error::VerityNotAccepted
    );
    let mut watched = Watched(&b, 0);
    let mut work = vec![0u8; head_len(&b) + MIN_READ_CHUNK];
    assert_eq!(
        v.verify_bundle(&mut watched, &mut work)
            .map(|_| ())
            .unwrap_err(),
        Error::VerityNotAccepted
    );
    assert_eq!(watched.1, head_len(&b) as u64, "read past the head");
    // Flat digests need no acceptance; accepting then takes the standard
    // bundle.
    assert!(v.verify_bundle_bytes(&flat_bundle()).is_ok());
    v.accept_verity();
    assert!(v.accepts_verity());
    assert!(v.verify_bundle_bytes(&b).is_ok());
}

// ------------------------------------------------------------ tampering

#[test]
fn every_bit_flip_of_the_signed_envelope_is_rejected() {
    let p = payloads();
    let m = component_manifest(&p[..1]);
    let one = payload_bytes(&p[..1]);
    let b = bundle(&[], &m, &["c1", "c2"], &[&one[0]]);
    let root = provisioned_root();
    let pol = policy();
    let mut flips = 0;
    for byte in 16..head_len(&b) {
        for bit in 0..8 {
            let mut t = b.clone();
            t[byte] ^= 1 << bit;
            assert!(
                verify_in_memory(&root, &pol, &t).is_err(),
                "flip of byte {byte} bit {bit} accepted"
            );
            flips += 1;
        }
    }
    println!("{flips} single-bit flips of the manifest envelope, all rejected");
}

#[test]
fn identity_records_truncated_or_altered_are_rejected() {
    let v = verify(&provisioned_root(), &policy(), &standard_bundle()).unwrap();
    let rec = v.identity;
    let mut e = SoftSha256::new();
    for n in 0..rec.len() {
        assert!(
            identity::decode(&mut e, &rec[..n]).is_err(),
            "truncated to {n}"
        );
    }
    let mut longer = rec.clone();
    longer.push(0);
    assert_eq!(
        identity::decode(&mut e, &longer).unwrap_err(),
        Error::TrailingBytes
    );
    for byte in 0..rec.len() {
        for bit in 0..8 {
            let mut t = rec.clone();
            t[byte] ^= 1 << bit;
            assert!(
                identity::decode(&mut e, &t).is_err(),
                "flip of byte {byte} bit {bit} accepted"
            );
        }
    }
}

// ------------------------------------------------------------ declared order

/// The fields of `fields` declared `Order::Ascending`, named with `prefix`.
fn ascending(fields: &[modelseal_core::rules::Field], prefix: &str) -> Vec<String> {
    use modelseal_core::rules::{Class, Order};
    fields
        .iter()
        .filter(|f| {
            matches!(
                f.class,
                Class::Seq {
                    order: Order::Ascending,
                    ..
                }
            )
        })
        .map(|f| format!("{prefix}{}", f.name))
        .collect()
}

/// Every sequence the records declare `Order::Ascending` (and only those):
/// two items swapped, or one repeated, are refused by the declared rule
/// (`check_fields`, what the host runs, naming the field) and by the
/// verifier's scan alike; `normalize`, derived from the same declaration,
/// puts a swapped pair back.
#[test]
fn declared_orders_are_the_verifiers_orders() {
    use modelseal_core::doc::{ComponentDoc, ManifestDoc, SystemConfigDoc};
    use modelseal_core::rules::Record;
    let mut declared = ascending(ManifestDoc::FIELDS, "");
    declared.extend(ascending(ComponentDoc::FIELDS, "components[0]."));
    declared.extend(ascending(SystemConfigDoc::FIELDS, "system_config."));
    declared.sort();

    type Pick = fn(&mut Manifest) -> &mut dyn Swap;
    trait Swap {
        fn swap01(&mut self);
        fn repeat0(&mut self);
    }
    impl<T: Clone> Swap for Vec<T> {
        fn swap01(&mut self) {
            self.swap(0, 1);
        }
        fn repeat0(&mut self) {
            self[1] = self[0].clone();
        }
    }
    fn sc(m: &mut Manifest) -> &mut modelseal::model::SystemConfig {
        m.system_config.as_mut().expect("system config")
    }
    let component: fn() -> Manifest = largest_component_manifest;
    let sysconfig: fn() -> Manifest = largest_system_config_manifest;
    type Case = (&'static str, fn() -> Manifest, Pick);
    let cases: Vec<Case> = vec![
        ("artifacts", component, |m| &mut m.artifacts),
        ("components", component, |m| &mut m.components),
        ("components[0].metadata", component, |m| {
            &mut m.components[0].metadata
        }),
        ("extensions", component, |m| &mut m.extensions),
        ("system_config.ecus", sysconfig, |m| &mut sc(m).ecus),
        ("system_config.middleware", sysconfig, |m| {
            &mut sc(m).middleware
        }),
        ("system_config.parameter_sets", sysconfig, |m| {
            &mut sc(m).parameter_sets
        }),
    ];
    let mut covered: Vec<String> = cases.iter().map(|(n, _, _)| (*n).to_owned()).collect();
    covered.sort();
    assert_eq!(covered, declared, "every declared order is cross-checked");

    for (name, largest, pick) in cases {
        for repeat in [false, true] {
            let mut m = largest();
            let seq = pick(&mut m);
            if repeat {
                seq.repeat0();
            } else {
                seq.swap01();
            }
            println!("{name}: {}", if repeat { "repeated" } else { "swapped" });
            assert_eq!(
                m.check_fields(&mut ()),
                Err(Error::Invalid),
                "the declared rule refuses {name}"
            );
            rejects(&m, Error::Invalid);
            if !repeat {
                m.normalize();
                assert_eq!(m, largest(), "normalize restores {name}");
            }
        }
    }
}

/// The trust root's one declared order: roles by id. Swapped, the declared
/// rule and the verifier both refuse it.
#[test]
fn declared_role_order_is_the_verifiers() {
    use modelseal_core::doc::RootDoc;
    use modelseal_core::rules::Record;
    assert_eq!(ascending(RootDoc::FIELDS, ""), ["roles"]);
    let mut r = root_v1();
    r.roles.swap(0, 1);
    assert_eq!(r.check_fields(&mut ()), Err(Error::Invalid));
    let env = root_envelope(&r, &["r1", "r2"]);
    assert!(Verifier::new(&env, policy(), SoftSha256::new()).is_err());
}
