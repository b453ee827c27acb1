-- The fleet inventory, version 1: vehicles, the ECUs fitted in them and
-- their device keys (with history), what each vehicle should run, what
-- each ECU reported it runs (and from when to when), incidents, and
-- results from the road.
--
-- Same conventions as 0001 (tokens, hex digests, times in seconds since
-- the Unix epoch). Nothing here is updated in place except the pointers
-- and counters marked "current": history is rows with a start and an end.

CREATE TABLE vehicles (
    id             {id},
    vin            TEXT NOT NULL UNIQUE,
    enrolled_at    BIGINT NOT NULL,
    -- current: the assignment in force (assignments.id), if any
    assignment_id  BIGINT
);

-- One row per ECU fitted in a position of a vehicle. A replacement (a new
-- serial in the same position) ends the old row (removed_at) and adds one.
CREATE TABLE ecus (
    id               {id},
    vehicle_id       BIGINT NOT NULL REFERENCES vehicles (id),
    position         TEXT NOT NULL,
    hardware_id      TEXT NOT NULL,
    serial           TEXT NOT NULL,
    fitted_at        BIGINT NOT NULL,
    removed_at       BIGINT,
    -- current: the last report sequence accepted and what it runs now
    last_sequence    BIGINT,
    current_install  BIGINT
);
CREATE UNIQUE INDEX ecus_fitted_position ON ecus (vehicle_id, position) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX ecus_fitted_serial ON ecus (hardware_id, serial) WHERE removed_at IS NULL;
CREATE INDEX ecus_serial ON ecus (serial, hardware_id);
CREATE INDEX ecus_vehicle ON ecus (vehicle_id, position);

-- Device keys. Rotation retires the old key, revocation revokes it; both
-- are kept. A report is checked with the one key that is neither.
CREATE TABLE ecu_keys (
    id          {id},
    ecu_id      BIGINT NOT NULL REFERENCES ecus (id),
    algorithm   TEXT NOT NULL,
    public_key  {blob} NOT NULL,
    key_id      TEXT NOT NULL,
    added_at    BIGINT NOT NULL,
    retired_at  BIGINT,
    revoked_at  BIGINT,
    reason      TEXT
);
CREATE UNIQUE INDEX ecu_keys_in_force ON ecu_keys (ecu_id) WHERE retired_at IS NULL AND revoked_at IS NULL;
CREATE INDEX ecu_keys_ecu ON ecu_keys (ecu_id);

-- What a vehicle should run: the system configuration prescribed, with
-- history (vehicles.assignment_id points at the one in force).
CREATE TABLE assignments (
    id              {id},
    vehicle_id      BIGINT NOT NULL REFERENCES vehicles (id),
    config_digest   TEXT NOT NULL,
    config_id       TEXT,
    config_version  TEXT,
    assigned_at     BIGINT NOT NULL,
    reason          TEXT NOT NULL
);
CREATE INDEX assignments_vehicle ON assignments (vehicle_id, assigned_at);

-- Every accepted version report, as signed.
CREATE TABLE reports (
    id               {id},
    ecu_id           BIGINT NOT NULL REFERENCES ecus (id),
    digest           TEXT NOT NULL UNIQUE,
    sequence         BIGINT NOT NULL,
    key_id           TEXT NOT NULL,
    reported_time    BIGINT,
    received_at      BIGINT NOT NULL,
    observed_at      BIGINT NOT NULL,
    manifest_digest  TEXT NOT NULL,
    known_manifest   {bool} NOT NULL,
    body             {blob} NOT NULL,
    UNIQUE (ecu_id, sequence)
);

-- What an ECU ran, from `since` until `until` (NULL: still), as its
-- reports said. A new manifest (or configuration) ends the interval.
CREATE TABLE installs (
    id               {id},
    ecu_id           BIGINT NOT NULL REFERENCES ecus (id),
    vehicle_id       BIGINT NOT NULL REFERENCES vehicles (id),
    manifest_digest  TEXT NOT NULL,
    kind             TEXT NOT NULL,
    bundle_version   TEXT NOT NULL,
    config_id        TEXT,
    config_version   TEXT,
    config_digest    TEXT,
    known_manifest   {bool} NOT NULL,
    since            BIGINT NOT NULL,
    until            BIGINT,
    first_report     BIGINT NOT NULL REFERENCES reports (id),
    last_report      BIGINT NOT NULL REFERENCES reports (id)
);
CREATE INDEX installs_ecu ON installs (ecu_id, since);
CREATE INDEX installs_vehicle ON installs (vehicle_id, since);
CREATE INDEX installs_manifest ON installs (manifest_digest) WHERE until IS NULL;
CREATE INDEX installs_config ON installs (config_id, config_version) WHERE until IS NULL;

-- The model versions of an install (denormalised vehicle and interval, so
-- "which vehicles run F@V (at T)" is one index range).
CREATE TABLE install_models (
    install_id  BIGINT NOT NULL REFERENCES installs (id),
    vehicle_id  BIGINT NOT NULL,
    family      TEXT NOT NULL,
    version     TEXT NOT NULL,
    stage       TEXT NOT NULL,
    since       BIGINT NOT NULL,
    until       BIGINT,
    PRIMARY KEY (install_id, family)
);
CREATE INDEX install_models_running ON install_models (family, version, vehicle_id) WHERE until IS NULL;
CREATE INDEX install_models_history ON install_models (family, version, since);

-- current: per vehicle and model version, how many of its ECUs run it now;
-- and per model version, how many vehicles. Kept in the same transaction
-- as the installs, so a count is one row, not a scan of the fleet.
CREATE TABLE running (
    family      TEXT NOT NULL,
    version     TEXT NOT NULL,
    vehicle_id  BIGINT NOT NULL,
    ecus        BIGINT NOT NULL,
    PRIMARY KEY (family, version, vehicle_id)
);
CREATE TABLE running_counts (
    family    TEXT NOT NULL,
    version   TEXT NOT NULL,
    vehicles  BIGINT NOT NULL,
    PRIMARY KEY (family, version)
);

-- Incidents, and what every ECU of the vehicle ran at that time (the
-- snapshot taken when the incident was recorded).
CREATE TABLE incidents (
    id           {id},
    vehicle_id   BIGINT NOT NULL REFERENCES vehicles (id),
    at           BIGINT NOT NULL,
    kind         TEXT NOT NULL,
    external_id  TEXT NOT NULL UNIQUE,
    odd          TEXT NOT NULL,
    summary      TEXT NOT NULL,
    recorded_at  BIGINT NOT NULL
);
CREATE INDEX incidents_vehicle ON incidents (vehicle_id, at);
CREATE TABLE incident_installs (
    incident_id  BIGINT NOT NULL REFERENCES incidents (id),
    ecu_id       BIGINT NOT NULL REFERENCES ecus (id),
    install_id   BIGINT REFERENCES installs (id),
    PRIMARY KEY (incident_id, ecu_id)
);
CREATE INDEX incident_installs_install ON incident_installs (install_id);

-- Results from the road (monitoring summaries) per deployed model version.
CREATE TABLE online_results (
    id            {id},
    family        TEXT NOT NULL,
    version       TEXT NOT NULL,
    metric        TEXT NOT NULL,
    value         {real} NOT NULL,
    window_start  BIGINT NOT NULL,
    window_end    BIGINT NOT NULL,
    source        TEXT NOT NULL,
    recorded_at   BIGINT NOT NULL,
    UNIQUE (family, version, metric, window_start, window_end, source)
);
