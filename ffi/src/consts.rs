//! Numbers the C header publishes as macros.
//!
//! cbindgen copies only literal values into the header, so each bound that
//! mirrors the core is written out here and proven equal to the core's
//! constant at compile time: a change in the core that would silently change
//! the C ABI fails the build instead. The version macros are checked against
//! `Cargo.toml` by `ffi/tests/header.rs`.

use modelseal_core::ArtifactKind;
use modelseal_core::limits;

/// Major version of this library (semantic versioning).
pub const MODELSEAL_VERSION_MAJOR: u32 = 0;
/// Minor version of this library.
pub const MODELSEAL_VERSION_MINOR: u32 = 1;
/// Patch version of this library.
pub const MODELSEAL_VERSION_PATCH: u32 = 0;
/// What `modelseal_version` returns. (The header's
/// `MODELSEAL_VERSION_STRING` is built from the three numbers above; cbindgen
/// does not export string constants.)
pub(crate) const VERSION_CSTR: &core::ffi::CStr = c"0.1.0";

/// Size of a `modelseal_verifier` context, in bytes. A fixed
/// budget with headroom over what the verifier needs today, so the core's
/// state may grow a little without changing the C ABI.
pub const MODELSEAL_VERIFIER_SIZE: usize = 4096;
/// Alignment of a `modelseal_verifier` context, in bytes.
pub const MODELSEAL_VERIFIER_ALIGN: usize = 8;
/// `MODELSEAL_VERIFIER_SIZE` in 64-bit words (the context's storage).
pub const MODELSEAL_VERIFIER_WORDS: usize = 512;

/// Size of a `modelseal_verity` context (verify on read), in bytes.
pub const MODELSEAL_VERITY_SIZE: usize = 512;
/// Alignment of a `modelseal_verity` context, in bytes.
pub const MODELSEAL_VERITY_ALIGN: usize = 8;
/// `MODELSEAL_VERITY_SIZE` in 64-bit words (the context's storage).
pub const MODELSEAL_VERITY_WORDS: usize = 64;
/// Longest fs-verity salt, in bytes.
pub const MODELSEAL_VERITY_MAX_SALT_LEN: usize = 32;
/// Bytes of verify-on-read cache one tree block takes:
/// `MODELSEAL_VERITY_CACHE_SLOT_LEN(block_size)` = block size + 8 (a tag).
pub const MODELSEAL_VERITY_CACHE_TAG_LEN: usize = 8;

/// Length of a SHA-256 digest, in bytes.
pub const MODELSEAL_DIGEST_LEN: usize = 32;
/// Length of a key id (first bytes of SHA-256 of a public key), in bytes.
pub const MODELSEAL_KEY_ID_LEN: usize = 8;
/// Longest identifier (hardware id, family, version, ...), in bytes,
/// without a terminating NUL.
pub const MODELSEAL_MAX_ID_LEN: usize = 64;
/// Size of a buffer that holds any identifier and its terminating NUL.
pub const MODELSEAL_ID_BUF_LEN: usize = 65;
/// Longest artifact name, in bytes of UTF-8, without a terminating NUL.
pub const MODELSEAL_MAX_NAME_LEN: usize = 128;
/// Size of a buffer that holds any artifact name and its terminating NUL.
pub const MODELSEAL_NAME_BUF_LEN: usize = 129;
/// Most model components in one bundle.
pub const MODELSEAL_MAX_COMPONENTS: usize = 8;
/// Most keys whose signatures count for one bundle.
pub const MODELSEAL_MAX_SIGNERS: usize = 16;
/// Most component manifests a system configuration lists for one ECU.
pub const MODELSEAL_MAX_ECU_MODELS: usize = 16;
/// Most artifacts in one bundle.
pub const MODELSEAL_MAX_ARTIFACTS: usize = 2048;
/// Length of the bundle container header, in bytes: read this much to learn
/// the head length (see `modelseal_bundle_get_head_len`).
pub const MODELSEAL_BUNDLE_HEADER_LEN: usize = 16;
/// Largest bundle head (header, root chain, manifest envelope), in bytes.
pub const MODELSEAL_MAX_HEAD_LEN: usize = 1_259_680;
/// Fewest bytes of work buffer `modelseal_verifier_verify_bundle` needs
/// beyond the head (see `MODELSEAL_WORK_BUF_LEN`).
pub const MODELSEAL_MIN_READ_CHUNK: usize = 64;
/// A `modelseal_verifier_verify_bundle` work buffer that fits every
/// conforming bundle, in bytes: `MODELSEAL_WORK_BUF_LEN(MODELSEAL_MAX_HEAD_LEN)`.
/// A device that knows the heads it ships needs far less.
pub const MODELSEAL_MAX_WORK_BUF_LEN: usize = 1_259_744;
/// Largest trust-root envelope, in bytes: the buffer that always holds a new
/// root after a rotation.
pub const MODELSEAL_MAX_ROOT_ENVELOPE_LEN: usize = 3792;
/// Largest identity record, in bytes: the buffer that always holds one.
pub const MODELSEAL_MAX_IDENTITY_LEN: usize = 1536;

