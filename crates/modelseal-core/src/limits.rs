//! Every bound the format and the verifier enforce, in one place.
//!
//! Each constant names its unit. The verifier rejects anything over a bound
//! with [`crate::Error::LimitExceeded`]; the host uses the same constants to
//! refuse building such a bundle. Worst-case encoded sizes are computed here
//! from the per-field bounds, so the document limits are proven (at compile
//! time) to hold the largest legal document.
//!
//! Changing any value here changes which bundles a deployed ECU accepts:
//! raising a bound is a format version bump (see `docs/FORMAT.md`).

// Everything below is evaluated at compile time, where an overflow is a
// build error rather than a wrap.
#![allow(clippy::arithmetic_side_effects)]

use crate::doc;
use crate::rules::{Class, Record, field_max_len, varint_len};

/// Format version this verifier implements (bundle, envelope and identity
/// headers all carry it).
pub const FORMAT_VERSION: u16 = 1;

/// Length of a SHA-256 digest, in bytes.
pub const DIGEST_LEN: usize = 32;
/// Length of an Ed25519 public key, in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of an Ed25519 signature, in bytes.
pub const SIGNATURE_LEN: usize = 64;
/// Length of a key id (the first bytes of SHA-256 of the public key), in bytes.
pub const KEY_ID_LEN: usize = 8;

/// Longest identifier (family, version, dataset and suite ids, hardware id,
/// ECU name, market, ...), in bytes. Identifiers are printable ASCII.
pub const MAX_ID_LEN: usize = 64;
/// Longest artifact name (a relative path), in bytes of UTF-8.
pub const MAX_NAME_LEN: usize = 128;
/// Longest free-text value (author, training environment, metadata value,
/// licence expression), in bytes of UTF-8.
pub const MAX_TEXT_LEN: usize = 128;

/// Most roles a trust root may define (three are required; the rest are
/// ignored by this verifier, which lets later formats add roles).
pub const MAX_ROLES: usize = 8;
/// Most public keys in one role.
pub const MAX_ROLE_KEYS: usize = 8;
/// Most signature entries on one envelope (a rotation carries signatures of
/// the old and the new root role: twice [`MAX_ROLE_KEYS`]).
pub const MAX_SIGNATURES: usize = 2 * MAX_ROLE_KEYS;
/// Most newer trust roots one bundle may carry (rotations applied in one
/// update).
pub const MAX_ROOT_CHAIN: usize = 8;

/// Most artifacts in one bundle. A model directory with its tokenizer,
/// label and calibration files can hold a thousand small files.
pub const MAX_ARTIFACTS: usize = 2048;
/// Most model components in one component bundle.
pub const MAX_COMPONENTS: usize = 8;
/// Most accepted hardware ids in a target binding.
pub const MAX_HARDWARE_IDS: usize = 16;
/// Most ECU serials in a target binding.
pub const MAX_SERIALS: usize = 64;
/// Most ECU entries in a system configuration.
pub const MAX_ECUS: usize = 32;
/// Most model entries one ECU runs in a system configuration.
pub const MAX_ECU_MODELS: usize = 16;
/// Most middleware entries (ROS, DDS, OS, compiler, ...) in a system
/// configuration.
pub const MAX_MIDDLEWARE: usize = 16;
/// Most parameter sets in a system configuration.
pub const MAX_PARAMETER_SETS: usize = 16;
/// Most tickets on one component.
pub const MAX_TICKETS: usize = 8;
/// Most free key/value metadata entries on one component.
pub const MAX_METADATA: usize = 16;
/// Most extensions on one manifest.
pub const MAX_EXTENSIONS: usize = 8;
/// Longest extension payload, in bytes.
pub const MAX_EXTENSION_LEN: usize = 256;

/// Alignment of every artifact payload in a bundle file, in bytes: one
/// memory page and the common flash sector, so a payload can be mapped or
/// erased in place.
pub const PAYLOAD_ALIGN: u64 = 4096;

/// Length of the bundle container header, in bytes.
pub const BUNDLE_HEADER_LEN: usize = 16;
/// Length of an envelope header, in bytes.
pub const ENVELOPE_HEADER_LEN: usize = 16;
/// Length of one signature entry (public key, then signature), in bytes.
pub const SIGNATURE_ENTRY_LEN: usize = PUBLIC_KEY_LEN + SIGNATURE_LEN;
/// Length of the signed message (domain tag, then document digest), in bytes.
pub const SIGNED_MESSAGE_LEN: usize = DOMAIN_TAG_LEN + DIGEST_LEN;
/// Length of a domain-separation tag, in bytes.
pub const DOMAIN_TAG_LEN: usize = 32;

