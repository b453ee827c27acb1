//! Version reports on the host: ECU device keys (development key files,
//! registered public keys), nonces for the asker, and the check of a
//! report an ECU signed: its signature with the key registered for that
//! ECU, its freshness (the nonce asked, a sequence above the last seen)
//! and the bundle it should describe.
//!
//! The core decodes and checks Ed25519 reports; ECDSA P-256 reports are
//! checked here, with the `p256` crate, and never on the ECU. This module
//! never writes a private key over an existing file, and never answers a
//! report's contents before its signature checked.

use crate::error::{Error, KeyProblem, Result};
use crate::fsio::{Overwrite, PUBLIC_MODE, SECRET_MODE, read_small, write_atomic};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{EncodePublicKey, KeypairBytes};
use modelseal_core::Digest;
use modelseal_core::limits::{
    MAX_NONCE_LEN, MAX_REPORT_LEN, MIN_NONCE_LEN, REPORT_SIGNATURE_LEN, SIGNED_MESSAGE_LEN,
};
use modelseal_core::report::{self, Algorithm, ReportSigner, SignerFailure};
use modelseal_core::{BundleKind, Stage};
use serde::Serialize;
use std::path::Path;
use zeroize::Zeroizing;

/// Largest key file read, in bytes.
const MAX_KEY_FILE: usize = 16 * 1024;

/// Why a report was refused: each refusal its own variant, carrying what
/// was expected and what was found (the CLI gives each its own exit code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The report ends before its header says it should.
    #[error("report truncated: {found} bytes, its header needs {expected}")]
    Truncated {
        /// Bytes the header announces (at least the header itself).
        expected: usize,
        /// Bytes received.
        found: usize,
    },
    /// The bytes are not a well-formed report (magic, version, structure,
    /// a field breaking its rule, trailing bytes).
    #[error("not a well-formed version report: {source}")]
    Malformed {
        /// The core's reason.
        #[source]
        source: modelseal_core::Error,
    },
    /// The report is signed with another algorithm than the ECU's key.
    #[error("report signed with {found}, the ECU key is {expected}")]
    Algorithm {
        /// The key's algorithm.
        expected: &'static str,
        /// The report's.
        found: &'static str,
    },
    /// The report names another ECU than the one asked (cross-ECU).
    #[error("report is from another ECU: serial {found}, expected {expected}")]
    OtherEcu {
        /// The serial registered with the key.
        expected: String,
        /// The serial the report names.
        found: String,
    },
    /// The signature does not verify with the ECU's key: forged, signed by
    /// another key, or changed on the way (a flipped bit).
    #[error("report signature does not verify with the ECU key {key_id}")]
    Signature {
        /// Key id (hex) of the key tried.
        key_id: String,
    },
    /// The report answers another nonce than the one asked (a replay).
    #[error("report answers nonce {found}, expected {expected} (replayed?)")]
    Nonce {
        /// The nonce asked (hex).
        expected: String,
        /// The nonce in the report (hex).
        found: String,
    },
    /// The report's sequence number is not above the last one accepted.
    #[error("report sequence {found} is not above the last accepted {last} (older report)")]
    StaleSequence {
        /// The last sequence accepted.
        last: u64,
        /// The report's.
        found: u64,
    },
    /// The report is genuine and fresh but describes another bundle.
    #[error("ECU runs manifest {found}, expected {expected}")]
    WrongBundle {
        /// The expected manifest digest (hex).
        expected: String,
        /// The reported one (hex).
        found: String,
    },
}

impl ReportError {
    /// A short stable name of the refusal, for JSON and scripts.
    pub fn reason(&self) -> &'static str {
        match self {
            ReportError::Truncated { .. } => "truncated",
            ReportError::Malformed { .. } => "malformed",
            ReportError::Algorithm { .. } => "algorithm",
            ReportError::OtherEcu { .. } => "other-ecu",
            ReportError::Signature { .. } => "signature",
            ReportError::Nonce { .. } => "nonce",
            ReportError::StaleSequence { .. } => "stale-sequence",
            ReportError::WrongBundle { .. } => "wrong-bundle",
        }
    }
}

