//! The verifier's RAM figures: printed, and held under the documented caps.

use modelseal_core::{ArtifactCheck, DevicePolicy, SessionState, SoftSha256, Verifier};

#[test]
fn verifier_state_fits_its_budget() {
    let verifier = size_of::<Verifier<'static, SoftSha256>>();
    let policy = size_of::<DevicePolicy>();
    let session = size_of::<SessionState>();
    let check = size_of::<ArtifactCheck>();
    println!("Verifier<SoftSha256> {verifier} B (policy {policy} B), SessionState {session} B, ArtifactCheck {check} B");
    // Everything a C context holds: verifier, session, one artifact check.
    assert!(verifier + session + check <= 4096, "context over 4 KiB");
}
