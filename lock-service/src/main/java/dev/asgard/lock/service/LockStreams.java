package dev.asgard.lock.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.asgard.lock.config.LockConfig;
import dev.asgard.lock.config.ReplicaId;
import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.LockNotice;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.domain.Queued;
import dev.asgard.lock.mapping.LockMapper;
import dev.asgard.proto.lock.v1.AbortReason;
import dev.asgard.proto.lock.v1.AcquireAborted;
import dev.asgard.proto.lock.v1.AcquireLost;
import dev.asgard.proto.lock.v1.AcquireQueued;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.LostReason;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.subscription.MultiEmitter;
import io.vertx.mutiny.core.Vertx;

/**
 * The Acquire streams of this replica. A stream is first <em>waiting</em> (QUEUED, with its position), then
 * <em>held</em> (GRANTED, open while the lock is held, LOST if it is taken away), or it ends ABORTED.
 *
 * <p>Grants are made by whichever transaction frees the lock, on whatever replica; this class learns about them
 * from the lock notifications ({@link #refresh}) and, as a safety net for a lost notification, from a periodic
 * resync. Each stream changes state under its own monitor and only forward, so a notification and the direct
 * answer of the stream's own transaction can race without a state being reported twice.
 */
@ApplicationScoped
public class LockStreams {

    private static final Logger LOG = Logger.getLogger(LockStreams.class);

    private final UUID replicaId;
    private final Map<UUID, Stream> streams = new ConcurrentHashMap<>();
    /** Per lock: when its waiting streams' positions were last read, and whether a read is scheduled. */
    private final Map<String, Long> lastPositionRead = new ConcurrentHashMap<>();
    private final Set<String> positionReadsPending = ConcurrentHashMap.newKeySet();
    private final LockEngine engine;
    private final LockConfig config;
    private final Vertx vertx;
    private final Clock clock;
    private volatile boolean shuttingDown;

    private final Deadlocks deadlocks;

    public LockStreams(LockEngine engine, Deadlocks deadlocks, LockConfig config, ReplicaId replica, Vertx vertx,
            Clock clock) {
        this.replicaId = replica.get();
        this.engine = engine;
        this.deadlocks = deadlocks;
        this.config = config;
        this.vertx = vertx;
        this.clock = clock;
    }

    /** @return this replica's id (waiters carry it, so the others can remove them if this replica dies) */
    public UUID replicaId() {
        return replicaId;
    }

    /**
     * Opens an Acquire stream.
     *
     * @param request the validated request
     * @return the stream of state changes
     */
    public Multi<AcquireResponse> acquire(LockRequest request) {
        return Multi.createFrom().emitter(emitter -> {
            if (shuttingDown) {
                emitter.emit(aborted(request, AbortReason.ABORT_REASON_SHUTTING_DOWN,
                        "This lock-service replica is shutting down; retry against another one."));
                emitter.complete();
                return;
            }
            Stream stream = new Stream(request, emitter);
            streams.put(request.requestId(), stream);
            emitter.onTermination(() -> stream.terminated());
            // Quarkus does not always cancel the Multi when the client cancels the call (quarkusio/quarkus#41776);
            // the gRPC context's cancellation does reach us.
            io.grpc.Context call = io.grpc.Context.current();
            call.addListener(cancelled -> stream.terminated(), Runnable::run);
            // A client that resets the stream or drops the connection cancels the Multi through commons'
            // ClientCancelInterceptor (onTermination above).
            Duration wait = request.waitTimeout() == null || request.waitTimeout().compareTo(config.maxWait()) > 0
                    ? config.maxWait() : request.waitTimeout();
            Instant deadline = clock.instant().plus(wait);
            engine.enqueue(request, replicaId).subscribe().with(
                    enqueued -> {
                        enqueued.grant().ifPresentOrElse(stream::granted, () -> {
                            stream.queued(enqueued.queued());
                            if (enqueued.ownerHolds()) {
                                deadlocks.checkFrom(request.owner()).subscribe().with(broken -> {
                                }, failure -> LOG.warnf("Deadlock check after %s failed (the sweep retries): %s",
                                        request.requestId(), failure.getMessage()));
                            }
                        });
                        // Armed once the request is in the queue, so the timeout always finds it there (or granted).
                        stream.armWaitTimer(deadline);
                        stream.enqueueCommitted(enqueued.grant().isPresent());
                    },
                    failure -> stream.failed(failure));
        });
    }

