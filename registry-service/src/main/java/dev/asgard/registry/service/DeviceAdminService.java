package dev.asgard.registry.service;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceRegistered;
import dev.asgard.proto.events.v1.DeviceRemovalReason;
import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceQueryRepository.Found;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * What administrators do to device records: pre-register a device before it exists, change name, labels,
 * networks and metadata (optimistically, against the revision they read), and approve a device that enrolled
 * with a token requiring approval. Each change is announced in the same transaction.
 */
@ApplicationScoped
public class DeviceAdminService {

    static final int MAX_NETWORKS = 32;

    private final DeviceRepository devices;
    private final DeviceUpdates updates;
    private final DeviceStatusService status;
    private final DeviceMapper mapper;
    private final EventPublisher events;
    private final AuditService audit;
    private final DeviceRemoval removal;
    private final DeviceConfig deviceConfig;
    private final Clock clock;

    public DeviceAdminService(DeviceRepository devices, DeviceUpdates updates, DeviceStatusService status,
            DeviceMapper mapper, EventPublisher events, AuditService audit, DeviceRemoval removal,
            DeviceConfig deviceConfig, Clock clock) {
        this.audit = audit;
        this.removal = removal;
        this.deviceConfig = deviceConfig;
        this.devices = devices;
        this.updates = updates;
        this.status = status;
        this.mapper = mapper;
        this.events = events;
        this.clock = clock;
    }

    /**
     * A device an administrator registers ahead of its enrolment.
     *
     * @param name the name the device will enrol with
     * @param worldType the kind of machine
     * @param labels labels (reserved ones allowed)
     * @param networks networks it belongs to
     * @param metadata free-form metadata
     */
    public record Registration(String name, WorldType worldType, Map<String, String> labels, List<String> networks,
            Struct metadata) {
    }

    /**
     * A partial change; empty fields stay as they are.
     *
     * @param name new name
     * @param labels new labels (replacing all)
     * @param networks new networks (replacing all)
     * @param metadata new metadata (replacing all)
     * @param heartbeatIntervalSeconds the device's own heartbeat interval; 0 returns to the global one
     * @param inactiveAfterMissed the device's own inactive threshold; 0 returns to the global one
     * @param offlineAfterMissed the device's own offline threshold; 0 returns to the global one
     */
    public record Patch(Optional<String> name, Optional<Map<String, String>> labels, Optional<List<String>> networks,
            Optional<Struct> metadata, Optional<Integer> heartbeatIntervalSeconds, Optional<Integer> inactiveAfterMissed,
            Optional<Integer> offlineAfterMissed) {
    }