/// Fewest bytes of work buffer the whole-bundle verifier needs beyond the
/// bundle head, used to read artifact payloads in chunks.
pub const MIN_READ_CHUNK: usize = 64;

// ---- Worst-case encoded sizes (postcard), derived from the bounds above ----

/// A varint-encoded u64 at its largest, in bytes.
const U64_MAX_LEN: usize = 10;
/// A varint-encoded u32 at its largest, in bytes.
const U32_MAX_LEN: usize = 5;
/// A sequence of at most `n` items of at most `item` bytes each.
const fn seq_max(n: usize, item: usize) -> usize {
    varint_len(n) + n * item
}
// Every record's largest encoding comes from its declaration in
// `crate::doc` (each field's class, beside its type): a new field changes
// these sizes by itself.
const ID: usize = Class::Id { required: true }.max_len();
const TEXT: usize = Class::Text { required: true }.max_len();
const NAME: usize = Class::Name.max_len();
const MANIFEST_HEAD_MAX: usize = doc::ManifestHead::MAX_LEN;
const COMPONENT_HEAD_MAX: usize = doc::ComponentHead::MAX_LEN;
const ARTIFACT_MAX: usize = doc::Artifact::MAX_LEN;
const EXTENSION_MAX: usize = doc::Extension::MAX_LEN;

// Evaluated only at compile time, where an index out of range is a build error.
#[allow(clippy::indexing_slicing)]
const fn max_of(items: &[usize]) -> usize {
    let mut m = 0;
    let mut i = 0;
    while i < items.len() {
        if items[i] > m {
            m = items[i];
        }
        i += 1;
    }
    m
}

/// Largest single item the verifier decodes in one piece (a record without
/// its sequences, a string, a number), in bytes: what its copy window must
/// hold at once.
pub const MAX_ITEM_LEN: usize = max_of(&[
    MANIFEST_HEAD_MAX,
    COMPONENT_HEAD_MAX,
    doc::MetadataEntry::MAX_LEN,
    doc::SystemConfigHead::MAX_LEN,
    doc::EcuHead::MAX_LEN,
    doc::ModelRef::MAX_LEN,
    doc::Middleware::MAX_LEN,
    doc::ParameterSet::MAX_LEN,
    ARTIFACT_MAX,
    EXTENSION_MAX,
    NAME,
    TEXT,
    U64_MAX_LEN,
]);

/// Largest legal component manifest (every count and length at its bound):
/// a manifest at its largest without a system configuration (tag only).
pub const COMPONENT_MANIFEST_WORST: usize =
    doc::ManifestDoc::MAX_LEN - field_max_len(doc::ManifestDoc::FIELDS, "system_config") + 1;
/// Largest legal system-configuration manifest: a manifest at its largest
/// without components (an empty sequence).
pub const SYSTEM_CONFIG_MANIFEST_WORST: usize = doc::ManifestDoc::MAX_LEN
    - field_max_len(doc::ManifestDoc::FIELDS, "components")
    + varint_len(0);

const fn max(a: usize, b: usize) -> usize {
    if a > b { a } else { b }
}
const fn round_up(n: usize, to: usize) -> usize {
    n.div_ceil(to) * to
}

/// Largest manifest document, in bytes: the largest legal manifest of either
/// kind, rounded up to a whole KiB (1,227,776 bytes = 1199 KiB).
pub const MAX_MANIFEST_LEN: usize = round_up(
    max(COMPONENT_MANIFEST_WORST, SYSTEM_CONFIG_MANIFEST_WORST),
    1024,
);

/// Largest legal trust-root document.
pub const ROOT_WORST: usize = doc::RootDoc::MAX_LEN;
/// Largest trust-root document, in bytes: the largest legal root rounded up
/// to 64 bytes (2240 bytes).
pub const MAX_ROOT_LEN: usize = round_up(ROOT_WORST, 64);

/// Largest event document (a registry stage event or evaluation result), in
/// bytes: 1 KiB, which the worst case of either record fits
/// (`crate::event::EVENT_WORST`, asserted beside the records). The ECU never
/// parses one.
pub const MAX_EVENT_LEN: usize = 1024;

/// Largest root envelope (header, root document, signatures), in bytes.
pub const MAX_ROOT_ENVELOPE_LEN: usize =
    ENVELOPE_HEADER_LEN + MAX_ROOT_LEN + MAX_SIGNATURES * SIGNATURE_ENTRY_LEN;
