//! `registry diff`: what changed between two system configurations —
//! ECU software (version and pinned digest), the models each ECU runs,
//! middleware (version and digest), parameter sets.

use crate::error::Result;
use crate::store::Store;
use crate::trace::ConfigTrace;
use serde::Serialize;
use std::collections::BTreeMap;

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `ecu`, `software`, `model`, `middleware` or `parameter-set`.
    pub what: &'static str,
    /// Which one (an ECU name, `ECU/family`, a middleware or parameter-set name).
    pub name: String,
    /// Before (`None`: added).
    pub before: Option<String>,
    /// After (`None`: removed).
    pub after: Option<String>,
}

/// The difference of two configurations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigDiff {
    /// `config_id@config_version (digest)` of A.
    pub from: String,
    /// The same of B.
    pub to: String,
    /// Every change, grouped by kind, then by name.
    pub changes: Vec<Change>,
}

fn versioned(v: &str, d: Option<&str>) -> String {
    match d {
        Some(d) => format!("{v} [{d}]"),
        None => v.to_owned(),
    }
}

fn compare(
    out: &mut Vec<Change>,
    what: &'static str,
    a: &BTreeMap<String, String>,
    b: &BTreeMap<String, String>,
) {
    for (k, va) in a {
        match b.get(k) {
            Some(vb) if vb == va => {}
            vb => out.push(Change {
                what,
                name: k.clone(),
                before: Some(va.clone()),
                after: vb.cloned(),
            }),
        }
    }
    for (k, vb) in b {
        if !a.contains_key(k) {
            out.push(Change {
                what,
                name: k.clone(),
                before: None,
                after: Some(vb.clone()),
            });
        }
    }
}

fn maps(c: &ConfigTrace) -> [BTreeMap<String, String>; 4] {
    let software = c
        .ecus
        .iter()
        .map(|e| {
            (
                e.name.clone(),
                format!(
                    "{} on {}",
                    versioned(&e.software_version, e.software_digest.as_deref()),
                    e.hardware_id
                ),
            )
        })
        .collect();
    let models = c
        .ecus
        .iter()
        .flat_map(|e| {
            e.models.iter().map(move |(fv, d)| {
                let (family, version) = fv.split_once('@').unwrap_or((fv, ""));
                (format!("{}/{family}", e.name), format!("{version} [{d}]"))
            })
        })
        .collect();
    let middleware = c
        .middleware
        .iter()
        .map(|(n, v, d)| (n.clone(), versioned(v, d.as_deref())))
        .collect();
    let params = c
        .parameter_sets
        .iter()
        .map(|(n, d)| (n.clone(), d.clone()))
        .collect();
    [software, models, middleware, params]
}

impl Store {
    /// What changed from configuration `a` to `b` (each a manifest digest
    /// or `config_id@config_version`).
    pub fn diff_configs(&self, a: &str, b: &str) -> Result<ConfigDiff> {
        let (ia, da) = self.config_manifest(a)?;
        let (ib, db) = self.config_manifest(b)?;
        let ca = self.config_trace(ia, &da)?;
        let cb = self.config_trace(ib, &db)?;
        let [sa, ma, wa, pa] = maps(&ca);
        let [sb, mb, wb, pb] = maps(&cb);
        let mut changes = Vec::new();
        compare(&mut changes, "software", &sa, &sb);
        compare(&mut changes, "model", &ma, &mb);
        compare(&mut changes, "middleware", &wa, &wb);
        compare(&mut changes, "parameter-set", &pa, &pb);
        Ok(ConfigDiff {
            from: format!("{}@{} ({da})", ca.config_id, ca.config_version),
            to: format!("{}@{} ({db})", cb.config_id, cb.config_version),
            changes,
        })
    }
}

impl ConfigDiff {
    /// Human text: one line per change.
    pub fn text(&self) -> String {
        let mut t = format!("from {}\nto   {}\n", self.from, self.to);
        if self.changes.is_empty() {
            t.push_str("no change\n");
        }
        for c in &self.changes {
            let line = match (&c.before, &c.after) {
                (Some(b), Some(a)) => format!("~ {:<13} {}: {b} -> {a}\n", c.what, c.name),
                (None, Some(a)) => format!("+ {:<13} {}: {a}\n", c.what, c.name),
                (Some(b), None) => format!("- {:<13} {}: {b}\n", c.what, c.name),
                (None, None) => String::new(),
            };
            t.push_str(&line);
        }
        t
    }
}