    /**
     * Re-reads one lock and moves the local streams on it forward: granted, new position, aborted by someone else,
     * lost.
     *
     * @param name the lock name
     */
    public void refresh(String name) {
        List<Stream> concerned = streams.values().stream()
                .filter(s -> s.request.name().equals(name) && s.readableNow()).toList();
        if (concerned.isEmpty()) {
            return;
        }
        engine.read(name).subscribe().with(state -> concerned.forEach(s -> s.refresh(state)),
                failure -> LOG.warnf("Could not re-read lock %s: %s", name, failure.getMessage()));
    }

    /**
     * Moves the local streams on a lock forward from a notification: grants and ended grants it names are applied at
     * once; waiting streams re-read their position (at most every {@code queue-update-interval} per lock) only when
     * the queue changed; a notice that says only that the lock changed means reading it.
     *
     * @param notice the notification
     */
    public void onNotice(LockNotice notice) {
        if (notice.full()) {
            refresh(notice.name());
            return;
        }
        boolean positionsChanged = false;
        for (Stream stream : streams.values()) {
            if (stream.request.name().equals(notice.name()) && !stream.apply(notice)) {
                positionsChanged = true;
            }
        }
        if (positionsChanged) {
            refreshPositions(notice.name());
        }
    }

    /** Re-reads a lock for the positions of its waiting streams, at most once per queue-update-interval. */
    private void refreshPositions(String name) {
        if (!positionReadsPending.add(name)) {
            return;
        }
        long nowMillis = System.nanoTime() / 1_000_000;
        Long last = lastPositionRead.get(name);
        long delay = last == null ? 0 : last + config.queueUpdateInterval().toMillis() - nowMillis;
        Runnable read = () -> {
            positionReadsPending.remove(name);
            lastPositionRead.put(name, System.nanoTime() / 1_000_000);
            refresh(name);
        };
        if (delay <= 0) {
            read.run();
        } else {
            vertx.setTimer(delay, id -> read.run());
        }
    }

    /** Re-reads every lock a local stream waits for or holds (after a missed notification or a reconnect). */
    public void refreshAll() {
        Set<String> names = streams.values().stream().map(s -> s.request.name()).collect(Collectors.toSet());
        lastPositionRead.keySet().retainAll(names);
        names.forEach(this::refresh);
    }

    /**
     * A KeepAlive through this replica: the holder's stream, if here, learns the new lease.
     *
     * @param holder the renewed grant
     */
    public void renewed(Holder holder) {
        streams.values().stream().filter(s -> s.request.name().equals(holder.name()) && s.holds(holder.fencingToken()))
                .forEach(s -> s.renewed(holder));
    }

    /**
     * A Release through this replica: the holder's stream, if here, completes at once.
     *
     * @param name lock name
     * @param token the released token
     */
    public void released(String name, long token) {
        streams.values().stream().filter(s -> s.request.name().equals(name) && s.grant != null
                && s.grant.fencingToken() == token).forEach(Stream::releasedByHolder);
    }

    /**
     * Shutdown: waiting requests are aborted with SHUTTING_DOWN (and leave the queue); held streams end without
     * releasing, so their holders can keep the lease alive through another replica.
     */
    public void shutdown() {
        shuttingDown = true;
        streams.values().forEach(Stream::shutdown);
    }

    /** @return number of local streams (for metrics and tests) */
    public int size() {
        return streams.size();
    }

