package dev.asgard.registry.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import dev.asgard.proto.events.v1.DeviceCredentialsRotated;
import dev.asgard.registry.config.RegistryConfig;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceCredential;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceCredentialRepository;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Credential rotation, by the device itself or by an administrator: a new credential replaces the usable ones,
 * which keep working for a grace period (zero: revoked at once), so a device can switch without a gap. The new
 * credential, the shortened old ones, the {@code device.credentials_rotated} event and the audit entry are one
 * transaction, on the locked device row.
 */
@ApplicationScoped
public class CredentialRotationService {

    /** ce_type of the event written on every rotation. */
    public static final String CREDENTIALS_ROTATED = "asgard.registry.device.credentials_rotated";

    private final DeviceRepository devices;
    private final DeviceCredentialRepository credentials;
    private final EventPublisher events;
    private final AuditService audit;
    private final CredentialHasher hasher;
    private final PageTokenCodec pageTokens;
    private final RegistryConfig config;
    private final Clock clock;

    public CredentialRotationService(DeviceRepository devices, DeviceCredentialRepository credentials,
            EventPublisher events, AuditService audit, CredentialHasher hasher, PageTokenCodec pageTokens,
            RegistryConfig config, Clock clock) {
        this.devices = devices;
        this.credentials = credentials;
        this.events = events;
        this.audit = audit;
        this.hasher = hasher;
        this.pageTokens = pageTokens;
        this.config = config;
        this.clock = clock;
    }

    /**
     * The outcome of a rotation.
     *
     * @param credential the new credential (its secret is for the response only)
     * @param previousCredentialId the newest credential it replaced, or null if there was none
     * @param previousExpiresAt until when the replaced credentials work, or null if there were none
     */
    public record Rotated(NewCredential credential, UUID previousCredentialId, Instant previousExpiresAt) {
    }

    /**
     * Makes a credential: Argon2id runs on a worker thread, the result comes back on the caller's Vert.x
     * context, where the transaction's Hibernate Reactive session must live. Call at the start of an endpoint.
     *
     * @return the new credential
     */
    public Uni<NewCredential> newCredential() {
        Context context = Vertx.currentContext();
        Uni<NewCredential> hashed = Uni.createFrom().item(() -> NewCredential.generate(hasher))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return context == null ? hashed : hashed.emitOn(task -> context.runOnContext(ignored -> task.run()));
    }

    /** @return the longest grace period a rotation grants */
    public Duration maxGrace() {
        return config.credentials().maxPreviousGrace();
    }

    /**
     * Rotates a device's credential.
     *
     * @param deviceId the device
     * @param credential the new credential from {@link #newCredential()}
     * @param grace how long the replaced credentials keep working; zero revokes them at once. At most
     *        {@link #maxGrace()}: the caller caps or refuses a longer one
     * @param rotatedBy {@code device:<id>} or the administrator's user name, for the event
     * @return the outcome
     * @throws AsgardException NOT_FOUND {@code DEVICE_NOT_FOUND}; FAILED_PRECONDITION {@code DEVICE_REMOVED},
     *         {@code DEVICE_REVOKED}
     */
    @WithTransaction
    public Uni<Rotated> rotate(UUID deviceId, NewCredential credential, Duration grace, String rotatedBy) {
        if (grace.isNegative() || grace.compareTo(maxGrace()) > 0) {
            throw new IllegalArgumentException("grace out of range: " + grace);
        }
        return devices.findById(deviceId, LockModeType.PESSIMISTIC_WRITE)
                .map(device -> rotatable(device, deviceId))
                // The row lock orders rotations; the device record itself does not change (credentials are rows
                // of their own), so it must not be flushed: that would bump its revision for nothing.
                .call(devices::leaveUnchanged)
                .chain(device -> {
                    Instant now = clock.instant();
                    return credentials.findUsable(deviceId, now)
                            .chain(previous -> replace(deviceId, credential, grace, now, previous));
                })
                .call(rotated -> publish(deviceId, rotated, rotatedBy))
                .call(rotated -> audit.record(AuditRecord.of("device.credentials.rotate", "device", deviceId)
                        .with("credentialId", credential.id())
                        .with("previousCredentialId", rotated.previousCredentialId())
                        .with("previousCredentialExpiresAt", rotated.previousExpiresAt())
                        .with("grace", grace)));
    }