    /**
     * Pre-registers a device: a record with status {@code PENDING} and no machine, which the first device enrolling
     * under this name (with a valid join token) claims.
     *
     * @param registration what the administrator entered
     * @param actor who
     * @return the new record
     * @throws AsgardException INVALID_ARGUMENT with violations; ALREADY_EXISTS {@code DEVICE_NAME_TAKEN}
     */
    @WithTransaction
    public Uni<Found> preRegister(Registration registration, String actor) {
        Validation v = Validation.create();
        DeviceValidation.name(v, "name", registration.name() == null ? "" : registration.name());
        v.check(registration.worldType() != null && registration.worldType() != WorldType.WORLD_TYPE_UNSPECIFIED
                && registration.worldType() != WorldType.UNRECOGNIZED, "worldType",
                "is required: physical, virtual_machine, container, cloud_instance or simulated");
        Labels.validate(v, "labels", registration.labels());
        Labels.validateIds(v, "networks", registration.networks(), MAX_NETWORKS);
        v.check(registration.metadata() == null
                || registration.metadata().getSerializedSize() <= DeviceValidation.MAX_METADATA_BYTES, "metadata",
                "must be at most " + DeviceValidation.MAX_METADATA_BYTES + " bytes");
        v.throwIfInvalid();
        Instant now = clock.instant();
        return devices.requireNameFree(registration.name(), null).chain(() -> {
            Device device = new Device();
            device.id = UUID.randomUUID();
            device.name = registration.name();
            device.worldType = registration.worldType().name();
            device.status = Device.Status.PENDING;
            device.labels = registration.labels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(registration.labels());
            device.networks = registration.networks() == null ? new String[0] : registration.networks().toArray(String[]::new);
            device.metadata = registration.metadata() == null ? null : registration.metadata().toByteArray();
            device.createdAt = now;
            device.updatedAt = now;
            device.statusChangedAt = now;
            return devices.persist(device).call(devices::flush).chain(saved -> {
                DeviceRegistered event = DeviceRegistered.newBuilder()
                        .setDeviceId(saved.id.toString())
                        .setChangeTime(DeviceMapper.timestamp(now))
                        .setDevice(mapper.toProto(saved, List.of()))
                        .build();
                return events.publish(Topics.REGISTRY_EVENTS, saved.id.toString(), EnrollmentService.DEVICE_REGISTERED,
                        saved.id.toString(), event)
                        .call(() -> audit.record(AuditRecord.of("device.pre-register", "device", saved.id)
                                .with("name", saved.name)))
                        .replaceWith(new Found(saved, List.of()));
            });
        });
    }

    /**
     * Changes a device record.
     *
     * @param id the device
     * @param patch the change
     * @param expectedRevision the revision the administrator read (from the ETag), or empty
     * @return the device as stored
     * @throws AsgardException INVALID_ARGUMENT; NOT_FOUND; ABORTED {@value DeviceUpdates#REVISION_MISMATCH};
     *         ALREADY_EXISTS {@code DEVICE_NAME_TAKEN}
     */
    @WithTransaction
    public Uni<Found> update(UUID id, Patch patch, Optional<Long> expectedRevision) {
        Validation v = Validation.create();
        patch.name().ifPresent(name -> DeviceValidation.name(v, "name", name));
        patch.labels().ifPresent(labels -> Labels.validate(v, "labels", labels));
        patch.networks().ifPresent(networks -> Labels.validateIds(v, "networks", networks, MAX_NETWORKS));
        patch.metadata().ifPresent(metadata -> v.check(metadata.getSerializedSize() <= DeviceValidation.MAX_METADATA_BYTES,
                "metadata", "must be at most " + DeviceValidation.MAX_METADATA_BYTES + " bytes"));
        v.throwIfInvalid();
        Instant now = clock.instant();
        return updates.lock(id, expectedRevision)
                .call(device -> patch.name().filter(name -> !name.equals(device.name))
                        .map(name -> devices.requireNameFree(name, device.id)).orElse(Uni.createFrom().voidItem()))
                .chain(device -> {
                    List<String> changed = new ArrayList<>();
                    patch.name().filter(name -> !name.equals(device.name)).ifPresent(name -> {
                        device.name = name;
                        changed.add("name");
                    });
                    patch.labels().filter(labels -> !labels.equals(device.labels)).ifPresent(labels -> {
                        device.labels = new LinkedHashMap<>(labels);
                        changed.add("labels");
                    });
                    patch.networks().filter(networks -> !networks.equals(List.of(device.networks))).ifPresent(networks -> {
                        device.networks = networks.toArray(String[]::new);
                        changed.add("network_ids");
                    });
                    Integer interval = own(patch.heartbeatIntervalSeconds(), device.heartbeatIntervalSeconds);
                    Integer inactive = own(patch.inactiveAfterMissed(), device.inactiveAfterMissed);
                    Integer offline = own(patch.offlineAfterMissed(), device.offlineAfterMissed);
                    // Checked against the values that will apply together, the device's current ones filling gaps.
                    HeartbeatPolicy.requireValid(interval, inactive, offline, deviceConfig);
                    if (!java.util.Objects.equals(interval, device.heartbeatIntervalSeconds)
                            || !java.util.Objects.equals(inactive, device.inactiveAfterMissed)
                            || !java.util.Objects.equals(offline, device.offlineAfterMissed)) {
                        device.heartbeatIntervalSeconds = interval;
                        device.inactiveAfterMissed = inactive;
                        device.offlineAfterMissed = offline;
                        changed.add("heartbeat_policy");
                    }
                    patch.metadata().map(Struct::toByteArray)
                            .filter(bytes -> !java.util.Arrays.equals(bytes, device.metadata)).ifPresent(bytes -> {
                                device.metadata = bytes;
                                changed.add("metadata");
                            });
                    return updates.finish(device, changed, Optional.empty(), now)
                            .call(found -> changed.isEmpty() ? Uni.createFrom().voidItem()
                                    : audit.record(AuditRecord.of("device.update", "device", device.id)
                                            .with("changedFields", changed)));
                });
    }

