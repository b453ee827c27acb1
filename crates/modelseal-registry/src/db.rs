//! One connection to either engine: a SQLite file (the embedded default)
//! or PostgreSQL (`postgres://…`), for the registry and the fleet
//! inventory alike.
//!
//! Statements are written once, with numbered `?N` placeholders, and
//! rendered for the engine by [`Dialect`]; values cross as [`Val`],
//! converted to each engine's types at the boundary (a `Val::Int` binds to
//! PostgreSQL's `SMALLINT`, `INTEGER` or `BIGINT` alike, checked for
//! range). Both engines run the same migrations ([`MIGRATIONS`]), each in
//! one transaction with its version row.
//!
//! SQLite: one file, created on first use, in WAL mode (readers never
//! block the one writer and a crash loses nothing committed),
//! `synchronous = FULL` (a commit is on disk when it returns), foreign keys
//! enforced, write transactions `IMMEDIATE`. PostgreSQL: plain TCP or a
//! unix socket (TLS termination is the deployment's); migrations under an
//! advisory lock, so processes opening a new database at once apply them
//! once.

pub use crate::store::Dialect;
use crate::store::MIGRATIONS;
use std::collections::HashMap;
use std::path::Path;

/// What went wrong with the database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The engine refused or failed (cannot connect, a statement failed,
    /// the server went away).
    #[error("{db}: {source}")]
    Engine {
        /// The database (a path, or a URL without its password).
        db: String,
        /// The engine's error.
        source: EngineError,
    },
    /// Bulk rows could not be sent to the server.
    #[error("{db}: sending rows: {source}")]
    Copy {
        /// The database.
        db: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not a modelseal database (another database, or not a database).
    #[error("{db}: not a modelseal database ({why})")]
    NotModelseal {
        /// The database.
        db: String,
        /// Why.
        why: String,
    },
    /// Written by a newer modelseal (a migration this build does not know).
    #[error("{db}: schema version {found} is newer than this modelseal knows ({known})")]
    SchemaTooNew {
        /// The database.
        db: String,
        /// Version found.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A bug: an invariant of the database layer failed.
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl DbError {
    /// A conflict with a concurrent writer (worth another try).
    pub fn is_conflict(&self) -> bool {
        matches!(self, DbError::Engine { source, .. } if source.is_conflict())
    }
}

type Result<T> = std::result::Result<T, DbError>;

/// A value crossing the boundary.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// SQL NULL.
    Null,
    /// A 64-bit integer (also booleans, 0 or 1, and times).
    Int(i64),
    /// A 64-bit float.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
    /// A list of integers (or NULLs), bound as one PostgreSQL array
    /// (`BIGINT[]`): the bulk paths send a batch's keys and values in one
    /// parameter instead of a placeholder each. Not bound on SQLite.
    Ints(Vec<Option<i64>>),
    /// A list of texts (or NULLs), bound as one PostgreSQL `TEXT[]`.
    Texts(Vec<Option<String>>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(v)
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Int(i64::from(v))
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Self {
        Val::Real(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_owned())
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&String> for Val {
    fn from(v: &String) -> Self {
        Val::Text(v.clone())
    }
}
impl From<Vec<u8>> for Val {
    fn from(v: Vec<u8>) -> Self {
        Val::Blob(v)
    }
}
impl<T: Into<Val>> From<Option<T>> for Val {
    fn from(v: Option<T>) -> Self {
        v.map_or(Val::Null, Into::into)
    }
}

/// A time or a count, as stored (`BIGINT`): the stored value is at most
/// `i64::MAX`, which seconds since the epoch never reach.
pub fn int(v: u64) -> Val {
    Val::Int(i64::try_from(v).unwrap_or(i64::MAX))
}

/// `[Val]` from a list of values of mixed types.
#[macro_export]
#[doc(hidden)]
macro_rules! vals {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Val::from($v)),*][..] };
}

/// One result row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row(pub Vec<Val>);

impl Row {
    fn at(&self, i: usize) -> Result<&Val> {
        self.0
            .get(i)
            .ok_or(DbError::Internal("a query returns the columns it selects"))
    }
    /// Column `i`, an integer.
    pub fn int(&self, i: usize) -> Result<i64> {
        match self.at(i)? {
            Val::Int(v) => Ok(*v),
            _ => Err(DbError::Internal("an integer column holds an integer")),
        }
    }
    /// Column `i`, an integer or NULL.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }
    /// Column `i`, a time or count (never negative as written).
    pub fn u64(&self, i: usize) -> Result<u64> {
        Ok(u64::try_from(self.int(i)?).unwrap_or(0))
    }
    /// Column `i`, a time or NULL.
    pub fn opt_u64(&self, i: usize) -> Result<Option<u64>> {
        Ok(self.opt_int(i)?.map(|v| u64::try_from(v).unwrap_or(0)))
    }
    /// Column `i`, a float.
    pub fn real(&self, i: usize) -> Result<f64> {
        match self.at(i)? {
            Val::Real(v) => Ok(*v),
            Val::Int(v) => Ok(*v as f64),
            _ => Err(DbError::Internal("a float column holds a number")),
        }
    }
    /// Column `i`, text.
    pub fn text(&self, i: usize) -> Result<String> {
        match self.at(i)? {
            Val::Text(v) => Ok(v.clone()),
            _ => Err(DbError::Internal("a text column holds text")),
        }
    }
    /// Column `i`, text or NULL.
    pub fn opt_text(&self, i: usize) -> Result<Option<String>> {
        match self.at(i)? {
            Val::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }
    /// Column `i`, bytes.
    pub fn blob(&self, i: usize) -> Result<Vec<u8>> {
        match self.at(i)? {
            Val::Blob(v) => Ok(v.clone()),
            _ => Err(DbError::Internal("a bytes column holds bytes")),
        }
    }
}

/// The engine's error.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// SQLite.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL.
    #[error("{}", pg_text(.0))]
    Postgres(#[from] postgres::Error),
}

/// PostgreSQL's message, with the server's detail when there is one, and
/// a lost connection said as such.
fn pg_text(e: &postgres::Error) -> String {
    if e.is_closed() {
        return "the PostgreSQL server closed the connection".into();
    }
    if let Some(d) = e.as_db_error() {
        return match d.detail() {
            Some(detail) => format!("{} ({detail})", d.message()),
            None => d.message().to_owned(),
        };
    }
    let cause = std::error::Error::source(e).map_or(String::new(), |s| format!(": {s}"));
    let text = e.to_string();
    if text.starts_with("error communicating") {
        format!("lost the connection to the PostgreSQL server ({text}{cause})")
    } else {
        format!("{text}{cause}")
    }
}

impl EngineError {
    /// A uniqueness conflict (another writer recorded the same row first).
    pub fn is_conflict(&self) -> bool {
        match self {
            EngineError::Sqlite(e) => {
                e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
            }
            EngineError::Postgres(e) => e.code().is_some_and(|c| {
                *c == postgres::error::SqlState::UNIQUE_VIOLATION
                    || *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                    || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
            }),
        }
    }
}

enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres {
        client: Box<postgres::Client>,
        statements: HashMap<String, postgres::Statement>,
    },
}

/// An open inventory database.
pub struct Db {
    engine: Engine,
    /// What it is, for messages (a path, or a URL without its password).
    name: String,
    in_tx: bool,
    /// PostgreSQL: rows this connection appended in bulk to each table
    /// since the planner last counted it (see [`Db::copy_in`]).
    grown: HashMap<&'static str, Growth>,
}

/// A table's bulk appends against the planner's count of its rows.
#[derive(Clone, Copy)]
struct Growth {
    /// Rows the planner counted at the last `ANALYZE` (0 when never).
    counted: f64,
    /// Rows appended since then, committed.
    added: u64,
    /// Rows appended in the open transaction.
    pending: u64,
}

impl Growth {
    /// Nothing appended since the planner counted `counted` rows.
    fn counted(counted: f64) -> Self {
        Self {
            counted,
            added: 0,
            pending: 0,
        }
    }
}

/// Fewest rows appended in bulk that make this connection analyze a
/// PostgreSQL table itself, once they are at least as many as the table
/// held when it was last analyzed (the table at least doubled). Below
/// this, and for slower growth, autovacuum's own analyze keeps the
/// planner's counts close enough.
pub const ANALYZE_AFTER_ROWS: u64 = 10_000;

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("name", &self.name).finish()
    }
}

