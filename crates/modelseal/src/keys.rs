//! Ed25519 key files: generation, PKCS#8 v1 PEM and raw 32-byte secrets,
//! SubjectPublicKeyInfo PEM and raw 32-byte public keys.
//!
//! Private keys are written as PKCS#8 **v1** (RFC 5208: no embedded public
//! key), the form `openssl genpkey -algorithm ed25519` writes and that
//! OpenSSL 3.0 and most other tools read; v2 (RFC 5958, with the public key)
//! is read too. Secrets live in zeroizing buffers, are written with mode
//! 0600 through an atomic rename, and never replace an existing file unless
//! the caller passes [`Overwrite::Replace`].
//!
//! Encrypted PKCS#8 (PBES2, as `openssl genpkey -aes256` writes it) is read
//! with a passphrase from the source the program registers
//! ([`set_passphrases`]: an environment variable, a file, a prompt), and
//! written by [`encode_private_encrypted`] with scrypt (N = 2^14, r = 8,
//! p = 5) or PBKDF2-HMAC-SHA256 (600,000 iterations) and AES-256-CBC:
//! OWASP's password-storage minimums, and within the 32 MiB scrypt memory
//! OpenSSL 3 allows by default, so OpenSSL reads what modelseal writes.

use crate::error::{Error, KeyProblem, Result};
use crate::fsio::{Overwrite, PUBLIC_MODE, SECRET_MODE, read_small, write_atomic};
use crate::sign::{KeySigner, key_id_of};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, KeypairBytes,
};
use ed25519_dalek::{SigningKey, VerifyingKey};
use modelseal_core::limits::PUBLIC_KEY_LEN;
use std::path::Path;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// How an encrypted key file's passphrase is found: set once by the
/// program ([`set_passphrases`]); without one, an encrypted key is refused
/// with [`KeyProblem::EncryptedNeedsPassphrase`].
pub trait Passphrases: Send + Sync {
    /// The passphrase of the key file `name` (a path, for a prompt).
    /// `confirm`: a new key is being written, so a person is asked twice.
    fn passphrase(
        &self,
        name: &str,
        confirm: bool,
    ) -> std::result::Result<Zeroizing<String>, KeyProblem>;
}

static PASSPHRASES: OnceLock<Box<dyn Passphrases>> = OnceLock::new();

/// Registers where passphrases come from, once per process; `false` if a
/// source was registered already.
pub fn set_passphrases(source: Box<dyn Passphrases>) -> bool {
    PASSPHRASES.set(source).is_ok()
}

/// The passphrase of key file `name` from the registered source.
pub fn passphrase_for(
    name: &str,
    confirm: bool,
) -> std::result::Result<Zeroizing<String>, KeyProblem> {
    PASSPHRASES
        .get()
        .ok_or(KeyProblem::EncryptedNeedsPassphrase)?
        .passphrase(name, confirm)
}

/// A passphrase from an environment variable or the first line of a file.
#[derive(Debug, Clone)]
pub enum PassphraseFrom {
    /// The environment variable of this name.
    Env(String),
    /// The first line of this file (without its line end).
    File(std::path::PathBuf),
}

impl Passphrases for PassphraseFrom {
    fn passphrase(
        &self,
        _name: &str,
        _confirm: bool,
    ) -> std::result::Result<Zeroizing<String>, KeyProblem> {
        let p =
            match self {
                PassphraseFrom::Env(var) => Zeroizing::new(std::env::var(var).map_err(|_| {
                    KeyProblem::PassphraseSource {
                        reason: format!("environment variable {var} is not set (or not UTF-8)"),
                    }
                })?),
                PassphraseFrom::File(path) => {
                    let bytes = Zeroizing::new(read_small(path, MAX_KEY_FILE).map_err(|e| {
                        KeyProblem::PassphraseSource {
                            reason: e.to_string(),
                        }
                    })?);
                    let text =
                        std::str::from_utf8(&bytes).map_err(|_| KeyProblem::PassphraseSource {
                            reason: format!("{}: not UTF-8", path.display()),
                        })?;
                    Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
                }
            };
        if p.is_empty() {
            return Err(KeyProblem::PassphraseSource {
                reason: "the passphrase is empty".into(),
            });
        }
        Ok(p)
    }
}

