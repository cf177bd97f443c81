package dev.asgard.registry.service;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceRemovalReason;
import dev.asgard.proto.events.v1.DeviceRemoved;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceCredentialRepository;
import io.smallrye.mutiny.Uni;

/**
 * Removes a device, whoever asks (an administrator's delete, the ephemeral clean-up): marks it removed, revokes
 * its credentials and writes one {@code device.removed} event, all in the caller's transaction. The row stays
 * (with its fingerprint), so the machine cannot enrol again; its name becomes free. Every service refuses the
 * device's tokens once the event reaches it (commons' revocation consumer).
 */
@ApplicationScoped
public class DeviceRemoval {

    /** ce_type of the event written on every removal. */
    public static final String DEVICE_REMOVED = "asgard.registry.device.removed";

    private final DeviceCredentialRepository credentials;
    private final EventPublisher events;

    public DeviceRemoval(DeviceCredentialRepository credentials, EventPublisher events) {
        this.credentials = credentials;
        this.events = events;
    }

    /**
     * Removes a device; a device removed already is returned unchanged, with no second event.
     *
     * @param lockedDevice the device, locked by the caller's transaction ({@code PESSIMISTIC_WRITE}), so that two
     *        removals (two replicas, an administrator and the clean-up) serialise and only the first acts
     * @param reason why
     * @param removedBy an administrator's user name, or {@code system}
     * @param now the removal time
     * @return the device
     */
    public Uni<Device> remove(Device lockedDevice, DeviceRemovalReason reason, String removedBy, Instant now) {
        if (lockedDevice.removedAt != null) {
            return Uni.createFrom().item(lockedDevice);
        }
        lockedDevice.removedAt = now;
        lockedDevice.updatedAt = now;
        String id = lockedDevice.id.toString();
        DeviceRemoved event = DeviceRemoved.newBuilder()
                .setDeviceId(id)
                .setChangeTime(DeviceMapper.timestamp(now))
                .setName(lockedDevice.name)
                .setReason(reason)
                .setRemovedBy(removedBy)
                .build();
        return credentials.revokeAll(lockedDevice.id, now)
                .chain(() -> events.publish(Topics.REGISTRY_EVENTS, id, DEVICE_REMOVED, id, event))
                .replaceWith(lockedDevice);
    }
}
