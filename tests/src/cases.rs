//! The threat cases: one per attack the verifier must stop, each named
//! after what is wrong with its data, each with the exact error expected.
//!
//! `cargo run -p modelseal-tests --bin gen-test-data` writes them under
//! `tests/data/<name>/`; the `threats` test checks the files are current and
//! that the verifier returns exactly the expected result for each.

use crate::*;
use modelseal::model::{Manifest, Root};
use modelseal_core::doc::{ArtifactKind, BundleKind, Stage};
use modelseal_core::envelope::DocType;
use modelseal_core::limits::MAX_ARTIFACTS;
use modelseal_core::{DevicePolicy, Error, Expiry};

/// The device policy of a case, as text in `policy.txt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicySpec {
    /// Bundle kind.
    pub kind: BundleKind,
    /// Hardware id.
    pub hardware_id: String,
    /// Counter floor.
    pub counter_floor: u64,
    /// Minimum stage code.
    pub min_stage: u8,
    /// Trusted time, if any.
    pub trusted_time: Option<u64>,
    /// Platform.
    pub platform: Option<String>,
    /// Market.
    pub market: Option<String>,
    /// Serial.
    pub serial: Option<String>,
}

impl PolicySpec {
    /// The standard policy (see [`crate::policy`]).
    pub fn standard() -> Self {
        Self {
            kind: BundleKind::Component,
            hardware_id: HW.into(),
            counter_floor: 5,
            min_stage: Stage::STAGING.code(),
            trusted_time: None,
            platform: Some(PLATFORM.into()),
            market: Some(MARKET.into()),
            serial: None,
        }
    }

    /// The core policy.
    pub fn to_policy(&self) -> Result<DevicePolicy, Error> {
        let expiry = match self.trusted_time {
            Some(t) => Expiry::CheckedAt(t),
            None => Expiry::NotCheckedNoTrustedClock,
        };
        let stage = Stage::from_code(self.min_stage).ok_or(Error::Invalid)?;
        let mut p = DevicePolicy::new(
            self.kind,
            &self.hardware_id,
            crate::floors_for(self.kind, self.counter_floor),
            stage,
            expiry,
        )?;
        if let Some(v) = &self.platform {
            p = p.with_platform(v)?;
        }
        if let Some(v) = &self.market {
            p = p.with_market(v)?;
        }
        if let Some(v) = &self.serial {
            p = p.with_serial(v)?;
        }
        Ok(p)
    }

    /// `key = value` lines.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let kind = match self.kind {
            BundleKind::Component => "component",
            BundleKind::SystemConfig => "system-config",
        };
        s += &format!(
            "kind = {kind}\nhardware_id = {}\ncounter_floor = {}\nmin_stage = {}\n",
            self.hardware_id, self.counter_floor, self.min_stage
        );
        s += &format!(
            "trusted_time = {}\n",
            self.trusted_time
                .map_or("none".to_owned(), |t| t.to_string())
        );
        for (k, v) in [
            ("platform", &self.platform),
            ("market", &self.market),
            ("serial", &self.serial),
        ] {
            if let Some(v) = v {
                s += &format!("{k} = {v}\n");
            }
        }
        s
    }

    /// Parses `key = value` lines.
    pub fn from_text(text: &str) -> Option<Self> {
        let mut p = Self {
            kind: BundleKind::Component,
            hardware_id: String::new(),
            counter_floor: 0,
            min_stage: 0,
            trusted_time: None,
            platform: None,
            market: None,
            serial: None,
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let (k, v) = line.split_once(" = ")?;
            match k {
                "kind" => {
                    p.kind = if v == "component" {
                        BundleKind::Component
                    } else {
                        BundleKind::SystemConfig
                    }
                }
                "hardware_id" => p.hardware_id = v.into(),
                "counter_floor" => p.counter_floor = v.parse().ok()?,
                "min_stage" => p.min_stage = v.parse().ok()?,
                "trusted_time" => {
                    p.trusted_time = if v == "none" {
                        None
                    } else {
                        Some(v.parse().ok()?)
                    }
                }
                "platform" => p.platform = Some(v.into()),
                "market" => p.market = Some(v.into()),
                "serial" => p.serial = Some(v.into()),
                _ => return None,
            }
        }
        Some(p)
    }
}

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

    /// Runs the case: the verifier's verdict (checked against the expectation
    /// by the caller).
    pub fn run(&self) -> Result<Verdict, Error> {
        let mut policy = self.policy.to_policy()?;
        if let Some(config) = &self.config {
            let mut sc_policy = self.policy.clone();
            sc_policy.kind = BundleKind::SystemConfig;
            sc_policy.counter_floor = 0;
            let sc_policy = sc_policy.to_policy()?;
            let mut v = modelseal_core::Verifier::new(
                &self.root,
                sc_policy,
                modelseal_core::SoftSha256::new(),
            )?;
            let installed = v.verify_bundle_bytes(config)?;
            policy = policy.with_config(installed.config_binding()?);
        }
        verify(&self.root, &policy, &self.bundle)
    }
}

