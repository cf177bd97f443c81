-- lock-service schema, version 6: several releases of one replica in ONE transaction (docs/lock-service.md, "Several
-- takes in one commit", releases). Releases were one transaction each, the larger share of the commits per lock
-- operation once takes were grouped; under load the per-transaction cost (round trip, snapshot, commit, NOTIFY's
-- commit serialisation) is what runs out.
--
-- Each item is exactly one lock_release call with the item's own arguments and the answer it would get alone, in
-- lock-name order (byte order), items of one name in arrival order: the order in which lock_acquire_many takes the
-- state row locks too, so batches of either kind cannot deadlock on them. lock_release raises no refusals, so there
-- are no subtransactions: any error fails the whole transaction, which then changed nothing, and the replica runs
-- each release of the batch again on its own.
--
-- Durability: each item runs with p_durable = true (it never switches the commit to asynchronous itself). The batch
-- commits asynchronously only when p_durable is false and EVERY item released a grant that handed the lock to nobody
-- (answer 'RELEASED...' without a '|g' grant item): the same rule as a single release. An item with any other answer
-- may have granted from the queue after ending lapsed leases without saying so in its answer, so such a batch stays
-- synchronous: a grant is never acknowledged on a commit that is not flushed.
CREATE FUNCTION lock_release_many(p_names text[], p_tokens bigint[], p_devices uuid[], p_sessions text[],
        p_nows timestamptz[], p_alive_sinces timestamptz[], p_topic text, p_durable boolean, p_replica uuid)
RETURNS TABLE (item int, answer text)
LANGUAGE plpgsql AS $$
DECLARE
    i int;
    asynchronous boolean := NOT p_durable;
BEGIN
    FOR i IN SELECT u.o FROM unnest(p_names) WITH ORDINALITY AS u (n, o) ORDER BY u.n COLLATE "C", u.o LOOP
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
