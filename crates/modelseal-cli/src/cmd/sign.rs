//! `modelseal sign`.

use crate::out::{CmdResult, Ctx, now};
use clap::Args;
use modelseal::fsio::Overwrite;
use modelseal::hashing::default_threads;
use modelseal::keys;
use modelseal::sign::Signer;
use modelseal::signfile::Signable;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    modelseal sign bundle.msb --root root.msr --key c1.pem --key c2.pem\n  \
    modelseal sign root-v2.msr --root root.msr --key new-r1.pem     # a rotation: --root is the previous root\n\n\
    Each key must belong to the role that signs the file (component or system-config role\n\
    of the root in force for a bundle; old or new root role for a rotation). The file is\n\
    rewritten atomically and checked by the core verifier first.")]
pub(crate) struct SignArgs {
    /// Bundle, bundle head or root envelope.
    file: PathBuf,
    /// Private key file or `pkcs11:` token key URI to sign with (repeat).
    #[arg(long = "key", value_name = "FILE", required = true)]
    keys: Vec<PathBuf>,
    /// The device trust root (for a bundle), or the previous root (for a rotated root).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Write the signed file here instead of replacing FILE.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, a: SignArgs) -> CmdResult {
    let root = a.root.as_deref().map(crate::out::read_root).transpose()?;
    let mut s = Signable::open(&a.file, root.as_deref())?;
    let signers = keys::read_signers(&a.keys)?;
    let signer_refs: Vec<&dyn Signer> = signers.iter().map(|s| s as &dyn Signer).collect();
    for signer in &signer_refs {
        s.sign(*signer)?;
    }
    let out = a.output.clone().unwrap_or_else(|| a.file.clone());
    let status = s.write(&out, Overwrite::Replace, now(), default_threads(usize::MAX))?;
    super::attach::report(ctx, &out, &status, "signed");
    Ok(())
}
