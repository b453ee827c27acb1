//! Signed events: stage promotions and withdrawals, and evaluation results,
//! after a model version's release.
//!
//! An event is an envelope ([`DocType::StageEvent`] or
//! [`DocType::Evaluation`]) whose signatures must reach the threshold of
//! the role the trust root in force names for it (registry or evaluation)
//! — checked with the core's own threshold check, where every signature
//! entry must verify and each role key counts once. The event must name a
//! release the registry holds (family, version and the manifest that
//! released it). Events are appended, never edited: the same event twice is
//! a no-op, a later one supersedes an earlier one by its time.

use crate::db::int;
use crate::error::{Error, Result};
use crate::store::Store;
use crate::{hex32, now, vals};
use modelseal::sign::{SignedDocument, Signer};
use modelseal_core::codes::{EventAction, RoleId, Stage, SuiteKind, Verdict};
use modelseal_core::envelope::{DocType, Envelope, RoleKeys, check_threshold, signed_message};
use modelseal_core::event::{EvaluationBuf, StageEventBuf};
use modelseal_core::limits::{
    ENVELOPE_HEADER_LEN, MAX_EVENT_LEN, MAX_SIGNATURES, SIGNATURE_ENTRY_LEN,
};
use serde::Serialize;
use sha2::Digest as _;
use std::path::Path;

/// Largest event envelope, in bytes.
pub const MAX_EVENT_ENVELOPE_LEN: usize =
    ENVELOPE_HEADER_LEN + MAX_EVENT_LEN + MAX_SIGNATURES * SIGNATURE_ENTRY_LEN;

/// An event, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A promotion or withdrawal.
    Stage(StageEventBuf),
    /// An evaluation result.
    Evaluation(EvaluationBuf),
}

impl Event {
    fn doc_type(&self) -> DocType {
        match self {
            Event::Stage(_) => DocType::StageEvent,
            Event::Evaluation(_) => DocType::Evaluation,
        }
    }
    fn encode(&self) -> Result<Vec<u8>> {
        let r = match self {
            Event::Stage(e) => e.encode(),
            Event::Evaluation(e) => e.encode(),
        };
        r.map_err(|e| Error::EventRejected {
            what: "event".into(),
            source: e,
        })
    }
}

/// Encodes `event` and signs it with `signers`: the event envelope.
pub fn sign_event(event: &Event, signers: &[&dyn Signer]) -> Result<Vec<u8>> {
    check_codes(event, "event")?;
    let mut doc = SignedDocument::new(event.doc_type(), event.encode()?);
    for s in signers {
        doc.sign_with(*s)?;
    }
    Ok(doc.to_envelope()?)
}

/// What recording an event did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// `stage-event` or `evaluation`.
    pub kind: &'static str,
    /// SHA-256 of the event document (hex): its identity.
    pub digest: String,
    /// `family@version`.
    pub model: String,
    /// What it says, in one line.
    pub summary: String,
    /// Root version it verified against.
    pub root_version: u32,
    /// Key ids (hex) of the role keys that signed.
    pub signers: Vec<String>,
    /// False when the registry already had it.
    pub new: bool,
}

/// The codes an event carries must be known ones: a registry does not
/// record an action or verdict it cannot name.
fn check_codes(event: &Event, what: &str) -> Result<()> {
    let bad = || Error::EventRejected {
        what: what.to_owned(),
        source: modelseal_core::Error::Invalid,
    };
    match event {
        Event::Stage(e) => {
            EventAction::from_code(e.action).ok_or_else(bad)?;
            Stage::from_code(e.stage)
                .and_then(Stage::name)
                .ok_or_else(bad)?;
        }
        Event::Evaluation(e) => {
            SuiteKind::from_code(e.suite_kind).ok_or_else(bad)?;
            Verdict::from_code(e.verdict).ok_or_else(bad)?;
        }
    }
    Ok(())
}

impl Store {
    /// Verifies an event envelope read from `path` and records it.
    pub fn record_event_file(&mut self, path: &Path) -> Result<Recorded> {
        let bytes = modelseal::fsio::read_small(path, MAX_EVENT_ENVELOPE_LEN)?;
        self.record_event(&path.display().to_string(), &bytes)
    }