/// Largest version report, in bytes: the buffer that always holds one.
pub const MODELSEAL_MAX_REPORT_LEN: usize = 1856;
/// Fewest bytes of a version-report nonce.
pub const MODELSEAL_MIN_NONCE_LEN: usize = 16;
/// Most bytes of a version-report nonce.
pub const MODELSEAL_MAX_NONCE_LEN: usize = 32;
/// Length of the message a report signer signs, in bytes.
pub const MODELSEAL_REPORT_MESSAGE_LEN: usize = 64;
/// Length of the signature a report signer writes, in bytes.
pub const MODELSEAL_REPORT_SIGNATURE_LEN: usize = 64;
/// Report signature algorithm: Ed25519 (RFC 8032, pure, over the message).
pub const MODELSEAL_REPORT_ALG_ED25519: u8 = 1;
/// Report signature algorithm: ECDSA P-256 with SHA-256 of the message; the
/// signature is `r || s`, 32 bytes each, big-endian (not DER).
pub const MODELSEAL_REPORT_ALG_ECDSA_P256: u8 = 2;

/// Bundle kind: model components of one ECU.
pub const MODELSEAL_KIND_COMPONENT: u8 = 2;
/// Bundle kind: a system configuration.
pub const MODELSEAL_KIND_SYSTEM_CONFIG: u8 = 3;

/// Lifecycle stage: under development.
pub const MODELSEAL_STAGE_DEVELOPMENT: u8 = 10;
/// Lifecycle stage: staging (release candidate, in validation).
pub const MODELSEAL_STAGE_STAGING: u8 = 20;
/// Lifecycle stage: production (every lineage link present).
pub const MODELSEAL_STAGE_PRODUCTION: u8 = 30;

/// Artifact kind: trained parameters (network weights).
pub const MODELSEAL_ARTIFACT_KIND_WEIGHTS: u8 = 1;
/// Artifact kind: an ONNX inference graph.
pub const MODELSEAL_ARTIFACT_KIND_ONNX: u8 = 2;
/// Artifact kind: a compiled TensorRT engine.
pub const MODELSEAL_ARTIFACT_KIND_TENSORRT_ENGINE: u8 = 3;
/// Artifact kind: per-ECU or per-vehicle calibration data.
pub const MODELSEAL_ARTIFACT_KIND_CALIBRATION: u8 = 4;
/// Artifact kind: pre- or post-processing code.
pub const MODELSEAL_ARTIFACT_KIND_PROCESSING_CODE: u8 = 5;
/// Artifact kind: configuration.
pub const MODELSEAL_ARTIFACT_KIND_CONFIG: u8 = 6;
/// Artifact kind: map data (HD-map tiles, scene-priority tables).
pub const MODELSEAL_ARTIFACT_KIND_MAP_DATA: u8 = 7;
/// Artifact kind: a software bill of materials in CycloneDX.
pub const MODELSEAL_ARTIFACT_KIND_SBOM_CYCLONEDX: u8 = 8;
/// Artifact kind: a software bill of materials in SPDX.
pub const MODELSEAL_ARTIFACT_KIND_SBOM_SPDX: u8 = 9;
/// Artifact kind: the fs-verity Merkle tree of the artifact named like
/// this one without its `.merkle` suffix (root level first), for
/// `modelseal_verity_open`.
pub const MODELSEAL_ARTIFACT_KIND_FSVERITY_TREE: u8 = 10;
/// Artifact kind: anything else. A code without a constant of its own
/// (other than the reserved 0) also means "other": the verifier treats
/// every kind alike, the kind tells firmware what to do with the bytes.
pub const MODELSEAL_ARTIFACT_KIND_OTHER: u8 = 255;