/// Largest manifest envelope, in bytes.
pub const MAX_MANIFEST_ENVELOPE_LEN: usize =
    ENVELOPE_HEADER_LEN + MAX_MANIFEST_LEN + MAX_SIGNATURES * SIGNATURE_ENTRY_LEN;
/// Largest bundle head (container header, root chain, manifest envelope), in
/// bytes: the most memory the per-chunk and whole-bundle verifiers need for
/// the signed part of a bundle. A firmware sizes its work buffer for the
/// bundles it ships, up to this.
pub const MAX_HEAD_LEN: usize =
    BUNDLE_HEADER_LEN + MAX_ROOT_CHAIN * MAX_ROOT_ENVELOPE_LEN + MAX_MANIFEST_ENVELOPE_LEN;

const IDENTITY_BODY_MAX: usize = DIGEST_LEN
    + 1
    + U64_MAX_LEN
    + ID
    + U32_MAX_LEN
    + 1
    + (2 * ID + DIGEST_LEN)
    + seq_max(MAX_COMPONENTS, 2 * ID + 1)
    + seq_max(MAX_SIGNATURES, KEY_ID_LEN);
/// Length of the identity record header (magic, version, reserved, body length), in bytes.
pub const IDENTITY_HEADER_LEN: usize = 8;
/// Length of the identity record check value, in bytes.
pub const IDENTITY_CHECK_LEN: usize = 8;
/// Largest identity record, in bytes: the buffer a HiL rig or a diagnostic
/// read needs.
pub const MAX_IDENTITY_LEN: usize = 1536;
/// Largest legal identity record (every field at its bound).
pub const IDENTITY_WORST: usize = IDENTITY_HEADER_LEN + IDENTITY_BODY_MAX + IDENTITY_CHECK_LEN;

/// Fewest bytes of a version-report nonce: 128 bits, so that a nonce the
/// asker draws at random never repeats in practice.
pub const MIN_NONCE_LEN: usize = 16;
/// Most bytes of a version-report nonce.
pub const MAX_NONCE_LEN: usize = 32;
/// Length of the version-report header (magic, version, algorithm,
/// reserved, body length), in bytes.
pub const REPORT_HEADER_LEN: usize = 10;
/// Length of a version-report signature, in bytes: Ed25519 `R || S`, or
/// ECDSA P-256 `r || s` (each 32 bytes, big-endian).
pub const REPORT_SIGNATURE_LEN: usize = 64;
/// Largest legal version report (every field at its bound), from the
/// declaration of its records in [`crate::report`].
pub const REPORT_WORST: usize =
    REPORT_HEADER_LEN + crate::report::ReportDoc::MAX_LEN + REPORT_SIGNATURE_LEN;
/// Largest version report, in bytes: the largest legal report rounded up
/// to 64 bytes (1856 bytes). The buffer a HiL rig, a gateway or the
/// encoder's caller needs.
pub const MAX_REPORT_LEN: usize = round_up(REPORT_WORST, 64);

// Compile-time proofs that the document limits hold the largest legal
// documents, and that lengths fit the header fields that carry them.
const _: () = assert!(COMPONENT_MANIFEST_WORST <= MAX_MANIFEST_LEN);
const _: () = assert!(SYSTEM_CONFIG_MANIFEST_WORST <= MAX_MANIFEST_LEN);
const _: () = assert!(ROOT_WORST <= MAX_ROOT_LEN);
const _: () = assert!(IDENTITY_WORST <= MAX_IDENTITY_LEN);
const _: () = assert!(MAX_MANIFEST_LEN == 1_227_776);
const _: () = assert!(MAX_ROOT_LEN == 2240);
const _: () = assert!(MAX_IDENTITY_LEN <= u16::MAX as usize);
const _: () = assert!(REPORT_WORST <= MAX_REPORT_LEN);
const _: () = assert!(MAX_REPORT_LEN <= u16::MAX as usize);
const _: () = assert!(MIN_NONCE_LEN <= MAX_NONCE_LEN);
const _: () = assert!(MAX_HEAD_LEN <= u32::MAX as usize);
const _: () = assert!(MAX_SIGNATURES <= u8::MAX as usize);
const _: () = assert!(MAX_ROOT_CHAIN <= u8::MAX as usize);
const _: () = assert!(MAX_ARTIFACTS.is_multiple_of(64));
const _: () = assert!(PAYLOAD_ALIGN.is_power_of_two());
