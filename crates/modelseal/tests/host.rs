//! Library-level tests of the host pieces the CLI tests reach only
//! indirectly: key encodings, atomic writes, parallel hashing, spec parsing.

use ed25519_dalek::pkcs8::EncodePrivateKey;
use modelseal::fsio::{AtomicFile, Overwrite, PUBLIC_MODE, SECRET_MODE, write_atomic};
use modelseal::hashing::{Job, NoProgress, hash_files};
use modelseal::keys::{self, KeyFormat};
use modelseal::spec::{FileRef, parse, parse_time};
use modelseal::{Error, ErrorClass, KeyProblem};
use sha2::Digest as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

#[test]
fn private_keys_are_pkcs8_v1_and_v2_is_read() {
    let key = keys::generate().expect("key");
    let pem = keys::encode_private(&key, KeyFormat::Pem).expect("pem");
    let text = std::str::from_utf8(&pem).expect("utf8");
    // 48 bytes of DER: SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING }.
    assert!(text.contains("MC4CAQAwBQYDK2VwBCIEI"), "{text}");
    let (back, fmt) = keys::parse_private(&pem).expect("parse");
    assert_eq!(fmt, KeyFormat::Pem);
    assert_eq!(back.to_bytes(), key.to_bytes());
    // The v2 form (with the public key) that ed25519-dalek writes is read too.
    let v2 = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .expect("v2");
    assert!(!v2.contains("MC4CAQAw"));
    let (back, _) = keys::parse_private(v2.as_bytes()).expect("parse v2");
    assert_eq!(back.to_bytes(), key.to_bytes());
    // Raw.
    let raw = keys::encode_private(&key, KeyFormat::Raw).expect("raw");
    assert_eq!(raw.len(), 32);
    assert_eq!(
        keys::parse_private(&raw).expect("raw").0.to_bytes(),
        key.to_bytes()
    );
    // Public keys: PEM, raw, hex all agree.
    let pk = key.verifying_key().to_bytes();
    let pub_pem = keys::encode_public(&pk, KeyFormat::Pem).expect("pub pem");
    assert_eq!(keys::parse_public(&pub_pem).expect("pem"), pk);
    assert_eq!(keys::parse_public(&pk).expect("raw"), pk);
    assert_eq!(
        keys::parse_public(hex::encode(pk).as_bytes()).expect("hex"),
        pk
    );
    assert_eq!(keys::parse_public(&pem).expect("from private"), pk);
    // Encrypted, and this process registered no passphrase source.
    assert_eq!(
        keys::parse_private(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n").err(),
        Some(KeyProblem::EncryptedNeedsPassphrase)
    );
    assert_eq!(
        keys::parse_private(&[0u8; 31]).err(),
        Some(KeyProblem::PrivateKeyLength { found: 31 })
    );
}

#[test]
fn raw_key_bytes_are_read_as_said_and_never_guessed() {
    use keys::KeyKind::{Private, Public};
    let key = keys::generate().expect("key");
    let pk = key.verifying_key().to_bytes();
    let seed = keys::encode_private(&key, KeyFormat::Raw).expect("raw");
    // 32 raw bytes are a seed or a public key alike: without a word on
    // which, refused rather than shown under a key id that may be wrong.
    for bytes in [&seed[..], &pk[..]] {
        assert_eq!(
            keys::identify(bytes, None),
            Err(KeyProblem::RawKeyAmbiguous)
        );
    }
    let shown = keys::identify(&pk, Some(Public)).expect("public");
    assert_eq!((shown.kind, shown.format), (Public, "raw"));
    assert_eq!(shown.public_key, pk);
    let shown = keys::identify(&seed, Some(Private)).expect("private");
    assert_eq!((shown.kind, shown.format), (Private, "raw"));
    assert_eq!(shown.public_key, pk);
    // PEM and hex say what they hold, whatever was said about raw bytes.
    let pem = keys::encode_private(&key, KeyFormat::Pem).expect("pem");
    let pub_pem = keys::encode_public(&pk, KeyFormat::Pem).expect("pub pem");
    let hex_text = format!("{}\n", hex::encode(pk));
    for raw in [None, Some(Public), Some(Private)] {
        let k = keys::identify(&pem, raw).expect("pem");
        assert_eq!((k.kind, k.format, k.public_key), (Private, "pem", pk));
        let k = keys::identify(&pub_pem, raw).expect("pub pem");
        assert_eq!((k.kind, k.format, k.public_key), (Public, "pem", pk));
        let k = keys::identify(hex_text.as_bytes(), raw).expect("hex");
        assert_eq!((k.kind, k.format, k.public_key), (Public, "hex", pk));
    }
    assert_eq!(
        Error::key_file("r.pub", KeyProblem::RawKeyAmbiguous).class(),
        ErrorClass::BadInput
    );
}

#[test]
fn a_key_given_twice_is_refused_before_signing() {
    use modelseal::sign::{KeySigner, Signer, distinct_signers, key_id_of};
    let a = keys::generate().expect("key");
    let b = keys::generate().expect("key");
    let a1 = KeySigner::new(a.clone(), "key file a.pem");
    let a2 = KeySigner::new(a.clone(), "key file a-copy.pem");
    let b1 = KeySigner::new(b, "key file b.pem");
    distinct_signers(&[&a1, &b1]).expect("distinct");
    let e = distinct_signers(&[&a1, &b1, &a2]).expect_err("twice");
    let Error::KeyGivenTwice {
        key_id,
        first,
        second,
    } = &e
    else {
        panic!("not KeyGivenTwice: {e}");
    };
    let pk = a1.public_key().expect("pk");
    assert_eq!(*key_id, hex::encode(key_id_of(&pk)));
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("key file a.pem", "key file a-copy.pem")
    );
    assert_eq!(e.class(), ErrorClass::BadInput);
}

