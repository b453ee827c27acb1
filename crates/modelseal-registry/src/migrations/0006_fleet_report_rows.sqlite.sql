-- 0006 on SQLite: `reports` rebuilt with the columns it keeps (new table,
-- copy, drop, rename; as 0004). `installs` refers to `reports` by name
-- and finds the new table under it.
CREATE TABLE reports_new (
    id           INTEGER PRIMARY KEY,
    ecu_id       BIGINT NOT NULL REFERENCES ecus (id),
    sequence     BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    body         BLOB NOT NULL,
    UNIQUE (ecu_id, sequence)
);
INSERT INTO reports_new (id, ecu_id, sequence, received_at, body)
    SELECT id, ecu_id, sequence, received_at, body FROM reports;
DROP TABLE reports;
ALTER TABLE reports_new RENAME TO reports;