/// The key-derivation function of an encrypted key file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kdf {
    /// scrypt, N = 2^14, r = 8, p = 5 (16 MiB; OWASP's equivalent of
    /// N = 2^17, p = 1, inside OpenSSL's default 32 MiB limit).
    Scrypt,
    /// PBKDF2-HMAC-SHA256, 600,000 iterations (OWASP).
    Pbkdf2,
}

/// scrypt's log2(N), r and p for new encrypted key files.
pub const SCRYPT_PARAMS: (u8, u32, u32) = (14, 8, 5);
/// PBKDF2-HMAC-SHA256 iterations for new encrypted key files.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// Longest key file read, in bytes (a PEM key is about 120).
const MAX_KEY_FILE: usize = 16 * 1024;

/// How a key is stored in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyFormat {
    /// PEM: PKCS#8 v1 `PRIVATE KEY` for secrets, SPKI `PUBLIC KEY` for public keys.
    Pem,
    /// The 32 raw bytes (secret seed or public key).
    Raw,
}

impl KeyFormat {
    /// Name used in messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            KeyFormat::Pem => "pem",
            KeyFormat::Raw => "raw",
        }
    }
}

/// A fresh Ed25519 key from the operating system's random source.
pub fn generate() -> Result<SigningKey> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut_slice()).map_err(|e| Error::NoRandomness {
        reason: e.to_string(),
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// The bytes of a private key file in `format`.
pub fn encode_private(key: &SigningKey, format: KeyFormat) -> Result<Zeroizing<Vec<u8>>> {
    match format {
        KeyFormat::Raw => Ok(Zeroizing::new(key.to_bytes().to_vec())),
        KeyFormat::Pem => {
            // v1: the secret only. `SigningKey`'s own encoder writes v2,
            // which OpenSSL 3.0 refuses.
            let v1 = KeypairBytes {
                secret_key: key.to_bytes(),
                public_key: None,
            };
            let pem = v1
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|_| Error::Internal {
                    invariant: "a 32-byte Ed25519 secret encodes as PKCS#8",
                })?;
            Ok(Zeroizing::new(pem.as_bytes().to_vec()))
        }
    }
}

/// An encrypted PKCS#8 PEM of `key` (`ENCRYPTED PRIVATE KEY`): PBES2 with
/// `kdf` and AES-256-CBC, a fresh 16-byte salt and IV.
pub fn encode_private_encrypted(
    key: &SigningKey,
    kdf: Kdf,
    passphrase: &str,
) -> Result<Zeroizing<Vec<u8>>> {
    use pkcs8::pkcs5::pbes2;
    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    for b in [&mut salt, &mut iv] {
        getrandom::fill(b).map_err(|e| Error::NoRandomness {
            reason: e.to_string(),
        })?;
    }
    fn internal<E>(invariant: &'static str) -> impl Fn(E) -> Error {
        move |_| Error::Internal { invariant }
    }
    let params = match kdf {
        Kdf::Scrypt => {
            let (log_n, r, p) = SCRYPT_PARAMS;
            let sp = pkcs8::pkcs5::scrypt::Params::new(log_n, r, p)
                .map_err(internal("the scrypt parameters are valid"))?;
            pbes2::Parameters::generate_scrypt_aes256cbc(sp, &salt, iv)
        }
        Kdf::Pbkdf2 => {
            pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, iv)
        }
    }
    .map_err(internal("the PBES2 parameters are valid"))?;
    let v1 = KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    let der = v1
        .to_pkcs8_der()
        .map_err(internal("a 32-byte Ed25519 secret encodes as PKCS#8"))?;
    let info = pkcs8::PrivateKeyInfoRef::try_from(der.as_bytes())
        .map_err(internal("PKCS#8 just encoded decodes"))?;
    let encrypted = info
        .encrypt_with_params(params, passphrase.as_bytes())
        .map_err(internal("PBES2 encryption of a key succeeds"))?;
    let pem = encrypted
        .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .map_err(internal("an encrypted key encodes as PEM"))?;
    Ok(Zeroizing::new(pem.as_bytes().to_vec()))
}

/// The bytes of a public key file in `format`.
pub fn encode_public(public_key: &[u8; PUBLIC_KEY_LEN], format: KeyFormat) -> Result<Vec<u8>> {
    match format {
        KeyFormat::Raw => Ok(public_key.to_vec()),
        KeyFormat::Pem => {
            let vk = VerifyingKey::from_bytes(public_key).map_err(|_| Error::Key {
                path: None,
                problem: KeyProblem::PublicKeyDoesNotDecode,
            })?;
            vk.to_public_key_pem(LineEnding::LF)
                .map(String::into_bytes)
                .map_err(|_| Error::Internal {
                    invariant: "an Ed25519 public key encodes as SubjectPublicKeyInfo",
                })
        }
    }
}

