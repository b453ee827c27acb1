//! Status codes: the one way every fallible C function answers.
//!
//! The numbers are part of the ABI and are never renumbered or reused: a
//! retired status keeps its number, reserved, forever. 1 to 63 mirror the
//! core's error variants; 64 to 126 are the C boundary's own answers (bad
//! arguments); 127 stands for a core error this library version has no
//! number for. Every number is below 128 so a program can use it as its
//! exit code.
//!
//! Declared once: the enum carries each status's number and doc line (the
//! header's), and one table (`status_table!`) carries its message and the
//! core errors reported as it; the messages, the mapping from the core's
//! errors and the list of every status are generated from that table.

use core::ffi::{CStr, c_char};
use modelseal_core::Error;

/// Result of a modelseal call. `MODELSEAL_STATUS_OK` (0) is success; every
/// other value is a refusal or an error, and the call wrote no output.
///
/// Numbers are stable: never renumbered, never reused.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum modelseal_status {
    /// Success.
    Ok = 0,
    /// The bytes do not start with the magic of the container they were given as.
    BadMagic = 1,
    /// A header carries a format version this library does not implement.
    UnsupportedVersion = 2,
    /// The input ends before a header, length or count says it should.
    Truncated = 3,
    /// Bytes follow the end of a document, envelope, bundle or record.
    TrailingBytes = 4,
    /// A document does not decode (bad varint, UTF-8, tag, nonzero reserved
    /// field or padding).
    Malformed = 5,
    /// A count or length is over one of the verifier's limits.
    LimitExceeded = 6,
    /// A document (or a policy field) breaks a rule of the format: empty
    /// required field, characters outside the allowed set, unsorted names.
    Invalid = 7,
    /// An envelope holds a different document type than its place requires.
    WrongDocumentType = 8,
    /// A trust root is structurally unusable.
    RootInvalid = 9,
    /// A root in the rotation chain is not exactly one version newer.
    RootVersionNotNext = 10,
    /// Not signed by a threshold of distinct keys of the required role.
    SignatureRejected = 11,
    /// The trust root in force has expired (only with a trusted clock).
    RootExpired = 12,
    /// The manifest has expired (only with a trusted clock).
    ManifestExpired = 13,
    /// The manifest requires an extension this library does not know.
    UnsupportedExtension = 14,
    /// The bundle kind is not the one the policy expects.
    WrongKind = 15,
    /// The bundle is not for this hardware id.
    WrongHardware = 16,
    /// The bundle is not for this ECU serial.
    WrongSerial = 17,
    /// The bundle is not for this vehicle platform.
    WrongPlatform = 18,
    /// The bundle is not for this market.
    WrongMarket = 19,
    /// The security counter is below the stored floor (rollback).
    Rollback = 20,
    /// A component's lifecycle stage is below the policy minimum.
    StageTooLow = 21,
    /// A Production component lacks a lineage link.
    LineageIncomplete = 22,
    /// The system configuration in force does not list this bundle for this
    /// ECU, or no single ECU entry of a configuration matches this device.
    NotInConfiguration = 23,
    /// An artifact index is not in the manifest.
    NoSuchArtifact = 24,
    /// More artifact bytes arrived than the manifest states.
    ArtifactTooLong = 25,
    /// An artifact ended before the length the manifest states.
    ArtifactTruncated = 26,
    /// An artifact's SHA-256 differs from the manifest's.
    ArtifactDigestMismatch = 27,
    /// The session was finished before every artifact verified.
    ArtifactsIncomplete = 28,
    /// A caller buffer is too small for what must be written or read into it.
    BufferTooSmall = 29,
    /// The caller's read callback reported failure.
    Read = 30,
    /// The SHA-256 engine (e.g. a hardware accelerator) reported failure.
    HashEngine = 31,
    /// A call came out of order (an update without a begin, an accessor
    /// before a verification finished, an uninitialised context).
    InvalidState = 32,
    /// An identity record's check value does not match its contents.
    IdentityCheck = 33,
    /// Signed bytes read again (to decode them after their signature was
    /// checked, or by a later call) no longer hash to the authenticated
    /// digest: the head buffer, or memory another bus master writes,
    /// changed under the verifier. Nothing was accepted or written.
    InputChanged = 34,
    /// The caller's report signer returned failure; no report was written.
    SignerFailed = 35,
    /// A report signer names an algorithm this library does not know.
    UnsupportedAlgorithm = 36,
    /// Verify on read: the bytes are not the signed ones at that offset
    /// (they do not hash to their entry in the fs-verity tree).
    VerityBlockMismatch = 37,
    /// Verify on read: a block of the fs-verity tree does not match its
    /// parent (the tree's storage is corrupt).
    VerityTreeCorrupt = 38,
    /// Verify on read: the fs-verity tree does not lead to the artifact's
    /// signed digest (another file's tree, a damaged top block, or too long).
    VerityTreeForeign = 39,
    /// Verify on read: the fs-verity tree is shorter than the artifact needs.
    VerityTreeTruncated = 40,
    /// Verify on read: the offset is at or past the end of the artifact, or
    /// the range runs past it.
    VerityOutOfRange = 41,
    /// Verify on read: the offset is not on a block boundary, or the range
    /// is empty or ends neither on one nor at the end of the artifact.
    VerityMisaligned = 42,
    /// The bundle declares an artifact with an fs-verity digest and the
    /// context was not told to accept them (`modelseal_verifier_accept_verity`).
    VerityNotAccepted = 43,
    /// A required pointer argument is NULL (or a NULL buffer with a nonzero
    /// length).
    NullArgument = 64,
    /// An argument is out of its range: an unknown kind, stage or expiry
    /// code, a length beyond what memory can hold, an unterminated string.
    InvalidArgument = 65,
    /// The context pointer is not aligned to `MODELSEAL_VERIFIER_ALIGN`.
    MisalignedContext = 66,
    /// A component or signer index is not below the count.
    IndexOutOfRange = 67,
    /// The core reported an error this library version has no number for.
    UnknownError = 127,
}

