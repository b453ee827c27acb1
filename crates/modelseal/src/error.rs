//! Errors of the host library. There is one variant per distinct failure,
//! and each carries what a person needs to act on it: the file, the field,
//! the key id, what was expected and what was found. Messages follow from
//! the variant, and so does [`Error::class`], which sorts errors into the
//! outcomes a caller reports differently (the CLI turns them into exit
//! codes). Nothing here may decide an outcome by looking at message text.

use std::path::{Path, PathBuf};

/// A host-side failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ------------------------------------------------ verifier verdicts
    /// The core verifier refused a document or bundle given as input.
    #[error("{context}: {source}")]
    Verify {
        /// What was being checked.
        context: String,
        /// The verifier's reason.
        #[source]
        source: modelseal_core::Error,
    },
    /// The core verifier refused a bundle for this device, with what the
    /// bundle asks for and what the device gave (the hardware ids it
    /// accepts, the counter and the floor, the platform asked for).
    #[error("{context}: {source}: {detail}")]
    Refused {
        /// What was being checked.
        context: String,
        /// The verifier's reason.
        #[source]
        source: modelseal_core::Error,
        /// Expected and found.
        detail: String,
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

    // ------------------------------------------------ specs and documents
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
    /// A file or directory a spec names could not be read (missing,
    /// unreadable): an I/O error, with the spec field that named it.
    #[error("{}: {field}: {}: {source}", file.display(), path.display())]
    SpecIo {
        /// The spec file.
        file: PathBuf,
        /// The field that names the file (`artifact[1].path`).
        field: String,
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The bundle head would not fit the target ECU (`--max-head-len`).
    #[error(
        "the bundle head would be {head_len} bytes with {signatures} signature(s); the target ECU holds at most {max} (--max-head-len): leave artifacts out, split the bundle, or give the ECU a larger work buffer"
    )]
    HeadOverBudget {
        /// Length of the head, signatures included.
        head_len: usize,
        /// The budget.
        max: usize,
        /// Signatures counted.
        signatures: usize,
    },
    /// A document would exceed a format limit.
    #[error("{0} exceeds the format's size limit")]
    TooLarge(&'static str),

    // ------------------------------------------------ files
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
    /// An output path names a directory, not a file.
    #[error("{}: not a file name", path.display())]
    NotAFileName {
        /// The path given.
        path: PathBuf,
    },
    /// An output path is a directory (or ends in `/`): refused before
    /// anything is read, hashed or written.
    #[error("{}: names a directory; give the name of the file to write", path.display())]
    OutputIsDirectory {
        /// The path given.
        path: PathBuf,
    },
    /// A small file (key, root, signature, spec) is longer than such a
    /// file can be.
    #[error("{}: {len} bytes; at most {max} expected here", path.display())]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// Its length, in bytes.
        len: u64,
        /// The longest accepted, in bytes.
        max: usize,
    },
    /// A small file grew past its limit between the length check and the read.
    #[error("{}: grew past {max} bytes while being read", path.display())]
    FileGrew {
        /// The file.
        path: PathBuf,
        /// The longest accepted, in bytes.
        max: usize,
    },
    /// A file named by the spec changed (length or modification time)
    /// between resolution and hashing, or while it was hashed.
    #[error("{}: the file changed while it was being hashed ({field})", path.display())]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// The spec field that named it.
        field: String,
    },
    /// A modelseal file of another kind than the command reads (a bundle
    /// given as `--root`, an identity record to `inspect`).
    #[error("{}: {}, not {expected} ({})", path.display(), found.describe(), found.hint())]
    WrongFileKind {
        /// The file.
        path: PathBuf,
        /// What the command reads here (`a trust root`).
        expected: &'static str,
        /// What the file is.
        found: crate::fsio::FileKind,
    },
    /// A file given as a signing request is not one.
    #[error("{}: not a modelseal signing request: {reason}", path.display())]
    NotARequest {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The request's security counter jumps further than the signer
    /// allows without naming it.
    #[error(
        "the security counter goes {from} -> {to}; above the jump allowed without confirmation ({max_jump}): review it and pass --allow-counter {to} if it is intended"
    )]
    CounterJump {
        /// The previous release's counter (0 without one).
        from: u64,
        /// The new counter.
        to: u64,
        /// The largest jump accepted without `--allow-counter`.
        max_jump: u64,
    },
    /// The signer's confirmation does not match the document.
    #[error("not confirmed: {reason}")]
    NotConfirmed {
        /// Why.
        reason: String,
    },
    /// A line of the audit log does not parse.
    #[error("{}: line {line}: not an audit entry: {reason}", path.display())]
    AuditLine {
        /// The log.
        path: PathBuf,
        /// Line number (from 1).
        line: usize,
        /// The parser's reason.
        reason: String,
    },
    /// A file to sign or inspect starts with neither magic.
    #[error("{}: neither a bundle, a bundle head nor a root envelope", path.display())]
    UnknownFileType {
        /// The file.
        path: PathBuf,
    },

    // ------------------------------------------------ keys
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
    /// The same key was given twice to sign with (one file named twice,
    /// or two files holding one key); nothing was signed.
    #[error("key {key_id} is given twice ({first} and {second}); a key signs a document once")]
    KeyGivenTwice {
        /// Key id (hex).
        key_id: String,
        /// The first signer holding it (`key file c2.pem`).
        first: String,
        /// The second (`key file c2-copy.pem`).
        second: String,
    },
    /// The document already carries as many signatures as the format allows.
    #[error("a document carries at most {max} signatures")]
    TooManySignatures {
        /// `MAX_SIGNATURES`.
        max: usize,
    },
    /// A key given to sign with is in none of the roles that sign the
    /// document, so its signature would count for nothing: the wrong key
    /// was chosen (bad input, not a refused signature).
    #[error(
        "key {key_id} is not a key of the {}; its signature would count for nothing",
        .roles.join(" or the ")
    )]
    SignerNotInRole {
        /// Key id (hex).
        key_id: String,
        /// The roles that sign the document (`component role of root v1`).
        roles: Vec<String>,
    },
    /// A signature presented with its public key (`attach --public-key`)
    /// is by a key in none of the roles that sign the document: refused.
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

    // ------------------------------------------------ roots and roles
    /// A bundle is being signed without the device's trust root, which
    /// says who may sign it.
    #[error(
        "{}: a bundle; give the device's trust root (--root): it says which keys may sign this bundle",
        path.display()
    )]
    DeviceRootMissing {
        /// The bundle.
        path: PathBuf,
    },
    /// A rotated root is being signed without the root before it.
    #[error(
        "this is root version {version}: its signers are the root roles of version {} and {version}; give the previous root (--root)",
        .version.saturating_sub(1)
    )]
    PreviousRootMissing {
        /// Version of the root being signed.
        version: u32,
    },
    /// The root given as previous is not the version just before.
    #[error(
        "the previous root is version {previous}, but this root is version {version} (a rotation goes up by exactly one)"
    )]
    PreviousRootVersion {
        /// Version of the root given as previous.
        previous: u32,
        /// Version of the root being signed.
        version: u32,
    },
    /// A root envelope file holds a manifest envelope instead.
    #[error(
        "{}: holds a manifest envelope, not a root; sign bundles, not bare manifests",
        path.display()
    )]
    BareManifestEnvelope {
        /// The file.
        path: PathBuf,
    },
    /// A role of a new root has no keys.
    #[error("the {role} role needs at least one key")]
    RoleWithoutKeys {
        /// Role name.
        role: &'static str,
    },
    /// A role of a new root has more keys than the format allows.
    #[error("the {role} role has {count} keys; at most MAX_ROLE_KEYS = {max}")]
    RoleKeyCount {
        /// Role name.
        role: &'static str,
        /// Keys given.
        count: usize,
        /// `MAX_ROLE_KEYS`.
        max: usize,
    },
    /// A role's threshold is 0 or more than its keys.
    #[error("the {role} role's threshold is {threshold}; it must be between 1 and its {keys} keys")]
    RoleThreshold {
        /// Role name.
        role: &'static str,
        /// Threshold given.
        threshold: u8,
        /// Keys in the role.
        keys: usize,
    },
    /// A key is listed twice in one role.
    #[error("key {key_id} is listed twice in the {role} role")]
    RoleKeyTwice {
        /// Role name.
        role: &'static str,
        /// Key id (hex).
        key_id: String,
    },
    /// The previous root's version is the largest a root can have.
    #[error("the previous root has version {version}, the last possible one")]
    RootVersionExhausted {
        /// Its version.
        version: u32,
    },
    /// A counter-floor re-base is asked for a role whose keys stay the same
    /// (or for the root role, which has no floor).
    #[error(
        "a counter-floor re-base of the {role} role needs new {role} keys in the same rotation: it exists to undo a counter that retired keys pushed up"
    )]
    RebaseWithoutNewKeys {
        /// Role name.
        role: &'static str,
    },
    /// A rotation would produce the previous root again, under a new version.
    #[error("the rotation changes nothing: give new keys, thresholds or an expiry")]
    RotationChangesNothing,
    /// A root update carries no root, or more than a device takes at once.
    #[error(
        "a root update carries 1 to MAX_ROOT_CHAIN = {max} roots; got {count} (a device further behind takes several updates, each from the root the previous one left)"
    )]
    RootUpdateLength {
        /// Roots given.
        count: usize,
        /// `MAX_ROOT_CHAIN`.
        max: usize,
    },

    // ------------------------------------------------ verification requests
    /// `--artifacts` was given for a whole bundle, which carries its artifacts.
    #[error(
        "{}: a whole bundle carries its artifacts; --artifacts is for a detached bundle head",
        path.display()
    )]
    ArtifactsDirForWholeBundle {
        /// The bundle.
        path: PathBuf,
    },
    /// A detached head with artifacts was given without their directory.
    #[error(
        "{}: a detached bundle head; give the directory holding its {artifacts} artifacts with --artifacts",
        path.display()
    )]
    ArtifactsDirMissing {
        /// The head.
        path: PathBuf,
        /// Artifacts the manifest lists.
        artifacts: usize,
    },
    /// A system configuration targets a hardware id that none of its ECUs
    /// has: such an ECU would reject the bundle.
    #[error(
        "target.hardware_ids: `{hardware_id}` has no entry in system_config.ecu; an ECU with this hardware id would reject the bundle (not in the configuration)"
    )]
    HardwareIdWithoutEcu {
        /// The hardware id.
        hardware_id: String,
    },

    // ------------------------------------------------ identity records
    /// Input claimed to be an identity record is neither the binary record
    /// nor text.
    #[error("not an identity record: neither binary (MSID...) nor hex text")]
    IdentityRecordNotText,
    /// Input claimed to be an identity record is text but not hex.
    #[error("not an identity record: neither binary (MSID...) nor hex text ({source})")]
    IdentityRecordNotHex {
        /// Why it is not hex.
        #[source]
        source: hex::FromHexError,
    },
    /// Hex input is longer than any identity record.
    #[error("identity record longer than MAX_IDENTITY_LEN = {max} bytes")]
    IdentityRecordTooLong {
        /// `MAX_IDENTITY_LEN`.
        max: usize,
    },

    // ------------------------------------------------ bugs
    /// An invariant of the host library failed: a bug in modelseal, not a
    /// problem with the input. Nothing was written.
    #[error("internal error (a bug in modelseal, please report it): {invariant}")]
    Internal {
        /// What should have held and did not.
        invariant: &'static str,
    },

    // ------------------------------------------------ version reports
    /// A nonce given or asked for is not 16 to 32 bytes of hex.
    #[error("nonce: {problem}")]
    Nonce {
        /// What is wrong: its length or its text.
        problem: String,
    },
    /// A version report was refused (the CLI gives each reason its own
    /// exit code, 10 to 17).
    #[error("version report: {0}")]
    Report(#[from] crate::report::ReportError),
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
    /// An encrypted PKCS#8 key, and no passphrase source was given.
    #[error(
        "an encrypted key: give its passphrase with --passphrase-env VAR or --passphrase-file FILE (on a terminal modelseal asks)"
    )]
    EncryptedNeedsPassphrase,
    /// The passphrase does not decrypt the key.
    #[error("the passphrase does not decrypt this key")]
    WrongPassphrase,
    /// An encrypted key modelseal cannot decrypt (another scheme).
    #[error("cannot decrypt this encrypted key: {reason}")]
    EncryptedKey {
        /// The decoder's reason.
        reason: String,
    },
    /// A `pkcs11:` URI that cannot be used.
    #[error("not a usable PKCS#11 URI: {reason}")]
    TokenUri {
        /// Why.
        reason: String,
    },
    /// The PKCS#11 module could not be loaded or initialized.
    #[error("the PKCS#11 module {} cannot be used: {reason}", path.display())]
    TokenModule {
        /// The module given.
        path: PathBuf,
        /// The loader's or module's reason.
        reason: String,
    },
    /// No PKCS#11 module was named.
    #[error("no PKCS#11 module: give --pkcs11-module PATH or module-path= in the URI")]
    TokenNoModule,
    /// No PIN source and no terminal.
    #[error(
        "the token needs its PIN: give --pin-env VAR, --pin-file FILE or pin-source= in the URI (on a terminal modelseal asks)"
    )]
    TokenNoPin,
    /// No token matches the URI.
    #[error("no token matches (see `modelseal key list --pkcs11-module PATH`)")]
    TokenNotFound,
    /// The token refused the PIN.
    #[error("the token refused the PIN")]
    TokenWrongPin,
    /// The token holds no such object.
    #[error("the token holds no {what} with this label/id")]
    TokenObjectNotFound {
        /// `private key` or `public key`.
        what: &'static str,
    },
    /// The key is not Ed25519.
    #[error("not an Ed25519 key (key type {found}): release keys are Ed25519")]
    TokenNotEd25519 {
        /// The key type found.
        found: String,
    },
    /// A PKCS#11 call failed.
    #[error("{reason}")]
    Token {
        /// The call and the module's return value.
        reason: String,
    },
    /// The passphrase could not be had from its source.
    #[error("no passphrase: {reason}")]
    PassphraseSource {
        /// Why.
        reason: String,
    },
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
    /// 32 raw bytes read where a private or a public key may be given,
    /// without saying which: both are 32 bytes that look alike.
    #[error(
        "32 raw bytes are a raw private key or a raw public key alike; say which with --private or --public"
    )]
    RawKeyAmbiguous,
    /// 32 bytes that are not an Ed25519 point.
    #[error("not a valid Ed25519 public key (does not decode)")]
    PublicKeyDoesNotDecode,
    /// Not an ECU device key: a PKCS#8 private key or SPKI public key of
    /// Ed25519 or P-256, in PEM.
    #[error("not an Ed25519 or P-256 device key: {reason}")]
    DeviceKeyPem {
        /// The decoder's reason.
        reason: String,
    },
}

