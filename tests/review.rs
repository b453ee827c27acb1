//! The findings of the independent security review, each as the attack that
//! worked before its fix (docs/SECURITY.md, "Review findings"). Through the
//! Rust core; `ffi/tests/c/test_api.c` (`test_review_*`) and the C-API
//! tests in `ffi/src/tests.rs` run the same attacks through the C API.

use modelseal_core::doc::{BundleKind, Stage};
use modelseal_core::limits::MAX_ROOT_ENVELOPE_LEN;
use modelseal_core::{DevicePolicy, Error, Floors, SessionState, SoftSha256, Verifier};
use modelseal_tests::*;

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("present")
}

/// Finding 1, per chunk: after the head verified, artifact 0's signed
/// digest is replaced in the head buffer by the digest of attacker bytes.
/// The record is authenticated again when its check begins: refused.
#[test]
fn head_rewritten_after_verify_head_is_refused() {
    let b = standard_bundle();
    let root = provisioned_root();
    let mut v = modelseal_tests::test_device(&root, policy(), SoftSha256::new()).unwrap();
    let mut state = SessionState::empty();
    let head_len = {
        let s = v.verify_head_into(&b[..head_len(&b)], &mut state).unwrap();
        s.head_len()
    };
    let mut head = b[..head_len].to_vec();
    let (offset, size) = {
        let mut s = v.verify_head_into(&head, &mut state).unwrap();
        let (rec, off) = s.artifact(0).unwrap();
        (off as usize, rec.size as usize)
    };
    let mut evil = b[offset..offset + size].to_vec();
    let signed = sha256(&evil);
    evil[0] ^= 0x5a;
    let at = find(&head, &signed);
    head[at..at + 32].copy_from_slice(&sha256(&evil));
    // The same buffer, re-attached as a C context re-attaches it.
    let mut s = modelseal_core::Session::resume(&head[..], &mut state).unwrap();
    assert_eq!(
        v.begin_artifact(&mut s, 0).map(|_| ()),
        Err(Error::InputChanged)
    );
    // Put back: the session answers again.
    head[at..at + 32].copy_from_slice(&signed);
    let mut s = modelseal_core::Session::resume(&head[..], &mut state).unwrap();
    assert!(v.begin_artifact(&mut s, 0).is_ok());
}

/// Finding 1, rotation: after a rotating bundle verified, a key byte of the
/// new root is changed in the buffer. The new root is handed out only if it
/// still hashes to what was verified.
#[test]
fn new_root_rewritten_after_verification_is_not_handed_out() {
    let case = cases::case("valid-rotation");
    let mut b = case.bundle.clone();
    let policy = case.policy.to_policy().unwrap();
    let mut v = modelseal_tests::test_device(&case.root, policy, SoftSha256::new()).unwrap();
    let mut state = SessionState::empty();
    v.verify_bundle_bytes_into(&b, &mut state).unwrap();
    let doc_len = u32::from_le_bytes(b[28..32].try_into().unwrap()) as usize;
    b[32 + doc_len - 12] ^= 1;
    let i = modelseal_core::Installed::resume(&b[..head_len(&case.bundle)], &state).unwrap();
    let mut out = vec![0u8; MAX_ROOT_ENVELOPE_LEN];
    assert_eq!(i.copy_new_root(&mut out), Err(Error::InputChanged));
    b[32 + doc_len - 12] ^= 1;
    let i = modelseal_core::Installed::resume(&b[..head_len(&case.bundle)], &state).unwrap();
    assert!(i.copy_new_root(&mut out).unwrap() > 0);
}

/// The standard policy with `floors` persisted.
fn component_policy(floors: Floors) -> DevicePolicy {
    PolicySpec::standard()
        .to_policy_with_floors(floors)
        .unwrap()
}

/// The standard bundle at security counter `counter`.
fn at_counter(counter: u64, chain: &[Vec<u8>], signers: &[&str]) -> Vec<u8> {
    component_bundle(chain, |m| m.head.security_counter = counter, signers)
}

