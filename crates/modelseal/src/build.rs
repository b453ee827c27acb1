//! Building a bundle from a spec: resolve, hash (streaming, parallel),
//! encode through the core, sign, write atomically, check with the core,
//! rename into place.
//!
//! The payload bytes are copied into the bundle by the same read that
//! hashes them: the manifest's length does not depend on digest values, so
//! the head length and every payload offset are known before hashing
//! starts. In detached mode only the head is written and the artifacts stay
//! where they are.

use crate::authority::{SignatureStatus, root_in_force};
use crate::error::{Error, Result};
use crate::fsio::{AtomicFile, Overwrite, PUBLIC_MODE};
use crate::hashing::{Job, Progress, hash_files};
use crate::sign::{SignedDocument, Signer, key_id_of};
use crate::spec::{self, Slot};
use crate::verify::{Payloads, check_output, doc_type_of};
use modelseal_core::bundle::Layout;
use modelseal_core::doc::BundleKind;
use modelseal_core::limits::BUNDLE_HEADER_LEN;
use modelseal_core::unverified::manifest_unauthenticated;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to build and how.
pub struct BuildOptions<'a> {
    /// The spec file.
    pub spec: &'a Path,
    /// Where the bundle (or, detached, the bundle head) goes.
    pub output: &'a Path,
    /// Write the head only; the artifacts stay as files.
    pub detached: bool,
    /// The device trust root (a root envelope).
    pub device_root: &'a [u8],
    /// Root envelopes to carry (rotations newer than `device_root`), oldest first.
    pub chain: Vec<Vec<u8>>,
    /// Signers to sign with now (may be fewer than the threshold).
    pub signers: Vec<&'a dyn Signer>,
    /// Worker threads for hashing and checking.
    pub threads: usize,
    /// Whether an existing output may be replaced.
    pub overwrite: Overwrite,
    /// Creation time to use when the spec gives none.
    pub created_at: u64,
    /// The current time (expiry dates must be after it).
    pub now: u64,
    /// The largest bundle head the target ECU holds (its work buffer
    /// less the read chunk), when known: a bundle whose head, with the
    /// signing role's threshold of signatures, is longer is refused before
    /// anything is hashed.
    pub max_head_len: Option<usize>,
    /// Where to write the fs-verity tree of every artifact with an
    /// fs-verity digest, as `<dir>/<name>.merkle` (the layout
    /// `fsverity digest --out-merkle-tree` writes), for devices that
    /// verify on read.
    pub tree_dir: Option<&'a Path>,
}

impl std::fmt::Debug for BuildOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildOptions")
            .field("spec", &self.spec)
            .field("output", &self.output)
            .field("detached", &self.detached)
            .field("signers", &self.signers.len())
            .finish_non_exhaustive()
    }
}

/// Seconds spent per phase.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    /// Reading the spec and looking up files.
    pub resolve_s: f64,
    /// Hashing (and copying, for a whole bundle).
    pub hash_s: f64,
    /// Encoding and signing.
    pub sign_s: f64,
    /// Flushing to disk and reading back through the core.
    pub check_s: f64,
    /// Everything.
    pub total_s: f64,
}

/// What a build produced.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// The output file.
    pub output: PathBuf,
    /// Whether it is a detached head.
    pub detached: bool,
    /// `component` or `system-config`.
    pub kind: String,
    /// Bundle version.
    pub version: String,
    /// Manifest digest (hex): the bundle's identity.
    pub manifest_digest: String,
    /// Number of artifacts.
    pub artifacts: usize,
    /// Bytes of artifact payload.
    pub payload_bytes: u64,
    /// Length of the head.
    pub head_len: usize,
    /// Length of the file written.
    pub file_len: u64,
    /// Signatures and thresholds.
    pub signatures: SignatureStatus,
    /// Phase timings.
    pub timings: Timings,
    /// Things a person should know (the bundle is valid regardless).
    pub warnings: Vec<String>,
    /// The fs-verity tree files written (with `tree_dir`).
    pub trees_written: Vec<PathBuf>,
}

