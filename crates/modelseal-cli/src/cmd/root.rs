//! `modelseal root`: init, rotate.

use crate::out::{CmdResult, Ctx, Failure, now, parse_time, read_root};
use clap::{Args, Subcommand};
use modelseal::fsio::Overwrite;
use modelseal::inspect::{RootReport, root_text};
use modelseal::keys;
use modelseal::rootfile::{RoleKeys, Rotation, make_root, rotate};
use modelseal::sign::SignedDocument;
use modelseal::signfile::Signable;
use modelseal_core::envelope::DocType;
use serde::Serialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub(crate) enum RootCommand {
    /// Create the first trust root (version 1) and sign it with root-role keys.
    #[command(
        after_help = "Example (2-of-3 root and component roles, 1-of-1 system configuration):\n  \
        modelseal root init -o root.msr \\\n    \
        --root-key r1.pub --root-key r2.pub --root-key r3.pub --root-threshold 2 \\\n    \
        --component-key c1.pub --component-key c2.pub --component-key c3.pub --component-threshold 2 \\\n    \
        --system-key s1.pub --system-threshold 1 \\\n    \
        --registry-key g1.pub --registry-threshold 1 --evaluation-key e1.pub --evaluation-threshold 1 \\\n    \
        --key r1.pem --key r2.pem\n\n\
        Key files may be public or private keys (PEM, raw or hex); only --key files sign.\n\
        The registry and evaluation roles are optional: they sign the model registry's stage\n\
        events and evaluation results, and the ECU ignores them."
    )]
    Init(InitArgs),
    /// Create the next root version (new keys or thresholds) from the current one.
    #[command(
        after_help = "Example (replace the component role, then collect signatures):\n  \
        modelseal root rotate --from root.msr -o root-v2.msr \\\n    \
        --component-key c4.pub --component-key c5.pub --component-threshold 2 \\\n    \
        --key r1.pem --key r2.pem\n\n\
        A rotation needs a threshold of the old root role AND of the new root role.\n\
        Signers who are elsewhere: `modelseal message root-v2.msr`, then\n\
        `modelseal attach root-v2.msr --root root.msr --signature sig.bin`.\n\
        Roles not named keep their keys and thresholds."
    )]
    Rotate(RotateArgs),
    /// Write a root update: a chain of up to eight roots, for a device more
    /// rotations behind than one bundle carries.
    #[command(
        after_help = "Example (a device still on root v1, the release on v12):\n  \
        modelseal root update --from root-v1.msr -o update-1.msu root-v2.msr ... root-v9.msr\n  \
        modelseal root update --from root-v9.msr -o update-2.msu root-v10.msr root-v11.msr root-v12.msr\n\n\
        The device applies each update in turn (modelseal_verifier_apply_root_update), persisting\n\
        the root it reports, then installs the bundle. Each update is checked here exactly as the\n\
        device will check it, from the --from root."
    )]
    Update(UpdateArgs),
}