// ------------------------------------------------------------------ keys

/// An ECU device key held in software (development ECUs, tests, the HiL
/// simulator). Production ECUs keep theirs in a secure element.
#[derive(Debug, Clone)]
pub enum EcuSigningKey {
    /// Ed25519.
    Ed25519(ed25519_dalek::SigningKey),
    /// ECDSA P-256.
    P256(p256::ecdsa::SigningKey),
}

/// The public half of an ECU device key, as registered for that ECU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EcuPublicKey {
    /// Ed25519.
    Ed25519([u8; 32]),
    /// ECDSA P-256.
    P256(p256::ecdsa::VerifyingKey),
}

fn random32() -> Result<Zeroizing<[u8; 32]>> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut_slice()).map_err(|e| Error::NoRandomness {
        reason: e.to_string(),
    })?;
    Ok(seed)
}

/// Parses an algorithm name: `ed25519` or `ecdsa-p256` (also `p256`).
pub fn parse_algorithm(s: &str) -> std::result::Result<Algorithm, String> {
    match s {
        "ed25519" => Ok(Algorithm::Ed25519),
        "ecdsa-p256" | "p256" | "p-256" => Ok(Algorithm::EcdsaP256),
        _ => Err(format!("unknown algorithm `{s}`: ed25519 or ecdsa-p256")),
    }
}

impl EcuSigningKey {
    /// A new random key of `algorithm`.
    pub fn generate(algorithm: Algorithm) -> Result<Self> {
        match algorithm {
            Algorithm::Ed25519 => Ok(Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(
                &*random32()?,
            ))),
            Algorithm::EcdsaP256 => {
                // A random 32-byte string is a valid scalar except with
                // probability ~2^-32; draw again then (bounded).
                for _ in 0..8 {
                    if let Ok(k) = p256::ecdsa::SigningKey::from_slice(random32()?.as_slice()) {
                        return Ok(Self::P256(k));
                    }
                }
                Err(Error::Internal {
                    invariant: "drawing a P-256 scalar from 32 random bytes succeeds",
                })
            }
        }
    }
    /// Its algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519(_) => Algorithm::Ed25519,
            Self::P256(_) => Algorithm::EcdsaP256,
        }
    }
    /// Its public half.
    pub fn public_key(&self) -> EcuPublicKey {
        match self {
            Self::Ed25519(k) => EcuPublicKey::Ed25519(k.verifying_key().to_bytes()),
            Self::P256(k) => EcuPublicKey::P256(*k.verifying_key()),
        }
    }
    /// PKCS#8 PEM, as `openssl genpkey` writes it (v1 for Ed25519).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<Vec<u8>>> {
        let pem = match self {
            Self::Ed25519(k) => {
                use ed25519_dalek::pkcs8::EncodePrivateKey;
                KeypairBytes {
                    secret_key: k.to_bytes(),
                    public_key: None,
                }
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|_| Error::Internal {
                    invariant: "the PKCS#8 encoder accepts a valid key",
                })?
            }
            Self::P256(k) => {
                use p256::pkcs8::EncodePrivateKey;
                k.to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
                    .map_err(|_| Error::Internal {
                        invariant: "the PKCS#8 encoder accepts a valid key",
                    })?
            }
        };
        Ok(Zeroizing::new(pem.as_bytes().to_vec()))
    }
    /// Parses a PKCS#8 PEM private key of either algorithm.
    pub fn from_pkcs8_pem(text: &str) -> Result<Self> {
        if text.contains("ENCRYPTED PRIVATE KEY") {
            return Err(Error::Key {
                path: None,
                problem: KeyProblem::Encrypted,
            });
        }
        if let Ok(k) = ed25519_dalek::SigningKey::from_pkcs8_pem(text.trim()) {
            return Ok(Self::Ed25519(k));
        }
        use p256::pkcs8::DecodePrivateKey as _;
        p256::ecdsa::SigningKey::from_pkcs8_pem(text.trim())
            .map(Self::P256)
            .map_err(|e| Error::Key {
                path: None,
                problem: KeyProblem::DeviceKeyPem {
                    reason: e.to_string(),
                },
            })
    }
    /// Reads a private key file.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = Zeroizing::new(read_small(path, MAX_KEY_FILE)?);
        read_pem(path, &bytes, Self::from_pkcs8_pem)
    }
    /// Writes the private key (0600, never over an existing file without
    /// `overwrite`) and its public half (SPKI PEM).
    pub fn write(&self, private: &Path, public: &Path, overwrite: Overwrite) -> Result<()> {
        write_atomic(private, &self.to_pkcs8_pem()?, SECRET_MODE, overwrite)?;
        write_atomic(
            public,
            self.public_key().to_pem()?.as_bytes(),
            PUBLIC_MODE,
            overwrite,
        )
    }
}