#[test]
fn outputs_that_name_a_directory_are_refused_before_writing() {
    let dir = tempfile::tempdir().expect("dir");
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).expect("mkdir");
    let slash = dir.path().join("missing/");
    for p in [sub.as_path(), slash.as_path()] {
        let e = AtomicFile::create(p, PUBLIC_MODE).expect_err("a directory");
        assert!(
            matches!(&e, Error::OutputIsDirectory { path } if path == p),
            "{e}"
        );
        assert_eq!(e.class(), ErrorClass::BadInput);
        for overwrite in [Overwrite::Refuse, Overwrite::Replace] {
            let e = write_atomic(p, b"x", PUBLIC_MODE, overwrite).expect_err("a directory");
            assert!(
                matches!(&e, Error::OutputIsDirectory { path } if path == p),
                "{e}"
            );
        }
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    assert_eq!(std::fs::read_dir(&sub).expect("dir").count(), 0);
}

#[test]
fn atomic_writes_refuse_replace_and_set_modes() {
    let dir = tempfile::tempdir().expect("dir");
    let p = dir.path().join("f");
    write_atomic(&p, b"one", SECRET_MODE, Overwrite::Refuse).expect("write");
    assert_eq!(
        std::fs::metadata(&p).expect("m").permissions().mode() & 0o777,
        0o600
    );
    let e = write_atomic(&p, b"two", SECRET_MODE, Overwrite::Refuse).expect_err("exists");
    assert!(matches!(e, Error::Exists(_)));
    assert_eq!(std::fs::read(&p).expect("read"), b"one");
    write_atomic(&p, b"three", PUBLIC_MODE, Overwrite::Replace).expect("replace");
    assert_eq!(std::fs::read(&p).expect("read"), b"three");
    assert_eq!(
        std::fs::metadata(&p).expect("m").permissions().mode() & 0o777,
        0o644
    );
    // A file dropped without commit leaves nothing behind.
    {
        let f = AtomicFile::create(&dir.path().join("g"), PUBLIC_MODE).expect("create");
        f.write_at(b"partial", 0).expect("write");
        assert!(f.temp_path().exists());
    }
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("e").file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("f")]);
}

fn file_ref(p: &Path) -> FileRef {
    let m = std::fs::metadata(p).expect("meta");
    FileRef {
        path: p.to_path_buf(),
        size: m.len(),
        modified: m.modified().ok(),
        field: "test".into(),
    }
}

