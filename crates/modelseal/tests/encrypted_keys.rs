//! Encrypted PKCS#8 key files: written with scrypt or PBKDF2, read back
//! with the registered passphrase source, refused with a wrong one; the
//! file and environment sources. (One process registers one source: the
//! tests here share it.)

use modelseal::KeyProblem;
use modelseal::keys::{self, Kdf, PassphraseFrom, Passphrases};
use zeroize::Zeroizing;

struct Fixed;
impl Passphrases for Fixed {
    fn passphrase(&self, _: &str, _: bool) -> Result<Zeroizing<String>, KeyProblem> {
        Ok(Zeroizing::new("a passphrase".into()))
    }
}

#[test]
fn encrypted_keys_round_trip_and_refuse_a_wrong_passphrase() {
    let _ = keys::set_passphrases(Box::new(Fixed));
    let key = keys::generate().expect("key");
    for kdf in [Kdf::Scrypt, Kdf::Pbkdf2] {
        let pem = keys::encode_private_encrypted(&key, kdf, "a passphrase").expect("encrypt");
        let text = std::str::from_utf8(&pem).expect("PEM");
        assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let (back, _) = keys::parse_private_named(&pem, "k.pem").expect("decrypt");
        assert_eq!(back.to_bytes(), key.to_bytes(), "{kdf:?}");
        // The public key of an encrypted private key file, too.
        assert_eq!(
            keys::parse_public(&pem).expect("public"),
            key.verifying_key().to_bytes()
        );
        let wrong = keys::encode_private_encrypted(&key, kdf, "another one").expect("encrypt");
        assert_eq!(
            keys::parse_private_named(&wrong, "k.pem").err(),
            Some(KeyProblem::WrongPassphrase)
        );
    }
}

#[test]
fn passphrase_sources_read_a_file_line_and_refuse_an_unset_variable() {
    let dir = tempfile::tempdir().expect("dir");
    let f = dir.path().join("pass.txt");
    std::fs::write(&f, "a passphrase\nignored second line\n").expect("write");
    let p = PassphraseFrom::File(f)
        .passphrase("k.pem", false)
        .expect("file");
    assert_eq!(p.as_str(), "a passphrase");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "\n").expect("write");
    assert!(matches!(
        PassphraseFrom::File(empty).passphrase("k.pem", false),
        Err(KeyProblem::PassphraseSource { .. })
    ));
    assert!(matches!(
        PassphraseFrom::Env("MODELSEAL_TEST_UNSET_VARIABLE".into()).passphrase("k.pem", false),
        Err(KeyProblem::PassphraseSource { .. })
    ));
}
