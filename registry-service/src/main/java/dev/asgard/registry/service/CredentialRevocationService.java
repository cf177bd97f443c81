package dev.asgard.registry.service;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.commons.auth.RevocationEvents;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceCredentialsRevoked;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.mapping.DeviceMapper;
import dev.asgard.registry.repository.DeviceCredentialRepository;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Revocation by an administrator: every credential of the device is revoked, the device becomes
 * {@code revoked} (recorded, with its {@code device.status_changed} event), and a
 * {@code device.credentials_revoked} event with {@code tokens_invalid_before = now} tells every service to refuse
 * the device's live tokens (commons' {@code DeviceRevocations}). One transaction, on the locked device row.
 *
 * <p>The cut-off is taken after the row lock: a credential exchange holds a share lock on the row while it issues
 * a token, so every token it issues is either refused by the cut-off or issued after the device became revoked
 * (which the exchange sees and refuses).
 */
@ApplicationScoped
public class CredentialRevocationService {

    /** ce_type of the revocation event; commons' device authentication consumes it. */
    public static final String CREDENTIALS_REVOKED = RevocationEvents.CREDENTIALS_REVOKED;

    /** Reason of the status transition to revoked. */
    public static final String STATUS_REASON = "credentials-revoked";

    private final DeviceRepository devices;
    private final DeviceCredentialRepository credentials;
    private final DeviceStatusService status;
    private final EventPublisher events;
    private final AuditService audit;
    private final Clock clock;

    public CredentialRevocationService(DeviceRepository devices, DeviceCredentialRepository credentials,
            DeviceStatusService status, EventPublisher events, AuditService audit, Clock clock) {
        this.devices = devices;
        this.credentials = credentials;
        this.status = status;
        this.events = events;
        this.audit = audit;
        this.clock = clock;
    }

    /**
     * The outcome of a revocation.
     *
     * @param deviceId the device
     * @param credentialIds the credentials revoked now (empty if it was revoked already)
     * @param revokedAt when (the token cut-off); for a device revoked before, when its status became revoked
     * @param alreadyRevoked true if the device was revoked before: nothing changed
     */
    public record Revoked(UUID deviceId, List<UUID> credentialIds, Instant revokedAt, boolean alreadyRevoked) {
    }

    /**
     * Revokes a device. Revoking a revoked device changes nothing and is not an error.
     *
     * @param deviceId the device
     * @param reason why, as the administrator wrote it (validated by the caller)
     * @param revokedBy the administrator's user name
     * @return the outcome
     * @throws AsgardException NOT_FOUND {@code DEVICE_NOT_FOUND} (also for a removed device)
     */
    @WithTransaction
    public Uni<Revoked> revoke(UUID deviceId, String reason, String revokedBy) {
        return devices.findById(deviceId, LockModeType.PESSIMISTIC_WRITE).chain(device -> {
            CredentialRotationService.existing(device, deviceId);
            if (device.status == Device.Status.REVOKED) {
                return Uni.createFrom().item(new Revoked(deviceId, List.of(), device.statusChangedAt, true));
            }
            Instant now = clock.instant();
            return credentials.find("deviceId = ?1 and revokedAt is null", deviceId).list()
                    .map(live -> live.stream().map(c -> c.id).toList())
                    .call(() -> credentials.revokeAll(deviceId, now))
                    .call(() -> status.transition(device, Device.Status.REVOKED, STATUS_REASON, now))
                    .call(ids -> publish(deviceId, ids, now, reason, revokedBy))
                    .call(ids -> audit.record(AuditRecord.of("device.credentials.revoke", "device", deviceId)
                            .with("reason", reason)
                            .with("credentialIds", ids.stream().map(UUID::toString).toList())
                            .with("tokensInvalidBefore", now)))
                    .call(devices::flush)
                    .map(ids -> new Revoked(deviceId, ids, now, false));
        });
    }

    private Uni<Void> publish(UUID deviceId, List<UUID> ids, Instant now, String reason, String revokedBy) {
        DeviceCredentialsRevoked event = DeviceCredentialsRevoked.newBuilder()
                .setDeviceId(deviceId.toString())
                .setChangeTime(DeviceMapper.timestamp(now))
                .addAllCredentialIds(ids.stream().map(UUID::toString).toList())
                .setTokensInvalidBefore(DeviceMapper.timestamp(now))
                .setRevokedBy(revokedBy)
                .setReason(reason)
                .build();
        return events.publish(Topics.REGISTRY_EVENTS, deviceId.toString(), CREDENTIALS_REVOKED, deviceId.toString(),
                event).replaceWithVoid();
    }
}
