package dev.asgard.commons.leader;

import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

/**
 * Leader election among the replicas of a service through a lease row in the service's own PostgreSQL schema, for
 * singleton jobs (status sweepers, clean-ups, key rotation).
 *
 * <p><b>Design.</b> Each election name has one row in {@code leader_lease} (DDL:
 * {@code META-INF/asgard/leader-lease.sql}). Every replica runs this loop every {@code renew-interval}: one atomic
 * {@code INSERT ... ON CONFLICT (name) DO UPDATE ... WHERE holder = me OR expires_at <= now() RETURNING epoch}. It
 * succeeds for the holder (a renewal) or for anyone once the lease expired (a takeover), and for nobody else; row
 * locking makes concurrent attempts serialize, so at most one replica holds an unexpired lease. All lease arithmetic
 * uses the database clock ({@code now()}), so replicas' clocks never have to agree. Why a lease row rather than a
 * session advisory lock: an advisory lock lives as long as one connection, which a pool recycles and a half-open TCP
 * connection keeps alive for minutes; a lease has an explicit expiry, survives reconnects and gives a fencing epoch.
 *
 * <p><b>Stepping down before anyone can take over.</b> {@link #isLeader()} is true only until {@code sentAt + lease
 * - safety-margin} on the local monotonic clock ({@link System#nanoTime()}), where {@code sentAt} is when the last
 * successful renewal was <em>sent</em>. The database computed the expiry as its {@code now()} (later than
 * {@code sentAt}) plus the lease, so a replica cut off from the database stops believing it leads at least
 * {@code safety-margin} before another replica can win the row; the margin absorbs clock rate differences. When
 * renewals fail it keeps trying, and wins again once the database is reachable and the lease free.
 *
 * <p><b>Fencing.</b> The epoch grows by one whenever the lease changes hands (or is taken again after it had
 * expired); renewals keep it. A job receives the epoch it started under ({@link #runIfLeader(LongFunction)}) and
 * guards its writes with {@link #fencingCondition(String, String)} in the same statement or transaction, or asks
 * {@link #stillLeader(long)}, so work of a deposed leader is rejected by the database.
 *
 * <p><b>Bounds.</b> A crashed leader's lease expires at most {@code lease} after its last renewal; candidates try
 * every {@code renew-interval}, so another replica leads within {@code lease + renew-interval} (under two lease
 * periods). {@link #stop()} releases the lease ({@code expires_at = now()}), so a candidate takes over at its next
 * attempt.
 *
 * <p>A plain class, not a CDI bean, so that tests can run several electors on one database; applications get
 * started electors from {@link LeaderElections}. State changes happen on one Vert.x context; {@link #isLeader()}
 * and {@link #epoch()} may be called from any thread.
 */
public final class LeaderElection {

    /** Default lease duration. */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(15);

    private static final Logger LOG = Logger.getLogger(LeaderElection.class);

    // Attempts time out after one renew interval but their statements may still be queued or running.
    private static final int MAX_PENDING_STATEMENTS = 3;

    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    // One statement, so "check expiry, then take" cannot interleave with another replica's attempt. Every SET
    // expression sees the old row (l); "same term" = same holder and not expired.
    private static final String ACQUIRE_OR_RENEW = """
            INSERT INTO %s AS l (name, holder, epoch, acquired_at, renewed_at, expires_at)
            VALUES ($1, $2, 1, now(), now(), now() + $3::bigint * interval '1 millisecond')
            ON CONFLICT (name) DO UPDATE SET
                holder = excluded.holder,
                epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at > now() THEN l.epoch ELSE l.epoch + 1 END,
                acquired_at = CASE WHEN l.holder = excluded.holder AND l.expires_at > now()
                                   THEN l.acquired_at ELSE now() END,
                renewed_at = now(),
                expires_at = excluded.expires_at
            WHERE l.holder = excluded.holder OR l.expires_at <= now()
            RETURNING l.epoch""";

    private static final String RELEASE =
            "UPDATE %s SET expires_at = now() WHERE name = $1 AND holder = $2 AND expires_at > now()";

    private static final String STILL_LEADER =
            "SELECT EXISTS (SELECT 1 FROM %s WHERE name = $1 AND epoch = $2 AND expires_at > now())";

    private final String name;
    private final String table;
    private final String acquireOrRenew;
    private final String release;
    private final String stillLeader;
    private final String holderId;
    private final Pool pool;
    private final Vertx vertx;
    private final Duration lease;
    private final Duration renewInterval;
    private final Duration safetyMargin;
    private final List<LeadershipListener> listeners = new CopyOnWriteArrayList<>();
    private final BroadcastProcessor<LeadershipChange> changes = BroadcastProcessor.create();

