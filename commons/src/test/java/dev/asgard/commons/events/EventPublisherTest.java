package dev.asgard.commons.events;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ByteString;
import com.google.protobuf.BytesValue;
import com.google.rpc.ErrorInfo;

class EventPublisherTest {

    private static OutboxConfig config(int maxPayloadBytes) {
        return new OutboxConfig() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public Duration pollInterval() {
                return Duration.ofMillis(200);
            }

            @Override
            public int batchSize() {
                return 100;
            }

            @Override
            public long vacuumAfter() {
                return 10_000;
            }

            @Override
            public Duration maxBackoff() {
                return Duration.ofSeconds(30);
            }

            @Override
            public Duration sendTimeout() {
                return Duration.ofSeconds(30);
            }

            @Override
            public int maxPayloadBytes() {
                return maxPayloadBytes;
            }

            @Override
            public Optional<String> source() {
                return Optional.empty();
            }
        };
    }

    // No repository: every case below must fail before the outbox table is touched.
    private final EventPublisher publisher = new EventPublisher(null, config(64),
            Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC));

    private Throwable failureOf(io.smallrye.mutiny.Uni<?> uni) {
        return assertThrows(RuntimeException.class, () -> uni.await().atMost(Duration.ofSeconds(5)));
    }

    @Test
    void publishingOutsideATransactionFailsClearly() {
        Throwable failure = failureOf(publisher.publish(Topics.LOCK_EVENTS, "lock-a", "asgard.lock.acquired", "lock-a",
                ErrorInfo.newBuilder().setReason("X").build()));

        IllegalStateException e = assertInstanceOf(IllegalStateException.class, failure);
        assertTrue(e.getMessage().contains("@WithTransaction"), e.getMessage());
    }

    @Test
    void missingArgumentsAreRefused() {
        ErrorInfo payload = ErrorInfo.getDefaultInstance();

        assertInstanceOf(IllegalArgumentException.class, failureOf(publisher.publish(" ", "k", "t", null, payload)));
        assertInstanceOf(IllegalArgumentException.class, failureOf(publisher.publish("topic", "", "t", null, payload)));
        assertInstanceOf(IllegalArgumentException.class, failureOf(publisher.publish("topic", "k", null, null, payload)));
        assertInstanceOf(NullPointerException.class, failureOf(publisher.publish("topic", "k", "t", null, null)));
    }

    @Test
    void oversizedPayloadIsRefusedBeforeItCanBlockTheOutbox() {
        BytesValue big = BytesValue.of(ByteString.copyFrom(new byte[100]));

        Throwable failure = failureOf(publisher.publish("topic", "k", "t", null, big));

        IllegalArgumentException e = assertInstanceOf(IllegalArgumentException.class, failure);
        assertTrue(e.getMessage().contains("google.protobuf.BytesValue"), e.getMessage());
        assertTrue(e.getMessage().contains("max-payload-bytes=64"), e.getMessage());
    }
}
