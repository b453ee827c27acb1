//! Everything in a bundle or a trust root, for people (text) and for
//! pipelines (JSON, complete: every field of the manifest).
//!
//! Inspection does not authenticate: it reads through the core's
//! unauthenticated views, and says so. With the device root it also judges
//! every signature (valid or not, which role it counts for).

use crate::authority::{Authority, SignatureStatus, role_name, root_in_force};
use crate::bundle::{BundleFile, split_head};
use crate::error::{Error, Result};
use crate::identity::stage_name;
use crate::model::{Manifest, Root};
use crate::sign::{SignedDocument, key_id_of};
use modelseal_core::bundle::Layout;
use modelseal_core::doc::ArtifactKind;
use modelseal_core::envelope::{Envelope, verify_strict};
use modelseal_core::inspect::UnauthenticatedHead;
use modelseal_core::limits::MAX_ROOT_ENVELOPE_LEN;
use modelseal_core::root::TrustRoot;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

/// A time as seconds and as RFC 3339 UTC.
pub fn time_json(t: u64) -> Value {
    json!({ "unix": t, "utc": time_text(t) })
}

/// A time as RFC 3339 UTC.
pub fn time_text(t: u64) -> String {
    let st = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t);
    humantime::format_rfc3339_seconds(st).to_string()
}

fn kind_name(code: u8) -> String {
    ArtifactKind::from_code(code).map_or_else(|| format!("code {code}"), |k| k.name().to_owned())
}

