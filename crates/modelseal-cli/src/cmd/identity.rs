//! `modelseal identity`: decode and compare the unsigned identity summary.
//! It is a transport check, not evidence: anyone can write one (its check
//! value is unkeyed). What an ECU runs is proven only by a signed version
//! report (`modelseal report verify`).

use crate::out::{CmdResult, Ctx, Failure};
use clap::{Args, Subcommand};
use modelseal::bundle::read_head;
use modelseal::fsio::read_small;
use modelseal::identity::{IdentityReport, compare, parse_input};
use modelseal_core::limits::MAX_IDENTITY_LEN;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub(crate) enum IdentityCommand {
    /// Decode an unsigned identity summary (binary or hex) read from an ECU (not evidence).
    #[command(after_help = "Examples:\n  \
        modelseal identity decode identity.bin\n  \
        modelseal identity decode --hex 4d534944... --json")]
    Decode(DecodeArgs),
    /// Compare an unsigned identity summary with a bundle (exit 1 on a difference; not evidence).
    #[command(after_help = "Example:\n  \
        modelseal identity check identity.bin --bundle bundle.msb\n\n\
        The manifest digest, kind, version, counter and components must agree, and every\n\
        signer the record names must have signed the bundle. The summary is unsigned: a\n\
        consistent one proves nothing about what the ECU runs; for that, ask the ECU for a\n\
        signed version report (`modelseal report request`, `modelseal report verify`).")]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RecordArg {
    /// The record: a file holding the binary record or its hex.
    #[arg(required_unless_present = "hex", conflicts_with = "hex")]
    file: Option<PathBuf>,
    /// The record as hex on the command line.
    #[arg(long)]
    hex: Option<String>,
}

impl RecordArg {
    fn read(&self) -> Result<IdentityReport, Failure> {
        let raw = match (&self.file, &self.hex) {
            (Some(f), _) => read_small(f, 4 * MAX_IDENTITY_LEN)?,
            (None, Some(h)) => h.as_bytes().to_vec(),
            (None, None) => return Err(Failure::Usage("give a record file or --hex".into())),
        };
        Ok(IdentityReport::decode(&parse_input(&raw)?)?)
    }
}

#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    #[command(flatten)]
    record: RecordArg,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    record: RecordArg,
    /// The bundle (or bundle head) the record should describe.
    #[arg(long)]
    bundle: PathBuf,
}

pub(crate) fn run(ctx: &Ctx, c: IdentityCommand) -> CmdResult {
    match c {
        IdentityCommand::Decode(a) => {
            let r = a.record.read()?;
            ctx.report(&r, &r.text());
            Ok(())
        }
        IdentityCommand::Check(a) => {
            let r = a.record.read()?;
            let head = read_head(&a.bundle)?;
            let m = compare(&r, &head)?;
            let mut text = r.text();
            if m.matches {
                text.push_str(&format!(
                    "CONSISTENT with {} (unsigned summary: not evidence of what the ECU runs; \
                     verify a signed version report for that)\n",
                    a.bundle.display()
                ));
            } else {
                text.push_str(&format!("MISMATCH with {}:\n", a.bundle.display()));
                for d in &m.differences {
                    text.push_str(&format!("  {d}\n"));
                }
            }
            ctx.report(
                &Checked {
                    identity: &r,
                    bundle: a.bundle.display().to_string(),
                    check: &m,
                },
                &text,
            );
            if m.matches {
                Ok(())
            } else {
                Err(Failure::Rejected(format!(
                    "the identity record does not match {}: {}",
                    a.bundle.display(),
                    m.differences.join("; ")
                )))
            }
        }
    }
}

/// What `identity check --json` prints.
#[derive(Serialize)]
struct Checked<'a, R: Serialize, M: Serialize> {
    identity: &'a R,
    bundle: String,
    check: &'a M,
}
