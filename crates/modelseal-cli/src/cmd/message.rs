//! `modelseal message`.

use crate::out::{CmdResult, Ctx};
use clap::Args;
use modelseal::fsio::{Overwrite, PUBLIC_MODE, write_atomic};
use modelseal::signfile::Signable;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(after_help = "Example (offline k-of-n signing):\n  \
    modelseal message bundle.msb --root root.msr -o msg.bin\n  \
    # on each key holder's machine, either:\n  \
    modelseal sign-message msg.bin --key c1.pem -o c1.sig\n  \
    openssl pkeyutl -sign -rawin -inkey c1.pem -in msg.bin -out c1.sig\n  \
    # back with the bundle:\n  \
    modelseal attach bundle.msb --root root.msr --signature c1.sig --signature c2.sig\n\n\
    The message is 64 bytes: a 32-byte domain tag naming the document type, then the\n\
    SHA-256 of the document. It is the same for every signer of the document.")]
pub(crate) struct MessageArgs {
    /// Bundle, bundle head or root envelope.
    file: PathBuf,
    /// Write the 64 bytes here.
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// The device trust root (for a bundle), or the previous root (for a rotated root).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(ctx: &Ctx, a: MessageArgs) -> CmdResult {
    let root = a.root.as_deref().map(crate::out::read_root).transpose()?;
    let s = Signable::open(&a.file, root.as_deref())?;
    let msg = s.message();
    if let Some(out) = &a.output {
        write_atomic(out, &msg, PUBLIC_MODE, Overwrite::forced(a.force))?;
    }
    let status = s.status();
    let mut text = String::new();
    if let Some(out) = &a.output {
        text.push_str(&format!("wrote {} (64 bytes)\n", out.display()));
    }
    text.push_str(&format!(
        "message          {}\ndocument digest  {}\nsignatures       {}\n",
        hex::encode(msg),
        hex::encode(s.document().digest()),
        status.summary()
    ));
    for r in &status.roles {
        if !r.missing.is_empty() {
            text.push_str(&format!(
                "not yet signed by ({}): {}\n",
                r.role,
                r.missing.join(", ")
            ));
        }
    }
    ctx.report(
        &MessageReport {
            file: a.file.display().to_string(),
            output: a.output.as_ref().map(|p| p.display().to_string()),
            message: hex::encode(msg),
            document_digest: hex::encode(s.document().digest()),
            signatures: &status,
        },
        &text,
    );
    Ok(())
}

/// What `message --json` prints.
#[derive(Serialize)]
struct MessageReport<'a> {
    file: String,
    output: Option<String>,
    message: String,
    document_digest: String,
    signatures: &'a modelseal::authority::SignatureStatus,
}
