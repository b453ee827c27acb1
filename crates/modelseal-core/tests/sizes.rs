//! The verifier's RAM figures: printed, and held under the documented caps.

use modelseal_core::{ArtifactCheck, DevicePolicy, SessionState, SoftSha256, Verifier};

#[test]
fn verifier_state_fits_its_budget() {
    let verifier = size_of::<Verifier<SoftSha256>>();
    let policy = size_of::<DevicePolicy>();
    let session = size_of::<SessionState>();
    let check = size_of::<ArtifactCheck>();
    let verity = modelseal_core::verity::Hasher::RAM;
    let checker = size_of::<modelseal_core::verity::BlockChecker>();
    println!(
        "Verifier<SoftSha256> {verifier} B (policy {policy} B), SessionState {session} B, ArtifactCheck {check} B (of which the fs-verity hasher {verity} B), BlockChecker {checker} B"
    );
    // The fs-verity hasher: its levels and a little bookkeeping.
    assert!(
        verity <= modelseal_core::verity::LEVEL_STATE_LEN * modelseal_core::verity::MAX_LEVELS + 64
    );
    // Everything a C context holds: verifier, session, one artifact check.
    assert!(verifier + session + check <= 4096, "context over 4 KiB");
}

#[test]
fn print_the_limits() {
    use modelseal_core::limits::*;
    println!(
        "MAX_MANIFEST_LEN {MAX_MANIFEST_LEN} (component worst {COMPONENT_MANIFEST_WORST}, system-config worst {SYSTEM_CONFIG_MANIFEST_WORST})"
    );
    println!(
        "MAX_ROOT_LEN {MAX_ROOT_LEN} (worst {ROOT_WORST}), MAX_ROOT_ENVELOPE_LEN {MAX_ROOT_ENVELOPE_LEN}"
    );
    println!("MAX_MANIFEST_ENVELOPE_LEN {MAX_MANIFEST_ENVELOPE_LEN}, MAX_HEAD_LEN {MAX_HEAD_LEN}");
    println!("MAX_IDENTITY_LEN {MAX_IDENTITY_LEN} (worst {IDENTITY_WORST})");
}
