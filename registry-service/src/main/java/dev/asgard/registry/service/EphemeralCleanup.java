package dev.asgard.registry.service;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.proto.events.v1.DeviceRemovalReason;
import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.config.RegistryConfig;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Removes ephemeral devices that have been offline for longer than their grace period (from their join token;
 * the configured default when it had none), through {@link DeviceRemoval}: credentials revoked, one
 * {@code device.removed} event with reason {@code EPHEMERAL_EXPIRED} by {@code system}. Runs on the leader (see
 * {@code StatusSweepJob}); each candidate is locked and judged again, so a device that came back meanwhile stays,
 * and a pass on another replica removes nothing twice.
 */
@ApplicationScoped
public class EphemeralCleanup {

    /** Who the removal event names. */
    public static final String REMOVED_BY = "system";

    /** Served by the partial index device_ephemeral_offline_idx (V9); {@code {h-schema}}: the default schema. */
    static final String CANDIDATES = """
            select id from {h-schema}device
            where ephemeral and removed_at is null and status = 'OFFLINE'
              and status_changed_at < cast(:horizon as timestamptz)
              and status_changed_at < cast(:now as timestamptz)
                  - make_interval(secs => coalesce(ephemeral_grace_seconds, :defaultGrace))
            order by status_changed_at
            """;

    private final DeviceRepository devices;
    private final DeviceRemoval removal;
    private final DeviceConfig config;
    private final RegistryConfig registry;

    public EphemeralCleanup(DeviceRepository devices, DeviceRemoval removal, DeviceConfig config,
            RegistryConfig registry) {
        this.devices = devices;
        this.removal = removal;
        this.config = config;
        this.registry = registry;
    }

    /**
     * One pass over at most one batch of expired ephemeral devices.
     *
     * @param now the time to judge expiry at
     * @return how many devices were removed
     */
    @WithTransaction
    public Uni<Integer> cleanUp(Instant now) {
        Duration defaultGrace = registry.joinTokens().defaultEphemeralGrace();
        // No device can expire sooner than the shortest grace it can have: a range on the index, not a full scan.
        Duration shortest = defaultGrace.compareTo(JoinTokenService.MIN_GRACE) < 0 ? defaultGrace
                : JoinTokenService.MIN_GRACE;
        return Panache.getSession().chain(session -> session.createNativeQuery(CANDIDATES, UUID.class)
                        .setParameter("horizon", now.minus(shortest).atOffset(ZoneOffset.UTC))
                        .setParameter("now", now.atOffset(ZoneOffset.UTC))
                        .setParameter("defaultGrace", defaultGrace.toSeconds())
                        .setMaxResults(config.ephemeralCleanupBatchSize())
                        .getResultList())
                .chain(candidates -> Multi.createFrom().iterable(candidates)
                        .onItem().transformToUniAndConcatenate(id -> devices.findById(id, LockModeType.PESSIMISTIC_WRITE)
                                .chain(device -> expired(device, now)
                                        ? removal.remove(device, DeviceRemovalReason.DEVICE_REMOVAL_REASON_EPHEMERAL_EXPIRED,
                                                REMOVED_BY, now).replaceWith(1)
                                        : devices.leaveUnchanged(device).replaceWith(0)))
                        .collect().asList())
                .call(devices::flush)
                .map(removed -> removed.stream().mapToInt(Integer::intValue).sum());
    }

    /** Judged again on the locked row: still ephemeral, live, offline, and offline for longer than the grace. */
    boolean expired(Device device, Instant now) {
        if (device == null || !device.ephemeral || device.removedAt != null || device.status != Device.Status.OFFLINE) {
            return false;
        }
        long grace = device.ephemeralGraceSeconds != null ? device.ephemeralGraceSeconds
                : registry.joinTokens().defaultEphemeralGrace().toSeconds();
        return device.statusChangedAt.plusSeconds(grace).isBefore(now);
    }
}