/// A result inside the boundary: every error is already a C status.
pub(crate) type Status<T> = core::result::Result<T, modelseal_status>;

/// Generates, from the one table below, everything about a status but its
/// number and doc line: its message, the core errors reported as it
/// (`From<Error>`), and the list of every status (`ALL`).
///
/// Why the enum itself is not generated too: cbindgen reads the source as
/// written and expands no macro but `bitflags!`, so an enum made by a macro
/// would vanish from the header. The enum above is therefore written out
/// once, for the header, and the table is held to it at compile time:
/// `message` is an exhaustive `match` built from the rows, so a status
/// without a row, or a row naming no status, fails the build (a duplicate
/// row is an unreachable pattern, which clippy denies); `ALL` is checked
/// below to be in strictly ascending number order and below 128.
macro_rules! status_table {
    ($( $status:ident => $message:literal $(, from $($error:ident)|+ )? ; )*) => {
        impl modelseal_status {
            /// The static, NUL-terminated message of this status. Also the
            /// exhaustive `match` that holds the table to the enum (only
            /// the tests call it; `modelseal_status_str` reads the packed
            /// copy below).
            #[cfg_attr(not(test), allow(dead_code))]
            pub(crate) fn message(self) -> &'static CStr {
                match self {
                    $( Self::$status => $message, )*
                }
            }

            /// Every status, in number order.
            pub(crate) const ALL: [Self; [$(Self::$status),*].len()] = [$(Self::$status),*];

            /// Every message, in the order of `ALL`, then the message of a
            /// number that is no status.
            const MESSAGES: [&'static CStr; Self::ALL.len() + 1] =
                [$($message,)* UNKNOWN_STATUS];
        }

        impl From<Error> for modelseal_status {
            fn from(e: Error) -> Self {
                match e {
                    $($( $(Error::$error => Self::$status,)+ )?)*
                    // The core's error enum is non-exhaustive: a variant
                    // added after this table was written gets a number of
                    // its own in the next release; until then it is
                    // reported, never hidden.
                    _ => Self::UnknownError,
                }
            }
        }

        /// Every core error with a number of its own, and that number.
        #[cfg(test)]
        pub(crate) const CORE_ERRORS: &[(Error, modelseal_status)] =
            &[$($( $((Error::$error, modelseal_status::$status),)+ )?)*];
    };
}

