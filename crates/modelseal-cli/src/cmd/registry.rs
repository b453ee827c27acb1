//! `modelseal registry`: the model registry — verified releases,
//! candidates, signed stage events and evaluations, and its queries.

use crate::out::{CmdResult, Ctx, Failure, created_at, parse_stage, parse_time, read_root};
use clap::{Args, Subcommand};
use modelseal::fsio::{Overwrite, PUBLIC_MODE, write_atomic};
use modelseal::keys;
use modelseal::sign::Signer;
use modelseal_core::codes::{EventAction, Stage, SuiteKind, Verdict};
use modelseal_core::event::{EvaluationBuf, StageEventBuf};
use modelseal_registry::add::AddOptions;
use modelseal_registry::event::{Event, sign_event};
use modelseal_registry::query::CheckTarget;
use modelseal_registry::{Page, Store, parse_digest, parse_family_version};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The registry: `--db`, else `$MODELSEAL_REGISTRY`, else
/// `modelseal-registry.db` in the current directory. A SQLite file, or a
/// PostgreSQL database named by its `postgres://` URL.
#[derive(Debug, Clone, Args)]
pub(crate) struct DbArg {
    /// The registry: a SQLite file (created by `registry init`) or a
    /// PostgreSQL database (postgres://USER@HOST/DB). Default:
    /// $MODELSEAL_REGISTRY, else ./modelseal-registry.db.
    #[arg(long, global = true, value_name = "FILE|URL")]
    db: Option<PathBuf>,
}

impl DbArg {
    pub(crate) fn path(&self) -> PathBuf {
        self.db
            .clone()
            .or_else(|| std::env::var_os("MODELSEAL_REGISTRY").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("modelseal-registry.db"))
    }
    pub(crate) fn open(&self) -> Result<Store, Failure> {
        Ok(Store::open_existing(&self.path())?)
    }
}

#[derive(Debug, Args)]
pub(crate) struct RegistryArgs {
    #[command(flatten)]
    db: DbArg,
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Debug, Args)]
pub(crate) struct PageArgs {
    /// Most items to print.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    limit: u64,
    /// Items to skip (the `next_offset` of the previous page).
    #[arg(long, default_value_t = 0)]
    offset: u64,
}