    private AcquireResponse aborted(LockRequest request, AbortReason reason, String message) {
        return AcquireResponse.newBuilder().setRequestId(request.requestId().toString())
                .setEventTime(LockMapper.timestamp(clock.instant()))
                .setAborted(AcquireAborted.newBuilder().setReason(reason).setMessage(message)).build();
    }

    private enum Phase {
        WAITING, HELD, ENDED
    }

    /** One Acquire stream. All state changes happen under its monitor. */
    private final class Stream {
        final LockRequest request;
        final MultiEmitter<? super AcquireResponse> emitter;
        final Instant arrivedAt = clock.instant();
        Phase phase = Phase.WAITING;
        Holder grant;
        int lastPosition = -1;
        int lastQueueLength = -1;
        long waitTimer = -1;
        long leaseTimer = -1;
        /*
         * Whether the stream's own enqueue has committed. A read of the lock started before that may not contain the
         * request yet (a notification of another change can arrive first); such a read must not conclude that the
         * request "left the queue", so it is skipped and repeated once the enqueue has committed.
         */
        boolean enqueueCommitted;
        boolean refreshDeferred;

        Stream(LockRequest request, MultiEmitter<? super AcquireResponse> emitter) {
            this.request = request;
            this.emitter = emitter;
        }

        /** @return whether a read of the lock started now sees this stream's request; if not, reads again later */
        synchronized boolean readableNow() {
            if (!enqueueCommitted) {
                refreshDeferred = true;
            }
            return enqueueCommitted;
        }

        /** The enqueue committed: repeats a skipped read; removes the request again if the client left meanwhile. */
        void enqueueCommitted(boolean granted) {
            boolean deferred;
            boolean cancelled;
            synchronized (this) {
                enqueueCommitted = true;
                deferred = refreshDeferred;
                cancelled = phase == Phase.ENDED && !granted;
            }
            if (cancelled) {
                // The client cancelled before the request was in the queue, so the cancel's abort found nothing.
                engine.abort(request.name(), request.requestId(), "CANCELLED", null).subscribe().with(ignored -> {
                }, failure -> LOG.warnf("Could not remove cancelled request %s: %s", request.requestId(),
                        failure.getMessage()));
            } else if (deferred) {
                LockStreams.this.refresh(request.name());
            }
        }

        synchronized void granted(Holder holder) {
            if (phase != Phase.WAITING) {
                return;
            }
            phase = Phase.HELD;
            grant = holder;
            vertx.cancelTimer(waitTimer);
            emitter.emit(AcquireResponse.newBuilder().setRequestId(request.requestId().toString())
                    .setEventTime(LockMapper.timestamp(holder.acquiredAt()))
                    .setGranted(LockMapper.grant(holder)).build());
            scheduleLeaseCheck(holder.leaseExpiresAt());
        }

        synchronized void queued(Queued where) {
            if (phase != Phase.WAITING || where == null) {
                // Not queued and not granted: the notification path will tell what became of it.
                return;
            }
            if (where.position() == lastPosition && where.length() == lastQueueLength) {
                return;
            }
            lastPosition = where.position();
            lastQueueLength = where.length();
            AcquireQueued.Builder queued = AcquireQueued.newBuilder().setPosition(where.position())
                    .setQueueLength(where.length());
            where.blockedBy().forEach(owner -> queued.addBlockedBy(owner.proto()));
            emitter.emit(AcquireResponse.newBuilder().setRequestId(request.requestId().toString())
                    .setEventTime(LockMapper.timestamp(clock.instant())).setQueued(queued).build());
        }

        void refresh(Optional<LockState> found) {
            if (found.isEmpty()) {
                return;
            }
            LockState state = found.get();
            Phase now;
            synchronized (this) {
                now = phase;
            }
            if (now == Phase.WAITING) {
                Optional<Holder> mine = state.holders().stream().filter(h -> h.requestId().equals(request.requestId()))
                        .findFirst();
                if (mine.isPresent()) {
                    granted(mine.get());
                } else if (state.waiters().stream().anyMatch(w -> w.requestId().equals(request.requestId()))) {
                    queued(Queued.of(state, request.requestId()));
                } else {
                    endedElsewhere();
                }
            } else if (now == Phase.HELD) {
                Optional<Holder> mine = state.holders().stream()
                        .filter(h -> h.fencingToken() == grant.fencingToken()).findFirst();
                if (mine.isPresent()) {
                    synchronized (this) {
                        grant = mine.get();
                    }
                    scheduleLeaseCheck(mine.get().leaseExpiresAt());
                } else {
                    lostOrReleased();
                }
            }
        }

