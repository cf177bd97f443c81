-- lock-service schema, version 7: the same functions as V4 with less work per call (docs/benchmarks.md, run J).
-- pg_stat_user_functions of a durable uncontended-32 run showed PostgreSQL's time per acquire+release spent in many
-- small statements: lock_acquire ran about fourteen, lock_release ten, and lock_watched (a SQL function with a
-- table in it, which PL/pgSQL cannot inline, so it was planned again on each of its two calls per operation) alone
-- took 13 % of the functions' time. What changed, with the same answers and the same changes:
--   * lock_watched is PL/pgSQL, whose statements keep their plans.
--   * lock_acquire reads the lock's holders and queue in one statement and the device's usage in one more; it ends
--     lapsed leases only when there are some.
--   * lock_release finds and deletes the holder in one statement and ends lapsed leases only when there are some.
--   * lock_grant_queue returns at once when nobody waits.
--   * lock_holder_expiry_idx is gone: only the expiry sweep (every few seconds) looked rows up by lease end, over a
--     table of current grants, and every grant paid for an entry in it.

DROP INDEX lock_holder_expiry_idx;

CREATE OR REPLACE FUNCTION lock_watched(p_name text) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
    RETURN EXISTS (SELECT 1 FROM lock_watch WHERE starts_with(p_name, prefix));
END $$;

