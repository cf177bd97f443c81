-- backup-agent schema, version 5: restore runs (issue 5, item 4). A restore is a run of kind RESTORE: what it
-- restores (snapshot, paths, target) and its summary live on the run row, next to the backup columns.

ALTER TABLE run
    ADD COLUMN restore_snapshot_id text,                          -- full snapshot id, resolved when requested
    ADD COLUMN restore_target      text,                          -- absolute target folder on the agent
    ADD COLUMN restore_include     text[]  NOT NULL DEFAULT '{}', -- only these snapshot paths; empty = all
    ADD COLUMN restore_exclude     text[]  NOT NULL DEFAULT '{}', -- patterns left out
    ADD COLUMN restore_overwrite   boolean NOT NULL DEFAULT false,
    ADD COLUMN restore_verify      boolean NOT NULL DEFAULT false,
    ADD COLUMN pinned_agent_id     text,                          -- only this agent may execute it (restores)
    ADD COLUMN files_restored      bigint,
    ADD COLUMN bytes_restored      bigint,
    ADD COLUMN files_skipped       bigint,
    ADD COLUMN verify_errors       bigint,
    ADD CONSTRAINT run_restore_spec CHECK (kind <> 'RESTORE'
        OR (restore_snapshot_id IS NOT NULL AND restore_target IS NOT NULL AND job_id IS NULL));

-- Backups and restores are claimed separately (each has its own concurrency limit).
DROP INDEX run_queue_idx;
CREATE INDEX run_queue_idx ON run (kind, queued_at) WHERE state = 'QUEUED';
