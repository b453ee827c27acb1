//! fs-verity interoperability: every digest and tree modelseal computes
//! (the host's single pass, the host's segmented multi-core hashing, the
//! ECU core's streaming hasher) is compared byte for byte with Debian's
//! `fsverity digest` (package `fsverity`, installed by `tests/setup.sh`),
//! and the ECU's verify on read accepts the tree `fsverity` exports.
//!
//! Shapes: sizes 0, 1, one block - 1, one block, one block + 1, many
//! blocks, and trees of two and three levels; block sizes 1 KiB, 4 KiB
//! and 64 KiB; with and without a salt.

use modelseal::core::bundle::{ReadAt, ReadFailure};
use modelseal::core::verity::{BlockCache, BlockChecker, Hasher, Params, descriptor};
use modelseal::core::{Error, SoftSha256};
use modelseal::fsio::{AtomicFile, PUBLIC_MODE};
use modelseal::hashing::{Job, NoProgress, hash_files};
use modelseal::spec::FileRef;
use std::path::Path;
use std::process::Command;

/// What `fsverity digest` says: the digest, the exported tree, the descriptor.
fn fsverity(file: &Path, block: usize, salt: &[u8], dir: &Path) -> ([u8; 32], Vec<u8>, Vec<u8>) {
    let tree = dir.join("tree");
    let desc = dir.join("desc");
    let mut c = Command::new("fsverity");
    c.arg("digest")
        .arg(file)
        .arg("--hash-alg=sha256")
        .arg(format!("--block-size={block}"))
        .arg("--out-merkle-tree")
        .arg(&tree)
        .arg("--out-descriptor")
        .arg(&desc);
    if !salt.is_empty() {
        c.arg(format!("--salt={}", hex::encode(salt)));
    }
    let o = c
        .output()
        .expect("`fsverity` runs (tests/setup.sh installs Debian's fsverity package)");
    assert!(
        o.status.success(),
        "fsverity: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8(o.stdout).expect("utf-8");
    let hexd = out
        .split_whitespace()
        .next()
        .and_then(|w| w.strip_prefix("sha256:"))
        .expect("`sha256:<digest> <file>`");
    let d: [u8; 32] = hex::decode(hexd)
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    (
        d,
        std::fs::read(&tree).expect("tree"),
        std::fs::read(&desc).expect("descriptor"),
    )
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

struct Mem<'a>(&'a [u8]);
impl ReadAt for Mem<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_exact_at(&mut self, off: u64, buf: &mut [u8]) -> Result<(), ReadFailure> {
        let o = usize::try_from(off).map_err(|_| ReadFailure)?;
        let s = self.0.get(o..o + buf.len()).ok_or(ReadFailure)?;
        buf.copy_from_slice(s);
        Ok(())
    }
}

fn data(n: usize, seed: usize) -> Vec<u8> {
    (0..n)
        .map(|i| ((i * 131 + seed) % 251) as u8 ^ (i >> 10) as u8)
        .collect()
}

