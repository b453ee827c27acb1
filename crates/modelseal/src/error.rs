//! Errors of the host library. Each carries what a person needs to act:
//! the file, the field, the underlying cause. [`Error::class`] sorts them
//! into the three outcomes a caller reports differently (the CLI turns them
//! into exit codes).

use std::path::{Path, PathBuf};

/// A host-side failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The core verifier refused a document or bundle given as input.
    #[error("{context}: {source}")]
    Verify {
        /// What was being checked.
        context: String,
        /// The verifier's reason.
        #[source]
        source: modelseal_core::Error,
    },
    /// The host refused to produce something the core verifier would reject.
    #[error("{context}: the verifier would reject it: {source}")]
    WouldBeRejected {
        /// What was being produced, and for which device.
        context: String,
        /// The verifier's reason.
        #[source]
        source: modelseal_core::Error,
    },
    /// A bundle spec is wrong: names the file, the field and the problem.
    #[error("{}: {field}: {message}", file.display())]
    Spec {
        /// The spec file.
        file: PathBuf,
        /// The field, as a path (`component[0].lineage.hil_suite_id`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A document would exceed a format limit.
    #[error("{0} exceeds the format's size limit")]
    TooLarge(&'static str),
    /// A signature or signer was refused.
    #[error("{0}")]
    Signature(String),
    /// A key file (or key bytes, when `path` is `None`) does not hold a
    /// usable Ed25519 key.
    #[error("{}{problem}", path_prefix(.path.as_deref()))]
    Key {
        /// The key file, when the key came from one.
        path: Option<PathBuf>,
        /// What is wrong with it.
        #[source]
        problem: KeyProblem,
    },
    /// The operating system gave no randomness for a new key.
    #[error("no randomness from the operating system: {reason}")]
    NoRandomness {
        /// The operating system's reason.
        reason: String,
    },
    /// The destination exists and replacing it was not asked for.
    #[error("{}: already exists (pass --force to replace it)", .0.display())]
    Exists(PathBuf),
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
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
    /// An invariant of the host library failed: a bug in modelseal, not a
    /// problem with the input. Nothing was written.
    #[error("internal error (a bug in modelseal, please report it): {invariant}")]
    Internal {
        /// What should have held and did not.
        invariant: &'static str,
    },
}

/// What is wrong with the bytes of a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyProblem {
    /// An encrypted PKCS#8 private key (not supported: decrypt it first).
    #[error(
        "encrypted PKCS#8 keys are not supported; decrypt with `openssl pkey` or keep the key in an HSM"
    )]
    Encrypted,
    /// PEM that is not an Ed25519 PKCS#8 private key.
    #[error("not an Ed25519 PKCS#8 private key: {reason}")]
    PrivateKeyPem {
        /// The decoder's reason.
        reason: String,
    },
    /// Neither PEM nor a 32-byte raw secret.
    #[error("not a private key: expected PKCS#8 PEM or 32 raw bytes, found {found} bytes")]
    PrivateKeyLength {
        /// Length of the input, in bytes.
        found: usize,
    },
    /// PEM that is not an Ed25519 SubjectPublicKeyInfo.
    #[error("not an Ed25519 public key: {reason}")]
    PublicKeyPem {
        /// The decoder's reason.
        reason: String,
    },
    /// Neither PEM, 32 raw bytes nor 64 hex digits.
    #[error("not a public key: expected PEM, 32 raw bytes or 64 hex digits, found {found} bytes")]
    PublicKeyLength {
        /// Length of the input, in bytes.
        found: usize,
    },
    /// 32 bytes that are not an Ed25519 point.
    #[error("not a valid Ed25519 public key (does not decode)")]
    PublicKeyDoesNotDecode,
}

fn path_prefix(path: Option<&Path>) -> String {
    path.map_or_else(String::new, |p| format!("{}: ", p.display()))
}

/// How an error is reported: the outcome classes of the CLI's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The verifier rejected the input (a bundle, a root, an identity record).
    Rejected,
    /// The input or the request is wrong (spec, key file, arguments).
    BadInput,
    /// Reading or writing a file failed.
    Io,
    /// A bug in modelseal: an internal invariant failed.
    Internal,
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
    /// A spec error in `file` at `field`.
    pub fn spec(
        file: impl Into<PathBuf>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Spec {
            file: file.into(),
            field: field.into(),
            message: message.into(),
        }
    }
    /// A key problem in the key file `path`.
    pub fn key_file(path: impl Into<PathBuf>, problem: KeyProblem) -> Self {
        Error::Key {
            path: Some(path.into()),
            problem,
        }
    }
    /// Which outcome this error is.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Verify { .. } | Error::Signature(_) => ErrorClass::Rejected,
            Error::Io { .. } => ErrorClass::Io,
            Error::Internal { .. } => ErrorClass::Internal,
            _ => ErrorClass::BadInput,
        }
    }
}

/// Result alias of the host library.
pub type Result<T> = std::result::Result<T, Error>;
