//! `modelseal report`: ECU device keys, nonces, and the check of the
//! version report an ECU signs. Each refusal has its own exit code (see
//! `docs/CLI.md`, "Exit codes").

use crate::out::{CmdResult, Ctx, Failure};
use clap::{Args, Subcommand};
use modelseal::fsio::{Overwrite, write_atomic};
use modelseal::report::{
    EcuPublicKey, EcuSigningKey, Expectation, Freshness, bundle_manifest_digest, new_nonce,
    parse_algorithm, parse_nonce, read_report, verify,
};
use modelseal_core::report::Algorithm;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// Generate a development ECU device key (PKCS#8 PEM, OpenSSL-compatible) and its public key.
    #[command(after_help = "Example:\n  \
        modelseal report keygen --algorithm ecdsa-p256 ecu.key --public ecu.pub\n\n\
        Production ECUs keep their key in a secure element; register its public half\n\
        (SPKI PEM) instead, see docs/SECURITY.md.")]
    Keygen(KeygenArgs),
    /// Make a fresh nonce for an ECU to answer (hex on standard output, or a file).
    #[command(after_help = "Example:\n  \
        modelseal report request > nonce.hex")]
    Request(RequestArgs),
    /// Check a version report: signature by the ECU's key, the nonce asked, the sequence, the bundle.
    #[command(after_help = "Example:\n  \
        modelseal report verify report.bin --ecu-key ecu.pub --nonce $(cat nonce.hex) \\\n    \
        --bundle bundle.msb --last-sequence 41\n\n\
        Exit codes of a refusal: 10 signature, 11 other ECU, 12 nonce (replay),\n\
        13 older sequence, 14 truncated, 15 malformed, 16 another bundle, 17 algorithm.")]
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct KeygenArgs {
    /// Where to write the private key (created 0600, never replaced without --force).
    output: PathBuf,
    /// Where to write the public key (SPKI PEM): what the backend registers for the ECU.
    #[arg(long)]
    public: PathBuf,
    /// `ed25519` or `ecdsa-p256`.
    #[arg(long, default_value = "ed25519", value_parser = parse_algorithm)]
    algorithm: Algorithm,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// Nonce length in bytes (16 to 32).
    #[arg(long, default_value_t = 32)]
    bytes: usize,
    /// Write the nonce (hex) to this file instead of standard output.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("fresh").required(true).args(["nonce", "unsolicited"])))]
pub(crate) struct VerifyArgs {
    /// The report: binary, or hex text.
    report: PathBuf,
    /// The public key registered for the ECU (SPKI PEM, Ed25519 or P-256).
    #[arg(long)]
    ecu_key: PathBuf,
    /// The ECU serial registered with the key: a report naming another ECU is refused.
    #[arg(long)]
    ecu_serial: Option<String>,
    /// The nonce sent to the ECU (hex).
    #[arg(long)]
    nonce: Option<String>,
    /// The report was collected without asking: no nonce to compare; freshness rests on
    /// --last-sequence alone.
    #[arg(long, requires = "last_sequence")]
    unsolicited: bool,
    /// The last sequence number accepted from this ECU: the report's must be above it.
    #[arg(long)]
    last_sequence: Option<u64>,
    /// The bundle the ECU should run.
    #[arg(long, conflicts_with = "manifest_digest")]
    bundle: Option<PathBuf>,
    /// The manifest digest (hex) the ECU should run.
    #[arg(long)]
    manifest_digest: Option<String>,
}

pub(crate) fn run(ctx: &Ctx, c: ReportCommand) -> CmdResult {
    match c {
        ReportCommand::Keygen(a) => {
            let key = EcuSigningKey::generate(a.algorithm)?;
            key.write(&a.output, &a.public, Overwrite::forced(a.force))?;
            let pk = key.public_key();
            ctx.report(
                &json!({
                    "algorithm": a.algorithm.name(),
                    "key_id": pk.key_id(),
                    "private_key": a.output.display().to_string(),
                    "public_key": a.public.display().to_string(),
                }),
                &format!(
                    "{} ECU key {} written to {} (public key {})",
                    a.algorithm.name(),
                    pk.key_id(),
                    a.output.display(),
                    a.public.display()
                ),
            );
            Ok(())
        }
        ReportCommand::Request(a) => {
            let nonce = hex::encode(new_nonce(a.bytes)?);
            match &a.output {
                Some(p) => write_atomic(
                    p,
                    format!("{nonce}\n").as_bytes(),
                    modelseal::fsio::PUBLIC_MODE,
                    Overwrite::forced(true),
                )?,
                None => ctx.report(&json!({ "nonce": nonce }), &nonce),
            }
            Ok(())
        }
        ReportCommand::Verify(a) => {
            let bytes = read_report(&a.report)?;
            let key = EcuPublicKey::read(&a.ecu_key)?;
            let freshness = match (&a.nonce, a.unsolicited) {
                (Some(n), _) => Freshness::Nonce(parse_nonce(n)?),
                (None, true) => Freshness::UnsolicitedNoNonceCheck,
                (None, false) => {
                    return Err(Failure::Usage("give --nonce, or --unsolicited".into()));
                }
            };
            let manifest_digest = match (&a.bundle, &a.manifest_digest) {
                (Some(b), _) => Some(bundle_manifest_digest(b)?),
                (None, Some(d)) => {
                    let mut out = [0u8; 32];
                    hex::decode_to_slice(d.trim(), &mut out).map_err(|_| {
                        Failure::Usage("--manifest-digest: expected 64 hex digits".into())
                    })?;
                    Some(out)
                }
                (None, None) => None,
            };
            let want = Expectation {
                key,
                serial: a.ecu_serial.clone(),
                freshness,
                last_sequence: a.last_sequence,
                manifest_digest,
            };
            match verify(&bytes, &want) {
                Ok(r) => {
                    let mut text = r.text();
                    text.push_str(&format!(
                        "VERIFIED: signed by the ECU key, {}{}\n",
                        if r.nonce_checked {
                            "answers the nonce asked"
                        } else {
                            "unsolicited (nonce not checked)"
                        },
                        if want.manifest_digest.is_some() {
                            ", runs the expected bundle"
                        } else {
                            ""
                        }
                    ));
                    ctx.report(&json!({ "verified": true, "report": r }), &text);
                    Ok(())
                }
                // With --json, main prints the refusal as JSON (its
                // `verified`, `reason` and `message` keys included).
                Err(e) => Err(Failure::Report(e)),
            }
        }
    }
}
