//! Errors of the host library. Each carries what a person needs to act:
//! the file, the field, the underlying cause.

use std::path::PathBuf;

/// A host-side failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The core verifier refused a document or bundle.
    #[error("{context}: {source}")]
    Verify {
        /// What was being checked.
        context: String,
        /// The verifier's reason.
        #[source]
        source: modelseal_core::Error,
    },
    /// A document would exceed a format limit.
    #[error("{0} exceeds the format's size limit")]
    TooLarge(&'static str),
    /// A signature or signer was refused.
    #[error("{0}")]
    Signature(String),
    /// A key could not be read, written or used.
    #[error("{0}")]
    Key(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Anything else the caller got wrong, described.
    #[error("{0}")]
    Invalid(String),
}

impl From<modelseal_core::Error> for Error {
    fn from(source: modelseal_core::Error) -> Self {
        Error::Verify {
            context: "verification".into(),
            source,
        }
    }
}

impl Error {
    /// A core error with what was being checked.
    pub fn verify(context: impl Into<String>, source: modelseal_core::Error) -> Self {
        Error::Verify {
            context: context.into(),
            source,
        }
    }
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of the host library.
pub type Result<T> = std::result::Result<T, Error>;
