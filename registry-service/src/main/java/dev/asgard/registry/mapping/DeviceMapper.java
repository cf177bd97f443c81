package dev.asgard.registry.mapping;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;

import dev.asgard.proto.registry.v1.Capability;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.HardwareSpec;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceCapability;

/** Device entity ↔ protobuf. */
@ApplicationScoped
public class DeviceMapper {

    private final DeviceConfig config;

    public DeviceMapper(DeviceConfig config) {
        this.config = config;
    }

    /**
     * @param device the stored device
     * @param capabilities its capabilities
     * @return the protobuf view
     */
    public dev.asgard.proto.registry.v1.Device toProto(Device device, List<DeviceCapability> capabilities) {
        dev.asgard.proto.registry.v1.Device.Builder proto = dev.asgard.proto.registry.v1.Device.newBuilder()
                .setDeviceId(device.id.toString())
                .setName(device.name)
                .setWorldType(WorldType.valueOf(device.worldType))
                .putAllLabels(device.labels)
                .setStatus(DeviceStatus.valueOf("DEVICE_STATUS_" + device.status.name()))
                .setHeartbeatInterval(duration(dev.asgard.registry.service.HeartbeatPolicy.interval(device, config)))
                .addAllNetworkIds(List.of(device.networks))
                .setEphemeral(device.ephemeral)
                .setCreateTime(timestamp(device.createdAt))
                .setUpdateTime(timestamp(device.updatedAt))
                .setStatusChangeTime(timestamp(device.statusChangedAt))
                .setRevision(device.version);
        if (device.agentVersion != null) {
            proto.setAgentVersion(device.agentVersion);
        }
        if (device.lastSeen != null) {
            proto.setLastSeen(timestamp(device.lastSeen));
        }
        try {
            if (device.hardware != null) {
                proto.setHardware(HardwareSpec.parseFrom(device.hardware));
            }
            if (device.metadata != null) {
                proto.setMetadata(Struct.parseFrom(device.metadata));
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("Stored device " + device.id + " has corrupt hardware or metadata", e);
        }
        capabilities.forEach(c -> proto.addCapabilities(Capability.newBuilder()
                .setName(c.name).setVersion(c.version).putAllAttributes(c.attributes)));
        return proto.build();
    }

    /**
     * @param capability a declared capability
     * @param deviceId its device
     * @return the entity
     */
    public DeviceCapability toEntity(Capability capability, java.util.UUID deviceId) {
        DeviceCapability entity = new DeviceCapability();
        entity.deviceId = deviceId;
        entity.name = capability.getName();
        entity.version = capability.getVersion();
        entity.attributes = new java.util.LinkedHashMap<>(capability.getAttributesMap());
        return entity;
    }

    /** @return a protobuf timestamp */
    public static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    /** @return a protobuf duration */
    public static com.google.protobuf.Duration duration(Duration duration) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(duration.getSeconds()).setNanos(duration.getNano())
                .build();
    }
}
