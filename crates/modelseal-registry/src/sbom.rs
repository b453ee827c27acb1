//! The contents of an SBOM artifact: the packages it lists, with version,
//! package URL and licences, from CycloneDX JSON (1.2 to 1.6) or SPDX JSON
//! (2.2, 2.3).
//!
//! Only what the registry indexes is read; everything else in the document
//! is ignored, so a newer minor version of either format still reads. The
//! input is signed (its digest is in the verified manifest) but may still
//! be nonsense: a document that is not one of the two formats is reported
//! as unreadable, never a panic.

use serde_json::Value;

/// Largest SBOM document read, in bytes.
pub const MAX_SBOM_LEN: u64 = 64 * 1024 * 1024;

/// One package an SBOM lists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Package {
    /// Package name.
    pub name: String,
    /// Version ("" when the SBOM gives none).
    pub version: String,
    /// Package URL ("" when none).
    pub purl: String,
    /// Licences: SPDX ids or expressions, or names ("" when none).
    pub licences: String,
}

/// Which format an SBOM is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CycloneDX JSON.
    CycloneDx,
    /// SPDX JSON.
    Spdx,
}

/// Reads the packages of an SBOM document. `hint` is the format the
/// artifact kind claims; the document itself decides.
pub fn parse(bytes: &[u8], hint: Option<Format>) -> Result<Vec<Package>, String> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| format!("not JSON ({e}); only JSON SBOMs are read"))?;
    let format = if v.get("bomFormat").and_then(Value::as_str) == Some("CycloneDX") {
        Format::CycloneDx
    } else if v.get("spdxVersion").and_then(Value::as_str).is_some() {
        Format::Spdx
    } else {
        return Err(match hint {
            Some(Format::CycloneDx) => {
                "no `bomFormat: CycloneDX`: not a CycloneDX JSON document".into()
            }
            Some(Format::Spdx) => "no `spdxVersion`: not an SPDX JSON document".into(),
            None => "neither CycloneDX nor SPDX JSON".into(),
        });
    };
    let mut out = Vec::new();
    match format {
        Format::CycloneDx => {
            if let Some(c) = v.get("components") {
                cyclonedx_components(c, &mut out, 0)?;
            }
        }
        Format::Spdx => {
            for p in v
                .get("packages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push(spdx_package(p)?);
            }
        }
    }
    Ok(out)
}

/// Components nest (a component's own `components`); deeper than this is
/// refused rather than followed.
const MAX_DEPTH: usize = 32;

fn cyclonedx_components(list: &Value, out: &mut Vec<Package>, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("components nested deeper than {MAX_DEPTH}"));
    }
    let list = list.as_array().ok_or("`components` is not a list")?;
    for c in list {
        let name = str_of(c, "name").ok_or("a component without a `name`")?;
        let group = str_of(c, "group").unwrap_or_default();
        let name = if group.is_empty() {
            name
        } else {
            format!("{group}/{name}")
        };
        let mut licences = Vec::new();
        for l in c
            .get("licenses")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(e) = l.get("expression").and_then(Value::as_str) {
                licences.push(e.to_owned());
            } else if let Some(lic) = l.get("license") {
                if let Some(id) = str_of(lic, "id").or_else(|| str_of(lic, "name")) {
                    licences.push(id);
                }
            }
        }
        out.push(Package {
            name,
            version: str_of(c, "version").unwrap_or_default(),
            purl: str_of(c, "purl").unwrap_or_default(),
            licences: join_licences(&licences),
        });
        if let Some(sub) = c.get("components") {
            cyclonedx_components(sub, out, depth + 1)?;
        }
    }
    Ok(())
}

