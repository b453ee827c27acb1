//! Validly signed pieces put together wrongly: signatures from two
//! manifests, another build's payloads, payloads reordered, listed twice,
//! left out or cut off.

use super::{Case, Standard};
use crate::*;
use modelseal::model::Manifest;
use modelseal_core::Error;
use modelseal_core::doc::ArtifactKind;
use modelseal_core::envelope::DocType;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    let offs = payload_offsets(&s.bundle);
    vec![
        Case::new(
            "signatures-from-two-bundles-combined",
            "c1's signature over this manifest and c2's over another manifest in one envelope",
            signatures_from_two_manifests(s),
            Some(Error::SignatureRejected),
        ),
        Case::new(
            "manifest-spliced-with-other-payloads",
            "this bundle's head followed by another build's payloads of the same sizes",
            other_builds_payloads(s),
            Some(Error::ArtifactDigestMismatch),
        ),
        Case::new(
            "payloads-reordered",
            "two artifacts of equal size with their payloads swapped",
            payloads_reordered(),
            Some(Error::ArtifactDigestMismatch),
        ),
        Case::new(
            "artifact-listed-twice",
            "a signed manifest naming the same artifact twice",
            artifact_listed_twice(s),
            Some(Error::Invalid),
        ),
        Case::new(
            "zero-artifacts",
            "a signed component manifest with no artifact at all",
            component_with_payloads(|m| m.artifacts.clear(), &[], &["c1", "c2"]),
            Some(Error::Invalid),
        ),
        Case::new(
            "partial-bundle",
            "the bundle cut off after its second payload",
            s.bundle[..(offs[1].0 + offs[1].1) as usize].to_vec(),
            Some(Error::Truncated),
        ),
    ]
}

fn signatures_from_two_manifests(s: &Standard) -> Vec<u8> {
    let mut other = s.manifest.clone();
    other.head.version = "fc-perception-2026.01.2".into();
    let other_doc = other.encode().expect("encodes");
    let a = signature(DocType::ComponentManifest, &s.doc, "c1");
    let b = signature(DocType::ComponentManifest, &other_doc, "c2");
    bundle_with_envelope(
        &[],
        &raw_envelope(DocType::ComponentManifest, &s.doc, &[a, b]),
        &s.refs(),
    )
}

fn other_builds_payloads(s: &Standard) -> Vec<u8> {
    let others: Vec<Vec<u8>> = s
        .payloads
        .iter()
        .enumerate()
        .map(|(i, p)| bytes(&format!("other build {i}"), p.len()))
        .collect();
    bundle(&[], &s.manifest, &["c1", "c2"], &slices(&others))
}

fn payloads_reordered() -> Vec<u8> {
    let mut sbom = Payload::new("sbom.spdx.json", ArtifactKind::SbomSpdx, 300);
    sbom.licence = "CC0-1.0".into();
    let twins = [
        Payload::new("a.bin", ArtifactKind::Weights, 1000),
        Payload::new("b.bin", ArtifactKind::Weights, 1000),
        sbom,
    ];
    let m = component_manifest(&twins);
    let b = payload_bytes(&twins);
    bundle(&[], &m, &["c1", "c2"], &[&b[1], &b[0], &b[2]])
}

fn artifact_listed_twice(s: &Standard) -> Vec<u8> {
    let mut m = s.manifest.clone();
    m.artifacts.insert(1, m.artifacts[0].clone());
    let mut b = s.payloads.clone();
    b.insert(1, b[0].clone());
    bundle(&[], &m, &["c1", "c2"], &slices(&b))
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
