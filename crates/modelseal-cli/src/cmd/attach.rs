//! `modelseal attach`.

use crate::out::{CmdResult, Ctx, Failure, now};
use clap::Args;
use modelseal::authority::SignatureStatus;
use modelseal::fsio::Overwrite;
use modelseal::hashing::default_threads;
use modelseal::keys;
use modelseal::sign::key_id_of;
use modelseal::signfile::{Signable, read_signature_file};
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
#[command(
    after_help = "Example (key holders signed `modelseal message bundle.msb -o msg.bin` elsewhere):\n  \
    modelseal attach bundle.msb --root root.msr --signature c1.sig --signature c2.sig\n  \
    modelseal attach bundle.msb --root root.msr --signature c3.sig --public-key c3.pub\n\n\
    A signature is 64 raw bytes (as `openssl pkeyutl -sign -rawin` writes) or 128 hex digits.\n\
    Without --public-key the signing key is found among the role's keys. Refused: a signature\n\
    that does not verify, one by a key outside the signing role, one by a key that already signed."
)]
pub(crate) struct AttachArgs {
    /// Bundle, bundle head or root envelope.
    file: PathBuf,
    /// Detached signature file (repeat).
    #[arg(long = "signature", value_name = "SIG", required = true)]
    signatures: Vec<PathBuf>,
    /// The public key of each signature, in the same order (optional).
    #[arg(long = "public-key", value_name = "FILE")]
    public_keys: Vec<PathBuf>,
    /// The device trust root (for a bundle), or the previous root (for a rotated root).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Write the signed file here instead of replacing FILE.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub(crate) fn report(ctx: &Ctx, out: &Path, status: &SignatureStatus, verb: &str) {
    ctx.report(
        &Attached {
            file: out.display().to_string(),
            signatures: status,
        },
        &format!(
            "{verb} {}\nsignatures: {}\n",
            out.display(),
            status.summary()
        ),
    );
    if !status.complete {
        ctx.note(&format!(
            "{} still needs signatures ({})",
            out.display(),
            status.summary()
        ));
    }
}

pub(crate) fn run(ctx: &Ctx, a: AttachArgs) -> CmdResult {
    if !a.public_keys.is_empty() && a.public_keys.len() != a.signatures.len() {
        return Err(Failure::Usage(format!(
            "{} signatures but {} public keys: give one --public-key per --signature, or none",
            a.signatures.len(),
            a.public_keys.len()
        )));
    }
    let root = a.root.as_deref().map(crate::out::read_root).transpose()?;
    let mut s = Signable::open(&a.file, root.as_deref())?;
    for (i, sig_path) in a.signatures.iter().enumerate() {
        let sig = read_signature_file(sig_path)?;
        let pk = a
            .public_keys
            .get(i)
            .map(|p| keys::read_public(p))
            .transpose()?;
        let used = s
            .attach(sig, pk)
            .map_err(|e| modelseal::Error::signature_from(sig_path.display().to_string(), e))?;
        ctx.note(&format!(
            "{}: signature by key {} accepted",
            sig_path.display(),
            hex::encode(key_id_of(&used))
        ));
    }
    let out = a.output.clone().unwrap_or_else(|| a.file.clone());
    let status = s.write(&out, Overwrite::Replace, now(), default_threads(usize::MAX))?;
    report(ctx, &out, &status, "attached to");
    Ok(())
}

/// What `attach --json` (and `sign`) print.
#[derive(Serialize)]
struct Attached<'a> {
    file: String,
    signatures: &'a SignatureStatus,
}
