package dev.asgard.lock.service;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.Waiter;
import dev.asgard.lock.mapping.LockMapper;
import dev.asgard.lock.messaging.LockWatchFeed;
import dev.asgard.lock.messaging.LockWatchFeed.LockChange;
import dev.asgard.lock.repository.LockQueries;
import dev.asgard.lock.repository.LockQueries.GrantEnd;
import dev.asgard.proto.lock.v1.AcquireAborted;
import dev.asgard.proto.lock.v1.DeadlockCycle;
import dev.asgard.proto.lock.v1.LockEventType;
import dev.asgard.proto.lock.v1.LockInfo;
import dev.asgard.proto.lock.v1.WatchResponse;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureFailure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * {@code Watch}: lock events under a name prefix, derived from the lock's state rather than read from Kafka.
 *
 * <p><b>Why not consume {@code asgard.lock.events}</b> as registry's DeviceWatchService does: the topic has no
 * event for a request joining the queue or a wait being aborted (QUEUED, ABORTED), which Watch must report; it
 * arrives only after the outbox relay (and not at all while Kafka is down, when PostgreSQL — the lock service's
 * only dependency for locking — still works); and every replica would need a consumer of the whole topic. Every
 * change of a lock already sends a NOTIFY to all replicas, so {@link LockWatchFeed} re-reads the changed lock once
 * per replica and each watcher diffs it against the last state it has of that lock:
 * <ul>
 * <li>a holder gone → RELEASED / EXPIRED / PREEMPTED / FORCE_RELEASED from its lock_grant_end reason;</li>
 * <li>fencing tokens issued and ended between two reads (a grant shorter than a read) → ACQUIRED, then how it
 * ended, again from lock_grant_end (tokens above the last counter the watcher saw), so no grant is missed;</li>
 * <li>a new holder → ACQUIRED; a new waiter → QUEUED; a waiter gone without being granted → ABORTED.</li>
 * </ul>
 * Limits, said plainly: a wait that starts and is aborted between two reads of its lock is not reported (waits,
 * unlike grants, leave no numbered trace). DEADLOCK_DETECTED (with the cycle) comes from the abort details a deadlock
 * victim's request leaves in lock_request_end, so it is reported even for a wait no read saw.
 *
 * <p><b>Initial state without losing changes</b>: the watcher subscribes to the feed first, then lists the held or
 * contended locks under its prefix and asks the feed to read each of them; the feed reads one name at a time in
 * commit order, so the last state the watcher has of every name is current, and changes during the listing just
 * update it. Without {@code send_initial_state} the same baseline is built silently, so the first events are
 * already diffs against the truth. A watcher that cannot keep up is cut off with RESOURCE_EXHAUSTED
 * {@value #REASON_TOO_SLOW} rather than buffered without bound. After the feed's LISTEN connection was lost, every
 * watcher re-reads what it knows and lists its prefix again.
 */
@ApplicationScoped
public class LockWatches {

    /** Reason of a watcher cut off because it did not read its stream fast enough. */
    public static final String REASON_TOO_SLOW = "WATCH_TOO_SLOW";

    static final int MAX_BUFFERED = 10_000;
    private static final int LIST_PAGE = 500;

    private final LockWatchFeed feed;
    private final LockQueries queries;
    private final Pool pool;
    private final Clock clock;
    private final Vertx vertx;
    /** Longer than any lock transaction: what began before a watch registered has committed by then. */
    private static final java.time.Duration REBASELINE_AFTER = java.time.Duration.ofSeconds(1);

    public LockWatches(LockWatchFeed feed, LockQueries queries, Pool pool, Clock clock, Vertx vertx) {
        this.vertx = vertx;
        this.feed = feed;
        this.queries = queries;
        this.pool = pool;
        this.clock = clock;
    }

    /**
     * @param prefix validated name prefix, empty for all
     * @param initialState whether to start with the held and contended locks
     * @return the stream; it ends when the caller cancels it or falls too far behind
     */
    public Multi<WatchResponse> watch(String prefix, boolean initialState) {
        return Multi.createFrom().<WatchResponse> emitter(emitter -> {
            Watch watch = new Watch(prefix, initialState, clock.instant(), emitter::emit);
            Cancellable changes = feed.changes(prefix).subscribe().with(change -> {
                if (change.resync()) {
                    baseline(prefix, watch.knownNames()).subscribe().with(ignored -> {
                    }, emitter::fail);
                } else {
                    watch.onChange(change);
                }
            }, emitter::fail);
            emitter.onTermination(changes::cancel);
            // Registered first, so later changes under the prefix notify; a change whose transaction began before the
            // registration committed may not, and is caught by the second, quiet baseline a moment later.
            feed.register(prefix).chain(() -> baseline(prefix, Set.of())).subscribe().with(ignored -> {
                watch.initialComplete();
                vertx.setTimer(REBASELINE_AFTER.toMillis(), id -> baseline(prefix, watch.knownNames()).subscribe()
                        .with(done -> {
                        }, emitter::fail));
            }, emitter::fail);
        }, BackPressureStrategy.ERROR)
                .onOverflow().buffer(MAX_BUFFERED)
                .onFailure(BackPressureFailure.class).transform(e -> AsgardException.resourceExhausted(REASON_TOO_SLOW,
                        "The watch fell more than %d events behind and was closed.", MAX_BUFFERED)
                        .withHint("Read the stream faster, or watch again with send_initial_state to resynchronise."));
    }

    /** Has the feed read every held or contended lock under the prefix, and the given names, once more. */
    private Uni<Void> baseline(String prefix, Set<String> known) {
        List<String> names = new ArrayList<>(known);
        return listAll(prefix, null, names).chain(all -> Multi.createFrom().iterable(new HashSet<>(all))
                .onItem().transformToUni(feed::refresh).merge(8)
                .collect().last().replaceWithVoid());
    }

    private Uni<List<String>> listAll(String prefix, String after, List<String> into) {
        return pool.withConnection(c -> queries.names(c, prefix, null, false, after, LIST_PAGE)).chain(page -> {
            into.addAll(page);
            return page.size() < LIST_PAGE ? Uni.createFrom().item(into) : listAll(prefix, page.get(page.size() - 1), into);
        });
    }

    /** One watcher: the last state it has of every lock under its prefix, and whether it reports yet. */
    private static final class Watch {
        private final String prefix;
        private final boolean initialState;
        private final Instant startedAt;
        private final Consumer<WatchResponse> out;
        private final Map<String, LockState> known = new HashMap<>();
        private final Set<String> reportedDeadlocks = new HashSet<>();
        private boolean live;

        Watch(String prefix, boolean initialState, Instant startedAt, Consumer<WatchResponse> out) {
            this.prefix = prefix;
            this.initialState = initialState;
            this.startedAt = startedAt;
            this.out = out;
        }

        synchronized Set<String> knownNames() {
            return new HashSet<>(known.keySet());
        }

        synchronized void initialComplete() {
            if (initialState) {
                Instant now = Instant.now();
                new TreeMap<>(known).values().stream().filter(s -> !s.isFree()).forEach(state -> out.accept(
                        WatchResponse.newBuilder().setType(LockEventType.LOCK_EVENT_TYPE_INITIAL).setName(state.name())
                                .setLock(LockMapper.info(state)).setEventTime(LockMapper.timestamp(now)).build()));
                out.accept(WatchResponse.newBuilder().setType(LockEventType.LOCK_EVENT_TYPE_INITIAL_STATE_COMPLETE)
                        .setEventTime(LockMapper.timestamp(now)).build());
            }
            live = true;
        }

        synchronized void onChange(LockChange change) {
            if (!change.name().startsWith(prefix)) {
                return;
            }
            LockState after = change.state().orElseGet(() -> new LockState(change.name(), null, 1, 0, change.readAt(),
                    List.of(), List.of()));
            LockState before = known.put(change.name(), after);
            if (live) {
                diff(before, after, change);
            }
        }

        /**
         * The events that lead from {@code before} to {@code after}. {@code before} is null for a lock that was free
         * when the watch started (or that this watcher never saw).
         */
        private void diff(LockState before, LockState after, LockChange change) {
            LockInfo info = LockMapper.info(after);
            Map<Long, Holder> wasHeld = new HashMap<>();
            if (before != null) {
                before.holders().forEach(h -> wasHeld.put(h.fencingToken(), h));
            }
            Set<Long> nowHeld = new HashSet<>();
            Set<UUID> nowHolding = new HashSet<>();
            after.holders().forEach(h -> {
                nowHeld.add(h.fencingToken());
                nowHolding.add(h.requestId());
            });
            Set<Owner> grantedMeanwhile = new HashSet<>();
            Set<Long> endReported = new HashSet<>();
            for (GrantEnd end : change.ends()) {
                Holder held = wasHeld.get(end.fencingToken());
                if (held != null && !nowHeld.contains(end.fencingToken())) {
                    emit(info, ended(end.reason()), held.owner(), end.fencingToken(), end.endedAt());
                    endReported.add(end.fencingToken());
                } else if (!nowHeld.contains(end.fencingToken()) && (before == null
                        ? !end.endedAt().isBefore(startedAt) : end.fencingToken() > before.fencingCounter())) {
                    // Granted and ended between two reads of this lock.
                    emit(info, LockEventType.LOCK_EVENT_TYPE_ACQUIRED, end.owner(), end.fencingToken(), end.endedAt());
                    emit(info, ended(end.reason()), end.owner(), end.fencingToken(), end.endedAt());
                    grantedMeanwhile.add(end.owner());
                }
            }
            for (Holder h : wasHeld.values()) {
                if (!nowHeld.contains(h.fencingToken()) && !endReported.contains(h.fencingToken())) {
                    // No end record in the feed's window (should not happen); the lease tells expiry from release.
                    emit(info, h.leaseExpiresAt().isAfter(change.readAt()) ? LockEventType.LOCK_EVENT_TYPE_RELEASED
                            : LockEventType.LOCK_EVENT_TYPE_EXPIRED, h.owner(), h.fencingToken(), change.readAt());
                }
            }
            Set<UUID> nowWaiting = new HashSet<>();
            after.waiters().forEach(w -> nowWaiting.add(w.requestId()));
            if (before != null) {
                for (Waiter w : before.waiters()) {
                    if (!nowWaiting.contains(w.requestId()) && !nowHolding.contains(w.requestId())
                            && !grantedMeanwhile.contains(w.owner())) {
                        emit(info, LockEventType.LOCK_EVENT_TYPE_ABORTED, w.owner(), 0, change.readAt());
                    }
                }
            }
            // Deadlock victims' waits, also those that began and were aborted between two reads of the lock.
            for (LockQueries.RequestEnd end : change.requestEnds().values()) {
                deadlockOf(end).filter(cycle -> !end.endedAt().isBefore(startedAt)
                        && reportedDeadlocks.add(cycle.getDeadlockId())).ifPresent(cycle -> out.accept(
                                WatchResponse.newBuilder().setType(LockEventType.LOCK_EVENT_TYPE_DEADLOCK_DETECTED)
                                        .setName(info.getName()).setOwner(cycle.getVictim()).setLock(info)
                                        .setDeadlock(cycle).setEventTime(cycle.getDetectTime()).build()));
            }
            if (reportedDeadlocks.size() > 10_000) {
                // Ends are looked up a few seconds back only; older ids cannot come again.
                reportedDeadlocks.clear();
            }
            for (Holder h : after.holders()) {
                if (!wasHeld.containsKey(h.fencingToken())) {
                    emit(info, LockEventType.LOCK_EVENT_TYPE_ACQUIRED, h.owner(), h.fencingToken(), h.acquiredAt());
                }
            }
            Set<UUID> wasWaiting = new HashSet<>();
            if (before != null) {
                before.waiters().forEach(w -> wasWaiting.add(w.requestId()));
            }
            for (Waiter w : after.waiters()) {
                if (!wasWaiting.contains(w.requestId())) {
                    emit(info, LockEventType.LOCK_EVENT_TYPE_QUEUED, w.owner(), 0, w.enqueuedAt());
                }
            }
        }

        private void emit(LockInfo info, LockEventType type, Owner owner, long token, Instant at) {
            out.accept(WatchResponse.newBuilder().setType(type).setName(info.getName()).setOwner(owner.proto())
                    .setFencingToken(token).setLock(info).setEventTime(LockMapper.timestamp(at)).build());
        }

        /** The cycle a deadlock victim's wait was aborted for, from the abort details it left. */
        private static Optional<DeadlockCycle> deadlockOf(LockQueries.RequestEnd end) {
            if (end == null || !"DEADLOCK_VICTIM".equals(end.reason()) || end.detail() == null) {
                return Optional.empty();
            }
            try {
                AcquireAborted aborted = AcquireAborted.parseFrom(end.detail());
                return aborted.hasDeadlock() ? Optional.of(aborted.getDeadlock()) : Optional.empty();
            } catch (InvalidProtocolBufferException unreadable) {
                return Optional.empty();
            }
        }

        private static LockEventType ended(String reason) {
            return switch (reason) {
                case "EXPIRED" -> LockEventType.LOCK_EVENT_TYPE_EXPIRED;
                case "PREEMPTED" -> LockEventType.LOCK_EVENT_TYPE_PREEMPTED;
                case "FORCE_RELEASED" -> LockEventType.LOCK_EVENT_TYPE_FORCE_RELEASED;
                default -> LockEventType.LOCK_EVENT_TYPE_RELEASED;
            };
        }
    }
}