#[test]
fn digests_and_trees_are_those_of_linux_fsverity() {
    let dir = tempfile::tempdir().expect("dir");
    let mut cases = 0;
    for (block, salt) in [
        (4096usize, &b""[..]),
        (4096, b"\x01\x02salt"),
        (1024, b""),
        (1024, &[0x5a; 32]),
        (65536, b"s"),
    ] {
        let per = block / 32;
        let sizes = [
            0,
            1,
            block - 1,
            block,
            block + 1,
            7 * block + 3,
            per * block,               // one full level-1 block: two levels exactly
            per * block + 1,           // a second level-1 block: a level above
            per * per * block + block, // three hash levels
        ];
        for (i, n) in sizes.into_iter().enumerate() {
            if n > 48 << 20 {
                continue; // 64 KiB blocks: the three-level file would be 256 GiB
            }
            let bytes = data(n, i);
            let f = dir.path().join(format!("f-{block}-{i}"));
            std::fs::write(&f, &bytes).expect("write");
            let (want, want_tree, want_desc) = fsverity(&f, block, salt, dir.path());
            let p = Params::new(1, block.trailing_zeros() as u8, salt).expect("params");

            // The host, one pass.
            let t = modelseal::verity::of_bytes(&p, &bytes).expect("host");
            assert_eq!(t.digest, want, "host digest, block {block}, size {n}");
            assert_eq!(
                t.bytes.as_deref(),
                Some(&want_tree[..]),
                "host tree, block {block}, size {n}"
            );
            assert_eq!(
                &descriptor(&p, n as u64, &t.root)[..],
                &want_desc[..],
                "descriptor"
            );

            // The host's build path: segments on several workers.
            let r = file_ref(&f);
            let jobs = [Job {
                file: &r,
                copy_to: None,
                verity: Some(p),
                keep_tree: true,
            }];
            let h = hash_files(&jobs, None, 3, &NoProgress).expect("hash_files");
            assert_eq!(h[0].digest, want);
            assert_eq!(h[0].tree.as_deref(), Some(&want_tree[..]));

            // The ECU's streaming check, in odd chunks.
            let mut e = SoftSha256::new();
            let mut s = Hasher::new(p, n as u64).expect("hasher");
            for c in bytes.chunks(1000) {
                s.update(&mut e, c).expect("update");
            }
            assert_eq!(
                s.finish(&mut e).expect("finish"),
                want,
                "core, block {block}, size {n}"
            );

            // Verify on read over fsverity's own tree: a few blocks, and a
            // flipped bit in each.
            let mut mem = vec![0u8; 4 * BlockCache::slot_len(block)];
            let mut cache = BlockCache::new(&mut mem, &p).expect("cache");
            let mut tree = Mem(&want_tree);
            let c = BlockChecker::open(&mut e, p, n as u64, &want, &mut tree, &mut cache)
                .expect("open fsverity's tree");
            let blocks = n.div_ceil(block);
            for b in [0, blocks / 2, blocks.saturating_sub(1)] {
                if n == 0 {
                    break;
                }
                let (from, to) = (b * block, ((b + 1) * block).min(n));
                c.check(&mut e, &mut tree, &mut cache, from as u64, &bytes[from..to])
                    .expect("block verifies");
                let mut bad = bytes[from..to].to_vec();
                let mid = bad.len() / 2;
                bad[mid] ^= 4;
                assert_eq!(
                    c.check(&mut e, &mut tree, &mut cache, from as u64, &bad),
                    Err(Error::VerityBlockMismatch)
                );
            }
            cases += 1;
        }
    }
    assert!(cases >= 40, "{cases} cases");
}

/// The multi-core build writes payload bytes where it hashes them; the
/// copy and the digest come from the same read.
#[test]
fn segmented_hashing_copies_what_it_hashes() {
    let dir = tempfile::tempdir().expect("dir");
    let n = (modelseal::hashing::SEGMENT_LEN as usize) + 4096 * 3 + 17;
    let bytes = data(n, 9);
    let f = dir.path().join("w");
    std::fs::write(&f, &bytes).expect("write");
    let (want, want_tree, _) = fsverity(&f, 4096, b"", dir.path());
    let out = AtomicFile::create(&dir.path().join("out"), PUBLIC_MODE).expect("out");
    let r = file_ref(&f);
    let p = Params::new(1, 12, b"").expect("params");
    let jobs = [Job {
        file: &r,
        copy_to: Some(4096),
        verity: Some(p),
        keep_tree: true,
    }];
    let h = hash_files(&jobs, Some(&out), 2, &NoProgress).expect("hash");
    assert_eq!(h[0].digest, want);
    assert_eq!(h[0].tree.as_deref(), Some(&want_tree[..]));
    assert_eq!(
        &std::fs::read(out.temp_path()).expect("out")[4096..],
        &bytes[..]
    );
}