    /**
     * Lists a device's credentials (without their hashes), newest first.
     *
     * @param deviceId the device
     * @param page size and cursor
     * @return one page
     * @throws AsgardException NOT_FOUND {@code DEVICE_NOT_FOUND}
     */
    @WithSession
    public Uni<Page<DeviceCredential>> list(UUID deviceId, PageRequest page) {
        String query = PageTokenCodec.query("device-credentials", deviceId.toString());
        Instant afterCreatedAt = null;
        UUID afterId = null;
        if (page.token().isPresent()) {
            List<String> cursor = pageTokens.decode(page.token().get(), query);
            afterCreatedAt = Instant.parse(cursor.get(0));
            afterId = UUID.fromString(cursor.get(1));
        }
        Instant after = afterCreatedAt;
        UUID afterCredential = afterId;
        return devices.findById(deviceId)
                .map(device -> existing(device, deviceId))
                .chain(device -> credentials.page(deviceId, after, afterCredential, page.fetchSize()))
                .map(rows -> Page.fromOverfetch(rows, page,
                        last -> pageTokens.encode(query, last.createdAt.toString(), last.id.toString())));
    }

    private Uni<Rotated> replace(UUID deviceId, NewCredential credential, Duration grace, Instant now,
            List<DeviceCredential> previous) {
        Instant until = now.plus(grace);
        Uni<Integer> retire = grace.isZero() ? credentials.revokeAll(deviceId, now)
                : credentials.expireUsable(deviceId, now, until);
        DeviceCredential entity = new DeviceCredential();
        entity.id = credential.id();
        entity.deviceId = deviceId;
        entity.secretHash = credential.hash();
        entity.createdAt = now;
        UUID previousId = previous.isEmpty() ? null : previous.get(0).id;
        Instant previousExpiresAt = previous.isEmpty() ? null
                : previous.stream().map(c -> c.expiresAt != null && c.expiresAt.isBefore(until) ? c.expiresAt : until)
                        .max(Instant::compareTo).orElse(until);
        return retire.chain(() -> credentials.persist(entity))
                .replaceWith(new Rotated(credential, previousId, previousExpiresAt));
    }

    private Uni<Void> publish(UUID deviceId, Rotated rotated, String rotatedBy) {
        Instant now = clock.instant();
        DeviceCredentialsRotated.Builder event = DeviceCredentialsRotated.newBuilder()
                .setDeviceId(deviceId.toString())
                .setChangeTime(DeviceMapper.timestamp(now))
                .setCredentialId(rotated.credential().id().toString())
                .setRotatedBy(rotatedBy);
        if (rotated.previousCredentialId() != null) {
            event.setPreviousCredentialId(rotated.previousCredentialId().toString())
                    .setPreviousCredentialExpireTime(DeviceMapper.timestamp(rotated.previousExpiresAt()));
        }
        return events.publish(Topics.REGISTRY_EVENTS, deviceId.toString(), CREDENTIALS_ROTATED, deviceId.toString(),
                event.build()).replaceWithVoid();
    }

    private static Device rotatable(Device device, UUID deviceId) {
        existing(device, deviceId);
        if (device.status == Device.Status.REVOKED) {
            throw AsgardException.failedPrecondition("DEVICE_REVOKED", "The access of device %s was revoked.", deviceId)
                    .withHint("A revoked device gets no new credential; an administrator must register the machine anew.");
        }
        return device;
    }

    /** Removed devices count as unknown here: they have no credentials that could matter any more. */
    static Device existing(Device device, UUID deviceId) {
        if (device == null || device.removedAt != null) {
            throw AsgardException.notFound("DEVICE_NOT_FOUND", "No device with id %s.", deviceId)
                    .withHint("List devices with GET /api/v1/devices.");
        }
        return device;
    }
}