impl ReportSigner for EcuSigningKey {
    fn algorithm(&self) -> Algorithm {
        EcuSigningKey::algorithm(self)
    }
    fn sign(
        &mut self,
        message: &[u8; SIGNED_MESSAGE_LEN],
        signature: &mut [u8; REPORT_SIGNATURE_LEN],
    ) -> std::result::Result<(), SignerFailure> {
        use ed25519_dalek::Signer as _;
        match self {
            Self::Ed25519(k) => {
                *signature = k.sign(message).to_bytes();
                Ok(())
            }
            Self::P256(k) => {
                let sig: p256::ecdsa::Signature = k.try_sign(message).map_err(|_| SignerFailure)?;
                let bytes = sig.to_bytes();
                if bytes.len() != REPORT_SIGNATURE_LEN {
                    return Err(SignerFailure);
                }
                signature.copy_from_slice(&bytes);
                Ok(())
            }
        }
    }
}

impl EcuPublicKey {
    /// Its algorithm.
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Self::Ed25519(_) => Algorithm::Ed25519,
            Self::P256(_) => Algorithm::EcdsaP256,
        }
    }
    /// SPKI PEM (`openssl pkey -pubout`).
    pub fn to_pem(&self) -> Result<String> {
        match self {
            Self::Ed25519(k) => ed25519_dalek::VerifyingKey::from_bytes(k)
                .map_err(|_| Error::Key {
                    path: None,
                    problem: KeyProblem::PublicKeyDoesNotDecode,
                })?
                .to_public_key_pem(LineEnding::LF)
                .map_err(|_| Error::Internal {
                    invariant: "the SPKI encoder accepts a valid key",
                }),
            Self::P256(k) => {
                use p256::pkcs8::EncodePublicKey as _;
                k.to_public_key_pem(p256::pkcs8::LineEnding::LF)
                    .map_err(|_| Error::Internal {
                        invariant: "the SPKI encoder accepts a valid key",
                    })
            }
        }
    }
    /// The key's bytes as the key id is taken over: the 32-byte Ed25519
    /// key, or the 65-byte uncompressed SEC1 P-256 point.
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.to_vec(),
            Self::P256(k) => k.to_sec1_point(false).as_bytes().to_vec(),
        }
    }
    /// Key id (hex): the first 8 bytes of SHA-256 of [`EcuPublicKey::bytes`].
    pub fn key_id(&self) -> String {
        use sha2::Digest as _;
        let d = sha2::Sha256::digest(self.bytes());
        hex::encode(&d[..modelseal_core::limits::KEY_ID_LEN])
    }
    /// The key from its algorithm and [`EcuPublicKey::bytes`] (how an
    /// inventory stores it).
    pub fn from_bytes(algorithm: Algorithm, bytes: &[u8]) -> Result<Self> {
        let bad = || Error::Key {
            path: None,
            problem: KeyProblem::PublicKeyDoesNotDecode,
        };
        match algorithm {
            Algorithm::Ed25519 => {
                let k: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
                ed25519_dalek::VerifyingKey::from_bytes(&k).map_err(|_| bad())?;
                Ok(Self::Ed25519(k))
            }
            Algorithm::EcdsaP256 => p256::ecdsa::VerifyingKey::from_sec1_bytes(bytes)
                .map(Self::P256)
                .map_err(|_| bad()),
        }
    }
    /// Parses an SPKI PEM public key (or a private key, taking its public
    /// half) of either algorithm.
    pub fn from_pem(text: &str) -> Result<Self> {
        if text.contains("PRIVATE KEY-----") {
            return Ok(EcuSigningKey::from_pkcs8_pem(text)?.public_key());
        }
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(text.trim()) {
            return Ok(Self::Ed25519(k.to_bytes()));
        }
        use p256::pkcs8::DecodePublicKey as _;
        p256::ecdsa::VerifyingKey::from_public_key_pem(text.trim())
            .map(Self::P256)
            .map_err(|e| Error::Key {
                path: None,
                problem: KeyProblem::DeviceKeyPem {
                    reason: e.to_string(),
                },
            })
    }
    /// Reads a public key file.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = read_small(path, MAX_KEY_FILE)?;
        read_pem(path, &bytes, Self::from_pem)
    }
    fn verifies(&self, message: &[u8; SIGNED_MESSAGE_LEN], signature: &[u8; 64]) -> bool {
        match self {
            Self::Ed25519(k) => {
                modelseal_core::envelope::verify_strict(k, message, signature).is_ok()
            }
            Self::P256(k) => {
                use p256::ecdsa::signature::Verifier as _;
                p256::ecdsa::Signature::from_slice(signature)
                    .is_ok_and(|sig| k.verify(message, &sig).is_ok())
            }
        }
    }
}