/// Expiry enforcement: the device has no trusted clock; expiry dates of roots
/// and manifests are NOT checked, and only the security counter stops the
/// replay of an expired bundle. Must be chosen explicitly.
pub const MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK: u8 = 1;
/// Expiry enforcement: `trusted_time` is a trusted clock reading (seconds
/// since the Unix epoch); anything expiring at or before it is refused.
pub const MODELSEAL_EXPIRY_CHECKED_AT: u8 = 2;

// The header's numbers are the core's numbers.
const _: () = assert!(MODELSEAL_KIND_COMPONENT == modelseal_core::BundleKind::Component as u8);
const _: () =
    assert!(MODELSEAL_KIND_SYSTEM_CONFIG == modelseal_core::BundleKind::SystemConfig as u8);
const _: () = assert!(MODELSEAL_STAGE_DEVELOPMENT == modelseal_core::Stage::DEVELOPMENT.code());
const _: () = assert!(MODELSEAL_STAGE_STAGING == modelseal_core::Stage::STAGING.code());
const _: () = assert!(MODELSEAL_STAGE_PRODUCTION == modelseal_core::Stage::PRODUCTION.code());
const _: () = assert!(MODELSEAL_VERIFIER_WORDS * 8 == MODELSEAL_VERIFIER_SIZE);
const _: () = assert!(MODELSEAL_VERIFIER_SIZE <= 4096);
const _: () = assert!(MODELSEAL_VERITY_WORDS * 8 == MODELSEAL_VERITY_SIZE);
const _: () = assert!(MODELSEAL_VERITY_MAX_SALT_LEN == modelseal_core::verity::MAX_SALT_LEN);
const _: () =
    assert!(modelseal_core::verity::BlockCache::slot_len(0) == MODELSEAL_VERITY_CACHE_TAG_LEN);
