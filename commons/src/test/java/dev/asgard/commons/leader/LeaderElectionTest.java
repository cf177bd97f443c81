package dev.asgard.commons.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import dev.asgard.testsupport.PostgresServer;
import dev.asgard.testsupport.TestServers;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/**
 * Two or more electors on one real PostgreSQL database, each with its own pool, as replicas would be. Leases are short
 * (1–6 s); the assertions are the correctness bounds of the design (one leader at a time, takeover within two lease
 * periods, immediate hand-over on stop, fencing), with slack, never performance.
 */
class LeaderElectionTest {

    private static final String DATABASE = "leader_test";
    private static final String SCHEMA = "leader_it";
    private static final Duration SHORT_LEASE = Duration.ofSeconds(1);

    private static PostgresServer postgres;
    private static Vertx vertx;
    private static Pool admin;

    private final List<LeaderElection> electors = new ArrayList<>();
    private final List<Pool> pools = new ArrayList<>();
    private String election;

    @BeforeAll
    static void createTable() throws Exception {
        postgres = TestServers.postgres();
        postgres.createDatabaseIfMissing(DATABASE);
        vertx = Vertx.vertx();
        admin = createPool(postgres.port());
        String ddl;
        try (InputStream in = LeaderElection.class.getResourceAsStream("/META-INF/asgard/leader-lease.sql")) {
            ddl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        // The service's own schema, as in the services: the electors' pools do not have it on their search path.
        await(admin.query("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE; CREATE SCHEMA " + SCHEMA + "; SET search_path TO "
                + SCHEMA + ";\n" + ddl + ";\nCREATE TABLE job_output (id serial PRIMARY KEY, written_by text NOT NULL);"
                + " RESET search_path").execute());
    }

    @AfterAll
    static void closeVertx() throws Exception {
        await(admin.close());
        await(vertx.close());
    }

    @BeforeEach
    void name(TestInfo test) {
        election = test.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void stopElectors() throws Exception {
        for (LeaderElection elector : electors) {
            elector.stop().await().atMost(Duration.ofSeconds(10));
        }
        for (Pool pool : pools) {
            await(pool.close());
        }
    }

    @Test
    void singleElectorBecomesLeaderAndRenewalsKeepItsEpoch() throws Exception {
        LeaderElection a = elector("a", pool(postgres.port()), SHORT_LEASE);
        a.start();
        waitUntil(Duration.ofSeconds(5), a::isLeader);
        long epoch = a.epoch();
        assertTrue(epoch >= 1);

        Row before = leaseRow();
        assertEquals(a.holderId(), before.getString("holder"));
        Thread.sleep(3 * SHORT_LEASE.toMillis());

        Row after = leaseRow();
        assertEquals(epoch, after.getLong("epoch"), "renewals keep the epoch");
        assertEquals(before.getOffsetDateTime("acquired_at"), after.getOffsetDateTime("acquired_at"));
        assertTrue(after.getOffsetDateTime("expires_at").isAfter(before.getOffsetDateTime("expires_at")),
                "renewals move the expiry");
        assertTrue(a.isLeader());
        assertEquals(epoch, a.epoch());
    }

    @Test
    void secondElectorStaysFollowerWhileTheLeaderRenews() throws Exception {
        LeaderElection a = elector("a", pool(postgres.port()), SHORT_LEASE);
        a.start();
        waitUntil(Duration.ofSeconds(5), a::isLeader);
        long epoch = a.epoch();

        LeaderElection b = elector("b", pool(postgres.port()), SHORT_LEASE);
        b.start();
        long end = System.nanoTime() + 3 * SHORT_LEASE.toNanos();
        while (System.nanoTime() < end) {
            assertFalse(b.isLeader(), "b must not lead while a renews");
            Thread.sleep(5);
        }
        assertEquals(a.holderId(), leaseRow().getString("holder"));
        assertEquals(epoch, leaseRow().getLong("epoch"));
        assertEquals(0, b.epoch());
    }

    @Test
    void crashedLeaderIsReplacedWithinTwoLeasePeriods() throws Exception {
        Duration lease = Duration.ofSeconds(2);
        Pool poolA = createPool(postgres.port()); // closed by the crash, not by stopElectors
        LeaderElection a = elector("a", poolA, lease);
        a.start();
        waitUntil(Duration.ofSeconds(5), a::isLeader);
        long epochA = a.epoch();
        LeaderElection b = elector("b", pool(postgres.port()), lease);
        b.start();
        Thread.sleep(lease.toMillis() / 2);
        assertFalse(b.isLeader());

        // A crash: the loop stops without releasing the lease, and the connections go away.
        long crashedAt = System.nanoTime();
        a.halt();
        await(poolA.close());

        waitForSingleLeader(Duration.ofSeconds(10), b, a, b);
        Duration takeover = Duration.ofNanos(System.nanoTime() - crashedAt);
        assertTrue(takeover.compareTo(lease.multipliedBy(2)) < 0,
                "takeover after " + takeover.toMillis() + " ms, bound " + lease.multipliedBy(2).toMillis() + " ms");
        assertTrue(b.epoch() > epochA, "epochs grow across leaders");
    }

    @Test
    void gracefulStopHandsOverAtOnce() throws Exception {
        Duration lease = Duration.ofSeconds(6);
        LeaderElection a = elector("a", pool(postgres.port()), lease);
        List<String> eventsA = new CopyOnWriteArrayList<>();
        a.addListener(new LeadershipListener() {
            @Override
            public void onElected(long epoch) {
                eventsA.add("elected " + epoch);
            }

            @Override
            public void onRevoked() {
                eventsA.add("revoked");
            }
        });
        a.start();
        waitUntil(Duration.ofSeconds(5), a::isLeader);
        long epochA = a.epoch();
        LeaderElection b = elector("b", pool(postgres.port()), lease);
        List<LeadershipChange> changesB = new CopyOnWriteArrayList<>();
        b.changes().subscribe().with(changesB::add);
        b.start();
        Thread.sleep(500);
        assertFalse(b.isLeader());

        a.stop().await().atMost(Duration.ofSeconds(10));
        assertFalse(a.isLeader());
        Duration takeover = waitForSingleLeader(Duration.ofSeconds(10), b, a, b);
        // Without the release b would wait for the expiry, at least lease - renew-interval = 4 s from now.
        assertTrue(takeover.compareTo(Duration.ofSeconds(3)) < 0, "takeover after " + takeover.toMillis() + " ms");
        assertEquals(List.of("elected " + epochA, "revoked"), eventsA);
        // isLeader() turns true just before listeners and subscribers hear of it (so they can already run jobs).
        waitUntil(Duration.ofSeconds(5), () -> !changesB.isEmpty());
        assertEquals(List.of(new LeadershipChange(election, true, epochA + 1)), changesB);
        assertEquals(epochA + 1, b.epoch());
    }

    @Test
    void partitionedLeaderStepsDownBeforeAnotherTakesOverAndIsFenced() throws Exception {
        try (PausableProxy proxy = new PausableProxy(vertx, "127.0.0.1", postgres.port())) {
            LeaderElection a = elector("a", pool(proxy.port()), SHORT_LEASE);
            a.start();
            waitUntil(Duration.ofSeconds(5), a::isLeader);
            long epochA = a.epoch();
            LeaderElection b = elector("b", pool(postgres.port()), SHORT_LEASE);
            b.start();
            Thread.sleep(SHORT_LEASE.toMillis());
            assertTrue(a.isLeader());

            proxy.partition();
            waitForSingleLeader(Duration.ofSeconds(10), b, a, b);
            // Keep sampling a while: a's late renewals (queued behind the partition) must not bring it back.
            long end = System.nanoTime() + SHORT_LEASE.toNanos();
            while (System.nanoTime() < end) {
                assertFalse(a.isLeader() && b.isLeader(), "two leaders at once");
                assertFalse(a.isLeader(), "the partitioned replica must not lead");
                Thread.sleep(2);
            }
            long epochB = b.epoch();
            assertTrue(epochB > epochA, "epochs grow across leaders");

            // Fencing: the deposed leader's epoch is refused, the current one accepted.
            assertFalse(b.stillLeader(epochA).await().atMost(Duration.ofSeconds(5)));
            assertTrue(b.stillLeader(epochB).await().atMost(Duration.ofSeconds(5)));
            String guardedWrite = "INSERT INTO " + SCHEMA + ".job_output (written_by) SELECT $1 WHERE "
                    + b.fencingCondition("$2", "$3");
            assertEquals(0, await(admin.preparedQuery(guardedWrite).execute(Tuple.of("a", election, epochA)))
                    .rowCount(), "the deposed leader's write is rejected");
            assertEquals(1, await(admin.preparedQuery(guardedWrite).execute(Tuple.of("b", election, epochB)))
                    .rowCount(), "the leader's write goes through");

            // The partitioned replica keeps trying and leads again once it can reach the database and the lease is free.
            proxy.heal();
            b.stop().await().atMost(Duration.ofSeconds(10));
            waitForSingleLeader(Duration.ofSeconds(10), a, a, b);
            assertTrue(a.epoch() > epochB, "epochs grow across leaders");
        }
    }

    @Test
    void runIfLeaderRunsTheJobOnlyOnTheLeaderWithItsEpoch() throws Exception {
        LeaderElection a = elector("a", pool(postgres.port()), SHORT_LEASE);
        a.start();
        waitUntil(Duration.ofSeconds(5), a::isLeader);
        LeaderElection b = elector("b", pool(postgres.port()), SHORT_LEASE);
        b.start();
        Thread.sleep(500);

        assertEquals(Optional.of(a.epoch()),
                a.runIfLeader(epoch -> Uni.createFrom().item(epoch)).await().atMost(Duration.ofSeconds(5)));
        AtomicBoolean ran = new AtomicBoolean();
        assertEquals(Optional.empty(), b.runIfLeader(epoch -> {
            ran.set(true);
            return Uni.createFrom().item(epoch);
        }).await().atMost(Duration.ofSeconds(5)));
        assertFalse(ran.get());
    }

    @Test
    void renewIntervalMustLeaveTimeToRenewBeforeSteppingDown() {
        Pool pool = pool(postgres.port());
        assertThrows(IllegalArgumentException.class, () -> LeaderElection.builder("x", pool, vertx)
                .lease(Duration.ofSeconds(3)).renewInterval(Duration.ofSeconds(3)).build());
        LeaderElection defaults = LeaderElection.builder("x", pool, vertx).build();
        assertEquals(LeaderElection.DEFAULT_LEASE, defaults.lease());
        assertEquals(Duration.ofSeconds(5), defaults.renewInterval());
        assertTrue(defaults.holderId().contains("/" + ProcessHandle.current().pid() + "/"));
    }

    private LeaderElection elector(String holder, Pool pool, Duration lease) {
        LeaderElection elector = LeaderElection.builder(election, pool, vertx)
                .holderId(holder)
                .schema(SCHEMA)
                .lease(lease)
                .build();
        electors.add(elector);
        return elector;
    }

    private Pool pool(int port) {
        Pool pool = createPool(port);
        pools.add(pool);
        return pool;
    }

    private static Pool createPool(int port) {
        PgConnectOptions connect = new PgConnectOptions()
                .setHost(postgres.host())
                .setPort(port)
                .setDatabase(DATABASE)
                .setUser(postgres.username())
                .setPassword(postgres.password())
                .setConnectTimeout(2000);
        return Pool.pool(vertx, connect, new PoolOptions().setMaxSize(2));
    }

    private Row leaseRow() throws Exception {
        RowSet<Row> rows = await(admin.preparedQuery("SELECT * FROM " + SCHEMA + ".leader_lease WHERE name = $1")
                .execute(Tuple.of(election)));
        return rows.iterator().next();
    }

    /**
     * Samples every elector until {@code expected} leads, failing at once if two lead at the same time.
     *
     * @return how long it took
     */
    private static Duration waitForSingleLeader(Duration max, LeaderElection expected, LeaderElection... sampled)
            throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            int leaders = 0;
            for (LeaderElection elector : sampled) {
                leaders += elector.isLeader() ? 1 : 0;
            }
            assertTrue(leaders <= 1, "two leaders at once");
            if (expected.isLeader()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            if (System.nanoTime() - start > max.toNanos()) {
                fail(expected.holderId() + " did not become leader within " + max);
            }
            Thread.sleep(2);
        }
    }

    private static void waitUntil(Duration max, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("condition not met within " + max);
            }
            Thread.sleep(10);
        }
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