/// A device key file's PEM text through `parse`, its problems named with
/// the file.
fn read_pem<T>(path: &Path, bytes: &[u8], parse: fn(&str) -> Result<T>) -> Result<T> {
    let with_path = |problem| Error::Key {
        path: Some(path.to_path_buf()),
        problem,
    };
    let text = std::str::from_utf8(bytes).map_err(|_| {
        with_path(KeyProblem::DeviceKeyPem {
            reason: "not a PEM file".into(),
        })
    })?;
    parse(text).map_err(|e| match e {
        Error::Key { problem, .. } => with_path(problem),
        other => other,
    })
}

// ------------------------------------------------------------------ nonces

/// A fresh random nonce of `len` bytes ([`MIN_NONCE_LEN`] to
/// [`MAX_NONCE_LEN`]).
pub fn new_nonce(len: usize) -> Result<Vec<u8>> {
    if !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&len) {
        return Err(Error::Nonce {
            problem: format!("a nonce is {MIN_NONCE_LEN} to {MAX_NONCE_LEN} bytes, not {len}"),
        });
    }
    let mut n = vec![0u8; len];
    getrandom::fill(&mut n).map_err(|e| Error::NoRandomness {
        reason: e.to_string(),
    })?;
    Ok(n)
}

/// Parses a nonce given as hex.
pub fn parse_nonce(hex_text: &str) -> Result<Vec<u8>> {
    let n = hex::decode(hex_text.trim()).map_err(|e| Error::Nonce {
        problem: format!("not hex ({e})"),
    })?;
    if !(MIN_NONCE_LEN..=MAX_NONCE_LEN).contains(&n.len()) {
        return Err(Error::Nonce {
            problem: format!(
                "{} bytes; a nonce is {MIN_NONCE_LEN} to {MAX_NONCE_LEN} bytes",
                n.len()
            ),
        });
    }
    Ok(n)
}

// ------------------------------------------------------------------ checking

/// How the asker judges freshness. A report collected without asking has
/// no nonce to compare: that is said by name, never a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// The report must answer this nonce.
    Nonce(Vec<u8>),
    /// Collected without asking: the nonce is not checked; only the
    /// sequence number (see [`Expectation::last_sequence`]) orders it.
    UnsolicitedNoNonceCheck,
}