    /**
     * Approves a device that enrolled with a join token requiring approval: it becomes active and may get tokens.
     * Approving an approved device changes nothing.
     *
     * @param id the device
     * @param expectedRevision the revision the administrator read, or empty
     * @return the device as stored
     * @throws AsgardException NOT_FOUND; FAILED_PRECONDITION {@code DEVICE_NOT_ENROLLED} for a pre-registered
     *         device no machine has claimed yet, {@code DEVICE_REVOKED} for a revoked one
     */
    @WithTransaction
    public Uni<Found> approve(UUID id, Optional<Long> expectedRevision) {
        Instant now = clock.instant();
        return updates.lock(id, expectedRevision).chain(device -> {
            if (device.fingerprintSha256 == null) {
                throw AsgardException.failedPrecondition("DEVICE_NOT_ENROLLED",
                        "Device %s is pre-registered; no machine has enrolled as it yet.", id)
                        .withHint("Give the machine a join token and let it enrol under the name '" + device.name
                                + "'; approve it afterwards if the token requires approval.");
            }
            if (device.status == Device.Status.REVOKED) {
                throw AsgardException.failedPrecondition("DEVICE_REVOKED", "Device %s is revoked.", id)
                        .withHint("A revoked device cannot be approved; remove it and enrol the machine anew.");
            }
            if (device.status != Device.Status.PENDING) {
                return updates.finish(device, List.of(), Optional.empty(), now);
            }
            // The device has not been heard from since its approval: count its silence from now on.
            device.lastSeen = now;
            return status.transition(device, Device.Status.ACTIVE, "approved", now)
                    .call(devices::flush)
                    .call(() -> audit.record(AuditRecord.of("device.approve", "device", device.id).with("from", "PENDING")))
                    .chain(approved -> updates.finish(approved, List.of(), Optional.empty(), now));
        });
    }

    /**
     * Removes a device: its credentials are revoked and {@code device.removed} makes every service refuse its
     * tokens; the row stays, so the machine cannot enrol again.
     *
     * @param id the device
     * @param expectedRevision the revision the administrator read, or empty
     * @param actor who
     * @return completion
     * @throws AsgardException NOT_FOUND; ABORTED {@value DeviceUpdates#REVISION_MISMATCH}
     */
    @WithTransaction
    public Uni<Void> remove(UUID id, Optional<Long> expectedRevision, String actor) {
        Instant now = clock.instant();
        return updates.lock(id, expectedRevision)
                .chain(device -> removal.remove(device, DeviceRemovalReason.DEVICE_REMOVAL_REASON_ADMIN, actor, now))
                .call(devices::flush)
                .call(device -> audit.record(AuditRecord.of("device.delete", "device", device.id).with("name", device.name)))
                .replaceWithVoid();
    }

    private static Integer own(Optional<Integer> requested, Integer current) {
        if (requested.isEmpty()) {
            return current;
        }
        return requested.get() == 0 ? null : requested.get();
    }

}