fn path_prefix(path: Option<&Path>) -> String {
    path.map_or_else(String::new, |p| format!("{}: ", p.display()))
}

/// How an error is reported: the outcome classes of the CLI's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The verifier rejected the input (a bundle, a root, an identity
    /// record), or a signature was refused.
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

    /// Which outcome this error is. Every variant is listed, so a new one
    /// cannot be added without deciding its exit code.
    pub fn class(&self) -> ErrorClass {
        use ErrorClass::{BadInput, Internal, Io, Rejected};
        match self {
            Error::Verify { .. }
            | Error::Refused { .. }
            | Error::SignatureInvalid { .. }
            | Error::SignatureDuplicate { .. }
            | Error::TooManySignatures { .. }
            | Error::KeyNotInRole { .. }
            | Error::SignatureMatchesNoRoleKey { .. }
            | Error::SignatureFileLength { .. } => Rejected,
            Error::SignatureFrom { source, .. } => source.class(),
            Error::Io { .. } | Error::SpecIo { .. } => Io,
            Error::Internal { .. } => Internal,
            Error::Report(_) => Rejected,
            Error::WouldBeRejected { .. }
            | Error::Spec { .. }
            | Error::TooLarge(_)
            | Error::HeadOverBudget { .. }
            | Error::Exists(_)
            | Error::NotAFileName { .. }
            | Error::OutputIsDirectory { .. }
            | Error::FileTooLarge { .. }
            | Error::FileGrew { .. }
            | Error::FileChanged { .. }
            | Error::UnknownFileType { .. }
            | Error::WrongFileKind { .. }
            | Error::AuditLine { .. }
            | Error::NotARequest { .. }
            | Error::CounterJump { .. }
            | Error::NotConfirmed { .. }
            | Error::Key { .. }
            | Error::SignerNotInRole { .. }
            | Error::NoRandomness { .. }
            | Error::Nonce { .. }
            | Error::MessageFileLength { .. }
            | Error::NotAModelsealMessage { .. }
            | Error::DeviceRootMissing { .. }
            | Error::PreviousRootMissing { .. }
            | Error::PreviousRootVersion { .. }
            | Error::BareManifestEnvelope { .. }
            | Error::RoleWithoutKeys { .. }
            | Error::RoleKeyCount { .. }
            | Error::RoleThreshold { .. }
            | Error::RoleKeyTwice { .. }
            | Error::KeyGivenTwice { .. }
            | Error::RootVersionExhausted { .. }
            | Error::RebaseWithoutNewKeys { .. }
            | Error::RotationChangesNothing
            | Error::RootUpdateLength { .. }
            | Error::ArtifactsDirForWholeBundle { .. }
            | Error::ArtifactsDirMissing { .. }
            | Error::HardwareIdWithoutEcu { .. }
            | Error::IdentityRecordNotText
            | Error::IdentityRecordNotHex { .. }
            | Error::IdentityRecordTooLong { .. } => BadInput,
        }
    }
}

/// Result alias of the host library.
pub type Result<T> = std::result::Result<T, Error>;
