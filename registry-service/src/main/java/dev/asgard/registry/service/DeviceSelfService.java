package dev.asgard.registry.service;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.Validation;
import dev.asgard.proto.registry.v1.UpdateDeviceRequest;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceCapability;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceQueryRepository.Found;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * A device changing its own record ({@code UpdateDevice}): hardware, capabilities, labels, metadata and agent
 * version, the fields named in the update mask. Labels under the reserved prefix {@value #RESERVED_LABEL_PREFIX}
 * belong to administrators and join tokens: device tokens carry labels for authorization, so a device must not
 * be able to grant itself one.
 */
@ApplicationScoped
public class DeviceSelfService {

    /** Label keys with this prefix are set by administrators and join tokens only. */
    public static final String RESERVED_LABEL_PREFIX = "asgard.dev/";

    static final Set<String> PATHS = Set.of("hardware", "capabilities", "labels", "metadata", "agent_version");

    private final DeviceUpdates updates;
    private final DeviceMapper mapper;
    private final Clock clock;

    public DeviceSelfService(DeviceUpdates updates, DeviceMapper mapper, Clock clock) {
        this.updates = updates;
        this.mapper = mapper;
        this.clock = clock;
    }

    /**
     * Validates the request (mask paths and the new values of those paths).
     *
     * @param request the request
     * @return the distinct mask paths in request order
     * @throws dev.asgard.commons.error.AsgardException INVALID_ARGUMENT with every violation
     */
    public static List<String> validate(UpdateDeviceRequest request) {
        Validation v = Validation.create();
        List<String> paths = new ArrayList<>(new LinkedHashSet<>(request.getUpdateMask().getPathsList()));
        v.check(!paths.isEmpty(), "update_mask", "name at least one of " + PATHS);
        for (String path : paths) {
            v.check(PATHS.contains(path), "update_mask.paths", "'" + path + "' cannot be updated by the device; allowed: "
                    + PATHS + " (administrators change names and networks)");
        }
        v.check(request.getExpectedRevision() >= 0, "expected_revision", "must not be negative");
        var device = request.getDevice();
        if (paths.contains("hardware")) {
            v.check(device.getHardware().getSerializedSize() <= DeviceValidation.MAX_HARDWARE_BYTES, "device.hardware",
                    "must be at most " + DeviceValidation.MAX_HARDWARE_BYTES + " bytes");
        }
        if (paths.contains("metadata")) {
            v.check(device.getMetadata().getSerializedSize() <= DeviceValidation.MAX_METADATA_BYTES, "device.metadata",
                    "must be at most " + DeviceValidation.MAX_METADATA_BYTES + " bytes");
        }
        if (paths.contains("capabilities")) {
            DeviceValidation.capabilities(v, device.getCapabilitiesList());
        }
        if (paths.contains("labels")) {
            Labels.validate(v, "device.labels", device.getLabelsMap());
            device.getLabelsMap().keySet().stream().filter(key -> key.startsWith(RESERVED_LABEL_PREFIX))
                    .forEach(key -> v.add("device.labels." + key,
                            "labels under " + RESERVED_LABEL_PREFIX + " are set by administrators only"));
        }
        if (paths.contains("agent_version")) {
            v.maxLength("device.agent_version", device.getAgentVersion(), 64);
        }
        v.throwIfInvalid();
        return paths;
    }

    /**
     * Applies a validated update.
     *
     * @param deviceId the calling device
     * @param request the request
     * @param paths the validated mask paths
     * @return the device as stored
     */
    @WithTransaction
    public Uni<Found> update(UUID deviceId, UpdateDeviceRequest request, List<String> paths) {
        Instant now = clock.instant();
        Optional<Long> expected = request.getExpectedRevision() == 0 ? Optional.empty()
                : Optional.of(request.getExpectedRevision());
        return updates.lock(deviceId, expected).chain(device -> {
            var wanted = request.getDevice();
            List<String> changed = new ArrayList<>();
            Optional<List<DeviceCapability>> capabilities = Optional.empty();
            for (String path : paths) {
                switch (path) {
                    case "hardware" -> {
                        byte[] hardware = wanted.hasHardware() ? wanted.getHardware().toByteArray() : null;
                        if (!java.util.Arrays.equals(hardware, device.hardware)) {
                            device.hardware = hardware;
                            changed.add(path);
                        }
                    }
                    case "metadata" -> {
                        byte[] metadata = wanted.hasMetadata() ? wanted.getMetadata().toByteArray() : null;
                        if (!java.util.Arrays.equals(metadata, device.metadata)) {
                            device.metadata = metadata;
                            changed.add(path);
                        }
                    }
                    case "labels" -> {
                        Map<String, String> labels = new LinkedHashMap<>(wanted.getLabelsMap());
                        // Reserved labels stay as administrators set them.
                        device.labels.forEach((key, value) -> {
                            if (key.startsWith(RESERVED_LABEL_PREFIX)) {
                                labels.put(key, value);
                            }
                        });
                        if (!labels.equals(device.labels)) {
                            device.labels = labels;
                            changed.add(path);
                        }
                    }
                    case "agent_version" -> {
                        String version = wanted.getAgentVersion().isEmpty() ? null : wanted.getAgentVersion();
                        if (!Objects.equals(version, device.agentVersion)) {
                            device.agentVersion = version;
                            changed.add(path);
                        }
                    }
                    case "capabilities" -> {
                        capabilities = Optional.of(wanted.getCapabilitiesList().stream()
                                .map(c -> mapper.toEntity(c, device.id)).toList());
                        changed.add(path);
                    }
                    default -> throw new IllegalStateException("validated path " + path);
                }
            }
            return updates.finish(device, changed, capabilities, now);
        });
    }
}
