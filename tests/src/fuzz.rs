//! Fuzz harnesses. Each takes arbitrary bytes, drives one surface of the
//! verifier, and checks properties beyond "does not panic". The cargo-fuzz
//! targets in `fuzz/` are three-line shims over these, so the same code
//! also runs as ordinary tests over the committed corpus.

use crate::*;
use modelseal::model::Root as RootModel;
use modelseal_core::doc::{BundleKind, Stage};
use modelseal_core::envelope::DocType;
use modelseal_core::limits::{IDENTITY_CHECK_LEN, IDENTITY_HEADER_LEN};
use modelseal_core::manifest::ManifestView;
use modelseal_core::root::TrustRoot;
use modelseal_core::unverified::{UnauthenticatedHead, manifest_unauthenticated};
use modelseal_core::{DevicePolicy, Error, SoftSha256, identity};
use std::sync::OnceLock;

/// Built once per process: the harnesses run for every fuzz input.
fn fixtures() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(Fixture::standard)
}

/// Reads every item of every section of a manifest view, as `inspect` does.
fn walk(m: &ManifestView<'_>) -> usize {
    let mut n = 0;
    if let Ok(t) = m.target() {
        n += t.hardware_ids.count() + t.serials.count();
    }
    if let Ok(cs) = m.components() {
        for c in cs {
            n += c.tickets.count() + c.metadata.count();
        }
    }
    if let Ok(Some(sc)) = m.system_config() {
        for e in sc.ecus {
            n += e.models.count();
        }
        n += sc.middleware.count() + sc.parameter_sets.count();
    }
    if let Ok(a) = m.artifacts() {
        n += a.count();
    }
    if let Ok(e) = m.extensions() {
        n += e.count();
    }
    n
}

/// Arbitrary bytes as a bundle: through the ECU's verifier (in memory and
/// through a reader, which must agree) and through the host's
/// unauthenticated reader.
pub fn bundle_bytes(data: &[u8]) {
    let f = fixtures();
    let _ = verify(&f.root, &policy(), data);
    if let Ok(h) = UnauthenticatedHead::parse(data) {
        for env in h.chain() {
            let _ = TrustRoot::parse_doc(env.doc());
        }
        if let Ok(m) = h.manifest_unauthenticated() {
            walk(&m);
        }
    }
}

/// Arbitrary bytes as a manifest document. The parser runs on its own
/// (fast); a document it accepts is then signed by the role for its kind
/// and must pass the ECU's verifier up to the device policy, and re-encode
/// to a document that reads back equal.
pub fn manifest_doc(data: &[u8]) {
    let f = fixtures();
    for (kind, signers) in [
        (BundleKind::Component, ["c1", "c2"]),
        (BundleKind::SystemConfig, ["s1", "s2"]),
    ] {
        let Ok(m) = manifest_unauthenticated(data, kind) else {
            continue;
        };
        walk(&m);
        let model = modelseal::model::Manifest::from_view(&m).expect("model");
        let again = model.encode().expect("re-encodes");
        let back = manifest_unauthenticated(&again, kind).expect("re-encoded manifest reads");
        assert_eq!(
            modelseal::model::Manifest::from_view(&back).expect("model"),
            model
        );

        let env = envelope(doc_type_of(kind), data.to_vec(), &signers);
        let head = modelseal::bundle::head(&[], &env).expect("head");
        let mut v = crate::test_device(&f.root, any_stage_policy(kind), SoftSha256::new())
            .expect("fixture root");
        // A stage code outside the three known ones meets no minimum: the
        // parser accepts it, no device does.
        let unknown_stage = m
            .components()
            .expect("components")
            .any(|c| c.stage().is_none_or(|s| s.rank().is_none()));
        match v.verify_head(&head) {
            Ok(s) => assert_eq!(
                walk(s.manifest().expect("verified manifest").view()),
                walk(&m)
            ),
            Err(Error::StageTooLow) if unknown_stage => {}
            Err(e) => assert!(
                matches!(
                    e,
                    Error::WrongHardware
                        | Error::WrongSerial
                        | Error::WrongPlatform
                        | Error::WrongMarket
                        | Error::NotInConfiguration
                        | Error::LimitExceeded
                ),
                "a document the parser accepts failed verification with {e:?}"
            ),
        }
    }
}

/// The standard device's slot for `kind` with no floor and any stage: it
/// accepts anything the target binding allows.
fn any_stage_policy(kind: BundleKind) -> DevicePolicy {
    PolicySpec {
        kind,
        counter_floor: 0,
        min_stage: Stage::DEVELOPMENT.code(),
        ..PolicySpec::standard()
    }
    .to_policy()
    .expect("policy")
}

