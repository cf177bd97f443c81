package dev.asgard.lock.service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;

import dev.asgard.commons.events.OutboxJsonTypes;
import dev.asgard.commons.events.SqlEventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.lock.domain.Holder;
import dev.asgard.proto.events.v1.DeadlockDetected;
import dev.asgard.proto.events.v1.LockAcquired;
import dev.asgard.proto.events.v1.LockPreempted;
import dev.asgard.proto.events.v1.LockExpired;
import dev.asgard.proto.events.v1.LockReleased;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * The lock events on {@code asgard.lock.events}, written to the outbox in the transaction of the change. Keyed by
 * lock name, so the events of one lock stay in order.
 */
@ApplicationScoped
public class LockEvents {

    /**
     * The events the SQL functions write as proto3 JSON (V8__lock_events_as_json.sql), which the outbox relay sends
     * as protobuf.
     *
     * @return the lock event messages
     */
    @Produces
    @Singleton
    static OutboxJsonTypes jsonEventTypes() {
        return new OutboxJsonTypes(JsonFormat.TypeRegistry.newBuilder()
                .add(List.of(LockAcquired.getDescriptor(), LockReleased.getDescriptor(), LockExpired.getDescriptor()))
                .build());
    }

    /** ce_type prefix of lock events ({@code asgard.lock.lock.acquired}, ...; see lock_events.proto). */
    public static final String PREFIX = "asgard.lock.lock.";

    private final SqlEventPublisher publisher;

    public LockEvents(SqlEventPublisher publisher) {
        this.publisher = publisher;
    }

    Uni<Void> acquired(SqlClient tx, Holder holder, Instant now) {
        return publish(tx, holder.name(), "acquired", LockAcquired.newBuilder()
                .setLockName(holder.name()).setChangeTime(timestamp(now)).setOwner(holder.owner().proto())
                .setFencingToken(holder.fencingToken()).setMode(holder.mode().proto()).setPermits(holder.permits())
                .setPriority(holder.priority()).setLeaseExpireTime(timestamp(holder.leaseExpiresAt()))
                .setWaitDuration(duration(Duration.between(holder.enqueuedAt(), now)))
                .build());
    }

    Uni<Void> released(SqlClient tx, Holder holder, Instant now) {
        return publish(tx, holder.name(), "released", LockReleased.newBuilder()
                .setLockName(holder.name()).setChangeTime(timestamp(now)).setOwner(holder.owner().proto())
                .setFencingToken(holder.fencingToken())
                .setHoldDuration(duration(Duration.between(holder.acquiredAt(), now)))
                .build());
    }

    Uni<Void> expired(SqlClient tx, Holder holder, Instant now) {
        return publish(tx, holder.name(), "expired", LockExpired.newBuilder()
                .setLockName(holder.name()).setChangeTime(timestamp(now)).setOwner(holder.owner().proto())
                .setFencingToken(holder.fencingToken()).setLastRenewTime(timestamp(holder.lastRenewedAt()))
                .build());
    }

    Uni<Void> preempted(SqlClient tx, Holder holder, dev.asgard.lock.domain.Owner by, int priority, Instant now) {
        return publish(tx, holder.name(), "preempted", LockPreempted.newBuilder()
                .setLockName(holder.name()).setChangeTime(timestamp(now)).setOwner(holder.owner().proto())
                .setFencingToken(holder.fencingToken()).setPreemptedBy(by.proto()).setPreemptorPriority(priority)
                .build());
    }

    Uni<Void> deadlock(SqlClient tx, String lockName, dev.asgard.proto.lock.v1.DeadlockCycle cycle, Instant now) {
        return publisher.publish(tx.getDelegate(), Topics.LOCK_EVENTS, lockName, "asgard.lock.deadlock.detected", lockName,
                DeadlockDetected.newBuilder().setLockName(lockName).setChangeTime(timestamp(now)).setCycle(cycle).build())
                .replaceWithVoid();
    }

    private Uni<Void> publish(SqlClient tx, String name, String type, com.google.protobuf.Message payload) {
        return publisher.publish(tx.getDelegate(), Topics.LOCK_EVENTS, name, PREFIX + type, name, payload).replaceWithVoid();
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    static com.google.protobuf.Duration duration(Duration duration) {
        Duration d = duration.isNegative() ? Duration.ZERO : duration;
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }

    Uni<Void> forceReleased(SqlClient tx, Holder holder, String admin, String reason, Instant now) {
        return publish(tx, holder.name(), "force_released", dev.asgard.proto.events.v1.LockForceReleased.newBuilder()
                .setLockName(holder.name()).setChangeTime(timestamp(now)).setOwner(holder.owner().proto())
                .setFencingToken(holder.fencingToken()).setReleasedBy(admin).setReason(reason)
                .build());
    }
}