        /**
         * Applies what a notice says about this stream.
         *
         * @return false when the stream still needs a read (it waits and the queue changed)
         */
        boolean apply(LockNotice notice) {
            Phase now;
            Holder held;
            synchronized (this) {
                now = phase;
                held = grant;
            }
            if (now == Phase.WAITING) {
                LockNotice.Grant mine = notice.grants().get(request.requestId());
                if (mine != null) {
                    granted(Holder.granted(request.toWaiter(arrivedAt, replicaId), mine.fencingToken(), notice.at(),
                            mine.leaseExpiresAt()));
                    return true;
                }
                return !notice.queueChanged();
            }
            if (now == Phase.HELD) {
                String reason = notice.ended().get(held.fencingToken());
                if ("RELEASED".equals(reason)) {
                    releasedByHolder();
                } else if (reason != null) {
                    lost(LostReason.valueOf("LOST_REASON_" + reason), held);
                }
            }
            return true;
        }

        synchronized boolean holds(long fencingToken) {
            return phase == Phase.HELD && grant.fencingToken() == fencingToken;
        }

        void renewed(Holder holder) {
            synchronized (this) {
                if (phase != Phase.HELD || grant.fencingToken() != holder.fencingToken()) {
                    return;
                }
                grant = holder;
            }
            scheduleLeaseCheck(holder.leaseExpiresAt());
        }

        /** The request left the queue without this stream: a deadlock victim, preempted, or a dead replica's cleanup. */
        private void endedElsewhere() {
            engine.requestEnd(request.requestId()).subscribe().with(row -> {
                if (row.isEmpty()) {
                    // A grant that was already released again before we looked; the next refresh cannot find it
                    // either, so report what we know.
                    abort(AbortReason.ABORT_REASON_UNSPECIFIED, "The request left the queue.", null);
                    return;
                }
                AcquireAborted detail = null;
                var buffer = row.get().getBuffer("detail");
                if (buffer != null) {
                    try {
                        detail = AcquireAborted.parseFrom(buffer.getBytes());
                    } catch (InvalidProtocolBufferException e) {
                        LOG.warnf("Unreadable abort detail of request %s", request.requestId());
                    }
                }
                AbortReason reason = AbortReason.valueOf("ABORT_REASON_" + row.get().getString("reason"));
                abort(reason, detail == null ? reason.name() : detail.getMessage(), detail);
            }, failure -> LOG.warnf("Could not read how request %s ended: %s", request.requestId(), failure.getMessage()));
        }

        private void lostOrReleased() {
            Holder held;
            synchronized (this) {
                held = grant;
            }
            engine.grantEnd(request.name(), held.fencingToken(), request.owner()).subscribe().with(reason -> {
                if (reason.isEmpty()) {
                    // Not ended: the read that missed the grant is older than the one that reported it (reads on
                    // different connections can answer out of order).
                    return;
                }
                String why = reason.get();
                if (why.equals("RELEASED")) {
                    releasedByHolder();
                } else {
                    lost(LostReason.valueOf("LOST_REASON_" + why), held);
                }
            }, failure -> LOG.warnf("Could not read how grant %d of %s ended: %s", held.fencingToken(), request.name(),
                    failure.getMessage()));
        }

        synchronized void releasedByHolder() {
            if (phase == Phase.ENDED) {
                return;
            }
            end();
            emitter.complete();
        }

