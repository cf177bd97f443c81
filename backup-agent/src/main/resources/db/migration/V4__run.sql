-- backup-agent schema, version 4: runs (issue 5, item 3): one execution of a backup job (or a restore), its
-- progress, outcome and summary. States and kinds are the proto enum names without their prefix
-- (RunState RUN_STATE_SUCCEEDED -> 'SUCCEEDED').

CREATE TABLE run (
    id                      uuid        PRIMARY KEY,
    kind                    text        NOT NULL CHECK (kind IN ('BACKUP', 'RESTORE')),
    job_id                  uuid        REFERENCES job (id) ON DELETE SET NULL,   -- history outlives its job
    repository_id           uuid        NOT NULL,
    trigger                 text        NOT NULL CHECK (trigger IN ('SCHEDULE', 'MANUAL', 'CATCH_UP', 'RETRY')),
    state                   text        NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED',
                                                                  'CANCELLING', 'CANCELLED', 'INTERRUPTED')),
    attempt                 integer     NOT NULL DEFAULT 1,
    retry_of_run_id         uuid,
    request_id              text        UNIQUE,                  -- idempotency key of StartRun
    requested_by            text        NOT NULL,                -- user name, or 'schedule'
    agent_id                text,                                -- the agent instance that runs / ran it
    scheduled_at            timestamptz,                         -- planned start it stands for
    queued_at               timestamptz NOT NULL,
    not_before              timestamptz,                         -- retries wait until then
    started_at              timestamptz,
    finished_at             timestamptz,
    cancel_reason           text,
    cancelled_by            text,
    -- latest progress (restic status line)
    percent_done            double precision,
    total_files             bigint,
    files_done              bigint,
    total_bytes             bigint,
    bytes_done              bigint,
    current_files           text[],
    error_count             bigint,
    seconds_elapsed         bigint,
    seconds_remaining       bigint,
    progress_at             timestamptz,
    -- summary (restic summary line)
    snapshot_id             text,
    files_new               bigint,
    files_changed           bigint,
    files_unmodified        bigint,
    dirs_new                bigint,
    dirs_changed            bigint,
    dirs_unmodified         bigint,
    data_blobs              bigint,
    tree_blobs              bigint,
    data_added              bigint,
    total_files_processed   bigint,
    total_bytes_processed   bigint,
    duration_ms             bigint,
    -- failure
    failure_kind            text,                                -- FailureKind without prefix
    failure_message         text,
    failure_hint            text,
    failure_transient       boolean,
    exit_code               integer,
    unreadable_paths        text[]      NOT NULL DEFAULT '{}',
    next_retry_at           timestamptz,
    retention_error         text,                                -- forget after the backup failed (run still succeeded)
    revision                bigint      NOT NULL DEFAULT 1
);

CREATE INDEX run_job_idx ON run (job_id, queued_at DESC);
CREATE INDEX run_queue_idx ON run (queued_at) WHERE state = 'QUEUED';
CREATE INDEX run_active_idx ON run (agent_id) WHERE state IN ('RUNNING', 'CANCELLING');
