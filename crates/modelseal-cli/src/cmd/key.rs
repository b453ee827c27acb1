//! `modelseal key`: generate, show, public.

use crate::out::{CmdResult, Ctx, Failure};
use clap::{Args, Subcommand, ValueEnum};
use modelseal::fsio::Overwrite;
use modelseal::keys::{self, KeyFormat, KeyInfo, KeyKind};
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    /// PEM: PKCS#8 v1 private keys, SubjectPublicKeyInfo public keys (OpenSSL-compatible).
    Pem,
    /// 32 raw bytes.
    Raw,
}

impl From<Format> for KeyFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Pem => KeyFormat::Pem,
            Format::Raw => KeyFormat::Raw,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Generate an Ed25519 key (file mode 0600; never replaces a file without --force).
    #[command(
        after_help = "Examples:\n  modelseal key generate -o release-1.pem --public-out release-1.pub\n  \
        modelseal key generate -o 'pkcs11:token=release;object=c1' --public-out c1.pub \\\n    \
        --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin-env PIN   # generated in the token\n\n\
        The PEM file is PKCS#8 v1, the form `openssl genpkey -algorithm ed25519` writes;\n\
        `openssl pkey -in release-1.pem -noout -text` reads it."
    )]
    Generate(GenerateArgs),
    /// Show a key file's key id and public key (private or public key file).
    #[command(
        after_help = "Examples:\n  modelseal key show release-1.pem --json\n  \
        modelseal key show release-1.pub --public     # 32 raw bytes: say which half they are\n\n\
        PEM files and hex say what they hold. A raw private key and a raw public key are both\n\
        32 bytes that look alike, so a raw file needs --private or --public."
    )]
    Show(ShowArgs),
    /// Write the public key of a private key file or token key.
    #[command(
        after_help = "Examples:\n  modelseal key public release-1.pem -o release-1.pub\n  \
        modelseal key public 'pkcs11:token=release;object=c1' -o c1.pub \\\n    \
        --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin-env PIN"
    )]
    Public(PublicArgs),
    /// List the Ed25519 keys of a token (PKCS#11), with their URIs.
    #[command(
        after_help = "Example:\n  modelseal key list 'pkcs11:token=release' \\\n    \
        --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin-env PIN"
    )]
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// The token, as a `pkcs11:` URI (`pkcs11:token=LABEL`).
    token: String,
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Private key file to create.
    #[arg(short, long)]
    output: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "pem")]
    format: Format,
    /// Also write the public key here (same format).
    #[arg(long)]
    public_out: Option<PathBuf>,
    /// Encrypt the private key (PKCS#8 PBES2, AES-256-CBC) with a passphrase
    /// from --passphrase-env, --passphrase-file or the terminal (asked twice).
    #[arg(long, conflicts_with = "format")]
    encrypt: bool,
    /// Key derivation of --encrypt: scrypt (N=2^14, r=8, p=5) or pbkdf2
    /// (HMAC-SHA256, 600,000 iterations); both are read by OpenSSL.
    #[arg(long, value_enum, default_value = "scrypt", requires = "encrypt")]
    kdf: KdfArg,
    /// Replace existing files.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum KdfArg {
    /// scrypt, N = 2^14, r = 8, p = 5.
    Scrypt,
    /// PBKDF2-HMAC-SHA256, 600,000 iterations.
    Pbkdf2,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// Key file: PKCS#8 PEM (private), SPKI PEM or 64 hex digits (public), or 32 raw bytes
    /// (either: say which with --private or --public).
    file: PathBuf,
    /// The file is 32 raw bytes of a private key (a seed, as `key generate --format raw -o` writes).
    #[arg(long, conflicts_with = "public")]
    private: bool,
    /// The file is 32 raw bytes of a public key (as `key generate --format raw --public-out` writes).
    #[arg(long)]
    public: bool,
}

#[derive(Debug, Args)]
pub(crate) struct PublicArgs {
    /// Private key file.
    key: PathBuf,
    /// Public key file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// File format.
    #[arg(long, value_enum, default_value = "pem")]
    format: Format,
    /// Replace an existing file.
    #[arg(long)]
    force: bool,
}

pub(crate) fn run(ctx: &Ctx, c: KeyCommand) -> CmdResult {
    match c {
        KeyCommand::Generate(a) => generate(ctx, a),
        KeyCommand::Show(a) if a.file.to_str().is_some_and(modelseal::pkcs11::is_uri) => {
            show_token(ctx, a)
        }
        KeyCommand::Show(a) => show(ctx, a),
        KeyCommand::List(a) => list(ctx, a),
        KeyCommand::Public(a) => public(ctx, a),
    }
}

