-- backup-agent schema, version 6: what the gRPC Repository contract has beyond V2 (issue 5, items 1 and 5):
-- labels, the idempotency key of CreateRepository, and scheduled checks (check_schedule, check_read_data,
-- check_read_data_subset) with the scheduler's persisted next due time.

ALTER TABLE repository
    ADD COLUMN labels                  jsonb       NOT NULL DEFAULT '{}',      -- same syntax as device labels
    ADD COLUMN request_id              text        UNIQUE,                     -- idempotency key of CreateRepository
    -- scheduled check: cron (five fields, in check_time_zone) or a fixed interval counted from check_anchor_at
    ADD COLUMN check_cron              text,
    ADD COLUMN check_interval_ms       bigint      CHECK (check_interval_ms >= 60000),
    ADD COLUMN check_time_zone         text        NOT NULL DEFAULT 'UTC',
    ADD COLUMN check_jitter_ms         bigint      NOT NULL DEFAULT 0 CHECK (check_jitter_ms >= 0),
    ADD COLUMN check_anchor_at         timestamptz,
    ADD COLUMN check_read_data         boolean     NOT NULL DEFAULT false,
    ADD COLUMN check_read_data_subset  text        NOT NULL DEFAULT '',
    -- the next scheduled check; null without a schedule. Persisted, so a check missed while every agent was down
    -- is still due when one comes back (it then runs once). Replicas claim due rows with FOR UPDATE SKIP LOCKED.
    ADD COLUMN next_check_at           timestamptz,
    ADD CONSTRAINT repository_check_schedule_one CHECK (check_cron IS NULL OR check_interval_ms IS NULL);

CREATE INDEX repository_next_check_at ON repository (next_check_at) WHERE next_check_at IS NOT NULL;
