package dev.asgard.registry.repository;

import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.DeviceCredential;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;

/** Device credentials (hashes only) in PostgreSQL. */
@ApplicationScoped
public class DeviceCredentialRepository implements PanacheRepositoryBase<DeviceCredential, UUID> {

    /**
     * Revokes every credential of a device that is still valid.
     *
     * @param deviceId the device
     * @param now revocation time
     * @return how many were revoked
     */
    public Uni<Integer> revokeAll(UUID deviceId, Instant now) {
        return update("revokedAt = :now where deviceId = :device and revokedAt is null",
                Parameters.with("now", now).and("device", deviceId));
    }
}
