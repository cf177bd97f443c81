package dev.asgard.lock.service;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.function.BiFunction;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.asgard.commons.events.JsonPayloads;
import dev.asgard.commons.events.OutboxEvent;
import dev.asgard.commons.events.OutboxJsonTypes;
import dev.asgard.commons.events.Topics;
import dev.asgard.lock.domain.GrantPlanner;
import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.Mode;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.Waiter;
import dev.asgard.proto.events.v1.LockAcquired;
import dev.asgard.proto.events.v1.LockExpired;
import dev.asgard.proto.events.v1.LockReleased;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The SQL functions of the common lock changes write their events to the outbox themselves, as proto3 JSON that the
 * relay turns into protobuf (V8__lock_events_as_json.sql, {@link JsonPayloads}). Each event here is written twice in
 * one transaction that is rolled back (the relay never sees it): by the SQL function and by {@link LockEvents}; what
 * the relay sends for the SQL row must be identical byte for byte to the Java row.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class LockFunctionsTest {

    @Inject
    Pool pool;

    @Inject
    LockEvents events;

    @Inject
    OutboxJsonTypes jsonTypes;

    @Test
    void acquiredReleasedAndExpiredEventsMatchTheJavaEvents() throws Exception {
        for (Holder holder : holders()) {
            Instant now = holder.acquiredAt().plusNanos(1_234_567_000L);
            assertSame("lock_event_acquired", holder, now, (tx, h) -> events.acquired(tx, h, now), LockAcquired::parseFrom);
            assertSame("lock_event_released", holder, now, (tx, h) -> events.released(tx, h, now), LockReleased::parseFrom);
            assertSame("lock_event_expired", holder, now, (tx, h) -> events.expired(tx, h, now), LockExpired::parseFrom);
        }
    }

    /**
     * The queue hand-off of the SQL functions ({@code lock_grant_queue}) grants exactly what {@link GrantPlanner}
     * plans, over random queues of every mode (each case in a rolled-back transaction).
     */
    @Test
    void theSqlHandOffGrantsWhatTheGrantPlannerPlans() {
        Random random = new Random(20261122);
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        UUID replica = aliveReplica(now);
        for (int round = 0; round < 150; round++) {
            boolean semaphore = random.nextBoolean();
            int maxPermits = semaphore ? 1 + random.nextInt(5) : 1;
            String name = "plan/" + round;
            List<Holder> holders = new ArrayList<>();
            int holderCount = random.nextInt(3);
            Mode holderMode = semaphore ? Mode.SEMAPHORE : random.nextInt(3) == 0 ? Mode.EXCLUSIVE : Mode.SHARED;
            for (int i = 0; i < holderCount && (holderMode != Mode.EXCLUSIVE || i == 0); i++) {
                holders.add(new Holder(name, i + 1, new Owner(UUID.randomUUID(), "h" + i), UUID.randomUUID(), holderMode,
                        semaphore ? 1 : 1, 0, false, null, now, now, Duration.ofMinutes(1), now.plusSeconds(60), now));
            }
            List<Waiter> waiters = new ArrayList<>();
            int waiterCount = random.nextInt(6);
            for (int i = 0; i < waiterCount; i++) {
                Mode mode = semaphore ? Mode.SEMAPHORE : random.nextBoolean() ? Mode.EXCLUSIVE : Mode.SHARED;
                waiters.add(new Waiter(UUID.randomUUID(), name, i + 1, new Owner(UUID.randomUUID(), "w" + i), mode,
                        semaphore ? 1 + random.nextInt(maxPermits) : 1, 5 * random.nextInt(3), false, false, null,
                        Duration.ofSeconds(30), now, null, replica));
            }
            List<Waiter> queue = waiters.stream().sorted(java.util.Comparator.comparingInt(Waiter::priority).reversed()
                    .thenComparingLong(Waiter::seq)).toList();
            List<UUID> planned = GrantPlanner.grantable(maxPermits, holders, queue).stream().map(Waiter::requestId)
                    .toList();
            assertEquals(planned, grantedBySql(name, semaphore ? "SEMAPHORE" : "LOCK", maxPermits, holders, waiters, now),
                    "round " + round + ": holders " + holders + ", queue " + queue);
        }
    }

    /**
     * {@code lock_acquire_many} answers every item exactly as {@code lock_acquire} called alone for each item, in name
     * order (arrival order within a name), would, and leaves the same holders, queues and events; so does
     * {@code lock_acquire} against V7's path, which it skips for a free lock (V12); a refused item changes nothing
     * (random requests over a few names, with mode and capacity mismatches, a device at its limit and request ids used
     * twice; each run in a rolled-back transaction).
     */
    @Test
    void aBatchOfTakesAnswersAndChangesWhatTheTakesAloneWould() {
        Random random = new Random(20261123);
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        UUID replica = aliveReplica(now);
        UUID limited = UUID.randomUUID();
        pool.preparedQuery("INSERT INTO lock_device_limit (device_id, max_held, max_waiting, updated_at, updated_by)"
                + " VALUES ($1, 1, 1, now(), 'test')").execute(Tuple.of(limited)).await().indefinitely();
        List<UUID> devices = List.of(UUID.randomUUID(), UUID.randomUUID(), limited);
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (int round = 0; round < 40; round++) {
            List<Object[]> items = new ArrayList<>();
            List<UUID> requestIds = new ArrayList<>();
            int count = 2 + random.nextInt(12);
            for (int i = 0; i < count; i++) {
                String name = "many/" + round + "/" + "cab".charAt(random.nextInt(3));
                boolean semaphore = name.endsWith("c") ? random.nextInt(5) > 0 : random.nextInt(5) == 0;
                String mode = semaphore ? "SEMAPHORE" : random.nextBoolean() ? "EXCLUSIVE" : "SHARED";
                UUID requestId = !requestIds.isEmpty() && random.nextInt(8) == 0
                        ? requestIds.get(random.nextInt(requestIds.size())) : UUID.randomUUID();
                requestIds.add(requestId);
                // Often a device of its own: an item whose device, request id and lock no other item shares may take
                // the set-based path of lock_acquire_many (V9).
                UUID device = random.nextInt(3) == 0 ? UUID.randomUUID() : devices.get(random.nextInt(devices.size()));
                items.add(new Object[] { name, requestId, device, "s" + random.nextInt(2), mode,
                        semaphore ? 1 + random.nextInt(2) : 1, semaphore ? 2 + random.nextInt(2) : 1,
                        5 * random.nextInt(3), random.nextBoolean(), null, 30_000L, utc(now.plusSeconds(60)),
                        random.nextBoolean() ? replica : null, utc(now), utc(now.minusSeconds(10)) });
            }
            // Who holds `a` in the rounds that have a holder: the limited device (at its limit) in some; in others a
            // device that also takes the free lock `b` first in the batch, alone of its device (V9's set-based path),
            // from the holding session (owner_holds) or from another.
            UUID holder = round % 8 == 7 ? limited : UUID.nameUUIDFromBytes(("device " + round).getBytes());
            if (round % 8 == 3) {
                items.add(0, new Object[] { "many/" + round + "/b", UUID.randomUUID(), holder,
                        round % 16 == 3 ? "s0" : "s1", "EXCLUSIVE", 1, 1, 0, false, null, 30_000L,
                        utc(now.plusSeconds(60)), null, utc(now), utc(now.minusSeconds(10)) });
            }
            List<String> general = takesAlone(round, holder, items, "lock_acquire_general");
            List<String> alone = takesAlone(round, holder, items, "lock_acquire");
            List<String> together = takesTogether(round, holder, items);
            assertEquals(general, alone, "round " + round + ": lock_acquire against V7's path");
            assertEquals(alone, together, "round " + round);
            alone.subList(0, items.size()).forEach(answer -> seen.add(answer.startsWith("REFUSED")
                    ? answer.substring(0, answer.indexOf(' ', 8)) : answer.substring(0, answer.indexOf(' '))));
        }
        assertEquals(java.util.Set.of("BUSY", "GRANTED", "QUEUED", "REFUSED LOCK_MODE_MISMATCH", "REFUSED TOO_MANY_LOCKS",
                "REFUSED TOO_MANY_WAITING", "REFUSED REQUEST_ID_IN_USE"), seen, "the cases covered");
    }

    /**
     * A batch of releases ({@code lock_release_many}) answers each item what {@code lock_release}, called for the items
     * one by one in lock-name order, would, and leaves the same holders, queues, lock states, ended grants and events:
     * random releases over a few locks with shared and exclusive holders, lapsed leases and waiters, by the holder, by
     * another device, twice, of a token never granted and of a lock never used (each run in a rolled-back
     * transaction).
     */
    @Test
    void aBatchOfReleasesAnswersAndChangesWhatTheReleasesAloneWould() {
        Random random = new Random(20261124);
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        UUID replica = aliveReplica(now);
        java.util.Set<String> seen = new java.util.TreeSet<>();
        for (int round = 0; round < 40; round++) {
            String prefix = "rel/" + round + "/";
            // The locks before the releases: per name up to three holders (shared, or one exclusive), some lapsed,
            // and sometimes an exclusive waiter.
            List<Object[]> holders = new ArrayList<>();
            List<Object[]> waiters = new ArrayList<>();
            for (String n : List.of("a", "b", "c", "d")) {
                boolean shared = random.nextBoolean();
                int count = random.nextInt(shared ? 4 : 2);
                for (int t = 1; t <= count; t++) {
                    boolean lapsed = random.nextInt(4) == 0;
                    holders.add(new Object[] { prefix + n, (long) t, UUID.randomUUID(), "s" + random.nextInt(2),
                            shared ? "SHARED" : "EXCLUSIVE", utc(now.minusSeconds(lapsed ? 90 : 10)),
                            utc(lapsed ? now.minusSeconds(30) : now.plusSeconds(30)),
                            random.nextBoolean() ? replica : null });
                }
                if (count > 0 && random.nextInt(3) == 0) {
                    waiters.add(new Object[] { UUID.randomUUID(), prefix + n, UUID.randomUUID(), "w", replica,
                            utc(now.minusSeconds(5)) });
                }
            }
            List<Object[]> items = new ArrayList<>();
            int count = 1 + random.nextInt(8);
            for (int i = 0; i < count; i++) {
                int pick = random.nextInt(10);
                if (holders.isEmpty() || pick == 0) {
                    items.add(new Object[] { prefix + (pick == 0 ? "z" : "a"), 1L, UUID.randomUUID(), "s0" });
                    continue;
                }
                Object[] h = holders.get(random.nextInt(holders.size()));
                UUID device = pick == 1 ? UUID.randomUUID() : (UUID) h[2];
                long token = pick == 2 ? 99L : (Long) h[1];
                items.add(new Object[] { h[0], token, device, h[3] });
            }
            List<String> alone = releases(round, holders, waiters, items, now, false);
            List<String> together = releases(round, holders, waiters, items, now, true);
            assertEquals(alone, together, "round " + round);
            alone.subList(0, count).forEach(answer -> seen.add(answer.contains("|") ? answer.substring(0,
                    answer.indexOf('|')) + (answer.contains("|g") ? " hand-off" : "") : answer));
        }
        assertTrue(seen.containsAll(java.util.Set.of("RELEASED", "RELEASED hand-off", "NOT_FOUND", "ALREADY_RELEASED",
                "LOST:EXPIRED")), "the cases covered: " + seen);
    }

    /** The states (kind, capacity, fencing counter) of the locks named like $1. */
    private static final String STATES_AFTER = " UNION ALL SELECT coalesce(string_agg(name || ' ' || coalesce(kind, '-')"
            + " || ' ' || max_permits || ' ' || fencing_counter, '; ' ORDER BY name), '') FROM lock_state"
            + " WHERE name LIKE $1";

    /** The events the changes of the locks named like $1 wrote, in an order that does not depend on the path taken. */
    private static final String EVENTS_AFTER = " UNION ALL SELECT coalesce(string_agg(ce_type || ' '"
            + " || convert_from(payload, 'UTF8'), '; ' ORDER BY ce_type, convert_from(payload, 'UTF8')), '') FROM outbox"
            + " WHERE record_key LIKE $1";

    private static final String RELEASED_AFTER = "SELECT coalesce(string_agg(name || ' holder ' || fencing_token"
            + " || ' ' || device_id, '; ' ORDER BY name, fencing_token), '') FROM lock_holder WHERE name LIKE $1"
            + " UNION ALL SELECT coalesce(string_agg(name || ' waiter ' || request_id, '; ' ORDER BY name, seq), '')"
            + " FROM lock_waiter WHERE name LIKE $1"
            + STATES_AFTER
            + " UNION ALL SELECT coalesce(string_agg(name || ' ended ' || fencing_token || ' ' || reason, '; '"
            + " ORDER BY name, fencing_token), '') FROM lock_grant_end WHERE name LIKE $1"
            + EVENTS_AFTER;

    /** The releases alone (lock_release per item, in name order) or together; the answers, then the locks after. */
    private List<String> releases(int round, List<Object[]> holders, List<Object[]> waiters, List<Object[]> items,
            Instant now, boolean together) {
        String prefix = "rel/" + round + "/";
        SqlConnection c = pool.getConnection().await().indefinitely();
        Transaction tx = c.begin().await().indefinitely();
        try {
            c.preparedQuery("INSERT INTO lock_state (name, kind, max_permits, fencing_counter, updated_at)"
                    + " SELECT $1 || x, NULL, 1, 3, $2 FROM unnest(ARRAY['a', 'b', 'c', 'd']) AS x")
                    .execute(Tuple.of(prefix, utc(now))).await().indefinitely();
            for (Object[] h : holders) {
                c.preparedQuery("UPDATE lock_state SET kind = 'LOCK' WHERE name = $1").execute(Tuple.of(h[0]))
                        .await().indefinitely();
                c.preparedQuery("INSERT INTO lock_holder (name, fencing_token, device_id, session_id, request_id, mode,"
                        + " permits, priority, preemptible, purpose, acquired_at, enqueued_at, lease_ttl_ms,"
                        + " lease_expires_at, last_renewed_at, stream_replica) VALUES ($1, $2, $3, $4,"
                        + " gen_random_uuid(), $5, 1, 0, false, NULL, $6, $6, 60000, $7, $6, $8)")
                        .execute(Tuple.from(h)).await().indefinitely();
            }
            for (Object[] w : waiters) {
                c.preparedQuery("INSERT INTO lock_waiter (request_id, name, device_id, session_id, mode, permits,"
                        + " priority, preempt, preemptible, purpose, lease_ttl_ms, enqueued_at, wait_deadline,"
                        + " replica_id) VALUES ($1, $2, $3, $4, 'EXCLUSIVE', 1, 0, false, false, NULL, 60000, $6, NULL,"
                        + " $5)").execute(Tuple.from(w)).await().indefinitely();
            }
            String[] answers = new String[items.size()];
            if (together) {
                Object[] args = new Object[9];
                args[0] = items.stream().map(i -> (String) i[0]).toArray(String[]::new);
                args[1] = items.stream().map(i -> (Long) i[1]).toArray(Long[]::new);
                args[2] = items.stream().map(i -> (UUID) i[2]).toArray(UUID[]::new);
                args[3] = items.stream().map(i -> (String) i[3]).toArray(String[]::new);
                args[4] = items.stream().map(i -> utc(now)).toArray(java.time.OffsetDateTime[]::new);
                args[5] = items.stream().map(i -> utc(now.minusSeconds(10))).toArray(java.time.OffsetDateTime[]::new);
                args[6] = Topics.LOCK_EVENTS;
                args[7] = true;
                args[8] = UUID.randomUUID();
                c.preparedQuery("SELECT item, answer FROM lock_release_many($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                        .execute(Tuple.from(args)).await().indefinitely()
                        .forEach(r -> answers[r.getInteger("item") - 1] = r.getString("answer"));
            } else {
                List<Integer> order = new ArrayList<>();
                for (int i = 0; i < items.size(); i++) {
                    order.add(i);
                }
                order.sort(java.util.Comparator.comparing(i -> (String) items.get(i)[0]));
                for (int i : order) {
                    Object[] item = items.get(i);
                    answers[i] = c.preparedQuery("SELECT lock_release($1, $2, $3, $4, $5, $6, $7, true, $8)")
                            .execute(Tuple.from(new Object[] { item[0], item[1], item[2], item[3], utc(now),
                                    utc(now.minusSeconds(10)), Topics.LOCK_EVENTS, UUID.randomUUID() }))
                            .await().indefinitely().iterator().next().getString(0);
                }
            }
            List<String> result = new ArrayList<>(List.of(answers));
            c.preparedQuery(RELEASED_AFTER).execute(Tuple.of(prefix + "%")).await().indefinitely()
                    .forEach(r -> result.add(r.getString(0)));
            return result;
        } finally {
            tx.rollback().await().indefinitely();
            c.close().await().indefinitely();
        }
    }

    private static final String AFTER = "SELECT coalesce(string_agg(name || ' holder ' || fencing_token || ' '"
            + " || request_id, '; ' ORDER BY name, fencing_token), '') FROM lock_holder WHERE name LIKE $1"
            + " UNION ALL SELECT coalesce(string_agg(name || ' waiter ' || request_id, '; '"
            + " ORDER BY name, priority DESC, seq), '') FROM lock_waiter WHERE name LIKE $1"
            + STATES_AFTER
            + EVENTS_AFTER;

    /**
     * Each item by {@code function} (lock_acquire, or V7's lock_acquire_general) in its own savepoint, in the batch's
     * order; the answers, then the locks and events after.
     */
    private List<String> takesAlone(int round, UUID holder, List<Object[]> items, String function) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            order.add(i);
        }
        // Byte order of the names, as COLLATE "C" (the names here are ASCII).
        order.sort(java.util.Comparator.comparing(i -> (String) items.get(i)[0]));
        String[] answers = new String[items.size()];
        SqlConnection c = pool.getConnection().await().indefinitely();
        Transaction tx = c.begin().await().indefinitely();
        try {
            prepare(c, round, holder);
            for (int i : order) {
                Object[] item = items.get(i);
                Object[] args = java.util.Arrays.copyOf(item, 18);
                args[15] = 1000;
                args[16] = 100;
                args[17] = Topics.LOCK_EVENTS;
                c.query("SAVEPOINT item").execute().await().indefinitely();
                try {
                    Row r = c.preparedQuery("SELECT outcome, fencing_token, lease_expires_at, queue_position,"
                            + " queue_length, blocked_by, owner_holds FROM " + function + "($1, $2, $3, $4, $5, $6, $7,"
                            + " $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)").execute(Tuple.from(args))
                            .await().indefinitely().iterator().next();
                    answers[i] = answer(r);
                    c.query("RELEASE SAVEPOINT item").execute().await().indefinitely();
                } catch (io.vertx.pgclient.PgException e) {
                    c.query("ROLLBACK TO SAVEPOINT item").execute().await().indefinitely();
                    String reason = "23505".equals(e.getSqlState()) ? "REQUEST_ID_IN_USE" : e.getErrorMessage();
                    String detail = "23505".equals(e.getSqlState()) || e.getDetail() == null ? "" : e.getDetail();
                    answers[i] = "REFUSED " + reason + " " + detail;
                }
            }
            List<String> result = new ArrayList<>(List.of(answers));
            c.preparedQuery(AFTER).execute(Tuple.of("many/" + round + "/%")).await().indefinitely()
                    .forEach(r -> result.add(r.getString(0)));
            return result;
        } finally {
            tx.rollback().await().indefinitely();
            c.close().await().indefinitely();
        }
    }

    /**
     * The locks of a round before its takes: in even rounds none exists yet (lock_acquire_many then runs every item
     * through lock_acquire, creating the state rows in name order); in odd rounds all three exist and are free (the
     * set-based path of V9 may grant), and in every fourth round {@code a} is held by {@code holder} (session s0) as
     * well.
     */
    private void prepare(SqlConnection c, int round, UUID holder) {
        if (round % 2 == 0) {
            return;
        }
        String prefix = "many/" + round + "/";
        c.preparedQuery("INSERT INTO lock_state (name, kind, max_permits, fencing_counter, updated_at)"
                + " SELECT $1 || x, NULL, 1, 7, now() FROM unnest(ARRAY['a', 'b', 'c']) AS x")
                .execute(Tuple.of(prefix)).await().indefinitely();
        if (round % 4 == 3) {
            c.preparedQuery("UPDATE lock_state SET kind = 'LOCK', fencing_counter = 8 WHERE name = $1")
                    .execute(Tuple.of(prefix + "a")).await().indefinitely();
            c.preparedQuery("INSERT INTO lock_holder (name, fencing_token, device_id, session_id, request_id, mode,"
                    + " permits, priority, preemptible, purpose, acquired_at, enqueued_at, lease_ttl_ms,"
                    + " lease_expires_at, last_renewed_at, stream_replica) VALUES ($1, 8, $2, 's0', $3, 'EXCLUSIVE', 1,"
                    + " 0, false, NULL, now(), now(), 600000, now() + interval '10 minutes', now(), NULL)")
                    .execute(Tuple.of(prefix + "a", holder,
                            UUID.nameUUIDFromBytes(("request " + prefix).getBytes()))).await().indefinitely();
        }
    }

    /** All items in one lock_acquire_many; the answers, then the locks after. */
    private List<String> takesTogether(int round, UUID holder, List<Object[]> items) {
        Object[] args = new Object[18];
        Class<?>[] types = { String.class, UUID.class, UUID.class, String.class, String.class, Integer.class,
                Integer.class, Integer.class, Boolean.class, String.class, Long.class, java.time.OffsetDateTime.class,
                UUID.class, java.time.OffsetDateTime.class, java.time.OffsetDateTime.class };
        for (int a = 0; a < 15; a++) {
            Object[] column = (Object[]) java.lang.reflect.Array.newInstance(types[a], items.size());
            for (int i = 0; i < items.size(); i++) {
                column[i] = items.get(i)[a];
            }
            args[a] = column;
        }
        args[15] = 1000;
        args[16] = 100;
        args[17] = Topics.LOCK_EVENTS;
        String[] answers = new String[items.size()];
        SqlConnection c = pool.getConnection().await().indefinitely();
        Transaction tx = c.begin().await().indefinitely();
        try {
            prepare(c, round, holder);
            c.preparedQuery("SELECT item, outcome, fencing_token, lease_expires_at, queue_position, queue_length,"
                    + " blocked_by, owner_holds, refusal, refusal_detail FROM lock_acquire_many($1, $2, $3, $4, $5, $6,"
                    + " $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)").execute(Tuple.from(args))
                    .await().indefinitely().forEach(r -> answers[r.getInteger("item") - 1] = r.getString("refusal") != null
                            ? "REFUSED " + r.getString("refusal") + " " + r.getString("refusal_detail") : answer(r));
            List<String> result = new ArrayList<>(List.of(answers));
            c.preparedQuery(AFTER).execute(Tuple.of("many/" + round + "/%")).await().indefinitely()
                    .forEach(r -> result.add(r.getString(0)));
            return result;
        } finally {
            tx.rollback().await().indefinitely();
            c.close().await().indefinitely();
        }
    }

    private static String answer(Row r) {
        return r.getString("outcome") + " " + r.getLong("fencing_token") + " " + r.getOffsetDateTime("lease_expires_at")
                + " " + r.getInteger("queue_position") + "/" + r.getInteger("queue_length") + " "
                + (r.getArrayOfStrings("blocked_by") == null ? null : List.of(r.getArrayOfStrings("blocked_by")))
                + " " + r.getBoolean("owner_holds");
    }

    private List<UUID> grantedBySql(String name, String kind, int maxPermits, List<Holder> holders, List<Waiter> waiters,
            Instant now) {
        SqlConnection c = pool.getConnection().await().indefinitely();
        Transaction tx = c.begin().await().indefinitely();
        try {
            c.preparedQuery("INSERT INTO lock_state (name, kind, max_permits, fencing_counter, updated_at)"
                    + " VALUES ($1, $2, $3, 100, $4)").execute(Tuple.of(name, kind, maxPermits, utc(now)))
                    .await().indefinitely();
            for (Holder h : holders) {
                c.preparedQuery("INSERT INTO lock_holder (name, fencing_token, device_id, session_id, request_id, mode,"
                        + " permits, priority, preemptible, acquired_at, enqueued_at, lease_ttl_ms, lease_expires_at,"
                        + " last_renewed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 0, false, $8, $8, 60000, $9, $8)")
                        .execute(Tuple.from(new Object[] { name, h.fencingToken(), h.owner().deviceId(),
                                h.owner().sessionId(), h.requestId(), h.mode().name(), h.permits(), utc(now),
                                utc(h.leaseExpiresAt()) }))
                        .await().indefinitely();
            }
            for (Waiter w : waiters) {
                // Inserted in seq order, so the bigserial keeps their arrival order.
                c.preparedQuery("INSERT INTO lock_waiter (request_id, name, device_id, session_id, mode, permits, priority,"
                        + " preempt, preemptible, lease_ttl_ms, enqueued_at, replica_id)"
                        + " VALUES ($1, $2, $3, $4, $5, $6, $7, false, false, 30000, $8, $9)")
                        .execute(Tuple.from(new Object[] { w.requestId(), name, w.owner().deviceId(), w.owner().sessionId(),
                                w.mode().name(), w.permits(), w.priority(), utc(now), w.replicaId() }))
                        .await().indefinitely();
            }
            c.preparedQuery("SELECT lock_grant_queue($1, $2, $3, $4, $5)").execute(Tuple.of(name, maxPermits, utc(now),
                    utc(now.minusSeconds(10)), Topics.LOCK_EVENTS)).await().indefinitely();
            List<UUID> granted = new ArrayList<>();
            c.preparedQuery("SELECT request_id FROM lock_holder WHERE name = $1 AND fencing_token > 100"
                    + " ORDER BY fencing_token").execute(Tuple.of(name)).await().indefinitely()
                    .forEach(r -> granted.add(r.getUUID(0)));
            return granted;
        } finally {
            tx.rollback().await().indefinitely();
            c.close().await().indefinitely();
        }
    }

    private interface Parser {
        Object parse(byte[] bytes) throws Exception;
    }

    private void assertSame(String function, Holder h, Instant now, BiFunction<SqlClient, Holder, Uni<Void>> java,
            Parser parser) throws Exception {
        SqlConnection connection = pool.getConnection().await().indefinitely();
        Transaction tx = connection.begin().await().indefinitely();
        try {
            java.apply(connection, h).await().indefinitely();
            connection.preparedQuery("SELECT " + function + "($1, ROW($2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
                    + " $14, $15, $16, NULL)::lock_holder, $17)")
                    .execute(Tuple.from(new Object[] { Topics.LOCK_EVENTS, h.name(), h.fencingToken(),
                            h.owner().deviceId(), h.owner().sessionId(), h.requestId(), h.mode().name(), h.permits(),
                            h.priority(), h.preemptible(), h.purpose(), utc(h.acquiredAt()), utc(h.enqueuedAt()),
                            h.leaseTtl().toMillis(), utc(h.leaseExpiresAt()), utc(h.lastRenewedAt()), utc(now) }))
                    .await().indefinitely();
            List<Row> rows = new ArrayList<>();
            connection.query("SELECT topic, record_key, ce_type, ce_subject, payload, payload_type FROM outbox"
                    + " ORDER BY seq DESC LIMIT 2").execute().await().indefinitely().forEach(rows::add);
            Row sql = rows.get(0);
            Row fromJava = rows.get(1);
            for (String column : List.of("topic", "record_key", "ce_type", "ce_subject")) {
                assertEquals(fromJava.getString(column), sql.getString(column), function + ": " + column);
            }
            // What the relay sends for the SQL function's JSON row.
            OutboxEvent sent = new JsonPayloads(jsonTypes).toProtobuf(new OutboxEvent(UUID.randomUUID(),
                    sql.getString("topic"), sql.getString("record_key"), sql.getString("ce_type"),
                    sql.getString("ce_subject"), now, sql.getBuffer("payload").getBytes(), sql.getString("payload_type")));
            assertEquals(fromJava.getString("payload_type"), sent.getPayloadType(), function + ": payload_type");
            byte[] expected = fromJava.getBuffer("payload").getBytes();
            byte[] actual = sent.getPayload();
            assertEquals(parser.parse(expected), parser.parse(actual), function + " for " + h);
            assertArrayEquals(expected, actual, function + " bytes for " + h);
        } finally {
            tx.rollback().await().indefinitely();
            connection.close().await().indefinitely();
        }
    }

    private static List<Holder> holders() {
        Instant base = Instant.parse("2026-11-22T06:40:00.123456Z");
        Owner owner = new Owner(UUID.randomUUID(), "session-1");
        return List.of(
                new Holder("backup/repo/7f3c", 1, owner, UUID.randomUUID(), Mode.EXCLUSIVE, 1, 0, false, null, base,
                        base, Duration.ofSeconds(30), base.plusSeconds(30), base),
                new Holder("a/b.c_d-e", 9_007_199_254_740_993L, new Owner(UUID.randomUUID(), "s"), UUID.randomUUID(),
                        Mode.SHARED, 1, 1000, true, "nightly prune", base.plusNanos(999_999_000L),
                        base.minusSeconds(3600), Duration.ofMillis(1500), base.plusNanos(999_999_000L).plusMillis(1500),
                        base.plusSeconds(1)),
                new Holder("sem/ä", 42, owner, UUID.randomUUID(), Mode.SEMAPHORE, 3, -7, false, "", base.minusNanos(1000),
                        base.plusSeconds(10), Duration.ofMinutes(10), base.plusSeconds(600), base.minusNanos(1000)));
    }

    /** A replica that heartbeated at {@code now} (committed), so waiters it holds count as alive. */
    private UUID aliveReplica(Instant now) {
        UUID replica = UUID.randomUUID();
        pool.preparedQuery("INSERT INTO lock_replica (id, started_at, heartbeat_at) VALUES ($1, $2, $2)")
                .execute(Tuple.of(replica, utc(now))).await().indefinitely();
        return replica;
    }

    private static java.time.OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
