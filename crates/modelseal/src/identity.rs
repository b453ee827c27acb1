//! Identity records as HiL rigs and fleet tools meet them: read out of an
//! ECU as bytes or hex, decoded by the core, rendered for people and JSON,
//! and compared with the bundle they claim.

use crate::error::{Error, Result};
use crate::sign::{SignedDocument, key_id_of};
use modelseal_core::SoftSha256;
use modelseal_core::doc::{BundleKind, Stage};
use modelseal_core::identity::{IDENTITY_MAGIC, decode};
use modelseal_core::limits::MAX_IDENTITY_LEN;
use modelseal_core::unverified::UnauthenticatedHead;
use serde::Serialize;
use std::fmt::Write as _;

/// Name of a stage for people: its name, or `stage <code>`.
pub fn stage_name(stage: Stage) -> String {
    stage
        .name()
        .map_or_else(|| format!("stage {}", stage.code()), str::to_owned)
}

/// An installed component, as the record names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentRecord {
    /// Model family.
    pub family: String,
    /// Model version.
    pub version: String,
    /// Stage name.
    pub stage: String,
    /// Stage code.
    pub stage_code: u8,
}

/// The system configuration the bundle is installed under (or is).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigRecord {
    /// Configuration id.
    pub config_id: String,
    /// Configuration version.
    pub config_version: String,
    /// Digest of the system-configuration manifest (hex).
    pub digest: String,
}

/// A decoded identity record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityReport {
    /// SHA-256 of the installed manifest (hex): the bundle's identity.
    pub manifest_digest: String,
    /// `component` or `system-config`.
    pub kind: String,
    /// Version string of the bundle.
    pub version: String,
    /// Security counter of the bundle.
    pub security_counter: u64,
    /// Version of the trust root in force.
    pub root_version: u32,
    /// The system configuration, if any.
    pub config: Option<ConfigRecord>,
    /// Installed components.
    pub components: Vec<ComponentRecord>,
    /// Key ids (hex) of the keys whose signatures counted.
    pub signers: Vec<String>,
    /// The record itself (hex).
    pub record_hex: String,
}

/// Turns what was read out of an ECU into record bytes: the binary record,
/// or its hex (whitespace, `:` separators and a `0x` prefix allowed).
pub fn parse_input(bytes: &[u8]) -> Result<Vec<u8>> {
    if bytes.starts_with(&IDENTITY_MAGIC) {
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Error::IdentityRecordNotText)?;
    let text = text.trim();
    let text = text.strip_prefix("0x").unwrap_or(text);
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if digits.len() > 2 * MAX_IDENTITY_LEN {
        return Err(Error::IdentityRecordTooLong {
            max: MAX_IDENTITY_LEN,
        });
    }
    hex::decode(&digits).map_err(|source| Error::IdentityRecordNotHex { source })
}

impl IdentityReport {
    /// Decodes and checks a record with the core.
    pub fn decode(record: &[u8]) -> Result<Self> {
        let v = decode(&mut SoftSha256::new(), record)
            .map_err(|e| Error::verify("identity record", e))?;
        Ok(Self {
            manifest_digest: hex::encode(v.head.manifest_digest),
            kind: v.kind().map_or("unknown", BundleKind::name).to_owned(),
            version: v.head.version.to_owned(),
            security_counter: v.head.security_counter,
            root_version: v.head.root_version,
            config: v.config.map(|c| ConfigRecord {
                config_id: c.config_id.to_owned(),
                config_version: c.config_version.to_owned(),
                digest: hex::encode(c.digest),
            }),
            components: v
                .components
                .map(|c| ComponentRecord {
                    family: c.family.to_owned(),
                    version: c.version.to_owned(),
                    stage: Stage::from_code(c.stage).map_or_else(|| "?".into(), stage_name),
                    stage_code: c.stage,
                })
                .collect(),
            signers: v.signers.map(hex::encode).collect(),
            record_hex: hex::encode(record),
        })
    }

    /// The record for people.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "manifest digest  {}", self.manifest_digest);
        let _ = writeln!(s, "kind             {}", self.kind);
        let _ = writeln!(s, "bundle version   {}", self.version);
        let _ = writeln!(s, "security counter {}", self.security_counter);
        let _ = writeln!(s, "root version     {}", self.root_version);
        match &self.config {
            Some(c) => {
                let _ = writeln!(
                    s,
                    "system config    {} {} (manifest {})",
                    c.config_id, c.config_version, c.digest
                );
            }
            None => {
                let _ = writeln!(s, "system config    none");
            }
        }
        for c in &self.components {
            let _ = writeln!(
                s,
                "component        {} {} ({})",
                c.family, c.version, c.stage
            );
        }
        let _ = writeln!(s, "signed by        {}", self.signers.join(", "));
        s
    }
}

/// The result of comparing a record with a bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityMatch {
    /// Whether the record describes this bundle.
    pub matches: bool,
    /// What differs, one line each.
    pub differences: Vec<String>,
}

/// A line for each signer the record names whose key did not sign `doc`.
fn unsigned_signers(
    record: &IdentityReport,
    doc: &SignedDocument,
    kind: BundleKind,
) -> Vec<String> {
    let signed: Vec<String> = doc
        .signatures()
        .iter()
        .map(|(pk, _)| hex::encode(key_id_of(pk)))
        .collect();
    let role = kind.role().name();
    record
        .signers
        .iter()
        .filter(|s| !signed.contains(s))
        .map(|s| format!("signer {s} ({role} role) is in the record but did not sign the bundle"))
        .collect()
}

/// Compares a decoded record with the bundle whose head is `head`: the
/// manifest digest, kind, version, counter and components must agree, and
/// every signer the record names must have signed the bundle's manifest.
pub fn compare(record: &IdentityReport, head: &[u8]) -> Result<IdentityMatch> {
    let h = UnauthenticatedHead::parse(head).map_err(|e| Error::verify("bundle head", e))?;
    let view = h
        .manifest_unauthenticated()
        .map_err(|e| Error::verify("manifest", e))?;
    let digest = h
        .manifest_envelope()
        .digest(&mut SoftSha256::new())
        .map_err(|e| Error::verify("manifest", e))?;
    let mut diffs = Vec::new();
    let mut diff = |what: &str, rec: String, bun: String| {
        if rec != bun {
            diffs.push(format!("{what}: record says {rec}, bundle has {bun}"));
        }
    };
    diff(
        "manifest digest",
        record.manifest_digest.clone(),
        hex::encode(digest),
    );
    diff("kind", record.kind.clone(), view.kind().name().to_owned());
    diff(
        "version",
        record.version.clone(),
        view.head().version.to_owned(),
    );
    diff(
        "security counter",
        record.security_counter.to_string(),
        view.head().security_counter.to_string(),
    );
    let comps: Vec<String> = view
        .components()
        .map_err(Error::from)?
        .map(|c| format!("{} {} ({})", c.head.family, c.head.version, c.head.stage))
        .collect();
    let rec_comps: Vec<String> = record
        .components
        .iter()
        .map(|c| format!("{} {} ({})", c.family, c.version, c.stage_code))
        .collect();
    diff("components", rec_comps.join(", "), comps.join(", "));
    let env_start = head.len().saturating_sub(h.manifest_envelope().len());
    let doc = SignedDocument::from_envelope(&head[env_start..])?;
    diffs.extend(unsigned_signers(record, &doc, view.kind()));
    Ok(IdentityMatch {
        matches: diffs.is_empty(),
        differences: diffs,
    })
}
