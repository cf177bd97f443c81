package dev.asgard.lock.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.asgard.testsupport.PackagedService;
import dev.asgard.testsupport.PostgresServer;
import dev.asgard.testsupport.TestServers;

/**
 * The mutual-exclusion checker of issue 4: the packaged lock-service started twice against one database, clients
 * hammering a few exclusive locks through both replicas with acquire → fenced writes → release, one replica
 * SIGKILLed mid-run. The {@link FencedRegister}s judge every critical section and write as they happen; afterwards
 * the grants the clients saw and the database's own record are checked for unique, strictly increasing fencing
 * tokens, and every Acquire stream must have ended (granted, aborted with a reason, or lost with the killed replica)
 * within its wait timeout plus a margin.
 *
 * <p>Needs the packaged application ({@code target/quarkus-app/quarkus-run.jar}, built in the package phase before
 * failsafe runs this). PostgreSQL and Kafka come from test-support ({@link TestServers}), one of each.
 */
class MutualExclusionIT {

    private static final int CLIENTS = 18;
    private static final int NAMES = 4;
    private static final Duration RUN = Duration.ofSeconds(36);
    private static final Duration KILL_AFTER = Duration.ofSeconds(14);
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration WAIT_TIMEOUT = Duration.ofSeconds(5);
    /** Slack on a loaded 2-core machine before a stream that has not ended counts as hung. */
    private static final Duration HANG_MARGIN = Duration.ofSeconds(10);
    private static final Duration REPLICA_TIMEOUT = Duration.ofSeconds(3);
    private static final String DATABASE = "lock_it";

    private final Path work = Path.of(System.getProperty("asgard.lock.it.work", "target/lock-it")).toAbsolutePath();
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void exclusiveHoldersNeverOverlapAcrossTwoReplicasWhileOneIsKilled() throws Exception {
        Path jar = Path.of(System.getProperty("asgard.lock.it.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "package lock-service first: " + jar);
        PostgresServer postgres = TestServers.postgres();
        postgres.createDatabaseIfMissing(DATABASE);
        Map<String, String> config = replicaConfig(postgres, TestServers.kafka().bootstrapServers());

        List<PackagedService> replicas = new ArrayList<>();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            // One after the other: the first migrates the schema, the second finds it ready.
            for (String name : List.of("replica-a", "replica-b")) {
                PackagedService replica = PackagedService.start(name, jar, config, work);
                replicas.add(replica);
                replica.awaitReady(Duration.ofMinutes(3));
            }
            checkRun(replicas, clients, postgres);
        } finally {
            clients.shutdownNow();
            clients.awaitTermination(30, TimeUnit.SECONDS);
            replicas.forEach(PackagedService::close);
        }
    }

    private void checkRun(List<PackagedService> replicas, ExecutorService clients, PostgresServer postgres) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < NAMES; i++) {
            names.add("it/" + run + "/mutex-" + i);
        }
        Journal journal = new Journal();
        Map<String, FencedRegister> registers = new HashMap<>();
        names.forEach(n -> registers.put(n, new FencedRegister(n, journal.violations)));
        KillableCluster cluster = new KillableCluster(replicas);
        Instant start = Instant.now();
        LoadClient.Settings settings = new LoadClient.Settings(names, LEASE, WAIT_TIMEOUT, HANG_MARGIN, start.plus(RUN));
        for (int i = 0; i < CLIENTS; i++) {
            clients.execute(new LoadClient(i, settings, cluster, registers, journal));
        }

