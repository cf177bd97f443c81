package dev.asgard.registry.service;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceStatusChanged;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceStatusTransition;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceStatusTransitionRepository;
import io.smallrye.mutiny.Uni;

/**
 * Status transitions: each one is recorded and its {@code device.status_changed} event written in the
 * caller's transaction, on a device row the caller holds locked, so a transition happens (and is announced)
 * exactly once however many replicas look at the device.
 */
@ApplicationScoped
public class DeviceStatusService {

    /** ce_type of status change events. */
    public static final String DEVICE_STATUS_CHANGED = "asgard.registry.device.status_changed";

    private final DeviceStatusTransitionRepository transitions;
    private final EventPublisher events;

    public DeviceStatusService(DeviceStatusTransitionRepository transitions, EventPublisher events) {
        this.transitions = transitions;
        this.events = events;
    }

    /**
     * Moves a locked device to a new status; does nothing if it is there already.
     *
     * @param device the device, locked by the caller's transaction
     * @param to the new status
     * @param reason why, such as {@code heartbeat} or {@code missed-heartbeats}
     * @param now the time of the change
     * @return the device
     */
    public Uni<Device> transition(Device device, Device.Status to, String reason, Instant now) {
        if (device.status == to) {
            return Uni.createFrom().item(device);
        }
        DeviceStatusTransition record = new DeviceStatusTransition();
        record.deviceId = device.id;
        record.oldStatus = device.status;
        record.newStatus = to;
        record.reason = reason;
        record.changedAt = now;
        Device.Status from = device.status;
        device.status = to;
        device.statusChangedAt = now;
        device.updatedAt = now;
        DeviceStatusChanged.Builder event = DeviceStatusChanged.newBuilder()
                .setDeviceId(device.id.toString())
                .setChangeTime(DeviceMapper.timestamp(now))
                .setOldStatus(proto(from))
                .setNewStatus(proto(to))
                .setReason(reason)
                // The version the row will have once this change is flushed.
                .setRevision(device.version + 1);
        if (device.lastSeen != null) {
            event.setLastSeen(DeviceMapper.timestamp(device.lastSeen));
        }
        return transitions.persist(record)
                .chain(() -> events.publish(Topics.REGISTRY_EVENTS, device.id.toString(), DEVICE_STATUS_CHANGED,
                        device.id.toString(), event.build()))
                .replaceWith(device);
    }

    /** @return the protobuf status */
    public static DeviceStatus proto(Device.Status status) {
        return DeviceStatus.valueOf("DEVICE_STATUS_" + status.name());
    }
}
