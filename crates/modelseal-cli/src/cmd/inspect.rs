//! `modelseal inspect`.

use crate::out::{CmdResult, Ctx, Failure};
use clap::Args;
use modelseal::inspect::inspect_path;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    modelseal inspect bundle.msb --root root.msr\n  \
    modelseal inspect bundle.msb --json | jq '.manifest.components[0].lineage'\n  \
    modelseal inspect root-v2.msr --root root.msr\n\n\
    Shows the registry record, lineage, system configuration, artifacts with distributed and\n\
    plaintext digests, SBOM, rotation chain and signatures. Inspection does not authenticate:\n\
    use `modelseal verify`. With --root every signature is judged: valid or not, and which\n\
    role it counts for.")]
pub(crate) struct InspectArgs {
    /// Bundle, bundle head or root envelope.
    file: PathBuf,
    /// The device trust root (bundles) or the previous root (rotated roots).
    #[arg(long)]
    root: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, a: InspectArgs) -> CmdResult {
    let root = a.root.as_deref().map(crate::out::read_root).transpose()?;
    let i = inspect_path(&a.file, root.as_deref())?;
    ctx.report(&i.report, &i.text);
    // Shown in full, but a file no device would install is not a success
    // (the JSON report carries the same `problem`).
    match i.problem() {
        Some(p) => Err(Failure::Reported(format!("{}: {p}", a.file.display()))),
        None => Ok(()),
    }
}
