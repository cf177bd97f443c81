package dev.asgard.lock.messaging;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.config.ReplicaId;
import dev.asgard.lock.repository.LockQueries;
import dev.asgard.lock.repository.LockQueries.GrantEnd;
import dev.asgard.lock.repository.LockFunctions;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The hot feed behind {@code Watch}: on every {@code NOTIFY asgard_lock} this replica re-reads the changed lock once
 * (not once per watcher) and broadcasts what it found, together with the grants of that lock that ended since the
 * previous read (their lock_grant_end reasons tell released from expired, preempted and force-released). Reads of
 * one name never overlap: a notification arriving while the name is being read marks it for one more read after
 * the current one, so the states of a name are broadcast in commit order and a burst of changes costs at most two
 * reads. Nothing is read for a name no watcher's prefix covers.
 *
 * <p>It is fed by {@link LockNotifications}, the replica's one LISTEN connection, which also wakes the Acquire
 * streams. After a reconnect it broadcasts a resync marker ({@link LockChange#resync()}), because notifications sent
 * while the connection was down are lost; every watcher then re-reads the locks it knows and lists its prefix
 * again.
 */
@ApplicationScoped
public class LockWatchFeed {

    private static final Logger LOG = Logger.getLogger(LockWatchFeed.class);
    /** Names whose grant-end floor is remembered; beyond that the memory is dropped (the next read looks further back). */
    private static final int MAX_FLOORS = 100_000;
    private static final java.time.Duration REQUEST_END_MARGIN = java.time.Duration.ofSeconds(5);

    /**
     * One read of a lock after a change.
     *
     * @param name the lock, null for a resync marker
     * @param state the lock as read, empty if the name was never used
     * @param ends grants of the lock that ended since the previous read of this replica, in fencing token order
     * @param requestEnds waits on the lock that others ended (deadlock victims, ...) since shortly before the previous
     *        read, by request id
     * @param readAt when it was read
     */
    public record LockChange(String name, Optional<LockState> state, List<GrantEnd> ends,
            Map<UUID, LockQueries.RequestEnd> requestEnds, Instant readAt) {
        /** @return whether this is the marker telling watchers that notifications may have been lost */
        public boolean resync() {
            return name == null;
        }
    }

    private final BroadcastProcessor<LockChange> processor = BroadcastProcessor.create();
    private final Object emitLock = new Object();
    private final AtomicInteger watchers = new AtomicInteger();
    private final Map<String, AtomicInteger> prefixes = new ConcurrentHashMap<>();
    private final Map<String, Slot> slots = new HashMap<>();
    private final Map<String, Long> floors = new ConcurrentHashMap<>();
    /** When each name was last read: ends of waits are looked up from a little before that. */
    private final Map<String, Instant> lastReads = new ConcurrentHashMap<>();
    private final Pool pool;
    private final ReplicaId replica;
    private final LockFunctions functions;
    private final LockQueries queries;
    private final Clock clock;
    private final Vertx vertx;

    public LockWatchFeed(Pool pool, LockFunctions functions, LockQueries queries, ReplicaId replica, Clock clock, Vertx vertx) {
        this.replica = replica;
        this.pool = pool;
        this.functions = functions;
        this.queries = queries;
        this.clock = clock;
        this.vertx = vertx;
    }

    /** Futures of the callers of {@link #refresh}: those served by the read in flight, and those after it. */
    private static final class Slot {
        List<CompletableFuture<Void>> current = new ArrayList<>();
        List<CompletableFuture<Void>> next;
    }

    /**
     * Tells every replica that this one watches a prefix (table {@code lock_watch}): the lock functions notify about
     * changes under a watched prefix even when no stream needs to know. Call before listing the initial state.
     *
     * @param prefix the watcher's prefix
     * @return completion once registered
     */
    public Uni<Void> register(String prefix) {
        return pool.preparedQuery("INSERT INTO lock_watch (replica_id, prefix, since) VALUES ($1, $2, $3)"
                + " ON CONFLICT DO NOTHING").execute(Tuple.of(replica.get(), prefix,
                        clock.instant().atOffset(java.time.ZoneOffset.UTC))).replaceWithVoid();
    }

    /** Forgets a prefix no local watcher follows any more. */
    private void unregister(String prefix) {
        pool.preparedQuery("DELETE FROM lock_watch WHERE replica_id = $1 AND prefix = $2")
                .execute(Tuple.of(replica.get(), prefix)).subscribe().with(ignored -> {
                }, failure -> LOG.debugf("Could not forget watched prefix %s: %s", prefix, failure.getMessage()));
    }

    /**
     * @param prefix the watcher's name prefix: the feed reads a changed lock only if some watcher's prefix covers it
     * @return the hot stream of lock reads (all names; the watcher filters)
     */
    public Multi<LockChange> changes(String prefix) {
        return processor.onSubscription().invoke(() -> {
            prefixes.computeIfAbsent(prefix, p -> new AtomicInteger()).incrementAndGet();
            watchers.incrementAndGet();
        }).onTermination().invoke(() -> {
            watchers.decrementAndGet();
            if (prefixes.computeIfPresent(prefix, (p, count) -> count.decrementAndGet() == 0 ? null : count) == null) {
                unregister(prefix);
            }
        });
    }

    private boolean watched(String name) {
        for (String prefix : prefixes.keySet()) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads a lock and broadcasts it.
     *
     * @return completes once a read that started after this call was broadcast
     */
    public Uni<Void> refresh(String name) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean start = false;
        synchronized (slots) {
            Slot slot = slots.get(name);
            if (slot == null) {
                slot = new Slot();
                slot.current.add(done);
                slots.put(name, slot);
                start = true;
            } else {
                if (slot.next == null) {
                    slot.next = new ArrayList<>();
                }
                slot.next.add(done);
            }
        }
        if (start) {
            read(name);
        }
        return Uni.createFrom().completionStage(done);
    }

    void onNotification(String name) {
        if (watchers.get() > 0 && watched(name)) {
            refresh(name).subscribe().with(ignored -> {
            }, failure -> {
            });
        }
    }

    private void read(String name) {
        long floor = floors.getOrDefault(name, 0L);
        Instant readAt = clock.instant();
        // Ends of waits are found by time: a margin before the previous read covers clocks of other replicas.
        Instant since = lastReads.getOrDefault(name, readAt).minus(REQUEST_END_MARGIN);
        // One snapshot for the lock and its ended grants: read statement by statement, a release committing between
        // the holders query and the grant-end query would show a grant as both held and ended.
        pool.withTransaction(c -> c.query(LockQueries.SNAPSHOT).execute().chain(() -> functions.snapshot(c, name))
                .chain(state -> queries.grantEndsAfter(c, name, floor)
                        .chain(ends -> queries.requestEndsSince(c, name, since)
                                .map(requestEnds -> new LockChange(name, state, ends, requestEnds, readAt)))))
                .subscribe().with(change -> finish(name, change, null), failure -> finish(name, null, failure));
    }

    private void finish(String name, LockChange change, Throwable failure) {
        if (change != null) {
            change.state().ifPresent(state -> {
                if (floors.size() > MAX_FLOORS) {
                    floors.clear();
                    lastReads.clear();
                }
                lastReads.put(name, change.readAt());
                // Next time, ends of grants held now or issued later are what a watcher can be missing.
                floors.put(name, state.holders().stream().mapToLong(h -> h.fencingToken() - 1).min()
                        .orElse(state.fencingCounter()));
            });
            synchronized (emitLock) {
                processor.onNext(change);
            }
        }
        List<CompletableFuture<Void>> served;
        boolean again;
        synchronized (slots) {
            Slot slot = slots.get(name);
            served = slot.current;
            again = slot.next != null;
            if (again) {
                slot.current = slot.next;
                slot.next = null;
            } else {
                slots.remove(name);
            }
        }
        if (failure == null) {
            served.forEach(f -> f.complete(null));
        } else {
            LOG.warnf("Could not read lock %s for its watchers: %s", name, failure.getMessage());
            served.forEach(f -> f.completeExceptionally(failure));
            if (!again && watchers.get() > 0) {
                // The change is not lost for watchers: read it again shortly.
                vertx.setTimer(1000, id -> onNotification(name));
            }
        }
        if (again) {
            read(name);
        }
    }

    /** The LISTEN connection was (re)established: changes may have been missed, every watcher re-reads. */
    void resync() {
        synchronized (emitLock) {
            processor.onNext(new LockChange(null, Optional.empty(), List.of(), Map.of(), clock.instant()));
        }
    }

    void stop(@Observes ShutdownEvent event) {
        processor.onComplete();
    }
}
