package dev.asgard.lock.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.LockReleased;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The outbox relay vacuums the outbox itself after every {@code asgard.outbox.vacuum-after} rows it relayed
 * ({@code OutboxRelay}; the test profile sets 200), because the dead index entries its deletes leave would otherwise
 * pile up until autovacuum's next visit. lock-service's outbox is the busiest of all services, so the check lives here.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class OutboxVacuumTest {

    private static final String VACUUMS = "SELECT vacuum_count FROM pg_stat_user_tables"
            + " WHERE schemaname = 'lock' AND relname = 'outbox'";

    @Inject
    Pool pool;

    @ConfigProperty(name = "asgard.outbox.vacuum-after")
    long vacuumAfter;

    @Test
    void theRelayVacuumsTheOutboxAfterRelayingEnoughRows() throws Exception {
        long before = vacuums();
        String key = "vacuum-test/" + UUID.randomUUID();
        long rows = vacuumAfter + vacuumAfter / 2;
        byte[] payload = LockReleased.newBuilder().setLockName(key).build().toByteArray();
        pool.preparedQuery("INSERT INTO outbox (id, topic, record_key, ce_type, ce_subject, ce_time, payload,"
                + " payload_type) SELECT gen_random_uuid(), $1, $2, 'asgard.lock.lock.released', $2, now(), $3,"
                + " 'asgard.events.v1.LockReleased' FROM generate_series(1, $4)")
                .execute(Tuple.of(Topics.LOCK_EVENTS, key, io.vertx.core.buffer.Buffer.buffer(payload), rows))
                .await().atMost(Duration.ofSeconds(10));

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long pending;
        long after;
        do {
            Thread.sleep(100);
            pending = pool.preparedQuery("SELECT count(*) FROM outbox WHERE record_key = $1").execute(Tuple.of(key))
                    .await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
            after = vacuums();
        } while ((pending > 0 || after == before) && System.nanoTime() < deadline);

        assertEquals(0, pending, "the relay sent and deleted every row");
        // The loop counts every row it relays; more than vacuum-after of them passed since the first reading.
        assertTrue(after > before, "VACUUMs of lock.outbox: " + before + " before, " + after + " after " + rows
                + " rows relayed");
    }

    private long vacuums() {
        return pool.query(VACUUMS).execute().await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }
}
