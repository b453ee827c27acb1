//! Output, errors and exit codes shared by the subcommands.

use modelseal::ErrorClass;
use std::io::IsTerminal;

/// Global output settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx {
    pub(crate) json: bool,
    pub(crate) quiet: bool,
}

impl Ctx {
    /// Prints a report: JSON when asked, text otherwise. The report goes
    /// through a `serde_json::Value`, whose objects keep their keys in
    /// lexicographic order: the order every report has always had, whatever
    /// order a record declares its fields in.
    pub(crate) fn report(&self, json: &impl serde::Serialize, text: &str) {
        if self.json {
            let pretty = serde_json::to_value(json).and_then(|v| serde_json::to_string_pretty(&v));
            emit(&pretty.unwrap_or_else(|_| "null".into()));
        } else {
            emit(text);
        }
    }
    /// A note for people on standard error (not with --quiet).
    pub(crate) fn note(&self, msg: &str) {
        if !self.quiet {
            eprintln!("modelseal: {msg}");
        }
    }
}

/// Why a command failed, and so which exit code.
#[derive(Debug)]
pub(crate) enum Failure {
    /// From the library.
    Lib(modelseal::Error),
    /// Verification rejected or a mismatch found by the command itself.
    Rejected(String),
    /// Arguments that do not fit together.
    Usage(String),
    /// A refusal the command's report already carries (under --json, no
    /// second JSON document follows it).
    Reported(String),
    Report(modelseal::report::ReportError),
    /// From the registry.
    Registry(modelseal_registry::Error),
    /// From the fleet inventory.
    Fleet(modelseal_fleet::Error),
    /// `trace` found something the registry never saw (the report was
    /// printed): exit 20.
    Alarm(String),
    /// `registry check` found a denied licence or an SBOM it could not
    /// check (the report was printed): exit 21.
    Policy(String),
}

impl From<modelseal_registry::Error> for Failure {
    fn from(e: modelseal_registry::Error) -> Self {
        match e {
            modelseal_registry::Error::Host(h) => Failure::Lib(h),
            other => Failure::Registry(other),
        }
    }
}

impl From<modelseal_fleet::Error> for Failure {
    fn from(e: modelseal_fleet::Error) -> Self {
        match e {
            modelseal_fleet::Error::Host(h) => Failure::Lib(h),
            modelseal_fleet::Error::Registry(r) => r.into(),
            other => Failure::Fleet(other),
        }
    }
}

impl From<modelseal::Error> for Failure {
    fn from(e: modelseal::Error) -> Self {
        Failure::Lib(e)
    }
}

impl Failure {
    /// The exit code.
    pub(crate) fn code(&self) -> i32 {
        match self {
            Failure::Lib(e) => match e.class() {
                ErrorClass::Rejected => 1,
                ErrorClass::BadInput => 2,
                ErrorClass::Io => 3,
                ErrorClass::Internal => 4,
            },
            Failure::Rejected(_) | Failure::Reported(_) => 1,
            Failure::Usage(_) => 2,
            Failure::Report(e) => report_code(e),
            Failure::Registry(e) => class_code(e.class()),
            Failure::Fleet(e) => class_code(e.class()),
            Failure::Alarm(_) => 20,
            Failure::Policy(_) => 21,
        }
    }
    /// One line: the message and each cause not already in it.
    pub(crate) fn chain(&self) -> String {
        match self {
            Failure::Lib(e) => chain_of(e),
            Failure::Rejected(m)
            | Failure::Usage(m)
            | Failure::Reported(m)
            | Failure::Alarm(m)
            | Failure::Policy(m) => m.clone(),
            Failure::Registry(e) => chain_of(e),
            Failure::Fleet(e) => chain_of(e),
            Failure::Report(e) => e.to_string(),
        }
    }
}

