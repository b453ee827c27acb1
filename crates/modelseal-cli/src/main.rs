//! The `modelseal` command: keys, trust roots, build, sign (k-of-n,
//! offline), verify, inspect, identity.
//!
//! A thin layer over the `modelseal` library: parse arguments, call the
//! library, print text or JSON, exit with a documented code. Nothing here
//! reads or writes the bundle format itself.
//!
//! Exit codes: 0 success; 1 verification rejected (a bundle, root,
//! signature or identity record was refused, or does not match); 2 bad
//! input or usage (spec, key file, arguments); 3 I/O error; 4 internal
//! error (a bug in modelseal); 5 not in the registry; 10 to 17 the
//! refusals of `report verify`, one code per reason; 20 a trace alarm (a
//! bundle the registry never saw); 21 a failed licence policy. The library's `ErrorClass` decides which.
//! SIGINT and SIGTERM end the process by that signal (130 or 143 in a
//! shell) after its temporary files are removed.

mod cmd;
mod out;

use clap::{Parser, Subcommand};

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  verification rejected (bundle, root, signature or identity refused or mismatched)
  2  bad input or usage (arguments, spec content, key file, the wrong key to sign with)
  3  I/O error (a file or directory named on the command line or in a spec
     could not be found, read or written)
  4  internal error (a bug in modelseal; nothing was written; please report it)
  5  not in the registry (registry queries, trace)
  10-17  `report verify` refusals: 10 signature, 11 other ECU, 12 nonce (replay),
         13 older sequence, 14 truncated, 15 malformed, 16 another bundle, 17 algorithm
  20  trace alarm: an ECU runs (or a configuration lists) a bundle the registry never saw
  21  `registry check`: the licence policy failed
  130, 143  interrupted by SIGINT or SIGTERM: ended by that signal, temporary files removed";

/// Signed, traceable ML model bundles for ECUs: keys, trust roots, build,
/// sign, verify, inspect, identity.
#[derive(Debug, Parser)]
#[command(name = "modelseal", version, after_help = EXIT_CODES, max_term_width = 100)]
struct Cli {
    /// Print reports as JSON on standard output (every reporting command).
    #[arg(long, global = true)]
    json: bool,
    /// No progress bar and no notes on standard error (errors are still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Passphrase of encrypted key files: from this environment variable.
    #[arg(
        long,
        global = true,
        value_name = "VAR",
        conflicts_with = "passphrase_file"
    )]
    passphrase_env: Option<String>,
    /// Passphrase of encrypted key files: the first line of this file.
    #[arg(long, global = true, value_name = "FILE")]
    passphrase_file: Option<std::path::PathBuf>,
    /// PKCS#11 module for `pkcs11:` key URIs without module-path
    /// (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "MODELSEAL_PKCS11_MODULE"
    )]
    pkcs11_module: Option<std::path::PathBuf>,
    /// Token PIN for `pkcs11:` keys: from this environment variable.
    #[arg(long, global = true, value_name = "VAR", conflicts_with = "pin_file")]
    pin_env: Option<String>,
    /// Token PIN for `pkcs11:` keys: the first line of this file.
    #[arg(long, global = true, value_name = "FILE")]
    pin_file: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate Ed25519 keys, show them, extract public keys.
    #[command(subcommand)]
    Key(cmd::key::KeyCommand),
    /// Create a trust root, or rotate it to the next version.
    #[command(subcommand)]
    Root(cmd::root::RootCommand),
    /// Build a bundle from a spec: hash, sign, write atomically, check with the verifier.
    Build(cmd::build::BuildArgs),
    /// Sign a bundle, bundle head or trust root with local key files.
    Sign(cmd::sign::SignArgs),
    /// Export the exact 64 bytes a key holder signs (offline signing).
    Message(cmd::message::MessageArgs),
    /// Sign an exported message with a key file (on the key holder's machine).
    SignMessage(cmd::sign_message::SignMessageArgs),
    /// Attach detached signatures to a bundle, bundle head or trust root.
    Attach(cmd::attach::AttachArgs),
    /// Write a signing request: the document and its root, for a signer to review.
    Request(cmd::review::RequestArgs),
    /// Review a signing request, see what it authorises, and sign it (offline, key or HSM).
    Review(cmd::review::ReviewArgs),
    /// List the signatures this machine made (the signer's audit log).
    Audit(cmd::review::AuditArgs),
    /// Verify a bundle as a device would, and show the installed identity.
    Verify(cmd::verify::VerifyArgs),
    /// Show everything in a bundle or trust root (not authenticated).
    Inspect(cmd::inspect::InspectArgs),
    /// Decode or compare the unsigned identity summary an ECU reports (not evidence).
    #[command(subcommand)]
    Identity(cmd::identity::IdentityCommand),
    /// Version reports an ECU signs: device keys, nonces, and checking a report.
    #[command(subcommand)]
    Report(cmd::report::ReportCommand),
    /// The model registry: verified releases, candidates, signed stage
    /// events and evaluations, lineage, SBOM and licence queries.
    Registry(cmd::registry::RegistryArgs),
    /// From a car's signed version report (or a digest, or family@version)
    /// back to configuration, model versions, lineage and evaluations.
    Trace(cmd::trace::TraceArgs),
    /// The fleet inventory: vehicles, ECUs and device keys, signed version
    /// reports, what ran where and when; which cars run a model, drift.
    Fleet(cmd::fleet::FleetArgs),
    /// Incidents, linked to what the vehicle ran at that time, and the walk
    /// to the data its models were trained on.
    Incident(cmd::fleet::IncidentArgs),
}

