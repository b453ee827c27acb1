//! The C header and the numbers it publishes.
//!
//! - `include/modelseal.h` is exactly what the pinned cbindgen generates
//!   from this crate with `ffi/cbindgen.toml` (fails on drift). Regenerate:
//!   `MODELSEAL_BLESS=1 cargo test -p modelseal-ffi --test header`.
//! - Every `#define` of the header equals the Rust constant of that name;
//!   the version macros equal the package version in `Cargo.toml`.
//!
//! The context's size and alignment are asserted at compile time in
//! `src/context.rs` (Rust) and by `_Static_assert` in the C tests.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// The crate has no rlib (see Cargo.toml), so its constants are compiled in
// here from the same source file.
#[allow(dead_code, unreachable_pub)]
#[path = "../src/consts.rs"]
mod consts;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    crate_dir().join("../include/modelseal.h")
}

fn generate() -> String {
    let dir = crate_dir();
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

#[test]
fn committed_header_matches_the_code() {
    let want = generate();
    let path = header_path();
    if std::env::var_os("MODELSEAL_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write include/modelseal.h");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "include/modelseal.h differs from what cbindgen generates from ffi/src; \
         regenerate with `MODELSEAL_BLESS=1 cargo test -p modelseal-ffi --test header` \
         and commit it"
    );
}

/// `#define NAME VALUE` lines of the header.
fn defines(header: &str) -> BTreeMap<String, String> {
    header
        .lines()
        .filter_map(|l| l.strip_prefix("#define "))
        .filter_map(|l| {
            let (name, value) = l.split_once(' ')?;
            Some((name.to_owned(), value.trim().to_owned()))
        })
        .collect()
}

fn header() -> String {
    std::fs::read_to_string(header_path()).expect("include/modelseal.h")
}

#[test]
fn version_macros_match_cargo_toml() {
    let d = defines(&header());
    let num = |k: &str| d.get(k).map(String::as_str);
    assert_eq!(
        num("MODELSEAL_VERSION_MAJOR"),
        Some(env!("CARGO_PKG_VERSION_MAJOR"))
    );
    assert_eq!(
        num("MODELSEAL_VERSION_MINOR"),
        Some(env!("CARGO_PKG_VERSION_MINOR"))
    );
    assert_eq!(
        num("MODELSEAL_VERSION_PATCH"),
        Some(env!("CARGO_PKG_VERSION_PATCH"))
    );
    // The string macro is built from the three numbers (the C tests compare
    // it with modelseal_version() at run time).
    assert!(d.contains_key("MODELSEAL_VERSION_STRING"));
    assert_eq!(
        consts::VERSION_CSTR.to_str().ok(),
        Some(env!("CARGO_PKG_VERSION")),
        "modelseal_version() returns the package version"
    );
}

