package dev.asgard.lock.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.lock.config.ReplicaId;
import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.Mode;
import dev.asgard.lock.domain.Owner;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Transaction;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Takes that arrive while another take of this replica is in flight share one transaction ({@code lock_acquire_many},
 * docs/lock-service.md "Several takes in one commit"). Here a first take is held up on a state row lock the test
 * holds, so every take issued meanwhile waits for it and then runs in one batch; each must get exactly the answer it
 * would get alone.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class LockBatchTest {

    @Inject
    LockEngine engine;

    @Inject
    Pool pool;

    @Inject
    ReplicaId replica;

    @Inject
    dev.asgard.lock.config.LockConfig config;

    private final String prefix = "batch-" + UUID.randomUUID() + "/";
    private final List<Holder> granted = new ArrayList<>();
    private final List<LockRequest> queued = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (LockRequest request : queued) {
            engine.abort(request.name(), request.requestId(), "CANCELLED", null).await().indefinitely();
        }
        for (Holder holder : granted) {
            engine.release(holder.name(), holder.fencingToken(), holder.owner()).await().indefinitely();
        }
    }

    @Test
    void takesOfOneBatchEachGetTheirOwnAnswerAndARefusalFailsOnlyItsOwnRequest() throws Exception {
        Owner a = owner();
        Owner b = owner();
        Owner c = owner();
        Owner limited = owner();
        pool.preparedQuery("INSERT INTO lock_device_limit (device_id, max_held, max_waiting, updated_at, updated_by)"
                + " VALUES ($1, 0, NULL, now(), 'test')").execute(Tuple.of(limited.deviceId())).await().indefinitely();
        String x = prefix + "x";

        List<CompletableFuture<?>> answers = new ArrayList<>();
        try (Gate gate = new Gate()) {
            List<CompletableFuture<LockEngine.Tried>> gated = gate.fill();
            assertTrue(gated.stream().noneMatch(CompletableFuture::isDone), "the first takes wait for the state row");
            answers.add(tryAcquire(x, a, Mode.EXCLUSIVE, 1));             // 0: granted
            answers.add(enqueue(x, b, Mode.EXCLUSIVE, 1));                // 1: queued first
            answers.add(tryAcquire(x, c, Mode.SEMAPHORE, 3));             // 2: LOCK_MODE_MISMATCH
            answers.add(enqueue(x, c, Mode.EXCLUSIVE, 1));                // 3: queued second
            answers.add(tryAcquire(prefix + "y", limited, Mode.EXCLUSIVE, 1)); // 4: TOO_MANY_LOCKS
            for (int i = 0; i < 6; i++) {
                answers.add(tryAcquire(prefix + "z" + (5 - i), owner(), Mode.SHARED, 1)); // 5..10: granted, token 1
            }
            answers.add(enqueue(prefix + "z5", b, Mode.SHARED, 1));       // 11: shares z5 with its holder
            Thread.sleep(100);
            assertTrue(answers.stream().noneMatch(CompletableFuture::isDone), "they all wait for the next transaction");
            gate.open();
            gate.granted(gated);
        }

        LockEngine.Tried first = (LockEngine.Tried) answers.get(0).get(10, TimeUnit.SECONDS);
        Holder xHolder = first.grant().orElseThrow();
        assertEquals(x, xHolder.name());
        assertEquals(a, xHolder.owner());
        granted.add(xHolder);

        LockEngine.Enqueued bWaits = (LockEngine.Enqueued) answers.get(1).get(10, TimeUnit.SECONDS);
        assertTrue(bWaits.grant().isEmpty());
        assertEquals(1, bWaits.queued().position());
        assertEquals(List.of(a), bWaits.queued().blockedBy());
        LockEngine.Enqueued cWaits = (LockEngine.Enqueued) answers.get(3).get(10, TimeUnit.SECONDS);
        assertEquals(2, cWaits.queued().position());
        assertEquals(2, cWaits.queued().length());

        assertEquals(LockEngine.MODE_MISMATCH, refusal(answers.get(2)).reason());
        assertEquals("TOO_MANY_LOCKS", refusal(answers.get(4)).reason());

        for (int i = 5; i <= 10; i++) {
            Holder h = ((LockEngine.Tried) answers.get(i).get(10, TimeUnit.SECONDS)).grant().orElseThrow();
            assertEquals(prefix + "z" + (10 - i), h.name(), "the answer of its own request");
            assertEquals(1, h.fencingToken());
            granted.add(h);
        }
        LockEngine.Enqueued shares = (LockEngine.Enqueued) answers.get(11).get(10, TimeUnit.SECONDS);
        Holder bShares = shares.grant().orElseThrow();
        assertEquals(prefix + "z5", bShares.name());
        assertEquals(2, bShares.fencingToken());
        granted.add(bShares);

        // The database agrees: x held by a (token 1), b then c waiting; nothing for the refused requests.
        var state = engine.read(x).await().indefinitely().orElseThrow();
        assertEquals(List.of(1L), state.holders().stream().map(Holder::fencingToken).toList());
        assertEquals(List.of(b, c), state.waiters().stream().map(w -> w.owner()).toList());
        assertTrue(engine.read(prefix + "y").await().indefinitely().map(s -> s.holders().isEmpty()).orElse(true));
    }

    @Test
    void aTakeOnALockWithAPreemptingWaiterInABatchGoesTheJavaWay() throws Exception {
        Owner holder = owner();
        Owner preemptor = owner();
        String p = prefix + "p";
        LockEngine.Tried held = tryAcquire(p, holder, Mode.EXCLUSIVE, 1).get(10, TimeUnit.SECONDS);
        granted.add(held.grant().orElseThrow());
        // Not preemptible: the preempting request has to wait, and stays queued ahead of others.
        LockRequest preempting = request(p, preemptor, Mode.EXCLUSIVE, 1, 900, true);
        LockEngine.Enqueued waits = engine.enqueue(preempting, replica.get()).await().indefinitely();
        assertTrue(waits.grant().isEmpty());
        queued.add(preempting);

        List<CompletableFuture<?>> answers = new ArrayList<>();
        try (Gate gate = new Gate()) {
            List<CompletableFuture<LockEngine.Tried>> gated = gate.fill();
            answers.add(enqueue(p, owner(), Mode.EXCLUSIVE, 1));          // SLOW in the batch: the Java path queues it
            answers.add(tryAcquire(p, owner(), Mode.EXCLUSIVE, 1));       // SLOW, then BUSY
            answers.add(tryAcquire(prefix + "q", owner(), Mode.EXCLUSIVE, 1)); // granted in the same batch
            gate.open();
            gate.granted(gated);
        }
        LockEngine.Enqueued behind = (LockEngine.Enqueued) answers.get(0).get(10, TimeUnit.SECONDS);
        assertTrue(behind.grant().isEmpty());
        assertEquals(2, behind.queued().position(), "behind the preempting request of higher priority");
        LockEngine.Tried busy = (LockEngine.Tried) answers.get(1).get(10, TimeUnit.SECONDS);
        assertTrue(busy.grant().isEmpty());
        Holder q = ((LockEngine.Tried) answers.get(2).get(10, TimeUnit.SECONDS)).grant().orElseThrow();
        assertEquals(prefix + "q", q.name());
        granted.add(q);
        var state = engine.read(p).await().indefinitely().orElseThrow();
        assertEquals(2, state.waiters().size());
        assertEquals(preemptor, state.waiters().get(0).owner());
    }

    @Test
    void releasesOfOneBatchEachGetTheirOwnAnswer() throws Exception {
        Owner a = owner();
        Owner b = owner();
        String x = prefix + "rx";
        Holder xHeld = tryAcquire(x, a, Mode.EXCLUSIVE, 1).get(10, TimeUnit.SECONDS).grant().orElseThrow();
        LockRequest bRequest = request(x, b, Mode.EXCLUSIVE, 1, 0, false);
        assertTrue(engine.enqueue(bRequest, replica.get()).await().indefinitely().grant().isEmpty());
        Holder shortLease = engine.tryAcquire(new LockRequest(prefix + "rlapsed", a, UUID.randomUUID(), Mode.EXCLUSIVE,
                1, 1, 0, false, false, Duration.ofMillis(300), null, null)).await().indefinitely().grant().orElseThrow();
        List<Holder> plain = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            plain.add(tryAcquire(prefix + "rz" + (4 - i), owner(), Mode.EXCLUSIVE, 1).get(10, TimeUnit.SECONDS)
                    .grant().orElseThrow());
        }
        Thread.sleep(400); // the short lease lapses

        List<CompletableFuture<LockEngine.Released>> answers = new ArrayList<>();
        try (ReleaseGate gate = new ReleaseGate()) {
            answers.add(release(xHeld));                                            // 0: released, hands x to b
            answers.add(release(xHeld));                                            // 1: already released
            answers.add(engine.release(prefix + "rnever", 7, a).subscribeAsCompletionStage()); // 2: not found
            answers.add(release(shortLease));                                       // 3: lost, expired
            plain.forEach(h -> answers.add(release(h)));                            // 4..8: released
            Thread.sleep(100);
            assertTrue(answers.stream().noneMatch(CompletableFuture::isDone), "they all wait for the next transaction");
            gate.open();
        }

        LockEngine.Released handedOn = answers.get(0).get(10, TimeUnit.SECONDS);
        assertEquals(LockEngine.ReleaseResult.RELEASED, handedOn.result());
        assertNotNull(handedOn.notice(), "the hand-off comes back for this replica's streams");
        assertEquals(LockEngine.ReleaseResult.ALREADY_RELEASED, answers.get(1).get(10, TimeUnit.SECONDS).result());
        ExecutionException notFound = assertThrows(ExecutionException.class,
                () -> answers.get(2).get(10, TimeUnit.SECONDS));
        assertEquals("LOCK_GRANT_NOT_FOUND", assertInstanceOf(AsgardException.class, notFound.getCause()).reason());
        LockEngine.Released lost = answers.get(3).get(10, TimeUnit.SECONDS);
        assertEquals(LockEngine.ReleaseResult.LOST, lost.result());
        assertEquals("EXPIRED", lost.lostReason());
        for (int i = 4; i < answers.size(); i++) {
            assertEquals(LockEngine.ReleaseResult.RELEASED, answers.get(i).get(10, TimeUnit.SECONDS).result());
        }

        // The database agrees: b holds x now with the next token, the other locks are free.
        var state = engine.read(x).await().indefinitely().orElseThrow();
        assertEquals(List.of(b), state.holders().stream().map(Holder::owner).toList());
        assertEquals(xHeld.fencingToken() + 1, state.holders().get(0).fencingToken());
        assertTrue(state.waiters().isEmpty());
        granted.add(state.holders().get(0));
        for (Holder h : plain) {
            assertTrue(engine.read(h.name()).await().indefinitely().orElseThrow().holders().isEmpty(), h.name());
        }
    }

    @Test
    void aReleaseBatchCommitsAsynchronouslyOnlyWhenEveryItemHandedTheLockToNobody() {
        Owner a = owner();
        Holder free1 = tryAcquire(prefix + "d1", a, Mode.EXCLUSIVE, 1).join().grant().orElseThrow();
        Holder free2 = tryAcquire(prefix + "d2", a, Mode.EXCLUSIVE, 1).join().grant().orElseThrow();
        Holder contended = tryAcquire(prefix + "d3", a, Mode.EXCLUSIVE, 1).join().grant().orElseThrow();
        LockRequest waiting = request(prefix + "d3", owner(), Mode.EXCLUSIVE, 1, 0, false);
        assertTrue(engine.enqueue(waiting, replica.get()).await().indefinitely().grant().isEmpty());
        queued.add(waiting);
        granted.addAll(List.of(free1, free2, contended));

        assertEquals("off", commitModeAfterReleasing(false, free1, free2), "nobody handed the lock: no flush needed");
        assertEquals("on", commitModeAfterReleasing(true, free1, free2), "asgard.lock.durable-release=true");
        assertEquals("on", commitModeAfterReleasing(false, free1, contended), "a grant from the queue is flushed");
        Holder never = new Holder(prefix + "d4", 99, a, UUID.randomUUID(), Mode.EXCLUSIVE, 1, 0, false, null,
                free1.acquiredAt(), free1.enqueuedAt(), free1.leaseTtl(), free1.leaseExpiresAt(), free1.lastRenewedAt());
        assertEquals("on", commitModeAfterReleasing(false, free1, never), "an item that did not release stays safe");
    }

    /** Calls lock_release_many in a transaction that is rolled back, and answers the commit mode it left. */
    private String commitModeAfterReleasing(boolean durable, Holder... holders) {
        java.util.concurrent.atomic.AtomicReference<String> mode = new java.util.concurrent.atomic.AtomicReference<>();
        pool.withTransaction(tx -> {
            int n = holders.length;
            String[] names = new String[n];
            Long[] tokens = new Long[n];
            UUID[] devices = new UUID[n];
            String[] sessions = new String[n];
            java.time.OffsetDateTime[] nows = new java.time.OffsetDateTime[n];
            java.time.OffsetDateTime[] aliveSinces = new java.time.OffsetDateTime[n];
            for (int i = 0; i < n; i++) {
                names[i] = holders[i].name();
                tokens[i] = holders[i].fencingToken();
                devices[i] = holders[i].owner().deviceId();
                sessions[i] = holders[i].owner().sessionId();
                nows[i] = Instant.now().atOffset(ZoneOffset.UTC);
                aliveSinces[i] = nows[i].minus(config.replicaTimeout());
            }
            // The test database runs with synchronous_commit off; production's default is on.
            return tx.query("SET LOCAL synchronous_commit = on").execute().chain(() -> tx.preparedQuery(
                    "SELECT count(*) FROM lock_release_many($1, $2, $3, $4, $5, $6,"
                    + " 'asgard.lock.events', $7, $8)").execute(Tuple.from(new Object[] { names, tokens, devices, sessions,
                            nows, aliveSinces, durable,
                            replica.get() })))
                    .chain(() -> tx.query("SELECT current_setting('synchronous_commit')").execute())
                    .invoke(rows -> mode.set(rows.iterator().next().getString(0)))
                    .chain(() -> Uni.createFrom().failure(new Rollback()));
        }).onFailure(Rollback.class).recoverWithNull().await().indefinitely();
        return mode.get();
    }

    /** Rolls the transaction of {@link #commitModeAfterReleasing} back: the grants stay for the next call. */
    private static final class Rollback extends RuntimeException {
        Rollback() {
            super(null, null, false, false);
        }
    }
    private CompletableFuture<LockEngine.Released> release(Holder holder) {
        return engine.release(holder.name(), holder.fencingToken(), holder.owner()).subscribeAsCompletionStage();
    }

    /**
     * Holds the state row lock of a lock with as many shared holders as the replica lets releases be in flight, and
     * releases them: those releases stay in flight until {@link #open()}, so the next releases wait for a batch.
     */
    private final class ReleaseGate implements AutoCloseable {
        private final Gate rowLock;
        private final List<CompletableFuture<LockEngine.Released>> gated = new ArrayList<>();

        ReleaseGate() throws Exception {
            String name = prefix + "release-gate";
            List<Holder> holders = new ArrayList<>();
            for (int i = 0; i < config.batch().maxInFlight(); i++) {
                holders.add(tryAcquire(name, owner(), Mode.SHARED, 1).get(10, TimeUnit.SECONDS).grant().orElseThrow());
            }
            rowLock = new Gate(name);
            holders.forEach(h -> gated.add(release(h)));
            Thread.sleep(200);
            assertTrue(gated.stream().noneMatch(CompletableFuture::isDone), "the first releases wait for the state row");
        }

        void open() throws Exception {
            rowLock.open();
            for (CompletableFuture<LockEngine.Released> release : gated) {
                assertEquals(LockEngine.ReleaseResult.RELEASED, release.get(10, TimeUnit.SECONDS).result());
            }
        }

        @Override
        public void close() {
            rowLock.close();
        }
    }

    /**
     * Holds the row lock of a lock's state row, so takes of that lock stay in flight until {@link #open()}: as many
     * as the replica lets be in flight, so the next takes wait for a batch.
     */
    private final class Gate implements AutoCloseable {
        final String name;
        final SqlConnection connection;
        final Transaction tx;
        boolean open;

        Gate() {
            this(newLock(prefix + "gate"));
        }

        /** Locks the state row of a lock that exists. */
        Gate(String name) {
            this.name = name;
            connection = pool.getConnection().await().indefinitely();
            tx = connection.begin().await().indefinitely();
            connection.preparedQuery("SELECT 1 FROM lock_state WHERE name = $1 FOR UPDATE").execute(Tuple.of(name))
                    .await().indefinitely();
        }

        List<CompletableFuture<LockEngine.Tried>> fill() throws InterruptedException {
            List<CompletableFuture<LockEngine.Tried>> gated = new ArrayList<>();
            for (int i = 0; i < config.batch().maxInFlight(); i++) {
                gated.add(engine.tryAcquire(new LockRequest(name, owner(), UUID.randomUUID(), Mode.SHARED, 1, 1, 0,
                        false, false, Duration.ofSeconds(30), null, null)).subscribeAsCompletionStage());
            }
            Thread.sleep(200);
            return gated;
        }

        void granted(List<CompletableFuture<LockEngine.Tried>> gated) throws Exception {
            for (CompletableFuture<LockEngine.Tried> take : gated) {
                granted.add(take.get(10, TimeUnit.SECONDS).grant().orElseThrow());
            }
        }

        void open() {
            if (!open) {
                open = true;
                tx.rollback().await().indefinitely();
                connection.close().await().indefinitely();
            }
        }

        @Override
        public void close() {
            open();
        }
    }

    private String newLock(String name) {
        pool.preparedQuery("INSERT INTO lock_state (name, updated_at) VALUES ($1, $2)")
                .execute(Tuple.of(name, Instant.now().atOffset(ZoneOffset.UTC))).await().indefinitely();
        return name;
    }

    private CompletableFuture<LockEngine.Tried> tryAcquire(String name, Owner owner, Mode mode, int maxPermits) {
        return engine.tryAcquire(request(name, owner, mode, maxPermits, 0, false)).subscribeAsCompletionStage();
    }

    private CompletableFuture<LockEngine.Enqueued> enqueue(String name, Owner owner, Mode mode, int maxPermits) {
        LockRequest request = request(name, owner, mode, maxPermits, 0, false);
        return engine.enqueue(request, replica.get()).subscribeAsCompletionStage().whenComplete((e, f) -> {
            if (e != null && e.grant().isEmpty()) {
                synchronized (queued) {
                    queued.add(request);
                }
            }
        });
    }

    private static LockRequest request(String name, Owner owner, Mode mode, int maxPermits, int priority,
            boolean preempt) {
        return new LockRequest(name, owner, UUID.randomUUID(), mode, 1, maxPermits, priority, preempt, false,
                Duration.ofSeconds(30), Duration.ofMinutes(1), null);
    }

    private static Owner owner() {
        return new Owner(UUID.randomUUID(), "s");
    }

    private static AsgardException refusal(CompletableFuture<?> answer) {
        ExecutionException failure = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
        assertNotNull(failure.getCause());
        return assertInstanceOf(AsgardException.class, failure.getCause());
    }
}