/// Writes a private key file: mode 0600, atomically, never replacing an
/// existing file unless `overwrite` says so.
pub fn write_private(
    path: &Path,
    key: &SigningKey,
    format: KeyFormat,
    overwrite: Overwrite,
) -> Result<()> {
    let bytes = encode_private(key, format)?;
    write_atomic(path, &bytes, SECRET_MODE, overwrite)
}

/// Writes a public key file.
pub fn write_public(
    path: &Path,
    public_key: &[u8; PUBLIC_KEY_LEN],
    format: KeyFormat,
    overwrite: Overwrite,
) -> Result<()> {
    write_atomic(
        path,
        &encode_public(public_key, format)?,
        PUBLIC_MODE,
        overwrite,
    )
}

fn pem_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.trim_start().starts_with("-----BEGIN ").then_some(text)
}

/// Parses the contents of a private key file (PKCS#8 PEM, v1 or v2, or 32
/// raw bytes). The caller knows the file: [`Error::key_file`] names it.
/// An encrypted one needs [`parse_private_named`].
pub fn parse_private(bytes: &[u8]) -> std::result::Result<(SigningKey, KeyFormat), KeyProblem> {
    parse_private_named(bytes, "the key")
}

/// [`parse_private`], with encrypted PKCS#8 decrypted by the passphrase the
/// registered source gives for `name`.
pub fn parse_private_named(
    bytes: &[u8],
    name: &str,
) -> std::result::Result<(SigningKey, KeyFormat), KeyProblem> {
    if let Some(text) = pem_text(bytes) {
        if text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let pass = passphrase_for(name, false)?;
            return Ok((decrypt_pem(text.trim(), pass.as_bytes())?, KeyFormat::Pem));
        }
        let key =
            SigningKey::from_pkcs8_pem(text.trim()).map_err(|e| KeyProblem::PrivateKeyPem {
                reason: e.to_string(),
            })?;
        return Ok((key, KeyFormat::Pem));
    }
    let seed: &[u8; 32] = bytes
        .try_into()
        .map_err(|_| KeyProblem::PrivateKeyLength { found: bytes.len() })?;
    Ok((SigningKey::from_bytes(seed), KeyFormat::Raw))
}

/// Decrypts an `ENCRYPTED PRIVATE KEY` PEM. A structure that does not
/// parse is a bad file; anything after the key is derived means the wrong
/// passphrase. AES-CBC carries no integrity check: a wrong passphrase gives
/// valid-looking padding about one time in 256, and the "key" inside is
/// then noise that fails to parse as PKCS#8, so that failure is the wrong
/// passphrase too, not a damaged file.
fn decrypt_pem(text: &str, passphrase: &[u8]) -> std::result::Result<SigningKey, KeyProblem> {
    let bad = |e: &dyn std::fmt::Display| KeyProblem::EncryptedKey {
        reason: e.to_string(),
    };
    let (label, der) = pkcs8::Document::from_pem(text).map_err(|e| bad(&e))?;
    if label != "ENCRYPTED PRIVATE KEY" {
        return Err(bad(&format_args!("unexpected PEM label {label:?}")));
    }
    let info = pkcs8::EncryptedPrivateKeyInfoRef::try_from(der.as_bytes()).map_err(|e| bad(&e))?;
    let plain = info
        .encryption_algorithm
        .decrypt(passphrase, info.encrypted_data.as_bytes())
        .map(Zeroizing::new)
        .map_err(|e| match e {
            pkcs8::pkcs5::Error::DecryptFailed => KeyProblem::WrongPassphrase,
            other => bad(&other),
        })?;
    SigningKey::from_pkcs8_der(&plain).map_err(|_| KeyProblem::WrongPassphrase)
}

/// A key to sign with: a key file, or a key in a token (PKCS#11).
#[derive(Debug)]
pub enum AnySigner {
    /// A private key file (plain or encrypted PKCS#8, or raw).
    File(KeySigner),
    /// A key in an HSM or token, named by a `pkcs11:` URI.
    Token(crate::pkcs11::TokenSigner),
}

