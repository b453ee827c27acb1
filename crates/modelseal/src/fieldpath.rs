//! Names the field of a spec that breaks one of the format's field rules.
//!
//! The rules themselves are the core's, declared once with each record
//! (`modelseal_core::doc`, `modelseal_core::rules`): the host runs
//! `check_fields` over the records it built from a spec with a [`SpecTrail`],
//! which follows the walk and renders the failing field as the spec names
//! it (`component[0].lineage.hil_suite_id`, `artifact[1].name`), and says
//! what was found.

use modelseal_core::Error as CoreError;
use modelseal_core::limits::{MAX_ID_LEN, MAX_NAME_LEN, MAX_TEXT_LEN};
use modelseal_core::rules::{Class, Trail};

/// Where a walk is: a record field, or an item of the sequence entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Field(&'static str),
    Item(usize),
}

/// How a manifest's items map back to the spec's entries where the manifest
/// is in canonical order and the spec is not.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpecOrder {
    /// For artifact `i` of the manifest, the spec entry it came from
    /// (`artifact[1]`, `artifact_tree[0] (weights/a.bin)`).
    pub(crate) artifacts: Vec<String>,
    /// For parameter set `i` of the manifest, its index in the spec.
    pub(crate) parameter_sets: Vec<usize>,
}

/// A [`Trail`] that keeps the path and what the refused field held.
#[derive(Debug)]
pub(crate) struct SpecTrail<'a> {
    steps: Vec<Step>,
    order: &'a SpecOrder,
    found: Option<(Class, Option<String>, Option<usize>)>,
}

impl<'a> SpecTrail<'a> {
    /// A trail that maps items back through `order`.
    pub(crate) fn new(order: &'a SpecOrder) -> Self {
        Self {
            steps: Vec::new(),
            order,
            found: None,
        }
    }

    /// The spec's name for the field the walk stopped at.
    pub(crate) fn field(&self) -> String {
        let mut out: Vec<String> = Vec::new();
        let mut parent = "";
        for step in &self.steps {
            match *step {
                Step::Field("head") => {}
                Step::Field(name) => {
                    parent = name;
                    out.push(spec_name(name).to_owned());
                }
                Step::Item(i) => match parent {
                    "artifacts" => {
                        let label = self.order.artifacts.get(i).cloned();
                        out.pop();
                        out.push(label.unwrap_or_else(|| format!("artifact[{i}]")));
                    }
                    "parameter_sets" => {
                        let j = self.order.parameter_sets.get(i).copied().unwrap_or(i);
                        append(&mut out, format!("[{j}]"));
                    }
                    _ => append(&mut out, format!("[{i}]")),
                },
            }
        }
        out.join(".")
    }

    /// What is wrong with the field, given the rule's verdict.
    pub(crate) fn problem(&self, error: CoreError) -> String {
        let Some((class, text, count)) = &self.found else {
            return error.to_string();
        };
        let text = text.as_deref().unwrap_or_default();
        match (class, error) {
            (Class::Seq { max, limit, .. }, CoreError::LimitExceeded) => format!(
                "{} entries; at most {limit} = {max}",
                count.unwrap_or_default()
            ),
            (Class::Seq { .. }, _) if !text.is_empty() => {
                format!("`{text}` appears twice: each entry once, in ascending order")
            }
            (Class::Seq { .. }, _) => {
                "an entry appears twice: each entry once, in ascending order".to_owned()
            }
            (Class::Bytes { max, limit }, _) => format!(
                "{} bytes; at most {limit} = {max}",
                count.unwrap_or_default()
            ),
            (Class::Id { .. } | Class::OptId, CoreError::LimitExceeded) => format!(
                "{} bytes; identifiers are at most MAX_ID_LEN = {MAX_ID_LEN}",
                text.len()
            ),
            (Class::Text { .. }, CoreError::LimitExceeded) => format!(
                "{} bytes; text is at most MAX_TEXT_LEN = {MAX_TEXT_LEN}",
                text.len()
            ),
            (Class::Name, CoreError::LimitExceeded) => format!(
                "`{text}` is {} bytes; artifact names are at most MAX_NAME_LEN = {MAX_NAME_LEN}",
                text.len()
            ),
            (_, _) if text.is_empty() => "must not be empty".to_owned(),
            (Class::Id { .. } | Class::OptId, _) => {
                format!("`{text}`: identifiers are printable ASCII without spaces")
            }
            (Class::Text { .. }, _) => "control characters are not allowed".to_owned(),
            (Class::Name, _) => format!(
                "`{text}` is not a safe relative path (`/`-separated, no empty, `.` or `..` segment, no backslash)"
            ),
            (_, e) => e.to_string(),
        }
    }
}

/// Appends an index to the last name (`component` + `[0]`).
fn append(out: &mut Vec<String>, index: String) {
    match out.last_mut() {
        Some(last) => last.push_str(&index),
        None => out.push(index),
    }
}

/// A record field's name in a spec, where the spec's tables differ.
fn spec_name(field: &'static str) -> &'static str {
    match field {
        "components" => "component",
        "ecus" => "ecu",
        "models" => "model",
        "parameter_sets" => "parameter_set",
        "extensions" => "extension",
        "artifacts" => "artifact",
        other => other,
    }
}

impl Trail for SpecTrail<'_> {
    fn enter(&mut self, name: &'static str) {
        self.steps.push(Step::Field(name));
    }
    fn item(&mut self, index: usize) {
        self.steps.push(Step::Item(index));
    }
    fn leave(&mut self) {
        self.steps.pop();
    }
    fn refused(&mut self, class: Class, text: Option<&str>, count: Option<usize>) {
        self.found = Some((class, text.map(str::to_owned), count));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ParameterSetBuf, SystemConfigDocBuf};
    use modelseal_core::rules::Record;

    #[test]
    fn paths_follow_the_spec_not_the_manifest() {
        let order = SpecOrder {
            artifacts: vec!["artifact_tree[0] (w/a.bin)".into(), "artifact[0]".into()],
            parameter_sets: vec![2, 0, 1],
        };
        let mut sc = SystemConfigDocBuf::default();
        sc.head.config_id = "cfg".into();
        sc.head.config_version = "1".into();
        sc.parameter_sets = vec![ParameterSetBuf::default(); 3];
        for (i, p) in sc.parameter_sets.iter_mut().enumerate() {
            p.name = format!("p{i}");
        }
        sc.parameter_sets[1].market = "E U".into();
        let mut trail = SpecTrail::new(&order);
        let e = sc.check_fields(&mut trail).unwrap_err();
        // Manifest item 1 is the spec's parameter set 0.
        assert_eq!(trail.field(), "parameter_set[0].market");
        assert_eq!(
            trail.problem(e),
            "`E U`: identifiers are printable ASCII without spaces"
        );

        let mut m = crate::model::Manifest::default();
        m.head.kind = 2;
        m.head.version = "1".into();
        m.target.hardware_ids = vec!["HW".into()];
        m.artifacts = vec![Default::default(), Default::default()];
        for a in &mut m.artifacts {
            a.name = "ok".into();
            a.kind = 1;
            a.licence = "MIT".into();
        }
        m.artifacts[1].name = "../escape".into();
        let mut trail = SpecTrail::new(&order);
        let e = m.check_fields(&mut trail).unwrap_err();
        assert_eq!(trail.field(), "artifact[0].name");
        assert!(trail.problem(e).contains("not a safe relative path"));
    }
}
