-- The fleet inventory, version 5: an install names its bundle by id.
--
-- An install row carried the bundle it runs as reported: the manifest
-- digest, kind and version, and the configuration's id, version and
-- digest (about 170 bytes, two digests of them in hex), and the partial
-- index of the installs running now held the manifest digest again. A
-- fleet runs few bundles and has many installs (the benchmark's 600,000
-- installs run 32), so a bundle, as reported, is now a row of `bundles`,
-- and an install keeps its id (8 bytes). Which bundles match a manifest,
-- a configuration or a package is a lookup among the few; which installs
-- run them is one range of `installs_bundle` each.
--
-- A bundle row is everything a report said of the bundle. The
-- configuration's three fields are present together or absent together
-- (a report binds to a configuration or does not), and a present digest
-- is 64 hex digits (both checked), so an absent configuration is told
-- apart from any present one by COALESCE to '' in the unique index.
CREATE TABLE bundles (
    id               {id},
    manifest_digest  TEXT NOT NULL,
    kind             TEXT NOT NULL,
    bundle_version   TEXT NOT NULL,
    config_id        TEXT,
    config_version   TEXT,
    config_digest    TEXT,
    CHECK ((config_id IS NULL) = (config_digest IS NULL)
       AND (config_version IS NULL) = (config_digest IS NULL)),
    CHECK (config_digest IS NULL OR length(config_digest) = 64)
);
CREATE UNIQUE INDEX bundles_reported ON bundles (manifest_digest, kind, bundle_version,
    COALESCE(config_id, ''), COALESCE(config_version, ''), COALESCE(config_digest, ''));
CREATE INDEX bundles_config ON bundles (config_id, config_version);
INSERT INTO bundles (manifest_digest, kind, bundle_version, config_id, config_version, config_digest)
    SELECT DISTINCT manifest_digest, kind, bundle_version, config_id, config_version, config_digest
      FROM installs;
DROP INDEX installs_manifest;
DROP INDEX installs_config;
{installs_by_bundle}
CREATE INDEX installs_bundle ON installs (bundle_id) WHERE until IS NULL;
