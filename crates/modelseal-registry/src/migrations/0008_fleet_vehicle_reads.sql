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
-- `installs_running` holds, per vehicle and ECU, what `show` says of the
-- install running now (bundle, known flag, since, last sequence and time),
-- so a vehicle's current installs are one range of one index. It is
-- partial (`until IS NULL`): one entry per fitted ECU that has reported.
--
-- `install_models` is keyed by vehicle first, so one vehicle's models are
-- one range of its primary key (SQLite keeps a WITHOUT ROWID table in that
-- order; PostgreSQL's primary key index changes with it). Every lookup of
-- an install's models knows the install's vehicle.
{install_models_by_vehicle}
CREATE INDEX installs_running ON installs (vehicle_id, ecu_id, id, bundle_id, known_manifest,
    since, until, last_sequence, last_observed_at) WHERE until IS NULL;