/// What the asker expects of a report.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// The ECU's registered public key.
    pub key: EcuPublicKey,
    /// The ECU's serial, when the key was registered with one.
    pub serial: Option<String>,
    /// The nonce asked, or an unsolicited report.
    pub freshness: Freshness,
    /// The last sequence number accepted from this ECU: the report's must
    /// be above it.
    pub last_sequence: Option<u64>,
    /// The manifest digest the ECU should run.
    pub manifest_digest: Option<Digest>,
}

/// An installed component, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportedComponent {
    /// Model family.
    pub family: String,
    /// Model version.
    pub version: String,
    /// Stage name.
    pub stage: String,
}

/// The system configuration, as reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportedConfig {
    /// Configuration id.
    pub config_id: String,
    /// Configuration version.
    pub config_version: String,
    /// Manifest digest (hex).
    pub digest: String,
}

/// A report whose signature, freshness and bundle checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifiedReport {
    /// `ed25519` or `ecdsa-p256`.
    pub algorithm: &'static str,
    /// Key id (hex) of the ECU key that signed.
    pub ecu_key_id: String,
    /// Nonce (hex).
    pub nonce: String,
    /// Whether the nonce was compared with one asked.
    pub nonce_checked: bool,
    /// Report sequence number.
    pub sequence: u64,
    /// Trusted time, when the ECU has a trusted clock.
    pub time: Option<u64>,
    /// Hardware id.
    pub hardware_id: String,
    /// ECU serial.
    pub serial: String,
    /// ECU name in the system configuration.
    pub ecu_name: Option<String>,
    /// Installed manifest digest (hex).
    pub manifest_digest: String,
    /// `component` or `system-config`.
    pub kind: String,
    /// Bundle version.
    pub version: String,
    /// Security counter.
    pub security_counter: u64,
    /// Component floor held.
    pub component_floor: u64,
    /// System-configuration floor held.
    pub system_config_floor: u64,
    /// Root version.
    pub root_version: u32,
    /// The system configuration.
    pub config: Option<ReportedConfig>,
    /// Installed components.
    pub components: Vec<ReportedComponent>,
    /// Key ids (hex) of the bundle's signers.
    pub signers: Vec<String>,
    /// Report size, in bytes.
    pub size: usize,
}

impl VerifiedReport {
    /// Human text, one field a line.
    pub fn text(&self) -> String {
        let mut t = String::new();
        let mut line = |k: &str, v: String| t.push_str(&format!("{k:<20} {v}\n"));
        line(
            "ecu",
            format!("{} serial {}", self.hardware_id, self.serial),
        );
        if let Some(n) = &self.ecu_name {
            line("ecu name", n.clone());
        }
        line(
            "signed by",
            format!("{} key {}", self.algorithm, self.ecu_key_id),
        );
        line(
            "nonce",
            if self.nonce_checked {
                format!("{} (the one asked)", self.nonce)
            } else {
                format!("{} (not checked: unsolicited report)", self.nonce)
            },
        );
        line("sequence", self.sequence.to_string());
        line(
            "time",
            self.time
                .map_or("none (no trusted clock)".into(), |t| t.to_string()),
        );
        line("manifest digest", self.manifest_digest.clone());
        line("kind", self.kind.clone());
        line("version", self.version.clone());
        line("security counter", self.security_counter.to_string());
        line(
            "floors",
            format!(
                "component {}, system-config {}",
                self.component_floor, self.system_config_floor
            ),
        );
        line("root version", self.root_version.to_string());
        if let Some(c) = &self.config {
            line(
                "system config",
                format!("{} {} ({})", c.config_id, c.config_version, c.digest),
            );
        }
        for c in &self.components {
            line(
                "component",
                format!("{} {} ({})", c.family, c.version, c.stage),
            );
        }
        line("signers", self.signers.join(", "));
        t
    }
}

