//! `modelseal trace`: from a car's signed version report (or an identity
//! record, a manifest digest, `family@version`) back to the data its models
//! were trained on.

use crate::cmd::registry::DbArg;
use crate::out::{CmdResult, Ctx, Failure};
use clap::Args;
use modelseal::report::{EcuPublicKey, Expectation, Freshness, parse_nonce, read_report, verify};
use modelseal_registry::trace::{Input, Start};
use std::path::PathBuf;

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    modelseal trace --report report.bin --ecu-key ecu.pub --nonce $NONCE   (a signed version report)\n  \
    modelseal trace --identity identity.bin                                (an unsigned identity record)\n  \
    modelseal trace 3b1f…e0                                                (a manifest digest)\n  \
    modelseal trace perception_front_camera@v1.3.5\n\n\
    A report is verified against the ECU's key before anything is traced (as `report verify`).\n\
    A digest the registry never saw is an alarm: the trace is printed and the exit code is 20.")]
pub(crate) struct TraceArgs {
    #[command(flatten)]
    db: DbArg,
    /// A manifest digest (hex) or FAMILY@VERSION.
    #[arg(required_unless_present_any = ["report", "identity"], conflicts_with_all = ["report", "identity"])]
    what: Option<String>,
    /// A signed version report (binary or hex), verified with --ecu-key.
    #[arg(long, requires = "ecu_key", conflicts_with = "identity")]
    report: Option<PathBuf>,
    /// The ECU's registered public key.
    #[arg(long)]
    ecu_key: Option<PathBuf>,
    /// The nonce the report answers (hex).
    #[arg(long, conflicts_with = "unsolicited")]
    nonce: Option<String>,
    /// A report collected without asking: the nonce is not checked.
    #[arg(long)]
    unsolicited: bool,
    /// The ECU's serial, when its key was registered with one.
    #[arg(long)]
    ecu_serial: Option<String>,
    /// An identity record (binary or hex): unsigned, a transport summary.
    #[arg(long)]
    identity: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, a: TraceArgs) -> CmdResult {
    let input = if let Some(report) = &a.report {
        let bytes = read_report(report)?;
        let key_path = a
            .ecu_key
            .as_ref()
            .ok_or_else(|| Failure::Usage("--report needs --ecu-key".into()))?;
        let key = EcuPublicKey::read(key_path)?;
        let freshness = match (&a.nonce, a.unsolicited) {
            (Some(n), _) => Freshness::Nonce(parse_nonce(n)?),
            (None, true) => Freshness::UnsolicitedNoNonceCheck,
            (None, false) => return Err(Failure::Usage("give --nonce, or --unsolicited".into())),
        };
        let want = Expectation {
            key,
            serial: a.ecu_serial.clone(),
            freshness,
            last_sequence: None,
            manifest_digest: None,
        };
        let r = verify(&bytes, &want).map_err(Failure::Report)?;
        Input::Installed {
            start: Start::Report {
                hardware_id: r.hardware_id.clone(),
                serial: r.serial.clone(),
                sequence: r.sequence,
                ecu_key_id: r.ecu_key_id.clone(),
                nonce_checked: r.nonce_checked,
            },
            config: r.config.as_ref().map(|c| c.digest.clone()),
            manifest: r.manifest_digest,
        }
    } else if let Some(path) = &a.identity {
        let bytes = std::fs::read(path).map_err(|e| modelseal::Error::io(path, e))?;
        let record = modelseal::identity::parse_input(&bytes)?;
        let id = modelseal::identity::IdentityReport::decode(&record)?;
        Input::Installed {
            start: Start::Identity,
            config: id.config.as_ref().map(|c| c.digest.clone()),
            manifest: id.manifest_digest,
        }
    } else {
        let what = a.what.clone().unwrap_or_default();
        if what.contains('@') {
            Input::Model(what)
        } else {
            Input::Digest(hex::encode(modelseal_registry::parse_digest(&what)?))
        }
    };
    let store = a.db.open()?;
    let t = store.trace(&input)?;
    ctx.report(&t, &t.text());
    if t.known {
        Ok(())
    } else {
        Err(Failure::Alarm(format!(
            "alarm: {}",
            t.alarms.first().cloned().unwrap_or_default()
        )))
    }
}
