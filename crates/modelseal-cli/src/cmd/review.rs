//! `modelseal request`, `modelseal review` and `modelseal audit`: signers
//! who see what they sign, and a log of what they signed.

use crate::out::{CmdResult, Ctx, Failure};
use clap::Args;
use modelseal::fsio::{Overwrite, PUBLIC_MODE, write_atomic};
use modelseal::keys;
use modelseal::request::{self, Request};
use modelseal::sign::Signer;
use serde::Serialize;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

/// Largest counter jump signed without naming the new counter.
const DEFAULT_MAX_COUNTER_JUMP: u64 = 1000;

#[derive(Debug, Args)]
#[command(after_help = "Example (a reviewed offline signature):\n  \
    modelseal request bundle.msb --root root.msr -o bundle.msq\n  \
    # on the signer's offline machine, with the key file or the HSM:\n  \
    modelseal review bundle.msq --key c1.pem --previous last-release.msh -o c1.sig\n  \
    # back with the bundle:\n  \
    modelseal attach bundle.msb --root root.msr --signature c1.sig\n\n\
    The request carries the bundle head (manifest and rotation chain) and the trust root,\n\
    so the signer's side shows what the signature authorises and computes the message itself.")]
pub(crate) struct RequestArgs {
    /// Bundle, bundle head or root envelope to have signed.
    file: PathBuf,
    /// The device trust root (for a bundle), or the previous root (for a rotated root).
    #[arg(long)]
    root: Option<PathBuf>,
    /// The request file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    modelseal review bundle.msq --key c1.pem --previous last-release.msh -o c1.sig\n  \
    modelseal review bundle.msq --key 'pkcs11:token=release;object=c1' --pin-env PIN \\\n    \
    --yes --expect-digest 3f1c...e0 -o c1.sig      # unattended, after a review elsewhere\n\n\
    Shows what the signature authorises (kind, version, security counter and its jump from\n\
    --previous, target, components with stage and lineage, artifacts, ECUs), computes the\n\
    64-byte message from the document itself, and signs only after confirmation: on a\n\
    terminal, typing the first 8 hex digits of the document digest; otherwise --yes with\n\
    --expect-digest naming the whole digest. A counter jump above --max-counter-jump needs\n\
    --allow-counter naming the new counter.")]
pub(crate) struct ReviewArgs {
    /// The signing request (`modelseal request`).
    request: PathBuf,
    /// The key to sign with: a key file or a `pkcs11:` URI.
    #[arg(long)]
    key: PathBuf,
    /// The signature file to write (64 bytes, for `attach`).
    #[arg(short, long)]
    output: PathBuf,
    /// The previous release (bundle or head), to show the counter's jump.
    #[arg(long, conflicts_with = "registry")]
    previous: Option<PathBuf>,
    /// Or the model registry (a SQLite file or a postgres:// URL): the
    /// highest counter of a registered release of the same kind (the floor
    /// devices may hold) is the previous one.
    #[arg(long, value_name = "DB")]
    registry: Option<PathBuf>,
    /// Largest counter jump signed without --allow-counter.
    #[arg(long, default_value_t = DEFAULT_MAX_COUNTER_JUMP)]
    max_counter_jump: u64,
    /// Accept this new security counter although it jumps further.
    #[arg(long, value_name = "COUNTER")]
    allow_counter: Option<u64>,
    /// Sign without asking (needs --expect-digest).
    #[arg(long, requires = "expect_digest")]
    yes: bool,
    /// The document digest (64 hex digits) the signer reviewed.
    #[arg(long, value_name = "HEX")]
    expect_digest: Option<String>,
    /// Replace an existing output file.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  modelseal audit --json | jq '.[] | select(.counter > 1000)'\n\n\
    The log is MODELSEAL_AUDIT_LOG, else $XDG_STATE_HOME/modelseal/audit.jsonl, else\n\
    ~/.local/state/modelseal/audit.jsonl: one line per signature this machine made."
)]
pub(crate) struct AuditArgs {
    /// Only signatures by this key id (hex).
    #[arg(long)]
    key_id: Option<String>,
}