/// Builds a bundle.
pub fn build(opts: &BuildOptions<'_>, progress: &dyn Progress) -> Result<BuildReport> {
    let t0 = Instant::now();
    crate::fsio::refuse_directory(opts.output)?;
    if opts.overwrite == Overwrite::Refuse && opts.output.exists() {
        return Err(Error::Exists(opts.output.to_path_buf()));
    }
    let spec_file = spec::load(opts.spec)?;
    let mut plan = spec::resolve(opts.spec, &spec_file, opts.created_at)?;
    let kind = crate::model::kind_of(&plan.manifest)?;
    let threshold = check_signers(opts, kind)?;
    let layout = Planned::new(opts, &plan)?;
    check_head_budget(opts, &layout, threshold)?;
    let warnings = detached_warnings(opts, &plan);
    let t_resolve = t0.elapsed();

    // Hash (and copy).
    let t1 = Instant::now();
    let out = AtomicFile::create(opts.output, PUBLIC_MODE)?;
    let trees = hash_into(opts, &mut plan, &layout, &out, progress)?;
    let t_hash = t1.elapsed();

    // Encode, check with the core, sign.
    let t2 = Instant::now();
    progress.phase("signing");
    let (signed, head) = sign_head(opts, &plan, &layout)?;
    out.write_at(&head, 0)?;
    let t_sign = t2.elapsed();

    // Flush, read back through the core, rename into place.
    let t3 = Instant::now();
    let status = check_and_commit(opts, &head, out, progress)?;
    let trees_written = write_trees(opts, trees)?;
    let file_len = if opts.detached {
        head.len() as u64
    } else {
        layout.total_len
    };
    let t_check = t3.elapsed();

    Ok(BuildReport {
        output: opts.output.to_path_buf(),
        detached: opts.detached,
        kind: kind.name().into(),
        version: plan.manifest.head.version.clone(),
        manifest_digest: hex::encode(signed.digest()),
        artifacts: plan.manifest.artifacts.len(),
        payload_bytes: layout.payload_bytes,
        head_len: layout.head_len,
        file_len,
        signatures: status,
        timings: Timings {
            resolve_s: t_resolve.as_secs_f64(),
            hash_s: t_hash.as_secs_f64(),
            sign_s: t_sign.as_secs_f64(),
            check_s: t_check.as_secs_f64(),
            total_s: t0.elapsed().as_secs_f64(),
        },
        warnings,
        trees_written,
    })
}

/// Writes each kept fs-verity tree to `<tree_dir>/<name>.merkle`, after the
/// bundle is in place (a tree without its bundle is of no use).
fn write_trees(opts: &BuildOptions<'_>, trees: Vec<(String, Vec<u8>)>) -> Result<Vec<PathBuf>> {
    let Some(dir) = opts.tree_dir else {
        return Ok(Vec::new());
    };
    let mut written = Vec::new();
    for (name, bytes) in trees {
        let path = dir.join(format!("{name}{}", crate::verity::TREE_SUFFIX));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        crate::fsio::write_atomic(&path, &bytes, PUBLIC_MODE, opts.overwrite)?;
        written.push(path);
    }
    Ok(written)
}

/// Flushes the output, has the core check it for every device the target
/// names, and only then renames it into place.
fn check_and_commit(
    opts: &BuildOptions<'_>,
    head: &[u8],
    out: AtomicFile,
    progress: &dyn Progress,
) -> Result<SignatureStatus> {
    progress.phase("flushing to disk");
    out.sync()?;
    progress.phase("checking with the verifier");
    let what = opts.output.display().to_string();
    let payloads = if opts.detached {
        Payloads::Detached
    } else {
        Payloads::InFile(out.file())
    };
    let status = check_output(
        &what,
        head,
        payloads,
        opts.device_root,
        opts.now,
        opts.threads,
    )?;
    out.commit(opts.overwrite)?;
    Ok(status)
}

/// Refuses a signer whose key is not in the signing role of the root in
/// force after the chain (the chain is checked by the core here, before
/// any hashing). Returns the role's threshold.
fn check_signers(opts: &BuildOptions<'_>, kind: BundleKind) -> Result<usize> {
    let (root_version, root_doc) =
        root_in_force(opts.device_root, &opts.chain).map_err(|e| match e {
            Error::Verify { context, source } => Error::WouldBeRejected { context, source },
            other => other,
        })?;
    let role_id = kind.role().code();
    let role = modelseal_core::root::TrustRoot::parse_doc(&root_doc)
        .map_err(|e| Error::verify("trust root", e))?;
    let role_keys = role.role(role_id).ok_or(Error::verify(
        "trust root",
        modelseal_core::Error::RootInvalid,
    ))?;
    for s in &opts.signers {
        let pk = s.public_key()?;
        if role_keys.position(&pk).is_none() {
            let role = crate::authority::role_name(role_id);
            return Err(Error::signature_from(
                s.describe(),
                Error::SignerNotInRole {
                    key_id: hex::encode(key_id_of(&pk)),
                    roles: vec![format!("{role} role of root v{root_version}")],
                },
            ));
        }
    }
    Ok(usize::from(role_keys.threshold()))
}