#[test]
fn header_macros_are_the_rust_constants() {
    let d = defines(&header());
    let expect: &[(&str, u64)] = &[
        (
            "MODELSEAL_VERIFIER_SIZE",
            consts::MODELSEAL_VERIFIER_SIZE as u64,
        ),
        (
            "MODELSEAL_VERIFIER_ALIGN",
            consts::MODELSEAL_VERIFIER_ALIGN as u64,
        ),
        (
            "MODELSEAL_VERIFIER_WORDS",
            consts::MODELSEAL_VERIFIER_WORDS as u64,
        ),
        ("MODELSEAL_DIGEST_LEN", consts::MODELSEAL_DIGEST_LEN as u64),
        ("MODELSEAL_KEY_ID_LEN", consts::MODELSEAL_KEY_ID_LEN as u64),
        ("MODELSEAL_MAX_ID_LEN", consts::MODELSEAL_MAX_ID_LEN as u64),
        ("MODELSEAL_ID_BUF_LEN", consts::MODELSEAL_ID_BUF_LEN as u64),
        (
            "MODELSEAL_MAX_NAME_LEN",
            consts::MODELSEAL_MAX_NAME_LEN as u64,
        ),
        (
            "MODELSEAL_NAME_BUF_LEN",
            consts::MODELSEAL_NAME_BUF_LEN as u64,
        ),
        (
            "MODELSEAL_MAX_COMPONENTS",
            consts::MODELSEAL_MAX_COMPONENTS as u64,
        ),
        (
            "MODELSEAL_MAX_SIGNERS",
            consts::MODELSEAL_MAX_SIGNERS as u64,
        ),
        (
            "MODELSEAL_MAX_ECU_MODELS",
            consts::MODELSEAL_MAX_ECU_MODELS as u64,
        ),
        (
            "MODELSEAL_MAX_ARTIFACTS",
            consts::MODELSEAL_MAX_ARTIFACTS as u64,
        ),
        (
            "MODELSEAL_BUNDLE_HEADER_LEN",
            consts::MODELSEAL_BUNDLE_HEADER_LEN as u64,
        ),
        (
            "MODELSEAL_MAX_HEAD_LEN",
            consts::MODELSEAL_MAX_HEAD_LEN as u64,
        ),
        (
            "MODELSEAL_MIN_READ_CHUNK",
            consts::MODELSEAL_MIN_READ_CHUNK as u64,
        ),
        (
            "MODELSEAL_MAX_WORK_BUF_LEN",
            consts::MODELSEAL_MAX_WORK_BUF_LEN as u64,
        ),
        (
            "MODELSEAL_MAX_ROOT_ENVELOPE_LEN",
            consts::MODELSEAL_MAX_ROOT_ENVELOPE_LEN as u64,
        ),
        (
            "MODELSEAL_MAX_IDENTITY_LEN",
            consts::MODELSEAL_MAX_IDENTITY_LEN as u64,
        ),
        (
            "MODELSEAL_KIND_COMPONENT",
            u64::from(consts::MODELSEAL_KIND_COMPONENT),
        ),
        (
            "MODELSEAL_KIND_SYSTEM_CONFIG",
            u64::from(consts::MODELSEAL_KIND_SYSTEM_CONFIG),
        ),
        (
            "MODELSEAL_STAGE_DEVELOPMENT",
            u64::from(consts::MODELSEAL_STAGE_DEVELOPMENT),
        ),
        (
            "MODELSEAL_STAGE_STAGING",
            u64::from(consts::MODELSEAL_STAGE_STAGING),
        ),
        (
            "MODELSEAL_STAGE_PRODUCTION",
            u64::from(consts::MODELSEAL_STAGE_PRODUCTION),
        ),
        (
            "MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK",
            u64::from(consts::MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK),
        ),
        (
            "MODELSEAL_EXPIRY_CHECKED_AT",
            u64::from(consts::MODELSEAL_EXPIRY_CHECKED_AT),
        ),
    ];
    for (name, value) in expect {
        let got = d
            .get(*name)
            .unwrap_or_else(|| panic!("{name} missing from the header"));
        // cbindgen may wrap or suffix a literal; compare the digits.
        let digits: String = got.chars().filter(char::is_ascii_digit).collect();
        assert_eq!(digits, value.to_string(), "{name}");
    }
}

/// The header has one `MODELSEAL_ARTIFACT_KIND_<NAME>` per kind of the
/// core, named after the kind's spec name (`tensorrt-engine` gives
/// `..._TENSORRT_ENGINE`), with the core's code, and no other.
#[test]
fn artifact_kind_macros_are_the_cores_kinds() {
    use modelseal_core::ArtifactKind;
    let d = defines(&header());
    let in_header: Vec<_> = d
        .keys()
        .filter(|k| k.starts_with("MODELSEAL_ARTIFACT_KIND_"))
        .collect();
    assert_eq!(in_header.len(), ArtifactKind::ALL.len(), "{in_header:?}");
    for kind in ArtifactKind::ALL {
        let name = format!(
            "MODELSEAL_ARTIFACT_KIND_{}",
            kind.name().to_uppercase().replace('-', "_")
        );
        let value = d
            .get(&name)
            .unwrap_or_else(|| panic!("{name} missing from the header"));
        assert_eq!(*value, kind.code().to_string(), "{name}");
    }
}

