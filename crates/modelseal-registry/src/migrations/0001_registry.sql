-- The model registry, version 1.
--
-- Written in the SQL that SQLite and PostgreSQL both run. The dialect
-- layer (src/store.rs) replaces three tokens before running it
-- (written in braces below):
--   {id}    an auto-numbered 64-bit primary key
--   {blob}  raw bytes
--   {bool}  0 or 1 (a SMALLINT on both, so the same literals work)
-- Digests are lowercase hex TEXT (64 characters): readable in any client,
-- indexable, the same on both engines. Times are seconds since the Unix
-- epoch (UTC) in BIGINT.

-- The trust roots the registry verifies against; the newest is in force.
CREATE TABLE trust_roots (
    version      BIGINT PRIMARY KEY,
    digest       TEXT NOT NULL UNIQUE,
    envelope     {blob} NOT NULL,
    recorded_at  BIGINT NOT NULL
);

-- One row per verified, registered manifest (component or system
-- configuration). `head` is the signed bundle head as it verified (root
-- chain and manifest envelope): everything below can be re-derived and
-- re-verified from it.
CREATE TABLE manifests (
    id                {id},
    digest            TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    bundle_version    TEXT NOT NULL,
    security_counter  BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    expires_at        BIGINT,
    supersedes        TEXT,
    root_version      BIGINT NOT NULL,
    target_platform   TEXT,
    target_market     TEXT,
    artifacts_checked {bool} NOT NULL,
    sbom_status       TEXT NOT NULL,
    head              {blob} NOT NULL,
    source            TEXT NOT NULL,
    registered_at     BIGINT NOT NULL
);
CREATE INDEX manifests_supersedes ON manifests (supersedes);

CREATE TABLE manifest_hardware_ids (
    manifest_id  BIGINT NOT NULL REFERENCES manifests (id),
    hardware_id  TEXT NOT NULL,
    PRIMARY KEY (manifest_id, hardware_id)
);

CREATE TABLE manifest_serials (
    manifest_id  BIGINT NOT NULL REFERENCES manifests (id),
    serial       TEXT NOT NULL,
    PRIMARY KEY (manifest_id, serial)
);

-- Keys whose signatures counted for the manifest's role.
CREATE TABLE signers (
    manifest_id  BIGINT NOT NULL REFERENCES manifests (id),
    key_id       TEXT NOT NULL,
    public_key   TEXT NOT NULL,
    role         TEXT NOT NULL,
    PRIMARY KEY (manifest_id, public_key)
);

-- Model versions: one per component of a registered manifest, and one per
-- candidate (manifest_id NULL: registered from a spec, unsigned, never
-- deployable). A later signed release of the same family and version sets
-- the candidate's superseded_by.
CREATE TABLE model_versions (
    id                    {id},
    manifest_id           BIGINT REFERENCES manifests (id),
    family                TEXT NOT NULL,
    version               TEXT NOT NULL,
    stage                 INTEGER NOT NULL,
    author                TEXT NOT NULL,
    created_at            BIGINT NOT NULL,
    training_environment  TEXT NOT NULL,
    candidate             {bool} NOT NULL,
    superseded_by         BIGINT REFERENCES manifests (id),
    source                TEXT NOT NULL,
    registered_at         BIGINT NOT NULL
);
CREATE UNIQUE INDEX model_versions_release ON model_versions (manifest_id, family);
CREATE UNIQUE INDEX model_versions_candidate ON model_versions (family, version) WHERE candidate = 1;
CREATE INDEX model_versions_family ON model_versions (family, version);

-- The eight lineage links, one row each (empty links are not stored), so
-- reverse lineage is one index lookup for any kind of link.
CREATE TABLE lineage (
    model_id  BIGINT NOT NULL REFERENCES model_versions (id),
    link      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (model_id, link)
);
CREATE INDEX lineage_value ON lineage (link, value);

CREATE TABLE tickets (
    model_id  BIGINT NOT NULL REFERENCES model_versions (id),
    ticket    TEXT NOT NULL,
    PRIMARY KEY (model_id, ticket)
);
CREATE INDEX tickets_ticket ON tickets (ticket);

CREATE TABLE metadata (
    model_id  BIGINT NOT NULL REFERENCES model_versions (id),
    mkey      TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (model_id, mkey)
);

