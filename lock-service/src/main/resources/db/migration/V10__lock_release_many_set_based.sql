-- lock-service schema, version 10: a batch of releases ends the simple ones in a few set-based statements, as V9 does
-- for takes (docs/lock-service.md, "Several takes in one commit"). With takes set-based, lock_release_many's loop was
-- the larger half of PostgreSQL's time per take + release: about ten PL/pgSQL statements and four function calls per
-- item (docs/benchmarks.md, "Run L").
--
-- An item takes the set-based path only if its answer cannot depend on the other items or on the order: its lock name
-- appears in no other item, the owner's grant with that token is live, and the lock has neither a waiter nor a
-- lapsed grant. lock_release then deletes the holder, records the end, writes the released event, frees the lock
-- if that was its last holder, hands nothing off and answers 'RELEASED|t<now>|e<token>,RELEASED': exactly what the
-- statement below does for all such items at once. Every other item still runs lock_release, in name order, as
-- before (LockFunctionsTest compares the batch with the releases alone, events included).
--
-- Locking order: as in V9, the path is taken only when every lock name of the batch has its state row, and then all
-- of them are locked first, in name order (byte order), before anything is read.
--
-- Plans: the set-based part is a function of its own (lock_release_simple) that always uses generic plans and never
-- scans a table. A first try of this, not merged, was slower than the loop it replaced: PL/pgSQL re-planned its large
-- statement on every call, and the plans it chose scanned the churning holder table (details below). The lookups go
-- by index probes per item (name = ANY, the token checked per row), so the generic plan does not depend on the
-- batch's values.

-- The JSON of asgard.events.v1.LockReleased for a holder (V8), shared by lock_event_released and the batch.
CREATE FUNCTION lock_json_released(h lock_holder, p_now timestamptz) RETURNS bytea LANGUAGE sql STABLE AS $$
    SELECT convert_to(json_build_object(
               'lockName', h.name,
               'changeTime', lock_json_time(p_now),
               'owner', json_build_object('deviceId', h.device_id, 'sessionId', h.session_id),
               'fencingToken', h.fencing_token::text,
               'holdDuration', lock_json_duration(lock_micros(p_now) - lock_micros(h.acquired_at)))::text, 'UTF8')
$$;

CREATE OR REPLACE FUNCTION lock_event_released(p_topic text, h lock_holder, p_now timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)
    VALUES (gen_random_uuid(), p_topic, h.name, 'asgard.lock.lock.released', h.name, p_now,
            lock_json_released(h, p_now), 'asgard.events.v1.LockReleased+json');
END $$;

-- The simple items of a batch of releases, ended together; the answer of each. Runs only when every lock name of the
-- batch has its state row, and locks all of those rows first, in name order.
CREATE FUNCTION lock_release_simple(p_names text[], p_tokens bigint[], p_devices uuid[], p_sessions text[],
        p_nows timestamptz[], p_topic text, p_replica uuid)
RETURNS TABLE (item int, answer text)
LANGUAGE plpgsql AS $$
DECLARE
    r record;
    simple_names text[];
    simple_tokens bigint[];
    simple_items int[];
BEGIN
    PERFORM 1 FROM lock_state s WHERE s.name = ANY (p_names) ORDER BY s.name COLLATE "C" FOR UPDATE;
    -- Each item's checks are probes of the holder's primary key and of the queue index.
    SELECT array_agg(q.name), array_agg(q.token), array_agg(q.item)
    INTO simple_names, simple_tokens, simple_items
    FROM (SELECT u.o::int AS item, u.n AS name, p_tokens[u.o] AS token, p_devices[u.o] AS device_id,
                 p_sessions[u.o] AS session_id, p_nows[u.o] AS now,
                 count(*) OVER (PARTITION BY u.n) AS of_name
          FROM unnest(p_names) WITH ORDINALITY AS u (n, o)) q
    WHERE q.of_name = 1
      AND EXISTS (SELECT 1 FROM lock_holder x WHERE x.name = q.name AND x.fencing_token = q.token
                  AND x.device_id = q.device_id AND x.session_id = q.session_id AND x.lease_expires_at > q.now)
      AND NOT EXISTS (SELECT 1 FROM lock_holder x WHERE x.name = q.name AND x.lease_expires_at <= q.now)
      AND NOT EXISTS (SELECT 1 FROM lock_waiter y WHERE y.name = q.name);
    IF simple_items IS NULL THEN
        RETURN;
    END IF;
    FOR r IN
        WITH gone AS (
            DELETE FROM lock_holder x
            WHERE x.name = ANY (simple_names)
              AND x.fencing_token = simple_tokens[array_position(simple_names, x.name)]
            RETURNING x AS h, simple_items[array_position(simple_names, x.name)] AS item),
        ended AS (
            INSERT INTO lock_grant_end (name, fencing_token, device_id, session_id, reason, ended_by, ended_at)
            SELECT (g.h).name, (g.h).fencing_token, (g.h).device_id, (g.h).session_id, 'RELEASED',
                   (g.h).device_id || '/' || (g.h).session_id, p_nows[g.item]
            FROM gone g
            ON CONFLICT DO NOTHING),
        written AS (
            INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)
            SELECT gen_random_uuid(), p_topic, (g.h).name, 'asgard.lock.lock.released', (g.h).name, p_nows[g.item],
                   lock_json_released(g.h, p_nows[g.item]), 'asgard.events.v1.LockReleased+json'
            FROM gone g)
        SELECT g.item, (g.h).name AS name, (g.h).fencing_token AS fencing_token,
               (g.h).stream_replica AS stream_replica,
               EXISTS (SELECT 1 FROM lock_watch w WHERE starts_with((g.h).name, w.prefix)) AS watched
        FROM gone g
    LOOP
        item := r.item;
        answer := 'RELEASED|t' || lock_micros(p_nows[r.item]) || '|e' || r.fencing_token || ',RELEASED';
        IF r.stream_replica IS DISTINCT FROM p_replica AND r.stream_replica IS NOT NULL OR r.watched THEN
            PERFORM pg_notify('asgard_lock', r.name || substr(answer, length('RELEASED') + 1));
        END IF;
        RETURN NEXT;
    END LOOP;
    -- A lock whose last holder left is free again (lock_grant_queue does the same when nobody waits).
    UPDATE lock_state s SET kind = NULL, max_permits = 1,
           updated_at = p_nows[simple_items[array_position(simple_names, s.name)]]
    WHERE s.name = ANY (simple_names) AND NOT EXISTS (SELECT 1 FROM lock_holder x WHERE x.name = s.name);
