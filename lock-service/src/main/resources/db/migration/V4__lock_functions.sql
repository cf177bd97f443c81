-- lock-service schema, version 4: the common changes of a lock (take, queue, release, with the lease expiry and the
-- hand-off they trigger) each as ONE call of a function, so each costs one round trip to PostgreSQL instead of a
-- dozen (docs/lock-service.md, "One round trip per change"). The functions follow the rules of LockEngine exactly:
-- the lock_state row lock first, lapsed leases end before anything else, a strict queue (priority, then arrival),
-- the events go to the outbox in the same transaction, and a NOTIFY tells every replica what changed. Requests that
-- preempt, and locks with a preempting waiter, stay on the Java path (LockEngine), which has the victim choice.
--
-- The NOTIFY payload is '<name>' followed by '|'-separated items that let a replica move its streams without reading
-- the lock again (lock names never contain '|'):
--   t<micros>                          the change time (microseconds since the epoch)
--   g<request id>,<token>,<lease end>  a grant (lease end in microseconds since the epoch)
--   e<token>,<reason>                  a grant that ended (RELEASED, EXPIRED)
--   q                                  the queue changed (waiting streams re-read their position)
-- A payload of the name alone (the Java path) means "re-read the lock".

-- NOTIFY serialises the commits of all notifying transactions (PostgreSQL takes a database-wide lock from the
-- notification's queueing until the commit is flushed), so the functions notify only when another stream or a
-- watcher needs to know: a grant from the queue, a holder with a stream on another replica losing its grant, a
-- queue with other waiters changing, or a name under a watched prefix.

-- The replica whose Acquire stream holds a grant (null: a TryAcquire, no stream).
ALTER TABLE lock_holder ADD COLUMN stream_replica uuid;

-- Prefixes watched on each replica (Watch); rows go with their replica.
CREATE TABLE lock_watch (
    replica_id  uuid        NOT NULL REFERENCES lock_replica (id) ON DELETE CASCADE,
    prefix      text        NOT NULL,
    since       timestamptz NOT NULL,
    PRIMARY KEY (replica_id, prefix)
);

CREATE FUNCTION lock_watched(p_name text) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM lock_watch WHERE starts_with(p_name, prefix))
$$;

-- Protobuf wire format (protobuf.dev/programming-guides/encoding) for the events the functions write. Proto3
-- semantics: scalar fields with their default value are left out, message fields are written when set.
-- LockFunctionsTest parses what these produce with the generated classes and compares with the Java-built events.

CREATE FUNCTION pb_varint(v bigint) RETURNS bytea LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    encoded bytea := ''::bytea;
BEGIN
    IF v < 0 THEN
        -- two's complement as an unsigned 64-bit number: the first shift must not carry the sign in
        encoded := set_byte('\x00'::bytea, 0, ((v & 127) | 128)::int);
        v := (v >> 7) & 144115188075855871;   -- 2^57 - 1
    END IF;
    WHILE v >= 128 LOOP
        encoded := encoded || set_byte('\x00'::bytea, 0, ((v & 127) | 128)::int);
        v := v >> 7;
    END LOOP;
    RETURN encoded || set_byte('\x00'::bytea, 0, v::int);
END $$;

-- A varint field (int32, int64, enum) under key k (field number << 3); 0 is the default and left out. Inlined into
-- the callers' statements (a plain SQL function over cheap arguments).
CREATE FUNCTION pb_num(k int, v bigint) RETURNS bytea LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN v IS NULL OR v = 0 THEN ''::bytea
                WHEN v > 0 AND v < 128 THEN set_byte(set_byte('\x0000'::bytea, 0, k), 1, v::int)
                ELSE set_byte('\x00'::bytea, 0, k) || pb_varint(v) END
$$;

