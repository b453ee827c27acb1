//! The C-visible types: the opaque context, the policy, the hash engine
//! and read callback, and the plain records the accessors fill.
//!
//! Records the library writes hold fixed-size arrays only (no pointers), so
//! a caller can copy, store or send them as they are. Strings in them are
//! NUL-terminated and padded with NULs.

use crate::consts::{
    MODELSEAL_DIGEST_LEN, MODELSEAL_ID_BUF_LEN, MODELSEAL_KEY_ID_LEN, MODELSEAL_MAX_COMPONENTS,
    MODELSEAL_MAX_ECU_MODELS, MODELSEAL_MAX_SIGNERS, MODELSEAL_NAME_BUF_LEN,
    MODELSEAL_VERIFIER_WORDS, MODELSEAL_VERITY_MAX_SALT_LEN, MODELSEAL_VERITY_WORDS,
};
use core::ffi::{c_char, c_int, c_void};

/// A verifier context. Allocate it yourself (stack, static or a pool), of
/// `MODELSEAL_VERIFIER_SIZE` bytes aligned to `MODELSEAL_VERIFIER_ALIGN`,
/// and initialise it with `modelseal_verifier_init`.
///
/// Do not rely on the contents: they are private, change between versions,
/// and are not a storage format. One context serves one thread at a time.
/// It owns nothing and needs no cleanup; it borrows the trust root and the
/// bundle head (see the lifetime rules of each function).
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct modelseal_verifier {
    /// Private storage.
    pub _opaque: [u64; MODELSEAL_VERIFIER_WORDS],
}

/// A verify-on-read context for one fs-verity artifact. Allocate it
/// yourself, of `MODELSEAL_VERITY_SIZE` bytes aligned to
/// `MODELSEAL_VERITY_ALIGN`, and open it with `modelseal_verity_open`.
///
/// Do not rely on the contents. It borrows the tree reader and the cache
/// given to `modelseal_verity_open` until it is opened again; one context
/// serves one thread at a time and needs no cleanup.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct modelseal_verity {
    /// Private storage.
    pub _opaque: [u64; MODELSEAL_VERITY_WORDS],
}

/// How an artifact's digest is made, from its authenticated record
/// (`modelseal_verifier_get_artifact_verity`): everything verify on read
/// needs besides the tree. Keep it where only the firmware writes it: a
/// changed record is a changed signed digest.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub struct modelseal_verity_info {
    /// Length of the artifact's bytes, in bytes.
    pub size: u64,
    /// The signed digest: the fs-verity file digest when `is_verity`,
    /// else the flat SHA-256.
    pub digest: [u8; 32],
    /// Whether the digest is an fs-verity digest (only then can the
    /// artifact be verified on read).
    pub is_verity: bool,
    /// log2 of the Merkle tree block size (10 to 16; 0 when not `is_verity`).
    pub log_block_size: u8,
    /// Bytes of `salt` used (0 for none).
    pub salt_len: u8,
    /// The salt.
    pub salt: [u8; MODELSEAL_VERITY_MAX_SALT_LEN],
}

/// A SHA-256 implementation supplied by the firmware, for example a driver
/// of a hardware hash accelerator. Every digest the verifier computes goes
/// through it; it is asked for one computation at a time (start, any number
/// of updates, finish) and is never re-entered.
///
/// Each function returns 0 on success and anything else on failure
/// (reported as `MODELSEAL_STATUS_HASH_ENGINE`). `user` is passed back as
/// the first argument and must stay valid while a context uses the engine.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_sha256_engine {
    /// Passed to every call.
    pub user: *mut c_void,
    /// Begins a new digest, discarding any computation in progress.
    pub start: Option<unsafe extern "C" fn(user: *mut c_void) -> c_int>,
    /// Feeds `len` bytes at `data` (`len` may be 0).
    pub update:
        Option<unsafe extern "C" fn(user: *mut c_void, data: *const u8, len: usize) -> c_int>,
    /// Ends the digest and writes its 32 bytes to `out`.
    pub finish: Option<unsafe extern "C" fn(user: *mut c_void, out: *mut u8) -> c_int>,
}