impl Failure {
    /// The outcome class, as `--json` names it.
    fn class(&self) -> &'static str {
        match self {
            Failure::Lib(e) => match e.class() {
                ErrorClass::Rejected => "rejected",
                ErrorClass::BadInput => "bad-input",
                ErrorClass::Io => "io",
                ErrorClass::Internal => "internal",
            },
            Failure::Rejected(_) | Failure::Reported(_) | Failure::Report(_) => "rejected",
            Failure::Usage(_) => "usage",
            Failure::Registry(e) => class_name(e.class()),
            Failure::Fleet(e) => class_name(e.class()),
            Failure::Alarm(_) => "alarm",
            Failure::Policy(_) => "policy",
        }
    }

    /// Reports the failure: one line on standard error, and with `json` an
    /// object on standard output, `{"error": {"code", "class", "message"}}`
    /// (a refused version report also keeps its `verified`, `reason` and
    /// `message` keys), so that a script reading standard output always
    /// gets JSON.
    pub(crate) fn print(&self, json: bool) {
        let message = self.chain();
        eprintln!("modelseal: error: {message}");
        if !json
            || matches!(
                self,
                Failure::Reported(_) | Failure::Alarm(_) | Failure::Policy(_)
            )
        {
            return;
        }
        let error = serde_json::json!({
            "code": self.code(),
            "class": self.class(),
            "message": message,
        });
        let v = match self {
            Failure::Report(e) => serde_json::json!({
                "verified": false,
                "reason": e.reason(),
                "message": e.to_string(),
                "error": error,
            }),
            _ => serde_json::json!({ "error": error }),
        };
        emit(&serde_json::to_string_pretty(&v).unwrap_or_else(|_| "null".into()));
    }
}

/// Writes `text` and a line end (unless it has one) to standard output. A
/// reader that went away (`modelseal fleet which … | head`) is not an
/// error of the command: the rest of the output is dropped and the exit
/// code stays the command's. Any other failure to write (a full disk) is:
/// the reason on standard error, exit 3 (I/O), since the output is lost.
fn emit(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let end = if text.ends_with('\n') { "" } else { "\n" };
    let r = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(end.as_bytes()))
        .and_then(|()| out.flush());
    match r {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("modelseal: error: cannot write to standard output: {e}");
            std::process::exit(3);
        }
    }
}

/// The exit code of a registry or inventory outcome.
fn class_code(c: modelseal_registry::ErrorClass) -> i32 {
    match c {
        modelseal_registry::ErrorClass::Rejected => 1,
        modelseal_registry::ErrorClass::BadInput => 2,
        modelseal_registry::ErrorClass::Io => 3,
        modelseal_registry::ErrorClass::Internal => 4,
        modelseal_registry::ErrorClass::NotFound => 5,
    }
}

/// The `--json` class name of a registry or inventory outcome.
fn class_name(c: modelseal_registry::ErrorClass) -> &'static str {
    match c {
        modelseal_registry::ErrorClass::Rejected => "rejected",
        modelseal_registry::ErrorClass::BadInput => "bad-input",
        modelseal_registry::ErrorClass::Io => "io",
        modelseal_registry::ErrorClass::Internal => "internal",
        modelseal_registry::ErrorClass::NotFound => "not-found",
    }
}

/// `e` and each cause not already in its message, on one line.
fn chain_of(e: &dyn std::error::Error) -> String {
    let mut line = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !line.contains(&t) {
            line.push_str(": ");
            line.push_str(&t);
        }
        src = s.source();
    }
    line.replace('\n', " ")
}

/// One line from clap's rendering of a usage error: the message (its lines
/// joined, tips and usage dropped) and where to read more, e.g.
/// "unexpected argument '--bogus' found (see `modelseal verify --help`)".
pub(crate) fn usage_line(rendered: &str, command: &str) -> String {
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .filter(|l| !l.is_empty() && !l.starts_with("tip:"))
        .map(|l| l.strip_prefix("error:").unwrap_or(l).trim())
        .collect();
    format!("{} (see `{command} --help`)", message.join(" "))
}

/// Result of a subcommand.
/// The exit code of each refusal of `report verify` (docs/CLI.md): one
/// per reason, so a HiL rig or a backend script can branch on it.
fn report_code(e: &modelseal::report::ReportError) -> i32 {
    use modelseal::report::ReportError as R;
    match e {
        R::Signature { .. } => 10,
        R::OtherEcu { .. } => 11,
        R::Nonce { .. } => 12,
        R::StaleSequence { .. } => 13,
        R::Truncated { .. } => 14,
        R::Malformed { .. } => 15,
        R::WrongBundle { .. } => 16,
        R::Algorithm { .. } => 17,
        // A refusal added later without a code of its own is still a refusal.
        _ => 1,
    }
}

