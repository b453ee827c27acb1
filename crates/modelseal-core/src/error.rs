//! The one error type of the verifier.
//!
//! Flat and `Copy`, so it crosses the C boundary as a number. Each variant
//! says when it happens. Every signature failure is the same variant, so the
//! verifier never tells a forger which part of a forgery was wrong.

/// Why the verifier refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not start with the magic of the container they were given as.
    #[error("not a modelseal container (bad magic)")]
    BadMagic,
    /// A header carries a format version this verifier does not implement.
    #[error("unsupported format version")]
    UnsupportedVersion,
    /// The input ends before a header, length or count says it should.
    #[error("input truncated")]
    Truncated,
    /// Bytes follow the end of a document, envelope, bundle or record.
    #[error("trailing bytes after the end of the input")]
    TrailingBytes,
    /// A document does not decode: bad varint, bad UTF-8, bad option or bool
    /// tag, a nonzero reserved field or nonzero padding.
    #[error("malformed document")]
    Malformed,
    /// A count or length is over one of the named limits in [`crate::limits`],
    /// or an offset computation would overflow.
    #[error("a count or length exceeds a verifier limit")]
    LimitExceeded,
    /// A document decodes but breaks a rule of the format: empty required
    /// field, characters outside the allowed set, unsorted or duplicate
    /// names, a kind that disagrees with its envelope, an unsafe artifact path.
    #[error("document breaks a rule of the format")]
    Invalid,
    /// An envelope holds a different document type than the place it was
    /// found in requires (a trust root where a manifest belongs, or back).
    #[error("wrong document type for this place")]
    WrongDocumentType,
    /// A trust root is structurally unusable: a required role missing, a
    /// threshold of 0 or above the role's key count, a key listed twice in a
    /// role, roles out of order.
    #[error("trust root is invalid")]
    RootInvalid,
    /// A root in the bundle's rotation chain is not exactly one version
    /// newer than the root before it.
    #[error("trust root version is not the next version")]
    RootVersionNotNext,
    /// A document is not signed by a threshold of distinct keys of the role
    /// that must sign it: forged, malformed or wrong-key signatures, or too
    /// few signers.
    #[error("signature verification failed")]
    SignatureRejected,
    /// The trust root in force has expired (checked only with a trusted clock).
    #[error("trust root has expired")]
    RootExpired,
    /// The manifest has expired (checked only with a trusted clock).
    #[error("manifest has expired")]
    ManifestExpired,
    /// The manifest carries a critical extension this verifier does not know.
    #[error("manifest requires an unsupported extension")]
    UnsupportedExtension,
    /// The bundle is of a kind (component or system configuration) other than
    /// the device policy expects.
    #[error("bundle kind does not match the policy")]
    WrongKind,
    /// The device's hardware id is not among the manifest's accepted ids.
    #[error("bundle is not for this hardware")]
    WrongHardware,
    /// The manifest restricts ECU serials and this ECU's serial is not listed
    /// (or the policy has none).
    #[error("bundle is not for this ECU serial")]
    WrongSerial,
    /// The manifest names a vehicle platform other than the device's (or the
    /// policy has none).
    #[error("bundle is not for this vehicle platform")]
    WrongPlatform,
    /// The manifest names a market other than the device's (or the policy has
    /// none).
    #[error("bundle is not for this market")]
    WrongMarket,
    /// The security counter is below the floor the device has stored.
    #[error("security counter below the stored floor (rollback)")]
    Rollback,
    /// A component's lifecycle stage is below the minimum the policy accepts.
    #[error("lifecycle stage below the policy minimum")]
    StageTooLow,
    /// A Production component lacks one of the eight lineage links.
    #[error("production component lacks a lineage link")]
    LineageIncomplete,
    /// The system configuration in force does not list this component
    /// manifest for this ECU (mix-and-match), or no single ECU entry of a
    /// system configuration matches this device.
    #[error("not listed by the system configuration for this ECU")]
    NotInConfiguration,
    /// An artifact index is not in the manifest.
    #[error("no such artifact")]
    NoSuchArtifact,
    /// More artifact bytes arrived than the manifest states.
    #[error("artifact longer than the manifest states")]
    ArtifactTooLong,
    /// An artifact ended before the length the manifest states.
    #[error("artifact shorter than the manifest states")]
    ArtifactTruncated,
    /// An artifact's SHA-256 differs from the manifest's.
    #[error("artifact digest mismatch")]
    ArtifactDigestMismatch,
    /// The identity was requested before every artifact verified.
    #[error("not every artifact has been verified")]
    ArtifactsIncomplete,
    /// A caller buffer is too small for what must be written or read into it.
    #[error("buffer too small")]
    BufferTooSmall,
    /// The caller's read callback reported failure.
    #[error("reading the bundle failed")]
    Read,
    /// The SHA-256 engine (for example a hardware accelerator) reported failure.
    #[error("hash engine failed")]
    HashEngine,
    /// A call came out of order (an artifact update without a begin, a
    /// session resumed over a different buffer).
    #[error("call out of order")]
    InvalidState,
    /// The identity record's check value does not match its contents.
    #[error("identity record check value mismatch")]
    IdentityCheck,
    /// Signed bytes read a second time (to decode them after their digest
    /// was checked, or to read a verified manifest again later) no longer
    /// hash to the digest that was authenticated: the caller's buffer, or
    /// memory another bus master writes, changed under the verifier.
    #[error("the signed bytes changed while they were being verified")]
    InputChanged,
    /// The caller's report signer (a secure element, an HSM, a software
    /// key) reported failure; no report was written.
    #[error("the report signer failed")]
    SignerFailed,
    /// A version report names a signature algorithm this verifier does not
    /// check (the core checks Ed25519 reports; ECDSA P-256 reports are
    /// checked on the host), or an unknown algorithm code.
    #[error("unsupported report signature algorithm")]
    UnsupportedAlgorithm,
    /// Verify on read: a data block does not hash to its entry in the
    /// fs-verity tree (the bytes are not the signed ones, or they were read
    /// from another offset than the one given).
    #[error("fs-verity: block does not match the signed digest")]
    VerityBlockMismatch,
    /// Verify on read: a hash block of the fs-verity tree does not hash to
    /// its parent's entry (the tree's storage is corrupt).
    #[error("fs-verity: the Merkle tree is corrupt")]
    VerityTreeCorrupt,
    /// Verify on read: the fs-verity tree does not lead to the artifact's
    /// signed digest (the tree of another file, or a damaged top block),
    /// or it is longer than the artifact's tree.
    #[error("fs-verity: the Merkle tree is not this artifact's")]
    VerityTreeForeign,
    /// Verify on read: the fs-verity tree is shorter than the artifact's
    /// size requires.
    #[error("fs-verity: the Merkle tree is truncated")]
    VerityTreeTruncated,
    /// Verify on read: the offset is at or past the end of the artifact,
    /// or the range runs past it.
    #[error("fs-verity: read past the end of the artifact")]
    VerityOutOfRange,
    /// Verify on read: the offset is not on a block boundary, or the range
    /// ends neither on one nor at the end of the artifact, or is empty.
    #[error("fs-verity: read not aligned to the tree's blocks")]
    VerityMisaligned,
    /// The manifest declares an artifact with an fs-verity digest and this
    /// verifier does not check fs-verity digests (it was not given the
    /// tree hasher: `Verifier::accept_verity`, or
    /// `modelseal_verifier_accept_verity` in C).
    #[error("fs-verity digests are not accepted by this verifier")]
    VerityNotAccepted,
}

/// Result alias used throughout the core.
pub type Result<T> = core::result::Result<T, Error>;