// The status table: each status, its message (the core's own words where
// it mirrors a core error, except where the C status covers more), and the
// core errors it reports. Numbers and doc lines are on the enum above.
status_table! {
    Ok => c"ok";
    BadMagic => c"not a modelseal container (bad magic)", from BadMagic;
    UnsupportedVersion => c"unsupported format version", from UnsupportedVersion;
    Truncated => c"input truncated", from Truncated;
    TrailingBytes => c"trailing bytes after the end of the input", from TrailingBytes;
    Malformed => c"malformed document", from Malformed;
    LimitExceeded => c"a count or length exceeds a verifier limit", from LimitExceeded;
    Invalid => c"document or policy field breaks a rule of the format", from Invalid;
    WrongDocumentType => c"wrong document type for this place", from WrongDocumentType;
    RootInvalid => c"trust root is invalid", from RootInvalid;
    RootVersionNotNext => c"trust root version is not the next version", from RootVersionNotNext;
    SignatureRejected => c"signature verification failed", from SignatureRejected;
    RootExpired => c"trust root has expired", from RootExpired;
    ManifestExpired => c"manifest has expired", from ManifestExpired;
    UnsupportedExtension =>
        c"manifest requires an unsupported extension", from UnsupportedExtension;
    WrongKind => c"bundle kind does not match the policy", from WrongKind;
    WrongHardware => c"bundle is not for this hardware", from WrongHardware;
    WrongSerial => c"bundle is not for this ECU serial", from WrongSerial;
    WrongPlatform => c"bundle is not for this vehicle platform", from WrongPlatform;
    WrongMarket => c"bundle is not for this market", from WrongMarket;
    Rollback => c"security counter below the stored floor (rollback)", from Rollback;
    StageTooLow => c"lifecycle stage below the policy minimum", from StageTooLow;
    LineageIncomplete => c"production component lacks a lineage link", from LineageIncomplete;
    NotInConfiguration =>
        c"not listed by the system configuration for this ECU", from NotInConfiguration;
    NoSuchArtifact => c"no such artifact", from NoSuchArtifact;
    ArtifactTooLong => c"artifact longer than the manifest states", from ArtifactTooLong;
    ArtifactTruncated => c"artifact shorter than the manifest states", from ArtifactTruncated;
    ArtifactDigestMismatch => c"artifact digest mismatch", from ArtifactDigestMismatch;
    ArtifactsIncomplete => c"not every artifact has been verified", from ArtifactsIncomplete;
    BufferTooSmall => c"buffer too small", from BufferTooSmall;
    Read => c"reading the bundle failed", from Read;
    HashEngine => c"hash engine failed", from HashEngine;
    InvalidState => c"call out of order", from InvalidState;
    IdentityCheck => c"identity record check value mismatch", from IdentityCheck;
    InputChanged => c"the signed bytes changed while they were being verified", from InputChanged;
    SignerFailed => c"the report signer failed", from SignerFailed;
    UnsupportedAlgorithm =>
        c"unsupported report signature algorithm", from UnsupportedAlgorithm;
    VerityBlockMismatch =>
        c"fs-verity: block does not match the signed digest", from VerityBlockMismatch;
    VerityTreeCorrupt => c"fs-verity: the Merkle tree is corrupt", from VerityTreeCorrupt;
    VerityTreeForeign =>
        c"fs-verity: the Merkle tree is not this artifact's", from VerityTreeForeign;
    VerityTreeTruncated => c"fs-verity: the Merkle tree is truncated", from VerityTreeTruncated;
    VerityOutOfRange => c"fs-verity: read past the end of the artifact", from VerityOutOfRange;
    VerityMisaligned =>
        c"fs-verity: read not aligned to the tree's blocks", from VerityMisaligned;
    VerityNotAccepted =>
        c"fs-verity digests are not accepted by this verifier", from VerityNotAccepted;
    NullArgument => c"required pointer argument is NULL";
    InvalidArgument => c"argument out of range";
    MisalignedContext => c"context is not suitably aligned";
    IndexOutOfRange => c"index out of range";
    UnknownError => c"unknown error";
}

impl modelseal_status {
    /// The status with number `n`, if `n` is one.
    #[cfg(test)]
    pub(crate) fn from_number(n: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| *s as u32 == n)
    }
}

