-- 0005 on SQLite: `install_models` and `running` rebuilt WITHOUT ROWID
-- (new table, copy, drop, rename; every column, constraint and
-- `install_models_running` as in 0002; 0005 itself makes
-- `install_models_history`). Run with foreign keys off, checked before
-- the commit (`Db::migrate`); nothing refers to either table.
CREATE TABLE install_models_new (
    install_id  BIGINT NOT NULL REFERENCES installs (id),
    vehicle_id  BIGINT NOT NULL,
    family      TEXT NOT NULL,
    version     TEXT NOT NULL,
    stage       TEXT NOT NULL,
    since       BIGINT NOT NULL,
    until       BIGINT,
    PRIMARY KEY (install_id, family)
) WITHOUT ROWID;
INSERT INTO install_models_new (install_id, vehicle_id, family, version, stage, since, until)
    SELECT install_id, vehicle_id, family, version, stage, since, until FROM install_models;
DROP TABLE install_models;
ALTER TABLE install_models_new RENAME TO install_models;
CREATE INDEX install_models_running ON install_models (family, version, vehicle_id) WHERE until IS NULL;

CREATE TABLE running_new (
    family      TEXT NOT NULL,
    version     TEXT NOT NULL,
    vehicle_id  BIGINT NOT NULL,
    ecus        BIGINT NOT NULL,
    PRIMARY KEY (family, version, vehicle_id)
) WITHOUT ROWID;
INSERT INTO running_new (family, version, vehicle_id, ecus)
    SELECT family, version, vehicle_id, ecus FROM running;
DROP TABLE running;
ALTER TABLE running_new RENAME TO running;
