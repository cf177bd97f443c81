package dev.asgard.registry.service;

import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceRepository;
import dev.asgard.registry.repository.HeartbeatWriter;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Heartbeats: record that a device is alive. A heartbeat brings an inactive or offline device back to
 * active (one recorded transition, one event). Heartbeats whose sequence is not above the last one seen
 * are duplicates or late deliveries: acknowledged, not applied.
 *
 * <p>A heartbeat is not a change of the device record: it moves {@code last_seen} and the sequence but
 * not the revision (ETag), so an administrator's {@code If-Match} does not go stale every 30 seconds.
 * The common case (active device, newer sequence) is one UPDATE without a session ({@link HeartbeatWriter});
 * everything else takes the row-locked path below, which also produces the errors.
 */
@ApplicationScoped
public class HeartbeatService {

    private final HeartbeatWriter writer;
    private final DeviceRepository devices;
    private final DeviceStatusService status;
    private final Clock clock;

    public HeartbeatService(HeartbeatWriter writer, DeviceRepository devices, DeviceStatusService status,
            Clock clock) {
        this.writer = writer;
        this.devices = devices;
        this.status = status;
        this.clock = clock;
    }

    /**
     * @param deviceId the calling device (already checked to be the token's subject)
     * @param sequence the device's heartbeat sequence number
     * @param agentVersion the agent version it reports, or empty
     * @return the device after the heartbeat; on the fast path a detached view carrying only its id, status,
     *         sequence, last seen and revision
     */
    public Uni<Device> heartbeat(UUID deviceId, long sequence, String agentVersion) {
        Instant now = clock.instant();
        return writer.recordIfActive(deviceId, sequence, agentVersion, now)
                .chain(recorded -> recorded.isPresent()
                        ? Uni.createFrom().item(HeartbeatWriter.recorded(deviceId, sequence, now,
                                recorded.get().revision(), recorded.get().heartbeatIntervalSeconds()))
                        : Panache.withTransaction(() -> locked(deviceId, sequence, agentVersion, now)));
    }

    /**
     * The slow path, in the caller's transaction: the row lock orders this heartbeat against the status
     * sweeper and other replicas. Changes made here (status, agent version) are changes of the record and
     * count in its revision; a duplicate changes nothing.
     */
    private Uni<Device> locked(UUID deviceId, long sequence, String agentVersion, Instant now) {
        return devices.findById(deviceId, LockModeType.PESSIMISTIC_WRITE).chain(device -> {
            usable(device, deviceId);
            boolean duplicate = sequence <= device.heartbeatSequence;
            boolean agentChanged = !agentVersion.isEmpty() && !agentVersion.equals(device.agentVersion);
            if (duplicate || (device.status == Device.Status.ACTIVE && !agentChanged)) {
                // Nothing of the record changes: keep the flush from writing it (and bumping its version), whatever
                // the dirty check thinks (see the note on field initializers in Device).
                return Panache.getSession().invoke(session -> session.setReadOnly(device, true))
                        .chain(() -> duplicate ? Uni.createFrom().item(device) : recordOnly(device, sequence, now));
            }
            device.heartbeatSequence = sequence;
            device.lastSeen = now;
            if (agentChanged) {
                device.agentVersion = agentVersion;
                device.updatedAt = now;
            }
            return status.transition(device, Device.Status.ACTIVE, "heartbeat", now);
        }).call(devices::flush);
    }

    /**
     * Only a race brings an active device with a newer sequence here (another heartbeat made it active
     * meanwhile); an HQL update, unlike a change of the managed entity, leaves the version alone.
     */
    private Uni<Device> recordOnly(Device device, long sequence, Instant now) {
        return devices.update("heartbeatSequence = ?1, lastSeen = ?2 where id = ?3", sequence, now, device.id)
                .replaceWith(() -> HeartbeatWriter.recorded(device.id, sequence, now, device.version,
                        device.heartbeatIntervalSeconds));
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