/// The complete manifest as JSON; `offsets` are the payload offsets, when known.
pub fn manifest_json(m: &Manifest, offsets: Option<&[u64]>) -> Value {
    let components: Vec<Value> = m
        .components
        .iter()
        .map(|c| {
            let lineage: serde_json::Map<String, Value> = c
                .lineage
                .entries()
                .iter()
                .map(|(k, v)| ((*k).to_owned(), json!(v)))
                .collect();
            json!({
                "family": c.family,
                "version": c.version,
                "stage": stage_name(c.stage),
                "stage_code": c.stage.code(),
                "author": c.author,
                "created_at": time_json(c.created_at),
                "training_environment": c.training_environment,
                "lineage": lineage,
                "tickets": c.tickets,
                "metadata": c.metadata,
            })
        })
        .collect();
    let system_config = m.system_config.as_ref().map(|sc| {
        json!({
            "config_id": sc.config_id,
            "config_version": sc.config_version,
            "vehicle_platform": sc.vehicle_platform,
            "sensor_set": sc.sensor_set,
            "market": sc.market,
            "ecus": sc.ecus.iter().map(|e| json!({
                "name": e.name,
                "hardware_id": e.hardware_id,
                "software_version": e.software_version,
                "models": e.models.iter().map(|mo| json!({
                    "family": mo.family,
                    "version": mo.version,
                    "manifest_digest": hex::encode(mo.manifest_digest),
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "middleware": sc.middleware,
            "parameter_sets": sc.parameter_sets.iter().map(|p| json!({
                "name": p.name,
                "vehicle_variant": p.vehicle_variant,
                "sensor_set": p.sensor_set,
                "market": p.market,
                "digest": hex::encode(p.digest),
            })).collect::<Vec<_>>(),
        })
    });
    let artifacts: Vec<Value> = m
        .artifacts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            json!({
                "name": a.name,
                "kind": kind_name(a.kind),
                "kind_code": a.kind,
                "size": a.size,
                "digest": hex::encode(a.digest),
                "plaintext": a.plaintext.as_ref().map(|p| json!({
                    "size": p.size,
                    "digest": hex::encode(p.digest),
                    "encryption": { "algorithm": p.algorithm, "key_id": p.key_id },
                })),
                "licence": a.licence,
                "payload_offset": offsets.and_then(|o| o.get(i)),
            })
        })
        .collect();
    json!({
        "kind": m.kind.name(),
        "version": m.version,
        "security_counter": m.security_counter,
        "created_at": time_json(m.created_at),
        "expires_at": m.expires_at.map(time_json),
        "supersedes": m.supersedes.map(hex::encode),
        "target": {
            "hardware_ids": m.target.hardware_ids,
            "serials": m.target.serials,
            "platform": m.target.platform,
            "market": m.target.market,
        },
        "components": components,
        "system_config": system_config,
        "artifacts": artifacts,
        "sbom": sbom_names(m),
        "extensions": m.extensions.iter().map(|e| json!({
            "id": e.id, "critical": e.critical, "data": hex::encode(&e.data),
        })).collect::<Vec<_>>(),
    })
}

fn sbom_names(m: &Manifest) -> Vec<String> {
    m.artifacts
        .iter()
        .filter(|a| ArtifactKind::from_code(a.kind).is_some_and(ArtifactKind::is_sbom))
        .map(|a| format!("{} ({})", a.name, kind_name(a.kind)))
        .collect()
}

/// The manifest for people.
pub fn manifest_text(m: &Manifest, offsets: Option<&[u64]>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "kind              {}", m.kind.name());
    let _ = writeln!(s, "version           {}", m.version);
    let _ = writeln!(s, "security counter  {}", m.security_counter);
    let _ = writeln!(s, "created           {}", time_text(m.created_at));
    let _ = writeln!(
        s,
        "expires           {}",
        m.expires_at.map_or("never".into(), time_text)
    );
    let _ = writeln!(
        s,
        "supersedes        {}",
        m.supersedes.map_or("nothing".into(), hex::encode)
    );
    let t = &m.target;
    let _ = writeln!(s, "target");
    let _ = writeln!(s, "  hardware ids    {}", t.hardware_ids.join(", "));
    let _ = writeln!(
        s,
        "  serials         {}",
        if t.serials.is_empty() {
            "any".into()
        } else {
            t.serials.join(", ")
        }
    );
    let _ = writeln!(
        s,
        "  platform        {}",
        t.platform.as_deref().unwrap_or("any")
    );
    let _ = writeln!(
        s,
        "  market          {}",
        t.market.as_deref().unwrap_or("any")
    );
    for c in &m.components {
        let _ = writeln!(s, "component {} {}", c.family, c.version);
        let _ = writeln!(s, "  stage           {}", stage_name(c.stage));
        let _ = writeln!(s, "  author          {}", c.author);
        let _ = writeln!(s, "  created         {}", time_text(c.created_at));
        let _ = writeln!(s, "  training env    {}", c.training_environment);
        let _ = writeln!(s, "  lineage");
        for (k, v) in c.lineage.entries() {
            let _ = writeln!(s, "    {k:<24}{}", if v.is_empty() { "(none)" } else { v });
        }
        if !c.tickets.is_empty() {
            let _ = writeln!(s, "  tickets         {}", c.tickets.join(", "));
        }
        for (k, v) in &c.metadata {
            let _ = writeln!(s, "  metadata        {k} = {v}");
        }
    }
    if let Some(sc) = &m.system_config {
        let _ = writeln!(
            s,
            "system configuration {} {}",
            sc.config_id, sc.config_version
        );
        let _ = writeln!(s, "  vehicle platform {}", sc.vehicle_platform);
        let _ = writeln!(s, "  sensor set      {}", sc.sensor_set);
        let _ = writeln!(s, "  market          {}", sc.market);
        for e in &sc.ecus {
            let _ = writeln!(
                s,
                "  ecu {} (hardware {}, software {})",
                e.name, e.hardware_id, e.software_version
            );
            for mo in &e.models {
                let _ = writeln!(
                    s,
                    "    runs {} {} (manifest {})",
                    mo.family,
                    mo.version,
                    hex::encode(mo.manifest_digest)
                );
            }
        }
        for (k, v) in &sc.middleware {
            let _ = writeln!(s, "  middleware      {k} {v}");
        }
        for p in &sc.parameter_sets {
            let _ = writeln!(
                s,
                "  parameter set   {} (variant {}, sensors {}, market {}) {}",
                p.name,
                p.vehicle_variant,
                p.sensor_set,
                p.market,
                hex::encode(p.digest)
            );
        }
    }
    let _ = writeln!(s, "artifacts ({})", m.artifacts.len());
    for (i, a) in m.artifacts.iter().enumerate() {
        let off = offsets
            .and_then(|o| o.get(i))
            .map_or(String::new(), |o| format!(" at offset {o}"));
        let _ = writeln!(
            s,
            "  {} [{}] {} bytes{off}, licence {}",
            a.name,
            kind_name(a.kind),
            a.size,
            a.licence
        );
        let _ = writeln!(s, "    sha256 {}", hex::encode(a.digest));
        if let Some(p) = &a.plaintext {
            let _ = writeln!(
                s,
                "    plaintext {} bytes, sha256 {}, encrypted with {} key {}",
                p.size,
                hex::encode(p.digest),
                p.algorithm,
                p.key_id
            );
        }
    }
    let sbom = sbom_names(m);
    let _ = writeln!(
        s,
        "sbom              {}",
        if sbom.is_empty() {
            "none".into()
        } else {
            sbom.join(", ")
        }
    );
    for e in &m.extensions {
        let _ = writeln!(
            s,
            "extension {} ({}) {}",
            e.id,
            if e.critical {
                "critical"
            } else {
                "non-critical"
            },
            hex::encode(&e.data)
        );
    }
    s
}

/// A root document as JSON.
pub fn root_json(r: &Root) -> Value {
    json!({
        "version": r.version,
        "expires_at": r.expires_at.map(time_json),
        "roles": r.roles.iter().map(|role| json!({
            "id": role.id,
            "name": role_name(role.id),
            "threshold": role.threshold,
            "keys": role.keys.iter().map(|k| json!({
                "key_id": hex::encode(key_id_of(k)),
                "public_key": hex::encode(k),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// A root document for people.
pub fn root_text(r: &Root) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "root version {}", r.version);
    let _ = writeln!(
        s,
        "  expires         {}",
        r.expires_at.map_or("never".into(), time_text)
    );
    for role in &r.roles {
        let _ = writeln!(
            s,
            "  role {:<14}{} of {} keys must sign",
            role_name(role.id),
            role.threshold,
            role.keys.len()
        );
        for k in &role.keys {
            let _ = writeln!(
                s,
                "    key {} ({})",
                hex::encode(key_id_of(k)),
                hex::encode(k)
            );
        }
    }
    s
}

fn status_text(st: &SignatureStatus) -> String {
    let mut s = String::new();
    for sig in &st.signatures {
        let _ = writeln!(
            s,
            "  key {} {}: {}",
            sig.key_id,
            if sig.valid { "valid" } else { "INVALID" },
            if sig.counts_for.is_empty() {
                "counts for no signing role".to_owned()
            } else {
                format!("counts for the {}", sig.counts_for.join(" and the "))
            }
        );
    }
    let _ = writeln!(s, "  thresholds: {}", st.summary());
    s
}

/// Unjudged signatures (no trust root given): key and validity only.
fn raw_signatures(doc: &SignedDocument) -> Vec<Value> {
    let msg = doc.message();
    doc.signatures()
        .iter()
        .map(|(pk, sig)| {
            json!({
                "key_id": hex::encode(key_id_of(pk)),
                "public_key": hex::encode(pk),
                "valid": verify_strict(pk, &msg, sig).is_ok(),
                "counts_for": Value::Null,
            })
        })
        .collect()
}

/// The result of inspecting a file.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// Complete JSON.
    pub json: Value,
    /// Text for people.
    pub text: String,
}

/// Inspects a bundle, a detached bundle head or a root envelope. `root` is
/// the device root (bundles) or the previous root (rotated roots), to judge
/// signatures.
pub fn inspect_path(path: &Path, root: Option<&[u8]>) -> Result<Inspection> {
    let mut magic = [0u8; 8];
    std::io::Read::read_exact(
        &mut std::fs::File::open(path).map_err(|e| Error::io(path, e))?,
        &mut magic,
    )
    .map_err(|e| Error::io(path, e))?;
    if magic == modelseal_core::envelope::ENVELOPE_MAGIC {
        let bytes = crate::fsio::read_small(path, MAX_ROOT_ENVELOPE_LEN)?;
        return inspect_root(path, &bytes, root);
    }
    inspect_bundle(path, root)
}

fn inspect_root(path: &Path, bytes: &[u8], previous: Option<&[u8]>) -> Result<Inspection> {
    let tr = TrustRoot::from_envelope_unverified(bytes)
        .map_err(|e| Error::verify(format!("{}: trust root", path.display()), e))?;
    let root = Root::from_trust_root(&tr);
    let doc = SignedDocument::from_envelope(bytes)?;
    let status = Authority::for_root(doc.doc(), previous)
        .ok()
        .map(|a| SignatureStatus::of(&doc, &a));
    let mut json = json!({
        "file": path.display().to_string(),
        "type": "root",
        "document_digest": hex::encode(doc.digest()),
        "root": root_json(&root),
    });
    let mut text = format!(
        "{}: trust root (not authenticated by inspection)\n",
        path.display()
    );
    text.push_str(&root_text(&root));
    let _ = writeln!(text, "signatures ({})", doc.signatures().len());
    match &status {
        Some(st) => {
            json["signatures"] = serde_json::to_value(st).unwrap_or(Value::Null);
            text.push_str(&status_text(st));
        }
        None => {
            json["signatures"] = json!({ "signatures": raw_signatures(&doc), "roles": Value::Null, "complete": Value::Null });
            let _ = writeln!(
                text,
                "  (give the previous root with --root to judge the signatures of a rotation)"
            );
        }
    }
    Ok(Inspection { json, text })
}

fn inspect_bundle(path: &Path, device_root: Option<&[u8]>) -> Result<Inspection> {
    let file = BundleFile::open(path)?;
    let uh = UnauthenticatedHead::parse(&file.head)
        .map_err(|e| Error::verify(format!("{}: bundle head", path.display()), e))?;
    let view = uh
        .manifest_unauthenticated()
        .map_err(|e| Error::verify(format!("{}: manifest", path.display()), e))?;
    let manifest = Manifest::from_view(&view)?;
    let parts = split_head(&file.head)?;
    let doc = SignedDocument::from_envelope(&parts.manifest_envelope)?;
    let mut layout = Layout::new(file.head.len() as u64);
    let offsets: Vec<u64> = manifest
        .artifacts
        .iter()
        .map(|a| layout.place(a.size))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::verify("layout", e))?;
    let form = if file.is_detached() && !manifest.artifacts.is_empty() {
        "detached head (artifacts are separate files)"
    } else if file.file_len == layout.end() {
        "whole bundle"
    } else {
        "whole bundle, but its length does not match the layout"
    };
    let mut chain_json = Vec::new();
    let mut chain_text = String::new();
    for (i, env) in parts.chain.iter().enumerate() {
        let e = Envelope::parse(env).map_err(|e| Error::verify("rotation chain", e))?;
        let tr = TrustRoot::parse_doc(e.doc()).map_err(|e| Error::verify("rotation chain", e))?;
        let r = Root::from_trust_root(&tr);
        let signers: Vec<String> = e
            .signatures()
            .map(|s| hex::encode(key_id_of(s.public_key)))
            .collect();
        chain_json.push(json!({ "root": root_json(&r), "signed_by": signers }));
        let _ = write!(chain_text, "rotation {i}: ");
        chain_text.push_str(&root_text(&r));
        let _ = writeln!(chain_text, "  signed by {}", signers.join(", "));
    }
    let (sig_json, sig_text) = match device_root {
        Some(root) => {
            let authority = Authority::for_manifest(&file.head, root)?;
            let st = SignatureStatus::of(&doc, &authority);
            let (v, _) = root_in_force(root, &parts.chain)?;
            (
                json!({ "root_in_force": v, "status": st }),
                format!("  (judged against root v{v})\n{}", status_text(&st)),
            )
        }
        None => {
            let raw = raw_signatures(&doc);
            let mut t = String::new();
            for r in &raw {
                let _ = writeln!(
                    t,
                    "  key {} {} (role unknown: give the device root with --root)",
                    r["key_id"].as_str().unwrap_or(""),
                    if r["valid"].as_bool().unwrap_or(false) {
                        "valid"
                    } else {
                        "INVALID"
                    }
                );
            }
            (
                json!({ "root_in_force": Value::Null, "signatures": raw }),
                t,
            )
        }
    };
    let json = json!({
        "file": path.display().to_string(),
        "type": "bundle",
        "form": form,
        "authenticated": false,
        "file_len": file.file_len,
        "head_len": file.head.len(),
        "bundle_len": layout.end(),
        "manifest_digest": hex::encode(doc.digest()),
        "rotation_chain": chain_json,
        "manifest": manifest_json(&manifest, Some(&offsets)),
        "signatures": sig_json,
    });
    let mut text = format!(
        "{}: {form}, {} bytes (head {} bytes); not authenticated by inspection, use `modelseal verify`\n",
        path.display(),
        file.file_len,
        file.head.len()
    );
    let _ = writeln!(text, "manifest digest   {}", hex::encode(doc.digest()));
    text.push_str(&chain_text);
    text.push_str(&manifest_text(&manifest, Some(&offsets)));
    let _ = writeln!(text, "signatures ({})", doc.signatures().len());
    text.push_str(&sig_text);
    Ok(Inspection { json, text })
}
