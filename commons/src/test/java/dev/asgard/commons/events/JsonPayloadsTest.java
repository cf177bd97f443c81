package dev.asgard.commons.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;

import dev.asgard.proto.events.v1.LockReleased;
import dev.asgard.proto.lock.v1.LockOwner;

class JsonPayloadsTest {

    private final JsonPayloads payloads = new JsonPayloads(new OutboxJsonTypes(
            JsonFormat.TypeRegistry.newBuilder().add(List.of(LockReleased.getDescriptor())).build()));

    @Test
    void aJsonRowIsSentAsTheProtobufOfItsMessage() {
        LockReleased expected = LockReleased.newBuilder().setLockName("backup/repo/ä")
                .setChangeTime(Timestamp.newBuilder().setSeconds(1_795_000_000L).setNanos(123_456_000))
                .setOwner(LockOwner.newBuilder().setDeviceId(UUID.randomUUID().toString()).setSessionId("s-1"))
                .setFencingToken(9_007_199_254_740_993L)
                .setHoldDuration(Duration.getDefaultInstance())
                .build();
        String json = "{\"lockName\": \"backup/repo/ä\", \"changeTime\": \""
                + Instant.ofEpochSecond(1_795_000_000L, 123_456_000) + "\","
                + " \"owner\": {\"deviceId\": \"" + expected.getOwner().getDeviceId() + "\", \"sessionId\": \"s-1\"},"
                + " \"fencingToken\": \"9007199254740993\", \"holdDuration\": \"0.000000s\"}";

        OutboxEvent sent = payloads.toProtobuf(row(json, "asgard.events.v1.LockReleased+json"));

        assertEquals("asgard.events.v1.LockReleased", sent.getPayloadType());
        // Message fields set to their default (the zero hold duration) are still present, as protobuf-java writes them.
        assertArrayEquals(expected.toByteArray(), sent.getPayload());
    }

    @Test
    void aProtobufRowIsSentAsItIs() {
        OutboxEvent row = new OutboxEvent(UUID.randomUUID(), "t", "k", "type", null, Instant.now(), new byte[] { 10, 0 },
                "asgard.events.v1.LockReleased");
        assertSame(row, payloads.toProtobuf(row));
    }

    @Test
    void anUnknownTypeOrJsonThatIsNotItsMessageFailsWithoutThePayload() {
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> payloads.toProtobuf(row("{}", "asgard.events.v1.DeviceRegistered+json")));
        assertTrue(unknown.getMessage().contains("does not list"), unknown.getMessage());
        IllegalStateException invalid = assertThrows(IllegalStateException.class,
                () -> payloads.toProtobuf(row("{\"lockName\": \"secret-ish\", \"noSuchField\": 1}",
                        "asgard.events.v1.LockReleased+json")));
        assertTrue(!invalid.getMessage().contains("secret-ish"), invalid.getMessage());
    }

    private static OutboxEvent row(String json, String payloadType) {
        return new OutboxEvent(UUID.randomUUID(), "asgard.lock.events", "k", "asgard.lock.lock.released", "k",
                Instant.now(), json.getBytes(StandardCharsets.UTF_8), payloadType);
    }
}
