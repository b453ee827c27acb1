//! The threat cases: one per attack the verifier must stop, each named
//! after what is wrong with its data, each with the exact error expected.
//!
//! `cargo run -p modelseal-tests --bin gen-test-data` writes them under
//! `tests/data/<name>/`; the `threats` test checks the files are current and
//! that the verifier returns exactly the expected result for each.
//!
//! One file per group of attacks, each altering the standard documents of
//! `Standard`; [`cases`] lists the groups in a fixed order. A case's data
//! must not change when the code around it is rearranged: the committed
//! files are the test.

use crate::*;
use modelseal::model::Manifest;
use modelseal_core::Error;

mod artifacts;
mod device_policy;
mod doc_types;
mod expiry;
mod framing;
mod overflow;
mod replay;
mod review;
mod root_rotation;
mod rotation_chains;
mod signatures;
mod splicing;
mod system_config;
mod valid;

/// One threat case.
#[derive(Debug, Clone)]
pub struct Case {
    /// What is wrong with the data (the folder name).
    pub name: &'static str,
    /// One line on the attack.
    pub about: &'static str,
    /// The device's root envelope.
    pub root: Vec<u8>,
    /// The device policy.
    pub policy: PolicySpec,
    /// The bundle under test.
    pub bundle: Vec<u8>,
    /// A system-configuration bundle the device installed first, whose
    /// binding the policy then carries.
    pub config: Option<Vec<u8>>,
    /// `None` when the bundle must verify, else the exact error.
    pub expect: Option<Error>,
}

impl Case {
    fn new(
        name: &'static str,
        about: &'static str,
        bundle: Vec<u8>,
        expect: Option<Error>,
    ) -> Self {
        Self {
            name,
            about,
            root: provisioned_root(),
            policy: PolicySpec::standard(),
            bundle,
            config: None,
            expect,
        }
    }
    fn policy(mut self, f: impl FnOnce(&mut PolicySpec)) -> Self {
        f(&mut self.policy);
        self
    }
    /// The device trusts `root` instead of the provisioned root.
    fn trusting(mut self, root: Vec<u8>) -> Self {
        self.root = root;
        self
    }
    /// The case is offered to the device's system-configuration slot.
    fn system_config_slot(self) -> Self {
        self.policy(|p| *p = p.for_system_config())
    }
    /// The device installed the system-configuration bundle `config` first.
    fn under_config(mut self, config: Vec<u8>) -> Self {
        self.config = Some(config);
        self
    }

    /// The files of the case's folder under `tests/data/`, by name.
    pub fn files(&self) -> Vec<(&'static str, Vec<u8>)> {
        let mut f = vec![
            ("root.msr", self.root.clone()),
            ("bundle.msb", self.bundle.clone()),
            ("policy.txt", self.policy.to_text().into_bytes()),
            ("expect.txt", self.expect_text().into_bytes()),
        ];
        if let Some(c) = &self.config {
            f.push(("config.msb", c.clone()));
        }
        f
    }

    /// The `expect.txt` of the case: the expected verdict (`ok` or the
    /// error variant), then what is wrong, as a comment.
    fn expect_text(&self) -> String {
        let verdict = self.expect.map_or("ok".to_owned(), |e| format!("{e:?}"));
        format!("{verdict}\n# {}\n", self.about)
    }

    /// Runs the case: the verifier's verdict (checked against the expectation
    /// by the caller).
    pub fn run(&self) -> Result<Verdict, Error> {
        verify(&self.root, &self.device_policy()?, &self.bundle)
    }

    /// The device's policy for the bundle: the case's, bound to its system
    /// configuration when it has one.
    pub fn device_policy(&self) -> Result<DevicePolicy, Error> {
        let mut policy = self.policy.to_policy()?;
        if let Some(config) = &self.config {
            let sc_policy = self.policy.for_system_config().to_policy()?;
            let mut v =
                crate::test_device(&self.root, sc_policy, modelseal_core::SoftSha256::new())?;
            let installed = v.verify_bundle_bytes(config)?;
            policy = policy.with_config(installed.config_binding()?);
        }
        Ok(policy)
    }
}

/// The standard documents the cases alter, built once and shared by every
/// group of cases.
struct Standard {
    /// The standard component bundle.
    bundle: Vec<u8>,
    /// Its manifest.
    manifest: Manifest,
    /// The manifest's document, as signed.
    doc: Vec<u8>,
    /// The payloads, in manifest order.
    payloads: Vec<Vec<u8>>,
    /// The standard system configuration, listing this bundle.
    sc: Manifest,
    /// Root v2 (root key r3 replaced by n3, component key c1 by c4), signed
    /// by r1 and r2.
    v2_env: Vec<u8>,
}

impl Standard {
    fn new() -> Self {
        let manifest = component_manifest(&payloads());
        let digest = manifest_digest(&manifest);
        let v2 = root(
            2,
            [
                (&["r1", "r2", "n3"], 2),
                (&["c2", "c3", "c4"], 2),
                (&["s1", "s2"], 1),
            ],
        );
        Self {
            bundle: standard_bundle(),
            doc: manifest.encode().expect("encodes"),
            manifest,
            payloads: payload_bytes(&payloads()),
            sc: system_config_manifest(&[digest]),
            v2_env: root_envelope(&v2, &["r1", "r2"]),
        }
    }

    /// The standard payloads, as the bundle builders take them.
    fn refs(&self) -> Vec<&[u8]> {
        slices(&self.payloads)
    }

    /// The standard manifest and payloads behind the rotation `chain`,
    /// signed by `signers`.
    fn bundle_with(&self, chain: &[Vec<u8>], signers: &[&str]) -> Vec<u8> {
        bundle(chain, &self.manifest, signers, &self.refs())
    }

    /// The standard bundle carrying root v2, signed by c2 and c4 (keys of
    /// v2's component role).
    fn rotation_bundle(&self) -> Vec<u8> {
        self.bundle_with(std::slice::from_ref(&self.v2_env), &["c2", "c4"])
    }

    /// The standard system configuration, signed by s1.
    fn sc_bundle(&self) -> Vec<u8> {
        bundle(&[], &self.sc, &["s1"], &[])
    }

    /// The standard bundle with `bytes` written at `at`.
    fn patched(&self, at: usize, bytes: &[u8]) -> Vec<u8> {
        let mut b = self.bundle.clone();
        b[at..at + bytes.len()].copy_from_slice(bytes);
        b
    }
}

/// Position of the first signature in the manifest envelope of `b`.
fn first_signature_offset(b: &[u8]) -> usize {
    let head = modelseal_core::unverified::UnauthenticatedHead::parse(b).expect("head");
    let env = head.manifest_envelope();
    head.head_len() - env.signature_count() * 96 + 32
}

/// Where the cases are committed: `tests/data/`, one folder per case.
pub fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The case called `name`.
pub fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// Every threat case, in a fixed order.
pub fn cases() -> Vec<Case> {
    let s = Standard::new();
    [
        valid::cases(&s),
        signatures::cases(&s),
        device_policy::cases(&s),
        artifacts::cases(&s),
        system_config::cases(&s),
        root_rotation::cases(&s),
        doc_types::cases(&s),
        splicing::cases(&s),
        overflow::cases(&s),
        framing::cases(&s),
        rotation_chains::cases(&s),
        replay::cases(&s),
        expiry::cases(&s),
        review::cases(&s),
    ]
    .concat()
}
