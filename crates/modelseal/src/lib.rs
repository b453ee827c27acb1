//! # modelseal (build host)
//!
//! Builds, signs and inspects modelseal bundles on a build host. Every byte
//! is written through the encoders of [`modelseal_core`] and every result is
//! checked by its verifier: the host has no second implementation of the
//! format, and it refuses to produce what an ECU would reject.
//!
//! ```text
//! spec (TOML) ─ spec::resolve ─ hashing (parallel, streaming) ─ build
//!   └─ sign / signfile (keys, detached signatures, thresholds)
//!        └─ verify::check_output (core) ─ fsio::AtomicFile::commit
//! verify::verify_file ─ identity ─ inspect        (read side)
//! ```
//!
//! The `modelseal` command is a thin layer over these modules.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod audit;
pub mod authority;
pub mod build;
pub mod bundle;
pub mod error;
mod explain;
mod fieldpath;
pub mod fsio;
pub mod hashing;
pub mod identity;
pub mod inspect;
pub mod keys;
pub mod model;
pub mod pkcs11;
pub mod report;
pub mod request;
pub mod rootfile;
pub mod sign;
pub mod signfile;
pub mod spec;
pub mod tree;
pub mod verify;
pub mod verity;

pub use error::{Error, ErrorClass, KeyProblem, Result};
pub use modelseal_core as core;
