-- lock-service schema, version 13: a batch of takes counts a device's grants once and only up to its limit, as
-- lock_acquire does (V7, V12). V9's set-based check counted every grant and every waiting request of the device, in
-- full, per item, and read the device's grants a second time for owner_holds: a device holding hundreds of locks
-- (the default limit is 1 000) made each of its takes in a batch walk all of them twice. Now one probe of the
-- device index reads at most max_held grants and answers both the limit and owner_holds, and the waiting requests
-- are counted up to max_waiting. Everything else is V9's function unchanged (LockFunctionsTest compares the batch
-- with the takes alone, a device at its limit included).

CREATE OR REPLACE FUNCTION lock_acquire_many(p_names text[], p_request_ids uuid[], p_devices uuid[],
        p_sessions text[], p_modes text[], p_permits int[], p_max_permits int[], p_priorities int[],
        p_preemptibles boolean[], p_purposes text[], p_ttls_ms bigint[], p_wait_deadlines timestamptz[],
        p_replicas uuid[], p_nows timestamptz[], p_alive_sinces timestamptz[], p_default_max_held int,
        p_default_max_waiting int, p_topic text)
RETURNS TABLE (item int, outcome text, fencing_token bigint, lease_expires_at timestamptz, queue_position int,
        queue_length int, blocked_by text[], owner_holds boolean, refusal text, refusal_detail text)
LANGUAGE plpgsql AS $$
DECLARE
    i int;
    r record;
    v_constraint text;
    v_items int := cardinality(p_names);
    fast boolean[] := array_fill(false, ARRAY[v_items]);
    fast_tokens bigint[] := array_fill(NULL::bigint, ARRAY[v_items]);
    fast_leases timestamptz[] := array_fill(NULL::timestamptz, ARRAY[v_items]);
    fast_owner_holds boolean[] := array_fill(NULL::boolean, ARRAY[v_items]);