impl crate::sign::Signer for AnySigner {
    fn public_key(&self) -> Result<[u8; PUBLIC_KEY_LEN]> {
        match self {
            AnySigner::File(s) => s.public_key(),
            AnySigner::Token(s) => s.public_key(),
        }
    }
    fn sign(
        &self,
        message: &[u8; modelseal_core::limits::SIGNED_MESSAGE_LEN],
    ) -> Result<[u8; modelseal_core::limits::SIGNATURE_LEN]> {
        match self {
            AnySigner::File(s) => s.sign(message),
            AnySigner::Token(s) => s.sign(message),
        }
    }
    fn describe(&self) -> String {
        match self {
            AnySigner::File(s) => s.describe(),
            AnySigner::Token(s) => s.describe(),
        }
    }
}

/// The signer `key` names: a `pkcs11:` URI, or a key file.
pub fn open_signer(key: &Path) -> Result<AnySigner> {
    match key.to_str().filter(|s| crate::pkcs11::is_uri(s)) {
        Some(uri) => Ok(AnySigner::Token(crate::pkcs11::TokenSigner::open(uri)?)),
        None => Ok(AnySigner::File(read_signer(key)?)),
    }
}

/// The signers `keys` name (key files or `pkcs11:` URIs), refused before
/// anything is signed if one key is given twice (under any name): a key
/// signs a document once.
pub fn read_signers<P: AsRef<Path>>(keys: &[P]) -> Result<Vec<AnySigner>> {
    let signers = keys
        .iter()
        .map(|p| open_signer(p.as_ref()))
        .collect::<Result<Vec<_>>>()?;
    let refs: Vec<&dyn crate::sign::Signer> = signers
        .iter()
        .map(|s| s as &dyn crate::sign::Signer)
        .collect();
    crate::sign::distinct_signers(&refs)?;
    Ok(signers)
}

/// The public key of `key`: a key file (public or private), or the public
/// key of a token key named by a `pkcs11:` URI.
pub fn read_public_any(key: &Path) -> Result<[u8; PUBLIC_KEY_LEN]> {
    match key.to_str().filter(|s| crate::pkcs11::is_uri(s)) {
        Some(uri) => {
            use crate::sign::Signer;
            crate::pkcs11::TokenSigner::open(uri)?.public_key()
        }
        None => read_public(key),
    }
}

/// Reads a private key file as a signer labelled with its path.
pub fn read_signer(path: &Path) -> Result<KeySigner> {
    let bytes = Zeroizing::new(read_small(path, MAX_KEY_FILE)?);
    let (key, _) = parse_private_named(&bytes, &path.display().to_string())
        .map_err(|p| Error::key_file(path, p))?;
    Ok(KeySigner::new(key, format!("key file {}", path.display())))
}

/// Parses the contents of a public key file: SPKI PEM, 32 raw bytes, 64 hex
/// digits, or a private key (whose public key is taken).
pub fn parse_public(bytes: &[u8]) -> std::result::Result<[u8; PUBLIC_KEY_LEN], KeyProblem> {
    if let Some(text) = pem_text(bytes) {
        if text.contains("PRIVATE KEY-----") {
            let (key, _) = parse_private(bytes)?;
            return Ok(key.verifying_key().to_bytes());
        }
        let vk = VerifyingKey::from_public_key_pem(text.trim()).map_err(|e| {
            KeyProblem::PublicKeyPem {
                reason: e.to_string(),
            }
        })?;
        return Ok(vk.to_bytes());
    }
    let raw: [u8; PUBLIC_KEY_LEN] = if let Ok(raw) = <[u8; PUBLIC_KEY_LEN]>::try_from(bytes) {
        raw
    } else {
        let text = std::str::from_utf8(bytes).unwrap_or("").trim();
        let mut out = [0u8; PUBLIC_KEY_LEN];
        hex::decode_to_slice(text, &mut out)
            .map_err(|_| KeyProblem::PublicKeyLength { found: bytes.len() })?;
        out
    };
    VerifyingKey::from_bytes(&raw).map_err(|_| KeyProblem::PublicKeyDoesNotDecode)?;
    Ok(raw)
}

/// Reads a public key file (or a private key file, for its public key).
pub fn read_public(path: &Path) -> Result<[u8; PUBLIC_KEY_LEN]> {
    let bytes = Zeroizing::new(read_small(path, MAX_KEY_FILE)?);
    parse_public(&bytes).map_err(|p| Error::key_file(path, p))
}