        synchronized void lost(LostReason reason, Holder held) {
            if (phase != Phase.HELD) {
                return;
            }
            end();
            emitter.emit(AcquireResponse.newBuilder().setRequestId(request.requestId().toString())
                    .setEventTime(LockMapper.timestamp(clock.instant()))
                    .setLost(AcquireLost.newBuilder().setReason(reason).setFencingToken(held.fencingToken())
                            .setMessage("The lock was lost (" + reason.name().substring("LOST_REASON_".length())
                                    .toLowerCase(java.util.Locale.ROOT) + "); fencing token " + held.fencingToken()
                                    + " is stale."))
                    .build());
            emitter.complete();
        }

        synchronized void abort(AbortReason reason, String message, AcquireAborted detail) {
            if (phase != Phase.WAITING) {
                return;
            }
            end();
            AcquireAborted.Builder aborted = detail == null ? AcquireAborted.newBuilder() : detail.toBuilder();
            emitter.emit(AcquireResponse.newBuilder().setRequestId(request.requestId().toString())
                    .setEventTime(LockMapper.timestamp(clock.instant()))
                    .setAborted(aborted.setReason(reason).setMessage(message)).build());
            emitter.complete();
        }

        synchronized void armWaitTimer(Instant deadline) {
            if (phase != Phase.WAITING) {
                return;
            }
            long delay = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
            waitTimer = vertx.setTimer(delay, id -> timedOut());
        }

        void timedOut() {
            synchronized (this) {
                if (phase != Phase.WAITING) {
                    return;
                }
            }
            engine.abort(request.name(), request.requestId(), "TIMEOUT", null).subscribe().with(wasWaiting -> {
                if (wasWaiting) {
                    abort(AbortReason.ABORT_REASON_TIMEOUT, "No grant within the wait timeout.", null);
                } else {
                    LockStreams.this.refresh(request.name());
                }
            }, failure -> LOG.warnf("Could not time out request %s: %s", request.requestId(), failure.getMessage()));
        }

        void shutdown() {
            synchronized (this) {
                if (phase == Phase.HELD) {
                    end();
                    emitter.complete();
                    return;
                }
                if (phase != Phase.WAITING) {
                    return;
                }
            }
            engine.abort(request.name(), request.requestId(), "SHUTTING_DOWN", null).subscribe().with(
                    wasWaiting -> abort(AbortReason.ABORT_REASON_SHUTTING_DOWN,
                            "This lock-service replica is shutting down; retry against another one.", null),
                    failure -> abort(AbortReason.ABORT_REASON_SHUTTING_DOWN, "This replica is shutting down.", null));
        }

        synchronized void failed(Throwable failure) {
            if (phase == Phase.ENDED) {
                return;
            }
            end();
            emitter.fail(failure);
        }

        /** The client cancelled (or the stream completed): a waiting request leaves the queue; a grant stays. */
        void terminated() {
            boolean wasWaiting;
            synchronized (this) {
                wasWaiting = phase == Phase.WAITING;
                end();
            }
            if (wasWaiting) {
                engine.abort(request.name(), request.requestId(), "CANCELLED", null).subscribe().with(
                        ignored -> {
                        },
                        failure -> LOG.warnf("Could not remove cancelled request %s: %s", request.requestId(),
                                failure.getMessage()));
            }
        }

        private void scheduleLeaseCheck(Instant expiresAt) {
            synchronized (this) {
                if (phase != Phase.HELD) {
                    return;
                }
                vertx.cancelTimer(leaseTimer);
                long delay = Math.max(1, Duration.between(clock.instant(), expiresAt).toMillis() + 5);
                leaseTimer = vertx.setTimer(delay, id -> engine.expire(request.name()).subscribe().with(
                        expired -> LockStreams.this.refresh(request.name()),
                        failure -> LOG.warnf("Could not expire %s: %s", request.name(), failure.getMessage())));
            }
        }

        private void end() {
            phase = Phase.ENDED;
            vertx.cancelTimer(waitTimer);
            vertx.cancelTimer(leaseTimer);
            streams.remove(request.requestId(), this);
        }
    }
}