/// Refuses a head longer than the target ECU holds: its length once the
/// role's threshold of signatures is on it (each signature adds
/// `SIGNATURE_ENTRY_LEN` bytes; signatures added later count too).
fn check_head_budget(opts: &BuildOptions<'_>, layout: &Planned, threshold: usize) -> Result<()> {
    let Some(max) = opts.max_head_len else {
        return Ok(());
    };
    let signatures = threshold.max(opts.signers.len());
    let head_len = layout.head_len
        + (signatures - opts.signers.len()) * modelseal_core::limits::SIGNATURE_ENTRY_LEN;
    if head_len > max {
        return Err(Error::HeadOverBudget {
            head_len,
            max,
            signatures,
        });
    }
    Ok(())
}

/// Lengths and payload offsets, known before hashing: the manifest's
/// length does not depend on digest values.
struct Planned {
    /// Length of the manifest document.
    doc_len: usize,
    /// Length of the signed head.
    head_len: usize,
    /// Offset of each artifact's payload, in manifest order.
    offsets: Vec<u64>,
    /// Length of the whole bundle.
    total_len: u64,
    /// Bytes of artifact payload.
    payload_bytes: u64,
}

impl Planned {
    fn new(opts: &BuildOptions<'_>, plan: &spec::Plan) -> Result<Self> {
        let doc_len = plan.manifest.encode()?.len();
        let env_len = modelseal_core::write::envelope_len(doc_len, opts.signers.len())
            .ok_or(Error::TooLarge("manifest envelope"))?;
        let head_len = opts
            .chain
            .iter()
            .map(Vec::len)
            .sum::<usize>()
            .checked_add(BUNDLE_HEADER_LEN + env_len)
            .ok_or(Error::TooLarge("bundle head"))?;
        let mut layout = Layout::new(head_len as u64);
        // Every artifact's size is in the manifest already (a tree
        // artifact's from its data's size).
        let sizes: Vec<u64> = plan.manifest.artifacts.iter().map(|a| a.size).collect();
        let mut offsets = Vec::with_capacity(sizes.len());
        for size in &sizes {
            offsets.push(
                layout
                    .place(*size)
                    .map_err(|e| Error::verify("bundle layout", e))?,
            );
        }
        Ok(Self {
            doc_len,
            head_len,
            offsets,
            total_len: layout.end(),
            payload_bytes: sizes.iter().sum(),
        })
    }
}

/// For a detached head: artifacts read from a path other than the one
/// `verify --artifacts DIR` will look in.
fn detached_warnings(opts: &BuildOptions<'_>, plan: &spec::Plan) -> Vec<String> {
    if !opts.detached {
        return Vec::new();
    }
    let mut w: Vec<String> = plan
        .files
        .iter()
        .filter_map(|(s, f)| match s {
            Slot::Artifact(i) => plan.manifest.artifacts.get(*i).map(|a| (a, f)),
            _ => None,
        })
        .filter(|(a, f)| plan.artifact_root.join(&a.name) != f.path)
        .map(|(a, f)| {
            format!(
                "artifact `{}` is read from {}; verifying the detached head looks for it at <artifacts dir>/{}",
                a.name,
                f.path.display(),
                a.name
            )
        })
        .collect();
    for (t, _) in &plan.trees {
        if let Some(a) = plan.manifest.artifacts.get(*t) {
            w.push(format!(
                "artifact `{}` is an fs-verity tree the build computes; verifying the detached head looks for it at <artifacts dir>/{} (write it there with the tree directory option)",
                a.name, a.name
            ));
        }
    }
    w
}