/// A component bundle from a manifest tweak, signed by c1 and c2, with the
/// standard payloads.
fn component_with(f: impl FnOnce(&mut Manifest), signers: &[&str]) -> Vec<u8> {
    let p = payloads();
    let mut m = component_manifest(&p);
    f(&mut m);
    let bytes = payload_bytes(&p);
    let refs: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
    bundle(&[], &m, signers, &refs)
}

fn payload_offsets(b: &[u8]) -> Vec<(u64, u64)> {
    let head = modelseal_core::inspect::UnauthenticatedHead::parse(b).expect("head");
    let m = head.manifest_unauthenticated().expect("manifest");
    let (offsets, _) = crate::layout(
        head.head_len(),
        m.artifacts().expect("artifacts").map(|a| a.size),
    )
    .expect("layout");
    offsets
        .into_iter()
        .zip(m.artifacts().expect("artifacts").map(|a| a.size))
        .collect()
}

/// Position of the first signature in the manifest envelope of `b`.
fn first_signature_offset(b: &[u8]) -> usize {
    let head = modelseal_core::inspect::UnauthenticatedHead::parse(b).expect("head");
    let env = head.manifest_envelope();
    head.head_len() - env.signature_count() * 96 + 32
}

fn rotated_root(version: u32, roles: [(&[&str], u8); 3]) -> Root {
    root(version, roles)
}