END $$;

-- Plans. Generic: left to choose, PL/pgSQL planned the statement above anew on every call (its custom plans looked
-- cheaper than the generic one), which cost more than the loop it replaces. Index probes only: the holder table churns
-- (a row per grant, deleted at its end) and in the minute before autovacuum first visits a database it holds tens of
-- thousands of dead rows in a thousand pages; a plan that scans it (a hash anti-join, a hashed NOT EXISTS) then costs
-- a millisecond per batch where the probes cost microseconds (docs/benchmarks.md, "Run L").
ALTER FUNCTION lock_release_simple(text[], bigint[], uuid[], text[], timestamptz[], text, uuid)
        SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION lock_release_simple(text[], bigint[], uuid[], text[], timestamptz[], text, uuid)
        SET enable_seqscan = off;
ALTER FUNCTION lock_release_simple(text[], bigint[], uuid[], text[], timestamptz[], text, uuid)
        SET enable_bitmapscan = off;

CREATE OR REPLACE FUNCTION lock_release_many(p_names text[], p_tokens bigint[], p_devices uuid[], p_sessions text[],
        p_nows timestamptz[], p_alive_sinces timestamptz[], p_topic text, p_durable boolean, p_replica uuid)
RETURNS TABLE (item int, answer text)
LANGUAGE plpgsql AS $$
DECLARE
    i int;
    r record;
    asynchronous boolean := NOT p_durable;
    fast boolean[] := array_fill(false, ARRAY[cardinality(p_names)]);
BEGIN
    IF (SELECT count(*) FROM lock_state s WHERE s.name = ANY (p_names))
            = (SELECT count(DISTINCT u.n) FROM unnest(p_names) AS u (n)) THEN
        FOR r IN SELECT * FROM lock_release_simple(p_names, p_tokens, p_devices, p_sessions, p_nows, p_topic, p_replica)
        LOOP
            fast[r.item] := true;
            item := r.item;
            answer := r.answer;
            RETURN NEXT;
        END LOOP;
    END IF;

    FOR i IN SELECT u.o FROM unnest(p_names) WITH ORDINALITY AS u (n, o) ORDER BY u.n COLLATE "C", u.o LOOP
        CONTINUE WHEN fast[i];
        item := i;
        answer := lock_release(p_names[i], p_tokens[i], p_devices[i], p_sessions[i], p_nows[i], p_alive_sinces[i],
                p_topic, true, p_replica);
        IF NOT starts_with(answer, 'RELEASED') OR position('|g' IN answer) > 0 THEN
            asynchronous := false;
        END IF;
        RETURN NEXT;
    END LOOP;
    IF asynchronous THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;
END $$;

-- The same reason for the batches' own statements (counting and locking the state rows, V9's set-based takes) and
-- for the single-item functions they call: index probes, never a scan of a churning table.
ALTER FUNCTION lock_release_many(text[], bigint[], uuid[], text[], timestamptz[], timestamptz[], text, boolean, uuid)
        SET enable_seqscan = off;
ALTER FUNCTION lock_release_many(text[], bigint[], uuid[], text[], timestamptz[], timestamptz[], text, boolean, uuid)
        SET enable_bitmapscan = off;
ALTER FUNCTION lock_acquire_many(text[], uuid[], uuid[], text[], text[], int[], int[], int[], boolean[], text[],
        bigint[], timestamptz[], uuid[], timestamptz[], timestamptz[], int, int, text) SET enable_seqscan = off;
-- And generic plans for V9's set-based statement, as for lock_release_simple's (the single-item statements of the
-- lock_acquire calls inside settle on their generic plans anyway).
ALTER FUNCTION lock_acquire_many(text[], uuid[], uuid[], text[], text[], int[], int[], int[], boolean[], text[],
        bigint[], timestamptz[], uuid[], timestamptz[], timestamptz[], int, int, text)
        SET plan_cache_mode = force_generic_plan;
