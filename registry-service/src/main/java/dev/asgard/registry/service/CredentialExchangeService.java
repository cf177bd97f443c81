package dev.asgard.registry.service;

import java.time.Clock;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceCredential;
import dev.asgard.registry.keys.DeviceTokenIssuer;
import dev.asgard.registry.keys.IssuedToken;
import dev.asgard.registry.repository.DeviceCredentialRepository;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Exchanges a device credential for a short-lived device token. Every refusal about the credential itself
 * has one reason, {@code DEVICE_CREDENTIAL_INVALID}, so the answer tells a guesser nothing; the device's
 * own state (pending, revoked, removed) gets its own reason, since only a holder of the right secret (of a
 * credential that is or once was valid) learns it. A credential works while it is neither revoked nor past the grace period a rotation gave it.
 */
@ApplicationScoped
public class CredentialExchangeService {

    private final DeviceRepository devices;
    private final DeviceCredentialRepository credentials;
    private final DeviceTokenIssuer issuer;
    private final CredentialHasher hasher;
    private final Clock clock;

    public CredentialExchangeService(DeviceRepository devices, DeviceCredentialRepository credentials,
            DeviceTokenIssuer issuer, CredentialHasher hasher, Clock clock) {
        this.devices = devices;
        this.credentials = credentials;
        this.issuer = issuer;
        this.hasher = hasher;
        this.clock = clock;
    }

    /**
     * @param deviceId the device that presents the credential
     * @param presented the credential
     * @return a device token
     */
    @WithTransaction
    public Uni<IssuedToken> exchange(String deviceId, String presented) {
        PrefixedSecret parts = NewCredential.parse(presented).orElseThrow(CredentialExchangeService::invalid);
        UUID device = DeviceIds.parse(deviceId);
        return credentials.findById(parts.id()).chain(credential -> {
            if (credential == null || !credential.deviceId.equals(device)) {
                return Uni.createFrom().failure(invalid());
            }
            // The secret is checked even for a revoked or expired credential: its holder then learns that the
            // device was revoked (stop) rather than that the credential is wrong (rotate or re-enrol).
            return verifyOffTheEventLoop(parts.secret(), credential)
                    // A share lock: a concurrent revocation waits until this token is issued, so its cut-off
                    // (taken under the row lock) is later than the token's issue time.
                    .chain(() -> devices.findById(device, LockModeType.PESSIMISTIC_READ))
                    // Only read. Written back (as happened while Device had field initializers), the device's
                    // revision moved on every exchange, and two exchanges of one device holding the share lock
                    // deadlocked on that write.
                    .call(devices::leaveUnchanged)
                    .map(this::usable)
                    .chain(found -> {
                        if (!credential.usableAt(clock.instant())) {
                            return Uni.createFrom().failure(invalid());
                        }
                        return issuer.issue(found.id.toString(), List.of(found.networks), found.labels);
                    });
        });
    }

    private Uni<Void> verifyOffTheEventLoop(String secret, DeviceCredential credential) {
        Context context = Vertx.currentContext();
        return Uni.createFrom().item(() -> hasher.verify(secret, credential.secretHash))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .emitOn(task -> context.runOnContext(ignored -> task.run()))
                .map(matches -> {
                    if (!matches) {
                        throw invalid();
                    }
                    return null;
                });
    }

    private Device usable(Device device) {
        if (device == null || device.removedAt != null) {
            throw AsgardException.failedPrecondition("DEVICE_REMOVED", "The device was removed.")
                    .withHint("A removed device cannot get tokens; an administrator must register it anew.");
        }
        return switch (device.status) {
            case PENDING -> throw AsgardException.failedPrecondition("DEVICE_PENDING_APPROVAL",
                    "Device %s waits for an administrator's approval.", device.id)
                    .withHint("Retry after an administrator approved the device (POST /api/v1/devices/{id}/approve).");
            case REVOKED -> throw AsgardException.failedPrecondition("DEVICE_REVOKED",
                    "The access of device %s was revoked.", device.id)
                    .withHint("Stop using this identity and tell the operator; an administrator must register the "
                            + "machine anew.");
            default -> device;
        };
    }

    private static AsgardException invalid() {
        return AsgardException.unauthenticated("DEVICE_CREDENTIAL_INVALID",
                "The device credential is not valid for this device.")
                .withHint("Use the latest credential from Enroll or RotateCredential; older ones stop working when their "
                        + "grace period ends.");
    }
}
