//! The file patterns of `[[artifact_tree]]`: which files of a model
//! directory become artifacts, and of which kind.
//!
//! A pattern is matched against a file's path relative to the tree's
//! directory, with `/` between components:
//!
//! - `*` matches any run of characters inside one component, `?` one
//!   character, and a `**` component any number of components (none
//!   included);
//! - a pattern without `/` matches the name of the file or of any
//!   directory on its path: `.git` leaves out the whole `.git` directory,
//!   `*.pyc` every compiled Python file at any depth;
//! - a pattern with `/` is anchored at the tree's directory
//!   (`onnx/*.onnx`, `**/tokenizer.json`).
//!
//! `exclude` beats `include`; an excluded directory is not entered.

use std::path::{Path, PathBuf};

/// Most patterns one list of a tree may hold (`include`, `exclude` or
/// `kinds`): a spec is written by people, and every file is matched
/// against every pattern.
pub const MAX_PATTERNS: usize = 64;

/// Most `**` components in one pattern (each may stand for any number of
/// directories, so matching costs grow with their count).
pub const MAX_GLOBSTARS: usize = 4;

/// Most directory levels below a tree's directory that are walked.
pub const MAX_TREE_DEPTH: usize = 32;

/// A parsed pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    text: String,
    parts: Vec<String>,
    anchored: bool,
}

impl Pattern {
    /// Parses `text`; `Err` says why it is not a usable pattern.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim_start_matches("./");
        if trimmed.is_empty() {
            return Err("an empty pattern matches nothing".into());
        }
        if trimmed.starts_with('/') || trimmed.split('/').any(|c| c == "..") {
            return Err(format!(
                "`{text}`: patterns are relative to the tree's directory (no leading `/`, no `..`)"
            ));
        }
        let parts: Vec<String> = trimmed
            .trim_end_matches('/')
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_owned)
            .collect();
        if parts.is_empty() {
            return Err(format!("`{text}` names no file"));
        }
        if parts.iter().filter(|p| *p == "**").count() > MAX_GLOBSTARS {
            return Err(format!(
                "`{text}`: at most MAX_GLOBSTARS = {MAX_GLOBSTARS} `**` in a pattern"
            ));
        }
        for p in &parts {
            if p.contains("**") && p != "**" {
                return Err(format!(
                    "`{text}`: `**` stands alone between slashes (`a/**/b`)"
                ));
            }
        }
        Ok(Self {
            text: text.to_owned(),
            anchored: trimmed.trim_end_matches('/').contains('/'),
            parts,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the file or directory at `rel` (components of the path
    /// relative to the tree's directory) matches.
    pub fn matches(&self, rel: &[&str]) -> bool {
        if self.anchored {
            match_parts(&self.parts, rel)
        } else {
            // One component: the file's name or any directory's on its path.
            rel.iter().any(|c| match_component(&self.parts[0], c))
        }
    }
}

/// Whether `parts` (with `**`) matches all of `rel`.
fn match_parts(parts: &[String], rel: &[&str]) -> bool {
    match parts.split_first() {
        None => rel.is_empty(),
        Some((p, rest)) if p == "**" => (0..=rel.len()).any(|skip| match_parts(rest, &rel[skip..])),
        Some((p, rest)) => match rel.split_first() {
            Some((c, rel_rest)) => match_component(p, c) && match_parts(rest, rel_rest),
            None => false,
        },
    }
}

/// Whether `name` matches the one-component pattern `pat` (`*`, `?`).
fn match_component(pat: &str, name: &str) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let n: Vec<char> = name.chars().collect();
    // Iterative wildcard match with one backtrack point: linear in
    // practice, never exponential.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|&c| c == '*')
}

/// The file selection of one tree: `include` (empty: every file) minus
/// `exclude`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Files to take; empty takes every file.
    pub include: Vec<Pattern>,
    /// Files and directories to leave out; beats `include`.
    pub exclude: Vec<Pattern>,
}

impl Selection {
    fn excluded(&self, rel: &[&str]) -> bool {
        self.exclude.iter().any(|p| p.matches(rel))
    }
    fn included(&self, rel: &[&str]) -> bool {
        self.include.is_empty() || self.include.iter().any(|p| p.matches(rel))
    }
}

/// Why walking a tree stopped.
#[derive(Debug)]
pub enum WalkError {
    /// A directory or an entry could not be read.
    Io(PathBuf, std::io::Error),
    /// More files than `limit`.
    TooMany(usize),
    /// Directories nested deeper than [`MAX_TREE_DEPTH`].
    TooDeep(PathBuf),
}

/// A file the walk found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Found {
    /// `dir` joined with the file's path below it.
    pub path: PathBuf,
    /// Whether the entry is a symbolic link (to a regular file). When it
    /// is not, no link lies between `dir` and the file: the walk enters
    /// no directory through a link, so the file's real path is the real
    /// path of `dir` joined with its path below it, with no lookup.
    pub link: bool,
}