/// On SIGINT or SIGTERM, removes the temporary files of the writes in
/// progress (a whole-bundle build's is as large as the bundle) and then
/// ends the process by that same signal, so the caller sees an interrupt
/// (a shell reports 130 or 143) and a script stops as it would for any
/// interrupted command. The handler runs on a thread of its own, not in
/// signal context, so it may take locks and remove files.
fn remove_temporaries_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) else {
        // Then an interrupt leaves its temporary file, as a SIGKILL does;
        // the command itself is unaffected.
        return;
    };
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                modelseal::fsio::remove_temporaries_for_exit();
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        });
}

/// Parses the command line. A usage error is reported like every other
/// error: one line on standard error (and, with `--json`, a JSON object on
/// standard output), exit code 2. Help and version go out as clap prints
/// them.
fn parse() -> Cli {
    let e = match Cli::try_parse() {
        Ok(cli) => return cli,
        Err(e) => e,
    };
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let json = std::env::args_os()
        .skip(1)
        .take_while(|a| a != "--")
        .any(|a| a == "--json");
    // The subcommand path the arguments name, for "see `... --help`".
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut path = vec![cmd.get_name().to_owned()];
    for a in std::env::args().skip(1).filter(|a| !a.starts_with('-')) {
        match cmd.find_subcommand(&a) {
            Some(sub) => {
                path.push(sub.get_name().to_owned());
                cmd = sub.clone();
            }
            None => break,
        }
    }
    let failure = out::Failure::Usage(out::usage_line(&e.render().to_string(), &path.join(" ")));
    failure.print(json);
    std::process::exit(failure.code());
}

fn main() {
    remove_temporaries_on_signals();
    let cli = parse();
    let from = match (&cli.passphrase_env, &cli.passphrase_file) {
        (Some(var), _) => Some(modelseal::keys::PassphraseFrom::Env(var.clone())),
        (None, Some(f)) => Some(modelseal::keys::PassphraseFrom::File(f.clone())),
        (None, None) => None,
    };
    modelseal::keys::set_passphrases(Box::new(out::Passphrases { from }));
    let pin_from = match (&cli.pin_env, &cli.pin_file) {
        (Some(var), _) => Some(modelseal::keys::PassphraseFrom::Env(var.clone())),
        (None, Some(f)) => Some(modelseal::keys::PassphraseFrom::File(f.clone())),
        (None, None) => None,
    };
    // Every signature made here is logged (docs/CLI.md, "Audit log").
    if let Some(log) = std::env::var_os("MODELSEAL_AUDIT_LOG")
        .map(std::path::PathBuf::from)
        .or_else(modelseal::audit::default_path)
    {
        modelseal::audit::set_log(log);
    }
    modelseal::pkcs11::set_defaults(modelseal::pkcs11::Defaults {
        module: cli.pkcs11_module.clone(),
        pins: Box::new(out::Passphrases { from: pin_from }),
    });
    let ctx = out::Ctx {
        json: cli.json,
        quiet: cli.quiet,
    };
    let result = match cli.command {
        Command::Key(c) => cmd::key::run(&ctx, c),
        Command::Root(c) => cmd::root::run(&ctx, c),
        Command::Build(a) => cmd::build::run(&ctx, a),
        Command::Sign(a) => cmd::sign::run(&ctx, a),
        Command::Message(a) => cmd::message::run(&ctx, a),
        Command::SignMessage(a) => cmd::sign_message::run(&ctx, a),
        Command::Attach(a) => cmd::attach::run(&ctx, a),
        Command::Request(a) => cmd::review::request(&ctx, a),
        Command::Review(a) => cmd::review::review(&ctx, a),
        Command::Audit(a) => cmd::review::audit(&ctx, a),
        Command::Verify(a) => cmd::verify::run(&ctx, a),
        Command::Inspect(a) => cmd::inspect::run(&ctx, a),
        Command::Identity(c) => cmd::identity::run(&ctx, c),
        Command::Report(c) => cmd::report::run(&ctx, c),
        Command::Registry(a) => cmd::registry::run(&ctx, a),
        Command::Trace(a) => cmd::trace::run(&ctx, a),
        Command::Fleet(a) => cmd::fleet::run(&ctx, a),
        Command::Incident(a) => cmd::fleet::run_incident(&ctx, a),
    };
    if let Err(e) = result {
        e.print(ctx.json);
        std::process::exit(e.code());
    }
}