#[test]
fn parallel_hashing_matches_sha256_and_copies() {
    let dir = tempfile::tempdir().expect("dir");
    let mut refs = Vec::new();
    let mut expect = Vec::new();
    for (i, len) in [0usize, 1, 4095, 4096, 3 * 1024 * 1024 + 7, 100]
        .iter()
        .enumerate()
    {
        let p = dir.path().join(format!("f{i}"));
        let data: Vec<u8> = (0..*len).map(|j| (j * 31 + i) as u8).collect();
        std::fs::write(&p, &data).expect("write");
        expect.push(<[u8; 32]>::from(sha2::Sha256::digest(&data)));
        refs.push(file_ref(&p));
    }
    let out = AtomicFile::create(&dir.path().join("out"), PUBLIC_MODE).expect("out");
    let mut offset = 0u64;
    let jobs: Vec<Job<'_>> = refs
        .iter()
        .map(|f| {
            let j = Job {
                file: f,
                copy_to: Some(offset),
                verity: None,
                keep_tree: false,
            };
            offset += f.size;
            j
        })
        .collect();
    for threads in [1, 2, 5] {
        let got: Vec<[u8; 32]> = hash_files(&jobs, Some(&out), threads, &NoProgress)
            .expect("hash")
            .into_iter()
            .map(|h| h.digest)
            .collect();
        assert_eq!(got, expect, "{threads} threads");
    }
    let mut all = Vec::new();
    for f in &refs {
        all.extend(std::fs::read(&f.path).expect("read"));
    }
    assert_eq!(std::fs::read(out.temp_path()).expect("copy"), all);
    // A file that changed since it was planned is refused.
    std::fs::write(&refs[1].path, b"changed!").expect("write");
    let e = hash_files(&jobs, None, 2, &NoProgress).expect_err("changed");
    assert!(
        matches!(&e, Error::FileChanged { path, .. } if *path == refs[1].path),
        "{e}"
    );
}

/// A file larger than one segment, hashed in pieces on several workers
/// beside flat files, gives the fs-verity digest and tree of one pass.
#[test]
fn fs_verity_of_one_file_is_hashed_in_segments_on_every_worker() {
    use modelseal::core::verity::Params;
    use modelseal::hashing::SEGMENT_LEN;
    let dir = tempfile::tempdir().expect("dir");
    let big_len = (2 * SEGMENT_LEN + 5) as usize;
    let big: Vec<u8> = (0..big_len)
        .map(|j| (j % 251) as u8 ^ (j >> 12) as u8)
        .collect();
    let bp = dir.path().join("big");
    std::fs::write(&bp, &big).expect("write");
    let sp = dir.path().join("small");
    std::fs::write(&sp, b"small flat file").expect("write");
    let (big_ref, small_ref) = (file_ref(&bp), file_ref(&sp));
    for (log, salt) in [(12u8, &b""[..]), (10, b"NaCl")] {
        let p = Params::new(1, log, salt).expect("params");
        let want = modelseal::verity::of_bytes(&p, &big).expect("reference");
        let out =
            AtomicFile::create(&dir.path().join(format!("out{log}")), PUBLIC_MODE).expect("out");
        let jobs = [
            Job {
                file: &small_ref,
                copy_to: Some(0),
                verity: None,
                keep_tree: false,
            },
            Job {
                file: &big_ref,
                copy_to: Some(100),
                verity: Some(p),
                keep_tree: true,
            },
        ];
        for threads in [1, 2, 5] {
            let got = hash_files(&jobs, Some(&out), threads, &NoProgress).expect("hash");
            assert_eq!(
                got[0].digest,
                <[u8; 32]>::from(sha2::Sha256::digest(b"small flat file"))
            );
            assert_eq!(got[1].digest, want.digest, "{threads} threads, log {log}");
            assert_eq!(got[1].tree, want.bytes, "{threads} threads, log {log}");
        }
        let copied = std::fs::read(out.temp_path()).expect("copy");
        assert_eq!(&copied[100..], &big[..]);
    }
}

