//! Lengths and counts that overflow 32 or 64 bits, in the framing and in
//! signed documents: refused before any arithmetic on them.

use super::{Case, Standard};
use crate::*;
use modelseal_core::Error;
use modelseal_core::envelope::DocType;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    let mut long_count = postcard_head();
    long_count.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
    vec![
        Case::new(
            "head-length-overflows-32-bits",
            "a bundle header claiming 4 GiB of envelopes",
            s.patched(12, &u32::MAX.to_le_bytes()),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "document-length-overflows-32-bits",
            "a manifest envelope claiming a 4 GiB document",
            s.patched(16 + 12, &u32::MAX.to_le_bytes()),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "signature-count-over-limit",
            "a manifest envelope claiming 17 signatures",
            s.patched(16 + 11, &[17]),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "artifact-size-overflows-64-bits",
            "a signed manifest stating an artifact of 2^64 - 1 bytes",
            component_bundle(&[], |m| m.artifacts[5].size = u64::MAX, &["c1", "c2"]),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "artifact-sizes-sum-overflows-64-bits",
            "a signed manifest whose artifact sizes add up past 2^64",
            component_bundle(
                &[],
                |m| {
                    m.artifacts[0].size = 1 << 63;
                    m.artifacts[1].size = 1 << 63;
                },
                &["c1", "c2"],
            ),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "sequence-count-overflows-32-bits",
            "a signed manifest whose hardware-id count is 2^32 - 1",
            signed_head_only(long_count),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "varint-overflows-64-bits",
            "a signed manifest whose security counter is a varint longer than 64 bits",
            signed_head_only(vec![
                2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
            ]),
            Some(Error::Malformed),
        ),
    ]
}

/// The standard manifest head, postcard-encoded, to build broken documents on.
fn postcard_head() -> Vec<u8> {
    let m = component_manifest(&payloads());
    let head = modelseal_core::doc::ManifestHead {
        kind: 2,
        security_counter: m.head.security_counter,
        version: &m.head.version,
        created_at: m.head.created_at,
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
