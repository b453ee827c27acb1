-- The fleet inventory's write path, version 1: storage settings only (no
-- table, column or constraint changes), for PostgreSQL. SQLite has no
-- such settings; there this migration does nothing.
--
-- `ecus` rows are updated by every accepted report (last sequence,
-- current install). With room left in each page, the new row version
-- goes in the same page and no index is touched (a heap-only update);
-- without it, each update writes a new entry in all five of the table's
-- indexes. Pages written from now on keep half their room free.
{postgres_fleet_storage}