CREATE OR REPLACE FUNCTION lock_grant_queue(p_name text, p_max_permits int, p_now timestamptz,
        p_alive_since timestamptz, p_topic text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    w lock_waiter;
    h lock_holder;
    n int;
    excl boolean;
    used int;
    changed int;
    token bigint;
    items text := '';
BEGIN
    SELECT count(*), coalesce(bool_or(mode = 'EXCLUSIVE'), false), coalesce(sum(permits), 0)
    INTO n, excl, used FROM lock_holder WHERE name = p_name;
    IF NOT EXISTS (SELECT 1 FROM lock_waiter WHERE name = p_name) THEN
        -- Nobody waits: nothing to grant, nobody to remove.
        IF n = 0 THEN
            UPDATE lock_state SET kind = NULL, max_permits = 1, updated_at = p_now WHERE name = p_name;
        END IF;
        RETURN items;
    END IF;
    IF NOT excl THEN
        WITH gone AS (
            DELETE FROM lock_waiter o WHERE o.name = p_name AND NOT EXISTS (
                SELECT 1 FROM lock_replica r WHERE r.id = o.replica_id AND r.heartbeat_at > p_alive_since)
            RETURNING o.request_id)
        INSERT INTO lock_request_end (request_id, name, reason, detail, ended_at)
        SELECT request_id, p_name, 'SHUTTING_DOWN', NULL, p_now FROM gone ON CONFLICT (request_id) DO NOTHING;
        GET DIAGNOSTICS changed = ROW_COUNT;
        IF changed > 0 THEN
            items := '|q';
        END IF;
        FOR w IN SELECT * FROM lock_waiter WHERE name = p_name ORDER BY priority DESC, seq LOOP
            EXIT WHEN CASE w.mode WHEN 'EXCLUSIVE' THEN n > 0 WHEN 'SHARED' THEN excl
                                  ELSE used + w.permits > p_max_permits END;
            DELETE FROM lock_waiter WHERE request_id = w.request_id;
            UPDATE lock_state SET fencing_counter = fencing_counter + 1 WHERE name = p_name
            RETURNING fencing_counter INTO token;
            INSERT INTO lock_holder (name, fencing_token, device_id, session_id, request_id, mode, permits, priority,
                    preemptible, purpose, acquired_at, enqueued_at, lease_ttl_ms, lease_expires_at, last_renewed_at,
                    stream_replica)
            VALUES (p_name, token, w.device_id, w.session_id, w.request_id, w.mode, w.permits, w.priority,
                    w.preemptible, w.purpose, p_now, w.enqueued_at, w.lease_ttl_ms,
                    p_now + w.lease_ttl_ms * interval '1 millisecond', p_now, w.replica_id)
            RETURNING * INTO h;
            PERFORM lock_event_acquired(p_topic, h, p_now);
            items := items || '|g' || w.request_id || ',' || h.fencing_token || ',' || lock_micros(h.lease_expires_at);
            n := n + 1;
            excl := excl OR w.mode = 'EXCLUSIVE';
            used := used + w.permits;
        END LOOP;
        IF position('|g' IN items) > 0 AND position('|q' IN items) = 0 THEN
            items := items || '|q';
        END IF;
    END IF;
    IF n = 0 AND NOT EXISTS (SELECT 1 FROM lock_waiter WHERE name = p_name) THEN
        UPDATE lock_state SET kind = NULL, max_permits = 1, updated_at = p_now WHERE name = p_name;
    END IF;
    RETURN items;
END $$;

CREATE OR REPLACE FUNCTION lock_acquire(p_name text, p_request_id uuid, p_device uuid, p_session text, p_mode text,
        p_permits int, p_max_permits int, p_priority int, p_preemptible boolean, p_purpose text, p_ttl_ms bigint,
        p_wait_deadline timestamptz, p_replica uuid, p_now timestamptz, p_alive_since timestamptz,
        p_default_max_held int, p_default_max_waiting int, p_topic text,
        OUT outcome text, OUT fencing_token bigint, OUT lease_expires_at timestamptz, OUT queue_position int,
        OUT queue_length int, OUT blocked_by text[], OUT owner_holds boolean)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    s lock_state;
    h lock_holder;
    w lock_waiter;
    v_kind text := CASE WHEN p_mode = 'SEMAPHORE' THEN 'SEMAPHORE' ELSE 'LOCK' END;
    v_max_permits int;
    items text := '';
    n int;
    excl boolean;
    used int;
    lapsed boolean;
    has_waiters boolean;
    has_preempting boolean;
    is_free boolean;
    held bigint;
    waiting bigint;
    max_held int;
    max_waiting int;
    queued_already boolean;
    token bigint;
    fits boolean;
BEGIN
    SELECT * INTO s FROM lock_state WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO lock_state (name, updated_at) VALUES (p_name, p_now) ON CONFLICT (name) DO NOTHING;
        SELECT * INTO s FROM lock_state WHERE name = p_name FOR UPDATE;
    END IF;
    -- The lock's holders and queue, read once (the state row lock keeps them as they are).
    SELECT count(*), coalesce(bool_or(x.mode = 'EXCLUSIVE'), false), coalesce(sum(x.permits), 0),
           coalesce(bool_or(x.lease_expires_at <= p_now), false),
           EXISTS (SELECT 1 FROM lock_waiter y WHERE y.name = p_name),
           EXISTS (SELECT 1 FROM lock_waiter y WHERE y.name = p_name AND y.preempt)
    INTO n, excl, used, lapsed, has_waiters, has_preempting FROM lock_holder x WHERE x.name = p_name;
    IF has_preempting THEN
        outcome := 'SLOW';
        RETURN;
    END IF;
    IF lapsed THEN
        items := lock_expire_lapsed(p_name, p_now, p_topic);
        SELECT count(*), coalesce(bool_or(x.mode = 'EXCLUSIVE'), false), coalesce(sum(x.permits), 0)
        INTO n, excl, used FROM lock_holder x WHERE x.name = p_name;
    END IF;
    is_free := n = 0 AND NOT has_waiters;

    IF NOT is_free AND s.kind IS NOT NULL THEN
        IF s.kind <> v_kind THEN
            RAISE EXCEPTION USING MESSAGE = 'LOCK_MODE_MISMATCH', DETAIL = 'kind:' || s.kind;
        END IF;
        IF p_mode = 'SEMAPHORE' AND s.max_permits <> p_max_permits THEN
            RAISE EXCEPTION USING MESSAGE = 'LOCK_MODE_MISMATCH', DETAIL = 'permits:' || s.max_permits;
        END IF;
    END IF;
    -- Counted only up to the limit (a device near its limit costs no more than that), and by index scans, which
    -- mark the entries of deleted rows dead for the next scan (these tables churn on every grant).
    SELECT coalesce(l.max_held, p_default_max_held), coalesce(l.max_waiting, p_default_max_waiting)
    INTO max_held, max_waiting
    FROM (SELECT 1) AS one LEFT JOIN lock_device_limit l ON l.device_id = p_device;
    SELECT (SELECT count(*) FROM (SELECT 1 FROM lock_holder x WHERE x.device_id = p_device LIMIT max_held) c),
           (SELECT count(*) FROM (SELECT 1 FROM lock_waiter x WHERE x.device_id = p_device LIMIT max_waiting) c),
           EXISTS (SELECT 1 FROM lock_holder x WHERE x.device_id = p_device AND x.session_id = p_session),
           EXISTS (SELECT 1 FROM lock_waiter x WHERE x.request_id = p_request_id)
    INTO held, waiting, owner_holds, queued_already;
    IF held >= max_held THEN
        RAISE EXCEPTION USING MESSAGE = 'TOO_MANY_LOCKS', DETAIL = held::text;
    END IF;
    IF waiting >= max_waiting THEN
        RAISE EXCEPTION USING MESSAGE = 'TOO_MANY_WAITING', DETAIL = waiting::text;
    END IF;

    v_max_permits := CASE WHEN is_free THEN p_max_permits ELSE s.max_permits END;
    fits := CASE p_mode WHEN 'EXCLUSIVE' THEN n = 0 WHEN 'SHARED' THEN NOT excl
                        ELSE used + p_permits <= v_max_permits END;
    IF fits AND NOT has_waiters AND NOT queued_already THEN
        -- Nobody queues and it fits: granted at once, ahead of nobody.
        UPDATE lock_state x SET fencing_counter = x.fencing_counter + 1,
               kind = CASE WHEN is_free THEN v_kind ELSE x.kind END,
               max_permits = CASE WHEN is_free THEN p_max_permits ELSE x.max_permits END,
               updated_at = CASE WHEN is_free THEN p_now ELSE x.updated_at END
        WHERE x.name = p_name RETURNING x.fencing_counter INTO token;
        INSERT INTO lock_holder (name, fencing_token, device_id, session_id, request_id, mode, permits, priority,
                preemptible, purpose, acquired_at, enqueued_at, lease_ttl_ms, lease_expires_at, last_renewed_at,
                stream_replica)
        VALUES (p_name, token, p_device, p_session, p_request_id, p_mode, p_permits, p_priority, p_preemptible,
                p_purpose, p_now, p_now, p_ttl_ms, p_now + p_ttl_ms * interval '1 millisecond', p_now, p_replica)
        RETURNING * INTO h;
        PERFORM lock_event_acquired(p_topic, h, p_now);
        -- Nobody waits: only the holders that just expired (their streams) and watchers need to know.
        IF items <> '' OR lock_watched(p_name) THEN
            PERFORM pg_notify('asgard_lock', p_name || '|t' || lock_micros(p_now) || items
                    || '|g' || p_request_id || ',' || h.fencing_token || ',' || lock_micros(h.lease_expires_at));
        END IF;
        outcome := 'GRANTED';
        fencing_token := h.fencing_token;
        lease_expires_at := h.lease_expires_at;
        RETURN;
    END IF;

    IF p_replica IS NULL THEN
        -- TryAcquire: it would have to wait.
        IF items <> '' THEN
            items := items || lock_grant_queue(p_name, v_max_permits, p_now, p_alive_since, p_topic);
            PERFORM pg_notify('asgard_lock', p_name || '|t' || lock_micros(p_now) || items);
        END IF;
        outcome := 'BUSY';
        RETURN;
    END IF;

    IF is_free THEN
        UPDATE lock_state SET kind = v_kind, max_permits = p_max_permits, updated_at = p_now WHERE name = p_name;
    END IF;
    -- A request id already queued by the same owner for the same lock (a reconnecting client) takes over its place.
    INSERT INTO lock_waiter (request_id, name, device_id, session_id, mode, permits, priority, preempt, preemptible,
            purpose, lease_ttl_ms, enqueued_at, wait_deadline, replica_id)
    VALUES (p_request_id, p_name, p_device, p_session, p_mode, p_permits, p_priority, false, p_preemptible,
            p_purpose, p_ttl_ms, p_now, p_wait_deadline, p_replica)
    ON CONFLICT (request_id) DO UPDATE SET replica_id = EXCLUDED.replica_id, wait_deadline = EXCLUDED.wait_deadline
        WHERE lock_waiter.device_id = EXCLUDED.device_id AND lock_waiter.session_id = EXCLUDED.session_id
          AND lock_waiter.name = EXCLUDED.name
    RETURNING * INTO w;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING MESSAGE = 'REQUEST_ID_IN_USE', DETAIL = p_request_id::text;
    END IF;
    items := items || lock_grant_queue(p_name, v_max_permits, p_now, p_alive_since, p_topic);
    -- The other waiters' queue length changed (and maybe a grant or an expiry happened).
    IF has_waiters OR items <> '' OR lock_watched(p_name) THEN
        PERFORM pg_notify('asgard_lock', p_name || '|t' || lock_micros(p_now) || items || '|q');
    END IF;

    SELECT * INTO h FROM lock_holder x WHERE x.request_id = p_request_id;
    IF FOUND THEN
        outcome := 'GRANTED';
        fencing_token := h.fencing_token;
        lease_expires_at := h.lease_expires_at;
        RETURN;
    END IF;
    outcome := 'QUEUED';
    SELECT count(*) FILTER (WHERE x.priority > w.priority OR (x.priority = w.priority AND x.seq <= w.seq)),
           count(*)
    INTO queue_position, queue_length FROM lock_waiter x WHERE x.name = p_name;
    SELECT coalesce(array_agg(x.device_id || '/' || x.session_id ORDER BY x.fencing_token), '{}')
    INTO blocked_by FROM lock_holder x WHERE x.name = p_name;
END $$;

CREATE OR REPLACE FUNCTION lock_release(p_name text, p_token bigint, p_device uuid, p_session text,
        p_now timestamptz, p_alive_since timestamptz, p_topic text, p_durable boolean, p_replica uuid)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    s lock_state;
    h lock_holder;
    has_preempting boolean;
    lapsed boolean;
    items text := '';
    ended text;
BEGIN
    SELECT * INTO s FROM lock_state WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'NOT_FOUND';
    END IF;
    SELECT EXISTS (SELECT 1 FROM lock_waiter y WHERE y.name = p_name AND y.preempt),
           EXISTS (SELECT 1 FROM lock_holder x WHERE x.name = p_name AND x.lease_expires_at <= p_now)
    INTO has_preempting, lapsed;
    IF has_preempting THEN
        RETURN 'SLOW';
    END IF;
    DELETE FROM lock_holder x WHERE x.name = p_name AND x.fencing_token = p_token AND x.device_id = p_device
        AND x.session_id = p_session AND x.lease_expires_at > p_now
    RETURNING * INTO h;
    IF FOUND THEN
        INSERT INTO lock_grant_end (name, fencing_token, device_id, session_id, reason, ended_by, ended_at)
        VALUES (p_name, p_token, p_device, p_session, 'RELEASED', p_device || '/' || p_session, p_now)
        ON CONFLICT DO NOTHING;
        PERFORM lock_event_released(p_topic, h, p_now);
        IF lapsed THEN
            items := lock_expire_lapsed(p_name, p_now, p_topic);
        END IF;
        items := items || lock_grant_queue(p_name, s.max_permits, p_now, p_alive_since, p_topic);
        IF NOT p_durable AND position('|g' IN items) = 0 THEN
            PERFORM set_config('synchronous_commit', 'off', true);
        END IF;
        items := '|t' || lock_micros(p_now) || '|e' || p_token || ',RELEASED' || items;
        -- The releasing replica moves its own streams from the answer (the holder's, and those granted now);
        -- the others learn it from the notification.
        IF position('|g' IN items) > 0 OR position('|q' IN items) > 0 OR position(',EXPIRED' IN items) > 0
                OR h.stream_replica IS DISTINCT FROM p_replica AND h.stream_replica IS NOT NULL
                OR lock_watched(p_name) THEN
            PERFORM pg_notify('asgard_lock', p_name || items);
        END IF;
        RETURN 'RELEASED' || items;
    END IF;
    IF lapsed THEN
        items := lock_expire_lapsed(p_name, p_now, p_topic);
        items := items || lock_grant_queue(p_name, s.max_permits, p_now, p_alive_since, p_topic);
        PERFORM pg_notify('asgard_lock', p_name || '|t' || lock_micros(p_now) || items);
    END IF;
    SELECT e.reason INTO ended FROM lock_grant_end e WHERE e.name = p_name AND e.fencing_token = p_token
        AND e.device_id = p_device AND e.session_id = p_session;
    IF NOT FOUND THEN
        RETURN 'NOT_FOUND';
    END IF;
    RETURN CASE WHEN ended = 'RELEASED' THEN 'ALREADY_RELEASED' ELSE 'LOST:' || ended END;
END $$;

-- CREATE OR REPLACE resets a function's settings; V4's reason for these still holds.
ALTER FUNCTION lock_acquire(text, uuid, uuid, text, text, int, int, int, boolean, text, bigint, timestamptz, uuid,
        timestamptz, timestamptz, int, int, text) SET enable_bitmapscan = off;
ALTER FUNCTION lock_release(text, bigint, uuid, text, timestamptz, timestamptz, text, boolean, uuid)
        SET enable_bitmapscan = off;
