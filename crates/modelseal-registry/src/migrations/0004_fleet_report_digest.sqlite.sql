-- 0004 on SQLite: `reports` rebuilt without the digest's UNIQUE (SQLite's
-- procedure for a table change ALTER TABLE cannot make: new table, copy,
-- drop, rename). Run with foreign keys off; `installs` refers to
-- `reports` by name and finds the new table under it.
CREATE TABLE reports_new (
    id               INTEGER PRIMARY KEY,
    ecu_id           BIGINT NOT NULL REFERENCES ecus (id),
    digest           TEXT NOT NULL,
    sequence         BIGINT NOT NULL,
    key_id           TEXT NOT NULL,
    reported_time    BIGINT,
    received_at      BIGINT NOT NULL,
    observed_at      BIGINT NOT NULL,
    manifest_digest  TEXT NOT NULL,
    known_manifest   SMALLINT NOT NULL,
    body             BLOB NOT NULL,
    UNIQUE (ecu_id, sequence)
);
INSERT INTO reports_new SELECT * FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
