//! The host's `verify` checks artifacts on every core: whatever the thread
//! timing, a bundle of many artifacts gets the core's verdict, and a
//! tampered artifact is named — the first in manifest order when several
//! are.

use modelseal::verify::{Verification, verify_file};
use modelseal_core::Error;
use modelseal_core::doc::ArtifactKind;
use modelseal_tests::*;
use std::path::{Path, PathBuf};

/// Repetitions of each verdict: the thread timing differs between runs.
const REPEAT: usize = 8;

/// Many artifacts: small ones around a few large ones (large enough to be
/// checked alone, so workers really run side by side), in name order.
fn many() -> Vec<Payload> {
    (0..48)
        .map(|i| {
            let len = if i % 12 == 5 {
                9 << 20
            } else {
                1 + (i * 7919) % 40_000
            };
            // Some in a subdirectory: an artifact is named by its path.
            let dir = if i % 10 == 1 { "sub/" } else { "" };
            Payload::new(&format!("{dir}a{i:02}.bin"), ArtifactKind::Weights, len)
        })
        .collect()
}

struct Dir(PathBuf);
impl Dir {
    fn new(tag: &str) -> Self {
        let d = std::env::temp_dir().join(format!("modelseal-hv-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("temp dir");
        Self(d)
    }
}
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(bundle: &Path, artifacts: Option<&Path>) -> Result<Verification, modelseal::Error> {
    verify_file(bundle, &provisioned_root(), policy(), artifacts)
}

/// The artifact an error names, and the core's reason.
fn named(e: modelseal::Error) -> (String, Error) {
    match e {
        modelseal::Error::Verify { context, source } => (context, source),
        other => panic!("not a verification failure: {other}"),
    }
}

#[test]
fn whole_bundle_of_many_artifacts_names_the_tampered_one() {
    let p = many();
    let m = component_manifest(&p);
    let bytes = payload_bytes(&p);
    let b = bundle(&[], &m, &["c1", "c2"], &slices(&bytes));
    let d = Dir::new("whole");
    let good = d.0.join("good.msb");
    std::fs::write(&good, &b).expect("write");
    for _ in 0..REPEAT {
        let v = run(&good, None).expect("verifies");
        assert_eq!(v.manifest.artifacts.len(), 48);
    }
    let offs = payload_offsets(&b);
    // Names in manifest order (by name: `sub/` ones last).
    let mut names: Vec<&str> = p.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    // One tampered artifact in the middle (small, then large), then two:
    // the first in manifest order is named.
    for tampered in [&[23usize][..], &[29], &[41, 17], &[17, 29, 40]] {
        let mut t = b.clone();
        for &i in tampered {
            let (off, size) = offs[i];
            t[(off + size / 2) as usize] ^= 0x01;
        }
        let path = d.0.join("t.msb");
        std::fs::write(&path, &t).expect("write");
        let first = *tampered.iter().min().expect("one");
        for _ in 0..REPEAT {
            let (context, source) = named(run(&path, None).expect_err("tampered"));
            assert_eq!(source, Error::ArtifactDigestMismatch, "{context}");
            assert!(
                context.ends_with(&format!("artifact `{}`", names[first])),
                "{tampered:?}: {context}"
            );
        }
    }
    // Nonzero padding before an artifact in the middle: the core's variant,
    // and the artifact it precedes.
    let i = (30..48)
        .find(|&i| offs[i].0 > offs[i - 1].0 + offs[i - 1].1)
        .expect("padding before some artifact");
    let mut t = b.clone();
    t[offs[i].0 as usize - 1] = 0xff;
    let path = d.0.join("pad.msb");
    std::fs::write(&path, &t).expect("write");
    for _ in 0..REPEAT {
        let (context, source) = named(run(&path, None).expect_err("padding"));
        assert_eq!(source, Error::Malformed, "{context}");
        assert!(
            context.ends_with(&format!("padding before artifact `{}`", names[i])),
            "{context}"
        );
    }
}

#[test]
fn detached_head_with_many_artifact_files_names_the_tampered_one() {
    let p = many();
    let m = component_manifest(&p);
    let b = bundle(&[], &m, &["c1", "c2"], &slices(&payload_bytes(&p)));
    let d = Dir::new("detached");
    let head = d.0.join("b.msh");
    std::fs::write(&head, &b[..head_len(&b)]).expect("write");
    let arts = d.0.join("artifacts");
    std::fs::create_dir_all(&arts).expect("dir");
    std::fs::create_dir_all(arts.join("sub")).expect("dir");
    for a in &p {
        std::fs::write(arts.join(&a.name), &a.bytes).expect("write");
    }
    for _ in 0..REPEAT {
        run(&head, Some(&arts)).expect("verifies");
    }
    let flip = |name: &str| {
        let f = arts.join(name);
        let mut x = std::fs::read(&f).expect("read");
        let mid = x.len() / 2;
        x[mid] ^= 0x01;
        std::fs::write(&f, x).expect("write");
    };
    flip("sub/a31.bin");
    for _ in 0..REPEAT {
        let (context, source) = named(run(&head, Some(&arts)).expect_err("tampered"));
        assert_eq!(source, Error::ArtifactDigestMismatch, "{context}");
        assert!(context.starts_with("artifact sub/a31.bin ("), "{context}");
    }
    // A second one earlier, and a large one: the first in manifest order.
    flip("a17.bin");
    flip("a12.bin");
    for _ in 0..REPEAT {
        let (context, source) = named(run(&head, Some(&arts)).expect_err("tampered"));
        assert_eq!(source, Error::ArtifactDigestMismatch, "{context}");
        assert!(context.starts_with("artifact a12.bin ("), "{context}");
    }
    // One byte short in the middle: the core's length verdict, named.
    let f = arts.join("a03.bin");
    let mut x = std::fs::read(&f).expect("read");
    x.pop();
    std::fs::write(&f, x).expect("write");
    for _ in 0..REPEAT {
        let (context, source) = named(run(&head, Some(&arts)).expect_err("short"));
        assert_eq!(source, Error::ArtifactTruncated, "{context}");
        assert!(context.starts_with("artifact a03.bin ("), "{context}");
    }
}

/// The core's `Session::join`: a session takes in what another session of
/// the same verified head checked, and nothing from any other session.
#[test]
fn sessions_join_only_sessions_of_the_same_verified_head() {
    let f = Fixture::standard();
    let head = f.head().to_vec();
    let mut v = f.verifier();
    let mut main = v.verify_head(&head).expect("head");
    let (mut a, mut b) = (main.clone(), main.clone());
    let check = |v: &mut modelseal_core::Verifier<_>, s: &mut modelseal_core::Session<'_>, i| {
        let mut c = v.begin_artifact(s, i).expect("begin");
        v.update_artifact(&mut c, &f.payloads[i]).expect("update");
        v.finish_artifact(s, c).expect("finish");
    };
    // Two workers, each its own verifier, split the artifacts.
    let (mut va, mut vb) = (f.verifier(), f.verifier());
    for i in 0..f.payloads.len() {
        if i % 2 == 0 {
            check(&mut va, &mut a, i);
        } else {
            check(&mut vb, &mut b, i);
        }
    }
    main.join(&a).expect("same verification");
    assert_eq!(
        main.clone().finish().map(drop),
        Err(Error::ArtifactsIncomplete),
        "half the artifacts"
    );
    main.join(&b).expect("same verification");
    let all = main.clone().finish().expect("every artifact joined");

    // A session of the same bytes at another address, of another head, or
    // of no verification is refused.
    let copy = head.clone();
    let other = f.verifier().verify_head(&copy).expect("copy");
    assert_eq!(main.join(&other), Err(Error::InvalidState));
    let sc = system_config_manifest(&[sha256(b"component")]);
    let sc_bundle = bundle(&[], &sc, &["s1", "s2"], &[]);
    let sc_policy = modelseal_core::DevicePolicy::new(
        modelseal_core::doc::BundleKind::SystemConfig,
        HW,
        modelseal_core::Floors::default(),
        modelseal_core::Stage::DEVELOPMENT,
        modelseal_core::Expiry::NotCheckedNoTrustedClock,
    )
    .and_then(|p| p.with_platform(PLATFORM))
    .and_then(|p| p.with_market(MARKET))
    .expect("policy");
    let mut sv =
        modelseal_tests::test_device(&f.root, sc_policy, modelseal_core::SoftSha256::new())
            .expect("root");
    let sc_session = sv.verify_head(&sc_bundle).expect("system configuration");
    assert_eq!(main.join(&sc_session), Err(Error::InvalidState));
    drop(all);
}
