package dev.asgard.registry.service;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Marks silent devices: active → inactive after {@code inactive-after-missed} heartbeat intervals without a
 * heartbeat, then → offline after {@code offline-after-missed}. Each device may have its own interval and
 * thresholds ({@link HeartbeatPolicy}); the global ones apply where it has none. Runs on the leader (see
 * {@code StatusSweepJob}). Each candidate row is locked and judged again before it changes, so a heartbeat
 * that came in meanwhile wins, and each transition is recorded and announced once ({@link DeviceStatusService}).
 */
@ApplicationScoped
public class StatusSweeper {

    /**
     * ({@code {h-schema}} is Hibernate's placeholder for the default schema, which native SQL does not get.)
     * One query for both kinds of device: devices on the global thresholds by a range on last_seen; devices with
     * thresholds of their own (few) by the shortest threshold any device can have, then judged per row. Per-field
     * fallback, as in {@link HeartbeatPolicy}. No index serves last_seen on purpose (V10: heartbeats stay HOT
     * updates); the query scans the live active/inactive devices, on the leader, once per sweep interval.
     */
    static final String CANDIDATES = """
            select id from {h-schema}device
            where removed_at is null and status in ('ACTIVE', 'INACTIVE') and (
              (heartbeat_interval_seconds is null and inactive_after_missed is null and offline_after_missed is null
               and last_seen < :inactiveBefore and (status = 'ACTIVE' or last_seen < :offlineBefore))
              or ((heartbeat_interval_seconds is not null or inactive_after_missed is not null
                   or offline_after_missed is not null)
               and last_seen < :customHorizon
               and ((status = 'ACTIVE' and last_seen < cast(:now as timestamptz) - make_interval(secs =>
                       coalesce(heartbeat_interval_seconds, cast(:interval as double precision)) * coalesce(inactive_after_missed, :inactive)))
                    or last_seen < cast(:now as timestamptz) - make_interval(secs =>
                       coalesce(heartbeat_interval_seconds, cast(:interval as double precision)) * coalesce(offline_after_missed, :offline)))))
            """;

    private final DeviceRepository devices;
    private final DeviceStatusService status;
    private final DeviceConfig config;

    public StatusSweeper(DeviceRepository devices, DeviceStatusService status, DeviceConfig config) {
        this.devices = devices;
        this.status = status;
        this.config = config;
    }

    /**
     * One pass over at most one batch of silent devices.
     *
     * @param now the time to judge silence at
     * @return how many devices changed status
     */
    @WithTransaction
    public Uni<Integer> sweep(Instant now) {
        Duration interval = config.heartbeatInterval();
        return candidates(now, interval)
                .chain(candidates -> Multi.createFrom().iterable(candidates)
                        // Lock each row, then judge it again: a heartbeat may have come in since the select.
                        .onItem().transformToUniAndConcatenate(id -> devices.findById(id, LockModeType.PESSIMISTIC_WRITE)
                                .chain(device -> {
                                    Device.Status target = device == null ? null
                                            : target(device, HeartbeatPolicy.inactiveBefore(device, config, now),
                                                    HeartbeatPolicy.offlineBefore(device, config, now));
                                    return target == null ? devices.leaveUnchanged(device).replaceWith(0)
                                            : status.transition(device, target, "missed-heartbeats", now).replaceWith(1);
                                }))
                        .collect().asList())
                .call(devices::flush)
                .map(changed -> changed.stream().mapToInt(Integer::intValue).sum());
    }

    private Uni<List<UUID>> candidates(Instant now, Duration interval) {
        OffsetDateTime at = now.atOffset(ZoneOffset.UTC);
        return Panache.getSession().chain(session -> session.createNativeQuery(CANDIDATES, UUID.class)
                .setParameter("inactiveBefore", at.minus(interval.multipliedBy(config.inactiveAfterMissed())))
                .setParameter("offlineBefore", at.minus(interval.multipliedBy(config.offlineAfterMissed())))
                // No device goes silent sooner than the shortest interval it can have times one missed heartbeat.
                .setParameter("customHorizon", at.minus(min(HeartbeatPolicy.MIN_INTERVAL, interval)))
                .setParameter("now", at)
                .setParameter("interval", interval.toMillis() / 1000.0)
                .setParameter("inactive", config.inactiveAfterMissed())
                .setParameter("offline", config.offlineAfterMissed())
                .setMaxResults(config.sweepBatchSize())
                .getResultList());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** @return the status a silent device moves to, or null when it is not (or no longer) silent */
    static Device.Status target(Device device, Instant inactiveBefore, Instant offlineBefore) {
        if (device == null || device.removedAt != null || device.lastSeen == null) {
            return null;
        }
        boolean sweepable = device.status == Device.Status.ACTIVE || device.status == Device.Status.INACTIVE;
        if (sweepable && device.lastSeen.isBefore(offlineBefore)) {
            return Device.Status.OFFLINE;
        }
        if (device.status == Device.Status.ACTIVE && device.lastSeen.isBefore(inactiveBefore)) {
            return Device.Status.INACTIVE;
        }
        return null;
    }
}
