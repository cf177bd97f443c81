-- A heartbeat writes last_seen and heartbeat_sequence, thousands of times a second across a fleet. While an index
-- contained last_seen (the sweeper's two partial indexes of V9), every heartbeat was a non-HOT update: a new tuple
-- plus an entry in each of the table's ten indexes, the two GIN ones included, whose pending lists then flushed
-- inside some unlucky heartbeat (stalls of up to a second at 5 000 heartbeats/s). Without such an index, and with
-- room left on each page, a heartbeat is a HOT update: one tuple on the same page and no index entry at all.
--
-- The sweeper finds silent devices by a scan of the live active/inactive devices instead (every few seconds, on
-- the leader only: ~10 ms for 100 000 devices). No index may again contain last_seen or heartbeat_sequence, in
-- its columns, expressions or predicate (HeartbeatWriterTest checks).
DROP INDEX device_sweep_default_idx;
DROP INDEX device_sweep_custom_idx;

-- Room for the new version of a row on its own page (the default 100 packs pages full). Applies to pages written
-- from now on; existing full pages make room as HOT pruning and vacuum free them.
ALTER TABLE device SET (fillfactor = 80);
