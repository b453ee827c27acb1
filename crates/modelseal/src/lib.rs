//! # modelseal (build host)
//!
//! Builds, signs and inspects modelseal bundles on a build host. Every byte
//! is written through the encoders of [`modelseal_core`] and every result is
//! checked by its verifier: the host has no second implementation of the
//! format, and it refuses to produce what an ECU would reject.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod bundle;
pub mod error;
pub mod model;
pub mod sign;

pub use error::{Error, Result};
pub use modelseal_core as core;