/// Most rows one bulk statement carries (its parameters stay far below
/// either engine's limit).
pub const BULK_ROWS: usize = 500;

/// Prepared statements kept per SQLite connection: a trace prepares a
/// few dozen distinct statements (the default of 16 would re-prepare them
/// on every trace).
const STATEMENT_CACHE: usize = 256;

/// How long a SQLite writer waits for another writer before giving up, in
/// milliseconds.
const BUSY_TIMEOUT_MS: u64 = 10_000;

/// An error on the first read of a file: "not a database" said as such.
fn not_a_db(name: &str, e: rusqlite::Error) -> DbError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => DbError::NotModelseal {
            db: name.to_owned(),
            why: "not a database file".into(),
        },
        _ => DbError::Engine {
            db: name.to_owned(),
            source: e.into(),
        },
    }
}

/// Serialises migrations of one PostgreSQL database across processes
/// (`pg_advisory_xact_lock`): "modelseal" in ASCII.
const MIGRATION_LOCK: i64 = 0x6d6f_6465_6c73_6561;

/// Whether `target` names a PostgreSQL database.
pub fn is_postgres(target: &str) -> bool {
    target.starts_with("postgres://") || target.starts_with("postgresql://")
}

/// A URL with its password replaced, for messages.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let mut out = match rest.rsplit_once('@') {
        Some((auth, host)) => match auth.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    };
    if let Some(i) = out.find("password=") {
        let end = out[i..].find('&').map_or(out.len(), |j| i + j);
        out.replace_range(i..end, "password=***");
    }
    out
}

