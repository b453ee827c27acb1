//! Chains of root rotations in one bundle: versions out of order, chains
//! partly applied, chains and roots over their limits, a key shared by two
//! roles.

use super::{Case, Standard};
use crate::*;
use modelseal_core::Error;
use modelseal_core::doc::BundleKind;
use modelseal_core::envelope::DocType;

pub(super) fn cases(s: &Standard) -> Vec<Case> {
    [versions(s), limits(s), shared_keys(s)].concat()
}

/// Root versions repeated, backwards, or already applied.
fn versions(s: &Standard) -> Vec<Case> {
    let same_v2 = root_envelope(&same_keys_root(2), &["r1", "r2"]);
    let same_v3 = root_envelope(&same_keys_root(3), &["r1", "r2"]);
    vec![
        Case::new(
            "root-chain-repeats-version",
            "root v2 twice in one chain",
            s.bundle_with(&[same_v2.clone(), same_v2.clone()], &["c1", "c2"]),
            Some(Error::RootVersionNotNext),
        ),
        Case::new(
            "root-chain-goes-backwards",
            "root v1 offered to a device that already trusts root v2",
            s.bundle_with(&[provisioned_root()], &["c1", "c2"]),
            Some(Error::RootVersionNotNext),
        )
        .trusting(same_v2.clone()),
        Case::new(
            "valid-reverification-after-rotation",
            "a device that persisted root v2 re-verifies, at boot, the installed bundle that carried it",
            s.rotation_bundle(),
            None,
        )
        .trusting(s.v2_env.clone()),
        Case::new(
            "valid-chain-partly-applied",
            "a device at root v2 takes a bundle carrying v2 and v3: v2 is skipped, v3 applied",
            s.bundle_with(&[same_v2.clone(), same_v3], &["c1", "c2"]),
            None,
        )
        .trusting(same_v2),
    ]
}

/// Chains and roots at and over their limits.
fn limits(s: &Standard) -> Vec<Case> {
    vec![
        Case::new(
            "root-chain-over-limit",
            "nine rotations in one bundle, one more than MAX_ROOT_CHAIN",
            chain_of_nine(s),
            Some(Error::LimitExceeded),
        ),
        Case::new(
            "valid-rotation-chain-of-eight",
            "eight rotations in one bundle (the limit) verify and hand back root v9",
            s.bundle_with(&same_keys_chain(2..=9), &["c1", "c2"]),
            None,
        ),
        Case::new(
            "root-roles-over-limit",
            "a rotated root with nine roles, one more than MAX_ROLES",
            nine_roles(s),
            Some(Error::LimitExceeded),
        ),
    ]
}

/// Written by hand: the encoder refuses a chain this long.
fn chain_of_nine(s: &Standard) -> Vec<u8> {
    let chain = same_keys_chain(2..=10);
    let env = envelope(DocType::ComponentManifest, s.doc.clone(), &["c1", "c2"]);
    let envelopes: Vec<u8> = chain.iter().flatten().chain(env.iter()).copied().collect();
    let mut head = modelseal_core::bundle::BundleHeader::new(9, envelopes.len() as u32)
        .to_bytes()
        .to_vec();
    head.extend_from_slice(&envelopes);
    head
}

fn nine_roles(s: &Standard) -> Vec<u8> {
    let mut r = same_keys_root(2);
    for id in 4..=9 {
        r.roles.push(modelseal::model::Role {
            id,
            threshold: 1,
            keys: vec![pk("x1")],
            floor: None,
        });
    }
    s.bundle_with(&[root_envelope(&r, &["r1", "r2"])], &["c1", "c2"])
}

/// A key in two roles: its one signature counts for one role only.
fn shared_keys(s: &Standard) -> Vec<Case> {
    let k2_in_both = root(
        2,
        [
            (&["r1", "r2", "r3"], 2),
            (&["c1", "k2", "c3"], 2),
            (&["k2", "s2"], 1),
        ],
    );
    vec![
        Case::new(
            "key-in-two-roles-signs-once",
            "a key of both the component and system-configuration roles signs once; the second signer is a system-configuration key",
            s.bundle_with(&[root_envelope(&k2_in_both, &["r1", "r2"])], &["k2", "s2"]),
            Some(Error::SignatureRejected),
        ),
        Case::new(
            "component-signature-as-system-config",
            "a component manifest with valid signatures of keys in both roles, relabelled as a system configuration",
            component_signature_relabelled(s),
            Some(Error::SignatureRejected),
        )
        .policy(|p| p.kind = BundleKind::SystemConfig),
    ]
}

fn component_signature_relabelled(s: &Standard) -> Vec<u8> {
    let r = root(
        2,
        [
            (&["r1", "r2", "r3"], 2),
            (&["k1", "k2", "c3"], 2),
            (&["k1", "k2"], 2),
        ],
    );
    let sigs = [
        signature(DocType::ComponentManifest, &s.doc, "k1"),
        signature(DocType::ComponentManifest, &s.doc, "k2"),
    ];
    let env = raw_envelope(DocType::SystemConfigManifest, &s.doc, &sigs);
    bundle_with_envelope(&[root_envelope(&r, &["r1", "r2"])], &env, &s.refs())
}
