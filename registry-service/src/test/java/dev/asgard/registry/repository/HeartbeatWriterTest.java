package dev.asgard.registry.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The heartbeat fast path commits asynchronously, and only itself: the {@code synchronous_commit = off} it sets
 * is local to its own transaction and never stays on the pooled connection, where it would turn later status
 * changes and their events asynchronous too.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class HeartbeatWriterTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    HeartbeatWriter writer;

    @Inject
    Pool pool;

    @Test
    void theAsynchronousCommitOfAHeartbeatDoesNotOutliveItsStatement() {
        UUID deviceId = enrolActiveDevice();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);

        String after = pool.withConnection(connection -> connection.query("SET synchronous_commit = on").execute()
                .chain(() -> writer.recordIfActive(connection, deviceId, 7, "", now))
                .invoke(recorded -> assertTrue(recorded.isPresent(), "an active device's newer heartbeat is recorded"))
                .chain(() -> connection.query("SHOW synchronous_commit").execute())
                .map(rows -> rows.iterator().next().getString(0)))
                .await().atMost(java.time.Duration.ofSeconds(30));

        assertEquals("on", after);
        var row = pool.preparedQuery("SELECT heartbeat_sequence, last_seen FROM registry.device WHERE id = $1")
                .execute(Tuple.of(deviceId)).await().atMost(java.time.Duration.ofSeconds(30)).iterator().next();
        assertEquals(7L, row.getLong("heartbeat_sequence"));
        assertEquals(now, row.getOffsetDateTime("last_seen").toInstant());
    }

    @Test
    void aHeartbeatThatNeedsTheLockedPathChangesNothingHere() {
        UUID deviceId = enrolActiveDevice();
        Instant now = Instant.now();
        writer.recordIfActive(deviceId, 5, "", now).await().atMost(java.time.Duration.ofSeconds(30));

        // A duplicate (sequence not above the last one) matches no row and is left to the locked path.
        assertTrue(writer.recordIfActive(deviceId, 5, "", now.plusSeconds(1))
                .await().atMost(java.time.Duration.ofSeconds(30)).isEmpty());
    }

    @Test
    void aBatchRecordsEachDeviceOnceAndLeavesTheRestToTheLockedPath() {
        UUID a = enrolActiveDevice();
        UUID b = enrolActiveDevice();
        UUID c = enrolActiveDevice();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        writer.recordIfActive(c, 5, "", now).await().atMost(java.time.Duration.ofSeconds(30));

        List<Object> answers = writer.recordMany(List.of(
                new HeartbeatWriter.Heartbeat(a, 6, "", now),
                new HeartbeatWriter.Heartbeat(a, 7, "", now.plusMillis(1)),
                new HeartbeatWriter.Heartbeat(b, 1, "another-agent/9.9", now),
                new HeartbeatWriter.Heartbeat(UUID.randomUUID(), 1, "", now),
                new HeartbeatWriter.Heartbeat(c, 4, "", now)))
                .await().atMost(java.time.Duration.ofSeconds(30));

        assertEquals(5, answers.size());
        assertTrue(((Optional<?>) answers.get(0)).isPresent(), "an active device's newer heartbeat is recorded");
        assertEquals(Optional.empty(), answers.get(1), "the same device again in the batch takes the locked path");
        assertEquals(Optional.empty(), answers.get(2), "a new agent version is a change of the record");
        assertEquals(Optional.empty(), answers.get(3), "an unknown device");
        assertEquals(Optional.empty(), answers.get(4), "a late sequence");
        assertEquals(6L, sequenceOf(a));
        assertEquals(0L, sequenceOf(b));
        assertEquals(5L, sequenceOf(c));
    }

    @Test
    void concurrentHeartbeatsShareStatementsAndEachGetsItsOwnAnswer() {
        List<UUID> devices = java.util.stream.IntStream.range(0, 8).mapToObj(i -> enrolActiveDevice()).toList();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);

        List<Optional<HeartbeatWriter.Recorded>> answers = io.smallrye.mutiny.Uni.join().all(
                java.util.stream.IntStream.range(0, 200)
                        .mapToObj(i -> writer.recordIfActive(devices.get(i % 8), 1 + i / 8, "", now.plusMillis(i)))
                        .toList())
                .andFailFast().await().atMost(java.time.Duration.ofSeconds(60));

        // Each answer tells the truth about its own heartbeat, whatever batch it was in: a device's stored sequence is
        // the highest one that was answered as recorded.
        assertEquals(200, answers.size());
        for (int d = 0; d < 8; d++) {
            long highestRecorded = 0;
            for (int i = d; i < 200; i += 8) {
                if (answers.get(i).isPresent()) {
                    highestRecorded = Math.max(highestRecorded, 1 + i / 8);
                }
            }
            assertTrue(highestRecorded > 0, "some heartbeat of each device is recorded");
            assertEquals(highestRecorded, sequenceOf(devices.get(d)));
        }
    }

    @Test
    void noIndexOfTheDeviceTableContainsWhatAHeartbeatWrites() {
        // Any such index, in its columns, expressions or predicate, turns every heartbeat into a non-HOT update:
        // a new entry in each of the table's indexes (V10).
        var definitions = pool.query("""
                SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
                JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = 'registry' AND t.relname = 'device'
                """).execute().await().atMost(java.time.Duration.ofSeconds(30));
        List<String> offending = new java.util.ArrayList<>();
        for (var row : definitions) {
            String definition = row.getString("definition");
            if (definition.contains("last_seen") || definition.contains("heartbeat_sequence")) {
                offending.add(definition);
            }
        }
        assertTrue(definitions.size() >= 5, "the device table's indexes are seen");
        assertEquals(List.of(), offending);
    }

    private long sequenceOf(UUID deviceId) {
        return pool.preparedQuery("SELECT heartbeat_sequence FROM registry.device WHERE id = $1")
                .execute(Tuple.of(deviceId)).await().atMost(java.time.Duration.ofSeconds(30)).iterator().next()
                .getLong(0);
    }

    private UUID enrolActiveDevice() {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        try {
            return UUID.fromString(TestDevices.enrollNew(RegistryServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS), Map.of()).getDevice().getDeviceId());
        } finally {
            channel.shutdownNow();
        }
    }
}