#[test]
fn context_storage_is_declared_by_the_macros() {
    let h = header();
    assert!(
        h.contains("uint64_t _opaque[MODELSEAL_VERIFIER_WORDS];"),
        "the context is MODELSEAL_VERIFIER_WORDS 64-bit words (alignment 8)"
    );
    assert_eq!(
        consts::MODELSEAL_VERIFIER_WORDS * 8,
        consts::MODELSEAL_VERIFIER_SIZE
    );
    assert_eq!(
        consts::MODELSEAL_VERIFIER_ALIGN,
        std::mem::align_of::<u64>()
    );
}

#[test]
fn header_is_in_the_include_directory() {
    assert!(Path::new(&header_path()).exists());
}

/// The functions of the header: name, parameter list and doc comment.
fn functions(header: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut rest = header;
    while let Some(start) = rest.find("/**") {
        let after = &rest[start..];
        let Some(end) = after.find("*/") else { break };
        let doc = &after[..end];
        let decl_start = &after[end + 2..];
        let decl = &decl_start[..decl_start.find(';').unwrap_or(decl_start.len())];
        rest = &after[end + 2..];
        let decl = decl.trim();
        let Some(sig) = decl.strip_prefix("modelseal_status ") else {
            continue;
        };
        let Some((name, params)) = sig.split_once('(') else {
            continue;
        };
        out.push((name.trim().to_owned(), params.to_owned(), doc.to_owned()));
    }
    out
}

#[test]
fn getters_take_a_const_context() {
    let h = header();
    let fns = functions(&h);
    let getters: Vec<_> = fns
        .iter()
        .filter(|(n, _, _)| {
            n.starts_with("modelseal_verifier_get_") || n == "modelseal_verifier_check_padding"
        })
        .collect();
    assert!(getters.len() >= 15, "{} getters", getters.len());
    for (name, params, _) in getters {
        // The getters that write their context: they authenticate the
        // record again and keep the sibling hashes of the lookup, so
        // ascending lookups stay cheap (docs/C-API.md).
        if name == "modelseal_verifier_get_artifact"
            || name == "modelseal_verifier_get_artifact_verity"
        {
            assert!(params.contains("struct modelseal_verifier *ctx"));
            continue;
        }
        assert!(
            params.contains("const struct modelseal_verifier *ctx"),
            "{name} reads the context only and must take it const: ({params}"
        );
    }
}

/// Every status-returning function's comment says what it returns, and
/// names the statuses its arguments alone can cause: a NULL pointer, and
/// for a context a misaligned or uninitialised one. (The other statuses
/// are read from the code; this catches a comment that forgets the
/// argument checks every caller meets.)
#[test]
fn every_function_names_the_statuses_of_its_arguments() {
    let h = header();
    let fns = functions(&h);
    assert!(fns.len() >= 25, "{} functions", fns.len());
    let mut missing = Vec::new();
    for (name, params, doc) in &fns {
        let mut need = std::vec!["Returns `MODELSEAL_STATUS_OK`"];
        if params.contains('*') {
            need.push("_NULL_ARGUMENT`");
        }
        if params.contains("modelseal_verifier *ctx") {
            need.push("_MISALIGNED_CONTEXT`");
            // Init is the one call an uninitialised context may take.
            if name != "modelseal_verifier_init" {
                need.push("_INVALID_STATE`");
            }
        }
        for n in need {
            if !doc.contains(n) {
                missing.push(format!("{name}: {n}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "doc comments lack:\n{}",
        missing.join("\n")
    );
}