    /// Verifies an event envelope against the root in force and records it.
    pub fn record_event(&mut self, what: &str, envelope: &[u8]) -> Result<Recorded> {
        let reject = |source| Error::EventRejected {
            what: what.to_owned(),
            source,
        };
        // 1. Framing, and an event's document type.
        let env = Envelope::parse(envelope).map_err(reject)?;
        let role_id = match env.doc_type() {
            DocType::StageEvent => RoleId::Registry,
            DocType::Evaluation => RoleId::Evaluation,
            _ => return Err(reject(modelseal_core::Error::WrongDocumentType)),
        };
        debug_assert_eq!(env.doc_type().role(), role_id);
        // 2. The role the root in force names for this document type.
        let (root_version, root_env) = self.root_in_force()?;
        let root = modelseal::rootfile::read_root_envelope(&root_env)?;
        let role = root
            .role(role_id.code())
            .ok_or_else(|| Error::RoleMissing {
                what: what.to_owned(),
                role: role_id.name(),
                root_version,
            })?;
        // 3. Its threshold, over the domain-separated digest, before the
        //    document is decoded: the core's check, every entry verified.
        let digest: [u8; 32] = sha2::Sha256::digest(env.doc()).into();
        let keys = RoleKeys::new(&role.keys, role.threshold);
        let set = check_threshold(&env, &keys, &signed_message(env.doc_type(), &digest))
            .map_err(reject)?;
        let signers: Vec<String> = role
            .keys
            .iter()
            .enumerate()
            .filter(|(i, _)| set & (1u16 << i) != 0)
            .map(|(_, k)| hex::encode(modelseal::sign::key_id_of(k)))
            .collect();
        // 4. The document: its field rules and known codes.
        let event = match env.doc_type() {
            DocType::StageEvent => Event::Stage(StageEventBuf::decode(env.doc()).map_err(reject)?),
            _ => Event::Evaluation(EvaluationBuf::decode(env.doc()).map_err(reject)?),
        };
        check_codes(&event, what)?;
        let (family, version, manifest) = match &event {
            Event::Stage(e) => (&e.family, &e.version, e.manifest_digest),
            Event::Evaluation(e) => (&e.family, &e.version, e.manifest_digest),
        };
        let manifest = hex32(&manifest);
        let digest = hex32(&digest);
        let signers_text = signers.join(",");
        self.write(|db| {
            // 5. It names a release the registry holds.
            let release = db.query_one(
                "SELECT mv.id FROM model_versions mv JOIN manifests m ON m.id = mv.manifest_id
                 WHERE mv.candidate = 0 AND mv.family = ?1 AND mv.version = ?2 AND m.digest = ?3",
                vals![family, version, &manifest],
            )?;
            if release.is_none() {
                return Err(Error::EventForUnknownVersion {
                    what: what.to_owned(),
                    family: family.clone(),
                    version: version.clone(),
                    manifest: manifest.clone(),
                });
            }
            let now = int(now());
            let (kind, summary, n) = match &event {
                Event::Stage(s) => {
                    let action = EventAction::from_code(s.action).map_or("?", EventAction::name);
                    let stage = Stage::from_code(s.stage)
                        .and_then(Stage::name)
                        .unwrap_or("?");
                    let n = db.exec(
                        "INSERT INTO stage_events (digest, family, version, manifest_digest, action, stage,
                             actor, at, reason, root_version, signers, envelope, recorded_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                         ON CONFLICT DO NOTHING",
                        vals![
                            &digest, &s.family, &s.version, &manifest, action, i64::from(s.stage), &s.actor,
                            int(s.at), &s.reason, i64::from(root_version), &signers_text, envelope.to_vec(), now
                        ],
                    )?;
                    (
                        "stage-event",
                        format!("{action} {stage} by {} ({})", s.actor, s.reason),
                        n,
                    )
                }
                Event::Evaluation(v) => {
                    let suite = SuiteKind::from_code(v.suite_kind).map_or("?", SuiteKind::name);
                    let verdict = Verdict::from_code(v.verdict).map_or("?", Verdict::name);
                    let n = db.exec(
                        "INSERT INTO evaluations (digest, family, version, manifest_digest, suite_kind, suite_id,
                             result_id, verdict, link, evaluator, at, root_version, signers, envelope, recorded_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
                         ON CONFLICT DO NOTHING",
                        vals![
                            &digest, &v.family, &v.version, &manifest, suite, &v.suite_id, &v.result_id, verdict,
                            &v.link, &v.evaluator, int(v.at), i64::from(root_version), &signers_text,
                            envelope.to_vec(), now
                        ],
                    )?;
                    (
                        "evaluation",
                        format!("{suite} {} result {}: {verdict}", v.suite_id, v.result_id),
                        n,
                    )
                }
            };
            Ok(Recorded {
                kind,
                digest: digest.clone(),
                model: format!("{family}@{version}"),
                summary,
                root_version,
                signers: signers.clone(),
                new: n > 0,
            })
        })
    }

    /// The manifest digest of the one signed release of `family@version`;
    /// an error when there is none or more than one (then name it).
    pub fn release_digest(&self, family: &str, version: &str) -> Result<[u8; 32]> {
        let found = self.rows(
            "SELECT m.digest FROM model_versions mv JOIN manifests m ON m.id = mv.manifest_id
             WHERE mv.candidate = 0 AND mv.family = ?1 AND mv.version = ?2",
            vals![family, version],
            |r| Ok(r.text(0)?),
        )?;
        match found.as_slice() {
            [] => Err(Error::NotFound(format!(
                "no signed release of {family}@{version}"
            ))),
            [one] => crate::parse_digest(one),
            many => Err(Error::Argument(format!(
                "{family}@{version} was released in {} manifests ({}): name one with --manifest",
                many.len(),
                many.join(", ")
            ))),
        }
    }
}