-- Artifacts, with the distributed digest and, for an encrypted artifact,
-- the plaintext digest: either finds the release that shipped a file.
CREATE TABLE artifacts (
    manifest_id           BIGINT NOT NULL REFERENCES manifests (id),
    name                  TEXT NOT NULL,
    kind                  TEXT NOT NULL,
    size                  BIGINT NOT NULL,
    digest                TEXT NOT NULL,
    plaintext_size        BIGINT,
    plaintext_digest      TEXT,
    encryption_algorithm  TEXT,
    encryption_key_id     TEXT,
    licence               TEXT NOT NULL,
    PRIMARY KEY (manifest_id, name)
);
CREATE INDEX artifacts_digest ON artifacts (digest);
CREATE INDEX artifacts_plaintext ON artifacts (plaintext_digest);

-- The packages an SBOM artifact lists (CycloneDX or SPDX JSON).
CREATE TABLE sbom_packages (
    manifest_id  BIGINT NOT NULL REFERENCES manifests (id),
    sbom         TEXT NOT NULL,
    ordinal      INTEGER NOT NULL,
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    purl         TEXT NOT NULL,
    licences     TEXT NOT NULL,
    PRIMARY KEY (manifest_id, sbom, ordinal)
);
CREATE INDEX sbom_packages_name ON sbom_packages (name, version);
CREATE INDEX sbom_packages_purl ON sbom_packages (purl);

-- System configurations and what they bind.
CREATE TABLE configs (
    manifest_id       BIGINT PRIMARY KEY REFERENCES manifests (id),
    config_id         TEXT NOT NULL,
    config_version    TEXT NOT NULL,
    vehicle_platform  TEXT NOT NULL,
    sensor_set        TEXT NOT NULL,
    market            TEXT NOT NULL
);
CREATE INDEX configs_id ON configs (config_id, config_version);

CREATE TABLE config_ecus (
    manifest_id       BIGINT NOT NULL REFERENCES manifests (id),
    name              TEXT NOT NULL,
    hardware_id       TEXT NOT NULL,
    software_version  TEXT NOT NULL,
    software_digest   TEXT,
    PRIMARY KEY (manifest_id, name)
);

CREATE TABLE config_models (
    manifest_id      BIGINT NOT NULL REFERENCES manifests (id),
    ecu              TEXT NOT NULL,
    family           TEXT NOT NULL,
    version          TEXT NOT NULL,
    manifest_digest  TEXT NOT NULL,
    PRIMARY KEY (manifest_id, ecu, family)
);
CREATE INDEX config_models_digest ON config_models (manifest_digest);
CREATE INDEX config_models_family ON config_models (family, version);

CREATE TABLE config_middleware (
    manifest_id  BIGINT NOT NULL REFERENCES manifests (id),
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    digest       TEXT,
    PRIMARY KEY (manifest_id, name)
);

CREATE TABLE config_parameter_sets (
    manifest_id      BIGINT NOT NULL REFERENCES manifests (id),
    name             TEXT NOT NULL,
    vehicle_variant  TEXT NOT NULL,
    sensor_set       TEXT NOT NULL,
    market           TEXT NOT NULL,
    digest           TEXT NOT NULL,
    PRIMARY KEY (manifest_id, name)
);

-- Signed, append-only stage events (promotions, withdrawals).
CREATE TABLE stage_events (
    id               {id},
    digest           TEXT NOT NULL UNIQUE,
    family           TEXT NOT NULL,
    version          TEXT NOT NULL,
    manifest_digest  TEXT NOT NULL,
    action           TEXT NOT NULL,
    stage            INTEGER NOT NULL,
    actor            TEXT NOT NULL,
    at               BIGINT NOT NULL,
    reason           TEXT NOT NULL,
    root_version     BIGINT NOT NULL,
    signers          TEXT NOT NULL,
    envelope         {blob} NOT NULL,
    recorded_at      BIGINT NOT NULL
);
CREATE INDEX stage_events_version ON stage_events (family, version, at);

-- Signed evaluation results (simulation, HiL, release gate).
CREATE TABLE evaluations (
    id               {id},
    digest           TEXT NOT NULL UNIQUE,
    family           TEXT NOT NULL,
    version          TEXT NOT NULL,
    manifest_digest  TEXT NOT NULL,
    suite_kind       TEXT NOT NULL,
    suite_id         TEXT NOT NULL,
    result_id        TEXT NOT NULL,
    verdict          TEXT NOT NULL,
    link             TEXT NOT NULL,
    evaluator        TEXT NOT NULL,
    at               BIGINT NOT NULL,
    root_version     BIGINT NOT NULL,
    signers          TEXT NOT NULL,
    envelope         {blob} NOT NULL,
    recorded_at      BIGINT NOT NULL
);
CREATE INDEX evaluations_version ON evaluations (family, version, at);

-- Where each kind of lineage link resolves: a URL template (src/resolve.rs).
CREATE TABLE resolvers (
    link      TEXT PRIMARY KEY,
    template  TEXT NOT NULL
);
