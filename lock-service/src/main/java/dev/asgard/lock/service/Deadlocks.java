package dev.asgard.lock.service;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.WaitForGraph;
import dev.asgard.lock.mapping.LockMapper;
import dev.asgard.proto.lock.v1.AbortReason;
import dev.asgard.proto.lock.v1.AcquireAborted;
import dev.asgard.proto.lock.v1.DeadlockCycle;
import dev.asgard.proto.lock.v1.WaitForEdge;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Deadlock detection over the wait-for graph all replicas share. Checked right after a request starts waiting (only
 * if its owner holds something: an owner that holds nothing cannot close a cycle), and by a periodic sweep, which
 * finds the cycles two enqueues on different replicas closed at the same moment without either seeing the other.
 * The victim (lowest effective priority, then youngest request) is aborted with {@code DEADLOCK_VICTIM} and the
 * cycle; a {@code deadlock detected} event carries the cycle. Aborting is idempotent (only a request still waiting
 * is aborted), and the sweep runs under an advisory lock, so replicas never pick two victims for one cycle.
 */
@ApplicationScoped
public class Deadlocks {

    private static final Logger LOG = Logger.getLogger(Deadlocks.class);
    private static final long SWEEP_LOCK = 0x6173_6761_7264_6c6bL; // "asgardlk"

    private final Pool pool;
    private final LockEngine engine;
    private final LockEvents events;
    private final Clock clock;

    public Deadlocks(Pool pool, LockEngine engine, LockEvents events, Clock clock) {
        this.pool = pool;
        this.engine = engine;
        this.events = events;
        this.clock = clock;
    }

    /**
     * After a request of {@code owner} started waiting: breaks a cycle through it, if there is one.
     *
     * @return whether a deadlock was broken
     */
    public Uni<Boolean> checkFrom(Owner owner) {
        return pool.withConnection(c -> c.preparedQuery("SELECT EXISTS (SELECT 1 FROM lock_holder"
                + " WHERE device_id = $1 AND session_id = $2)").execute(Tuple.of(owner.deviceId(), owner.sessionId()))
                .chain(rows -> rows.iterator().next().getBoolean(0) ? graph(c) : Uni.createFrom().nullItem()))
                .chain(graph -> graph == null ? Uni.createFrom().item(false)
                        : graph.cycleThrough(owner).map(this::breakCycle).orElse(Uni.createFrom().item(false)));
    }

    /**
     * Finds and breaks every cycle (the periodic sweep); one replica at a time.
     *
     * @return number of deadlocks broken
     */
    public Uni<Integer> sweep() {
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT pg_try_advisory_xact_lock($1)")
                .execute(Tuple.of(SWEEP_LOCK))
                .chain(rows -> rows.iterator().next().getBoolean(0) ? graph(tx) : Uni.createFrom().nullItem())
                .chain(graph -> {
                    if (graph == null) {
                        return Uni.createFrom().item(0);
                    }
                    List<WaitForGraph.Cycle> cycles = graph.cycles();
                    Uni<Integer> broken = Uni.createFrom().item(0);
                    for (WaitForGraph.Cycle cycle : cycles) {
                        broken = broken.chain(count -> breakCycle(cycle).map(done -> done ? count + 1 : count));
                    }
                    return broken;
                }));
    }

    /** Reads the whole graph in one statement. */
    public Uni<WaitForGraph> graph(SqlClient client) {
        return client.preparedQuery("SELECT w.device_id AS wd, w.session_id AS ws, w.request_id, w.name, w.priority,"
                + " w.enqueued_at, w.seq, h.device_id AS hd, h.session_id AS hs FROM lock_waiter w"
                + " JOIN lock_holder h ON h.name = w.name"
                + " WHERE NOT (h.device_id = w.device_id AND h.session_id = w.session_id)")
                .execute()
                .map(rows -> {
                    List<WaitForGraph.Edge> edges = new ArrayList<>();
                    rows.forEach(r -> edges.add(new WaitForGraph.Edge(
                            new Owner(r.getUUID("wd"), r.getString("ws")), r.getUUID("request_id"), r.getString("name"),
                            new Owner(r.getUUID("hd"), r.getString("hs")), r.getInteger("priority"),
                            r.getOffsetDateTime("enqueued_at").toInstant(), r.getLong("seq"))));
                    return new WaitForGraph(edges);
                });
    }

    private Uni<Boolean> breakCycle(WaitForGraph.Cycle cycle) {
        Instant now = clock.instant();
        WaitForGraph.Edge victim = cycle.victim();
        DeadlockCycle.Builder proto = DeadlockCycle.newBuilder().setDeadlockId(UUID.randomUUID().toString())
                .setVictim(victim.waiter().proto()).setVictimLockName(victim.lockName())
                .setDetectTime(LockMapper.timestamp(now));
        cycle.edges().forEach(e -> proto.addEdges(WaitForEdge.newBuilder().setWaiter(e.waiter().proto())
                .setLockName(e.lockName()).setHolder(e.holder().proto())));
        DeadlockCycle detected = proto.build();
        byte[] detail = AcquireAborted.newBuilder().setReason(AbortReason.ABORT_REASON_DEADLOCK_VICTIM)
                .setMessage("Chosen to break a deadlock of " + cycle.edges().size() + " owners (lowest priority, then"
                        + " youngest request); the locks you hold are still yours.")
                .setDeadlock(detected).build().toByteArray();
        return engine.abort(victim.lockName(), victim.requestId(), "DEADLOCK_VICTIM", detail,
                tx -> events.deadlock(tx, victim.lockName(), detected, now))
                .invoke(aborted -> {
                    if (aborted) {
                        LOG.infof("Deadlock of %d owners broken: request %s of %s on %s aborted", cycle.edges().size(),
                                victim.requestId(), victim.waiter(), victim.lockName());
                    }
                });
    }
}