#[derive(Debug, Args)]
pub(crate) struct UpdateArgs {
    /// The root the device holds now.
    #[arg(long)]
    from: PathBuf,
    /// Root update file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// The next roots, oldest first (1 to 8 root envelopes).
    #[arg(required = true)]
    roots: Vec<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RoleArgs {
    /// Root-role key (repeat; signs new roots).
    #[arg(long = "root-key", value_name = "FILE")]
    root_keys: Vec<PathBuf>,
    /// Root-role threshold.
    #[arg(long, value_name = "N")]
    root_threshold: Option<u8>,
    /// Component-role key (repeat; signs component bundles).
    #[arg(long = "component-key", value_name = "FILE")]
    component_keys: Vec<PathBuf>,
    /// Component-role threshold.
    #[arg(long, value_name = "N")]
    component_threshold: Option<u8>,
    /// System-configuration-role key (repeat; signs system-configuration bundles).
    #[arg(long = "system-key", value_name = "FILE")]
    system_keys: Vec<PathBuf>,
    /// System-configuration-role threshold.
    #[arg(long, value_name = "N")]
    system_threshold: Option<u8>,
    /// Registry-role key (repeat; signs stage promotions and withdrawals in
    /// the model registry; optional, the ECU ignores it).
    #[arg(long = "registry-key", value_name = "FILE")]
    registry_keys: Vec<PathBuf>,
    /// Registry-role threshold.
    #[arg(long, value_name = "N")]
    registry_threshold: Option<u8>,
    /// Evaluation-role key (repeat; signs simulation, HiL and release-gate
    /// results; optional, the ECU ignores it).
    #[arg(long = "evaluation-key", value_name = "FILE")]
    evaluation_keys: Vec<PathBuf>,
    /// Evaluation-role threshold.
    #[arg(long, value_name = "N")]
    evaluation_threshold: Option<u8>,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Root envelope file to write.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    roles: RoleArgs,
    /// Expiry (seconds since the epoch or RFC 3339); devices with a trusted clock refuse the root after it.
    #[arg(long, value_parser = parse_time)]
    expires: Option<u64>,
    /// Private key (file or `pkcs11:` URI) of the root role to sign with now (repeat).
    #[arg(long = "key", value_name = "FILE")]
    keys: Vec<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RotateArgs {
    /// The current root envelope.
    #[arg(long)]
    from: PathBuf,
    /// The new root envelope file to write.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    roles: RoleArgs,
    /// New expiry.
    #[arg(long, value_parser = parse_time, conflicts_with = "no_expiry")]
    expires: Option<u64>,
    /// Remove the expiry.
    #[arg(long)]
    no_expiry: bool,
    /// Re-base the component role's counter floor to N on every device
    /// that applies this rotation (only with new component keys: undoes a
    /// counter that stolen keys pushed up).
    #[arg(long, value_name = "N")]
    rebase_component_floor: Option<u64>,
    /// Re-base the system-configuration role's counter floor to N (only
    /// with new system-configuration keys).
    #[arg(long, value_name = "N")]
    rebase_system_floor: Option<u64>,
    /// Private key of the old or new root role to sign with now (repeat).
    #[arg(long = "key", value_name = "FILE")]
    keys: Vec<PathBuf>,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

fn read_keys(files: &[PathBuf]) -> Result<Vec<[u8; 32]>, Failure> {
    files
        .iter()
        .map(|f| keys::read_public_any(f).map_err(Failure::from))
        .collect()
}

impl RoleArgs {
    fn keys(&self) -> Result<[Option<Vec<[u8; 32]>>; 5], Failure> {
        let one = |v: &[PathBuf]| -> Result<Option<Vec<[u8; 32]>>, Failure> {
            if v.is_empty() {
                Ok(None)
            } else {
                read_keys(v).map(Some)
            }
        };
        Ok([
            one(&self.root_keys)?,
            one(&self.component_keys)?,
            one(&self.system_keys)?,
            one(&self.registry_keys)?,
            one(&self.evaluation_keys)?,
        ])
    }
    fn thresholds(&self) -> [Option<u8>; 5] {
        [
            self.root_threshold,
            self.component_threshold,
            self.system_threshold,
            self.registry_threshold,
            self.evaluation_threshold,
        ]
    }
}

fn sign_and_write(
    ctx: &Ctx,
    output: &Path,
    doc: Vec<u8>,
    previous: Option<&[u8]>,
    key_files: &[PathBuf],
    force: bool,
    root: &modelseal::model::Root,
) -> CmdResult {
    let envelope = SignedDocument::new(DocType::Root, doc).to_envelope()?;
    let mut s = Signable::root(output, &envelope, previous)?;
    for signer in keys::read_signers(key_files)? {
        s.sign(&signer)?;
    }
    // Checked by the core (self-signature or rotation) before it is written.
    let status = s.write(output, Overwrite::forced(force), now(), 1)?;
    let mut text = format!("wrote {}\n", output.display());
    text.push_str(&root_text(root));
    text.push_str(&format!("signatures: {}\n", status.summary()));
    ctx.report(
        &RootWritten {
            file: output.display().to_string(),
            root: RootReport::from(root),
            document_digest: hex::encode(s.document().digest()),
            signatures: &status,
        },
        &text,
    );
    if !status.complete {
        ctx.note(&format!(
            "{} still needs signatures: export the message with `modelseal message {}` and attach them with `modelseal attach`",
            output.display(),
            output.display()
        ));
    }
    Ok(())
}

pub(crate) fn run(ctx: &Ctx, c: RootCommand) -> CmdResult {
    match c {
        RootCommand::Init(a) => {
            let k = a.roles.keys()?;
            let t = a.roles.thresholds();
            let names = ["root", "component", "system", "registry", "evaluation"];
            let mut roles: [Option<RoleKeys>; 5] = Default::default();
            for i in 0..5 {
                // The registry and evaluation roles are optional: a root
                // without them accepts no registry events.
                if i >= modelseal::rootfile::REQUIRED_ROLES && k[i].is_none() && t[i].is_none() {
                    continue;
                }
                let keys = k[i].clone().ok_or_else(|| {
                    Failure::Usage(format!(
                        "give the {} role's keys with --{}-key",
                        names[i], names[i]
                    ))
                })?;
                let threshold = t[i].ok_or_else(|| {
                    Failure::Usage(format!(
                        "give the {} role's threshold with --{}-threshold",
                        names[i], names[i]
                    ))
                })?;
                roles[i] = Some(RoleKeys {
                    keys,
                    threshold,
                    floor: None,
                });
            }
            let (root, doc) = make_root(1, a.expires, roles.each_ref().map(Option::as_ref))?;
            sign_and_write(ctx, &a.output, doc, None, &a.keys, a.force, &root)
        }
        RootCommand::Update(a) => {
            let device = read_root(&a.from)?;
            let mut chain = Vec::new();
            for p in &a.roots {
                chain.push(read_root(p)?);
            }
            let (bytes, version) = modelseal::rootfile::root_update(&device, &chain)?;
            modelseal::fsio::write_atomic(&a.output, &bytes, 0o644, Overwrite::forced(a.force))?;
            ctx.report(
                &UpdateWritten {
                    file: a.output.display().to_string(),
                    roots: chain.len(),
                    root_version: version,
                    bytes: bytes.len(),
                },
                &format!(
                    "wrote {} ({} roots, {} bytes): a device on the --from root ends on root v{version}\n",
                    a.output.display(),
                    chain.len(),
                    bytes.len()
                ),
            );
            Ok(())
        }
        RootCommand::Rotate(a) => {
            let previous = read_root(&a.from)?;
            let changes = Rotation {
                keys: a.roles.keys()?,
                thresholds: a.roles.thresholds(),
                floors: [
                    None,
                    a.rebase_component_floor,
                    a.rebase_system_floor,
                    None,
                    None,
                ],
                expires_at: if a.no_expiry {
                    Some(None)
                } else {
                    a.expires.map(Some)
                },
            };
            let (root, doc) = rotate(&previous, &changes)?;
            sign_and_write(
                ctx,
                &a.output,
                doc,
                Some(&previous),
                &a.keys,
                a.force,
                &root,
            )
        }
    }
}

/// What `root init` and `root rotate` print with --json.
#[derive(Serialize)]
struct RootWritten<'a> {
    file: String,
    root: RootReport,
    document_digest: String,
    signatures: &'a modelseal::authority::SignatureStatus,
}

/// What `root update --json` prints.
#[derive(Serialize)]
struct UpdateWritten {
    file: String,
    roots: usize,
    root_version: u32,
    bytes: usize,
}