/// Finding 2: stolen component keys push the counter to u64::MAX. The vendor
/// rotates to new component keys with a re-base of the component floor; the
/// new bundles install, and bundles signed by the stolen keys stay refused
/// whatever their counter.
#[test]
fn a_rotation_re_bases_the_floor_that_stolen_keys_pushed_up() {
    let v1 = provisioned_root();
    // The attack: a threshold of stolen keys signs counter u64::MAX.
    let stolen = at_counter(u64::MAX, &[], &["c1", "c2"]);
    let after_attack = verify(
        &v1,
        &component_policy(floors_for(BundleKind::Component, 7)),
        &stolen,
    )
    .unwrap();
    assert_eq!(after_attack.floors.component, u64::MAX);
    let floor = after_attack.floors;
    // Without a re-base the vendor's next bundle is a rollback forever.
    let mut v2 = root(
        2,
        [
            (&["r1", "r2", "r3"], 2),
            (&["d1", "d2", "d3"], 2),
            (&["s1", "s2"], 1),
        ],
    );
    let no_rebase = root_envelope(&v2, &["r1", "r2"]);
    assert_eq!(
        verify(
            &v1,
            &component_policy(floor),
            &at_counter(8, &[no_rebase], &["d1", "d2"])
        ),
        Err(Error::Rollback)
    );
    // With the re-base, signed by the root role, it installs.
    v2.roles[1].floor = Some(8);
    let v2_env = root_envelope(&v2, &["r1", "r2"]);
    let fixed = verify(
        &v1,
        &component_policy(floor),
        &at_counter(8, std::slice::from_ref(&v2_env), &["d1", "d2"]),
    )
    .unwrap();
    assert_eq!(fixed.root_version, 2);
    assert_eq!(fixed.floors.component, 8);
    assert_eq!(fixed.floors.system_config, floor.system_config);
    // The device now holds root v2 and floor 8: the stolen keys are out of
    // the role, whatever counter they sign, with or without the chain.
    let persisted = fixed.new_root.unwrap();
    for chain in [vec![], vec![v2_env.clone()]] {
        assert_eq!(
            verify(
                &persisted,
                &component_policy(fixed.floors),
                &at_counter(u64::MAX, &chain, &["c1", "c2"])
            ),
            Err(Error::SignatureRejected)
        );
    }
    // A re-base is applied only by the rotation that carries it: at the
    // next boot the installed bundle re-verifies against floor 8 and the
    // floor stays.
    let reboot = verify(
        &persisted,
        &component_policy(fixed.floors),
        &at_counter(8, &[v2_env], &["d1", "d2"]),
    )
    .unwrap();
    assert_eq!(reboot.floors.component, 8);
}

/// Finding 2: a re-base is legal only where the role's keys change.
#[test]
fn a_re_base_without_new_keys_is_refused() {
    let mut v2 = root_v1();
    v2.version = 2;
    v2.roles[1].floor = Some(0);
    let env = root_envelope(&v2, &["r1", "r2"]);
    assert_eq!(
        verify(
            &provisioned_root(),
            &component_policy(floors_for(BundleKind::Component, 7)),
            &at_counter(7, &[env], &["c1", "c2"])
        ),
        Err(Error::RootInvalid)
    );
}

/// Finding 2: one floor per role. A system-configuration bundle raises its
/// own floor and never the component floor (and a single
/// system-configuration key cannot lock out component updates).
#[test]
fn one_role_cannot_move_the_other_roles_floor() {
    let sc = system_config_manifest(&[manifest_digest(&component_manifest(&payloads()))]);
    let mut high = sc.clone();
    high.head.security_counter = u64::MAX;
    let b = bundle(&[], &high, &["s1"], &[]);
    let p = PolicySpec::standard()
        .for_system_config()
        .to_policy_with_floors(Floors::new(7, 0))
        .unwrap();
    let got = verify(&provisioned_root(), &p, &b).unwrap();
    assert_eq!(got.floors, Floors::new(7, u64::MAX));
    // The component at counter 7 still installs under the floors persisted.
    assert!(
        verify(
            &provisioned_root(),
            &component_policy(got.floors),
            &standard_bundle()
        )
        .is_ok()
    );
}

/// Finding 3: with the installed digest pinned, an equal counter admits only
/// that very bundle; without it, any bundle at the floor (the old rule).
#[test]
fn equal_counter_admits_only_the_installed_bundle_when_pinned() {
    let installed = standard_bundle();
    let twin = component_bundle(&[], |m| m.head.version += "-twin", &["c1", "c2"]);
    let floors = floors_for(BundleKind::Component, COUNTER);
    let digest = verify(&provisioned_root(), &component_policy(floors), &installed)
        .unwrap()
        .digest;
    assert!(verify(&provisioned_root(), &component_policy(floors), &twin).is_ok());
    let pinned = component_policy(floors).with_installed(digest);
    assert_eq!(
        verify(&provisioned_root(), &pinned, &twin),
        Err(Error::Rollback)
    );
    assert!(verify(&provisioned_root(), &pinned, &installed).is_ok());
}

