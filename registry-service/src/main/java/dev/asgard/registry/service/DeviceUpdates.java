package dev.asgard.registry.service;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceUpdated;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceCapability;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceCapabilityRepository;
import dev.asgard.registry.repository.DeviceQueryRepository.Found;
import dev.asgard.registry.repository.DeviceRepository;
import io.smallrye.mutiny.Uni;

/**
 * The steps every change of a device record shares, whoever makes it (an administrator over REST, the device
 * itself over gRPC): lock the live row, check the revision the caller expects, and after the change write the
 * new capabilities, flush (which increments the revision) and announce {@code device.updated} in the same
 * transaction.
 */
@ApplicationScoped
public class DeviceUpdates {

    /** ce_type of record changes. */
    public static final String DEVICE_UPDATED = "asgard.registry.device.updated";
    /** Reason of a stale expected revision (gRPC ABORTED; REST answers 412). */
    public static final String REVISION_MISMATCH = "DEVICE_REVISION_MISMATCH";

    private final DeviceRepository devices;
    private final DeviceCapabilityRepository capabilities;
    private final DeviceMapper mapper;
    private final EventPublisher events;

    public DeviceUpdates(DeviceRepository devices, DeviceCapabilityRepository capabilities, DeviceMapper mapper,
            EventPublisher events) {
        this.devices = devices;
        this.capabilities = capabilities;
        this.mapper = mapper;
        this.events = events;
    }

    /**
     * Locks a live device for a change.
     *
     * @param id the device
     * @param expectedRevision the revision the caller read, or empty to skip the check
     * @return the locked, managed device
     * @throws AsgardException NOT_FOUND {@code DEVICE_NOT_FOUND}; ABORTED {@value #REVISION_MISMATCH}
     */
    public Uni<Device> lock(UUID id, Optional<Long> expectedRevision) {
        return devices.findById(id, LockModeType.PESSIMISTIC_WRITE).map(device -> {
            if (device == null || device.removedAt != null) {
                throw DeviceQueryService.notFound(id);
            }
            if (expectedRevision.isPresent() && expectedRevision.get() != device.version) {
                throw AsgardException.aborted(REVISION_MISMATCH,
                        "Device %s is at revision %d, not %d: someone changed it since you read it.", id,
                        device.version, expectedRevision.get())
                        .withHint("Read the device again, re-apply your change and send it with the new revision (ETag).");
            }
            return device;
        });
    }

    /**
     * Finishes a change: stores new capabilities if given, flushes, and announces the change. With no changed
     * field nothing is written and no event goes out.
     *
     * @param device the changed, locked device
     * @param changedFields names of the changed fields (proto field names)
     * @param newCapabilities the new capability set, or empty if unchanged
     * @param now time of the change
     * @return the device as stored
     */
    public Uni<Found> finish(Device device, List<String> changedFields, Optional<List<DeviceCapability>> newCapabilities,
            Instant now) {
        if (changedFields.isEmpty()) {
            return devices.leaveUnchanged(device).chain(() -> capabilities.forDevice(device.id))
                    .map(current -> new Found(device, current));
        }
        device.updatedAt = now;
        Uni<List<DeviceCapability>> stored = newCapabilities.isPresent()
                ? capabilities.replace(device.id, newCapabilities.get())
                : capabilities.forDevice(device.id);
        return stored.call(devices::flush).call(current -> {
            DeviceUpdated event = DeviceUpdated.newBuilder()
                    .setDeviceId(device.id.toString())
                    .setChangeTime(DeviceMapper.timestamp(now))
                    .setDevice(mapper.toProto(device, current))
                    .addAllChangedFields(changedFields)
                    .build();
            return events.publish(Topics.REGISTRY_EVENTS, device.id.toString(), DEVICE_UPDATED, device.id.toString(),
                    event);
        }).map(current -> new Found(device, current));
    }
}