    private volatile boolean running;
    private volatile boolean leader;
    private volatile long epoch;
    private volatile long validUntilNanos;

    // Only touched on the context.
    private Context context;
    private long attemptTimer = -1;
    private long stepDownTimer = -1;
    private Future<RowSet<Row>> inFlight;
    private int pendingStatements;

    private LeaderElection(Builder builder) {
        this.name = builder.name;
        if (builder.schema != null && !SCHEMA.matcher(builder.schema).matches()) {
            throw new IllegalArgumentException("not a plain lower-case schema name: " + builder.schema);
        }
        this.table = builder.schema == null ? "leader_lease" : builder.schema + ".leader_lease";
        this.acquireOrRenew = ACQUIRE_OR_RENEW.formatted(table);
        this.release = RELEASE.formatted(table);
        this.stillLeader = STILL_LEADER.formatted(table);
        this.pool = builder.pool;
        this.vertx = builder.vertx;
        this.holderId = builder.holderId != null ? builder.holderId : defaultHolderId();
        this.lease = builder.lease;
        this.renewInterval = builder.renewInterval != null ? builder.renewInterval : lease.dividedBy(3);
        this.safetyMargin = builder.safetyMargin != null ? builder.safetyMargin : lease.dividedBy(5);
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("an election needs a name");
        }
        if (renewInterval.isNegative() || renewInterval.isZero() || safetyMargin.isNegative()
                || renewInterval.compareTo(lease.minus(safetyMargin)) >= 0) {
            throw new IllegalArgumentException("renew-interval (" + renewInterval + ") must be positive and shorter "
                    + "than lease (" + lease + ") minus safety-margin (" + safetyMargin + ")");
        }
    }

    /**
     * @param name the election, one lease row; e.g. {@code registry-sweeper}
     * @param pool a reactive PostgreSQL pool on the service's database
     * @param vertx for the timers and the context the elector's state lives on
     * @return a builder with the defaults: lease 15 s, renew interval lease/3, safety margin lease/5, holder id
     *         {@code hostname/pid/random}
     */
    public static Builder builder(String name, Pool pool, Vertx vertx) {
        return new Builder(Objects.requireNonNull(name), Objects.requireNonNull(pool), Objects.requireNonNull(vertx));
    }

    /**
     * An SQL condition that is true only while the given epoch still holds this election: add it to a job's own writes
     * ({@code UPDATE device SET ... WHERE ... AND <condition>}) or run it in the job's transaction before committing.
     * {@code FOR SHARE} locks the lease row until the transaction ends, so no takeover can commit between the check and
     * the job's commit; a long transaction therefore also delays the leader's own renewal, so keep such transactions
     * short. {@code clock_timestamp()} rather than {@code now()}, which is the start of the transaction.
     *
     * @param nameParameter placeholder of the election name, e.g. {@code $5} or {@code :leaderName}
     * @param epochParameter placeholder of the job's epoch, e.g. {@code $6} or {@code :leaderEpoch}
     * @return {@code EXISTS (SELECT 1 FROM <schema>.leader_lease WHERE name = <name> AND epoch = <epoch> AND
     *         expires_at > clock_timestamp() FOR SHARE)}
     */
    public String fencingCondition(String nameParameter, String epochParameter) {
        return "EXISTS (SELECT 1 FROM " + table + " WHERE name = " + nameParameter + " AND epoch = " + epochParameter
                + " AND expires_at > clock_timestamp() FOR SHARE)";
    }

    /** Starts the election loop; the first attempt runs at once. Calling it again has no effect. */
    public void start() {
        synchronized (this) {
            if (running) {
                return;
            }
            running = true;
            if (context == null) {
                context = vertx.getOrCreateContext();
            }
        }
        context.runOnContext(ignored -> attempt());
        LOG.infof("Leader election %s started: holder=%s, lease=%s, renew-interval=%s, safety-margin=%s", name,
                holderId, lease, renewInterval, safetyMargin);
    }

    /**
     * Stops the loop, steps down at once (listeners see {@code onRevoked}) and releases the lease, so another replica
     * takes over at its next attempt instead of waiting for the lease to expire. Waits for an attempt still in flight
     * first, so that a late renewal cannot re-extend the released lease; gives up after one lease duration (the lease
     * then simply expires).
     *
     * @return completes when the lease is released (or the release failed or timed out; never fails)
     */
    public Uni<Void> stop() {
        return Uni.createFrom().<Void> emitter(emitter -> {
            Context ctx = context;
            if (ctx == null) {
                emitter.complete(null);
                return;
            }
            ctx.runOnContext(ignored -> {
                halt();
                stepDown("stopped");
                Future<?> pending = inFlight != null ? inFlight : Future.succeededFuture();
                pending.transform(ignoredResult -> pool.preparedQuery(release).execute(Tuple.of(name, holderId)))
                        .onComplete(released -> {
                            if (released.failed()) {
                                LOG.warnf("Leader election %s: could not release the lease, it will expire: %s", name,
                                        released.cause().toString());
                            } else if (released.result().rowCount() > 0) {
                                LOG.infof("Leader election %s: released the lease (holder %s)", name, holderId);
                            }
                            emitter.complete(null);
                        });
            });
        }).ifNoItem().after(lease).recoverWithItem(() -> null);
    }

    /**
     * Stops the loop without stepping down or releasing: what a crash looks like to the others. For tests.
     */
    void halt() {
        running = false;
        Context ctx = context;
        if (ctx != null) {
            ctx.runOnContext(ignored -> cancelTimers());
        }
    }

    /**
     * @return true while this replica holds the lease: the last renewal succeeded, and it was sent less than
     *         {@code lease - safety-margin} ago on the local monotonic clock
     */
    public boolean isLeader() {
        return leader && System.nanoTime() - validUntilNanos < 0;
    }

    /** @return the fencing epoch of the current term if {@link #isLeader()}, else 0 (epochs start at 1) */
    public long epoch() {
        long current = epoch;
        return isLeader() ? current : 0;
    }

    /** @return the same as {@link #epoch()} */
    public long currentEpoch() {
        return epoch();
    }

    /**
     * Runs a job only on the leader. The job gets the epoch it runs under, for {@link #fencingCondition(String, String)}
     * or {@link #stillLeader(long)}; it should check again before each commit if it runs longer than a renew interval.
     *
     * @param job the work, given the epoch
     * @param <T> the job's result
     * @return the job's result, or empty (without running it) if this replica does not lead
     */
    public <T> Uni<Optional<T>> runIfLeader(LongFunction<Uni<T>> job) {
        return Uni.createFrom().deferred(() -> {
            long current = epoch();
            if (current == 0) {
                return Uni.createFrom().item(Optional.<T> empty());
            }
            return job.apply(current).map(Optional::ofNullable);
        });
    }

    /**
     * Asks the database whether a term is still current (same check as {@link #fencingCondition(String, String)},
     * without the lock).
     *
     * @param epoch the epoch a job started under
     * @return true if the lease still belongs to that epoch and has not expired
     */
    public Uni<Boolean> stillLeader(long epoch) {
        return Uni.createFrom()
                .completionStage(() -> pool.preparedQuery(stillLeader)
                        .execute(Tuple.of(name, epoch)).toCompletionStage())
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    /**
     * @param listener called on the elector's Vert.x context at every change; must not block
     * @return this
     */
    public LeaderElection addListener(LeadershipListener listener) {
        listeners.add(Objects.requireNonNull(listener));
        return this;
    }

    /** @return every future change of leadership (hot stream: no replay of the current state) */
    public Multi<LeadershipChange> changes() {
        return changes;
    }

    /** @return the election name */
    public String name() {
        return name;
    }

    /** @return the lease table, schema-qualified if a schema was given */
    public String table() {
        return table;
    }

    /** @return this replica's holder id, stored in {@code leader_lease.holder} */
    public String holderId() {
        return holderId;
    }

    /** @return the lease duration */
    public Duration lease() {
        return lease;
    }

    /** @return the pause between two attempts */
    public Duration renewInterval() {
        return renewInterval;
    }

    private void attempt() {
        if (!running) {
            return;
        }
        if (pendingStatements >= MAX_PENDING_STATEMENTS) {
            // The database hangs (a partition, not a refusal): do not pile more statements into the pool's queue.
            scheduleAttempt();
            return;
        }
        long sentAt = System.nanoTime();
        Future<RowSet<Row>> statement = pool.preparedQuery(acquireOrRenew)
                .execute(Tuple.of(name, holderId, lease.toMillis()));
        inFlight = statement;
        pendingStatements++;
        statement.onComplete(ignored -> context.runOnContext(done -> pendingStatements--));
        // A hanging connection must not stall the loop: give up waiting after one interval and try again (a late
        // success only extends a lease the next attempt renews anyway).
        Uni.createFrom().completionStage(statement.toCompletionStage())
                .ifNoItem().after(renewInterval).fail()
                .emitOn(task -> context.runOnContext(ignored -> task.run()))
                .subscribe().with(rows -> {
                    onAttempt(rows, sentAt);
                    scheduleAttempt();
                }, failure -> {
                    if (leader) {
                        LOG.warnf("Leader election %s: renewal failed, stepping down in %d ms unless one succeeds: %s",
                                name, Math.max(0, (validUntilNanos - System.nanoTime()) / 1_000_000), failure);
                    } else {
                        LOG.debugf("Leader election %s: attempt failed: %s", name, failure);
                    }
                    scheduleAttempt();
                });
    }

    private void onAttempt(RowSet<Row> rows, long sentAt) {
        if (!running) {
            return;
        }
        if (rows.rowCount() == 0) {
            stepDown("another replica holds the lease");
            return;
        }
        long newEpoch = rows.iterator().next().getLong(0);
        long until = sentAt + lease.minus(safetyMargin).toNanos();
        if (leader && newEpoch != epoch) {
            // Our lease expired and we took it again: a new term, which listeners must see as one.
            stepDown("lease expired");
        }
        validUntilNanos = until;
        if (!leader) {
            epoch = newEpoch;
            leader = true;
            LOG.infof("Leader election %s: %s is leader, epoch %d", name, holderId, newEpoch);
            publish(new LeadershipChange(name, true, newEpoch));
        }
        armStepDown(until);
    }

    private void armStepDown(long until) {
        if (stepDownTimer >= 0) {
            vertx.cancelTimer(stepDownTimer);
        }
        long delayMillis = Math.max(1, (until - System.nanoTime()) / 1_000_000 + 1);
        stepDownTimer = vertx.setTimer(delayMillis, ignored -> {
            stepDownTimer = -1;
            if (leader && System.nanoTime() - validUntilNanos >= 0) {
                stepDown("no successful renewal within lease - safety-margin");
            }
        });
    }

    private void stepDown(String why) {
        if (!leader) {
            return;
        }
        leader = false;
        LOG.infof("Leader election %s: %s stepped down from epoch %d: %s", name, holderId, epoch, why);
        publish(new LeadershipChange(name, false, epoch));
    }

    private void publish(LeadershipChange change) {
        for (LeadershipListener listener : listeners) {
            try {
                if (change.leader()) {
                    listener.onElected(change.epoch());
                } else {
                    listener.onRevoked();
                }
            } catch (RuntimeException e) {
                LOG.errorf(e, "Leader election %s: a listener failed", name);
            }
        }
        changes.onNext(change);
    }

    private void scheduleAttempt() {
        if (!running) {
            return;
        }
        attemptTimer = vertx.setTimer(Math.max(1, renewInterval.toMillis()), ignored -> {
            attemptTimer = -1;
            attempt();
        });
    }

    private void cancelTimers() {
        if (attemptTimer >= 0) {
            vertx.cancelTimer(attemptTimer);
            attemptTimer = -1;
        }
        if (stepDownTimer >= 0) {
            vertx.cancelTimer(stepDownTimer);
            stepDownTimer = -1;
        }
    }

    static String defaultHolderId() {
        String host = System.getenv("HOSTNAME");
        if (host == null || host.isBlank()) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                host = "unknown-host";
            }
        }
        // The suffix keeps two electors of one process (and a restarted process reusing a pid) apart.
        byte[] random = new byte[4];
        ThreadLocalRandom.current().nextBytes(random);
        return host + "/" + ProcessHandle.current().pid() + "/" + HexFormat.of().formatHex(random);
    }

    /** Builder of a {@link LeaderElection}. */
    public static final class Builder {
        private final String name;
        private final Pool pool;
        private final Vertx vertx;
        private String holderId;
        private String schema;
        private Duration lease = DEFAULT_LEASE;
        private Duration renewInterval;
        private Duration safetyMargin;

        private Builder(String name, Pool pool, Vertx vertx) {
            this.name = name;
            this.pool = pool;
            this.vertx = vertx;
        }

        /**
         * @param holderId unique among the replicas; default {@code hostname/pid/random}
         * @return this
         */
        public Builder holderId(String holderId) {
            this.holderId = holderId;
            return this;
        }

        /**
         * @param schema the service's schema holding {@code leader_lease} (a raw pool's search path does not include
         *        it, unlike Hibernate's default schema); null: unqualified, found through the search path
         * @return this
         */
        public Builder schema(String schema) {
            this.schema = schema == null || schema.isBlank() ? null : schema;
            return this;
        }

        /**
         * @param lease how long a lease lasts after each renewal; a dead leader is replaced within about that long
         * @return this
         */
        public Builder lease(Duration lease) {
            this.lease = Objects.requireNonNull(lease);
            return this;
        }

        /**
         * @param renewInterval pause between attempts; default lease/3
         * @return this
         */
        public Builder renewInterval(Duration renewInterval) {
            this.renewInterval = renewInterval;
            return this;
        }

        /**
         * @param safetyMargin how much earlier than the lease expiry a leader that cannot renew steps down; default
         *        lease/5
         * @return this
         */
        public Builder safetyMargin(Duration safetyMargin) {
            this.safetyMargin = safetyMargin;
            return this;
        }

        /** @return the elector, not yet started */
        public LeaderElection build() {
            return new LeaderElection(this);
        }
    }
}