/// Finding 4: the firmware checks the parameter data it loads against the
/// signed digest of its parameter set.
#[test]
fn parameter_data_is_checked_against_its_signed_digest() {
    let sc = system_config_manifest(&[manifest_digest(&component_manifest(&payloads()))]);
    let b = bundle(&[], &sc, &["s1"], &[]);
    let p = PolicySpec::standard()
        .for_system_config()
        .to_policy()
        .unwrap();
    let root = provisioned_root();
    let mut v = modelseal_tests::test_device(&root, p, SoftSha256::new()).unwrap();
    let i = v.verify_bundle_bytes(&b).unwrap();
    assert_eq!(
        i.parameter_set_digest(0).unwrap(),
        sha256(b"eu highway parameters")
    );
    assert_eq!(i.check_parameter_set(0, b"eu highway parameters"), Ok(()));
    assert_eq!(
        i.check_parameter_set(0, b"eu highway parameterz"),
        Err(Error::ArtifactDigestMismatch)
    );
    assert_eq!(i.check_parameter_set(1, b""), Err(Error::NoSuchArtifact));
}

/// Finding 4: stage codes compare by rank; an unknown code meets no minimum.
#[test]
fn unknown_stage_codes_meet_no_minimum() {
    for code in [1u8, 15, 25, 31, 40, 255] {
        let s = Stage::from_code(code).unwrap();
        for min in [Stage::DEVELOPMENT, Stage::STAGING, Stage::PRODUCTION] {
            assert!(!s.at_least(min), "{code} vs {min:?}");
        }
        assert!(s.requires_lineage());
    }
    assert!(Stage::PRODUCTION.at_least(Stage::STAGING));
    assert!(!Stage::STAGING.at_least(Stage::PRODUCTION));
}

/// Finding 7: a device more rotations behind than one bundle's chain can
/// carry catches up through root updates (each at most MAX_ROOT_CHAIN
/// roots), then installs the bundle.
#[test]
fn a_device_twelve_rotations_behind_catches_up_through_a_root_update() {
    let device = provisioned_root();
    let envs = same_keys_chain(2..=12);
    // The release carries the last eight roots: v5 .. v12.
    let release = at_counter(COUNTER, &envs[3..], &["c1", "c2"]);
    let p = component_policy(floors_for(BundleKind::Component, 5));
    assert_eq!(
        verify(&device, &p, &release),
        Err(Error::RootVersionNotNext)
    );

    // More than eight roots is not one update.
    assert!(matches!(
        modelseal::rootfile::root_update(&device, &envs[..9]),
        Err(modelseal::Error::RootUpdateLength { count: 9, max: 8 })
    ));
    // v2 .. v9, checked on the host as the device will check it.
    let (update, version) = modelseal::rootfile::root_update(&device, &envs[..8]).unwrap();
    assert_eq!(version, 9);
    let mut v = modelseal_tests::test_device(&device, p.clone(), SoftSha256::new()).unwrap();
    let applied = v.verify_root_update(&update).unwrap();
    assert_eq!(applied.root_version(), 9);
    let mut v9 = vec![0u8; applied.new_root_len().unwrap()];
    applied.copy_new_root(&mut v9).unwrap();
    assert_eq!(v9, envs[7]);
    // Applying it again on the new root changes nothing.
    let mut again = modelseal_tests::test_device(&v9, p.clone(), SoftSha256::new()).unwrap();
    assert_eq!(
        again.verify_root_update(&update).unwrap().new_root_len(),
        None
    );
    // The release now installs: v5 .. v9 are skipped, v10 .. v12 applied.
    let installed = verify(&v9, &p, &release).unwrap();
    assert_eq!(installed.root_version, 12);
    // A bundle is not a root update, and a root update is not a bundle.
    assert_eq!(
        v.verify_root_update(&release).map(|_| ()),
        Err(Error::BadMagic)
    );
    assert_eq!(verify(&device, &p, &update), Err(Error::BadMagic));
    // A root that skips a version is refused in an update as in a bundle.
    let (gap, _) = modelseal::rootfile::root_update(&device, &envs[..2]).unwrap();
    let mut skipping = gap.clone();
    let one = modelseal::rootfile::root_update(&device, &envs[..1])
        .unwrap()
        .0;
    skipping.truncate(16);
    skipping.extend_from_slice(&envs[1]);
    skipping[10] = 1;
    let len = (envs[1].len() as u32).to_le_bytes();
    skipping[12..16].copy_from_slice(&len);
    assert_eq!(
        Verifier::new(&device, p, SoftSha256::new())
            .unwrap()
            .verify_root_update(&skipping)
            .map(|_| ()),
        Err(Error::RootVersionNotNext)
    );
    assert!(one.len() < gap.len());
}
