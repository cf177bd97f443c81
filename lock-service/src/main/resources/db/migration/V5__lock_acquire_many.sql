-- lock-service schema, version 5: several takes of one replica in ONE transaction (docs/lock-service.md, "Several
-- takes in one commit"). A grant is acknowledged only after its commit is flushed, and a flush costs milliseconds on
-- a real disk; when requests arrive while a transaction of the replica is in flight, the next transaction takes all
-- of them, so one flush covers many grants.
--
-- Each item is exactly one lock_acquire call, with the same arguments and the same answer as if it ran alone, in the
-- order given here: items in lock-name order (byte order), items of one name in arrival order. The name order is the
-- order in which every batch takes the lock_state row locks, so two batches (of any replicas) cannot deadlock on
-- them; every other transaction locks a single state row. Each item runs in a subtransaction (an exception block):
-- a refusal (P0001, or the unique violation of a request id that is still held) rolls back that item only and is
-- returned as its answer; nothing else is caught, so any other error fails the whole transaction, which then
-- changed nothing (the replica runs each item again on its own).
CREATE FUNCTION lock_acquire_many(p_names text[], p_request_ids uuid[], p_devices uuid[], p_sessions text[],
        p_modes text[], p_permits int[], p_max_permits int[], p_priorities int[], p_preemptibles boolean[],
        p_purposes text[], p_ttls_ms bigint[], p_wait_deadlines timestamptz[], p_replicas uuid[],
        p_nows timestamptz[], p_alive_sinces timestamptz[], p_default_max_held int, p_default_max_waiting int,
        p_topic text)
RETURNS TABLE (item int, outcome text, fencing_token bigint, lease_expires_at timestamptz, queue_position int,
        queue_length int, blocked_by text[], owner_holds boolean, refusal text, refusal_detail text)
LANGUAGE plpgsql AS $$
DECLARE
    i int;
    r record;
    v_constraint text;
BEGIN
    FOR i IN SELECT u.o FROM unnest(p_names) WITH ORDINALITY AS u (n, o) ORDER BY u.n COLLATE "C", u.o LOOP
        item := i;
        refusal := NULL;
        refusal_detail := NULL;
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