-- A length-delimited field (embedded message, bytes) under key k (field number << 3 | 2); always written.
CREATE FUNCTION pb_len(k int, body bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF length(body) < 128 THEN
        RETURN set_byte(set_byte('\x0000'::bytea, 0, k), 1, length(body)) || body;
    END IF;
    RETURN set_byte('\x00'::bytea, 0, k) || pb_varint(length(body)) || body;
END $$;

-- A string field under key k; '' is the default and left out.
CREATE FUNCTION pb_str(k int, s text) RETURNS bytea LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    utf8 bytea;
BEGIN
    IF s IS NULL OR s = '' THEN
        RETURN ''::bytea;
    END IF;
    utf8 := convert_to(s, 'UTF8');
    IF length(utf8) < 128 THEN
        RETURN set_byte(set_byte('\x0000'::bytea, 0, k), 1, length(utf8)) || utf8;
    END IF;
    RETURN set_byte('\x00'::bytea, 0, k) || pb_varint(length(utf8)) || utf8;
END $$;

-- A google.protobuf.Timestamp or Duration field under key k, from microseconds (since the epoch, or of the length;
-- negative lengths count as zero, like LockEvents.duration). Both varints are encoded here: this runs several times
-- per event.
CREATE FUNCTION pb_time(k int, micros bigint) RETURNS bytea LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    secs bigint := greatest(micros, 0) / 1000000;
    nanos bigint := (greatest(micros, 0) % 1000000) * 1000;
    body bytea := ''::bytea;
BEGIN
    IF secs <> 0 THEN
        body := '\x08'::bytea;
        WHILE secs >= 128 LOOP
            body := body || set_byte('\x00'::bytea, 0, ((secs & 127) | 128)::int);
            secs := secs >> 7;
        END LOOP;
        body := body || set_byte('\x00'::bytea, 0, secs::int);
    END IF;
    IF nanos <> 0 THEN
        body := body || '\x10'::bytea;
        WHILE nanos >= 128 LOOP
            body := body || set_byte('\x00'::bytea, 0, ((nanos & 127) | 128)::int);
            nanos := nanos >> 7;
        END LOOP;
        body := body || set_byte('\x00'::bytea, 0, nanos::int);
    END IF;
    RETURN set_byte(set_byte('\x0000'::bytea, 0, k), 1, length(body)) || body;
END $$;

-- asgard.lock.v1.LockMode of a mode column
CREATE FUNCTION pb_mode(mode text) RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE mode WHEN 'EXCLUSIVE' THEN 1 WHEN 'SHARED' THEN 2 WHEN 'SEMAPHORE' THEN 3 ELSE 0 END::bigint
$$;

CREATE FUNCTION lock_micros(t timestamptz) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT (extract(epoch FROM t) * 1000000)::bigint
$$;

-- The lock events, as LockEvents writes them (the same outbox row; the payload built field by field in field number
-- order, as protobuf-java serializes). Keys: 10/18/26/42/66/74 = fields 1/2/3/5/8/9 length-delimited,
-- 32/40/48/56 = fields 4/5/6/7 varint.

-- asgard.events.v1.LockAcquired
CREATE FUNCTION lock_event_acquired(p_topic text, h lock_holder, p_now timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    now_us bigint := lock_micros(p_now);
BEGIN
    INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)
    VALUES (gen_random_uuid(), p_topic, h.name, 'asgard.lock.lock.acquired', h.name, p_now,
            pb_str(10, h.name) || pb_time(18, now_us)
            || pb_len(26, pb_str(10, h.device_id::text) || pb_str(18, h.session_id))
            || pb_num(32, h.fencing_token) || pb_num(40, pb_mode(h.mode)) || pb_num(48, h.permits)
            || pb_num(56, h.priority) || pb_time(66, lock_micros(h.lease_expires_at))
            || pb_time(74, now_us - lock_micros(h.enqueued_at)),
            'asgard.events.v1.LockAcquired');
END $$;

-- asgard.events.v1.LockReleased
CREATE FUNCTION lock_event_released(p_topic text, h lock_holder, p_now timestamptz) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    now_us bigint := lock_micros(p_now);
BEGIN
    INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)
    VALUES (gen_random_uuid(), p_topic, h.name, 'asgard.lock.lock.released', h.name, p_now,
            pb_str(10, h.name) || pb_time(18, now_us)
            || pb_len(26, pb_str(10, h.device_id::text) || pb_str(18, h.session_id))
            || pb_num(32, h.fencing_token) || pb_time(42, now_us - lock_micros(h.acquired_at)),
            'asgard.events.v1.LockReleased');
END $$;

-- asgard.events.v1.LockExpired
CREATE FUNCTION lock_event_expired(p_topic text, h lock_holder, p_now timestamptz) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)
    VALUES (gen_random_uuid(), p_topic, h.name, 'asgard.lock.lock.expired', h.name, p_now,
            pb_str(10, h.name) || pb_time(18, lock_micros(p_now))
            || pb_len(26, pb_str(10, h.device_id::text) || pb_str(18, h.session_id))
            || pb_num(32, h.fencing_token) || pb_time(42, lock_micros(h.last_renewed_at)),
            'asgard.events.v1.LockExpired');
END $$;

