//! `modelseal verify`.

use crate::out::{CmdResult, Ctx, Failure, parse_stage, parse_time, read_root};
use clap::{Args, ValueEnum};
use modelseal::fsio::{Overwrite, PUBLIC_MODE, write_atomic};
use modelseal::verify::verify_file;
use modelseal_core::{BundleKind, DevicePolicy, Expiry, Stage};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum KindArg {
    /// A component bundle.
    Component,
    /// A system-configuration bundle.
    SystemConfig,
}

#[derive(Debug, Args)]
#[command(after_help = "Example (the device facts a firmware would supply):\n  \
    modelseal verify bundle.msb --root root.msr --hardware-id HW-FC-0042 --platform PLAT-A \\\n    \
    --market EU --counter-floor 0 --min-stage staging --identity-out identity.bin\n\n\
    Verification runs the same core code the ECU runs. Without --trusted-time expiry dates are\n\
    NOT checked (a device without a trusted clock), and the report says so. A component bundle\n\
    installed under a system configuration: pass that configuration's bundle with --config.\n\
    A detached bundle head: pass the directory holding its artifacts with --artifacts.\n\
    Exit code 1 when the bundle is rejected, with the reason.")]
pub(crate) struct VerifyArgs {
    /// Bundle file, or detached bundle head (with --artifacts).
    bundle: PathBuf,
    /// The device's trust root (root envelope).
    #[arg(long)]
    root: PathBuf,
    /// The device's hardware id.
    #[arg(long)]
    hardware_id: String,
    /// The ECU's serial.
    #[arg(long)]
    serial: Option<String>,
    /// The vehicle platform.
    #[arg(long)]
    platform: Option<String>,
    /// The market.
    #[arg(long)]
    market: Option<String>,
    /// The ECU's name in system configurations.
    #[arg(long)]
    ecu_name: Option<String>,
    /// The security-counter floor the device has stored for this kind of
    /// bundle (0 on a new device). Devices keep one floor per kind.
    #[arg(long)]
    counter_floor: u64,
    /// The manifest digest (hex) of the bundle of this kind installed now:
    /// at the floor, only that very bundle is then accepted.
    #[arg(long, value_name = "HEX")]
    installed: Option<String>,
    /// The lowest lifecycle stage the device accepts (development, staging, production, or a code).
    #[arg(long, value_parser = parse_stage)]
    min_stage: Stage,
    /// A trusted time (seconds or RFC 3339): expiry dates are checked against it.
    #[arg(long, value_parser = parse_time)]
    trusted_time: Option<u64>,
    /// The kind of bundle the device slot takes (default: the kind the bundle claims).
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// A system-configuration bundle in force: the component must be listed for this ECU.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Directory holding the artifacts of a detached bundle head.
    #[arg(long)]
    artifacts: Option<PathBuf>,
    /// Write the binary identity record here.
    #[arg(long)]
    identity_out: Option<PathBuf>,
    /// Write the new trust root the device must persist here (when the bundle rotates it).
    #[arg(long)]
    new_root_out: Option<PathBuf>,
}

impl VerifyArgs {
    fn policy(&self, kind: BundleKind) -> Result<DevicePolicy, Failure> {
        let bad = |what: &str, e: modelseal_core::Error| {
            Failure::Usage(format!(
                "--{what}: {e} (identifiers are printable ASCII, at most 64 bytes)"
            ))
        };
        let expiry = match self.trusted_time {
            Some(t) => Expiry::CheckedAt(t),
            None => Expiry::NotCheckedNoTrustedClock,
        };
        let mut floors = modelseal_core::Floors::default();
        match kind {
            BundleKind::Component => floors.component = self.counter_floor,
            BundleKind::SystemConfig => floors.system_config = self.counter_floor,
        }
        let mut p = DevicePolicy::new(kind, &self.hardware_id, floors, self.min_stage, expiry)
            .map_err(|e| bad("hardware-id", e))?;
        if let Some(h) = &self.installed {
            let d: [u8; 32] = hex::decode(h)
                .ok()
                .and_then(|v| v.try_into().ok())
                .ok_or_else(|| {
                    Failure::Usage(
                        "--installed: a SHA-256 manifest digest in hex (64 digits)".into(),
                    )
                })?;
            p = p.with_installed(d);
        }
        if let Some(s) = &self.serial {
            p = p.with_serial(s).map_err(|e| bad("serial", e))?;
        }
        if let Some(s) = &self.platform {
            p = p.with_platform(s).map_err(|e| bad("platform", e))?;
        }
        if let Some(s) = &self.market {
            p = p.with_market(s).map_err(|e| bad("market", e))?;
        }
        if let Some(s) = &self.ecu_name {
            p = p.with_ecu_name(s).map_err(|e| bad("ecu-name", e))?;
        }
        Ok(p)
    }
}