impl PageArgs {
    pub(crate) fn page(&self) -> Page {
        Page {
            offset: self.offset,
            limit: self.limit,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Create the registry file and anchor it to a trust root (version 1 or
    /// any root you trust as a device's factory root).
    #[command(after_help = "Example:\n  modelseal registry --db reg.db init --root root.msr")]
    Init {
        /// The trust root every release and event is verified against.
        #[arg(long)]
        root: PathBuf,
    },
    /// Record the next trust root (a rotation, checked as a device applies it).
    #[command(after_help = "Example:\n  modelseal registry root root-v2.msr")]
    Root {
        /// The next root envelope.
        root: PathBuf,
    },
    /// Verify bundles (or detached heads) against the root in force and
    /// record them; or record a candidate from a spec.
    #[command(after_help = "Examples:\n  \
        modelseal registry add bundle.msb config.msb\n  \
        modelseal registry add head.msh --artifacts build/artifacts\n  \
        modelseal registry add --candidate perception_front_camera.toml\n\n\
        A bundle that does not verify, or whose signatures do not reach the threshold, is refused\n\
        and nothing is written. The same bundle twice is a no-op. A detached head without\n\
        --artifacts is recorded from its signed manifest (artifact digests and licences) but its\n\
        SBOM contents cannot be read: the record says `sbom not-read`.")]
    Add {
        /// Bundle files or detached heads.
        #[arg(required_unless_present = "candidate", conflicts_with = "candidate")]
        bundles: Vec<PathBuf>,
        /// For a detached head: the directory holding its artifacts.
        #[arg(long)]
        artifacts: Option<PathBuf>,
        /// Record the components of this spec as candidates (unsigned,
        /// Development, never deployable) instead.
        #[arg(long, value_name = "SPEC")]
        candidate: Option<PathBuf>,
    },
    /// Verify signed events (stage events, evaluation results) and record them.
    #[command(after_help = "Example:\n  modelseal registry record promote.mse hil-result.mse")]
    Record {
        /// Event files.
        #[arg(required = true)]
        events: Vec<PathBuf>,
    },
    /// Sign a stage event (promotion or withdrawal) with registry-role keys and record it.
    #[command(after_help = "Example:\n  \
        modelseal registry stage perception_front_camera@v1.3.5 --promote production \\\n    \
        --actor \"release board\" --reason \"REL-2024-17 approved\" --key registry.pem -o promote.mse\n\n\
        Withdrawal is a record, not a recall: `registry configs perception_front_camera@v1.3.5`\n\
        lists the configurations that still ship it.")]
    Stage {
        /// FAMILY@VERSION.
        model: String,
        /// Promote to this stage.
        #[arg(long, value_parser = parse_stage, conflicts_with = "withdraw", required_unless_present = "withdraw")]
        promote: Option<Stage>,
        /// Withdraw the version.
        #[arg(long)]
        withdraw: bool,
        #[command(flatten)]
        ev: EventArgs,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Sign an evaluation result with evaluation-role keys and record it.
    #[command(after_help = "Example:\n  \
        modelseal registry evaluate perception_front_camera@v1.3.5 --suite-kind hil \\\n    \
        --suite HIL-FC-12 --result HIL-RUN-88121 --verdict pass --link https://hil.example/runs/88121 \\\n    \
        --actor \"hil rig 3\" --key evaluation.pem")]
    Evaluate {
        /// FAMILY@VERSION.
        model: String,
        /// simulation, hil or release-gate.
        #[arg(long, value_parser = parse_suite_kind)]
        suite_kind: SuiteKind,
        /// Suite (or gate) id.
        #[arg(long)]
        suite: String,
        /// Result id.
        #[arg(long)]
        result: String,
        /// pass, fail or inconclusive.
        #[arg(long, value_parser = parse_verdict)]
        verdict: Verdict,
        /// Where the result is.
        #[arg(long, default_value = "")]
        link: String,
        #[command(flatten)]
        ev: EventArgs,
    },
    /// A family's versions and their stages, newest first.
    #[command(
        after_help = "Example:\n  modelseal registry versions perception_front_camera --limit 20"
    )]
    Versions {
        /// Model family.
        family: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// One model version in full.
    #[command(
        after_help = "Example:\n  modelseal registry show perception_front_camera@v1.3.5 --json"
    )]
    Show {
        /// FAMILY@VERSION.
        model: String,
    },
    /// Reverse lineage: model versions trained on a dataset, built from a commit, released by a gate...
    #[command(after_help = "Examples:\n  \
        modelseal registry lineage dataset DS-2024-05-FC      (training, validation or test)\n  \
        modelseal registry lineage training_dataset_id DS-2024-05-FC\n  \
        modelseal registry lineage code_commit_id 3f2a9c1\n  \
        modelseal registry lineage release_gate_result_id GATE-2024-117")]
    Lineage {
        /// A lineage link (training_dataset_id, ...) or a kind (dataset, experiment, commit, suite, gate).
        link: String,
        /// Its id.
        value: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Which release shipped a file (distributed or plaintext SHA-256).
    #[command(
        after_help = "Example:\n  modelseal registry artifact $(sha256sum model.onnx | cut -d' ' -f1)"
    )]
    Artifact {
        /// SHA-256 (hex).
        digest: String,
    },
    /// Which releases and configurations carry a package, by their SBOMs.
    #[command(
        after_help = "Examples:\n  modelseal registry package numpy@1.26.4\n  \
        modelseal registry package pkg:generic/zlib@1.3.1"
    )]
    Package {
        /// NAME, NAME@VERSION, or a package URL.
        package: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Licence policy over a model version or a configuration (exit 21 when it fails).
    #[command(after_help = "Example:\n  \
        modelseal registry check perception_front_camera@v1.3.5 --deny GPL-3.0-only --deny AGPL-3.0-only\n  \
        modelseal registry check --config FC-ADAS@2024.06 --deny GPL-3.0-only\n\n\
        Artifact licences and every SBOM package licence are checked; a licence expression fails\n\
        when it names a denied id. A release whose SBOM could not be read fails too.")]
    Check {
        /// FAMILY@VERSION.
        #[arg(required_unless_present = "config", conflicts_with = "config")]
        model: Option<String>,
        /// A configuration: manifest digest or CONFIG_ID@CONFIG_VERSION.
        #[arg(long)]
        config: Option<String>,
        /// A denied SPDX licence id (repeat).
        #[arg(long, required = true)]
        deny: Vec<String>,
    },
    /// The update history of a family: candidates, releases, stage events, evaluations.
    #[command(after_help = "Example:\n  modelseal registry history perception_front_camera")]
    History {
        /// Model family.
        family: String,
        #[command(flatten)]
        page: PageArgs,
    },
    /// Which configurations include a component manifest (digest) or list FAMILY@VERSION.
    #[command(
        after_help = "Example (where a withdrawn version is still listed):\n  \
        modelseal registry configs perception_front_camera@v1.3.5"
    )]
    Configs {
        /// Component manifest digest (hex) or FAMILY@VERSION.
        component: String,
    },
    /// What changed between two system configurations.
    #[command(
        after_help = "Example:\n  modelseal registry diff vehicle-l2plus-eu@2026.01.0 vehicle-l2plus-eu@2026.02.0"
    )]
    Diff {
        /// Configuration A: manifest digest or CONFIG_ID@CONFIG_VERSION.
        a: String,
        /// Configuration B.
        b: String,
    },
    /// Where lineage links resolve: URL templates per kind of link.
    #[command(subcommand)]
    Resolver(ResolverCommand),
    /// Check the store (SQLite integrity and foreign keys); exit 3 when damaged.
    #[command(after_help = "Example:\n  modelseal registry --db registry.db integrity")]
    Integrity,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ResolverCommand {
    /// Set a template: KEY is a kind (dataset, experiment, commit, suite,
    /// gate) or one lineage link; the template holds {id} (and may hold {link}).
    #[command(after_help = "Example:\n  \
        modelseal registry resolver set dataset 'https://data.example/datasets/{id}'")]
    Set {
        /// Kind or lineage link.
        key: String,
        /// URL template.
        template: String,
    },
    /// List the templates.
    #[command(after_help = "Example:\n  modelseal registry resolver list --json")]
    List,
    /// Remove a template.
    #[command(after_help = "Example:\n  modelseal registry resolver remove hil_suite_id")]
    Remove {
        /// Kind or lineage link.
        key: String,
    },
}