/// Checks a report against what the asker expects, in this order: its
/// structure (truncated, malformed), the algorithm of the ECU's key, the
/// ECU it names (cross-ECU, when a serial is registered), the signature,
/// the nonce, the sequence number, the bundle.
pub fn verify(
    bytes: &[u8],
    want: &Expectation,
) -> std::result::Result<VerifiedReport, ReportError> {
    let signed = report::parse(bytes).map_err(|e| match e {
        modelseal_core::Error::Truncated => ReportError::Truncated {
            expected: announced_len(bytes),
            found: bytes.len(),
        },
        source => ReportError::Malformed { source },
    })?;
    let key_alg = want.key.algorithm();
    if signed.algorithm() != key_alg {
        return Err(ReportError::Algorithm {
            expected: key_alg.name(),
            found: signed.algorithm().name(),
        });
    }
    // Which ECU the report claims to be from, before its signature checks:
    // only to name the refusal (a report from another ECU fails the
    // signature check too), never to accept anything.
    if let Some(serial) = &want.serial {
        let claimed = claimed_serial(bytes);
        if claimed.as_deref() != Some(serial.as_str()) {
            return Err(ReportError::OtherEcu {
                expected: serial.clone(),
                found: claimed.unwrap_or_default(),
            });
        }
    }
    let key_id = want.key.key_id();
    let r = signed
        .verify_with(|alg, msg, sig| alg == key_alg && want.key.verifies(msg, sig))
        .map_err(|_| ReportError::Signature {
            key_id: key_id.clone(),
        })?;
    let h = r.head();
    if let Freshness::Nonce(n) = &want.freshness {
        if h.nonce != n.as_slice() {
            return Err(ReportError::Nonce {
                expected: hex::encode(n),
                found: hex::encode(h.nonce),
            });
        }
    }
    if let Some(last) = want.last_sequence {
        if h.sequence <= last {
            return Err(ReportError::StaleSequence {
                last,
                found: h.sequence,
            });
        }
    }
    if let Some(d) = &want.manifest_digest {
        if h.manifest_digest != *d {
            return Err(ReportError::WrongBundle {
                expected: hex::encode(d),
                found: hex::encode(h.manifest_digest),
            });
        }
    }
    let components = r
        .components()
        .map(|c| ReportedComponent {
            family: c.family.into(),
            version: c.version.into(),
            stage: Stage::from_code(c.stage).map_or_else(|| c.stage.to_string(), stage_name),
        })
        .collect();
    Ok(VerifiedReport {
        algorithm: r.algorithm().name(),
        ecu_key_id: key_id,
        nonce: hex::encode(h.nonce),
        nonce_checked: matches!(want.freshness, Freshness::Nonce(_)),
        sequence: h.sequence,
        time: h.time,
        hardware_id: h.hardware_id.into(),
        serial: h.serial.into(),
        ecu_name: h.ecu_name.map(Into::into),
        manifest_digest: hex::encode(h.manifest_digest),
        kind: r
            .kind()
            .map_or_else(|| h.kind.to_string(), |k: BundleKind| k.name().to_owned()),
        version: h.version.into(),
        security_counter: h.security_counter,
        component_floor: h.component_floor,
        system_config_floor: h.system_config_floor,
        root_version: h.root_version,
        config: h.config.map(|c| ReportedConfig {
            config_id: c.config_id.into(),
            config_version: c.config_version.into(),
            digest: hex::encode(c.digest),
        }),
        components,
        signers: r.signers().map(hex::encode).collect(),
        size: bytes.len(),
    })
}

fn stage_name(s: Stage) -> String {
    crate::identity::stage_name(s)
}

/// The length a report's header announces, for the message of a
/// truncated one.
fn announced_len(bytes: &[u8]) -> usize {
    use modelseal_core::limits::REPORT_HEADER_LEN;
    match (bytes.get(8), bytes.get(9)) {
        (Some(a), Some(b)) => REPORT_HEADER_LEN + usize::from(u16::from_le_bytes([*a, *b])) + 64,
        _ => REPORT_HEADER_LEN,
    }
}

/// The serial a structurally sound report claims (not authenticated).
fn claimed_serial(bytes: &[u8]) -> Option<String> {
    claimed(bytes).map(|c| c.serial)
}

