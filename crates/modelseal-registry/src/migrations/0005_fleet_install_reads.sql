-- The fleet inventory, version 3: what a vehicle runs now is read without
-- the reports, and an install's models are one lookup.
--
-- An install carries the sequence and the time of its last report (set
-- with `last_report`, which stays: the signed report behind them), so
-- `fleet show`, `--at` and the incident walk no longer read `reports`
-- (the largest table, one row per report ever accepted) to say when an
-- ECU last reported. Existing installs take them from their last report.
--
-- On SQLite, `install_models` and `running` are rebuilt WITHOUT ROWID:
-- each was a table and an index on its primary key holding most of the
-- same bytes; now the rows live in the primary key's order, so an
-- install's models are one range of one tree (one B-tree fewer written per
-- model row, read per `show`, and on disk). PostgreSQL keeps its heap
-- tables.
--
-- `install_models_history` (a model version's installs by start) also
-- holds their end and vehicle, so "which vehicles ran F@V at T" is read
-- from the index alone instead of looking up every install of the version
-- in the table (one random read each once the table outgrows memory).
ALTER TABLE installs ADD COLUMN last_sequence BIGINT;
ALTER TABLE installs ADD COLUMN last_observed_at BIGINT;
UPDATE installs SET last_sequence = r.sequence, last_observed_at = r.observed_at
  FROM reports r WHERE r.id = installs.last_report;
{fleet_without_rowid}
DROP INDEX IF EXISTS install_models_history;
CREATE INDEX install_models_history ON install_models (family, version, since, until, vehicle_id);
