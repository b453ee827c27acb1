-- 0007 on SQLite: `installs` rebuilt with its bundle's id in place of the
-- bundle's fields (new table, copy, drop, rename; as 0004 and 0006), the
-- same ids. `ecus`, `install_models` and `incident_installs` refer to
-- `installs` by name and find the new table under it.
CREATE TABLE installs_new (
    id                INTEGER PRIMARY KEY,
    ecu_id            BIGINT NOT NULL REFERENCES ecus (id),
    vehicle_id        BIGINT NOT NULL REFERENCES vehicles (id),
    bundle_id         BIGINT NOT NULL REFERENCES bundles (id),
    known_manifest    SMALLINT NOT NULL,
    since             BIGINT NOT NULL,
    until             BIGINT,
    first_report      BIGINT NOT NULL REFERENCES reports (id),
    last_report       BIGINT NOT NULL REFERENCES reports (id),
    last_sequence     BIGINT,
    last_observed_at  BIGINT
);
INSERT INTO installs_new (id, ecu_id, vehicle_id, bundle_id, known_manifest, since, until,
                          first_report, last_report, last_sequence, last_observed_at)
    SELECT i.id, i.ecu_id, i.vehicle_id, b.id, i.known_manifest, i.since, i.until,
           i.first_report, i.last_report, i.last_sequence, i.last_observed_at
      FROM installs i JOIN bundles b
        ON b.manifest_digest = i.manifest_digest AND b.kind = i.kind
       AND b.bundle_version = i.bundle_version
       AND COALESCE(b.config_id, '') = COALESCE(i.config_id, '')
       AND COALESCE(b.config_version, '') = COALESCE(i.config_version, '')
       AND COALESCE(b.config_digest, '') = COALESCE(i.config_digest, '');
DROP TABLE installs;
ALTER TABLE installs_new RENAME TO installs;
CREATE INDEX installs_ecu ON installs (ecu_id, since);
CREATE INDEX installs_vehicle ON installs (vehicle_id, since);