impl Db {
    /// Opens `target`: a `postgres://` URL, or the path of a SQLite file
    /// (created on first use when `create`). Runs every migration the
    /// database has not had.
    pub fn open(target: &str, create: bool) -> Result<Self> {
        let mut db = if is_postgres(target) {
            Self::connect_postgres(target)?
        } else {
            Self::open_sqlite(Path::new(target), create)?
        };
        db.migrate()?;
        Ok(db)
    }

    fn open_sqlite(path: &Path, create: bool) -> Result<Self> {
        use rusqlite::OpenFlags;
        let name = path.display().to_string();
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        } else if !path.exists() {
            return Err(DbError::NotModelseal {
                db: name,
                why: "no such file (create it with `modelseal registry init`)".into(),
            });
        }
        let e = |source: rusqlite::Error| DbError::Engine {
            db: name.clone(),
            source: source.into(),
        };
        let conn = rusqlite::Connection::open_with_flags(path, flags).map_err(e)?;
        conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
            .map_err(e)?;
        // A file that is not a database fails here, on its first read.
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|s| not_a_db(&name, s))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(DbError::NotModelseal {
                db: name,
                why: format!("cannot use write-ahead logging (journal mode {mode})"),
            });
        }
        // A 64 MiB page cache (the default is 2 MiB): ingest inserts into
        // indexes at random places (digests), and a fleet's indexes are
        // hundreds of MiB.
        // Checkpoints every 64 MiB of log instead of every 4 MiB: a page
        // that batches keep changing (an index leaf) is copied into the
        // database once per checkpoint, not once per batch, and the
        // database file is synced less often. Each commit still syncs the
        // log (`synchronous = FULL`).
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;
             PRAGMA wal_autocheckpoint = 16384;",
        )
        .map_err(e)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self {
            engine: Engine::Sqlite(conn),
            name,
            in_tx: false,
            grown: HashMap::new(),
        })
    }

    fn connect_postgres(url: &str) -> Result<Self> {
        let name = redact(url);
        let client =
            postgres::Client::connect(url, postgres::NoTls).map_err(|e| DbError::Engine {
                db: name.clone(),
                source: e.into(),
            })?;
        Ok(Self {
            engine: Engine::Postgres {
                client: Box::new(client),
                statements: HashMap::new(),
            },
            name,
            in_tx: false,
            grown: HashMap::new(),
        })
    }

    /// The tables of the database (to tell a new one from someone else's).
    fn tables(&mut self) -> Result<Vec<String>> {
        let sql = match self.dialect() {
            Dialect::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table'",
            Dialect::Postgres => {
                "SELECT CAST(table_name AS TEXT) FROM information_schema.tables
                  WHERE table_schema = current_schema()"
            }
        };
        let name = self.name.clone();
        let rows = self.query(sql, &[]).map_err(|e| match e {
            DbError::Engine {
                source: EngineError::Sqlite(s),
                ..
            } => not_a_db(&name, s),
            other => other,
        })?;
        rows.iter().map(|r| r.text(0)).collect()
    }

    /// Runs every migration the database has not had, in one transaction
    /// with their version rows: a crash leaves it at one version or the
    /// next, never between. On PostgreSQL under an advisory lock.
    fn migrate(&mut self) -> Result<()> {
        let tables = self.tables()?;
        if !tables.is_empty() && !tables.iter().any(|t| t == "schema_migrations") {
            return Err(DbError::NotModelseal {
                db: self.name.clone(),
                why: "a database with other tables".into(),
            });
        }
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        let dialect = self.dialect();
        // SQLite changes a table ALTER TABLE cannot change by rebuilding it
        // (new table, copy, drop, rename), which foreign keys would refuse
        // (the drop deletes every row others refer to): they are off while
        // migrations run (outside a transaction, where SQLite allows the
        // switch), and every foreign key is checked before the migrations
        // commit.
        if dialect == Dialect::Sqlite {
            self.batch("PRAGMA foreign_keys = OFF")?;
        }
        let out = self.transaction(|db| {
            if dialect == Dialect::Postgres {
                db.query(
                    "SELECT CAST(pg_advisory_xact_lock(?1) AS TEXT)",
                    &[Val::Int(MIGRATION_LOCK)],
                )?;
            }
            db.batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                     version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )?;
            let found = db
                .query_one(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                    &[],
                )?
                .map_or(Ok(0), |r| r.int(0))?;
            if found > known {
                return Err(DbError::SchemaTooNew {
                    db: db.name.clone(),
                    found,
                    known,
                });
            }
            for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > found) {
                db.batch(&dialect.render_schema(sql))?;
                db.exec(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                    vals![*version, *name, int(crate::now())],
                )?;
            }
            if dialect == Dialect::Sqlite
                && found < known
                && !db.query("PRAGMA foreign_key_check", &[])?.is_empty()
            {
                return Err(DbError::Internal("a migration keeps every foreign key"));
            }
            Ok(())
        });
        if dialect == Dialect::Sqlite {
            self.batch("PRAGMA foreign_keys = ON")?;
        }
        out
    }

    /// The schema version (the last migration applied).
    pub fn schema_version(&mut self) -> Result<i64> {
        self.query_one(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
            &[],
        )?
        .map_or(Ok(0), |r| r.int(0))
    }

    /// The engine's own consistency checks: SQLite's `integrity_check`
    /// and foreign-key check (PostgreSQL enforces both as it writes, so it
    /// has nothing to report). The problems found; none when sound.
    pub fn integrity_problems(&mut self) -> Result<Vec<String>> {
        if self.dialect() == Dialect::Postgres {
            return Ok(Vec::new());
        }
        let mut out: Vec<String> = self
            .query("PRAGMA integrity_check", &[])?
            .iter()
            .map(|r| r.text(0))
            .collect::<Result<_>>()?;
        out.retain(|l| l != "ok");
        for r in self.query("PRAGMA foreign_key_check", &[])? {
            out.push(format!("foreign key violated in {}", r.text(0)?));
        }
        Ok(out)
    }

    /// The engine's dialect.
    pub fn dialect(&self) -> Dialect {
        match self.engine {
            Engine::Sqlite(_) => Dialect::Sqlite,
            Engine::Postgres { .. } => Dialect::Postgres,
        }
    }

    /// What the database is, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn err(&self, e: impl Into<EngineError>) -> DbError {
        DbError::Engine {
            db: self.name.clone(),
            source: e.into(),
        }
    }

    /// Runs statements without parameters (DDL, transaction control).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        let r = match &mut self.engine {
            Engine::Sqlite(c) => c.execute_batch(sql).map_err(EngineError::from),
            Engine::Postgres { client, .. } => client.batch_execute(sql).map_err(EngineError::from),
        };
        r.map_err(|e| self.err(e))
    }

    /// Runs one statement; the number of rows it changed.
    pub fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let r = match &mut self.engine {
            Engine::Sqlite(c) => c
                .prepare_cached(sql)
                .and_then(|mut st| st.execute(rusqlite::params_from_iter(params.iter())))
                .map(|n| n as u64)
                .map_err(EngineError::from),
            Engine::Postgres { client, statements } => pg_statement(client, statements, sql)
                .and_then(|st| {
                    client
                        .execute(&st, &pg_params(params))
                        .map_err(EngineError::from)
                }),
        };
        r.map_err(|e| self.err(e))
    }

    /// Runs one query; its rows.
    pub fn query(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Row>> {
        let r = match &mut self.engine {
            Engine::Sqlite(c) => sqlite_query(c, sql, params),
            Engine::Postgres { client, statements } => pg_statement(client, statements, sql)
                .and_then(|st| {
                    let rows = client.query(&st, &pg_params(params))?;
                    rows.iter()
                        .map(|r| {
                            (0..r.len())
                                .map(|i| r.try_get::<_, Val>(i))
                                .collect::<std::result::Result<Vec<_>, _>>()
                                .map(Row)
                        })
                        .collect::<std::result::Result<Vec<_>, _>>()
                        .map_err(EngineError::from)
                }),
        };
        r.map_err(|e| self.err(e))
    }

    /// The first row of a query, if any.
    pub fn query_one(&mut self, sql: &str, params: &[Val]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs `f` in one write transaction: committed when it returns `Ok`,
    /// rolled back otherwise (and when the process dies before the commit).
    /// On SQLite the transaction takes the write lock first (`IMMEDIATE`),
    /// so what `f` reads stays true until it commits.
    pub fn transaction<T, E: From<DbError>>(
        &mut self,
        f: impl FnOnce(&mut Db) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        if self.in_tx {
            return Err(DbError::Internal("transactions do not nest").into());
        }
        self.batch(match self.dialect() {
            Dialect::Sqlite => "BEGIN IMMEDIATE",
            Dialect::Postgres => "BEGIN",
        })?;
        self.in_tx = true;
        let out = f(self);
        self.in_tx = false;
        match out {
            Ok(v) => match self.batch("COMMIT") {
                Ok(()) => {
                    self.analyze_grown(true);
                    Ok(v)
                }
                Err(e) => {
                    let _ = self.batch("ROLLBACK");
                    self.analyze_grown(false);
                    Err(e.into())
                }
            },
            Err(e) => {
                // The connection may be gone (that is often why `f`
                // failed); the server rolls back what it did not commit.
                let _ = self.batch("ROLLBACK");
                self.analyze_grown(false);
                Err(e)
            }
        }
    }

    /// After a transaction ends (`committed` or not): on PostgreSQL,
    /// `ANALYZE` of each table whose committed bulk appends reached
    /// [`ANALYZE_AFTER_ROWS`] and the rows it held when last analyzed.
    ///
    /// A table loaded in bulk is planned as if it still held what it held
    /// at its last `ANALYZE` (nothing, when new) until autovacuum analyzes
    /// it, up to a minute later and longer on a busy server; meanwhile
    /// `fleet show` reads a vehicle's models by scanning the running-models
    /// index whole instead of one range of the primary key (p50 1.61 ms
    /// against 0.64 ms on 2,000 vehicles just written; the scan grows with
    /// the fleet).
    /// PostgreSQL's guide to populating a database advises the same after
    /// a bulk load. Outside any transaction (each table in its own), so it
    /// holds no lock a concurrent writer waits on past its end.
    ///
    /// Best effort: the rows are committed whatever it does, so a failure
    /// here (a role that may not analyze the table, a lost connection) is
    /// left to autovacuum and to the next statement.
    fn analyze_grown(&mut self, committed: bool) {
        let mut due = Vec::new();
        for (table, g) in &mut self.grown {
            if committed {
                g.added += g.pending;
            }
            g.pending = 0;
            if g.added >= ANALYZE_AFTER_ROWS && g.added as f64 >= g.counted {
                due.push(*table);
            }
        }
        for table in due {
            // Analyzed, counted afresh; or given up on for this connection
            // (not tried again at every commit).
            let counted = match self.batch(&format!("ANALYZE {table}")) {
                Ok(()) => self.planner_rows(table).unwrap_or(f64::MAX),
                Err(_) => f64::MAX,
            };
            self.grown.insert(table, Growth::counted(counted));
        }
    }

    /// The rows PostgreSQL's planner counts in `table` (0 when it was
    /// never analyzed).
    fn planner_rows(&mut self, table: &str) -> Result<f64> {
        Ok(self
            .query_one(
                "SELECT reltuples::float8 FROM pg_class WHERE oid = to_regclass(?1)",
                vals![table],
            )?
            .map_or(Ok(0.0), |r| r.real(0))?
            .max(0.0))
    }

    /// Counts `rows` appended in bulk to `table` (PostgreSQL), and
    /// analyzes it when they made it outgrow the planner's count (after
    /// the transaction they were appended in commits). Best effort, like
    /// the analyze: a table whose count cannot be read is left to
    /// autovacuum (and a failure that aborted the caller's transaction
    /// fails its next statement).
    fn note_growth(&mut self, table: &'static str, rows: usize) {
        if self.dialect() != Dialect::Postgres {
            return;
        }
        if !self.grown.contains_key(table) {
            let counted = self.planner_rows(table).unwrap_or(f64::MAX);
            self.grown.insert(table, Growth::counted(counted));
        }
        if let Some(g) = self.grown.get_mut(table) {
            g.pending += rows as u64;
        }
        if !self.in_tx {
            // The COPY committed on its own.
            self.analyze_grown(true);
        }
    }

    /// `n` fresh ids for `table`'s `id` column, for rows written in bulk
    /// that refer to each other. On SQLite, under the write lock the caller's
    /// transaction holds, the ids after the largest; on PostgreSQL, values
    /// of the column's own sequence (so other writers never collide).
    pub fn reserve_ids(&mut self, table: &str, n: usize) -> Result<Vec<i64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        match self.dialect() {
            Dialect::Sqlite => {
                if !self.in_tx {
                    return Err(DbError::Internal("ids are reserved inside a transaction"));
                }
                let max = self
                    .query_one(&format!("SELECT COALESCE(MAX(id), 0) FROM {table}"), &[])?
                    .map_or(Ok(0), |r| r.int(0))?;
                Ok((1..=n as i64).map(|i| max + i).collect())
            }
            Dialect::Postgres => self
                .query(
                    &format!(
                        // The sequence looked up once, not once per id
                        // (`OFFSET 0` keeps the planner from inlining the
                        // lookup into every row).
                        "SELECT nextval(q.s) FROM
                           (SELECT CAST(pg_get_serial_sequence('{table}', 'id') AS regclass) AS s
                             OFFSET 0) q
                           CROSS JOIN generate_series(1, ?1)"
                    ),
                    &[int(n as u64)],
                )?
                .iter()
                .map(|r| r.int(0))
                .collect(),
        }
    }

    /// Sets integer columns of many rows, keyed by integer columns (`keys`:
    /// one, or a composite key in its order): `rows` are (key values in
    /// `keys` order, values in `columns` order). `NULL`-able values are
    /// `Val::Null`. SQLite runs one prepared statement per row (in process,
    /// no round trip); PostgreSQL one statement for all of them.
    pub fn update_many<K: AsRef<[i64]>>(
        &mut self,
        table: &str,
        keys: &[&str],
        columns: &[&str],
        rows: &[(K, Vec<Val>)],
    ) -> Result<()> {
        let width = keys.len() + columns.len();
        if rows
            .iter()
            .any(|(k, v)| k.as_ref().len() != keys.len() || v.len() != columns.len())
        {
            return Err(DbError::Internal(
                "an update row has a value per key and per column",
            ));
        }
        if self.dialect() == Dialect::Sqlite {
            // In process, a prepared statement per row costs no round trip,
            // and SQLite plans `UPDATE … FROM` as a scan of the table.
            let sets: Vec<String> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c} = ?{}", keys.len() + i + 1))
                .collect();
            let wheres: Vec<String> = keys
                .iter()
                .enumerate()
                .map(|(i, k)| format!("{k} = ?{}", i + 1))
                .collect();
            let sql = format!(
                "UPDATE {table} SET {} WHERE {}",
                sets.join(", "),
                wheres.join(" AND ")
            );
            let Engine::Sqlite(c) = &self.engine else {
                return Err(DbError::Internal("the dialect is the engine's"));
            };
            let r = c.prepare_cached(&sql).and_then(|mut st| {
                for (k, vals) in rows {
                    st.execute(rusqlite::params_from_iter(
                        k.as_ref()
                            .iter()
                            .map(|i| i as &dyn rusqlite::ToSql)
                            .chain(vals.iter().map(|v| v as &dyn rusqlite::ToSql)),
                    ))?;
                }
                Ok(())
            });
            return r.map_err(|e| self.err(e));
        }
        if rows.is_empty() {
            return Ok(());
        }
        // PostgreSQL: one statement whatever the number of rows, each
        // column sent as one array (`unnest` turns them back into rows).
        let mut lists: Vec<Vec<Option<i64>>> = vec![Vec::with_capacity(rows.len()); width];
        for (k, vals) in rows {
            for (list, key) in lists.iter_mut().zip(k.as_ref()) {
                list.push(Some(*key));
            }
            for (list, v) in lists[keys.len()..].iter_mut().zip(vals) {
                list.push(match v {
                    Val::Null => None,
                    Val::Int(i) => Some(*i),
                    _ => return Err(DbError::Internal("update_many sets integer columns")),
                });
            }
        }
        let key_names: Vec<String> = (0..keys.len()).map(|i| format!("k{i}")).collect();
        let names: Vec<String> = (0..columns.len()).map(|i| format!("c{i}")).collect();
        let arrays: Vec<String> = (1..=width)
            .map(|i| format!("CAST(?{i} AS BIGINT[])"))
            .collect();
        let sets: Vec<String> = columns
            .iter()
            .zip(&names)
            .map(|(c, n)| format!("{c} = v.{n}"))
            .collect();
        let wheres: Vec<String> = keys
            .iter()
            .zip(&key_names)
            .map(|(k, n)| format!("{table}.{k} = v.{n}"))
            .collect();
        let sql = format!(
            "UPDATE {table} SET {} FROM unnest({}) AS v({}, {}) WHERE {}",
            sets.join(", "),
            arrays.join(", "),
            key_names.join(", "),
            names.join(", "),
            wheres.join(" AND ")
        );
        let params: Vec<Val> = lists.into_iter().map(Val::Ints).collect();
        self.exec(&sql, &params)?;
        Ok(())
    }

    /// Runs `sql`, whose `{}` is replaced by a list of placeholders, once
    /// per [`BULK_ROWS`] values of `values`; all the rows. On PostgreSQL,
    /// `x IN ({})` over integers or texts is one statement whatever the
    /// number of values: `x = ANY(?1)`, the values bound as one array (one
    /// round trip, one plan, an index scan).
    pub fn query_in(&mut self, sql: &str, values: &[Val]) -> Result<Vec<Row>> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        if self.dialect() == Dialect::Postgres && sql.contains(" IN ({})") {
            if let Some((list, cast)) = as_list(values) {
                let sql = sql.replace(" IN ({})", &format!(" = ANY(CAST(?1 AS {cast}))"));
                return self.query(&sql, &[list]);
            }
        }
        let mut out = Vec::new();
        for chunk in values.chunks(BULK_ROWS) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("?{i}")).collect();
            out.extend(self.query(&sql.replace("{}", &marks.join(", ")), chunk)?);
        }
        Ok(out)
    }

    /// Rows appended in bulk: PostgreSQL's `COPY … FROM STDIN` (text
    /// format); on SQLite, one prepared `INSERT` per row in the caller's
    /// transaction. On PostgreSQL, a table that such appends make outgrow
    /// the planner's count of it is analyzed once they commit (see
    /// [`ANALYZE_AFTER_ROWS`]).
    pub fn copy_in(
        &mut self,
        table: &'static str,
        columns: &[&str],
        rows: &[Vec<Val>],
    ) -> Result<()> {
        self.copy_rows(table, columns, rows)?;
        self.note_growth(table, rows.len());
        Ok(())
    }

    fn copy_rows(&mut self, table: &str, columns: &[&str], rows: &[Vec<Val>]) -> Result<()> {
        match &mut self.engine {
            Engine::Sqlite(c) => {
                let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
                let sql = format!(
                    "INSERT INTO {table} ({}) VALUES ({})",
                    columns.join(", "),
                    marks.join(", ")
                );
                // Prepared once, stepped per row: no statement lookup, no
                // copy of the values.
                let r = c.prepare_cached(&sql).and_then(|mut st| {
                    for r in rows {
                        st.execute(rusqlite::params_from_iter(r.iter()))?;
                    }
                    Ok(())
                });
                r.map_err(|e| self.err(e))
            }
            Engine::Postgres { client, .. } => {
                use std::io::Write as _;
                if rows
                    .iter()
                    .flatten()
                    .any(|v| matches!(v, Val::Ints(_) | Val::Texts(_)))
                {
                    return Err(DbError::Internal("a copied row holds single values"));
                }
                let sql = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
                let mut text = Vec::with_capacity(rows.len() * 64);
                for r in rows {
                    copy_line(&mut text, r);
                }
                let name = self.name.clone();
                let pg = |e: postgres::Error| DbError::Engine {
                    db: name.clone(),
                    source: e.into(),
                };
                let mut w = client.copy_in(&sql).map_err(pg)?;
                w.write_all(&text).map_err(|e| DbError::Copy {
                    db: name.clone(),
                    source: e,
                })?;
                w.finish().map(|_| ()).map_err(pg)
            }
        }
    }
}