/// Arbitrary bytes as a trust-root document: parsed on its own and
/// re-encoded; a root that parses is then offered as a rotation signed by
/// the current root role.
pub fn root_doc(data: &[u8]) {
    let f = fixtures();
    let Ok(parsed) = TrustRoot::parse_doc(data) else {
        return;
    };
    let model = RootModel::from_trust_root(&parsed);
    let again = model.encode().expect("re-encodes");
    let back = TrustRoot::parse_doc(&again).expect("re-encoded root parses");
    assert_eq!(RootModel::from_trust_root(&back), model);
    let env = envelope(DocType::Root, data.to_vec(), &["r1", "r2"]);
    let m = component_manifest(&payloads());
    let b = bundle(&[env], &m, &["c1", "c2"], &slices(&f.payloads));
    if let Ok(v) = verify(&f.root, &policy(), &b) {
        let in_force = TrustRoot::from_envelope_unverified(&f.root).expect("root");
        let same_as_in_force =
            TrustRoot::parse_doc(data).map(|r| *r.digest()) == Ok(*in_force.digest());
        match v.new_root {
            Some(new_root) => {
                let r =
                    TrustRoot::from_envelope_unverified(&new_root).expect("persisted root parses");
                assert_eq!((r.version(), parsed.version()), (2, 2));
            }
            // Only the root already in force is skipped without a rotation.
            None => assert!(same_as_in_force),
        }
    }
}

/// Arbitrary bytes as an identity record: as received, and with header and
/// check value repaired so the body decoder is reached.
pub fn identity_record(data: &[u8]) {
    let mut e = SoftSha256::new();
    if let Ok(id) = identity::decode(&mut e, data) {
        let _ = (id.components.count(), id.signers.count());
    }
    let body = data.get(..data.len().min(1400)).unwrap_or_default();
    let mut rec = Vec::with_capacity(body.len() + 16);
    rec.extend_from_slice(&identity::IDENTITY_MAGIC);
    rec.extend_from_slice(&1u16.to_le_bytes());
    rec.extend_from_slice(&(body.len() as u16).to_le_bytes());
    rec.extend_from_slice(body);
    let check = sha256(&rec);
    rec.extend_from_slice(&check[..IDENTITY_CHECK_LEN]);
    match identity::decode(&mut e, &rec) {
        Ok(id) => {
            assert!(id.kind().is_some());
            let _ = (id.components.count(), id.signers.count());
        }
        Err(err) => assert_ne!(err, Error::IdentityCheck, "repaired check value refused"),
    }
    let _ = IDENTITY_HEADER_LEN;
}

/// The standard bundle streamed through the per-chunk API as the fuzz
/// input dictates: artifact order, chunk sizes, and at most one fault (a
/// flipped byte, a missing byte, an extra byte). The verdict must be exactly
/// what the fault implies.
pub fn streaming(data: &[u8]) {
    let f = fixtures();
    let mut input = data.iter().copied();
    let mut next = move || input.next().unwrap_or(0);
    let n = f.payloads.len();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, usize::from(next()) % (i + 1));
    }
    let fault = next() % 4; // 0 none, 1 flip, 2 short, 3 long
    let fault_at = usize::from(next()) % n;
    let chunks: Vec<usize> = (0..8)
        .map(|_| usize::from(next()) * 37 % 5000 + 1)
        .collect();

    let mut v = f.verifier();
    let mut s = v.verify_head(f.head()).expect("standard head verifies");
    let mut expected_error = None;
    for (k, &i) in order.iter().enumerate() {
        let mut bytes = f.payloads[i].clone();
        let faulty = fault != 0 && k == fault_at;
        if faulty {
            match fault {
                1 => {
                    let at = usize::from(next()) * 131 % bytes.len();
                    bytes[at] ^= 1 << (next() % 8);
                }
                2 => {
                    bytes.pop();
                }
                _ => bytes.push(next()),
            }
        }
        let mut c = v.begin_artifact(&mut s, i).expect("begin");
        let mut result = Ok(());
        for (j, piece) in bytes.chunks(chunks[k % chunks.len()]).enumerate() {
            let _ = j;
            result = v.update_artifact(&mut c, piece);
            if result.is_err() {
                break;
            }
        }
        let result = result.and_then(|()| v.finish_artifact(&mut s, c));
        if faulty {
            let want = match fault {
                1 => Error::ArtifactDigestMismatch,
                2 => Error::ArtifactTruncated,
                _ => Error::ArtifactTooLong,
            };
            assert_eq!(result, Err(want));
            expected_error = Some(Error::ArtifactsIncomplete);
        } else {
            assert_eq!(result, Ok(()));
        }
    }
    assert_eq!(s.finish().err(), expected_error);
}

