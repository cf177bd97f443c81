-- backup-agent schema, version 3: backup jobs (issue 5, item 2): what to back up, where to, when (cron or
-- interval in a time zone), how long to keep it, what to do about missed runs and failures.
-- Durations are stored in milliseconds; lists as text[].

CREATE TABLE job (
    id                         uuid        PRIMARY KEY,
    name                       text        NOT NULL UNIQUE,                 -- DNS label
    description                text        NOT NULL DEFAULT '',
    repository_id              uuid        NOT NULL REFERENCES repository (id) ON DELETE RESTRICT,
    type                       text        NOT NULL DEFAULT 'files' CHECK (type IN ('files', 'pg_dump')),
    -- source (files)
    paths                      text[]      NOT NULL DEFAULT '{}',           -- absolute paths
    excludes                   text[]      NOT NULL DEFAULT '{}',           -- restic --exclude patterns
    exclude_caches             boolean     NOT NULL DEFAULT false,
    exclude_if_present         text[]      NOT NULL DEFAULT '{}',           -- file names
    one_file_system            boolean     NOT NULL DEFAULT false,
    exclude_larger_than_bytes  bigint      NOT NULL DEFAULT 0 CHECK (exclude_larger_than_bytes >= 0), -- 0: no limit
    -- source (pg_dump, streamed into restic backup --stdin); the password only as AES-GCM ciphertext
    pg_host                    text,
    pg_port                    integer,
    pg_database                text,
    pg_username                text,
    pg_password_ciphertext     bytea,
    pg_format                  text        CHECK (pg_format IN ('plain', 'custom')),
    pg_schemas                 text[]      NOT NULL DEFAULT '{}',
    pg_exclude_tables          text[]      NOT NULL DEFAULT '{}',
    pg_stdin_filename          text,
    pg_ssl_mode                text,
    tags                       text[]      NOT NULL DEFAULT '{}',
    host                       text        NOT NULL DEFAULT '',             -- restic --host; '' = restic's default
    -- schedule: a cron expression or an interval (not both); none = started by hand only
    schedule_cron              text,
    schedule_interval_ms       bigint      CHECK (schedule_interval_ms >= 60000),
    time_zone                  text        NOT NULL DEFAULT 'UTC',
    schedule_anchor_at         timestamptz,                                 -- grid origin of an interval
    -- retention (restic forget --keep-*), applied after a successful backup; retention_set = false keeps all
    retention_set              boolean     NOT NULL DEFAULT false,
    keep_last                  integer     NOT NULL DEFAULT 0,
    keep_hourly                integer     NOT NULL DEFAULT 0,
    keep_daily                 integer     NOT NULL DEFAULT 0,
    keep_weekly                integer     NOT NULL DEFAULT 0,
    keep_monthly               integer     NOT NULL DEFAULT 0,
    keep_yearly                integer     NOT NULL DEFAULT 0,
    keep_within_ms             bigint      NOT NULL DEFAULT 0,
    keep_tags                  text[]      NOT NULL DEFAULT '{}',
    prune                      boolean     NOT NULL DEFAULT false,
    -- missed runs
    missed_run_mode            text        NOT NULL DEFAULT 'run-once' CHECK (missed_run_mode IN ('run-once', 'skip', 'run-all')),
    missed_run_grace_ms        bigint      NOT NULL DEFAULT 300000,
    max_catch_up_runs          integer     NOT NULL DEFAULT 3,
    -- retries of transient failures
    retry_max_attempts         integer     NOT NULL DEFAULT 3,
    retry_initial_delay_ms     bigint      NOT NULL DEFAULT 60000,
    retry_multiplier           double precision NOT NULL DEFAULT 2.0,
    retry_max_delay_ms         bigint      NOT NULL DEFAULT 3600000,
    run_history_limit          integer     NOT NULL DEFAULT 100,
    run_timeout_ms             bigint,                                      -- null: no limit
    enabled                    boolean     NOT NULL DEFAULT true,
    -- scheduler state: survives restarts, so missed runs are recognised after downtime or sleep
    next_run_at                timestamptz,
    last_scheduled_at          timestamptz,
    last_run_id                uuid,
    last_success_at            timestamptz,
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL,
    revision                   bigint      NOT NULL DEFAULT 1,
    CHECK (schedule_cron IS NULL OR schedule_interval_ms IS NULL)
);

CREATE INDEX job_due_idx ON job (next_run_at) WHERE enabled AND next_run_at IS NOT NULL;
CREATE INDEX job_repository_idx ON job (repository_id);