pub(crate) type CmdResult = Result<(), Failure>;

/// The current time, seconds since the Unix epoch.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Creation time for new documents: `SOURCE_DATE_EPOCH` (reproducible
/// builds) or now.
pub(crate) fn created_at() -> Result<u64, Failure> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v.trim().parse().map_err(|_| {
            Failure::Usage(format!(
                "SOURCE_DATE_EPOCH=`{v}` is not a number of seconds"
            ))
        }),
        Err(_) => Ok(now()),
    }
}

/// Parses a time argument: seconds since the epoch or RFC 3339.
pub(crate) fn parse_time(s: &str) -> Result<u64, String> {
    modelseal::spec::parse_time(s)
}

/// Parses a byte count: digits, optionally followed by K/KiB (1024) or
/// M/MiB (1024 * 1024).
pub(crate) fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let scale: usize = match unit.trim() {
        "" => 1,
        "K" | "KiB" | "k" => 1024,
        "M" | "MiB" => 1024 * 1024,
        other => return Err(format!("unknown unit `{other}`: bytes, K/KiB or M/MiB")),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| format!("`{s}` is not a byte count"))
}

/// Parses a stage argument.
pub(crate) fn parse_stage(s: &str) -> Result<modelseal_core::Stage, String> {
    modelseal::spec::parse_stage(s)
}

/// A progress bar on standard error, drawn only on a terminal and not with --quiet.
pub(crate) struct Bar {
    bar: indicatif::ProgressBar,
}

impl Bar {
    pub(crate) fn new(ctx: &Ctx, label: &'static str) -> Self {
        let visible = !ctx.quiet && std::io::stderr().is_terminal();
        let bar = if visible {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_message(label);
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        Self { bar }
    }
}

impl modelseal::hashing::Progress for Bar {
    fn begin(&self, _files: usize, bytes: u64) {
        self.bar.set_length(bytes);
    }
    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
    fn end(&self) {}
    fn phase(&self, label: &'static str) {
        // After hashing the bar would sit at 100% while the bundle is
        // signed, flushed and read back: a spinner names the step instead.
        self.bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        );
        self.bar.set_message(label);
        self.bar
            .enable_steady_tick(std::time::Duration::from_millis(120));
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Human size.
pub(crate) fn size(n: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} bytes")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// Reads a root envelope file.
pub(crate) fn read_root(path: &std::path::Path) -> Result<Vec<u8>, Failure> {
    Ok(modelseal::signfile::read_root(path)?)
}

/// Where the CLI finds passphrases of encrypted key files: the environment
/// variable or file given, else a prompt on the terminal (never the command
/// line, where other users and shell histories would see it).
pub(crate) struct Passphrases {
    pub(crate) from: Option<modelseal::keys::PassphraseFrom>,
}

impl modelseal::keys::Passphrases for Passphrases {
    fn passphrase(
        &self,
        name: &str,
        confirm: bool,
    ) -> Result<zeroize::Zeroizing<String>, modelseal::KeyProblem> {
        use modelseal::KeyProblem;
        if let Some(from) = &self.from {
            return from.passphrase(name, confirm);
        }
        if !std::io::stdin().is_terminal() {
            return Err(KeyProblem::EncryptedNeedsPassphrase);
        }
        let ask = |prompt: String| {
            rpassword::prompt_password(prompt)
                .map(zeroize::Zeroizing::new)
                .map_err(|e| KeyProblem::PassphraseSource {
                    reason: format!("reading it from the terminal: {e}"),
                })
        };
        let first = ask(format!("Passphrase for {name}: "))?;
        if first.is_empty() {
            return Err(KeyProblem::PassphraseSource {
                reason: "the passphrase is empty".into(),
            });
        }
        if confirm && *ask(format!("Again, for {name}: "))? != *first {
            return Err(KeyProblem::PassphraseSource {
                reason: "the two entries differ".into(),
            });
        }
        Ok(first)
    }
}