#[derive(Debug, Args)]
pub(crate) struct EventArgs {
    /// Who (a person or a pipeline).
    #[arg(long)]
    actor: String,
    /// When (seconds or RFC 3339; default SOURCE_DATE_EPOCH, else now).
    #[arg(long, value_parser = parse_time)]
    at: Option<u64>,
    /// The release's manifest digest, when the version was released more than once.
    #[arg(long, value_name = "HEX")]
    manifest: Option<String>,
    /// Private key of the role that signs it (repeat for a threshold).
    #[arg(long = "key", value_name = "FILE", required = true)]
    keys: Vec<PathBuf>,
    /// Also write the signed event here.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

fn parse_suite_kind(s: &str) -> Result<SuiteKind, String> {
    SuiteKind::from_name(s).ok_or_else(|| "expected simulation, hil or release-gate".into())
}

fn parse_verdict(s: &str) -> Result<Verdict, String> {
    Verdict::from_name(s).ok_or_else(|| "expected pass, fail or inconclusive".into())
}

pub(crate) fn run(ctx: &Ctx, a: RegistryArgs) -> CmdResult {
    let db = a.db;
    match a.command {
        RegistryCommand::Init { root } => {
            let env = read_root(&root)?;
            let mut s = Store::open(&db.path())?;
            let v = s.add_root(&env)?;
            // The store's name: a URL's password is never printed.
            ctx.report(
                &json!({ "registry": s.path(), "root_version": v }),
                &format!("registry {} anchored to trust root v{v}", s.path()),
            );
            Ok(())
        }
        RegistryCommand::Root { root } => {
            let env = read_root(&root)?;
            let v = db.open()?.add_root(&env)?;
            ctx.report(
                &json!({ "root_version": v }),
                &format!("trust root v{v} recorded"),
            );
            Ok(())
        }
        RegistryCommand::Add {
            bundles,
            artifacts,
            candidate,
        } => {
            let mut s = db.open()?;
            if let Some(spec) = candidate {
                let c = s.add_candidate(&spec)?;
                let mut text = String::new();
                for x in &c {
                    let _ = writeln!(
                        text,
                        "candidate {} {} (unsigned, development, never deployable){}",
                        x.model,
                        if x.new {
                            "recorded"
                        } else {
                            "already recorded"
                        },
                        if x.already_released {
                            "; a signed release already supersedes it"
                        } else {
                            ""
                        }
                    );
                }
                ctx.report(&c, &text);
                return Ok(());
            }
            let opts = AddOptions {
                artifacts_dir: artifacts,
                ..AddOptions::default()
            };
            let mut all = Vec::new();
            let mut text = String::new();
            for b in &bundles {
                let r = s.add_bundle(b, &opts)?;
                let what = match &r.config {
                    Some(c) => format!("system configuration {c}"),
                    None => r.models.join(", "),
                };
                if r.new {
                    let _ = writeln!(
                        text,
                        "registered {} ({what}): {} artifacts{}, sbom {} ({} packages), root v{}, signed by {}",
                        r.manifest_digest,
                        r.artifacts,
                        if r.artifacts_checked {
                            " checked"
                        } else {
                            " (bytes not checked: detached head)"
                        },
                        r.sbom_status,
                        r.sbom_packages,
                        r.root_version,
                        r.signers.join(", ")
                    );
                    for c in &r.superseded_candidates {
                        let _ = writeln!(text, "  supersedes candidate {c}");
                    }
                } else {
                    let _ = writeln!(
                        text,
                        "already registered {} ({what}): nothing written",
                        r.manifest_digest
                    );
                }
                all.push(r);
            }
            ctx.report(&all, &text);
            Ok(())
        }
        RegistryCommand::Record { events } => {
            let mut s = db.open()?;
            let mut all = Vec::new();
            let mut text = String::new();
            for e in &events {
                let r = s.record_event_file(e)?;
                let _ = writeln!(text, "{}", recorded_line(&r));
                all.push(r);
            }
            ctx.report(&all, &text);
            Ok(())
        }
        RegistryCommand::Stage {
            model,
            promote,
            withdraw,
            ev,
            reason,
        } => {
            let mut s = db.open()?;
            let (family, version) = parse_family_version(&model)?;
            let manifest_digest = release(&s, &family, &version, ev.manifest.as_deref())?;
            let (action, stage) = match promote {
                Some(st) => (EventAction::Promote, st),
                None => {
                    debug_assert!(withdraw);
                    // A withdrawal names the stage the version leaves.
                    let cur = s.show(&family, &version, &Default::default())?;
                    let stage = cur
                        .iter()
                        .find(|m| {
                            m.summary.manifest_digest.as_deref()
                                == Some(&hex::encode(manifest_digest))
                        })
                        .and_then(|m| Stage::from_name(&m.summary.stage))
                        .unwrap_or(Stage::DEVELOPMENT);
                    (EventAction::Withdraw, stage)
                }
            };
            let event = Event::Stage(StageEventBuf {
                family,
                version,
                manifest_digest,
                action: action.code(),
                stage: stage.code(),
                actor: ev.actor.clone(),
                at: ev.at.map_or_else(created_at, Ok)?,
                reason,
            });
            sign_and_record(ctx, &mut s, &event, &ev)
        }
        RegistryCommand::Evaluate {
            model,
            suite_kind,
            suite,
            result,
            verdict,
            link,
            ev,
        } => {
            let mut s = db.open()?;
            let (family, version) = parse_family_version(&model)?;
            let manifest_digest = release(&s, &family, &version, ev.manifest.as_deref())?;
            let event = Event::Evaluation(EvaluationBuf {
                family,
                version,
                manifest_digest,
                suite_kind: suite_kind.code(),
                suite_id: suite,
                result_id: result,
                verdict: verdict.code(),
                link,
                evaluator: ev.actor.clone(),
                at: ev.at.map_or_else(created_at, Ok)?,
            });
            sign_and_record(ctx, &mut s, &event, &ev)
        }
        RegistryCommand::Versions { family, page } => {
            let s = db.open()?;
            let p = s.versions(&family, page.page())?;
            if p.items.is_empty() && page.offset == 0 {
                return Err(modelseal_registry::Error::NotFound(format!("family {family}")).into());
            }
            let mut text = String::new();
            for v in &p.items {
                let _ = writeln!(
                    text,
                    "{}@{:<12} {:<12} {}{}",
                    v.family,
                    v.version,
                    v.stage,
                    v.manifest_digest
                        .as_deref()
                        .unwrap_or("(candidate, unsigned)"),
                    if v.withdrawn { "  WITHDRAWN" } else { "" }
                );
            }
            more(&mut text, p.next_offset);
            ctx.report(&p, &text);
            Ok(())
        }
        RegistryCommand::Show { model } => {
            let s = db.open()?;
            let (f, v) = parse_family_version(&model)?;
            let t = s.trace(&modelseal_registry::trace::Input::Model(format!("{f}@{v}")))?;
            ctx.report(&t.models, &t.text());
            Ok(())
        }
        RegistryCommand::Lineage { link, value, page } => {
            let s = db.open()?;
            let p = s.by_lineage(&link, &value, page.page())?;
            let mut text = String::new();
            for h in &p.items {
                let v = &h.version;
                let _ = writeln!(
                    text,
                    "{}@{} [{}{}] {} via {}",
                    v.family,
                    v.version,
                    v.stage,
                    if v.candidate {
                        ", candidate"
                    } else if v.withdrawn {
                        ", withdrawn"
                    } else {
                        ""
                    },
                    v.manifest_digest.as_deref().unwrap_or("-"),
                    h.link
                );
            }
            if p.items.is_empty() {
                text.push_str("no model version\n");
            }
            more(&mut text, p.next_offset);
            ctx.report(&p, &text);
            Ok(())
        }
        RegistryCommand::Artifact { digest } => {
            let s = db.open()?;
            let d = parse_digest(&digest)?;
            let hits = s.by_artifact(&d)?;
            let mut text = String::new();
            for h in &hits {
                let _ = writeln!(
                    text,
                    "{} `{}` ({} digest) in {} {} (bundle {}): {}",
                    hex::encode(d),
                    h.artifact,
                    h.matched,
                    h.kind,
                    h.manifest_digest,
                    h.bundle_version,
                    h.models.join(", ")
                );
            }
            if hits.is_empty() {
                return Err(modelseal_registry::Error::NotFound(format!(
                    "no release shipped {}",
                    hex::encode(d)
                ))
                .into());
            }
            ctx.report(&hits, &text);
            Ok(())
        }
        RegistryCommand::Package { package, page } => {
            let s = db.open()?;
            let (name, version) = match package.rsplit_once('@') {
                Some((n, v)) if !package.starts_with("pkg:") => (n.to_owned(), Some(v.to_owned())),
                _ => (package.clone(), None),
            };
            let p = s.by_package(&name, version.as_deref(), page.page())?;
            let mut text = String::new();
            for h in &p.items {
                let _ = writeln!(
                    text,
                    "{} {} ({}) in {} {}: {}",
                    h.package.name,
                    h.package.version,
                    if h.package.licences.is_empty() {
                        "-"
                    } else {
                        &h.package.licences
                    },
                    h.kind,
                    h.manifest_digest,
                    h.config.clone().unwrap_or_else(|| h.models.join(", "))
                );
                for c in &h.in_configs {
                    let _ = writeln!(
                        text,
                        "  in configuration {}@{} (ECU {})",
                        c.config_id, c.config_version, c.ecu
                    );
                }
            }
            if p.items.is_empty() {
                text.push_str("no release lists it\n");
            }
            more(&mut text, p.next_offset);
            ctx.report(&p, &text);
            Ok(())
        }
        RegistryCommand::Check {
            model,
            config,
            deny,
        } => {
            let s = db.open()?;
            let target = match (model, config) {
                (Some(m), _) => {
                    let (f, v) = parse_family_version(&m)?;
                    CheckTarget::Model(f, v)
                }
                (None, Some(c)) => CheckTarget::Config(c),
                (None, None) => {
                    return Err(Failure::Usage("give FAMILY@VERSION or --config".into()));
                }
            };
            let r = s.check_licences(&target, &deny)?;
            let mut text = String::new();
            for v in &r.violations {
                let _ = writeln!(
                    text,
                    "DENIED {} {} `{}`: {} (in {})",
                    v.denied, v.what, v.name, v.licence, v.manifest_digest
                );
            }
            for (d, why) in &r.unchecked {
                let _ = writeln!(text, "UNCHECKED {d}: sbom {why}");
            }
            let _ = writeln!(
                text,
                "{} manifests checked: {}",
                r.manifests.len(),
                if r.pass { "pass" } else { "FAIL" }
            );
            ctx.report(&r, &text);
            if r.pass {
                Ok(())
            } else {
                Err(Failure::Policy(format!(
                    "licence policy failed: {} denied, {} unchecked",
                    r.violations.len(),
                    r.unchecked.len()
                )))
            }
        }
        RegistryCommand::History { family, page } => {
            let s = db.open()?;
            let p = s.history(&family, page.page())?;
            let mut text = String::new();
            for h in &p.items {
                let _ = writeln!(
                    text,
                    "{:>10}  {:<10} {:<12} {}",
                    h.at, h.event, h.version, h.detail
                );
            }
            if p.items.is_empty() && page.offset == 0 {
                return Err(modelseal_registry::Error::NotFound(format!("family {family}")).into());
            }
            more(&mut text, p.next_offset);
            ctx.report(&p, &text);
            Ok(())
        }
        RegistryCommand::Configs { component } => {
            let s = db.open()?;
            let list = if component.contains('@') {
                let (f, v) = parse_family_version(&component)?;
                s.configs_listing(&f, &v)?
            } else {
                s.configs_including(&hex::encode(parse_digest(&component)?))?
            };
            let mut text = String::new();
            for c in &list {
                let _ = writeln!(
                    text,
                    "{}@{} ECU {} {}",
                    c.config_id, c.config_version, c.ecu, c.manifest_digest
                );
            }
            if list.is_empty() {
                text.push_str("no configuration lists it\n");
            }
            ctx.report(&list, &text);
            Ok(())
        }
        RegistryCommand::Diff { a, b } => {
            let s = db.open()?;
            let d = s.diff_configs(&a, &b)?;
            ctx.report(&d, &d.text());
            Ok(())
        }
        RegistryCommand::Resolver(c) => {
            let mut s = db.open()?;
            match c {
                ResolverCommand::Set { key, template } => {
                    s.set_resolver(&key, &template)?;
                    ctx.report(
                        &json!({ "key": key, "template": template }),
                        &format!("{key} -> {template}"),
                    );
                }
                ResolverCommand::Remove { key } => {
                    let had = s.remove_resolver(&key)?;
                    ctx.report(
                        &json!({ "key": key, "removed": had }),
                        &format!("{key}: {}", if had { "removed" } else { "no resolver" }),
                    );
                }
                ResolverCommand::List => {
                    let l = s.resolver_list()?;
                    let text: String = l.iter().map(|(k, t)| format!("{k:<24} {t}\n")).collect();
                    let map: serde_json::Map<String, serde_json::Value> =
                        l.into_iter().map(|(k, t)| (k, t.into())).collect();
                    ctx.report(
                        &map,
                        if text.is_empty() {
                            "no resolvers\n"
                        } else {
                            &text
                        },
                    );
                }
            }
            Ok(())
        }
        RegistryCommand::Integrity => {
            let s = db.open()?;
            let problems = s.integrity_problems()?;
            let (m, v, c) = s.counts()?;
            ctx.report(
                &json!({ "ok": problems.is_empty(), "problems": problems, "manifests": m, "model_versions": v, "configs": c,
                         "schema_version": s.schema_version()? }),
                &if problems.is_empty() {
                    format!("ok: {m} manifests, {v} model versions, {c} configurations")
                } else {
                    problems.join("\n")
                },
            );
            if problems.is_empty() {
                Ok(())
            } else {
                Err(Failure::Lib(modelseal::Error::Io {
                    path: PathBuf::from(s.path()),
                    source: std::io::Error::other("the registry store is damaged"),
                }))
            }
        }
    }
}

fn more(text: &mut String, next: Option<u64>) {
    if let Some(n) = next {
        let _ = writeln!(text, "(more: --offset {n})");
    }
}

fn release(
    s: &Store,
    family: &str,
    version: &str,
    manifest: Option<&str>,
) -> Result<[u8; 32], Failure> {
    Ok(match manifest {
        Some(m) => parse_digest(m)?,
        None => s.release_digest(family, version)?,
    })
}

fn sign_and_record(ctx: &Ctx, s: &mut Store, event: &Event, ev: &EventArgs) -> CmdResult {
    let signers = keys::read_signers(&ev.keys)?;
    let refs: Vec<&dyn Signer> = signers.iter().map(|k| k as &dyn Signer).collect();
    let envelope = sign_event(event, &refs)?;
    // Recorded through the same check as `registry record`: the keys must
    // be the role's, and reach its threshold.
    let r = s.record_event("signed event", &envelope)?;
    if let Some(out) = &ev.output {
        write_atomic(out, &envelope, PUBLIC_MODE, Overwrite::forced(true))?;
    }
    ctx.report(
        &r,
        &format!(
            "{}{}",
            recorded_line(&r),
            ev.output
                .as_deref()
                .map(|p: &Path| format!("; written to {}", p.display()))
                .unwrap_or_default()
        ),
    );
    Ok(())
}

/// One line for a recorded (or already recorded) event.
fn recorded_line(r: &modelseal_registry::event::Recorded) -> String {
    format!(
        "{} {} {}: {} (signed by {}, root v{})",
        if r.new {
            "recorded"
        } else {
            "already recorded"
        },
        r.kind,
        r.model,
        r.summary,
        r.signers.join(", "),
        r.root_version
    )
}
