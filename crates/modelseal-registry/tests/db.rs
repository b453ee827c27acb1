//! The database layer on both engines: the same migrations, the same
//! statements, values of every type through each engine's own types, a
//! transaction rolled back on error, a uniqueness conflict recognised, bulk
//! rows, and a server that goes away said as such. PostgreSQL is a real
//! server (tests/pg).

mod pg;

use modelseal_registry::db::{ANALYZE_AFTER_ROWS, Db, DbError, Val, int};
use modelseal_registry::store::MIGRATIONS;
use modelseal_registry::vals;

const RESULT_COLUMNS: [&str; 8] = [
    "family",
    "version",
    "metric",
    "value",
    "window_start",
    "window_end",
    "source",
    "recorded_at",
];

/// `n` rows of `online_results` from `from`, with text that needs escaping.
fn results(from: u64, n: u64) -> Vec<Vec<Val>> {
    (from..from + n)
        .map(|i| {
            vals![
                format!("family\t{i}\\x\n"),
                format!("v{i}"),
                "m",
                1.5_f64,
                int(i),
                int(i + 1),
                "src",
                int(0)
            ]
            .to_vec()
        })
        .collect()
}

fn exercise(db: &mut Db) {
    let known = MIGRATIONS.last().map(|m| m.0).unwrap();
    assert_eq!(db.schema_version().unwrap(), known);
    // SMALLINT, INTEGER and BIGINT columns all take a `Val::Int`; bytes,
    // text and NULL round-trip.
    db.transaction(|db| -> Result<(), DbError> {
        db.exec(
            "INSERT INTO manifests (digest, kind, bundle_version, security_counter, created_at,
                 root_version, artifacts_checked, sbom_status, head, source, registered_at)
             VALUES (?1, 'component', 'v1', ?2, 0, 1, ?3, 'none', ?4, 'test', 0)",
            vals!["d1", int(u64::from(u32::MAX) + 7), true, vec![0u8, 255, 9]],
        )?;
        db.exec(
            "INSERT INTO model_versions (manifest_id, family, version, stage, author, created_at,
                 training_environment, candidate, source, registered_at)
             VALUES ((SELECT id FROM manifests WHERE digest = ?1), 'f', 'v', ?2, 'a', 0, '', ?3, 't', 0)",
            vals!["d1", 3_i64, false],
        )?;
        Ok(())
    })
    .unwrap();
    let r = db
        .query_one(
            "SELECT m.security_counter, m.artifacts_checked, m.head, mv.stage, m.expires_at, m.kind
               FROM manifests m JOIN model_versions mv ON mv.manifest_id = m.id WHERE m.digest = ?1",
            vals!["d1"],
        )
        .unwrap()
        .unwrap();
    assert_eq!(r.u64(0).unwrap(), u64::from(u32::MAX) + 7);
    assert_eq!(r.int(1).unwrap(), 1);
    assert_eq!(r.blob(2).unwrap(), vec![0u8, 255, 9]);
    assert_eq!(r.int(3).unwrap(), 3);
    assert_eq!(r.opt_int(4).unwrap(), None);
    assert_eq!(r.text(5).unwrap(), "component");
    // A failing transaction leaves nothing behind.
    let failed = db.transaction(|db| -> Result<(), DbError> {
        db.exec(
            "INSERT INTO resolvers (link, template) VALUES (?1, ?2)",
            vals!["experiment_id", "x/{id}"],
        )?;
        db.exec(
            "INSERT INTO resolvers (link, template) VALUES (?1, ?2)",
            vals!["experiment_id", "y/{id}"],
        )?;
        Ok(())
    });
    let e = failed.expect_err("a duplicate key");
    assert!(e.is_conflict(), "{e}");
    let n = db
        .query_one("SELECT COUNT(*) FROM resolvers", &[])
        .unwrap()
        .unwrap();
    assert_eq!(n.int(0).unwrap(), 0);
    // Bulk rows, with text that needs escaping.
    let rows = results(0, 500);
    db.transaction(|db| db.copy_in("online_results", &RESULT_COLUMNS, &rows))
        .unwrap();
    let back = db
        .query(
            "SELECT family, value FROM online_results WHERE version = ?1",
            vals!["v7"],
        )
        .unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].text(0).unwrap(), "family\t7\\x\n");
    assert_eq!(back[0].real(1).unwrap(), 1.5);
}

#[test]
fn the_same_statements_on_sqlite_and_postgresql() {
    let d = tempfile::tempdir().unwrap();
    let mut lite = Db::open(d.path().join("r.db").to_str().unwrap(), true).unwrap();
    exercise(&mut lite);
    assert!(lite.integrity_problems().unwrap().is_empty());
    // Opened again: nothing to migrate, the rows are there.
    drop(lite);
    let mut again = Db::open(d.path().join("r.db").to_str().unwrap(), false).unwrap();
    assert_eq!(
        again
            .query_one("SELECT COUNT(*) FROM online_results", &[])
            .unwrap()
            .unwrap()
            .int(0)
            .unwrap(),
        500
    );

    let server = pg::Postgres::start();
    let url = server.database();
    let mut pg = Db::open(&url, true).unwrap();
    exercise(&mut pg);
    // Two processes opening a new database at once migrate it once.
    let url2 = server.database();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let u = url2.clone();
            std::thread::spawn(move || Db::open(&u, true).map(|_| ()))
        })
        .collect();
    for h in handles {
        h.join().unwrap().unwrap();
    }
    let mut one = Db::open(&url2, true).unwrap();
    let rows = one
        .query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        )
        .unwrap();
    assert_eq!(rows.len(), MIGRATIONS.len());
}