BEGIN
    IF (SELECT count(*) FROM lock_state s WHERE s.name = ANY (p_names))
            = (SELECT count(DISTINCT u.n) FROM unnest(p_names) AS u (n)) THEN
        PERFORM 1 FROM lock_state s WHERE s.name = ANY (p_names) ORDER BY s.name COLLATE "C" FOR UPDATE;
        FOR r IN
            WITH req AS (
                SELECT u.o::int AS item, u.n AS name, p_request_ids[u.o] AS request_id, p_devices[u.o] AS device_id,
                       p_sessions[u.o] AS session_id, p_modes[u.o] AS mode, p_permits[u.o] AS permits,
                       p_max_permits[u.o] AS max_permits, p_priorities[u.o] AS priority,
                       p_preemptibles[u.o] AS preemptible, p_purposes[u.o] AS purpose, p_ttls_ms[u.o] AS ttl_ms,
                       p_replicas[u.o] AS replica, p_nows[u.o] AS now,
                       row_number() OVER (PARTITION BY u.n ORDER BY u.o) AS nth_of_name,
                       count(*) OVER (PARTITION BY p_devices[u.o]) AS of_device,
                       count(*) OVER (PARTITION BY p_request_ids[u.o]) AS of_request
                FROM unnest(p_names) WITH ORDINALITY AS u (n, o)),
            lim AS (
                SELECT q.*, coalesce(l.max_held, p_default_max_held) AS max_held,
                       coalesce(l.max_waiting, p_default_max_waiting) AS max_waiting
                FROM req q
                LEFT JOIN lock_device_limit l ON l.device_id = q.device_id
                WHERE q.nth_of_name = 1 AND q.of_device = 1 AND q.of_request = 1
                  AND (q.mode <> 'SEMAPHORE' OR q.permits <= q.max_permits)),
            simple AS (
                SELECT q.*, d.owner_holds
                FROM lim q
                -- The device's grants read once, and only up to its limit: below the limit every grant is counted,
                -- so owner_holds is exact whenever the item qualifies.
                CROSS JOIN LATERAL (
                    SELECT count(*) AS held, coalesce(bool_or(g.session_id = q.session_id), false) AS owner_holds
                    FROM (SELECT x.session_id FROM lock_holder x WHERE x.device_id = q.device_id
                          LIMIT q.max_held) AS g) AS d
                WHERE d.held < q.max_held
                  AND NOT EXISTS (SELECT 1 FROM lock_holder x WHERE x.name = q.name)
                  AND NOT EXISTS (SELECT 1 FROM lock_waiter y WHERE y.name = q.name)
                  AND NOT EXISTS (SELECT 1 FROM lock_waiter y WHERE y.request_id = q.request_id)
                  AND NOT EXISTS (SELECT 1 FROM lock_holder x WHERE x.request_id = q.request_id)
                  AND (SELECT count(*) FROM (SELECT 1 FROM lock_waiter y WHERE y.device_id = q.device_id
                                             LIMIT q.max_waiting) AS c) < q.max_waiting),
            counted AS (
                UPDATE lock_state s SET fencing_counter = s.fencing_counter + 1,
                       kind = CASE WHEN f.mode = 'SEMAPHORE' THEN 'SEMAPHORE' ELSE 'LOCK' END,
                       max_permits = f.max_permits, updated_at = f.now
                FROM simple f WHERE s.name = f.name
                RETURNING f.item, s.fencing_counter AS token),
            held AS (
                INSERT INTO lock_holder (name, fencing_token, device_id, session_id, request_id, mode, permits,
                        priority, preemptible, purpose, acquired_at, enqueued_at, lease_ttl_ms, lease_expires_at,
                        last_renewed_at, stream_replica)
                SELECT f.name, c.token, f.device_id, f.session_id, f.request_id, f.mode, f.permits, f.priority,
                       f.preemptible, f.purpose, f.now, f.now, f.ttl_ms, f.now + f.ttl_ms * interval '1 millisecond',
                       f.now, f.replica
                FROM simple f JOIN counted c ON c.item = f.item
                RETURNING *),
            written AS (
                INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)
                SELECT gen_random_uuid(), p_topic, h.name, 'asgard.lock.lock.acquired', h.name, h.acquired_at,
                       lock_json_acquired(ROW(h.*)::lock_holder, h.acquired_at), 'asgard.events.v1.LockAcquired+json'
                FROM held h)
            SELECT f.item, h.name, h.request_id, h.fencing_token, h.lease_expires_at, h.acquired_at, f.owner_holds,
                   EXISTS (SELECT 1 FROM lock_watch w WHERE starts_with(h.name, w.prefix)) AS watched
            FROM held h JOIN simple f ON f.request_id = h.request_id
        LOOP
            fast[r.item] := true;
            fast_tokens[r.item] := r.fencing_token;
            fast_leases[r.item] := r.lease_expires_at;
            fast_owner_holds[r.item] := r.owner_holds;
            IF r.watched THEN
                PERFORM pg_notify('asgard_lock', r.name || '|t' || lock_micros(r.acquired_at) || '|g' || r.request_id
                        || ',' || r.fencing_token || ',' || lock_micros(r.lease_expires_at));
            END IF;
        END LOOP;
    END IF;

    FOR i IN SELECT u.o FROM unnest(p_names) WITH ORDINALITY AS u (n, o) ORDER BY u.n COLLATE "C", u.o LOOP
        item := i;
        refusal := NULL;
        refusal_detail := NULL;
        IF fast[i] THEN
            outcome := 'GRANTED';
            fencing_token := fast_tokens[i];
            lease_expires_at := fast_leases[i];
            queue_position := NULL;
            queue_length := NULL;
            blocked_by := NULL;
            owner_holds := fast_owner_holds[i];
            RETURN NEXT;
            CONTINUE;
        END IF;
        BEGIN
            SELECT * INTO r FROM lock_acquire(p_names[i], p_request_ids[i], p_devices[i], p_sessions[i], p_modes[i],
                    p_permits[i], p_max_permits[i], p_priorities[i], p_preemptibles[i], p_purposes[i], p_ttls_ms[i],
                    p_wait_deadlines[i], p_replicas[i], p_nows[i], p_alive_sinces[i], p_default_max_held,
                    p_default_max_waiting, p_topic);
            outcome := r.outcome;
            fencing_token := r.fencing_token;
            lease_expires_at := r.lease_expires_at;
            queue_position := r.queue_position;
            queue_length := r.queue_length;
            blocked_by := r.blocked_by;
            owner_holds := r.owner_holds;
        EXCEPTION
            WHEN raise_exception THEN
                GET STACKED DIAGNOSTICS refusal = MESSAGE_TEXT, refusal_detail = PG_EXCEPTION_DETAIL;
                outcome := 'REFUSED';
            WHEN unique_violation THEN
                GET STACKED DIAGNOSTICS v_constraint = CONSTRAINT_NAME;
                IF v_constraint IS DISTINCT FROM 'lock_holder_request_uq' THEN
                    RAISE;
                END IF;
                outcome := 'REFUSED';
                refusal := 'REQUEST_ID_IN_USE';
                refusal_detail := '';
        END;
        IF outcome = 'REFUSED' THEN
            fencing_token := NULL;
            lease_expires_at := NULL;
            queue_position := NULL;
            queue_length := NULL;
            blocked_by := NULL;
            owner_holds := NULL;
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;

-- CREATE OR REPLACE resets a function's settings; V9's and V10's reasons for these still hold.
ALTER FUNCTION lock_acquire_many(text[], uuid[], uuid[], text[], text[], int[], int[], int[], boolean[], text[],
        bigint[], timestamptz[], uuid[], timestamptz[], timestamptz[], int, int, text) SET enable_bitmapscan = off;
ALTER FUNCTION lock_acquire_many(text[], uuid[], uuid[], text[], text[], int[], int[], int[], boolean[], text[],
        bigint[], timestamptz[], uuid[], timestamptz[], timestamptz[], int, int, text) SET enable_seqscan = off;
ALTER FUNCTION lock_acquire_many(text[], uuid[], uuid[], text[], text[], int[], int[], int[], boolean[], text[],
        bigint[], timestamptz[], uuid[], timestamptz[], timestamptz[], int, int, text)
        SET plan_cache_mode = force_generic_plan;
