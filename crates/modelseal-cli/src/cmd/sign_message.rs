//! `modelseal sign-message`.

use crate::out::{CmdResult, Ctx};
use clap::Args;
use modelseal::fsio::{Overwrite, PUBLIC_MODE, write_atomic};
use modelseal::keys::{self, KeyInfo};
use modelseal::sign::Signer;
use modelseal::signfile::read_message_file;
use modelseal_core::envelope::DocType;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(after_help = "Example (on the key holder's machine):\n  \
    modelseal sign-message msg.bin --key c1.pem -o c1.sig\n\n\
    Only modelseal messages are signed (the first 32 bytes must be a modelseal domain tag),\n\
    so a key cannot be tricked into signing anything else. The signature is 64 raw bytes,\n\
    the same as `openssl pkeyutl -sign -rawin -inkey c1.pem -in msg.bin -out c1.sig`.")]
pub(crate) struct SignMessageArgs {
    /// The 64-byte message exported by `modelseal message`.
    message: PathBuf,
    /// Private key file or `pkcs11:` token key URI.
    #[arg(long)]
    key: PathBuf,
    /// Signature file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(ctx: &Ctx, a: SignMessageArgs) -> CmdResult {
    let (doc_type, msg) = read_message_file(&a.message)?;
    let signer = keys::open_signer(&a.key)?;
    let sig = signer.sign(&msg)?;
    let digest: [u8; 32] = msg[32..]
        .try_into()
        .map_err(|_| modelseal::Error::Internal {
            invariant: "a signed message ends with a 32-byte digest",
        })?;
    // The raw message names no version or counter: logged as message only.
    modelseal::audit::record(
        doc_type,
        &[],
        &digest,
        &signer.public_key()?,
        &signer.describe(),
    )?;
    write_atomic(&a.output, &sig, PUBLIC_MODE, Overwrite::forced(a.force))?;
    let info = KeyInfo::of(&signer.public_key()?);
    let what = match doc_type {
        DocType::Root => "trust root",
        DocType::ComponentManifest => "component manifest",
        DocType::SystemConfigManifest => "system-configuration manifest",
        DocType::StageEvent => "stage event",
        DocType::Evaluation => "evaluation result",
    };
    ctx.report(
        &Signed {
            signature_file: a.output.display().to_string(),
            document_type: what,
            document_digest: hex::encode(&msg[32..]),
            key: &info,
        },
        &format!(
            "wrote {} (64 bytes): {what} {} signed by key {}\n",
            a.output.display(),
            hex::encode(&msg[32..]),
            info.key_id
        ),
    );
    Ok(())
}

/// What `sign-message --json` prints.
#[derive(Serialize)]
struct Signed<'a> {
    signature_file: String,
    document_type: &'a str,
    document_digest: String,
    #[serde(flatten)]
    key: &'a KeyInfo,
}