#[test]
fn refusals_name_the_database_and_a_lost_server() {
    let d = tempfile::tempdir().unwrap();
    // Not a database.
    let junk = d.path().join("junk.db");
    std::fs::write(&junk, vec![0x42; 8192]).unwrap();
    let e = Db::open(junk.to_str().unwrap(), true).unwrap_err();
    assert!(matches!(e, DbError::NotModelseal { .. }), "{e}");
    assert!(e.to_string().contains("not a database file"), "{e}");
    // Someone else's database.
    let other = d.path().join("other.db");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (a INTEGER)")
        .unwrap();
    let e = Db::open(other.to_str().unwrap(), true).unwrap_err();
    assert!(e.to_string().contains("other tables"), "{e}");
    // Missing, without create.
    let e = Db::open(d.path().join("none.db").to_str().unwrap(), false).unwrap_err();
    assert!(e.to_string().contains("no such file"), "{e}");

    let mut server = pg::Postgres::start();
    let url = server.database();
    let mut db = Db::open(&url, true).unwrap();
    server.kill();
    let e = db.query("SELECT 1", &[]).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("closed the connection") || text.contains("lost the connection"),
        "{text}"
    );
    // The password of a URL never appears in a message.
    let e = Db::open("postgresql://u:hunter2@%2Fnonexistent-dir/x", true).unwrap_err();
    assert!(!e.to_string().contains("hunter2"), "{e}");
    server.run();
    let mut back = Db::open(&url, true).unwrap();
    assert!(back.query("SELECT 1", &[]).is_ok());
}

/// On PostgreSQL, a table that committed bulk appends make outgrow the
/// planner's count of it (at least `ANALYZE_AFTER_ROWS`, and at least as
/// many rows as it held when last analyzed) is analyzed as they commit:
/// a table loaded in bulk is not planned as if it were still empty. Fewer
/// rows, slower growth and appends rolled back are left to autovacuum
/// (switched off for this table here, so that only the connection's own
/// `ANALYZE` can change the count).
#[test]
fn bulk_loads_that_outgrow_the_planners_count_are_analyzed() {
    let server = pg::Postgres::start();
    let mut db = Db::open(&server.database(), true).unwrap();
    db.batch("ALTER TABLE online_results SET (autovacuum_enabled = false)")
        .unwrap();
    let counted = |db: &mut Db| {
        db.query_one(
            "SELECT reltuples::float8 FROM pg_class WHERE oid = 'online_results'::regclass",
            &[],
        )
        .unwrap()
        .unwrap()
        .real(0)
        .unwrap()
    };
    let n = ANALYZE_AFTER_ROWS;
    let copy = |db: &mut Db, from: u64, rows: u64| {
        db.transaction(|db| db.copy_in("online_results", &RESULT_COLUMNS, &results(from, rows)))
    };
    // Never analyzed: PostgreSQL counts -1.
    assert_eq!(counted(&mut db), -1.0);
    // One row short of the threshold: left alone.
    copy(&mut db, 0, n - 1).unwrap();
    assert_eq!(counted(&mut db), -1.0);
    // Appends rolled back count for nothing.
    let failed = db.transaction(|db| {
        db.copy_in("online_results", &RESULT_COLUMNS, &results(n, n))?;
        Err::<(), _>(DbError::Internal("refused after the copy"))
    });
    assert!(failed.is_err());
    assert_eq!(counted(&mut db), -1.0);
    // The row that reaches it: analyzed as it commits.
    copy(&mut db, 2 * n, 1).unwrap();
    assert_eq!(counted(&mut db), n as f64);
    // Half as many again: the table has not doubled since.
    copy(&mut db, 3 * n, n / 2).unwrap();
    assert_eq!(counted(&mut db), n as f64);
    // The other half: doubled, analyzed again.
    copy(&mut db, 4 * n, n - n / 2).unwrap();
    assert_eq!(counted(&mut db), 2.0 * n as f64);
    // Outside a transaction a COPY commits on its own, and counts so.
    db.copy_in("online_results", &RESULT_COLUMNS, &results(5 * n, 2 * n))
        .unwrap();
    assert_eq!(counted(&mut db), 4.0 * n as f64);
    // SQLite has no such count to keep: the same appends change nothing
    // there but the rows.
    let d = tempfile::tempdir().unwrap();
    let mut lite = Db::open(d.path().join("r.db").to_str().unwrap(), true).unwrap();
    copy(&mut lite, 0, n).unwrap();
    let stats = lite
        .query_one(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'",
            &[],
        )
        .unwrap()
        .unwrap();
    assert_eq!(stats.int(0).unwrap(), 0);
}
