package dev.asgard.registry.service;

import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Marks silent devices: active → inactive after {@code inactive-after-missed} heartbeat intervals without a
 * heartbeat, then → offline after {@code offline-after-missed}. Runs on the leader (see
 * {@code StatusSweepJob}). Each candidate row is locked and judged again before it changes, so a heartbeat
 * that came in meanwhile wins, and each transition is recorded and announced once ({@link DeviceStatusService}).
 */
@ApplicationScoped
public class StatusSweeper {

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
        Instant inactiveBefore = now.minus(interval.multipliedBy(config.inactiveAfterMissed()));
        Instant offlineBefore = now.minus(interval.multipliedBy(config.offlineAfterMissed()));
        return devices.find("select id from Device where removedAt is null and lastSeen is not null and ("
                + "(status = :active and lastSeen < :inactiveBefore) "
                + "or (status in (:active, :inactive) and lastSeen < :offlineBefore))",
                Parameters.with("active", Device.Status.ACTIVE).and("inactive", Device.Status.INACTIVE)
                        .and("inactiveBefore", inactiveBefore).and("offlineBefore", offlineBefore))
                .project(java.util.UUID.class)
                .range(0, config.sweepBatchSize() - 1)
                .list()
                .chain(candidates -> Multi.createFrom().iterable(candidates)
                        // Lock each row, then judge it again: a heartbeat may have come in since the select.
                        .onItem().transformToUniAndConcatenate(id -> devices.findById(id, LockModeType.PESSIMISTIC_WRITE)
                                .chain(device -> {
                                    Device.Status target = target(device, inactiveBefore, offlineBefore);
                                    return target == null ? Uni.createFrom().item(0)
                                            : status.transition(device, target, "missed-heartbeats", now).replaceWith(1);
                                }))
                        .collect().asList())
                .call(devices::flush)
                .map(changed -> changed.stream().mapToInt(Integer::intValue).sum());
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
