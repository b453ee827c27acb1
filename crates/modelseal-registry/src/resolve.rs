//! Lineage resolvers: where each kind of link lives.
//!
//! A lineage link is an id in another system (the dataset catalogue, the
//! experiment tracker, the code host, the test management, the release
//! gate). A resolver maps a kind of link to a URL template of that system,
//! so `trace` prints references a person or a workflow engine can follow.
//! A template names the id as `{id}` (percent-encoded when substituted) and
//! may name the link as `{link}`. A resolver for one link
//! (`hil_suite_id`) wins over one for its kind (`suite`).

use crate::error::{Error, Result};
use crate::store::Store;
use crate::vals;
use modelseal_core::doc::Lineage;
use std::collections::BTreeMap;

/// The kinds of link, and which lineage links each covers.
pub const KINDS: &[(&str, &[&str])] = &[
    (
        "dataset",
        &[
            "training_dataset_id",
            "validation_dataset_id",
            "test_dataset_id",
        ],
    ),
    ("experiment", &["experiment_id"]),
    ("commit", &["code_commit_id"]),
    ("suite", &["simulation_suite_id", "hil_suite_id"]),
    ("gate", &["release_gate_result_id"]),
];

/// The kind of a lineage link.
pub fn kind_of(link: &str) -> Option<&'static str> {
    KINDS
        .iter()
        .find(|(_, links)| links.contains(&link))
        .map(|(k, _)| *k)
}

/// Checks a resolver's key (a kind or a lineage link) and template.
pub fn check(key: &str, template: &str) -> Result<()> {
    let bad = |why: &str| Error::Resolver {
        link: key.to_owned(),
        why: why.to_owned(),
    };
    if !KINDS.iter().any(|(k, _)| *k == key) && !Lineage::NAMES.contains(&key) {
        return Err(bad(&format!(
            "not a kind of link ({}) nor a lineage link ({})",
            KINDS.iter().map(|k| k.0).collect::<Vec<_>>().join(", "),
            Lineage::NAMES.join(", ")
        )));
    }
    if !template.contains("{id}") {
        return Err(bad("the template must contain {id}"));
    }
    let rest = template.replace("{id}", "").replace("{link}", "");
    if rest.contains('{') || rest.contains('}') {
        return Err(bad("only {id} and {link} may appear in braces"));
    }
    if template.chars().any(char::is_control) {
        return Err(bad("control characters in the template"));
    }
    Ok(())
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The resolvers of a registry, loaded once per command.
#[derive(Debug, Clone, Default)]
pub struct Resolvers {
    map: BTreeMap<String, String>,
}

impl Resolvers {
    /// The reference for `value` of `link`, when a resolver covers it.
    pub fn reference(&self, link: &str, value: &str) -> Option<String> {
        let t = self
            .map
            .get(link)
            .or_else(|| kind_of(link).and_then(|k| self.map.get(k)))?;
        Some(t.replace("{link}", link).replace("{id}", &encode(value)))
    }
}

impl Store {
    /// Sets the resolver for `key` (a kind or a lineage link).
    pub fn set_resolver(&mut self, key: &str, template: &str) -> Result<()> {
        check(key, template)?;
        self.write(|db| {
            db.exec(
                "INSERT INTO resolvers (link, template) VALUES (?1, ?2)
                 ON CONFLICT (link) DO UPDATE SET template = excluded.template",
                vals![key, template],
            )?;
            Ok(())
        })
    }

    /// Removes the resolver for `key`; whether there was one.
    pub fn remove_resolver(&mut self, key: &str) -> Result<bool> {
        self.write(|db| Ok(db.exec("DELETE FROM resolvers WHERE link = ?1", vals![key])? > 0))
    }

    /// Every resolver, by key.
    pub fn resolvers(&self) -> Result<Resolvers> {
        let map = self
            .rows("SELECT link, template FROM resolvers", &[], |r| {
                Ok((r.text(0)?, r.text(1)?))
            })?
            .into_iter()
            .collect();
        Ok(Resolvers { map })
    }

    /// Every resolver as (key, template), sorted.
    pub fn resolver_list(&self) -> Result<Vec<(String, String)>> {
        Ok(self.resolvers()?.map.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_cover_every_lineage_link_once() {
        for n in Lineage::NAMES {
            assert_eq!(
                KINDS.iter().filter(|(_, l)| l.contains(&n)).count(),
                1,
                "{n}"
            );
        }
    }

    #[test]
    fn templates_are_checked_and_ids_encoded() {
        assert!(check("dataset", "https://data.example/ds/{id}").is_ok());
        assert!(check("hil_suite_id", "https://hil.example/{link}/{id}").is_ok());
        assert!(check("dataset", "https://data.example/").is_err());
        assert!(check("datasets", "https://x/{id}").is_err());
        assert!(check("dataset", "https://x/{id}/{other}").is_err());
        let mut r = Resolvers::default();
        r.map
            .insert("dataset".into(), "https://data.example/ds/{id}".into());
        r.map
            .insert("test_dataset_id".into(), "https://test.example/{id}".into());
        assert_eq!(
            r.reference("training_dataset_id", "DS 2024/05#a")
                .as_deref(),
            Some("https://data.example/ds/DS%202024%2F05%23a")
        );
        assert_eq!(
            r.reference("test_dataset_id", "T1").as_deref(),
            Some("https://test.example/T1")
        );
        assert_eq!(r.reference("experiment_id", "E1"), None);
    }
}
