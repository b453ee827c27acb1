//! A real PostgreSQL server for tests: Debian's package (installed by
//! `tests/setup.sh`), `initdb` in a temporary directory, listening on a
//! unix socket only, stopped when the value is dropped. Each test takes
//! its own database. As root, the server runs as the `postgres` user (it
//! refuses to run as root).
//!
//! Shared by the registry, fleet and CLI tests (`#[path]` includes).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A running server.
pub(crate) struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    child: Option<Child>,
    next: AtomicU32,
}

/// How long the server may take to start.
const START_TIMEOUT: Duration = Duration::from_secs(60);

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The newest installed server's `bin` directory.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path().join("bin")))
                .filter(|b| b.join("initdb").exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort_by_key(|p| {
        p.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    found
        .pop()
        .expect("PostgreSQL is not installed: run tests/setup.sh (it installs Debian's postgresql)")
}

/// `cmd` as the user the server runs as.
fn as_server_user(bin: &Path, tool: &str) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin.join(tool));
        c
    } else {
        Command::new(bin.join(tool))
    }
}

impl Postgres {
    /// Initialises a cluster in a new temporary directory and starts it.
    pub(crate) fn start() -> Self {
        let bin = bin_dir();
        let dir = tempfile::Builder::new()
            .prefix("modelseal-pg-")
            .tempdir()
            .expect("temporary directory");
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok, "chown the server's directory to postgres");
        }
        let data = dir.path().join("data");
        let out = as_server_user(&bin, "initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "modelseal",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&data)
            .stdin(Stdio::null())
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut pg = Self {
            dir,
            bin,
            child: None,
            next: AtomicU32::new(0),
        };
        pg.run();
        pg
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The socket directory.
    pub(crate) fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the server (again) on the same data directory and waits
    /// until it accepts connections.
    pub(crate) fn run(&mut self) {
        let log = std::fs::File::create(self.dir.path().join("server.log")).expect("log");
        let child = as_server_user(&self.bin, "postgres")
            .arg("-D")
            .arg(self.data())
            .args(["-c", "listen_addresses=", "-k"])
            .arg(self.dir.path())
            .args(["-c", "max_connections=50"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start postgres");
        self.child = Some(child);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if postgres::Client::connect(&self.url("postgres"), postgres::NoTls).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not start: {}",
                std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Kills the server as a crash would (SIGKILL to the postmaster and its
    /// children), then waits for it to be gone.
    pub(crate) fn kill(&mut self) {
        let out = as_server_user(&self.bin, "pg_ctl")
            .args(["stop", "-m", "immediate", "-D"])
            .arg(self.data())
            .output()
            .expect("pg_ctl");
        assert!(
            out.status.success(),
            "pg_ctl stop: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(mut c) = self.child.take() {
            let _ = c.wait();
        }
    }

    /// The URL of database `db` on this server.
    pub(crate) fn url(&self, db: &str) -> String {
        let sock: String = self
            .dir
            .path()
            .to_string_lossy()
            .bytes()
            .map(|b| match b {
                b'/' => "%2F".to_owned(),
                b => (b as char).to_string(),
            })
            .collect();
        format!("postgresql://modelseal@{sock}/{db}")
    }

    /// A new, empty database; its URL.
    pub(crate) fn database(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let name = format!("t{n}");
        let mut c = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)
            .expect("connect to the server");
        c.batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create database");
        self.url(&name)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.child.is_some() {
            let _ = as_server_user(&self.bin, "pg_ctl")
                .args(["stop", "-m", "fast", "-D"])
                .arg(self.data())
                .output();
            if let Some(mut c) = self.child.take() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}
