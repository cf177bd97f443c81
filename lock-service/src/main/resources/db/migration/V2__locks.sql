-- Locks. PostgreSQL is the only source of truth; every change of one lock runs in a transaction that first
-- takes the row lock of its lock_state row (SELECT ... FOR UPDATE), so changes of one lock are serialised
-- across all replicas, and the fencing counter on that row only ever grows. See docs/lock-service.md.

CREATE TABLE lock_state (
    name             text        PRIMARY KEY,
    kind             text,                       -- LOCK (exclusive/shared) or SEMAPHORE while held or contended
    max_permits      integer     NOT NULL DEFAULT 1,
    fencing_counter  bigint      NOT NULL DEFAULT 0,   -- the last fencing token issued for this name
    updated_at       timestamptz NOT NULL
);

CREATE TABLE lock_holder (
    name              text        NOT NULL REFERENCES lock_state (name),
    fencing_token     bigint      NOT NULL,
    device_id         uuid        NOT NULL,
    session_id        text        NOT NULL,
    request_id        uuid        NOT NULL,
    mode              text        NOT NULL,      -- EXCLUSIVE, SHARED, SEMAPHORE
    permits           integer     NOT NULL,
    priority          integer     NOT NULL,
    preemptible       boolean     NOT NULL,
    purpose           text,
    acquired_at       timestamptz NOT NULL,
    enqueued_at       timestamptz NOT NULL,
    lease_ttl_ms      bigint      NOT NULL,
    lease_expires_at  timestamptz NOT NULL,
    last_renewed_at   timestamptz NOT NULL,
    PRIMARY KEY (name, fencing_token)
);
CREATE UNIQUE INDEX lock_holder_request_uq ON lock_holder (request_id);
CREATE INDEX lock_holder_expiry_idx ON lock_holder (lease_expires_at);
CREATE INDEX lock_holder_device_idx ON lock_holder (device_id, name);

CREATE TABLE lock_waiter (
    request_id     uuid        PRIMARY KEY,
    name           text        NOT NULL REFERENCES lock_state (name),
    seq            bigserial   NOT NULL,         -- arrival order among equal priorities
    device_id      uuid        NOT NULL,
    session_id     text        NOT NULL,
    mode           text        NOT NULL,
    permits        integer     NOT NULL,
    priority       integer     NOT NULL,
    preempt        boolean     NOT NULL,
    preemptible    boolean     NOT NULL,
    purpose        text,
    lease_ttl_ms   bigint      NOT NULL,
    enqueued_at    timestamptz NOT NULL,
    wait_deadline  timestamptz,
    replica_id     uuid        NOT NULL          -- the replica whose stream waits; its death removes the waiter
);
CREATE INDEX lock_waiter_queue_idx ON lock_waiter (name, priority DESC, seq);
CREATE INDEX lock_waiter_replica_idx ON lock_waiter (replica_id);
CREATE INDEX lock_waiter_device_idx ON lock_waiter (device_id);

-- How grants ended: Release answers ALREADY_RELEASED or LOST from here, and a holder's stream learns why it lost.
CREATE TABLE lock_grant_end (
    name           text        NOT NULL,
    fencing_token  bigint      NOT NULL,
    device_id      uuid        NOT NULL,
    session_id     text        NOT NULL,
    reason         text        NOT NULL,         -- RELEASED, EXPIRED, PREEMPTED, FORCE_RELEASED
    ended_by       text,
    ended_at       timestamptz NOT NULL,
    PRIMARY KEY (name, fencing_token)
);
CREATE INDEX lock_grant_end_time_idx ON lock_grant_end (ended_at);

-- How waits ended when someone other than the waiting stream ended them (deadlock victim, preemption, replica death).
CREATE TABLE lock_request_end (
    request_id     uuid        PRIMARY KEY,
    name           text        NOT NULL,
    reason         text        NOT NULL,         -- an AbortReason name without prefix
    detail         bytea,                        -- asgard.lock.v1.AcquireAborted
    ended_at       timestamptz NOT NULL
);
CREATE INDEX lock_request_end_time_idx ON lock_request_end (ended_at);

-- Replicas alive: each heartbeats its row; waiters of a replica that stopped are removed by the others.
CREATE TABLE lock_replica (
    id            uuid        PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    heartbeat_at  timestamptz NOT NULL
);
