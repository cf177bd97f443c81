-- lock-service schema, version 12: a take alone does the common case in one statement, as V11 does for a release
-- (docs/lock-service.md, "Several takes in one commit"; docs/benchmarks.md, "Run N"). A take that runs alone (a
-- single client, or the first take after a quiet moment) ran V7's lock_acquire: about eight statements and three
-- function calls even when the lock is free, 0.46 ms of PostgreSQL's time against about 0.15 ms for a take in a batch.
--
-- V7's function stays as it is, renamed lock_acquire_general; lock_acquire now first tries, under the state row lock,
-- the case V9's batch grants set-based: the lock has no holder and no waiter, the request id is neither held nor
-- queued, the device is below both of its limits, and a semaphore request fits its own permits. Then one statement
-- counts the token, inserts the holder and writes the event: the same changes, the same notification and the same
-- answer as lock_acquire_general gives such a take (granted at once, ahead of nobody). Everything else (a name never
-- used, a held or contended lock, a refusal) goes to lock_acquire_general unchanged, which takes the row lock again (a
-- no-op in the same transaction). lock_acquire_many's loop calls lock_acquire, so its items take the same path.

ALTER FUNCTION lock_acquire(text, uuid, uuid, text, text, int, int, int, boolean, text, bigint, timestamptz, uuid,
        timestamptz, timestamptz, int, int, text) RENAME TO lock_acquire_general;

CREATE FUNCTION lock_acquire(p_name text, p_request_id uuid, p_device uuid, p_session text, p_mode text,
        p_permits int, p_max_permits int, p_priority int, p_preemptible boolean, p_purpose text, p_ttl_ms bigint,
        p_wait_deadline timestamptz, p_replica uuid, p_now timestamptz, p_alive_since timestamptz,
        p_default_max_held int, p_default_max_waiting int, p_topic text,
        OUT outcome text, OUT fencing_token bigint, OUT lease_expires_at timestamptz, OUT queue_position int,
        OUT queue_length int, OUT blocked_by text[], OUT owner_holds boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_token bigint;
    v_lease timestamptz;
    v_holds boolean;
BEGIN
    PERFORM 1 FROM lock_state s WHERE s.name = p_name FOR UPDATE;
    IF FOUND AND (p_mode <> 'SEMAPHORE' OR p_permits <= p_max_permits) THEN
        -- The snapshot of this statement is taken before its own insert: `free` sees the owner's holdings as they
        -- were, as lock_acquire_general's owner_holds does.
        WITH free AS (
            SELECT EXISTS (SELECT 1 FROM lock_holder x WHERE x.device_id = p_device AND x.session_id = p_session)
                       AS holds
            FROM (SELECT coalesce(l.max_held, p_default_max_held) AS max_held,
                         coalesce(l.max_waiting, p_default_max_waiting) AS max_waiting
                  FROM (SELECT 1) AS one LEFT JOIN lock_device_limit l ON l.device_id = p_device) AS lim
            WHERE NOT EXISTS (SELECT 1 FROM lock_holder x WHERE x.name = p_name)
              AND NOT EXISTS (SELECT 1 FROM lock_waiter y WHERE y.name = p_name)
              AND NOT EXISTS (SELECT 1 FROM lock_waiter y WHERE y.request_id = p_request_id)
              AND NOT EXISTS (SELECT 1 FROM lock_holder x WHERE x.request_id = p_request_id)
              -- Counted only up to the limit, as lock_acquire_general counts.
              AND (SELECT count(*) FROM (SELECT 1 FROM lock_holder x WHERE x.device_id = p_device
                                         LIMIT lim.max_held) c) < lim.max_held
              AND (SELECT count(*) FROM (SELECT 1 FROM lock_waiter y WHERE y.device_id = p_device
                                         LIMIT lim.max_waiting) c) < lim.max_waiting),
        counted AS (
            UPDATE lock_state s SET fencing_counter = s.fencing_counter + 1,
                   kind = CASE WHEN p_mode = 'SEMAPHORE' THEN 'SEMAPHORE' ELSE 'LOCK' END,
                   max_permits = p_max_permits, updated_at = p_now
            FROM free WHERE s.name = p_name
            RETURNING s.fencing_counter AS token),
        held AS (
            INSERT INTO lock_holder (name, fencing_token, device_id, session_id, request_id, mode, permits, priority,
                    preemptible, purpose, acquired_at, enqueued_at, lease_ttl_ms, lease_expires_at, last_renewed_at,
                    stream_replica)
            SELECT p_name, c.token, p_device, p_session, p_request_id, p_mode, p_permits, p_priority, p_preemptible,
                   p_purpose, p_now, p_now, p_ttl_ms, p_now + p_ttl_ms * interval '1 millisecond', p_now, p_replica
            FROM counted c
            RETURNING *),
        written AS (
            INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)
            SELECT gen_random_uuid(), p_topic, p_name, 'asgard.lock.lock.acquired', p_name, p_now,
                   lock_json_acquired(ROW(h.*)::lock_holder, p_now), 'asgard.events.v1.LockAcquired+json'
            FROM held h)
        SELECT h.fencing_token, h.lease_expires_at, f.holds INTO v_token, v_lease, v_holds FROM held h, free f;
        IF FOUND THEN
            -- Nobody waits and nothing lapsed: only watchers need to know.
            IF lock_watched(p_name) THEN
                PERFORM pg_notify('asgard_lock', p_name || '|t' || lock_micros(p_now) || '|g' || p_request_id
                        || ',' || v_token || ',' || lock_micros(v_lease));
            END IF;
            outcome := 'GRANTED';
            fencing_token := v_token;
            lease_expires_at := v_lease;
            owner_holds := v_holds;
            RETURN;
        END IF;
    END IF;
    -- Otherwise nothing changed yet: V7's path.
    SELECT g.outcome, g.fencing_token, g.lease_expires_at, g.queue_position, g.queue_length, g.blocked_by,
           g.owner_holds
    INTO outcome, fencing_token, lease_expires_at, queue_position, queue_length, blocked_by, owner_holds
    FROM lock_acquire_general(p_name, p_request_id, p_device, p_session, p_mode, p_permits, p_max_permits, p_priority,
            p_preemptible, p_purpose, p_ttl_ms, p_wait_deadline, p_replica, p_now, p_alive_since, p_default_max_held,
            p_default_max_waiting, p_topic) AS g;
END $$;

-- As the batch functions (V10): generic plans, kept by PL/pgSQL, and index probes on the churning tables whatever
-- their statistics say. These settings hold for lock_acquire_general when called from here too, as they already did
-- when lock_acquire_many called it.
ALTER FUNCTION lock_acquire(text, uuid, uuid, text, text, int, int, int, boolean, text, bigint, timestamptz, uuid,
        timestamptz, timestamptz, int, int, text) SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION lock_acquire(text, uuid, uuid, text, text, int, int, int, boolean, text, bigint, timestamptz, uuid,
        timestamptz, timestamptz, int, int, text) SET enable_seqscan = off;
ALTER FUNCTION lock_acquire(text, uuid, uuid, text, text, int, int, int, boolean, text, bigint, timestamptz, uuid,
        timestamptz, timestamptz, int, int, text) SET enable_bitmapscan = off;