/// Every regular file below `dir` that `sel` selects, sorted by path; at
/// most `limit` files. Symbolic links are followed to files; directories
/// reached through links are not entered.
pub fn walk(dir: &Path, sel: &Selection, limit: usize) -> Result<Vec<Found>, WalkError> {
    let mut out = Vec::new();
    walk_into(dir, &mut Vec::new(), sel, limit, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk_into(
    dir: &Path,
    rel: &mut Vec<String>,
    sel: &Selection,
    limit: usize,
    out: &mut Vec<Found>,
) -> Result<(), WalkError> {
    if rel.len() > MAX_TREE_DEPTH {
        return Err(WalkError::TooDeep(dir.to_path_buf()));
    }
    let entries = std::fs::read_dir(dir).map_err(|e| WalkError::Io(dir.to_path_buf(), e))?;
    for entry in entries {
        let entry = entry.map_err(|e| WalkError::Io(dir.to_path_buf(), e))?;
        let path = entry.path();
        let ft = entry
            .file_type()
            .map_err(|e| WalkError::Io(path.clone(), e))?;
        rel.push(entry.file_name().to_string_lossy().into_owned());
        let parts: Vec<&str> = rel.iter().map(String::as_str).collect();
        let result = if sel.excluded(&parts) {
            Ok(())
        } else if ft.is_dir() {
            walk_into(&path, rel, sel, limit, out)
        } else if sel.included(&parts)
            // The entry's type comes with the directory listing; only a
            // link needs a lookup to say whether it leads to a file.
            && (ft.is_file()
                || ft.is_symlink() && std::fs::metadata(&path).is_ok_and(|m| m.is_file()))
        {
            out.push(Found {
                path,
                link: ft.is_symlink(),
            });
            if out.len() > limit {
                Err(WalkError::TooMany(out.len()))
            } else {
                Ok(())
            }
        } else {
            Ok(())
        };
        rel.pop();
        result?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, path: &str) -> bool {
        let rel: Vec<&str> = path.split('/').collect();
        Pattern::parse(p).expect("pattern").matches(&rel)
    }

    #[test]
    fn components_and_anchors() {
        assert!(m("*.onnx", "model.onnx"));
        assert!(m("*.onnx", "sub/dir/model.onnx"));
        assert!(!m("*.onnx", "model.onnx.bak"));
        assert!(m(".git", ".git/objects/ab/cdef"));
        assert!(m("__pycache__", "pkg/__pycache__/x.pyc"));
        assert!(!m(".git", ".github/workflows/ci.yml"));
        assert!(m("onnx/*.onnx", "onnx/model.onnx"));
        assert!(!m("onnx/*.onnx", "x/onnx/model.onnx"));
        assert!(m("**/tokenizer.json", "tokenizer.json"));
        assert!(m("**/tokenizer.json", "a/b/tokenizer.json"));
        assert!(m("weights/**", "weights/a/b.bin"));
        assert!(m("a/**/b", "a/b"));
        assert!(m("a/**/b", "a/x/y/b"));
        assert!(m("model-?.bin", "model-1.bin"));
        assert!(!m("model-?.bin", "model-12.bin"));
        assert!(m("*", "anything"));
        assert!(m("*a*b*c", "xaxxbxxc"));
        assert!(!m("*a*b*c", "xaxxbxx"));
    }

    #[test]
    fn bad_patterns_are_refused() {
        for p in ["", "/abs", "../up", "a/../b", "a**/b", "./"] {
            assert!(Pattern::parse(p).is_err(), "{p}");
        }
    }

    #[test]
    fn walk_marks_links_and_does_not_enter_linked_directories() {
        let d = tempfile::tempdir().expect("tempdir");
        let p = |f: &str| d.path().join(f);
        std::fs::create_dir_all(p("sub")).expect("mkdir");
        std::fs::write(p("sub/a.bin"), b"a").expect("write");
        std::os::unix::fs::symlink(p("sub/a.bin"), p("alias.bin")).expect("link");
        std::os::unix::fs::symlink(p("sub"), p("linked-dir")).expect("link");
        std::os::unix::fs::symlink(p("missing"), p("dangling.bin")).expect("link");
        let found = walk(d.path(), &Selection::default(), 10).expect("walk");
        assert_eq!(
            found,
            [
                Found {
                    path: p("alias.bin"),
                    link: true
                },
                Found {
                    path: p("sub/a.bin"),
                    link: false
                },
            ]
        );
        // The real path of a file found without a link is the directory's
        // real path joined with the rest.
        let real_dir = std::fs::canonicalize(d.path()).expect("real");
        assert_eq!(
            std::fs::canonicalize(&found[1].path).expect("real"),
            real_dir.join("sub/a.bin")
        );
    }

    #[test]
    fn walk_excludes_directories_and_applies_includes() {
        let d = tempfile::tempdir().expect("tempdir");
        for f in [
            "model.onnx",
            "model.safetensors",
            "README.md",
            ".git/HEAD",
            ".git/objects/aa/bb",
            "pkg/__pycache__/m.cpython-311.pyc",
            "pkg/m.py",
        ] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, f).expect("write");
        }
        let pats = |v: &[&str]| -> Vec<Pattern> {
            v.iter()
                .map(|p| Pattern::parse(p).expect("pattern"))
                .collect()
        };
        let sel = Selection {
            include: vec![],
            exclude: pats(&[".git", "__pycache__"]),
        };
        let rel = |files: Vec<Found>| -> Vec<String> {
            files
                .iter()
                .map(|f| {
                    assert!(!f.link);
                    f.path
                        .strip_prefix(d.path())
                        .expect("inside")
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        };
        let files = rel(walk(d.path(), &sel, 100).expect("walk"));
        assert_eq!(
            files,
            ["README.md", "model.onnx", "model.safetensors", "pkg/m.py"]
        );
        let sel = Selection {
            include: pats(&["*.onnx", "*.safetensors"]),
            exclude: pats(&["*.safetensors"]),
        };
        assert_eq!(
            rel(walk(d.path(), &sel, 100).expect("walk")),
            ["model.onnx"]
        );
        assert!(matches!(
            walk(d.path(), &Selection::default(), 3),
            Err(WalkError::TooMany(4))
        ));
    }
}