        Thread.sleep(KILL_AFTER.toMillis());
        PackagedService victim = replicas.get(ThreadLocalRandom.current().nextInt(replicas.size()));
        long pid = victim.pid();
        long grantsBeforeKill = journal.get("acquire.granted");
        cluster.killed = victim;
        Instant killedAt = Instant.now();
        int exit = victim.kill();
        assertEquals(137, exit, victim.name() + " (pid " + pid + ") should have died of SIGKILL");
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " still alive");

        clients.shutdown();
        Duration drain = RUN.minus(KILL_AFTER).plus(WAIT_TIMEOUT).plus(HANG_MARGIN).plus(HANG_MARGIN).plus(LEASE);
        assertTrue(clients.awaitTermination(drain.toSeconds(), TimeUnit.SECONDS), "clients did not stop");
        Instant end = Instant.now();

        PackagedService survivor = replicas.stream().filter(r -> r != victim).findFirst().orElseThrow();
        assertTrue(survivor.isAlive(), survivor.name() + " died:\n" + survivor.tail());
        DatabaseRecord database = DatabaseRecord.read(postgres, names, REPLICA_TIMEOUT.plus(LEASE).plus(HANG_MARGIN));
        checkTokens(journal, database, names);

        long grantsAfterRecovery = journal.grants.stream()
                .filter(g -> g.received().isAfter(killedAt.plus(REPLICA_TIMEOUT).plus(LEASE))).count();
        Map<String, Long> counters = journal.snapshot();
        String summary = summary(journal, counters, registers, database, victim, pid, exit,
                Duration.between(start, end), grantsBeforeKill, grantsAfterRecovery);
        System.out.println(summary);
        Files.createDirectories(work);
        Files.writeString(work.resolve("summary-" + run + ".txt"), summary);

        assertEquals(List.of(), journal.violations, "mutual exclusion, fencing or liveness violated");
        assertEquals(List.of(), journal.errors, "unexpected failures");
        long streams = journal.get("acquire.streams");
        long ended = journal.get("acquire.granted") + journal.get("acquire.waiting.lost-to-kill")
                + counters.entrySet().stream().filter(e -> e.getKey().startsWith("acquire.aborted."))
                        .mapToLong(Map.Entry::getValue).sum();
        assertEquals(streams, ended, "every Acquire stream ends granted, aborted with a reason, or with its replica");
        // Far below what a run does (about 1 000 accepted writes, 200 grants after recovery on a loaded 2-core machine).
        assertTrue(journal.get("writes.accepted") > 300, "too little load to mean anything: " + counters);
        assertTrue(grantsAfterRecovery > 30, "clients did not go on through the survivor: " + grantsAfterRecovery);
        assertEquals(0, database.waitersLeft, "waiters left in the queues after every stream ended");
        assertEquals(0, database.holdersLeft, "holders left after every lease ran out");
    }

    /** Fencing tokens: unique and gapless per name in the database, every grant the clients saw is there, in order. */
    private static void checkTokens(Journal journal, DatabaseRecord database, List<String> names) {
        for (String name : names) {
            List<Journal.Grant> grants = journal.grants.stream().filter(g -> g.name().equals(name))
                    .sorted(Comparator.comparingLong(Journal.Grant::token)).toList();
            Set<Long> seen = new HashSet<>();
            for (Journal.Grant grant : grants) {
                if (!seen.add(grant.token())) {
                    journal.violations.add(name + ": token " + grant.token() + " granted twice");
                }
                String owner = database.owners.get(name + "#" + grant.token());
                if (!grant.deviceId().equals(owner)) {
                    journal.violations.add(name + ": grant " + grant.token() + " of " + grant.client()
                            + " recorded for device " + owner + " in the database");
                }
            }
            // Real-time order: a grant whose granting transaction began after another grant was seen by its holder
            // must carry a higher token. Scan by token downwards, keeping the earliest receipt of any higher token.
            Instant earliestHigherReceipt = Instant.MAX;
            Journal.Grant earliest = null;
            for (int i = grants.size() - 1; i >= 0; i--) {
                Journal.Grant grant = grants.get(i);
                if (earliest != null && earliestHigherReceipt.isBefore(grant.acquireTime())) {
                    journal.violations.add(String.format("%s: token %d was issued at %s, after token %d had been"
                            + " received at %s", name, grant.token(), grant.acquireTime(), earliest.token(),
                            earliestHigherReceipt));
                }
                if (grant.received().isBefore(earliestHigherReceipt)) {
                    earliestHigherReceipt = grant.received();
                    earliest = grant;
                }
            }
            long counter = database.counters.getOrDefault(name, 0L);
            List<Long> tokens = database.tokens.getOrDefault(name, List.of());
            Set<Long> distinct = new HashSet<>(tokens);
            if (distinct.size() != tokens.size()) {
                journal.violations.add(name + ": the database records a fencing token twice: " + tokens);
            }
            for (long t = 1; t <= counter; t++) {
                if (!distinct.contains(t)) {
                    journal.violations.add(name + ": token " + t + " below the counter " + counter
                            + " was never recorded as granted");
                    break;
                }
            }
            if (distinct.stream().anyMatch(t -> t > counter || t < 1)) {
                journal.violations.add(name + ": a recorded token lies outside 1.." + counter);
            }
        }
    }

    private String summary(Journal journal, Map<String, Long> counters, Map<String, FencedRegister> registers,
            DatabaseRecord database, PackagedService victim, long pid, int exit, Duration took, long grantsBeforeKill,
            long grantsAfterRecovery) {
        long writes = journal.get("writes.accepted") + journal.get("writes.rejected-by-fencing");
        long releases = counters.entrySet().stream().filter(e -> e.getKey().startsWith("release."))
                .mapToLong(Map.Entry::getValue).sum();
        long keepAlives = journal.get("keep-alive.renewed") + counters.entrySet().stream()
                .filter(e -> e.getKey().startsWith("keep-alive.refused.")).mapToLong(Map.Entry::getValue).sum();
        long streams = journal.get("acquire.streams");
        long issued = database.counters.values().stream().mapToLong(Long::longValue).sum();
        long operations = streams + writes + releases + keepAlives;
        List<Long> latencies = journal.grantLatenciesMillis.stream().sorted().toList();
        StringBuilder out = new StringBuilder();
        out.append("Mutual-exclusion check (run ").append(run).append("): ").append(CLIENTS).append(" clients, ")
                .append(NAMES).append(" exclusive locks, 2 replicas, lease ").append(LEASE.toSeconds())
                .append(" s, wait timeout ").append(WAIT_TIMEOUT.toSeconds()).append(" s, ").append(took.toSeconds())
                .append(" s of load\n");
        out.append(String.format("  killed %s (pid %d) with SIGKILL after %d s, exit status %d; grants before the kill %d,"
                + " after recovery (kill + replica timeout + lease) %d%n", victim.name(), pid, KILL_AFTER.toSeconds(), exit,
                grantsBeforeKill, grantsAfterRecovery));
        out.append(String.format("  operations checked: %d (Acquire streams %d, fenced writes %d, releases %d,"
                + " keep-alives %d)%n", operations, streams, writes, releases, keepAlives));
        out.append(String.format("  grants seen by clients %d, fencing tokens issued (database) %d, violations %d,"
                + " unexpected errors %d%n", journal.grants.size(), issued, journal.violations.size(),
                journal.errors.size()));
        out.append(String.format("  writes accepted %d, rejected by fencing %d (all after the writer's lease ran out);"
                + " writes that overlapped a lapsed holder %d%n", journal.get("writes.accepted"),
                journal.get("writes.rejected-by-fencing"),
                registers.values().stream().mapToLong(r -> r.overlapsFencedOff).sum()));
        if (!latencies.isEmpty()) {
            out.append(String.format("  acquire → granted latency: p50 %d ms, p99 %d ms, max %d ms%n",
                    latencies.get(latencies.size() / 2), latencies.get((int) (latencies.size() * 0.99)),
                    latencies.get(latencies.size() - 1)));
        }
        out.append("  counters:\n");
        counters.forEach((k, v) -> out.append("    ").append(k).append(" = ").append(v).append('\n'));
        journal.violations.stream().limit(20).forEach(v -> out.append("  VIOLATION ").append(v).append('\n'));
        journal.errors.stream().limit(20).forEach(e -> out.append("  ERROR ").append(e).append('\n'));
        return out.toString();
    }

    private static Map<String, String> replicaConfig(PostgresServer postgres, String kafka) {
        // Device and administrator tokens of this JVM (what DeviceAuthResource and OidcTokenResource give a
        // @QuarkusTest); plain-text logs.
        Map<String, String> config = PackagedService.platformConfig(postgres, DATABASE, kafka);
        // A dead replica's waiters go after 3 s instead of 10 s, so the run sees the clean-up.
        config.put("asgard.lock.replica-timeout", REPLICA_TIMEOUT.toSeconds() + "s");
        config.put("asgard.lock.replica-heartbeat", "1s");
        return config;
    }

    /** The replicas as the clients see them. */
    private static final class KillableCluster implements LoadClient.Cluster {
        private final List<PackagedService> replicas;
        volatile PackagedService killed;

        KillableCluster(List<PackagedService> replicas) {
            this.replicas = replicas;
        }

        @Override
        public PackagedService pick() {
            PackagedService killedNow = killed;
            List<PackagedService> live = replicas.stream().filter(r -> r != killedNow).toList();
            return live.get(ThreadLocalRandom.current().nextInt(live.size()));
        }

        @Override
        public boolean lostToKill(PackagedService replica) {
            return replica == killed;
        }
    }

    /** The database's record of the run's locks, read once the queues and holders have drained. */
    private static final class DatabaseRecord {
        final Map<String, Long> counters = new HashMap<>();
        final Map<String, List<Long>> tokens = new HashMap<>();
        final Map<String, String> owners = new HashMap<>();
        long waitersLeft;
        long holdersLeft;

        static DatabaseRecord read(PostgresServer postgres, List<String> names, Duration drain)
                throws SQLException, InterruptedException, IOException {
            Properties credentials = new Properties();
            credentials.setProperty("user", postgres.username());
            credentials.setProperty("password", postgres.password());
            DatabaseRecord record = new DatabaseRecord();
            try (Connection db = new org.postgresql.Driver().connect(postgres.jdbcUrl(DATABASE), credentials)) {
                String[] array = names.toArray(String[]::new);
                long deadline = System.nanoTime() + drain.toNanos();
                do {
                    record.waitersLeft = count(db, "SELECT count(*) FROM lock.lock_waiter WHERE name = ANY(?)", array);
                    record.holdersLeft = count(db, "SELECT count(*) FROM lock.lock_holder WHERE name = ANY(?)", array);
                    if (record.waitersLeft == 0 && record.holdersLeft == 0) {
                        break;
                    }
                    Thread.sleep(250);
                } while (System.nanoTime() < deadline);
                try (PreparedStatement query = db.prepareStatement("SELECT name, fencing_counter FROM lock.lock_state"
                        + " WHERE name = ANY(?)")) {
                    query.setArray(1, db.createArrayOf("text", array));
                    try (ResultSet rows = query.executeQuery()) {
                        while (rows.next()) {
                            record.counters.put(rows.getString(1), rows.getLong(2));
                        }
                    }
                }
                try (PreparedStatement query = db.prepareStatement("SELECT name, fencing_token, device_id::text FROM"
                        + " lock.lock_grant_end WHERE name = ANY(?) UNION ALL SELECT name, fencing_token, device_id::text"
                        + " FROM lock.lock_holder WHERE name = ANY(?)")) {
                    query.setArray(1, db.createArrayOf("text", array));
                    query.setArray(2, db.createArrayOf("text", array));
                    try (ResultSet rows = query.executeQuery()) {
                        while (rows.next()) {
                            record.tokens.computeIfAbsent(rows.getString(1), k -> new ArrayList<>()).add(rows.getLong(2));
                            record.owners.put(rows.getString(1) + "#" + rows.getLong(2), rows.getString(3));
                        }
                    }
                }
            }
            return record;
        }

        private static long count(Connection db, String sql, String[] names) throws SQLException {
            try (PreparedStatement query = db.prepareStatement(sql)) {
                query.setArray(1, db.createArrayOf("text", names));
                try (ResultSet rows = query.executeQuery()) {
                    rows.next();
                    return rows.getLong(1);
                }
            }
        }
    }
}
