//! The harness the CLI tests share: a temporary directory with the example
//! specs, the real `modelseal` binary run in it, and its outcome checked.

#![allow(dead_code)]

use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_modelseal");

/// A working directory with `spec/` (the examples) and the registry at
/// `reg.db` ($MODELSEAL_REGISTRY).
pub(crate) struct Env {
    pub(crate) dir: tempfile::TempDir,
}

impl Env {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/spec");
        copy_dir(&spec, &dir.path().join("spec"));
        Self { dir }
    }
    pub(crate) fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.dir.path())
            .env("MODELSEAL_REGISTRY", self.p("reg.db"))
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null());
        c
    }
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().expect("run modelseal")
    }
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let o = self.run(args);
        assert!(
            o.status.success(),
            "modelseal {args:?} failed: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        serde_json::from_str(&self.ok(&a)).expect("JSON output")
    }
    /// Runs and checks the exit code; the output.
    pub(crate) fn code(&self, code: i32, args: &[&str]) -> Output {
        let o = self.run(args);
        assert_eq!(
            o.status.code(),
            Some(code),
            "modelseal {args:?}: stdout {} stderr {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        o
    }
    /// `code`, with `--json`: the JSON printed.
    pub(crate) fn code_json(&self, code: i32, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let o = self.code(code, &a);
        serde_json::from_slice(&o.stdout).expect("JSON output")
    }
    pub(crate) fn keys(&self, names: &[&str]) {
        for n in names {
            let (pem, public) = (format!("{n}.pem"), format!("{n}.pub"));
            self.ok(&["key", "generate", "-q", "-o", &pem, "--public-out", &public]);
        }
    }
    /// A root with 2-of-3 root and component roles, a system role, and the
    /// registry (g1) and evaluation (e1) roles.
    pub(crate) fn root(&self) {
        self.keys(&["r1", "r2", "r3", "c1", "c2", "c3", "s1", "g1", "e1"]);
        let mut args = vec!["root", "init", "-o", "root.msr"];
        for (flag, keys, threshold_flag, threshold) in [
            (
                "--root-key",
                &["r1.pub", "r2.pub", "r3.pub"][..],
                "--root-threshold",
                "2",
            ),
            (
                "--component-key",
                &["c1.pub", "c2.pub", "c3.pub"][..],
                "--component-threshold",
                "2",
            ),
            ("--system-key", &["s1.pub"][..], "--system-threshold", "1"),
            (
                "--registry-key",
                &["g1.pub"][..],
                "--registry-threshold",
                "1",
            ),
            (
                "--evaluation-key",
                &["e1.pub"][..],
                "--evaluation-threshold",
                "1",
            ),
        ] {
            for k in keys {
                args.extend([flag, k]);
            }
            args.extend([threshold_flag, threshold]);
        }
        args.extend(["--key", "r1.pem", "--key", "r2.pem"]);
        self.ok(&args);
    }
    pub(crate) fn build(&self, spec: &str, out: &str) {
        self.ok(&[
            "build", spec, "-o", out, "--root", "root.msr", "--key", "c1.pem", "--key", "c2.pem",
        ]);
    }
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for e in fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let t = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            fs::copy(e.path(), &t).expect("copy");
        }
    }
}