pub(crate) fn request(ctx: &Ctx, a: RequestArgs) -> CmdResult {
    let root = a.root.as_deref().map(crate::out::read_root).transpose()?;
    // Opened once: the chain verified and the roles found here are the
    // ones the request carries.
    let (r, s) = Request::for_file(&a.file, root.as_deref())?;
    let bytes = r.encode()?;
    write_atomic(&a.output, &bytes, PUBLIC_MODE, Overwrite::forced(a.force))?;
    let digest = hex::encode(s.document().digest());
    ctx.report(
        &serde_json::json!({
            "request": a.output.display().to_string(),
            "bytes": bytes.len(),
            "document_digest": digest,
        }),
        &format!(
            "wrote {} ({} bytes): review it with `modelseal review`\ndocument digest  {digest}\n",
            a.output.display(),
            bytes.len()
        ),
    );
    Ok(())
}

/// What `review --json` prints.
#[derive(Serialize)]
struct Reviewed {
    signature_file: String,
    document_type: &'static str,
    document_digest: String,
    security_counter: Option<u64>,
    previous_counter: Option<u64>,
    key: modelseal::keys::KeyInfo,
}

pub(crate) fn review(ctx: &Ctx, a: ReviewArgs) -> CmdResult {
    let bytes = modelseal::fsio::read_small(&a.request, request::MAX_REQUEST_LEN)?;
    let r = Request::decode(&bytes, &a.request)?;
    let s = r.open(&a.request)?;
    let doc = s.document();
    let digest = hex::encode(doc.digest());
    // What the signature authorises, rebuilt from the document itself.
    let (summary, counter) = authorises(&s)?;
    let previous = match (&a.previous, &a.registry) {
        (Some(p), _) => Some(request::previous_counter(p)?),
        (None, Some(db)) => match doc.doc_type().bundle_kind() {
            Some(kind) => {
                modelseal_registry::Store::open_existing(db)?.highest_counter(kind.name())?
            }
            None => None,
        },
        (None, None) => None,
    };
    let mut text = format!(
        "{}: signing request (judged under its root; the signature covers exactly this)\n{summary}document digest  {digest}\nsignatures       {}\n",
        a.request.display(),
        s.status().summary()
    );
    if let Some(c) = counter {
        text.push_str(&match previous {
            Some(p) => format!("counter jump     {p} -> {c} (+{})\n", c.saturating_sub(p)),
            None => format!(
                "counter jump     unknown previous release (--previous or --registry): {c} counted from 0\n"
            ),
        });
        if request::counter_needs_confirmation(c, previous, a.max_counter_jump)
            && a.allow_counter != Some(c)
        {
            eprint!("{text}");
            return Err(modelseal::Error::CounterJump {
                from: previous.unwrap_or(0),
                to: c,
                max_jump: a.max_counter_jump,
            }
            .into());
        }
    }
    let signer = keys::open_signer(&a.key)?;
    let pk = signer.public_key()?;
    if !s.authority().admits(&pk) {
        return Err(modelseal::Error::SignerNotInRole {
            key_id: hex::encode(modelseal::sign::key_id_of(&pk)),
            roles: s.authority().roles.iter().map(|r| r.name()).collect(),
        }
        .into());
    }
    confirm(&a, &digest, &text)?;
    // The message is computed here, from the document shown.
    let msg = s.message();
    let sig = signer.sign(&msg)?;
    let mut check = doc.clone();
    check.attach(pk, sig)?;
    modelseal::audit::record(
        doc.doc_type(),
        doc.doc(),
        doc.digest(),
        &pk,
        &signer.describe(),
    )?;
    write_atomic(&a.output, &sig, PUBLIC_MODE, Overwrite::forced(a.force))?;
    let info = keys::KeyInfo::of(&pk);
    text.push_str(&format!(
        "wrote {} (64 bytes), signed by key {}\n",
        a.output.display(),
        info.key_id
    ));
    ctx.report(
        &Reviewed {
            signature_file: a.output.display().to_string(),
            document_type: doc.doc_type().name(),
            document_digest: digest,
            security_counter: counter,
            previous_counter: previous,
            key: info,
        },
        &text,
    );
    Ok(())
}

