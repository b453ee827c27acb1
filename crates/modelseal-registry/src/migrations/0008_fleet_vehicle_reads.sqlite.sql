-- 0008 on SQLite: `install_models` rebuilt WITHOUT ROWID with the vehicle
-- first in its primary key (new table, copy, drop, rename; as 0005), and
-- its two indexes made again as 0005 left them. Nothing refers to it.
CREATE TABLE install_models_new (
    install_id  BIGINT NOT NULL REFERENCES installs (id),
    vehicle_id  BIGINT NOT NULL,
    family      TEXT NOT NULL,
    version     TEXT NOT NULL,
    stage       TEXT NOT NULL,
    since       BIGINT NOT NULL,
    until       BIGINT,
    PRIMARY KEY (vehicle_id, install_id, family)
) WITHOUT ROWID;
INSERT INTO install_models_new (install_id, vehicle_id, family, version, stage, since, until)
    SELECT install_id, vehicle_id, family, version, stage, since, until FROM install_models;
DROP TABLE install_models;
ALTER TABLE install_models_new RENAME TO install_models;
CREATE INDEX install_models_running ON install_models (family, version, vehicle_id) WHERE until IS NULL;
CREATE INDEX install_models_history ON install_models (family, version, since, until, vehicle_id);
