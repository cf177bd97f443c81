package dev.asgard.registry.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
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