pub(crate) fn run(ctx: &Ctx, a: VerifyArgs) -> CmdResult {
    let root = read_root(&a.root)?;
    let kind = match a.kind {
        Some(KindArg::Component) => BundleKind::Component,
        Some(KindArg::SystemConfig) => BundleKind::SystemConfig,
        None => {
            let b = modelseal::bundle::BundleFile::open(&a.bundle)?;
            modelseal_core::unverified::UnauthenticatedHead::parse(&b.head)
                .map_err(|e| {
                    modelseal::Error::verify(format!("{}: bundle head", a.bundle.display()), e)
                })?
                .kind()
        }
    };
    let mut policy = a.policy(kind)?;
    let mut config_note = None;
    if let Some(cfg) = &a.config {
        let sc =
            verify_file(cfg, &root, a.policy(BundleKind::SystemConfig)?, None).map_err(|e| {
                Failure::Lib(match e {
                    modelseal::Error::Verify { context, source } => modelseal::Error::Verify {
                        context: format!("system configuration (--config): {context}"),
                        source,
                    },
                    other => other,
                })
            })?;
        let binding = sc.config_binding.ok_or_else(|| {
            Failure::Usage(format!(
                "{}: not a system-configuration bundle",
                cfg.display()
            ))
        })?;
        config_note = Some(format!(
            "{} {} (manifest {})",
            binding.config_id(),
            binding.config_version(),
            hex::encode(binding.digest())
        ));
        policy = policy.with_config(binding);
    }
    // A bar over the artifact bytes as the workers check them (on a
    // terminal, without --quiet), cleared before the report.
    let bar = crate::out::Bar::new(ctx, "verifying");
    let v =
        modelseal::verify::verify_file_with(&a.bundle, &root, policy, a.artifacts.as_deref(), &bar);
    drop(bar);
    let v = v?;
    if let Some(p) = &a.identity_out {
        write_atomic(p, &v.identity_record, PUBLIC_MODE, Overwrite::Replace)?;
    }
    if let (Some(p), Some((_, bytes))) = (&a.new_root_out, &v.new_root) {
        write_atomic(p, bytes, PUBLIC_MODE, Overwrite::Replace)?;
    }
    let expiry = match a.trusted_time {
        Some(t) => format!(
            "checked against trusted time {}",
            modelseal::inspect::time_text(t)
        ),
        None => "NOT checked: no trusted time given (--trusted-time)".to_owned(),
    };
    let new_root = match &v.new_root {
        Some((ver, _)) => format!(
            "root v{ver} (the bundle rotated the trust root{})",
            a.new_root_out
                .as_ref()
                .map_or(String::new(), |p| format!("; written to {}", p.display()))
        ),
        None => "none (no rotation)".to_owned(),
    };
    let mut text = format!("OK: {} verified\n", a.bundle.display());
    text.push_str(&format!("expiry           {expiry}\n"));
    if let Some(c) = &config_note {
        text.push_str(&format!("installed under  {c}\n"));
    }
    text.push_str(&v.identity.text());
    text.push_str(&format!(
        "device persists  counter floor {} (was {}), new root: {new_root}\n",
        v.counter_floor, v.counter_floor_before
    ));
    if let Some(p) = &a.identity_out {
        text.push_str(&format!(
            "identity record  {} bytes written to {}\n",
            v.identity_record.len(),
            p.display()
        ));
    }
    text.push_str(&format!("identity (hex)   {}\n", v.identity.record_hex));
    ctx.report(
        &VerifyReport {
            verified: true,
            bundle: a.bundle.display().to_string(),
            expiry_checked: a.trusted_time.is_some(),
            trusted_time: a.trusted_time,
            identity: &v.identity,
            persist: Persist {
                counter_floor: v.counter_floor,
                counter_floor_before: v.counter_floor_before,
                new_root_version: v.new_root.as_ref().map(|(ver, _)| *ver),
                new_root: v.new_root.as_ref().map(|(_, b)| hex::encode(b)),
            },
            config_binding: v.config_binding.as_ref().map(|b| BindingReport {
                config_id: b.config_id().to_owned(),
                config_version: b.config_version().to_owned(),
                digest: hex::encode(b.digest()),
                allowed: b.allowed().iter().map(hex::encode).collect(),
            }),
            identity_out: a.identity_out.as_ref().map(|p| p.display().to_string()),
        },
        &text,
    );
    if a.trusted_time.is_none() {
        ctx.note("expiry was not checked: no trusted time given");
    }
    Ok(())
}

/// What `verify --json` prints.
#[derive(Serialize)]
struct VerifyReport<'a, I: Serialize> {
    verified: bool,
    bundle: String,
    expiry_checked: bool,
    trusted_time: Option<u64>,
    identity: &'a I,
    persist: Persist,
    config_binding: Option<BindingReport>,
    identity_out: Option<String>,
}

/// What the device should persist after this bundle.
#[derive(Serialize)]
struct Persist {
    counter_floor: u64,
    counter_floor_before: u64,
    new_root_version: Option<u32>,
    new_root: Option<String>,
}

/// The configuration binding a system-configuration bundle sets.
#[derive(Serialize)]
struct BindingReport {
    config_id: String,
    config_version: String,
    digest: String,
    allowed: Vec<String>,
}
