//! # modelseal-core
//!
//! The verifier that runs on the ECU: it checks a signed model bundle
//! against the device's trust root and policy at boot, in fixed memory, and
//! reports the installed identity. The build host runs the same code to
//! check what it wrote.
//!
//! `no_std`, no allocator, no `unsafe`, and no panics on any input: hostile
//! bytes get an [`Error`], nothing else. Every count and length is bounded
//! by a constant in [`limits`].
//!
//! ```text
//! Verifier::new(root, policy, engine)
//!   └─ verify_head(head)            -> Session     (signatures, rotation, policy)
//!        ├─ manifest()              -> VerifiedManifest
//!        ├─ begin/update/finish_artifact (per artifact, chunks of any size)
//!        └─ finish()                -> Installed   (identity, what to persist)
//! verify_bundle(reader, work) / verify_bundle_bytes(bundle) do all of it.
//! ```
//!
//! The byte format is specified in `docs/FORMAT.md`.
//!
//! ## The surface
//!
//! - **Verifying** (the ECU's whole job): [`Verifier`], [`DevicePolicy`],
//!   [`Session`], [`Installed`], [`VerifiedManifest`], [`Error`], at the
//!   crate root. A [`VerifiedManifest`] is made only by a session that
//!   checked signatures and policy.
//! - **The format, declared once**: [`codes`] (kind, document type, role,
//!   artifact kind, stage), [`doc`] (every record, its field rules and
//!   sizes), [`rules`] (the field classes), [`limits`] (every bound).
//! - **Reading without verifying**: [`unverified`], for build-host tools
//!   that look inside a bundle before or without its signatures. Nothing in
//!   it can stand in for a verified value.
//! - **Writing** (build hosts): [`write`](mod@write) encodes documents, envelopes and
//!   heads; [`bundle`], [`envelope`] and [`root`] hold the container and
//!   trust-root types both sides share; [`identity`] the unsigned
//!   identity summary (a transport check, not evidence).
//! - **Registry events** (host only): [`event`], the stage events and
//!   evaluation results a registry keeps, signed by roles the ECU ignores.
//! - **The version report** (evidence of what is installed): [`report`],
//!   encoded on the ECU and signed through the firmware's signer, read and
//!   checked by HiL rigs and the backend.
//! - **Plumbing**: [`hash`] (the SHA-256 engine a firmware may supply),
//!   [`manifest`] (the views a manifest reader returns, the visitor),
//!   [`records`] (an artifact record as authenticated), [`policy`].
//! - **fs-verity digests** ([`verity`]): the streaming hasher the artifact
//!   checks use, and verify on read ([`verity::BlockChecker`]).

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented,
    )
)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod bundle;
pub mod codes;
mod dec;
pub mod doc;
pub mod envelope;
mod error;
pub mod event;
pub mod hash;
pub mod identity;
pub mod limits;
pub mod manifest;
#[cfg(feature = "alloc")]
pub mod owned;
pub mod policy;
pub mod records;
pub mod report;
pub mod root;
pub mod rules;
mod snap;
pub mod unverified;
mod verify;
pub mod verity;
mod wire;
pub mod write;

pub use codes::{ArtifactKind, BundleKind, DocType, RoleId, Stage};
pub use error::{Error, Result};
pub use hash::{Digest, Sha256Engine, SoftSha256};
pub use manifest::ManifestVisitor;
pub use policy::{ConfigBinding, DevicePolicy, Expiry, Floors};
pub use records::ArtifactRecord;
pub use verify::{
    ArtifactCheck, ConfigRef, Installed, RootUpdate, Session, SessionState, VerifiedManifest,
    Verifier,
};

/// A key id: the first [`limits::KEY_ID_LEN`] bytes of SHA-256 of an
/// Ed25519 public key.
pub type KeyId = [u8; limits::KEY_ID_LEN];