/// Who a report claims to be from and its sequence number, read before
/// anything is checked: only to find the key to check it with, and to put
/// reports in order. Not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Claimed {
    /// Hardware id.
    pub hardware_id: String,
    /// Serial.
    pub serial: String,
    /// Sequence number.
    pub sequence: u64,
    /// Trusted time, when the ECU has a trusted clock.
    pub time: Option<u64>,
}

/// What a structurally sound report claims ([`Claimed`]); `None` when its
/// head does not decode.
pub fn claimed(bytes: &[u8]) -> Option<Claimed> {
    use modelseal_core::limits::REPORT_HEADER_LEN;
    let body = bytes.get(REPORT_HEADER_LEN..)?;
    let (head, _) =
        postcard::take_from_bytes::<modelseal_core::report::ReportHead<'_>>(body).ok()?;
    Some(Claimed {
        hardware_id: head.hardware_id.to_owned(),
        serial: head.serial.to_owned(),
        sequence: head.sequence,
        time: head.time,
    })
}

/// Reads a report file: the binary report, or its hex.
pub fn read_report(path: &Path) -> Result<Vec<u8>> {
    let raw = read_small(path, 4 * MAX_REPORT_LEN)?;
    if raw.starts_with(&report::REPORT_MAGIC) {
        return Ok(raw);
    }
    match std::str::from_utf8(&raw)
        .ok()
        .and_then(|t| hex::decode(t.split_whitespace().collect::<String>()).ok())
    {
        Some(b) => Ok(b),
        None => Ok(raw),
    }
}

/// The manifest digest of the bundle (or bundle head) at `path`: what a
/// report of an ECU running that bundle names.
pub fn bundle_manifest_digest(path: &Path) -> Result<Digest> {
    let head = crate::bundle::read_head(path)?;
    let h = modelseal_core::unverified::UnauthenticatedHead::parse(&head)
        .map_err(|e| Error::verify(format!("{}: bundle head", path.display()), e))?;
    h.manifest_envelope()
        .digest(&mut modelseal_core::SoftSha256::new())
        .map_err(|e| Error::verify(format!("{}: manifest", path.display()), e))
}

/// A report signed by `key` from fields given directly, not from a bundle
/// a verifier checked: what the HiL simulator and fleet generators send for
/// an ECU they stand in for. The bytes are the ones an ECU writes for the
/// same fields (the core's parser checks them before they are returned);
/// only the key makes a report authentic, so a backend cannot tell, and
/// need not.
pub fn sign_fields(
    doc: &modelseal_core::report::ReportDocBuf,
    key: &mut EcuSigningKey,
) -> Result<Vec<u8>> {
    use modelseal_core::limits::{FORMAT_VERSION, REPORT_HEADER_LEN};
    use sha2::Digest as _;
    let body = postcard::to_allocvec(doc).map_err(|_| Error::Internal {
        invariant: "a report body encodes",
    })?;
    let len = u16::try_from(body.len())
        .map_err(|_| Error::verify("report fields", modelseal_core::Error::LimitExceeded))?;
    let mut out = Vec::with_capacity(REPORT_HEADER_LEN + body.len() + REPORT_SIGNATURE_LEN);
    out.extend_from_slice(&report::REPORT_MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&[ReportSigner::algorithm(key).code(), 0]);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&body);
    let digest = sha2::Sha256::digest(&out);
    let mut msg = [0u8; SIGNED_MESSAGE_LEN];
    msg[..report::REPORT_DOMAIN.len()].copy_from_slice(report::REPORT_DOMAIN);
    msg[report::REPORT_DOMAIN.len()..].copy_from_slice(&digest);
    let mut sig = [0u8; REPORT_SIGNATURE_LEN];
    key.sign(&msg, &mut sig).map_err(|_| Error::Internal {
        invariant: "a software device key signs",
    })?;
    out.extend_from_slice(&sig);
    report::parse(&out).map_err(|e| Error::verify("report fields", e))?;
    Ok(out)
}