fn spdx_package(p: &Value) -> Result<Package, String> {
    let name = str_of(p, "name").ok_or("a package without a `name`")?;
    let purl = p
        .get("externalRefs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|r| str_of(r, "referenceType").as_deref() == Some("purl"))
        .and_then(|r| str_of(r, "referenceLocator"))
        .unwrap_or_default();
    // The concluded licence where one was concluded, else the declared one.
    let licence = ["licenseConcluded", "licenseDeclared"]
        .iter()
        .filter_map(|k| str_of(p, k))
        .find(|l| l != "NOASSERTION" && l != "NONE" && !l.is_empty())
        .unwrap_or_default();
    Ok(Package {
        name,
        version: str_of(p, "versionInfo").unwrap_or_default(),
        purl,
        licences: licence,
    })
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// Several licences of one component: all of them apply.
fn join_licences(l: &[String]) -> String {
    match l {
        [] => String::new(),
        [one] => one.clone(),
        many => many
            .iter()
            .map(|x| {
                if x.contains(' ') {
                    format!("({x})")
                } else {
                    x.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" AND "),
    }
}

/// The SPDX licence ids an expression names (`MIT OR (Apache-2.0 AND
/// GPL-3.0-only WITH Classpath-exception-2.0)` names MIT, Apache-2.0 and
/// GPL-3.0-only). A policy check denies a package when any named licence
/// is denied: conservative for `OR` (a choice someone must make and
/// record), exact for `AND`.
pub fn licence_ids(expr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut after_with = false;
    for tok in expr
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
    {
        match tok {
            "AND" | "OR" | "and" | "or" => after_with = false,
            "WITH" | "with" => after_with = true,
            t if after_with => {
                let _ = t;
                after_with = false;
            }
            t => out.push(t.to_owned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_nested_components_group_licences_and_purls() {
        let doc = br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
            {"type":"library","group":"org.example","name":"onnxruntime","version":"1.17.1",
             "purl":"pkg:generic/onnxruntime@1.17.1","licenses":[{"license":{"id":"MIT"}}],
             "components":[{"type":"library","name":"eigen","version":"3.4.0",
                "licenses":[{"expression":"MPL-2.0 OR BSD-3-Clause"}]}]},
            {"type":"machine-learning-model","name":"perception_front_camera","version":"v1.3.5"}]}"#;
        let p = parse(doc, Some(Format::CycloneDx)).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[0].name, "org.example/onnxruntime");
        assert_eq!(p[0].purl, "pkg:generic/onnxruntime@1.17.1");
        assert_eq!(p[0].licences, "MIT");
        assert_eq!(p[1].name, "eigen");
        assert_eq!(p[1].licences, "MPL-2.0 OR BSD-3-Clause");
        assert_eq!(p[2].licences, "");
    }

    #[test]
    fn spdx_packages_purl_and_concluded_licence() {
        let doc = br#"{"spdxVersion":"SPDX-2.3","packages":[
            {"name":"zlib","versionInfo":"1.3.1","licenseConcluded":"Zlib","licenseDeclared":"NOASSERTION",
             "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:generic/zlib@1.3.1"}]},
            {"name":"readline","licenseConcluded":"NOASSERTION","licenseDeclared":"GPL-3.0-only"}]}"#;
        let p = parse(doc, Some(Format::Spdx)).unwrap();
        assert_eq!(p[0].purl, "pkg:generic/zlib@1.3.1");
        assert_eq!(p[0].licences, "Zlib");
        assert_eq!(p[1].licences, "GPL-3.0-only");
        assert_eq!(p[1].version, "");
    }

    #[test]
    fn nonsense_is_unreadable_not_a_panic() {
        assert!(parse(b"\xff\x00", None).is_err());
        assert!(parse(b"{}", Some(Format::Spdx)).is_err());
        assert!(parse(br#"{"bomFormat":"CycloneDX","components":{}}"#, None).is_err());
        assert!(
            parse(
                br#"{"bomFormat":"CycloneDX","components":[{"version":"1"}]}"#,
                None
            )
            .is_err()
        );
        let mut deep = String::from(r#"{"bomFormat":"CycloneDX","components":"#);
        for _ in 0..40 {
            deep.push_str(r#"[{"name":"x","components":"#);
        }
        deep.push_str("[]");
        for _ in 0..40 {
            deep.push_str("}]");
        }
        deep.push('}');
        assert!(parse(deep.as_bytes(), None).is_err());
    }

    #[test]
    fn licence_ids_of_expressions() {
        assert_eq!(
            licence_ids("MIT OR (Apache-2.0 AND GPL-3.0-only WITH Classpath-exception-2.0)"),
            ["MIT", "Apache-2.0", "GPL-3.0-only"]
        );
        assert_eq!(licence_ids("GPL-3.0-only"), ["GPL-3.0-only"]);
    }
}