/// Reads `len` bytes of the bundle at byte `offset` into `buf`, for
/// `modelseal_verifier_verify_bundle` (called only during that call, with
/// its `user`). Returns 0 when all `len` bytes were written to `buf`, and
/// anything else when they could not be (there are no partial reads: loop
/// inside the callback if the driver delivers less).
///
/// What the library asks:
/// - `len` is at least 1: the callback is never called for nothing;
/// - `offset + len` is at most the `bundle_len` given to `verify_bundle`:
///   nothing is read past the end, so end-of-file is never asked for;
/// - `buf` lies inside the work buffer (`len` writable bytes): the head
///   is read to its start, everything after the head behind it, in reads
///   of at most `work_len` minus the head length. (One exception: a work
///   buffer shorter than the 16-byte header is refused with
///   `_BUFFER_TOO_SMALL` after the header's bytes were read into 16 bytes
///   of the library's own, to learn the length needed.)
/// - in order: first offset 0 (the 16-byte header, or the whole bundle
///   when shorter), then the rest of the head, then the padding and
///   payloads in file order. Offsets ascend, each read starts where the
///   previous one ended, and no byte is read twice; a refusal stops the
///   reads, so a refused bundle may be read only in part.
///
/// A nonzero return stops the verification at once: no further read, and
/// `verify_bundle` answers `MODELSEAL_STATUS_READ` (the context then holds
/// no verified bundle). What the callback left in `buf` is not used. It
/// must not call into the context that called it.
#[allow(non_camel_case_types)]
pub type modelseal_read_fn =
    Option<unsafe extern "C" fn(user: *mut c_void, offset: u64, buf: *mut u8, len: usize) -> c_int>;

/// The system configuration a component must belong to, as taken from a
/// verified system-configuration bundle by
/// `modelseal_verifier_get_config_binding`. Firmware may persist this record
/// and pass it in `modelseal_policy.config` on later boots.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_config_binding {
    /// SHA-256 of the system-configuration manifest.
    pub digest: [u8; MODELSEAL_DIGEST_LEN],
    /// Configuration id, NUL-terminated.
    pub config_id: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Configuration version, NUL-terminated.
    pub config_version: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Number of valid entries in `allowed`.
    pub allowed_count: u8,
    /// Manifest digests of the component bundles the configuration lists
    /// for this ECU.
    pub allowed: [[u8; MODELSEAL_DIGEST_LEN]; MODELSEAL_MAX_ECU_MODELS],
}

/// What this device accepts, filled by the firmware from its own trusted
/// state. Strings are pointer + length (no terminator needed); an optional
/// string is absent when its pointer is NULL (its length must then be 0).
/// A non-NULL string of length 0 is an empty identifier, refused with
/// `MODELSEAL_STATUS_INVALID` like any other identifier that breaks the
/// rules: absent is spelled NULL, so a value the firmware failed to read
/// cannot pass for "not set".
///
/// Nothing that weakens verification is a default: a zero-filled policy is
/// refused, because `kind`, `min_stage` and `expiry` have no valid 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_policy {
    /// Bundle kind accepted: `MODELSEAL_KIND_COMPONENT` or
    /// `MODELSEAL_KIND_SYSTEM_CONFIG`.
    pub kind: u8,
    /// Lowest lifecycle stage accepted: `MODELSEAL_STAGE_*`. Stages rank
    /// Development < Staging < Production; a component with any other
    /// stage code meets no minimum (an unknown code is never accepted by
    /// numeric accident), and another code here is refused at init.
    pub min_stage: u8,
    /// `MODELSEAL_EXPIRY_CHECKED_AT` (with `trusted_time`) or, explicitly,
    /// `MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK`.
    pub expiry: u8,
    /// This device's hardware id (required).
    pub hardware_id: *const c_char,
    /// Length of `hardware_id`, in bytes.
    pub hardware_id_len: usize,
    /// This ECU's name in system configurations (optional; needed when two
    /// ECUs of one configuration share a hardware id).
    pub ecu_name: *const c_char,
    /// Length of `ecu_name`, in bytes.
    pub ecu_name_len: usize,
    /// This ECU's serial (optional; required by bundles that list serials).
    pub serial: *const c_char,
    /// Length of `serial`, in bytes.
    pub serial_len: usize,
    /// This vehicle's platform (optional; required by bundles that name one).
    pub platform: *const c_char,
    /// Length of `platform`, in bytes.
    pub platform_len: usize,
    /// This vehicle's market (optional; required by bundles that name one).
    pub market: *const c_char,
    /// Length of `market`, in bytes.
    pub market_len: usize,
    /// The security-counter floor the device has stored for component
    /// bundles: lower counters are refused as rollbacks. The device keeps
    /// one floor per kind, so a system-configuration bundle never moves
    /// this one (and back).
    pub component_floor: u64,
    /// The floor the device has stored for system-configuration bundles.
    pub system_config_floor: u64,
    /// The manifest digest (`MODELSEAL_DIGEST_LEN` bytes) of the bundle of
    /// `kind` installed now, or NULL. With it, a bundle whose counter
    /// equals the floor is accepted only if it is that very bundle (the
    /// boot re-check): an attacker holding two bundles with the same
    /// counter cannot switch the device between them.
    pub installed_digest: *const u8,
    /// Trusted clock reading, seconds since the Unix epoch; used only with
    /// `MODELSEAL_EXPIRY_CHECKED_AT`.
    pub trusted_time: u64,
    /// The system configuration in force (optional, NULL for none): when
    /// set, only component bundles it lists for this ECU are accepted.
    /// Copied during `modelseal_verifier_init`.
    pub config: *const modelseal_config_binding,
}