-- Ends the grants of a lock whose lease ran out (caller holds the state row lock). Returns the NOTIFY items.
CREATE FUNCTION lock_expire_lapsed(p_name text, p_now timestamptz, p_topic text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    h lock_holder;
    items text := '';
BEGIN
    FOR h IN SELECT * FROM lock_holder WHERE name = p_name AND lease_expires_at <= p_now ORDER BY fencing_token LOOP
        DELETE FROM lock_holder WHERE name = h.name AND fencing_token = h.fencing_token;
        INSERT INTO lock_grant_end (name, fencing_token, device_id, session_id, reason, ended_by, ended_at)
        VALUES (h.name, h.fencing_token, h.device_id, h.session_id, 'EXPIRED', 'lease', p_now) ON CONFLICT DO NOTHING;
        PERFORM lock_event_expired(p_topic, h, p_now);
        items := items || '|e' || h.fencing_token || ',EXPIRED';
    END LOOP;
    RETURN items;
END $$;

-- Grants the longest compatible head of the queue (GrantPlanner.grantable; no preempting waiter may be queued) and
-- clears the kind when the lock ends up free. Waiters of replicas that stopped heartbeating leave the queue first
-- (recorded as SHUTTING_DOWN): nobody would use their grant. Caller holds the state row lock. Returns NOTIFY items.
CREATE FUNCTION lock_grant_queue(p_name text, p_max_permits int, p_now timestamptz, p_alive_since timestamptz,
        p_topic text) RETURNS text LANGUAGE plpgsql AS $$
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

-- Acquire (p_replica set: queue if it cannot be granted now) or TryAcquire (p_replica null: never queue), for a
-- request that does not preempt. Outcomes:
--   GRANTED (fencing_token, lease_expires_at), QUEUED (queue_position, queue_length, blocked_by = holders as
--   'device/session' in token order), BUSY (TryAcquire that does not fit), SLOW (a preempting request is queued:
--   nothing was changed, LockEngine decides).
-- owner_holds tells whether the owner holds some lock (a queued request can then close a deadlock cycle).
-- Refusals raise P0001 with the reason as message and a value as detail (nothing is changed):
--   LOCK_MODE_MISMATCH (detail 'kind:<kind>' or 'permits:<n>'), TOO_MANY_LOCKS, TOO_MANY_WAITING (detail: count),
--   REQUEST_ID_IN_USE.
CREATE FUNCTION lock_acquire(p_name text, p_request_id uuid, p_device uuid, p_session text, p_mode text,
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
    items text;
    n int;
    excl boolean;
    used int;
    has_waiters boolean;
    is_free boolean;
    held bigint;
    waiting bigint;
    max_held int;
    max_waiting int;
    token bigint;
    fits boolean;
BEGIN
    SELECT * INTO s FROM lock_state WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO lock_state (name, updated_at) VALUES (p_name, p_now) ON CONFLICT (name) DO NOTHING;
        SELECT * INTO s FROM lock_state WHERE name = p_name FOR UPDATE;
    END IF;
    IF EXISTS (SELECT 1 FROM lock_waiter WHERE name = p_name AND preempt) THEN
        outcome := 'SLOW';
        RETURN;
    END IF;

    items := lock_expire_lapsed(p_name, p_now, p_topic);
    SELECT count(*), coalesce(bool_or(x.mode = 'EXCLUSIVE'), false), coalesce(sum(x.permits), 0)
    INTO n, excl, used FROM lock_holder x WHERE x.name = p_name;
    has_waiters := EXISTS (SELECT 1 FROM lock_waiter x WHERE x.name = p_name);
    is_free := n = 0 AND NOT has_waiters;

    IF NOT is_free AND s.kind IS NOT NULL THEN
        IF s.kind <> v_kind THEN
            RAISE EXCEPTION USING MESSAGE = 'LOCK_MODE_MISMATCH', DETAIL = 'kind:' || s.kind;
        END IF;
        IF p_mode = 'SEMAPHORE' AND s.max_permits <> p_max_permits THEN
            RAISE EXCEPTION USING MESSAGE = 'LOCK_MODE_MISMATCH', DETAIL = 'permits:' || s.max_permits;
        END IF;
    END IF;
    SELECT (SELECT count(*) FROM lock_holder x WHERE x.device_id = p_device),
           (SELECT count(*) FROM lock_waiter x WHERE x.device_id = p_device),
           coalesce((SELECT l.max_held FROM lock_device_limit l WHERE l.device_id = p_device), p_default_max_held),
           coalesce((SELECT l.max_waiting FROM lock_device_limit l WHERE l.device_id = p_device), p_default_max_waiting)
    INTO held, waiting, max_held, max_waiting;
    IF held >= max_held THEN
        RAISE EXCEPTION USING MESSAGE = 'TOO_MANY_LOCKS', DETAIL = held::text;
    END IF;
    IF waiting >= max_waiting THEN
        RAISE EXCEPTION USING MESSAGE = 'TOO_MANY_WAITING', DETAIL = waiting::text;
    END IF;

    v_max_permits := CASE WHEN is_free THEN p_max_permits ELSE s.max_permits END;
    owner_holds := EXISTS (SELECT 1 FROM lock_holder x WHERE x.device_id = p_device AND x.session_id = p_session);

    fits := CASE p_mode WHEN 'EXCLUSIVE' THEN n = 0 WHEN 'SHARED' THEN NOT excl
                        ELSE used + p_permits <= v_max_permits END;
    IF fits AND NOT has_waiters AND NOT EXISTS (SELECT 1 FROM lock_waiter x WHERE x.request_id = p_request_id) THEN
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

-- Release by fencing token. Returns RELEASED, ALREADY_RELEASED, LOST:<reason>, NOT_FOUND (never granted to this
-- owner), or SLOW (a preempting request is queued: nothing was changed, LockEngine decides). A release that hands
-- the lock to nobody commits without waiting for the WAL flush when p_durable is false: losing it in a crash
-- leaves the grant to run out its lease, and any later change that depends on it (a grant) flushes it first.
CREATE FUNCTION lock_release(p_name text, p_token bigint, p_device uuid, p_session text, p_now timestamptz,
        p_alive_since timestamptz, p_topic text, p_durable boolean, p_replica uuid) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    s lock_state;
    h lock_holder;
    items text;
    ended text;
BEGIN
    SELECT * INTO s FROM lock_state WHERE name = p_name FOR UPDATE;
    IF NOT FOUND THEN
        RETURN 'NOT_FOUND';
    END IF;
    IF EXISTS (SELECT 1 FROM lock_waiter WHERE name = p_name AND preempt) THEN
        RETURN 'SLOW';
    END IF;
    SELECT * INTO h FROM lock_holder x WHERE x.name = p_name AND x.fencing_token = p_token
        AND x.device_id = p_device AND x.session_id = p_session;
    IF FOUND AND h.lease_expires_at > p_now THEN
        DELETE FROM lock_holder x WHERE x.name = p_name AND x.fencing_token = p_token;
        INSERT INTO lock_grant_end (name, fencing_token, device_id, session_id, reason, ended_by, ended_at)
        VALUES (p_name, p_token, p_device, p_session, 'RELEASED', p_device || '/' || p_session, p_now)
        ON CONFLICT DO NOTHING;
        PERFORM lock_event_released(p_topic, h, p_now);
        items := lock_expire_lapsed(p_name, p_now, p_topic);
        items := items || lock_grant_queue(p_name, s.max_permits, p_now, p_alive_since, p_topic);
        IF NOT p_durable AND position('|g' IN items) = 0 THEN
            PERFORM set_config('synchronous_commit', 'off', true);
        END IF;
        -- The releasing replica completes the holder's stream itself when it has it.
        IF items <> '' OR h.stream_replica IS DISTINCT FROM p_replica AND h.stream_replica IS NOT NULL
                OR lock_watched(p_name) THEN
            PERFORM pg_notify('asgard_lock', p_name || '|t' || lock_micros(p_now) || '|e' || p_token || ',RELEASED'
                    || items);
        END IF;
        RETURN 'RELEASED';
    END IF;
    items := lock_expire_lapsed(p_name, p_now, p_topic);
    IF items <> '' THEN
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

-- One lock as one consistent read (a single statement sees one snapshot): the state row, holders in token order and
-- waiters in queue order as JSON arrays. No row when the name was never used.
CREATE FUNCTION lock_snapshot(p_name text) RETURNS TABLE (kind text, max_permits int, fencing_counter bigint,
        updated_at timestamptz, holders json, waiters json) LANGUAGE sql STABLE AS $$
    SELECT s.kind, s.max_permits, s.fencing_counter, s.updated_at,
           (SELECT coalesce(json_agg(h ORDER BY h.fencing_token), '[]') FROM lock_holder h WHERE h.name = s.name),
           (SELECT coalesce(json_agg(w ORDER BY w.priority DESC, w.seq), '[]') FROM lock_waiter w WHERE w.name = s.name)
    FROM lock_state s WHERE s.name = p_name
$$;
