-- The fleet inventory, version 6: what one vehicle runs now is read from a
-- few pages.
--
-- Reports reach the inventory in arrival order, and a vehicle's ECUs
-- report among thousands of other vehicles' ECUs, so a vehicle's installs
-- (appended in that order) and their models (kept in install order) were
-- spread over as many pages as the vehicle has ECUs. `fleet show` read
-- each of them: about 60 random reads for 30 ECUs once the inventory
-- outgrows memory (the 1,000,000-vehicle benchmark: p99 18.9 ms).
--
-- `installs_running` holds, per vehicle and ECU, the running install's
-- bundle, known flag and start, so a vehicle's current installs are one
-- range of one index (partial, `until IS NULL`: one entry per fitted ECU
-- that has reported). An entry changes when an install begins or ends,
-- not with every report: the sequence and time of the last report, which
-- every report changes, are read from the ECU's row (`last_sequence`
-- already, `last_observed_at` from now on), which `show` reads anyway and
-- each report already updates. They are the current install's: a report
-- either extends the current install or begins the next.
--
-- `install_models` is keyed by vehicle first, so one vehicle's models are
-- one range of its primary key (SQLite keeps a WITHOUT ROWID table in that
-- order; PostgreSQL's primary key index changes with it). Every lookup of
-- an install's models knows the install's vehicle.
ALTER TABLE ecus ADD COLUMN last_observed_at BIGINT;
UPDATE ecus SET last_observed_at = i.last_observed_at
  FROM installs i WHERE i.id = ecus.current_install;
{install_models_by_vehicle}
CREATE INDEX installs_running ON installs (vehicle_id, ecu_id, id, bundle_id, known_manifest,
    since, until) WHERE until IS NULL;
