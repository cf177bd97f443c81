-- lock-service schema, version 11: a release alone does the common case in one statement (docs/lock-service.md,
-- "Several takes in one commit"; docs/benchmarks.md, "Run L"). With the batches set-based (V9, V10), a take or release
-- that runs alone costs PostgreSQL about three batched ones; lock_release ran about ten statements and four function
-- calls even when it hands nothing off. Now, under the state row lock as before, one statement deletes the holder,
-- records the end, writes the event and frees the lock when the grant is live and the lock has neither a waiter nor
-- a lapsed grant: the same changes and the same answer as lock_release_simple (V10) gives such an item, and as V7's
-- path below, which every other release still takes.

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
    -- The common case in one statement: the grant is live and the lock has neither a waiter nor a lapsed grant, so
    -- nothing is handed off. The statement's snapshot still shows the deleted holder: the lock is free when it had no
    -- other.
    WITH gone AS (
        DELETE FROM lock_holder x WHERE x.name = p_name AND x.fencing_token = p_token AND x.device_id = p_device
            AND x.session_id = p_session AND x.lease_expires_at > p_now
            AND NOT EXISTS (SELECT 1 FROM lock_waiter y WHERE y.name = p_name)
            AND NOT EXISTS (SELECT 1 FROM lock_holder z WHERE z.name = p_name AND z.lease_expires_at <= p_now)
        RETURNING x),
    ended AS (
        INSERT INTO lock_grant_end (name, fencing_token, device_id, session_id, reason, ended_by, ended_at)
        SELECT p_name, p_token, p_device, p_session, 'RELEASED', p_device || '/' || p_session, p_now FROM gone
        ON CONFLICT DO NOTHING),
    written AS (
        INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)
        SELECT gen_random_uuid(), p_topic, p_name, 'asgard.lock.lock.released', p_name, p_now,
               lock_json_released(g.x, p_now), 'asgard.events.v1.LockReleased+json'
        FROM gone g),
    freed AS (
        UPDATE lock_state SET kind = NULL, max_permits = 1, updated_at = p_now
        WHERE name = p_name AND EXISTS (SELECT 1 FROM gone)
          AND NOT EXISTS (SELECT 1 FROM lock_holder z WHERE z.name = p_name AND z.fencing_token <> p_token))
    SELECT (g.x).* INTO h FROM gone g;
    IF FOUND THEN
        IF NOT p_durable THEN
            PERFORM set_config('synchronous_commit', 'off', true);
        END IF;
        items := '|t' || lock_micros(p_now) || '|e' || p_token || ',RELEASED';
        IF h.stream_replica IS DISTINCT FROM p_replica AND h.stream_replica IS NOT NULL OR lock_watched(p_name) THEN
            PERFORM pg_notify('asgard_lock', p_name || items);
        END IF;
        RETURN 'RELEASED' || items;
    END IF;
    -- Otherwise (a waiter, a lapsed grant, a grant no longer live or never made) nothing changed yet: V7's path.
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

-- CREATE OR REPLACE resets a function's settings; V4's reason for this one still holds.
ALTER FUNCTION lock_release(text, bigint, uuid, text, timestamptz, timestamptz, text, boolean, uuid)
        SET enable_bitmapscan = off;