#[test]
fn spec_parsing_names_fields() {
    let p = Path::new("s.toml");
    let e = parse(p, "kind = \"component\"\nversion = \"v\"\nsecurity_counter = 1\n[target]\nhardware_ids = [\"H\"]\nplatfrom = \"P\"\n")
        .expect_err("typo");
    let Error::Spec {
        file,
        field,
        message,
    } = &e
    else {
        panic!("not a spec error: {e}");
    };
    assert_eq!(file, p);
    assert_eq!(field, "target.platfrom");
    assert!(message.starts_with("unknown field `platfrom`"), "{message}");
    assert!(message.contains("line 6"), "{message}");
    assert_eq!(parse_time("2026-01-01T00:00:00Z"), Ok(1_767_225_600));
    assert_eq!(parse_time("1767225600"), Ok(1_767_225_600));
    assert!(parse_time("yesterday").is_err());
}

#[test]
fn exit_classes_follow_from_the_variant() {
    let dup = || Error::SignatureDuplicate {
        key_id: "00".into(),
    };
    assert_eq!(dup().class(), ErrorClass::Rejected);
    // A refusal keeps its class, and its reason, under the signer's name.
    let from = Error::signature_from("key file c1.pem", dup());
    assert_eq!(from.class(), ErrorClass::Rejected);
    assert!(matches!(from.reason(), Error::SignatureDuplicate { .. }));
    assert_eq!(from.to_string(), format!("key file c1.pem: {}", dup()));
    let bad_key = Error::key_file("k.pem", KeyProblem::Encrypted);
    assert_eq!(bad_key.class(), ErrorClass::BadInput);
    assert!(bad_key.to_string().starts_with("k.pem: encrypted PKCS#8"));
    assert_eq!(
        Error::Internal { invariant: "x" }.class(),
        ErrorClass::Internal
    );
    assert_eq!(
        Error::io("f", std::io::ErrorKind::NotFound.into()).class(),
        ErrorClass::Io
    );
}

/// The keys of a JSON object, sorted.
fn keys_of(v: &serde_json::Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

#[test]
fn inspection_json_keeps_its_shape() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/valid-rotation");
    let root = std::fs::read(data.join("root.msr")).expect("root");
    let bundle = data.join("bundle.msb");
    let json = |root: Option<&[u8]>| {
        let i = modelseal::inspect::inspect_path(&bundle, root).expect("inspect");
        serde_json::to_value(&i.report).expect("json")
    };

    let judged = json(Some(&root));
    assert_eq!(
        keys_of(&judged),
        [
            "authenticated",
            "bundle_len",
            "file",
            "file_len",
            "form",
            "head_len",
            "manifest",
            "manifest_digest",
            "rotation_chain",
            "signatures",
            "type",
        ]
    );
    assert_eq!(judged["type"], "bundle");
    assert_eq!(judged["form"], "whole bundle");
    assert_eq!(keys_of(&judged["signatures"]), ["root_in_force", "status"]);
    assert_eq!(judged["signatures"]["root_in_force"], 2);
    assert_eq!(
        keys_of(&judged["rotation_chain"][0]["root"]["roles"][0]),
        ["id", "keys", "name", "threshold"]
    );
    assert_eq!(keys_of(&judged["manifest"]["created_at"]), ["unix", "utc"]);
    assert_eq!(
        judged["manifest"]["components"][0]["lineage"]
            .as_object()
            .map(serde_json::Map::len),
        Some(8)
    );

    // Without the device root nothing is judged, and says so with nulls.
    let unjudged = json(None);
    let sigs = &unjudged["signatures"];
    assert_eq!(keys_of(sigs), ["root_in_force", "signatures"]);
    assert!(sigs["root_in_force"].is_null());
    assert!(sigs["signatures"][0]["counts_for"].is_null());
    assert_eq!(sigs["signatures"][0]["valid"], true);

    // A root inspected against a root that is not its previous one.
    let r = modelseal::inspect::inspect_path(&data.join("root.msr"), Some(&root)).expect("root");
    let r = serde_json::to_value(&r.report).expect("json");
    assert_eq!(
        keys_of(&r),
        ["document_digest", "file", "root", "signatures", "type"]
    );
    assert_eq!(r["type"], "root");
    assert!(r["signatures"]["roles"].is_null() && r["signatures"]["complete"].is_null());
}