/// Arbitrary bytes as a version report: as received (parse, then check
/// with the standard device key, in the core and on the host), and inside
/// a well-formed header so the body decoder is reached. Nothing may be
/// accepted that the standard key did not sign.
pub fn version_report(data: &[u8]) {
    use crate::reports::{NONCE, SERIAL, device_key};
    use modelseal::report::{EcuPublicKey, Expectation, Freshness};
    use modelseal_core::limits::{MAX_REPORT_LEN, REPORT_HEADER_LEN, REPORT_SIGNATURE_LEN};
    use modelseal_core::report::{self, Algorithm};
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    let pk = *KEY.get_or_init(|| match device_key(Algorithm::Ed25519, "fc").public_key() {
        EcuPublicKey::Ed25519(k) => k,
        EcuPublicKey::P256(_) => [0; 32],
    });
    let check = |bytes: &[u8]| {
        if let Ok(s) = report::parse(bytes) {
            assert!(bytes.len() <= MAX_REPORT_LEN);
            let _ = s.signed_message();
            if let Ok(r) = s.verify_ed25519(&pk) {
                let _ = (r.components().count(), r.signers().count(), r.kind());
            }
        }
        let want = Expectation {
            key: EcuPublicKey::Ed25519(pk),
            serial: Some(SERIAL.into()),
            freshness: Freshness::Nonce(NONCE.to_vec()),
            last_sequence: None,
            manifest_digest: None,
        };
        let _ = modelseal::report::verify(bytes, &want);
    };
    check(data);
    let body = data.get(..data.len().min(1700)).unwrap_or_default();
    let mut rep = Vec::with_capacity(body.len() + REPORT_HEADER_LEN + REPORT_SIGNATURE_LEN);
    rep.extend_from_slice(&report::REPORT_MAGIC);
    rep.extend_from_slice(&1u16.to_le_bytes());
    rep.extend_from_slice(&[1, 0]);
    rep.extend_from_slice(&(body.len() as u16).to_le_bytes());
    rep.extend_from_slice(body);
    rep.extend_from_slice(&[0; REPORT_SIGNATURE_LEN]);
    match report::parse(&rep) {
        // A zero signature never verifies.
        Ok(s) => assert_eq!(s.verify_ed25519(&pk).unwrap_err(), Error::SignatureRejected),
        Err(e) => assert!(
            matches!(
                e,
                Error::Malformed
                    | Error::Invalid
                    | Error::LimitExceeded
                    | Error::Truncated
                    | Error::TrailingBytes
            ),
            "unexpected refusal of a report body: {e:?}"
        ),
    }
    check(&rep);
}

/// A tree (or file) in memory, for the verify-on-read harness.
struct MemReader<'a>(&'a [u8]);

impl modelseal_core::bundle::ReadAt for MemReader<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_exact_at(
        &mut self,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<(), modelseal_core::bundle::ReadFailure> {
        let o = usize::try_from(offset).map_err(|_| modelseal_core::bundle::ReadFailure)?;
        let src = o
            .checked_add(buf.len())
            .and_then(|end| self.0.get(o..end))
            .ok_or(modelseal_core::bundle::ReadFailure)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}

/// Verify on read over hostile trees, offsets, lengths and bytes: the
/// input picks the block size, salt, file size, faults in the tree (flipped
/// bits, truncation), the cache size and a series of reads, some with a
/// flipped bit. Never panics, and a read is accepted only when its bytes
/// are the file's bytes at that offset.
pub fn verity(data: &[u8]) {
    use modelseal_core::verity::{BlockCache, BlockChecker, Params};
    let mut input = data.iter().copied();
    let mut next = move || input.next().unwrap_or(0);
    let log = 10 + next() % 3;
    let salt: Vec<u8> = (0..next() % 33).map(|_| next()).collect();
    let p = Params::new(1, log, &salt).expect("valid parameters");
    let bs = p.block_size();
    let n = ((usize::from(next()) << 8) | usize::from(next())) * 37 % (bs * 40 + 1);
    let file: Vec<u8> = (0..n).map(|i| (i as u8) ^ ((i >> 8) as u8)).collect();
    let t = modelseal::verity::of_bytes(&p, &file).expect("tree");
    let mut tree = t.bytes.unwrap_or_default();
    for _ in 0..next() % 4 {
        if !tree.is_empty() {
            let at = (usize::from(next()) * 131 + usize::from(next())) % tree.len();
            tree[at] ^= 1 << (next() % 8);
        }
    }
    if next() % 8 == 0 {
        let cut = usize::from(next()) * 17 % (tree.len() + 1);
        tree.truncate(cut);
    }
    let slots = 1 + usize::from(next() % 4);
    let mut mem = vec![0u8; slots * BlockCache::slot_len(bs)];
    let mut cache = BlockCache::new(&mut mem, &p).expect("cache");
    let mut e = SoftSha256::new();
    let mut tr = MemReader(&tree);
    let Ok(c) = BlockChecker::open(&mut e, p, n as u64, &t.digest, &mut tr, &mut cache) else {
        return;
    };
    for _ in 0..8 {
        let off = (usize::from(next()) * 97 + usize::from(next())) % (n + bs + 1);
        let len = usize::from(next()) * 61 % (3 * bs + 1);
        let mut bytes = file
            .get(off.min(n)..off.saturating_add(len).min(n))
            .unwrap_or(&[])
            .to_vec();
        let flip = next() % 4 == 0 && !bytes.is_empty();
        if flip {
            let at = usize::from(next()) % bytes.len();
            bytes[at] ^= 1;
        }
        if c.check(&mut e, &mut tr, &mut cache, off as u64, &bytes)
            .is_ok()
        {
            assert!(!flip, "a changed byte verified at {off}");
            assert_eq!(&bytes[..], &file[off..off + bytes.len()], "at {off}");
        }
    }
}
