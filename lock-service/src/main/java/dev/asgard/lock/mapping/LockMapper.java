package dev.asgard.lock.mapping;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;

import com.google.protobuf.Timestamp;

import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.domain.Waiter;
import dev.asgard.proto.lock.v1.LockGrant;
import dev.asgard.proto.lock.v1.LockHolder;
import dev.asgard.proto.lock.v1.LockInfo;
import dev.asgard.proto.lock.v1.LockMode;
import dev.asgard.proto.lock.v1.LockWaiter;

/** Lock domain ↔ protobuf. */
public final class LockMapper {

    private LockMapper() {
    }

    /** @return the grant as its holder sees it */
    public static LockGrant grant(Holder h) {
        return LockGrant.newBuilder().setName(h.name()).setOwner(h.owner().proto()).setFencingToken(h.fencingToken())
                .setMode(h.mode().proto()).setPermits(h.permits()).setLeaseTtl(duration(h.leaseTtl()))
                .setLeaseExpireTime(timestamp(h.leaseExpiresAt())).setAcquireTime(timestamp(h.acquiredAt())).build();
    }

    /** @return the full state of a lock */
    public static LockInfo info(LockState state) {
        LockInfo.Builder info = LockInfo.newBuilder().setName(state.name())
                .setMaxPermits(state.maxPermits())
                .setPermitsInUse(state.permitsInUse())
                .setLastFencingToken(state.fencingCounter())
                .setUpdateTime(timestamp(state.updatedAt()));
        state.holders().stream().map(Holder::mode).max(Comparator.naturalOrder())
                .ifPresentOrElse(mode -> info.setMode(mode.proto()), () -> info.setMode(LockMode.LOCK_MODE_UNSPECIFIED));
        state.holders().forEach(h -> info.addHolders(LockHolder.newBuilder().setOwner(h.owner().proto())
                .setFencingToken(h.fencingToken()).setMode(h.mode().proto()).setPermits(h.permits())
                .setPriority(h.priority()).setEffectivePriority(state.effectivePriority(h))
                .setPreemptible(h.preemptible()).setAcquireTime(timestamp(h.acquiredAt()))
                .setLeaseExpireTime(timestamp(h.leaseExpiresAt())).setPurpose(nullToEmpty(h.purpose()))));
        int position = 1;
        for (Waiter w : state.waiters()) {
            LockWaiter.Builder waiter = LockWaiter.newBuilder().setOwner(w.owner().proto())
                    .setRequestId(w.requestId().toString()).setMode(w.mode().proto()).setPermits(w.permits())
                    .setPriority(w.priority()).setPreempt(w.preempt()).setPosition(position++)
                    .setEnqueueTime(timestamp(w.enqueuedAt())).setPurpose(nullToEmpty(w.purpose()));
            if (w.waitDeadline() != null) {
                waiter.setWaitDeadline(timestamp(w.waitDeadline()));
            }
            info.addWaiters(waiter);
        }
        return info.build();
    }

    /** @return a protobuf timestamp */
    public static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    /** @return a protobuf duration */
    public static com.google.protobuf.Duration duration(Duration duration) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(duration.getSeconds()).setNanos(duration.getNano())
                .build();
    }

    /** @return a Java duration, or null when unset */
    public static Duration duration(com.google.protobuf.Duration duration) {
        return Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