fn generate(ctx: &Ctx, a: GenerateArgs) -> CmdResult {
    if let Some(p) = &a.public_out {
        if p == &a.output {
            return Err(Failure::Usage(
                "--public-out must differ from --output".into(),
            ));
        }
        if !a.force && p.exists() {
            return Err(modelseal::Error::Exists(p.clone()).into());
        }
    }
    if let Some(uri) = a.output.to_str().filter(|s| modelseal::pkcs11::is_uri(s)) {
        return generate_in_token(ctx, &a, uri);
    }
    let key = keys::generate()?;
    if a.encrypt {
        let name = a.output.display().to_string();
        let pass = keys::passphrase_for(&name, true)
            .map_err(|p| modelseal::Error::key_file(&a.output, p))?;
        let kdf = match a.kdf {
            KdfArg::Scrypt => keys::Kdf::Scrypt,
            KdfArg::Pbkdf2 => keys::Kdf::Pbkdf2,
        };
        let pem = keys::encode_private_encrypted(&key, kdf, &pass)?;
        modelseal::fsio::write_atomic(
            &a.output,
            &pem,
            modelseal::fsio::SECRET_MODE,
            Overwrite::forced(a.force),
        )?;
    } else {
        keys::write_private(&a.output, &key, a.format.into(), Overwrite::forced(a.force))?;
    }
    let pk = key.verifying_key().to_bytes();
    if let Some(p) = &a.public_out {
        keys::write_public(p, &pk, a.format.into(), Overwrite::forced(a.force))?;
    }
    let info = KeyInfo::of(&pk);
    ctx.report(
        &Generated {
            private_key_file: a.output.display().to_string(),
            public_key_file: a.public_out.as_ref().map(|p| p.display().to_string()),
            format: KeyFormat::from(a.format).name(),
            encrypted: a.encrypt.then_some(match a.kdf {
                KdfArg::Scrypt => "scrypt",
                KdfArg::Pbkdf2 => "pbkdf2",
            }),
            key: &info,
        },
        &format!(
            "wrote {}{} (mode 0600)\nkey id      {}\npublic key  {}\n",
            a.output.display(),
            if a.encrypt { ", encrypted" } else { "" },
            info.key_id,
            info.public_key
        ),
    );
    Ok(())
}

/// `key generate -o pkcs11:...`: the pair made inside the token.
fn generate_in_token(ctx: &Ctx, a: &GenerateArgs, uri: &str) -> CmdResult {
    if a.encrypt {
        return Err(Failure::Usage(
            "--encrypt is for key files; a token key never leaves the token".into(),
        ));
    }
    let pk = modelseal::pkcs11::generate(uri)?;
    if let Some(p) = &a.public_out {
        keys::write_public(p, &pk, a.format.into(), Overwrite::forced(a.force))?;
    }
    let info = KeyInfo::of(&pk);
    ctx.report(
        &Generated {
            private_key_file: uri.to_owned(),
            public_key_file: a.public_out.as_ref().map(|p| p.display().to_string()),
            format: "pkcs11",
            encrypted: None,
            key: &info,
        },
        &format!(
            "generated in the token: {uri} (sensitive, not extractable)\nkey id      {}\npublic key  {}\n",
            info.key_id, info.public_key
        ),
    );
    Ok(())
}

fn show_token(ctx: &Ctx, a: ShowArgs) -> CmdResult {
    let pk = keys::read_public_any(&a.file)?;
    let info = KeyInfo::of(&pk);
    ctx.report(
        &Shown {
            file: a.file.display().to_string(),
            kind: "private",
            format: "pkcs11",
            key: &info,
        },
        &format!(
            "{}: private key (in a token)\nkey id      {}\npublic key  {}\n",
            a.file.display(),
            info.key_id,
            info.public_key
        ),
    );
    Ok(())
}

fn show(ctx: &Ctx, a: ShowArgs) -> CmdResult {
    let bytes = modelseal::fsio::read_small(&a.file, 16 * 1024)?;
    let raw = match (a.private, a.public) {
        (true, _) => Some(KeyKind::Private),
        (_, true) => Some(KeyKind::Public),
        _ => None,
    };
    let key = keys::identify_named(&bytes, raw, &a.file.display().to_string())
        .map_err(|p| modelseal::Error::key_file(&a.file, p))?;
    let (kind, format, pk) = (key.kind.name(), key.format, key.public_key);
    let info = KeyInfo::of(&pk);
    ctx.report(
        &Shown {
            file: a.file.display().to_string(),
            kind,
            format,
            key: &info,
        },
        &format!(
            "{}: {kind} key ({format})\nkey id      {}\npublic key  {}\n",
            a.file.display(),
            info.key_id,
            info.public_key
        ),
    );
    Ok(())
}

fn list(ctx: &Ctx, a: ListArgs) -> CmdResult {
    let list = modelseal::pkcs11::list(&a.token)?;
    let mut text = String::new();
    for k in &list {
        text.push_str(&format!(
            "{}  key id {}  public key {}\n",
            k.uri, k.key_id, k.public_key
        ));
    }
    if list.is_empty() {
        text.push_str("no Ed25519 keys in this token\n");
    }
    ctx.report(&list, &text);
    Ok(())
}

fn public(ctx: &Ctx, a: PublicArgs) -> CmdResult {
    let signer = keys::open_signer(&a.key)?;
    let pk = modelseal::sign::Signer::public_key(&signer)?;
    keys::write_public(&a.output, &pk, a.format.into(), Overwrite::forced(a.force))?;
    let info = KeyInfo::of(&pk);
    ctx.report(
        &Exported {
            public_key_file: a.output.display().to_string(),
            key: &info,
        },
        &format!(
            "wrote {}\nkey id      {}\npublic key  {}\n",
            a.output.display(),
            info.key_id,
            info.public_key
        ),
    );
    Ok(())
}

/// What `key generate --json` prints.
#[derive(Serialize)]
struct Generated<'a> {
    private_key_file: String,
    public_key_file: Option<String>,
    format: &'a str,
    /// Whether the private key file is encrypted (and with which KDF).
    #[serde(skip_serializing_if = "Option::is_none")]
    encrypted: Option<&'a str>,
    #[serde(flatten)]
    key: &'a KeyInfo,
}

/// What `key show --json` prints.
#[derive(Serialize)]
struct Shown<'a> {
    file: String,
    #[serde(rename = "type")]
    kind: &'a str,
    format: &'a str,
    #[serde(flatten)]
    key: &'a KeyInfo,
}

/// What `key public --json` prints.
#[derive(Serialize)]
struct Exported<'a> {
    public_key_file: String,
    #[serde(flatten)]
    key: &'a KeyInfo,
}