/// Every threat case, in a fixed order.
pub fn cases() -> Vec<Case> {
    let std_bundle = standard_bundle();
    let std_manifest = component_manifest(&payloads());
    let std_digest = manifest_digest(&std_manifest);
    let mut v = Vec::new();

    v.push(Case::new(
        "valid-component",
        "the standard component bundle verifies",
        std_bundle.clone(),
        None,
    ));

    let sc = system_config_manifest(&[std_digest]);
    v.push(
        Case::new(
            "valid-system-config",
            "a system configuration listing this ECU verifies",
            bundle(&[], &sc, &["s1"], &[]),
            None,
        )
        .policy(|p| {
            p.kind = BundleKind::SystemConfig;
            p.counter_floor = 0;
        }),
    );

    let mut c = Case::new(
        "valid-under-system-config",
        "a component the configuration lists for this ECU verifies",
        std_bundle.clone(),
        None,
    );
    c.config = Some(bundle(&[], &sc, &["s1"], &[]));
    v.push(c);

    let v2 = rotated_root(
        2,
        [
            (&["r1", "r2", "n3"], 2),
            (&["c2", "c3", "c4"], 2),
            (&["s1", "s2"], 1),
        ],
    );
    let v2_env = root_envelope(&v2, &["r1", "r2"]);
    let p = payloads();
    let std_payloads = payload_bytes(&p);
    let refs: Vec<&[u8]> = std_payloads.iter().map(Vec::as_slice).collect();
    v.push(Case::new(
        "valid-rotation",
        "a bundle carrying root v2 signed by old and new root roles verifies and hands back v2",
        bundle(
            std::slice::from_ref(&v2_env),
            &std_manifest,
            &["c2", "c4"],
            &refs,
        ),
        None,
    ));

    // -------- signatures
    let mut forged = std_bundle.clone();
    let at = first_signature_offset(&forged) + 10;
    forged[at] ^= 0x01;
    v.push(Case::new(
        "forged-signature",
        "one bit of a signature flipped",
        forged,
        Some(Error::SignatureRejected),
    ));

    v.push(Case::new(
        "wrong-key",
        "signed by two keys the root does not know",
        component_with(|_| {}, &["x1", "x2"]),
        Some(Error::SignatureRejected),
    ));
    v.push(Case::new(
        "below-threshold",
        "one signature where the component role needs two",
        component_with(|_| {}, &["c1"]),
        Some(Error::SignatureRejected),
    ));
    let doc = std_manifest.encode().expect("encodes");
    let s1 = signature(DocType::ComponentManifest, &doc, "c1");
    v.push(Case::new(
        "duplicate-signature-same-key",
        "the same key's signature twice counts once: below the threshold of two",
        bundle_with_envelope(
            &[],
            &raw_envelope(DocType::ComponentManifest, &doc, &[s1, s1]),
            &refs,
        ),
        Some(Error::SignatureRejected),
    ));
    let dup_root = rotated_root(
        2,
        [
            (&["r1", "r2", "r3"], 2),
            (&["c1", "c1", "c2"], 2),
            (&["s1", "s2"], 1),
        ],
    );
    v.push(Case::new(
        "same-key-under-two-ids",
        "a rotated root listing one key twice in a role (to count it twice) is refused",
        bundle(
            &[root_envelope(&dup_root, &["r1", "r2"])],
            &std_manifest,
            &["c1"],
            &refs,
        ),
        Some(Error::RootInvalid),
    ));
    v.push(Case::new(
        "key-outside-role",
        "signed by two root-role keys: known to the root, but not component signers",
        component_with(|_| {}, &["r1", "r2"]),
        Some(Error::SignatureRejected),
    ));
    v.push(Case::new(
        "key-from-other-role",
        "one component key and one system-configuration key",
        component_with(|_| {}, &["c1", "s1"]),
        Some(Error::SignatureRejected),
    ));

    // -------- device policy
    v.push(
        Case::new(
            "rollback-counter",
            "security counter 7 below the stored floor 8",
            std_bundle.clone(),
            Some(Error::Rollback),
        )
        .policy(|p| p.counter_floor = COUNTER + 1),
    );
    v.push(
        Case::new(
            "wrong-hardware-id",
            "a bundle for other hardware",
            std_bundle.clone(),
            Some(Error::WrongHardware),
        )
        .policy(|p| p.hardware_id = "HW-RC-0001".into()),
    );
    v.push(
        Case::new(
            "wrong-ecu-serial",
            "a bundle restricted to two serials, installed on a third",
            component_with(
                |m| m.target.serials = vec!["SN-0001".into(), "SN-0002".into()],
                &["c1", "c2"],
            ),
            Some(Error::WrongSerial),
        )
        .policy(|p| p.serial = Some("SN-0009".into())),
    );
    v.push(
        Case::new(
            "wrong-market",
            "an EU bundle on a US vehicle",
            std_bundle.clone(),
            Some(Error::WrongMarket),
        )
        .policy(|p| p.market = Some("US".into())),
    );
    v.push(
        Case::new(
            "wrong-platform",
            "a bundle for another vehicle platform",
            std_bundle.clone(),
            Some(Error::WrongPlatform),
        )
        .policy(|p| p.platform = Some("PLAT-B".into())),
    );
    v.push(Case::new(
        "stage-below-minimum",
        "a Development model on an ECU that accepts Staging and up",
        component_with(
            |m| m.components[0].stage = Stage::DEVELOPMENT,
            &["c1", "c2"],
        ),
        Some(Error::StageTooLow),
    ));
    v.push(Case::new(
        "production-lineage-incomplete",
        "a Production model without its release gate result",
        component_with(
            |m| m.components[0].lineage.release_gate_result_id.clear(),
            &["c1", "c2"],
        ),
        Some(Error::LineageIncomplete),
    ));
    v.push(Case::new(
        "wrong-kind",
        "a system configuration offered to a component slot",
        bundle(&[], &sc, &["s1"], &[]),
        Some(Error::WrongKind),
    ));

    // -------- artifacts
    let offs = payload_offsets(&std_bundle);
    let mut modified = std_bundle.clone();
    modified[offs[2].0 as usize + 100] ^= 0x80;
    v.push(Case::new(
        "artifact-modified",
        "one bit of model.onnx flipped",
        modified,
        Some(Error::ArtifactDigestMismatch),
    ));
    let mut truncated = std_bundle.clone();
    truncated.pop();
    v.push(Case::new(
        "artifact-truncated",
        "the last artifact one byte short",
        truncated,
        Some(Error::Truncated),
    ));
    let mut extended = std_bundle.clone();
    extended.push(0);
    v.push(Case::new(
        "artifact-extended",
        "one byte after the last artifact",
        extended,
        Some(Error::TrailingBytes),
    ));
    let other = bytes("weights of another model", offs[5].1 as usize);
    let mut swapped = std_bundle.clone();
    swapped[offs[5].0 as usize..].copy_from_slice(&other);
    v.push(Case::new(
        "artifact-from-another-bundle",
        "weights replaced by another model's weights of the same size",
        swapped,
        Some(Error::ArtifactDigestMismatch),
    ));
    let mut padded = std_bundle.clone();
    padded[offs[0].0 as usize - 1] = 0xff;
    v.push(Case::new(
        "padding-not-zero",
        "a nonzero byte in the padding before the first payload",
        padded,
        Some(Error::Malformed),
    ));

    // -------- system configuration
    let other_sc = system_config_manifest(&[sha256(b"another component manifest")]);
    let mut c = Case::new(
        "component-not-in-system-config",
        "a validly signed component the installed configuration does not list (mix-and-match)",
        std_bundle.clone(),
        Some(Error::NotInConfiguration),
    );
    c.config = Some(bundle(&[], &other_sc, &["s1"], &[]));
    v.push(c);
    v.push(
        Case::new(
            "system-config-without-this-ecu",
            "a configuration whose ECU list omits this ECU",
            bundle(
                &[],
                &{
                    let mut m = other_sc.clone();
                    m.system_config
                        .as_mut()
                        .expect("sc")
                        .ecus
                        .retain(|e| e.hardware_id != HW);
                    m
                },
                &["s1"],
                &[],
            ),
            Some(Error::NotInConfiguration),
        )
        .policy(|p| {
            p.kind = BundleKind::SystemConfig;
            p.counter_floor = 0;
        }),
    );

    // -------- trust root rotation
    let v3 = same_keys_root(3);
    v.push(Case::new(
        "root-skips-version",
        "root v3 offered to a device at v1, signed by keys both would accept",
        bundle(
            &[root_envelope(&v3, &["r1", "r2"])],
            &std_manifest,
            &["c1", "c2"],
            &refs,
        ),
        Some(Error::RootVersionNotNext),
    ));
    let takeover = rotated_root(
        2,
        [
            (&["n1", "n2", "n3"], 2),
            (&["x1", "x2"], 2),
            (&["x1", "x2"], 1),
        ],
    );
    v.push(Case::new(
        "root-not-signed-by-old-threshold",
        "root v2 with all-new keys, signed by its own keys and one old root key",
        {
            let env = root_envelope(&takeover, &["n1", "n2", "r1"]);
            let mut m = std_manifest.clone();
            m.security_counter += 1;
            bundle(&[env], &m, &["x1", "x2"], &refs)
        },
        Some(Error::SignatureRejected),
    ));
    let lower = rotated_root(
        2,
        [
            (&["r1", "r2", "r3"], 1),
            (&["c1", "c2", "c3"], 2),
            (&["s1", "s2"], 1),
        ],
    );
    v.push(Case::new(
        "root-threshold-lowered-by-one-key",
        "root v2 lowering the root threshold to 1, signed by a single old root key",
        bundle(
            &[root_envelope(&lower, &["r1"])],
            &std_manifest,
            &["c1", "c2"],
            &refs,
        ),
        Some(Error::SignatureRejected),
    ));
    v.push(Case::new(
        "key-removed-by-rotation",
        "after rotating to v2 (c1 removed), a manifest signed by c1 and c2",
        bundle(
            std::slice::from_ref(&v2_env),
            &std_manifest,
            &["c1", "c2"],
            &refs,
        ),
        Some(Error::SignatureRejected),
    ));
    let zero_t = rotated_root(
        2,
        [
            (&["r1", "r2", "r3"], 2),
            (&["c1", "c2", "c3"], 0),
            (&["s1", "s2"], 1),
        ],
    );
    v.push(Case::new(
        "root-threshold-zero",
        "root v2 whose component role needs no signature at all",
        bundle(
            &[root_envelope(&zero_t, &["r1", "r2"])],
            &std_manifest,
            &[],
            &refs,
        ),
        Some(Error::RootInvalid),
    ));

    // -------- document types and framing
    let root_env = provisioned_root();
    v.push(Case::new(
        "root-document-as-manifest",
        "the device's own root envelope placed where the manifest belongs",
        bundle_with_envelope(&[], &root_env, &[]),
        Some(Error::WrongDocumentType),
    ));
    let mut future = std_bundle.clone();
    future[8] = 2;
    v.push(Case::new(
        "unknown-format-version",
        "a bundle header of format version 2",
        future,
        Some(Error::UnsupportedVersion),
    ));
    let mut future_env = std_bundle.clone();
    future_env[16 + 8] = 2;
    v.push(Case::new(
        "unknown-envelope-version",
        "a manifest envelope of format version 2 in a version 1 bundle",
        future_env,
        Some(Error::UnsupportedVersion),
    ));
    v.push(Case::new(
        "oversized-artifact-count",
        "a signed manifest listing one artifact more than MAX_ARTIFACTS",
        {
            let mut m = std_manifest.clone();
            m.artifacts = (0..=MAX_ARTIFACTS)
                .map(|i| {
                    let mut a = m.artifacts[0].clone();
                    a.name = format!("f/{i:05}");
                    a.size = 0;
                    a.digest = sha256(b"");
                    a
                })
                .collect();
            let env = envelope(
                DocType::ComponentManifest,
                m.encode().expect("encodes"),
                &["c1", "c2"],
            );
            modelseal::bundle::head(&[], &env).expect("head")
        },
        Some(Error::LimitExceeded),
    ));
    v.push(Case::new(
        "oversized-hardware-id",
        "a signed manifest with a hardware id one byte over MAX_ID_LEN",
        component_with(
            |m| m.target.hardware_ids.push("H".repeat(65)),
            &["c1", "c2"],
        ),
        Some(Error::LimitExceeded),
    ));
    v.push(Case::new(
        "trailing-bytes-in-manifest",
        "a signed manifest document with one byte after its last field",
        {
            let mut doc = std_manifest.encode().expect("encodes");
            doc.push(0);
            let env = envelope(DocType::ComponentManifest, doc, &["c1", "c2"]);
            bundle_with_envelope(&[], &env, &refs)
        },
        Some(Error::TrailingBytes),
    ));
    v.push(Case::new(
        "unsorted-artifacts",
        "a signed manifest listing artifacts out of name order",
        {
            let mut m = std_manifest.clone();
            m.artifacts.swap(0, 1);
            let mut bytes = payload_bytes(&payloads());
            bytes.swap(0, 1);
            let r: Vec<&[u8]> = bytes.iter().map(Vec::as_slice).collect();
            bundle(&[], &m, &["c1", "c2"], &r)
        },
        Some(Error::Invalid),
    ));
    v.push(Case::new(
        "artifact-path-escapes",
        "a signed manifest naming an artifact ../../etc/passwd",
        component_with(
            |m| m.artifacts[0].name = "../../etc/passwd".into(),
            &["c1", "c2"],
        ),
        Some(Error::Invalid),
    ));
    v.push(Case::new(
        "unknown-critical-extension",
        "a signed manifest carrying a critical extension this verifier does not know",
        component_with(
            |m| {
                m.extensions.push(modelseal::model::ExtensionEntry {
                    id: 7,
                    critical: true,
                    data: vec![1, 2, 3],
                })
            },
            &["c1", "c2"],
        ),
        Some(Error::UnsupportedExtension),
    ));
    v.push(Case::new(
        "unknown-noncritical-extension",
        "a non-critical extension from a later format is skipped",
        component_with(
            |m| {
                m.extensions.push(modelseal::model::ExtensionEntry {
                    id: 7,
                    critical: false,
                    data: vec![1, 2, 3],
                })
            },
            &["c1", "c2"],
        ),
        None,
    ));

    // -------- splicing and recombination
    v.push(Case::new(
        "signatures-from-two-bundles-combined",
        "c1's signature over this manifest and c2's over another manifest in one envelope",
        {
            let mut other = std_manifest.clone();
            other.version = "fc-perception-2026.01.2".into();
            let other_doc = other.encode().expect("encodes");
            let a = signature(DocType::ComponentManifest, &doc, "c1");
            let (pk2, sig2) = signature(DocType::ComponentManifest, &other_doc, "c2");
            bundle_with_envelope(
                &[],
                &raw_envelope(DocType::ComponentManifest, &doc, &[a, (pk2, sig2)]),
                &refs,
            )
        },
        Some(Error::SignatureRejected),
    ));
    v.push(Case::new(
        "manifest-spliced-with-other-payloads",
        "this bundle's head followed by another build's payloads of the same sizes",
        {
            let others: Vec<Vec<u8>> = std_payloads
                .iter()
                .enumerate()
                .map(|(i, p)| bytes(&format!("other build {i}"), p.len()))
                .collect();
            let r: Vec<&[u8]> = others.iter().map(Vec::as_slice).collect();
            bundle(&[], &std_manifest, &["c1", "c2"], &r)
        },
        Some(Error::ArtifactDigestMismatch),
    ));
    v.push(Case::new(
        "payloads-reordered",
        "two artifacts of equal size with their payloads swapped",
        {
            let twins = [
                Payload::new("a.bin", ArtifactKind::Weights, 1000),
                Payload::new("b.bin", ArtifactKind::Weights, 1000),
                {
                    let mut s = Payload::new("sbom.spdx.json", ArtifactKind::SbomSpdx, 300);
                    s.licence = "CC0-1.0".into();
                    s
                },
            ];
            let m = component_manifest(&twins);
            let b = payload_bytes(&twins);
            bundle(&[], &m, &["c1", "c2"], &[&b[1], &b[0], &b[2]])
        },
        Some(Error::ArtifactDigestMismatch),
    ));
    v.push(Case::new(
        "artifact-listed-twice",
        "a signed manifest naming the same artifact twice",
        {
            let mut m = std_manifest.clone();
            m.artifacts.insert(1, m.artifacts[0].clone());
            let mut b = std_payloads.clone();
            b.insert(1, b[0].clone());
            let r: Vec<&[u8]> = b.iter().map(Vec::as_slice).collect();
            bundle(&[], &m, &["c1", "c2"], &r)
        },
        Some(Error::Invalid),
    ));
    v.push(Case::new(
        "zero-artifacts",
        "a signed component manifest with no artifact at all",
        component_with_payloads(|m| m.artifacts.clear(), &[], &["c1", "c2"]),
        Some(Error::Invalid),
    ));
    v.push(Case::new(
        "partial-bundle",
        "the bundle cut off after its second payload",
        {
            let offs = payload_offsets(&std_bundle);
            std_bundle[..(offs[1].0 + offs[1].1) as usize].to_vec()
        },
        Some(Error::Truncated),
    ));

    // -------- lengths and counts that overflow
    let mut b = std_bundle.clone();
    b[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    v.push(Case::new(
        "head-length-overflows-32-bits",
        "a bundle header claiming 4 GiB of envelopes",
        b,
        Some(Error::LimitExceeded),
    ));
    let mut b = std_bundle.clone();
    b[16 + 12..16 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
    v.push(Case::new(
        "document-length-overflows-32-bits",
        "a manifest envelope claiming a 4 GiB document",
        b,
        Some(Error::LimitExceeded),
    ));
    let mut b = std_bundle.clone();
    b[16 + 11] = 17;
    v.push(Case::new(
        "signature-count-over-limit",
        "a manifest envelope claiming 17 signatures",
        b,
        Some(Error::LimitExceeded),
    ));
    v.push(Case::new(
        "artifact-size-overflows-64-bits",
        "a signed manifest stating an artifact of 2^64 - 1 bytes",
        component_with(|m| m.artifacts[5].size = u64::MAX, &["c1", "c2"]),
        Some(Error::LimitExceeded),
    ));
    v.push(Case::new(
        "artifact-sizes-sum-overflows-64-bits",
        "a signed manifest whose artifact sizes add up past 2^64",
        component_with(
            |m| {
                m.artifacts[0].size = 1 << 63;
                m.artifacts[1].size = 1 << 63;
            },
            &["c1", "c2"],
        ),
        Some(Error::LimitExceeded),
    ));
    v.push(Case::new(
        "sequence-count-overflows-32-bits",
        "a signed manifest whose hardware-id count is 2^32 - 1",
        {
            let mut doc = postcard_head();
            doc.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
            signed_head_only(doc)
        },
        Some(Error::LimitExceeded),
    ));
    v.push(Case::new(
        "varint-overflows-64-bits",
        "a signed manifest whose security counter is a varint longer than 64 bits",
        signed_head_only(vec![
            2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
        ]),
        Some(Error::Malformed),
    ));

    // -------- framing
    let mut b = std_bundle.clone();
    b[0] = b'X';
    v.push(Case::new(
        "bad-magic",
        "not a bundle",
        b,
        Some(Error::BadMagic),
    ));
    let mut b = std_bundle.clone();
    b[11] = 1;
    v.push(Case::new(
        "header-reserved-byte-set",
        "a bundle header with its reserved byte set",
        b,
        Some(Error::Malformed),
    ));
    let mut b = std_bundle.clone();
    b[16 + 10] = 9;
    v.push(Case::new(
        "unknown-document-type",
        "a manifest envelope of document type 9",
        b,
        Some(Error::Malformed),
    ));
    v.push(Case::new(
        "empty-file",
        "zero bytes",
        vec![],
        Some(Error::Truncated),
    ));

    // -------- rotation chains
    let v2_same = same_keys_root(2);
    let v2_same_env = root_envelope(&v2_same, &["r1", "r2"]);
    v.push(Case::new(
        "root-chain-repeats-version",
        "root v2 twice in one chain",
        bundle(
            &[v2_same_env.clone(), v2_same_env.clone()],
            &std_manifest,
            &["c1", "c2"],
            &refs,
        ),
        Some(Error::RootVersionNotNext),
    ));
    let v2_same_root = v2_same_env.clone();
    let mut c = Case::new(
        "root-chain-goes-backwards",
        "root v1 offered to a device that already trusts root v2",
        bundle(&[provisioned_root()], &std_manifest, &["c1", "c2"], &refs),
        Some(Error::RootVersionNotNext),
    );
    c.root = v2_same_root.clone();
    v.push(c);
    let rotated = v
        .iter()
        .find(|c| c.name == "valid-rotation")
        .expect("valid-rotation")
        .bundle
        .clone();
    let mut c = Case::new(
        "valid-reverification-after-rotation",
        "a device that persisted root v2 re-verifies, at boot, the installed bundle that carried it",
        rotated,
        None,
    );
    c.root = v2_env.clone();
    v.push(c);
    let v3_same = same_keys_root(3);
    let mut c = Case::new(
        "valid-chain-partly-applied",
        "a device at root v2 takes a bundle carrying v2 and v3: v2 is skipped, v3 applied",
        bundle(
            &[v2_same_env.clone(), root_envelope(&v3_same, &["r1", "r2"])],
            &std_manifest,
            &["c1", "c2"],
            &refs,
        ),
        None,
    );
    c.root = v2_same_root;
    v.push(c);
    v.push(Case::new(
        "root-chain-over-limit",
        "nine rotations in one bundle, one more than MAX_ROOT_CHAIN",
        {
            let chain = same_keys_chain(2..=10);
            // Written by hand: the encoder refuses a chain this long.
            let env = envelope(DocType::ComponentManifest, doc.clone(), &["c1", "c2"]);
            let envelopes: Vec<u8> = chain.iter().flatten().chain(env.iter()).copied().collect();
            let mut head = modelseal_core::bundle::BundleHeader::new(9, envelopes.len() as u32)
                .to_bytes()
                .to_vec();
            head.extend_from_slice(&envelopes);
            head
        },
        Some(Error::LimitExceeded),
    ));
    v.push(Case::new(
        "valid-rotation-chain-of-eight",
        "eight rotations in one bundle (the limit) verify and hand back root v9",
        {
            let chain = same_keys_chain(2..=9);
            bundle(&chain, &std_manifest, &["c1", "c2"], &refs)
        },
        None,
    ));
    v.push(Case::new(
        "root-roles-over-limit",
        "a rotated root with nine roles, one more than MAX_ROLES",
        {
            let mut r = v2_same.clone();
            for id in 4..=9 {
                r.roles.push(modelseal::model::Role {
                    id,
                    threshold: 1,
                    keys: vec![pk("x1")],
                    floor: None,
                });
            }
            bundle(
                &[root_envelope(&r, &["r1", "r2"])],
                &std_manifest,
                &["c1", "c2"],
                &refs,
            )
        },
        Some(Error::LimitExceeded),
    ));
    v.push(Case::new(
        "key-in-two-roles-signs-once",
        "a key of both the component and system-configuration roles signs once; the second signer is a system-configuration key",
        {
            let r = rotated_root(2, [(&["r1", "r2", "r3"], 2), (&["c1", "k2", "c3"], 2), (&["k2", "s2"], 1)]);
            bundle(&[root_envelope(&r, &["r1", "r2"])], &std_manifest, &["k2", "s2"], &refs)
        },
        Some(Error::SignatureRejected),
    ));
    v.push(
        Case::new(
            "component-signature-as-system-config",
            "a component manifest with valid signatures of keys in both roles, relabelled as a system configuration",
            {
                let r = rotated_root(2, [(&["r1", "r2", "r3"], 2), (&["k1", "k2", "c3"], 2), (&["k1", "k2"], 2)]);
                let sigs = [signature(DocType::ComponentManifest, &doc, "k1"), signature(DocType::ComponentManifest, &doc, "k2")];
                let env = raw_envelope(DocType::SystemConfigManifest, &doc, &sigs);
                bundle_with_envelope(&[root_envelope(&r, &["r1", "r2"])], &env, &refs)
            },
            Some(Error::SignatureRejected),
        )
        .policy(|p| p.kind = BundleKind::SystemConfig),
    );

    // -------- replay
    v.push(
        Case::new(
            "replay-at-the-floor",
            "the installed bundle re-verified at boot: counter equal to the floor is accepted",
            std_bundle.clone(),
            None,
        )
        .policy(|p| p.counter_floor = COUNTER),
    );

    // -------- expiry
    let expired = component_with(|m| m.expires_at = Some(NOW - 1), &["c1", "c2"]);
    v.push(
        Case::new(
            "expired-manifest-trusted-clock",
            "expired a second before the trusted time",
            expired.clone(),
            Some(Error::ManifestExpired),
        )
        .policy(|p| p.trusted_time = Some(NOW)),
    );
    v.push(Case::new(
        "expired-manifest-no-trusted-clock",
        "the same bundle on a device without a trusted clock: expiry is not checked",
        expired,
        None,
    ));
    let mut exp_root = same_keys_root(2);
    exp_root.expires_at = Some(NOW);
    v.push(
        Case::new(
            "expired-root-trusted-clock",
            "the rotated root in force expires exactly at the trusted time",
            bundle(
                &[root_envelope(&exp_root, &["r1", "r2"])],
                &std_manifest,
                &["c1", "c2"],
                &refs,
            ),
            Some(Error::RootExpired),
        )
        .policy(|p| p.trusted_time = Some(NOW)),
    );
    v.push(Case::new(
        "expired-root-no-trusted-clock",
        "the same expired root on a device without a trusted clock: expiry is not checked",
        bundle(
            &[root_envelope(&exp_root, &["r1", "r2"])],
            &std_manifest,
            &["c1", "c2"],
            &refs,
        ),
        None,
    ));
    v.extend(review_cases(&std_digest));
    v
}

/// Cases from the independent security review (docs/SECURITY.md,
/// "Review findings"): each was accepted before its fix.
fn review_cases(std_digest: &Digest) -> Vec<Case> {
    let mut v = Vec::new();
    let sc_policy = |p: &mut PolicySpec| {
        p.kind = BundleKind::SystemConfig;
        p.counter_floor = 0;
    };
    let mut other_platform = system_config_manifest(&[*std_digest]);
    if let Some(c) = other_platform.system_config.as_mut() {
        c.vehicle_platform = "PLAT-B".into();
    }
    other_platform.target.platform = None;
    v.push(
        Case::new(
            "system-config-for-another-platform",
            "a PLAT-B configuration on a PLAT-A vehicle (its own platform field, no target restriction)",
            bundle(&[], &other_platform, &["s1"], &[]),
            Some(Error::WrongPlatform),
        )
        .policy(sc_policy),
    );
    let mut other_market = system_config_manifest(&[*std_digest]);
    if let Some(c) = other_market.system_config.as_mut() {
        c.market = "US".into();
    }
    other_market.target.market = None;
    v.push(
        Case::new(
            "system-config-for-another-market",
            "a US configuration on an EU vehicle (its own market field, no target restriction)",
            bundle(&[], &other_market, &["s1"], &[]),
            Some(Error::WrongMarket),
        )
        .policy(sc_policy),
    );
    v.push(
        Case::new(
            "stage-unknown-code-above-production",
            "stage code 40 (a registry's retired or experimental code) on an ECU that accepts Production only",
            component_with(
                |m| m.components[0].stage = Stage::from_code(40).expect("nonzero"),
                &["c1", "c2"],
            ),
            Some(Error::StageTooLow),
        )
        .policy(|p| p.min_stage = Stage::PRODUCTION.code()),
    );
    let mut three = component_with(|_| {}, &["c1", "c2", "c3"]);
    let at = first_signature_offset(&three) - 32;
    three[at] ^= 0x01;
    v.push(Case::new(
        "signature-entry-key-corrupted",
        "one of three signature entries has a flipped bit in its public key (threshold 2): the entry no longer verifies, so the envelope is refused instead of reporting two signers",
        three,
        Some(Error::SignatureRejected),
    ));
    v
}

/// A component bundle from a manifest tweak over explicit payloads.
fn component_with_payloads(
    f: impl FnOnce(&mut Manifest),
    payloads: &[&[u8]],
    signers: &[&str],
) -> Vec<u8> {
    let mut m = component_manifest(&crate::payloads());
    f(&mut m);
    bundle(&[], &m, signers, payloads)
}

/// The standard manifest head, postcard-encoded, to build broken documents on.
fn postcard_head() -> Vec<u8> {
    let m = component_manifest(&payloads());
    let head = modelseal_core::doc::ManifestHead {
        kind: 2,
        security_counter: m.security_counter,
        version: &m.version,
        created_at: m.created_at,
        expires_at: None,
        supersedes: None,
    };
    let mut buf = vec![0u8; 256];
    let n = modelseal_core::write::document(&head, &mut buf).expect("head encodes");
    buf.truncate(n);
    buf
}

/// A bundle head whose manifest is exactly `doc`, validly signed by c1 and c2.
fn signed_head_only(doc: Vec<u8>) -> Vec<u8> {
    let env = envelope(DocType::ComponentManifest, doc, &["c1", "c2"]);
    modelseal::bundle::head(&[], &env).expect("head")
}