const _: () = assert!(MODELSEAL_DIGEST_LEN == limits::DIGEST_LEN);
const _: () = assert!(MODELSEAL_KEY_ID_LEN == limits::KEY_ID_LEN);
const _: () = assert!(MODELSEAL_MAX_ID_LEN == limits::MAX_ID_LEN);
const _: () = assert!(MODELSEAL_ID_BUF_LEN == limits::MAX_ID_LEN + 1);
const _: () = assert!(MODELSEAL_MAX_NAME_LEN == limits::MAX_NAME_LEN);
const _: () = assert!(MODELSEAL_NAME_BUF_LEN == limits::MAX_NAME_LEN + 1);
const _: () = assert!(MODELSEAL_MAX_COMPONENTS == limits::MAX_COMPONENTS);
const _: () = assert!(MODELSEAL_MAX_SIGNERS == limits::MAX_SIGNATURES);
const _: () = assert!(MODELSEAL_MAX_ECU_MODELS == limits::MAX_ECU_MODELS);
const _: () = assert!(MODELSEAL_MAX_ARTIFACTS == limits::MAX_ARTIFACTS);
const _: () = assert!(MODELSEAL_BUNDLE_HEADER_LEN == limits::BUNDLE_HEADER_LEN);
const _: () = assert!(MODELSEAL_MAX_HEAD_LEN == limits::MAX_HEAD_LEN);
const _: () = assert!(MODELSEAL_MIN_READ_CHUNK == limits::MIN_READ_CHUNK);
// The header's `MODELSEAL_WORK_BUF_LEN(head_len)` is head_len +
// MODELSEAL_MIN_READ_CHUNK (the core's `verify_bundle` rule); the C tests
// check the macro against this constant and against the core's answer.
const _: () = assert!(MODELSEAL_MAX_WORK_BUF_LEN == limits::MAX_HEAD_LEN + limits::MIN_READ_CHUNK);
const _: () = assert!(MODELSEAL_MAX_ROOT_ENVELOPE_LEN == limits::MAX_ROOT_ENVELOPE_LEN);
const _: () = assert!(MODELSEAL_MAX_IDENTITY_LEN == limits::MAX_IDENTITY_LEN);
const _: () = assert!(MODELSEAL_MAX_REPORT_LEN == limits::MAX_REPORT_LEN);
const _: () = assert!(MODELSEAL_MIN_NONCE_LEN == limits::MIN_NONCE_LEN);
const _: () = assert!(MODELSEAL_MAX_NONCE_LEN == limits::MAX_NONCE_LEN);
const _: () = assert!(MODELSEAL_REPORT_MESSAGE_LEN == limits::SIGNED_MESSAGE_LEN);
const _: () = assert!(MODELSEAL_REPORT_SIGNATURE_LEN == limits::REPORT_SIGNATURE_LEN);
const _: () =
    assert!(MODELSEAL_REPORT_ALG_ED25519 == modelseal_core::report::Algorithm::Ed25519.code());
const _: () =
    assert!(MODELSEAL_REPORT_ALG_ECDSA_P256 == modelseal_core::report::Algorithm::EcdsaP256.code());

// Every artifact kind of the core, and only those, with the core's code:
// each constant is paired with its kind, and the kinds must be the core's
// `ArtifactKind::ALL`, in its order, so a kind added to the core fails the
// build until the header has it too.
#[rustfmt::skip] // one row per kind
const ARTIFACT_KINDS: [(u8, ArtifactKind); 11] = [
    (MODELSEAL_ARTIFACT_KIND_WEIGHTS, ArtifactKind::Weights),
    (MODELSEAL_ARTIFACT_KIND_ONNX, ArtifactKind::Onnx),
    (MODELSEAL_ARTIFACT_KIND_TENSORRT_ENGINE, ArtifactKind::TensorRtEngine),
    (MODELSEAL_ARTIFACT_KIND_CALIBRATION, ArtifactKind::Calibration),
    (MODELSEAL_ARTIFACT_KIND_PROCESSING_CODE, ArtifactKind::ProcessingCode),
    (MODELSEAL_ARTIFACT_KIND_CONFIG, ArtifactKind::Config),
    (MODELSEAL_ARTIFACT_KIND_MAP_DATA, ArtifactKind::MapData),
    (MODELSEAL_ARTIFACT_KIND_SBOM_CYCLONEDX, ArtifactKind::SbomCycloneDx),
    (MODELSEAL_ARTIFACT_KIND_SBOM_SPDX, ArtifactKind::SbomSpdx),
    (MODELSEAL_ARTIFACT_KIND_FSVERITY_TREE, ArtifactKind::FsverityTree),
    (MODELSEAL_ARTIFACT_KIND_OTHER, ArtifactKind::Other),
];

/// Whether `c` pairs each kind of `core`, in order, with that kind's code.
const fn same_kinds(c: &[(u8, ArtifactKind)], core: &[ArtifactKind]) -> bool {
    match (c.split_first(), core.split_first()) {
        (None, None) => true,
        (Some(((code, kind), c)), Some((want, core))) => {
            *kind as u8 == *want as u8 && *code == *want as u8 && same_kinds(c, core)
        }
        _ => false,
    }
}
const _: () = assert!(same_kinds(&ARTIFACT_KINDS, ArtifactKind::ALL));
