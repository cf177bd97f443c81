package dev.asgard.lock.service;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.asgard.lock.config.LockConfig;
import dev.asgard.lock.repository.LockStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The periodic work every replica does (none of it needs a leader: each step locks what it changes and judges it
 * again under the lock, so replicas doing it at the same time do it once):
 * <ul>
 * <li>expiry: grants whose lease ran out end, and the queue moves on;</li>
 * <li>liveness: this replica's heartbeat row; waiters of replicas silent for longer than the timeout are removed
 * (their streams died with them) and their queues move on;</li>
 * <li>resync: the locks of local streams are re-read in case a notification was lost;</li>
 * <li>deadlocks: the shared wait-for graph is searched for cycles (one replica at a time);</li>
 * <li>history: ended grants and waits older than the retention are deleted.</li>
 * </ul>
 */
@ApplicationScoped
public class LockMaintenance {

    private static final Logger LOG = Logger.getLogger(LockMaintenance.class);

    private final LockEngine engine;
    private final LockStore store;
    private final LockStreams streams;
    private final Pool pool;
    private final LockConfig config;
    private final Vertx vertx;
    private final Clock clock;
    private final List<Long> timers = new ArrayList<>();

    private final Deadlocks deadlocks;

    public LockMaintenance(LockEngine engine, LockStore store, LockStreams streams, Deadlocks deadlocks, Pool pool,
            LockConfig config, Vertx vertx, Clock clock) {
        this.engine = engine;
        this.deadlocks = deadlocks;
        this.store = store;
        this.streams = streams;
        this.pool = pool;
        this.config = config;
        this.vertx = vertx;
        this.clock = clock;
    }

    void start(@Observes StartupEvent event) {
        heartbeat().await().indefinitely();
        timers.add(vertx.setPeriodic(config.expirySweepInterval().toMillis(), id -> run("expiry", expireLapsed())));
        timers.add(vertx.setPeriodic(config.replicaHeartbeat().toMillis(),
                id -> run("liveness", heartbeat().chain(this::removeDeadReplicas))));
        timers.add(vertx.setPeriodic(config.resyncInterval().toMillis(), id -> streams.refreshAll()));
        timers.add(vertx.setPeriodic(config.deadlockSweepInterval().toMillis(),
                id -> run("deadlock", deadlocks.sweep().replaceWithVoid())));
        timers.add(vertx.setPeriodic(60_000, id -> run("history", pruneHistory())));
    }

    void stop(@Observes ShutdownEvent event) {
        timers.forEach(vertx::cancelTimer);
        streams.shutdown();
        pool.preparedQuery("DELETE FROM lock_replica WHERE id = $1").execute(Tuple.of(streams.replicaId()))
                .await().atMost(java.time.Duration.ofSeconds(5));
    }

    /** Ends every lapsed lease (one lock per transaction). */
    public Uni<Void> expireLapsed() {
        return pool.withConnection(c -> store.namesWithLapsedLeases(c, clock.instant(), 500))
                .onItem().transformToMulti(names -> Multi.createFrom().iterable(names))
                .onItem().transformToUniAndConcatenate(engine::expire)
                .collect().asList().replaceWithVoid();
    }

    private Uni<Void> heartbeat() {
        Instant now = clock.instant();
        return pool.preparedQuery("INSERT INTO lock_replica (id, started_at, heartbeat_at) VALUES ($1, $2, $2)"
                + " ON CONFLICT (id) DO UPDATE SET heartbeat_at = EXCLUDED.heartbeat_at")
                .execute(Tuple.of(streams.replicaId(), now.atOffset(ZoneOffset.UTC))).replaceWithVoid();
    }

    /**
     * Removes the waiters of replicas that stopped heartbeating (or never registered), one lock at a time under its
     * state lock (the same step every grant decision takes), then forgets those replicas.
     */
    Uni<Void> removeDeadReplicas() {
        Instant cutoff = clock.instant().minus(config.replicaTimeout());
        return pool.preparedQuery("SELECT DISTINCT w.name FROM lock_waiter w WHERE NOT EXISTS"
                + " (SELECT 1 FROM lock_replica r WHERE r.id = w.replica_id AND r.heartbeat_at > $1)")
                .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC)))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> {
                    LOG.infof("Removing waiters of a dead replica from lock %s", row.getString("name"));
                    return engine.dropOrphanedWaiters(row.getString("name"));
                })
                .collect().asList()
                .chain(() -> pool.preparedQuery("DELETE FROM lock_replica WHERE heartbeat_at <= $1")
                        .execute(Tuple.of(cutoff.atOffset(ZoneOffset.UTC))))
                .replaceWithVoid();
    }

    private Uni<Void> pruneHistory() {
        var before = clock.instant().minus(config.historyRetention()).atOffset(ZoneOffset.UTC);
        return pool.preparedQuery("DELETE FROM lock_grant_end WHERE ended_at < $1").execute(Tuple.of(before))
                .chain(() -> pool.preparedQuery("DELETE FROM lock_request_end WHERE ended_at < $1").execute(Tuple.of(before)))
                .replaceWithVoid();
    }

    private static void run(String what, Uni<Void> work) {
        work.subscribe().with(ignored -> {
        }, failure -> LOG.warnf("Lock %s pass failed (retried next period): %s", what, failure.getMessage()));
    }
}
