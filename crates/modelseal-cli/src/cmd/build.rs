//! `modelseal build`.

use crate::out::{Bar, CmdResult, Ctx, Failure, created_at, now, read_root, size};
use clap::Args;
use modelseal::build::{BuildOptions, build};
use modelseal::fsio::Overwrite;
use modelseal::hashing::default_threads;
use modelseal::keys;
use modelseal::sign::Signer;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    modelseal build examples/spec/perception_front_camera.toml -o bundle.msb \\\n    \
    --root root.msr --key c1.pem --key c2.pem\n  \
    modelseal build spec.toml -o bundle.msh --detached --root root.msr   # head only, sign later\n\n\
    The bundle is written to a temporary file next to the output, read back and checked by\n\
    the core verifier for every hardware id of the spec's target, and only then renamed into\n\
    place: an interrupted build never leaves a partial file and never destroys an existing one.\n\
    With fewer keys than the role's threshold the bundle is written unsigned or partly signed;\n\
    collect the rest with `modelseal sign` or `modelseal message` + `modelseal attach`.\n\n\
    The spec format is documented in docs/CLI.md and examples/spec/.")]
pub(crate) struct BuildArgs {
    /// The bundle spec (TOML).
    spec: PathBuf,
    /// The bundle file to write (with --detached, the bundle head).
    #[arg(short, long)]
    output: PathBuf,
    /// The device trust root (root envelope) the bundle is for.
    #[arg(long)]
    root: PathBuf,
    /// Sign with this private key file or `pkcs11:` token key URI (repeat for k-of-n).
    #[arg(long = "key", value_name = "FILE")]
    keys: Vec<PathBuf>,
    /// Carry this newer root (a rotation of --root; repeat, oldest first).
    #[arg(long = "chain", value_name = "ROOT")]
    chain: Vec<PathBuf>,
    /// Write only the bundle head; artifacts stay as files (verify with --artifacts DIR).
    #[arg(long)]
    detached: bool,
    /// Worker threads for hashing and checking (default: every core).
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// The largest bundle head the target ECU holds (bytes; K/KiB and M/MiB
    /// suffixes): refuse a bundle whose head, signed to the role's
    /// threshold, is longer, before hashing anything.
    #[arg(long, value_name = "BYTES", value_parser = crate::out::parse_size)]
    max_head_len: Option<usize>,
    /// Replace an existing output.
    #[arg(long)]
    force: bool,
    /// Write the fs-verity Merkle tree of every artifact with an fs-verity
    /// digest to DIR/<name>.merkle (the layout `fsverity digest
    /// --out-merkle-tree` writes), for devices that verify on read.
    #[arg(long, value_name = "DIR")]
    verity_trees: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, a: BuildArgs) -> CmdResult {
    let device_root = read_root(&a.root)?;
    let chain = a
        .chain
        .iter()
        .map(|p| read_root(p))
        .collect::<Result<Vec<_>, Failure>>()?;
    let signers = keys::read_signers(&a.keys)?;
    let signer_refs: Vec<&dyn Signer> = signers.iter().map(|s| s as &dyn Signer).collect();
    let threads = a.jobs.unwrap_or_else(|| default_threads(usize::MAX));
    if threads == 0 {
        return Err(Failure::Usage("--jobs must be at least 1".into()));
    }
    let bar = Bar::new(ctx, "hashing");
    let opts = BuildOptions {
        spec: &a.spec,
        output: &a.output,
        detached: a.detached,
        device_root: &device_root,
        chain,
        signers: signer_refs,
        threads,
        overwrite: Overwrite::forced(a.force),
        created_at: created_at()?,
        now: now(),
        max_head_len: a.max_head_len,
        tree_dir: a.verity_trees.as_deref(),
    };
    let r = build(&opts, &bar);
    drop(bar); // cleared before the report is printed
    let r = r?;
    let t = &r.timings;
    let rate = if t.hash_s > 0.0 {
        format!(", {:.0} MB/s", r.payload_bytes as f64 / t.hash_s / 1e6)
    } else {
        String::new()
    };
    let text = format!(
        "built {} ({}{} {})\n\
         manifest digest  {}\n\
         artifacts        {} ({} of payload)\n\
         file             {} (head {} bytes)\n\
         signatures       {}\n\
         checked          by the core verifier for every hardware id of the target\n\
         time             {:.2} s (hash {:.2} s{rate}, check {:.2} s)\n",
        r.output.display(),
        if r.detached { "detached head, " } else { "" },
        r.kind,
        r.version,
        r.manifest_digest,
        r.artifacts,
        size(r.payload_bytes),
        size(r.file_len),
        r.head_len,
        r.signatures.summary(),
        t.total_s,
        t.hash_s,
        t.check_s,
    );
    ctx.report(&r, &text);
    for p in &r.trees_written {
        ctx.note(&format!("wrote fs-verity tree {}", p.display()));
    }
    for w in &r.warnings {
        ctx.note(w);
    }
    if !r.signatures.complete {
        ctx.note(&format!(
            "{} is not installable yet: {}. Add signatures with `modelseal sign` or `modelseal message` + `modelseal attach`.",
            r.output.display(),
            r.signatures.summary()
        ));
    }
    Ok(())
}
