package dev.asgard.registry.service;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Heartbeats: record that a device is alive. A heartbeat brings an inactive or offline device back to
 * active (one recorded transition, one event). Heartbeats whose sequence is not above the last one seen
 * are duplicates or late deliveries: acknowledged, not applied.
 */
@ApplicationScoped
public class HeartbeatService {

    private final DeviceRepository devices;
    private final DeviceStatusService status;
    private final Clock clock;

    public HeartbeatService(DeviceRepository devices, DeviceStatusService status, Clock clock) {
        this.devices = devices;
        this.status = status;
        this.clock = clock;
    }

    /**
     * @param deviceId the calling device (already checked to be the token's subject)
     * @param sequence the device's heartbeat sequence number
     * @param agentVersion the agent version it reports, or empty
     * @return the device after the heartbeat
     */
    @WithTransaction
    public Uni<Device> heartbeat(UUID deviceId, long sequence, String agentVersion) {
        Instant now = clock.instant();
        // The row lock orders this heartbeat against the status sweeper and other replicas.
        return devices.findById(deviceId, LockModeType.PESSIMISTIC_WRITE).chain(device -> {
            usable(device, deviceId);
            if (sequence <= device.heartbeatSequence) {
                return Uni.createFrom().item(device);
            }
            device.heartbeatSequence = sequence;
            device.lastSeen = now;
            if (!agentVersion.isEmpty() && !agentVersion.equals(device.agentVersion)) {
                device.agentVersion = agentVersion;
                device.updatedAt = now;
            }
            return device.status == Device.Status.ACTIVE ? Uni.createFrom().item(device)
                    : status.transition(device, Device.Status.ACTIVE, "heartbeat", now);
        }).call(devices::flush);
    }

    private static void usable(Device device, UUID deviceId) {
        if (device == null || device.removedAt != null) {
            throw AsgardException.failedPrecondition("DEVICE_REMOVED", "Device %s was removed.", deviceId)
                    .withHint("Stop sending heartbeats; an administrator must register the device anew.");
        }
        if (device.status == Device.Status.PENDING) {
            throw AsgardException.failedPrecondition("DEVICE_PENDING_APPROVAL",
                    "Device %s waits for an administrator's approval.", deviceId)
                    .withHint("Retry after the device was approved.");
        }
        if (device.status == Device.Status.REVOKED) {
            throw AsgardException.failedPrecondition("DEVICE_REVOKED", "The access of device %s was revoked.", deviceId)
                    .withHint("Stop and tell the operator.");
        }
    }
}