/// Hashes every file of the plan into its digest slot, copying payloads
/// into `out` at their offsets (not for a detached head); writes each tree
/// the bundle carries at its offset. Returns the trees to write beside the
/// artifacts (with `tree_dir`), by artifact name.
fn hash_into(
    opts: &BuildOptions<'_>,
    plan: &mut spec::Plan,
    layout: &Planned,
    out: &AtomicFile,
    progress: &dyn Progress,
) -> Result<Vec<(String, Vec<u8>)>> {
    if !opts.detached {
        out.file()
            .set_len(layout.total_len)
            .map_err(|e| Error::io(out.temp_path(), e))?;
    }
    let arts = &plan.manifest.artifacts;
    let params = |v: Option<&modelseal_core::doc::VerityBuf>| {
        v.map(modelseal_core::verity::Params::of_buf)
            .transpose()
            .map_err(|e| Error::verify("fs-verity parameters", e))
    };
    let mut jobs: Vec<Job<'_>> = Vec::with_capacity(plan.files.len());
    for (slot, file) in &plan.files {
        let (verity, keep_tree) = match slot {
            Slot::Artifact(i) => {
                let v = params(arts.get(*i).and_then(|a| a.verity.as_ref()))?;
                let in_bundle = plan.trees.iter().any(|(_, d)| d == i);
                (v, v.is_some() && (in_bundle || opts.tree_dir.is_some()))
            }
            Slot::Plaintext(i) => (
                params(
                    arts.get(*i)
                        .and_then(|a| a.plaintext.as_ref())
                        .and_then(|p| p.verity.as_ref()),
                )?,
                false,
            ),
            Slot::ParameterSet(_) => (None, false),
        };
        jobs.push(Job {
            file,
            copy_to: match slot {
                Slot::Artifact(i) if !opts.detached => layout.offsets.get(*i).copied(),
                _ => None,
            },
            verity,
            keep_tree,
        });
    }
    let hashed = hash_files(
        &jobs,
        (!opts.detached).then_some(out),
        opts.threads,
        progress,
    )?;
    let slots: Vec<Slot> = plan.files.iter().map(|(s, _)| *s).collect();
    let mut trees = Vec::new();
    for (slot, h) in slots.into_iter().zip(hashed) {
        plan.fill(slot, h.digest);
        let (Slot::Artifact(i), Some(tree)) = (slot, h.tree) else {
            continue;
        };
        // The tree the bundle carries: its bytes at its offset, its flat
        // SHA-256 as its digest (it is checked like any artifact at install;
        // on read, each block is checked against the signed root too).
        if let Some(&(t, _)) = plan.trees.iter().find(|(_, d)| *d == i) {
            let expected = plan.manifest.artifacts.get(t).map(|a| a.size);
            if expected != Some(tree.len() as u64) {
                return Err(Error::Internal {
                    invariant: "an fs-verity tree of the length its geometry gives",
                });
            }
            if !opts.detached {
                if let Some(&off) = layout.offsets.get(t) {
                    out.write_at(&tree, off)?;
                }
            }
            use sha2::Digest as _;
            plan.fill(Slot::Artifact(t), sha2::Sha256::digest(&tree).into());
        }
        if opts.tree_dir.is_some() {
            if let Some(a) = plan.manifest.artifacts.get(i) {
                trees.push((a.name.clone(), tree));
            }
        }
    }
    Ok(trees)
}

/// Encodes the hashed manifest, checks it with the core, signs it and
/// returns the signed document and the head, which must be as long as
/// planned.
fn sign_head(
    opts: &BuildOptions<'_>,
    plan: &spec::Plan,
    layout: &Planned,
) -> Result<(SignedDocument, Vec<u8>)> {
    let kind = crate::model::kind_of(&plan.manifest)?;
    let doc = plan
        .manifest
        .encode()
        .map_err(|_| Error::TooLarge("manifest"))?;
    if doc.len() != layout.doc_len {
        return Err(Error::Internal {
            invariant: "digests do not change the manifest's length",
        });
    }
    manifest_unauthenticated(&doc, kind).map_err(|e| Error::WouldBeRejected {
        context: format!("{}: manifest", opts.spec.display()),
        source: e,
    })?;
    let mut signed = SignedDocument::new(doc_type_of(kind), doc);
    for s in &opts.signers {
        signed.sign_with(*s)?;
    }
    let head = crate::bundle::head(&opts.chain, &signed.to_envelope()?)?;
    if head.len() != layout.head_len {
        return Err(Error::Internal {
            invariant: "the signed head is as long as the layout planned",
        });
    }
    Ok((signed, head))
}