/// What `modelseal_verifier_apply_root_update` established.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_root_update {
    /// Version of the root in force after the update.
    pub root_version: u32,
    /// Bytes of the root envelope written to `out_root` (0 when every root
    /// of the update was applied already: nothing new to persist).
    pub root_len: usize,
    /// The component floor to persist (the policy's, or a re-base).
    pub component_floor: u64,
    /// The system-configuration floor to persist.
    pub system_config_floor: u64,
}

/// One parameter set of a system configuration, as
/// `modelseal_verifier_get_parameter_set` reports it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_parameter_set {
    /// Name, NUL-terminated.
    pub name: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Vehicle variant (may be empty), NUL-terminated.
    pub vehicle_variant: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Sensor set (may be empty), NUL-terminated.
    pub sensor_set: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Market (may be empty), NUL-terminated.
    pub market: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Signed SHA-256 of the parameter data.
    pub digest: [u8; MODELSEAL_DIGEST_LEN],
}

/// The system configuration a bundle was installed under (or, for a
/// system-configuration bundle, the configuration itself).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_config_ref {
    /// Whether there is one; when false every other field is zero.
    pub present: bool,
    /// SHA-256 of the system-configuration manifest.
    pub digest: [u8; MODELSEAL_DIGEST_LEN],
    /// Configuration id, NUL-terminated.
    pub config_id: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Configuration version, NUL-terminated.
    pub config_version: [c_char; MODELSEAL_ID_BUF_LEN],
}

/// One installed model component.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_component {
    /// Model family (e.g. `perception_front_camera`), NUL-terminated.
    pub family: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Model version (e.g. `v1.3.5`), NUL-terminated.
    pub version: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Lifecycle stage code (`MODELSEAL_STAGE_*` or another registry code).
    pub stage: u8,
}

/// The installed identity: what an ECU reports and a HiL rig reads back.
/// Filled from a verified context by `modelseal_verifier_get_identity`, or
/// from a received record by `modelseal_identity_decode`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_identity {
    /// SHA-256 of the installed manifest: the bundle's identity.
    pub manifest_digest: [u8; MODELSEAL_DIGEST_LEN],
    /// Bundle kind code (`MODELSEAL_KIND_*`).
    pub kind: u8,
    /// The bundle's security counter.
    pub security_counter: u64,
    /// The bundle's version string, NUL-terminated.
    pub version: [c_char; MODELSEAL_ID_BUF_LEN],
    /// Version of the trust root in force.
    pub root_version: u32,
    /// The system configuration.
    pub config: modelseal_config_ref,
    /// Number of valid entries in `components`.
    pub component_count: u8,
    /// Installed components, in manifest order.
    pub components: [modelseal_component; MODELSEAL_MAX_COMPONENTS],
    /// Number of valid entries in `signers`.
    pub signer_count: u8,
    /// Key ids of the keys whose signatures counted, in role order.
    pub signers: [[u8; MODELSEAL_KEY_ID_LEN]; MODELSEAL_MAX_SIGNERS],
}

/// Where one artifact is and what the manifest says about it.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_artifact_info {
    /// Offset of the payload in the bundle file, in bytes.
    pub offset: u64,
    /// Length of the distributed bytes, in bytes.
    pub size: u64,
    /// Length of the plaintext after decryption, in bytes (0 when
    /// `encrypted` is false).
    pub plaintext_size: u64,
    /// Artifact kind code (`MODELSEAL_ARTIFACT_KIND_*`; a code without a
    /// constant of its own means other).
    pub kind: u8,
    /// Whether the distributed bytes are encrypted (the manifest records the
    /// plaintext, see `modelseal_verifier_begin_plaintext`).
    pub encrypted: bool,
    /// Artifact name (a relative path), NUL-terminated.
    pub name: [c_char; MODELSEAL_NAME_BUF_LEN],
}

/// Signs version reports with the ECU's device key, wherever it lives (a
/// secure element, an HSM, a software key in tests): the library never
/// holds the key. Called once per `modelseal_verifier_encode_report`, with
/// its `user`.
///
/// `sign` signs the `MODELSEAL_REPORT_MESSAGE_LEN` bytes at `message` and
/// writes `MODELSEAL_REPORT_SIGNATURE_LEN` bytes to `signature`: Ed25519
/// `R || S`, or ECDSA P-256 `r || s` (big-endian, not DER). Returns 0 on
/// success and anything else on failure (reported as
/// `MODELSEAL_STATUS_SIGNER_FAILED`; nothing is written to the caller's
/// output).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct modelseal_report_signer {
    /// `MODELSEAL_REPORT_ALG_ED25519` or `MODELSEAL_REPORT_ALG_ECDSA_P256`.
    pub algorithm: u8,
    /// Passed to `sign`.
    pub user: *mut c_void,
    /// The signing function.
    pub sign: Option<
        unsafe extern "C" fn(user: *mut c_void, message: *const u8, signature: *mut u8) -> c_int,
    >,
}
