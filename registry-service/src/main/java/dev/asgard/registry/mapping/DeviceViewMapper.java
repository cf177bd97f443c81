package dev.asgard.registry.mapping;

import java.util.List;
import java.util.Locale;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.proto.registry.v1.Device;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.repository.DeviceQueryRepository.Found;
import dev.asgard.registry.service.HeartbeatPolicy;
import dev.asgard.registry.rest.dto.DeviceView;

/** Device → REST view, and the JSON ↔ protobuf conversions of the REST API. */
@ApplicationScoped
public class DeviceViewMapper {

    private final DeviceMapper mapper;
    private final ObjectMapper json;
    private final DeviceConfig config;

    public DeviceViewMapper(DeviceMapper mapper, ObjectMapper json, DeviceConfig config) {
        this.mapper = mapper;
        this.json = json;
        this.config = config;
    }

    /**
     * @param found a device and its capabilities
     * @return the REST view
     */
    public DeviceView toView(Found found) {
        Device device = mapper.toProto(found.device(), found.capabilities());
        return new DeviceView(
                device.getDeviceId(),
                device.getName(),
                device.getWorldType().name().substring("WORLD_TYPE_".length()).toLowerCase(Locale.ROOT),
                device.getStatus().name().substring("DEVICE_STATUS_".length()).toLowerCase(Locale.ROOT),
                found.device().fingerprintSha256 != null,
                device.getLabelsMap(),
                device.getNetworkIdsList(),
                device.getCapabilitiesList().stream()
                        .map(c -> new DeviceView.CapabilityView(c.getName(), c.getVersion(), c.getAttributesMap()))
                        .toList(),
                device.hasHardware() ? toJson(device.getHardware()) : null,
                device.hasMetadata() ? toJson(device.getMetadata()) : null,
                device.getAgentVersion().isEmpty() ? null : device.getAgentVersion(),
                device.getEphemeral(),
                found.device().lastSeen,
                java.time.Duration.ofSeconds(device.getHeartbeatInterval().getSeconds()).toString(),
                HeartbeatPolicy.inactiveAfterMissed(found.device(), config),
                HeartbeatPolicy.offlineAfterMissed(found.device(), config),
                found.device().createdAt,
                found.device().updatedAt,
                found.device().statusChangedAt,
                device.getRevision());
    }

    /**
     * @param views devices
     * @return their views
     */
    public List<DeviceView> toViews(List<Found> views) {
        return views.stream().map(this::toView).toList();
    }

    /**
     * @param value a world type as the REST API spells it ({@code physical}, or {@code WORLD_TYPE_PHYSICAL})
     * @return the proto enum, or {@code UNRECOGNIZED} when unknown
     */
    public static WorldType worldType(String value) {
        if (value == null || value.isBlank()) {
            return WorldType.WORLD_TYPE_UNSPECIFIED;
        }
        String upper = value.trim().toUpperCase(Locale.ROOT);
        try {
            return WorldType.valueOf(upper.startsWith("WORLD_TYPE_") ? upper : "WORLD_TYPE_" + upper);
        } catch (IllegalArgumentException e) {
            return WorldType.UNRECOGNIZED;
        }
    }

    /**
     * @param field the request field
     * @param node a JSON object, or null
     * @return the struct, or null
     * @throws AsgardException INVALID_ARGUMENT when the value is not a JSON object
     */
    public Struct toStruct(String field, JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw AsgardException.invalidArgument("INVALID_METADATA", "%s must be a JSON object.", field)
                    .withViolation(field, "must be a JSON object");
        }
        try {
            Struct.Builder struct = Struct.newBuilder();
            JsonFormat.parser().merge(json.writeValueAsString(node), struct);
            return struct.build();
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw AsgardException.invalidArgument("INVALID_METADATA", "%s is not valid: %s", field, e.getMessage())
                    .withViolation(field, "must be a JSON object");
        }
    }

    private JsonNode toJson(MessageOrBuilder message) {
        try {
            return json.readTree(JsonFormat.printer().omittingInsignificantWhitespace().print(message));
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw new IllegalStateException("Cannot render a stored device as JSON", e);
        }
    }
}