/// Which half of a key pair a key file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A private key (its public key is derived from it).
    Private,
    /// A public key.
    Public,
}

impl KeyKind {
    /// Name used in messages and JSON.
    pub fn name(self) -> &'static str {
        match self {
            KeyKind::Private => "private",
            KeyKind::Public => "public",
        }
    }
}

/// A key file's contents, identified: what it holds, in which encoding,
/// and the public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdentifiedKey {
    /// Private or public.
    pub kind: KeyKind,
    /// `pem`, `raw` or `hex`.
    pub format: &'static str,
    /// The public key (derived, for a private key).
    pub public_key: [u8; PUBLIC_KEY_LEN],
}

/// Says what a key file holds, for a reader that accepts either half of
/// a key pair. PEM says so in its label and 64 hex digits are only ever a
/// public key; 32 raw bytes are a seed or a public key alike (both are
/// uniformly distributed, and a seed is a valid point half the time), so
/// they are read as `raw` says and refused when it says nothing: a guess
/// would show the wrong key id for one of the two.
pub fn identify(
    bytes: &[u8],
    raw: Option<KeyKind>,
) -> std::result::Result<IdentifiedKey, KeyProblem> {
    identify_named(bytes, raw, "the key")
}

/// [`identify`], asking the passphrase of an encrypted key for `name`.
pub fn identify_named(
    bytes: &[u8],
    raw: Option<KeyKind>,
    name: &str,
) -> std::result::Result<IdentifiedKey, KeyProblem> {
    let (kind, format, public_key) = if let Some(text) = pem_text(bytes) {
        if text.contains("PRIVATE KEY-----") {
            let (key, _) = parse_private_named(bytes, name)?;
            (KeyKind::Private, "pem", key.verifying_key().to_bytes())
        } else {
            (KeyKind::Public, "pem", parse_public(bytes)?)
        }
    } else if bytes.len() == PUBLIC_KEY_LEN {
        match raw.ok_or(KeyProblem::RawKeyAmbiguous)? {
            KeyKind::Private => {
                let (key, _) = parse_private(bytes)?;
                (KeyKind::Private, "raw", key.verifying_key().to_bytes())
            }
            KeyKind::Public => (KeyKind::Public, "raw", parse_public(bytes)?),
        }
    } else {
        (KeyKind::Public, "hex", parse_public(bytes)?)
    };
    Ok(IdentifiedKey {
        kind,
        format,
        public_key,
    })
}

/// What a person needs to know about a key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    /// Key id (hex): the first bytes of SHA-256 of the public key.
    pub key_id: String,
    /// Public key (hex).
    pub public_key: String,
}

impl KeyInfo {
    /// Info of `public_key`.
    pub fn of(public_key: &[u8; PUBLIC_KEY_LEN]) -> Self {
        Self {
            key_id: hex::encode(key_id_of(public_key)),
            public_key: hex::encode(public_key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a wrong passphrase produces when the CBC padding happens to
    /// check out (about one time in 256): a well-formed encrypted file whose
    /// plaintext is not a key. Made here directly, with a cheap KDF.
    #[test]
    fn noise_behind_valid_padding_is_the_wrong_passphrase() {
        use pkcs8::pkcs5::pbes2;
        let params = pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(1, &[7; 16], [9; 16])
            .expect("params");
        let scheme: pkcs8::pkcs5::EncryptionScheme = params.into();
        let noise = [0x5a_u8; 48];
        let encrypted = scheme.encrypt(b"pass", &noise).expect("encrypt");
        let info = pkcs8::EncryptedPrivateKeyInfoRef {
            encryption_algorithm: scheme,
            encrypted_data: pkcs8::der::asn1::OctetStringRef::new(&encrypted).expect("octets"),
        };
        let pem = pkcs8::der::EncodePem::to_pem(&info, LineEnding::LF).expect("pem");
        assert_eq!(
            decrypt_pem(&pem, b"pass").err(),
            Some(KeyProblem::WrongPassphrase)
        );
        // A structure that is not an encrypted key at all is a bad file.
        let garbled = pem.replace("MI", "QQ");
        assert!(matches!(
            decrypt_pem(&garbled, b"pass"),
            Err(KeyProblem::EncryptedKey { .. })
        ));
    }
}
