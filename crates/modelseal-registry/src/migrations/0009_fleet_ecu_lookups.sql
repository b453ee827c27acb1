-- The fleet inventory, version 7: one index on an ECU's serial where there
-- were two; on PostgreSQL, room on an ECU's page for its first report.
--
-- Enrolment and ingest find the ECUs fitted now by serial (any hardware
-- id: a serial enrolled under another hardware id or vehicle is refused
-- by name), which the full index `ecus_serial (serial, hardware_id)`
-- served, while the unique index on the fitted ECUs, `ecus_fitted_serial`,
-- held the same two columns the other way round. Every ECU was in both:
-- at 1,000,000 vehicles x 30 ECUs, 30,000,000 entries each (on
-- PostgreSQL 2.0 and 1.1 GiB of the 16.3 GiB of tables and indexes
-- enrolment wrote).
--
-- The unique index now leads with the serial, so it is the lookup and the
-- constraint at once (uniqueness does not depend on the columns' order).
-- Removed ECUs are looked up only to say why a report of theirs is
-- refused ("was removed from VIN …"); they keep an index of their own,
-- which holds only them (replacements are few).
DROP INDEX ecus_fitted_serial;
CREATE UNIQUE INDEX ecus_fitted_serial ON ecus (serial, hardware_id) WHERE removed_at IS NULL;
DROP INDEX ecus_serial;
CREATE INDEX ecus_removed_serial ON ecus (hardware_id, serial) WHERE removed_at IS NOT NULL;

-- PostgreSQL: an ECU's row grows at its first report (its last sequence,
-- running install and last report time were NULL, which take no room),
-- and a vehicle's ECUs, enrolled together, share pages and first report
-- in one batch, one transaction: the versions they replace are not dead
-- until it commits. At fillfactor 50 (migration 3) a page of ECUs did
-- not hold all of their first updates: on the 1,000,000-vehicle
-- benchmark 6,000,000 of 30,100,000 ECU updates (20 %) left the page and
-- added an entry to each of the table's five indexes (its primary key and
-- both vehicle indexes grew from 0.7 and 0.9 GiB to 1.2 and 1.7 GiB).
-- Pages filled to 40 % hold their rows' grown versions too (every update
-- of the 20,000-vehicle benchmark stays in its page). Applies to pages
-- written from now on.
{postgres_ecus_room}