/// Values of one type as one PostgreSQL array, and its type: integers or
/// texts (NULLs allowed); `None` for anything else.
fn as_list(values: &[Val]) -> Option<(Val, &'static str)> {
    match values.first()? {
        Val::Int(_) => values
            .iter()
            .map(|v| match v {
                Val::Int(i) => Some(Some(*i)),
                Val::Null => Some(None),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|l| (Val::Ints(l), "BIGINT[]")),
        Val::Text(_) => values
            .iter()
            .map(|v| match v {
                Val::Text(t) => Some(Some(t.clone())),
                Val::Null => Some(None),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()
            .map(|l| (Val::Texts(l), "TEXT[]")),
        _ => None,
    }
}

fn sqlite_query(
    c: &rusqlite::Connection,
    sql: &str,
    params: &[Val],
) -> std::result::Result<Vec<Row>, EngineError> {
    let mut st = c.prepare_cached(sql)?;
    let n = st.column_count();
    let rows = st.query_map(rusqlite::params_from_iter(params.iter()), |r| {
        (0..n)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => Val::Null,
                    rusqlite::types::ValueRef::Integer(v) => Val::Int(v),
                    rusqlite::types::ValueRef::Real(v) => Val::Real(v),
                    rusqlite::types::ValueRef::Text(t) => {
                        Val::Text(String::from_utf8_lossy(t).into_owned())
                    }
                    rusqlite::types::ValueRef::Blob(b) => Val::Blob(b.to_vec()),
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()
            .map(Row)
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn pg_statement(
    client: &mut postgres::Client,
    cache: &mut HashMap<String, postgres::Statement>,
    sql: &str,
) -> std::result::Result<postgres::Statement, EngineError> {
    if let Some(st) = cache.get(sql) {
        return Ok(st.clone());
    }
    let st = client.prepare(&Dialect::Postgres.render(sql))?;
    // Bulk statements differ by their row count: keep the cache bounded.
    if cache.len() >= STATEMENT_CACHE {
        cache.clear();
    }
    cache.insert(sql.to_owned(), st.clone());
    Ok(st)
}

fn pg_params(params: &[Val]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| v as &(dyn postgres::types::ToSql + Sync))
        .collect()
}

/// One row of `COPY … FROM STDIN` text: tab-separated, `\N` for NULL,
/// backslash escapes, bytes as `\\x` hex.
fn copy_line(out: &mut Vec<u8>, row: &[Val]) {
    use std::io::Write as _;
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        match v {
            Val::Null => out.extend_from_slice(b"\\N"),
            // Written in place: no string per value.
            Val::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Val::Real(f) => {
                let _ = write!(out, "{f}");
            }
            Val::Text(s) => {
                for b in s.bytes() {
                    match b {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        _ => out.push(b),
                    }
                }
            }
            Val::Blob(b) => {
                out.extend_from_slice(b"\\\\x");
                let at = out.len();
                out.resize(at + 2 * b.len(), 0);
                let _ = hex::encode_to_slice(b, &mut out[at..]);
            }
            // Refused by `copy_in` before any row is sent.
            Val::Ints(_) | Val::Texts(_) => out.extend_from_slice(b"\\N"),
        }
    }
    out.push(b'\n');
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match self {
            Val::Null => ValueRef::Null,
            Val::Int(v) => ValueRef::Integer(*v),
            Val::Real(v) => ValueRef::Real(*v),
            Val::Text(v) => ValueRef::Text(v.as_bytes()),
            Val::Blob(v) => ValueRef::Blob(v),
            Val::Ints(_) | Val::Texts(_) => {
                return Err(rusqlite::Error::ToSqlConversionFailure(
                    "lists are bound on PostgreSQL only".into(),
                ));
            }
        }))
    }
}

type PgResult<T> = std::result::Result<T, Box<dyn std::error::Error + Sync + Send>>;

impl postgres::types::ToSql for Val {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> PgResult<postgres::types::IsNull> {
        use postgres::types::{IsNull, Type};
        let mismatch =
            || -> PgResult<IsNull> { Err(format!("a {self:?} cannot be stored as {ty}").into()) };
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(v) => match *ty {
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT8 => v.to_sql(ty, out),
                Type::FLOAT8 => (*v as f64).to_sql(ty, out),
                _ => mismatch(),
            },
            Val::Real(v) => match *ty {
                Type::FLOAT8 => v.to_sql(ty, out),
                _ => mismatch(),
            },
            Val::Text(v) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => v.to_sql(ty, out),
                _ => mismatch(),
            },
            Val::Blob(v) => match *ty {
                Type::BYTEA => v.to_sql(ty, out),
                _ => mismatch(),
            },
            Val::Ints(v) => match *ty {
                Type::INT8_ARRAY => v.to_sql(ty, out),
                _ => mismatch(),
            },
            Val::Texts(v) => match *ty {
                Type::TEXT_ARRAY => v.to_sql(ty, out),
                _ => mismatch(),
            },
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

impl<'a> postgres::types::FromSql<'a> for Val {
    fn from_sql(ty: &postgres::types::Type, raw: &'a [u8]) -> PgResult<Self> {
        use postgres::types::Type;
        Ok(match *ty {
            Type::INT2 => Val::Int(i64::from(i16::from_sql(ty, raw)?)),
            Type::INT4 => Val::Int(i64::from(i32::from_sql(ty, raw)?)),
            Type::INT8 => Val::Int(i64::from_sql(ty, raw)?),
            Type::BOOL => Val::Int(i64::from(bool::from_sql(ty, raw)?)),
            Type::FLOAT4 => Val::Real(f64::from(f32::from_sql(ty, raw)?)),
            Type::FLOAT8 => Val::Real(f64::from_sql(ty, raw)?),
            Type::BYTEA => Val::Blob(Vec::<u8>::from_sql(ty, raw)?),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                Val::Text(String::from_sql(ty, raw)?)
            }
            _ => return Err(format!("column type {ty} is not read by modelseal").into()),
        })
    }

    fn from_sql_null(_: &postgres::types::Type) -> PgResult<Self> {
        Ok(Val::Null)
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_text_escapes_and_redacted_urls() {
        let mut out = Vec::new();
        copy_line(
            &mut out,
            &[
                Val::Int(-3),
                Val::Null,
                Val::Text("a\tb\\c\nd".into()),
                Val::Blob(vec![0xde, 0xad]),
            ],
        );
        assert_eq!(out, b"-3\t\\N\ta\\tb\\\\c\\nd\t\\\\xdead\n");
        assert_eq!(
            redact("postgres://fleet:s3cret@db.local:5432/inv"),
            "postgres://fleet:***@db.local:5432/inv"
        );
        assert_eq!(redact("postgres://fleet@h/inv"), "postgres://fleet@h/inv");
        assert_eq!(
            redact("postgres:///inv?host=/tmp"),
            "postgres:///inv?host=/tmp"
        );
        assert_eq!(
            redact("postgresql:///inv?password=x&host=/tmp"),
            "postgresql:///inv?password=***&host=/tmp"
        );
    }
}
