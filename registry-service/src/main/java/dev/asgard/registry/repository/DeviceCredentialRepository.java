package dev.asgard.registry.repository;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.DeviceCredential;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Device credentials (hashes only) in PostgreSQL. */
@ApplicationScoped
public class DeviceCredentialRepository implements PanacheRepositoryBase<DeviceCredential, UUID> {

    private static final String USABLE = "deviceId = :device and revokedAt is null and (expiresAt is null or expiresAt > :now)";

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

    /**
     * @param deviceId the device
     * @param now the current time
     * @return the credentials usable at {@code now}, newest first
     */
    public Uni<List<DeviceCredential>> findUsable(UUID deviceId, Instant now) {
        return find(USABLE, Sort.descending("createdAt", "id"), Parameters.with("device", deviceId).and("now", now))
                .list();
    }

    /**
     * Ends the usable credentials of a device at {@code until} at the latest (a grace period never grows).
     *
     * @param deviceId the device
     * @param now the current time
     * @param until when they stop working
     * @return how many were shortened
     */
    public Uni<Integer> expireUsable(UUID deviceId, Instant now, Instant until) {
        return update("expiresAt = :until where " + USABLE + " and (expiresAt is null or expiresAt > :until)",
                Parameters.with("device", deviceId).and("now", now).and("until", until));
    }

    /**
     * One page of a device's credentials, newest first, after the given cursor.
     *
     * @param deviceId the device
     * @param afterCreatedAt cursor: creation time of the last credential of the previous page, or null
     * @param afterId cursor: id of that credential, or null
     * @param limit how many rows at most
     * @return the rows
     */
    public Uni<List<DeviceCredential>> page(UUID deviceId, Instant afterCreatedAt, UUID afterId, int limit) {
        String query = "deviceId = :device";
        Parameters params = Parameters.with("device", deviceId);
        if (afterCreatedAt != null) {
            query += " and (createdAt < :afterCreatedAt or (createdAt = :afterCreatedAt and id < :afterId))";
            params.and("afterCreatedAt", afterCreatedAt).and("afterId", afterId);
        }
        return find(query, Sort.descending("createdAt", "id"), params).range(0, limit - 1).list();
    }
}
