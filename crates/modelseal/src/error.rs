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
    // ------------------------------------------------ signatures
    /// A signature does not verify (strictly) over the document's message.
    #[error("the signature by key {key_id} does not verify over this document")]
    SignatureInvalid {
        /// Key id (hex) of the key it claims.
        key_id: String,
    },
    /// This key has already signed the document.
    #[error("key {key_id} has already signed this document")]
    SignatureDuplicate {
        /// Key id (hex).
        key_id: String,
    },
    /// The document already carries as many signatures as the format allows.
    #[error("a document carries at most {max} signatures")]
    TooManySignatures {
        /// `MAX_SIGNATURES`.
        max: usize,
    },
    /// The key is in none of the roles that sign the document, so its
    /// signature would count for nothing.
    #[error(
        "key {key_id} is not a key of the {}; its signature would count for nothing",
        .roles.join(" or the ")
    )]
    KeyNotInRole {
        /// Key id (hex).
        key_id: String,
        /// The roles that sign the document (`component role of root v1`).
        roles: Vec<String>,
    },
    /// A detached signature given without its public key verifies under no
    /// key of the signing roles.
    #[error(
        "the signature does not verify under any key of the {} over this document: it is invalid, made over other bytes, or made by a key outside the role",
        .roles.join(" or the ")
    )]
    SignatureMatchesNoRoleKey {
        /// The roles that sign the document.
        roles: Vec<String>,
    },
    /// A signature from `from` (a signer, a signature file, a file being
    /// written) was refused for the reason in `source`.
    #[error("{from}: {source}")]
    SignatureFrom {
        /// Where the signature came from (`key file c1.pem`, `c1.sig`).
        from: String,
        /// Why it was refused.
        #[source]
        source: Box<Error>,
    },
    /// A detached signature file is neither 64 raw bytes nor 128 hex digits.
    #[error(
        "{}: a detached signature is {expected} raw bytes (or {} hex digits); this file has {found} bytes",
        path.display(),
        2 * .expected
    )]
    SignatureFileLength {
        /// The file.
        path: PathBuf,
        /// `SIGNATURE_LEN`.
        expected: usize,
        /// Its length, in bytes.
        found: usize,
    },
    /// A message file to sign is not exactly the 64 bytes `modelseal message` writes.
    #[error(
        "{}: a message to sign is exactly {expected} bytes (domain tag and digest); this file has {found}",
        path.display()
    )]
    MessageFileLength {
        /// The file.
        path: PathBuf,
        /// `SIGNED_MESSAGE_LEN`.
        expected: usize,
        /// Its length, in bytes.
        found: usize,
    },
    /// A message file does not start with a modelseal domain tag: signing
    /// it could sign something other than a modelseal document.
    #[error("{}: not a modelseal message (no modelseal domain tag); refusing to sign it", path.display())]
    NotAModelsealMessage {
        /// The file.
        path: PathBuf,
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
    /// `source`, refused as coming from `from` (a signer or a file).
    pub fn signature_from(from: impl Into<String>, source: Error) -> Self {
        Error::SignatureFrom {
            from: from.into(),
            source: Box::new(source),
        }
    }
    /// The error under any [`Error::SignatureFrom`] wrapping: the reason
    /// itself, for callers that act on it.
    pub fn reason(&self) -> &Error {
        match self {
            Error::SignatureFrom { source, .. } => source.reason(),
            other => other,
        }
    }
    /// Which outcome this error is.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Verify { .. }
            | Error::SignatureInvalid { .. }
            | Error::SignatureDuplicate { .. }
            | Error::TooManySignatures { .. }
            | Error::KeyNotInRole { .. }
            | Error::SignatureMatchesNoRoleKey { .. }
            | Error::SignatureFileLength { .. } => ErrorClass::Rejected,
            Error::SignatureFrom { source, .. } => source.class(),
            Error::Io { .. } => ErrorClass::Io,
            Error::Internal { .. } => ErrorClass::Internal,
            _ => ErrorClass::BadInput,
        }
    }
}

/// Result alias of the host library.
pub type Result<T> = std::result::Result<T, Error>;
