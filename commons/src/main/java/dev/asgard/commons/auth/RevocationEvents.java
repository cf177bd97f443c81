package dev.asgard.commons.auth;

import java.time.Instant;

import org.apache.kafka.common.header.Headers;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;

import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.ReceivedEvent;
import dev.asgard.proto.events.v1.DeviceCredentialsRevoked;
import dev.asgard.proto.events.v1.DeviceRemoved;

/**
 * Turns registry events into {@link DeviceRevocations}: {@value #CREDENTIALS_REVOKED} revokes the tokens issued at
 * or before {@code tokens_invalid_before} (else {@code change_time}), {@value #DEVICE_REMOVED} those issued at or
 * before the removal time (a removed device is never issued another). Every other event type is skipped, and a
 * malformed record is logged and skipped: one bad record must never stop the stream that carries all revocations.
 * Applying an event twice changes nothing, so at-least-once delivery needs no deduplication here.
 */
public final class RevocationEvents {

    /** {@code ce_type} of a credentials revocation. */
    public static final String CREDENTIALS_REVOKED = "asgard.registry.device.credentials_revoked";
    /** {@code ce_type} of a device removal. */
    public static final String DEVICE_REMOVED = "asgard.registry.device.removed";

    private static final Logger LOG = Logger.getLogger(RevocationEvents.class);

    private final DeviceRevocations revocations;

    /** @param revocations where revocations are recorded */
    public RevocationEvents(DeviceRevocations revocations) {
        this.revocations = revocations;
    }

    /**
     * Applies one record.
     *
     * @param headers the record's headers (CloudEvents attributes)
     * @param payload the record's value (protobuf bytes)
     * @return whether the record revoked something
     */
    public boolean apply(Headers headers, byte[] payload) {
        ReceivedEvent event;
        try {
            event = EventHeaders.read(headers);
        } catch (RuntimeException e) {
            LOG.warnf("Skipped a registry record that is not a CloudEvent: %s", e.getMessage());
            return false;
        }
        if (!CREDENTIALS_REVOKED.equals(event.type()) && !DEVICE_REMOVED.equals(event.type())) {
            return false;
        }
        try {
            return CREDENTIALS_REVOKED.equals(event.type()) ? credentialsRevoked(payload) : removed(payload);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            LOG.errorf("Skipped unreadable registry event %s of type %s: %s", event.id(), event.type(), e.getMessage());
            return false;
        }
    }

    private boolean credentialsRevoked(byte[] payload) throws InvalidProtocolBufferException {
        DeviceCredentialsRevoked event = DeviceCredentialsRevoked.parseFrom(payload == null ? new byte[0] : payload);
        Timestamp cutOff = event.hasTokensInvalidBefore() ? event.getTokensInvalidBefore()
                : event.hasChangeTime() ? event.getChangeTime() : null;
        return record(event.getDeviceId(), cutOff);
    }

    private boolean removed(byte[] payload) throws InvalidProtocolBufferException {
        DeviceRemoved event = DeviceRemoved.parseFrom(payload == null ? new byte[0] : payload);
        return record(event.getDeviceId(), event.hasChangeTime() ? event.getChangeTime() : null);
    }

    private boolean record(String deviceId, Timestamp cutOff) {
        if (deviceId.isBlank() || cutOff == null) {
            LOG.errorf("Skipped a revocation without device id or time (device '%s')", deviceId);
            return false;
        }
        Instant invalidBefore = Instant.ofEpochSecond(cutOff.getSeconds(), cutOff.getNanos());
        LOG.infof("Device %s: tokens issued at or before %s are revoked", deviceId, invalidBefore);
        revocations.revoke(deviceId, invalidBefore);
        return true;
    }
}