/// What a signature over the request's document authorises, for people,
/// and the manifest's security counter.
fn authorises(s: &modelseal::signfile::Signable) -> Result<(String, Option<u64>), Failure> {
    let doc = s.document();
    Ok(match doc.doc_type().bundle_kind() {
        Some(kind) => {
            let view = modelseal_core::unverified::manifest_unauthenticated(doc.doc(), kind)
                .map_err(|e| modelseal::Error::verify("the requested manifest", e))?;
            let m = modelseal::model::Manifest::from_view(&view).map_err(modelseal::Error::from)?;
            let chain = s
                .head()
                .and_then(|h| modelseal::bundle::split_head(h).ok())
                .map_or(0, |p| p.chain.len());
            let mut text = format!(
                "{} {}, security counter {}{}\n",
                kind.name(),
                m.head.version,
                m.head.security_counter,
                if chain > 0 {
                    format!(", carrying {chain} root rotation(s)")
                } else {
                    String::new()
                }
            );
            text.push_str(&modelseal::inspect::manifest_text(&m, None));
            (text, Some(m.head.security_counter))
        }
        None => {
            let tr = modelseal_core::root::TrustRoot::parse_doc(doc.doc())
                .map_err(|e| modelseal::Error::verify("the requested root", e))?;
            let root = modelseal::model::Root::from_trust_root(&tr);
            (
                format!(
                    "trust root version {}\n{}",
                    tr.version(),
                    modelseal::inspect::root_text(&root)
                ),
                None,
            )
        }
    })
}

/// The signer's go-ahead: `--yes` with the whole digest, or the first 8
/// hex digits of it typed on the terminal after reading the summary.
fn confirm(a: &ReviewArgs, digest: &str, summary: &str) -> Result<(), Failure> {
    let no = |reason: String| Failure::from(modelseal::Error::NotConfirmed { reason });
    if a.yes {
        let want = a.expect_digest.as_deref().unwrap_or_default().trim();
        if !want.eq_ignore_ascii_case(digest) {
            return Err(no(format!(
                "--expect-digest {want} is not this document's digest {digest}"
            )));
        }
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(no(
            "no terminal to confirm on: review the summary, then pass --yes --expect-digest <document digest>".into(),
        ));
    }
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "{summary}Type the first 8 hex digits of the document digest to sign: "
    );
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| no(format!("reading the answer: {e}")))?;
    if line.trim().len() == 8 && digest.starts_with(&line.trim().to_ascii_lowercase()) {
        Ok(())
    } else {
        Err(no("the digits do not match; nothing signed".into()))
    }
}

pub(crate) fn audit(ctx: &Ctx, a: AuditArgs) -> CmdResult {
    let Some(path) = modelseal::audit::log_path() else {
        return Err(Failure::Usage(
            "no audit log: set MODELSEAL_AUDIT_LOG or HOME".into(),
        ));
    };
    let mut entries = modelseal::audit::read(path)?;
    if let Some(k) = &a.key_id {
        entries.retain(|e| e.key_id.eq_ignore_ascii_case(k));
    }
    let mut text = format!("{}: {} signature(s)\n", path.display(), entries.len());
    for e in &entries {
        text.push_str(&format!(
            "{}  key {}  {} {}{}  digest {}  by {}\n",
            e.time_text,
            e.key_id,
            e.document_type,
            if e.version.is_empty() {
                "(message only)"
            } else {
                &e.version
            },
            e.counter
                .map(|c| format!(" counter {c}"))
                .unwrap_or_default(),
            e.document_digest,
            e.signer
        ));
    }
    ctx.report(&entries, &text);
    Ok(())
}
