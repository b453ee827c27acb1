//! Documents of the wrong type or version, and signed manifests whose
//! content breaks the format's rules: over a limit, trailing bytes, out of
//! order, unsafe names, extensions.

use super::{Case, Standard};
use crate::*;
use modelseal_core::Error;
use modelseal_core::envelope::DocType;
use modelseal_core::limits::MAX_ARTIFACTS;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    [types_and_versions(s), content(s)].concat()
}

fn types_and_versions(s: &Standard) -> Vec<Case> {
    vec![
        Case::new(
            "root-document-as-manifest",
            "the device's own root envelope placed where the manifest belongs",
            bundle_with_envelope(&[], &provisioned_root(), &[]),
            Some(Error::WrongDocumentType),
        ),
        Case::new(
            "unknown-format-version",
            "a bundle header of format version 2",
            s.patched(8, &[2]),
            Some(Error::UnsupportedVersion),
        ),
        Case::new(
            "unknown-envelope-version",
            "a manifest envelope of format version 2 in a version 1 bundle",
            s.patched(16 + 8, &[2]),
            Some(Error::UnsupportedVersion),
        ),
    ]
}

fn content(s: &Standard) -> Vec<Case> {
    vec![
        Case::new(
            "oversized-artifact-count",
            "a signed manifest listing one artifact more than MAX_ARTIFACTS",
            oversized_artifact_count(s),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "oversized-hardware-id",
            "a signed manifest with a hardware id one byte over MAX_ID_LEN",
            component_bundle(
                &[],
                |m| m.target.hardware_ids.push("H".repeat(65)),
                &["c1", "c2"],
            ),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "trailing-bytes-in-manifest",
            "a signed manifest document with one byte after its last field",
            trailing_byte_in_manifest(s),
            Some(Error::TrailingBytes),
        ),
        Case::new(
            "unsorted-artifacts",
            "a signed manifest listing artifacts out of name order",
            unsorted_artifacts(s),
            Some(Error::Invalid),
        ),
        Case::new(
            "artifact-path-escapes",
            "a signed manifest naming an artifact ../../etc/passwd",
            component_bundle(
                &[],
                |m| m.artifacts[0].name = "../../etc/passwd".into(),
                &["c1", "c2"],
            ),
            Some(Error::Invalid),
        ),
        Case::new(
            "unknown-critical-extension",
            "a signed manifest carrying a critical extension this verifier does not know",
            with_extension(true),
            Some(Error::UnsupportedExtension),
        ),
        Case::new(
            "unknown-noncritical-extension",
            "a non-critical extension from a later format is skipped",
            with_extension(false),
            None,
        ),
    ]
}

/// The head only: the payloads of so many artifacts are never reached.
fn oversized_artifact_count(s: &Standard) -> Vec<u8> {
    let mut m = s.manifest.clone();
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
}

fn trailing_byte_in_manifest(s: &Standard) -> Vec<u8> {
    let mut doc = s.doc.clone();
    doc.push(0);
    let env = envelope(DocType::ComponentManifest, doc, &["c1", "c2"]);
    bundle_with_envelope(&[], &env, &s.refs())
}

fn unsorted_artifacts(s: &Standard) -> Vec<u8> {
    let mut m = s.manifest.clone();
    m.artifacts.swap(0, 1);
    let mut bytes = s.payloads.clone();
    bytes.swap(0, 1);
    bundle(&[], &m, &["c1", "c2"], &slices(&bytes))
}

/// The standard bundle with extension 7, `critical` or not.
fn with_extension(critical: bool) -> Vec<u8> {
    component_bundle(
        &[],
        |m| {
            m.extensions.push(modelseal::model::ExtensionBuf {
                id: 7,
                critical,
                data: vec![1, 2, 3],
            })
        },
        &["c1", "c2"],
    )
}
