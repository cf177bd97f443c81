package dev.asgard.commons.auth;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import dev.asgard.commons.events.OutboxEvent;
import dev.asgard.commons.events.OutboxRecords;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceCredentialsRevoked;
import dev.asgard.proto.events.v1.DeviceRegistered;
import dev.asgard.proto.events.v1.DeviceRemoved;

/** Records exactly as the registry's outbox relay writes them: real headers, real protobuf bytes. */
class RevocationEventsTest {

    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    final DeviceRevocations revocations = new DeviceRevocations(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofMinutes(16));
    final RevocationEvents events = new RevocationEvents(revocations);

    static Timestamp ts(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    static RecordHeaders headers(String ceType, Message payload) {
        OutboxEvent row = new OutboxEvent(UUID.randomUUID(), Topics.REGISTRY_EVENTS, "dev-1", ceType, "dev-1", NOW,
                payload.toByteArray(), payload.getDescriptorForType().getFullName());
        RecordHeaders headers = new RecordHeaders();
        OutboxRecords.headers(row, "registry-service").forEach(headers::add);
        return headers;
    }

    boolean apply(String ceType, Message payload) {
        return events.apply(headers(ceType, payload), payload.toByteArray());
    }

    @Test
    void credentialsRevokedRefusesTokensIssuedUpToTheCutOff() {
        Instant cutOff = NOW.minusSeconds(5);
        assertTrue(apply(RevocationEvents.CREDENTIALS_REVOKED, DeviceCredentialsRevoked.newBuilder()
                .setDeviceId("dev-1").setChangeTime(ts(NOW)).setTokensInvalidBefore(ts(cutOff)).build()));

        assertTrue(revocations.isRevoked("dev-1", cutOff));
        assertFalse(revocations.isRevoked("dev-1", cutOff.plusSeconds(1)));
        assertFalse(revocations.isRevoked("dev-2", cutOff));
    }

    @Test
    void removedDeviceIsRevokedFromItsRemovalTime() {
        assertTrue(apply(RevocationEvents.DEVICE_REMOVED,
                DeviceRemoved.newBuilder().setDeviceId("dev-1").setChangeTime(ts(NOW)).build()));
        assertTrue(revocations.isRevoked("dev-1", NOW.minusSeconds(300)));
    }

    @Test
    void replayedAndOlderEventsNeverWeakenARevocation() {
        DeviceCredentialsRevoked later = DeviceCredentialsRevoked.newBuilder().setDeviceId("dev-1")
                .setTokensInvalidBefore(ts(NOW)).build();
        DeviceCredentialsRevoked earlier = DeviceCredentialsRevoked.newBuilder().setDeviceId("dev-1")
                .setTokensInvalidBefore(ts(NOW.minusSeconds(60))).build();
        apply(RevocationEvents.CREDENTIALS_REVOKED, later);
        apply(RevocationEvents.CREDENTIALS_REVOKED, earlier);
        apply(RevocationEvents.CREDENTIALS_REVOKED, later);

        assertTrue(revocations.isRevoked("dev-1", NOW.minusSeconds(30)));
        assertEquals(1, revocations.size());
    }

    @Test
    void otherEventTypesAreIgnored() {
        assertFalse(apply("asgard.registry.device.registered",
                DeviceRegistered.newBuilder().setDeviceId("dev-1").build()));
        assertEquals(0, revocations.size());
    }

    @Test
    void badRecordsAreSkippedWithoutThrowing() {
        byte[] garbage = {(byte) 0xff, 0x01, 0x02};
        assertFalse(assertDoesNotThrow(() -> events.apply(
                headers(RevocationEvents.CREDENTIALS_REVOKED, DeviceCredentialsRevoked.getDefaultInstance()), garbage)));
        assertFalse(assertDoesNotThrow(() -> events.apply(new RecordHeaders(), garbage)));
        assertFalse(assertDoesNotThrow(() -> events.apply(
                headers(RevocationEvents.DEVICE_REMOVED, DeviceRemoved.getDefaultInstance()), null)));
        assertFalse(apply(RevocationEvents.CREDENTIALS_REVOKED,
                DeviceCredentialsRevoked.newBuilder().setTokensInvalidBefore(ts(NOW)).build()));
        assertEquals(0, revocations.size());
    }

    @Test
    void revocationsOlderThanTheAcceptanceWindowAreForgotten() {
        revocations.revoke("old", NOW.minus(Duration.ofMinutes(30)));
        revocations.revoke("new", NOW.minusSeconds(10));
        assertFalse(revocations.isRevoked("old", NOW.minus(Duration.ofMinutes(40))));
        assertEquals(1, revocations.size());
    }
}