/// Whether `all` is in strictly ascending number order with every number
/// below 128 (so that a status can be a program's exit code).
const fn ascending_below_128(all: &[modelseal_status]) -> bool {
    match all.split_first() {
        None => true,
        Some((a, rest)) => match rest.first() {
            Some(b) => (*a as u32) < (*b as u32) && ascending_below_128(rest),
            None => (*a as u32) < 128,
        },
    }
}
const _: () = assert!(ascending_below_128(&modelseal_status::ALL));

/// The message for a status number that is not a status.
pub(crate) const UNKNOWN_STATUS: &CStr = c"unknown status";

/// The C string of `s`.
pub(crate) fn message_ptr(s: &'static CStr) -> *const c_char {
    s.as_ptr()
}

// What `modelseal_status_str` hands out: every message, NUL-terminated, one
// after the other in one static array, and where each starts. On a Cortex-M
// this is about half the flash of a pointer per status behind a 40-way
// `match`, for the same strings.
const MESSAGE_TEXT_LEN: usize = text_len(&modelseal_status::MESSAGES);
static MESSAGE_TEXT: [u8; MESSAGE_TEXT_LEN] = concat(&modelseal_status::MESSAGES);
static MESSAGE_AT: [u16; modelseal_status::ALL.len() + 1] = offsets(&modelseal_status::MESSAGES);

// Evaluated at compile time only, where an index out of range or an
// overflow is a build error.
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn text_len(messages: &[&CStr]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < messages.len() {
        n += messages[i].to_bytes_with_nul().len();
        i += 1;
    }
    n
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn concat<const N: usize>(messages: &[&CStr]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut at = 0;
    let mut i = 0;
    while i < messages.len() {
        let m = messages[i].to_bytes_with_nul();
        let mut j = 0;
        while j < m.len() {
            out[at] = m[j];
            at += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn offsets<const M: usize>(messages: &[&CStr]) -> [u16; M] {
    let mut out = [0u16; M];
    let mut at = 0;
    let mut i = 0;
    while i < M {
        assert!(at <= u16::MAX as usize);
        out[i] = at as u16;
        at += messages[i].to_bytes_with_nul().len();
        i += 1;
    }
    out
}

/// The message of status number `number` ("unknown status" for a number
/// that is none), as a static C string.
pub(crate) fn status_message_ptr(number: u32) -> *const c_char {
    let i = modelseal_status::ALL
        .iter()
        .position(|s| *s as u32 == number)
        .unwrap_or(modelseal_status::ALL.len());
    MESSAGE_AT
        .get(i)
        .and_then(|&at| MESSAGE_TEXT.get(usize::from(at)..))
        .map_or(UNKNOWN_STATUS.as_ptr(), |t| t.as_ptr().cast())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_ascending_unique_and_below_128() {
        for pair in modelseal_status::ALL.windows(2) {
            if let [a, b] = pair {
                assert!((*a as u32) < (*b as u32), "{a:?} {b:?}");
            }
        }
        for s in modelseal_status::ALL {
            assert!((s as u32) < 128);
            assert!(!s.message().to_bytes().is_empty());
            assert_eq!(modelseal_status::from_number(s as u32), Some(s));
        }
    }

    #[test]
    fn every_known_core_error_has_its_own_number() {
        let mut seen = std::vec::Vec::new();
        for (i, (e, row)) in CORE_ERRORS.iter().enumerate() {
            let s = modelseal_status::from(*e);
            assert_eq!(s, *row, "{e:?}");
            assert_ne!(s, modelseal_status::UnknownError, "{e:?}");
            // Core variants keep their declaration order, numbered from 1.
            assert_eq!(s as usize, i + 1, "{e:?}");
            // The core's own words, except where the C status covers more.
            if s != modelseal_status::Invalid {
                assert_eq!(
                    s.message().to_str().ok(),
                    Some(std::format!("{e}").as_str())
                );
            }
            assert!(!seen.contains(&s));
            seen.push(s);
        }
        // 1 to 63 are the core's: each status there reports a core error.
        for s in modelseal_status::ALL {
            if (1..64).contains(&(s as u32)) {
                assert!(seen.contains(&s), "{s:?} mirrors no core error");
            }
        }
    }
}
