package dev.asgard.lock.repository;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.db.GroupCommit;
import dev.asgard.commons.events.Topics;
import dev.asgard.lock.config.LockConfig;
import dev.asgard.lock.config.ReplicaId;
import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.domain.Mode;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.Queued;
import dev.asgard.lock.domain.Waiter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/**
 * The common changes of a lock as one call each of the SQL functions in {@code V4__lock_functions.sql}: take or
 * queue, release (with the expiry and hand-off they trigger), and the consistent read of one lock. Each is a single
 * statement in its own transaction, so it costs one round trip; the rules are those of {@code LockEngine}, which
 * still makes every decision that involves preemption.
 */
@ApplicationScoped
public class LockFunctions {

    private static final String ACQUIRE = "SELECT outcome, fencing_token, lease_expires_at, queue_position, queue_length,"
            + " blocked_by, owner_holds FROM lock_acquire($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
            + " $15, $16, $17, $18)";
    private static final String ACQUIRE_MANY = "SELECT item, outcome, fencing_token, lease_expires_at, queue_position,"
            + " queue_length, blocked_by, owner_holds, refusal, refusal_detail FROM lock_acquire_many($1, $2, $3, $4, $5,"
            + " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
    private static final String RELEASE = "SELECT lock_release($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    private static final String RELEASE_MANY = "SELECT item, answer FROM lock_release_many($1, $2, $3, $4, $5, $6, $7,"
            + " $8, $9)";
    private static final String SNAPSHOT = "SELECT kind, max_permits, fencing_counter, updated_at, holders, waiters"
            + " FROM lock_snapshot($1)";

    private final Pool pool;
    private final LockConfig config;
    private final ReplicaId replica;
    private final GroupCommit<Take, Taken> takes;
    private final GroupCommit<Release, String> releases;

    public LockFunctions(Pool pool, LockConfig config, ReplicaId replica) {
        this.pool = pool;
        this.config = config;
        this.replica = replica;
        this.takes = new GroupCommit<>(config.batch().maxSize(), config.batch().maxInFlight(), this::acquireAlone,
                this::acquireTogether);
        this.releases = new GroupCommit<>(config.batch().maxSize(), config.batch().maxInFlight(), this::releaseAlone,
                this::releaseTogether);
    }

    private record Take(Waiter waiter, int maxPermits, Instant now) {
    }

    private record Release(String name, long token, Owner owner, Instant now) {
    }

    /** What {@code lock_acquire} decided. */
    public enum Outcome {
        GRANTED, QUEUED, BUSY, SLOW
    }

    /**
     * The answer of {@code lock_acquire}.
     *
     * @param outcome what happened
     * @param fencingToken for GRANTED
     * @param leaseExpiresAt for GRANTED
     * @param queued for QUEUED
     * @param ownerHolds whether the owner holds some lock
     */
    public record Taken(Outcome outcome, long fencingToken, Instant leaseExpiresAt, Queued queued, boolean ownerHolds) {

        /** @return the grant of {@code waiter} (queued at {@code now}), made at {@code now} in the same transaction */
        public Holder holder(Waiter waiter, Instant now) {
            return Holder.granted(waiter, fencingToken, now, leaseExpiresAt);
        }
    }

    /**
     * A request the function refused without changing anything.
     *
     * @param reason LOCK_MODE_MISMATCH, TOO_MANY_LOCKS, TOO_MANY_WAITING or REQUEST_ID_IN_USE
     * @param detail for LOCK_MODE_MISMATCH {@code kind:<kind>} or {@code permits:<n>}; for the limits the count
     */
    public static final class Refusal extends RuntimeException {
        private final String reason;
        private final String detail;

        Refusal(String reason, String detail) {
            super(reason + " (" + detail + ")", null, false, false);
            this.reason = reason;
            this.detail = detail == null ? "" : detail;
        }

        /** @return the reason */
        public String reason() {
            return reason;
        }

        /** @return the detail */
        public String detail() {
            return detail;
        }
    }

    /**
     * Takes the lock for a request that does not preempt, or queues it. Takes that arrive while another take of this
     * replica is in flight share the next transaction ({@link GroupCommit}); the answer is the same as alone.
     *
     * @param waiter the request as a waiter (its replica null for a TryAcquire, which never queues)
     * @param maxPermits the capacity the request names
     * @param now the time of the change (microsecond precision)
     * @return the outcome; fails with {@link Refusal} when refused
     */
    public Uni<Taken> acquire(Waiter waiter, int maxPermits, Instant now) {
        return takes.submit(new Take(waiter, maxPermits, now));
    }

    private Uni<Taken> acquireAlone(Take take) {
        Waiter waiter = take.waiter();
        Tuple args = Tuple.from(new Object[] { waiter.name(), waiter.requestId(), waiter.owner().deviceId(),
                waiter.owner().sessionId(), waiter.mode().name(), waiter.permits(), take.maxPermits(), waiter.priority(),
                waiter.preemptible(), waiter.purpose(), waiter.leaseTtl().toMillis(),
                waiter.waitDeadline() == null ? null : LockStore.at(waiter.waitDeadline()), waiter.replicaId(),
                LockStore.at(take.now()), LockStore.at(take.now().minus(config.replicaTimeout())),
                config.limits().maxHeldPerDevice(), config.limits().maxWaitingPerDevice(), Topics.LOCK_EVENTS });
        return pool.preparedQuery(ACQUIRE).execute(args)
                .onFailure(PgException.class).transform(LockFunctions::refusal)
                .map(rows -> taken(rows.iterator().next()));
    }

    /** Several takes in one transaction: for each, in order, its {@link Taken} or its {@link Refusal}. */
    private Uni<List<Object>> acquireTogether(List<Take> batch) {
        int n = batch.size();
        String[] names = new String[n];
        UUID[] requestIds = new UUID[n];
        UUID[] devices = new UUID[n];
        String[] sessions = new String[n];
        String[] modes = new String[n];
        Integer[] permits = new Integer[n];
        Integer[] maxPermits = new Integer[n];
        Integer[] priorities = new Integer[n];
        Boolean[] preemptibles = new Boolean[n];
        String[] purposes = new String[n];
        Long[] ttls = new Long[n];
        OffsetDateTime[] deadlines = new OffsetDateTime[n];
        UUID[] replicas = new UUID[n];
        OffsetDateTime[] nows = new OffsetDateTime[n];
        OffsetDateTime[] aliveSinces = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            Take take = batch.get(i);
            Waiter w = take.waiter();
            names[i] = w.name();
            requestIds[i] = w.requestId();
            devices[i] = w.owner().deviceId();
            sessions[i] = w.owner().sessionId();
            modes[i] = w.mode().name();
            permits[i] = w.permits();
            maxPermits[i] = take.maxPermits();
            priorities[i] = w.priority();
            preemptibles[i] = w.preemptible();
            purposes[i] = w.purpose();
            ttls[i] = w.leaseTtl().toMillis();
            deadlines[i] = w.waitDeadline() == null ? null : LockStore.at(w.waitDeadline());
            replicas[i] = w.replicaId();
            nows[i] = LockStore.at(take.now());
            aliveSinces[i] = LockStore.at(take.now().minus(config.replicaTimeout()));
        }
        Tuple args = Tuple.from(new Object[] { names, requestIds, devices, sessions, modes, permits, maxPermits,
                priorities, preemptibles, purposes, ttls, deadlines, replicas, nows, aliveSinces,
                config.limits().maxHeldPerDevice(), config.limits().maxWaitingPerDevice(), Topics.LOCK_EVENTS });
        return pool.preparedQuery(ACQUIRE_MANY).execute(args).map(rows -> answers(rows, n, "takes", row -> {
            String refusal = row.getString("refusal");
            return refusal != null ? new Refusal(refusal, row.getString("refusal_detail")) : taken(row);
        }));
    }

    /** The rows of a batch function, one per item (column {@code item}, 1-based), as answers in item order. */
    private static List<Object> answers(RowSet<Row> rows, int n, String what, Function<Row, Object> answer) {
        Object[] answers = new Object[n];
        for (Row row : rows) {
            answers[row.getInteger("item") - 1] = answer.apply(row);
        }
        for (Object a : answers) {
            if (a == null) {
                throw new IllegalStateException("a batch function answered " + rows.size() + " of " + n + " " + what);
            }
        }
        return List.of(answers);
    }

    private static Taken taken(Row row) {
        Outcome outcome = Outcome.valueOf(row.getString("outcome"));
        Queued queued = null;
        if (outcome == Outcome.QUEUED) {
            List<Owner> blockedBy = new ArrayList<>();
            for (String owner : row.getArrayOfStrings("blocked_by")) {
                int slash = owner.indexOf('/');
                blockedBy.add(new Owner(UUID.fromString(owner.substring(0, slash)), owner.substring(slash + 1)));
            }
            queued = new Queued(row.getInteger("queue_position"), row.getInteger("queue_length"), blockedBy);
        }
        Long token = row.getLong("fencing_token");
        return new Taken(outcome, token == null ? 0 : token, LockStore.instant(row, "lease_expires_at"), queued,
                Boolean.TRUE.equals(row.getBoolean("owner_holds")));
    }

    /**
     * Releases a grant by its fencing token (idempotent).
     *
     * @return RELEASED, ALREADY_RELEASED, LOST:&lt;reason&gt;, NOT_FOUND or SLOW (a preempting request waits: nothing
     *         changed)
     */
    public Uni<String> release(String name, long token, Owner owner, Instant now) {
        return releases.submit(new Release(name, token, owner, now));
    }

    private Uni<String> releaseAlone(Release release) {
        return pool.preparedQuery(RELEASE).execute(Tuple.from(new Object[] { release.name(), release.token(),
                release.owner().deviceId(), release.owner().sessionId(), LockStore.at(release.now()),
                LockStore.at(release.now().minus(config.replicaTimeout())), Topics.LOCK_EVENTS,
                config.durableRelease(), replica.get() }))
                .map(rows -> rows.iterator().next().getString(0));
    }

    /** Several releases in one transaction ({@code lock_release_many}): for each, in order, its answer. */
    private Uni<List<Object>> releaseTogether(List<Release> batch) {
        int n = batch.size();
        String[] names = new String[n];
        Long[] tokens = new Long[n];
        UUID[] devices = new UUID[n];
        String[] sessions = new String[n];
        OffsetDateTime[] nows = new OffsetDateTime[n];
        OffsetDateTime[] aliveSinces = new OffsetDateTime[n];
        for (int i = 0; i < n; i++) {
            Release release = batch.get(i);
            names[i] = release.name();
            tokens[i] = release.token();
            devices[i] = release.owner().deviceId();
            sessions[i] = release.owner().sessionId();
            nows[i] = LockStore.at(release.now());
            aliveSinces[i] = LockStore.at(release.now().minus(config.replicaTimeout()));
        }
        Tuple args = Tuple.from(new Object[] { names, tokens, devices, sessions, nows, aliveSinces, Topics.LOCK_EVENTS,
                config.durableRelease(), replica.get() });
        return pool.preparedQuery(RELEASE_MANY).execute(args).map(rows -> answers(rows, n, "releases",
                row -> row.getString("answer")));
    }

    /**
     * Reads one lock in one statement (one snapshot).
     *
     * @param client the pool, or the connection of a transaction that reads more
     * @return the lock, or empty if the name was never used
     */
    public Uni<Optional<LockState>> snapshot(SqlClient client, String name) {
        return client.preparedQuery(SNAPSHOT).execute(Tuple.of(name)).map(rows -> {
            if (rows.size() == 0) {
                return Optional.empty();
            }
            Row row = rows.iterator().next();
            List<Holder> holders = new ArrayList<>();
            for (Object h : json(row.getValue("holders"))) {
                holders.add(holder((JsonObject) h));
            }
            List<Waiter> waiters = new ArrayList<>();
            for (Object w : json(row.getValue("waiters"))) {
                waiters.add(waiter((JsonObject) w));
            }
            return Optional.of(new LockState(name, row.getString("kind"), row.getInteger("max_permits"),
                    row.getLong("fencing_counter"), LockStore.instant(row, "updated_at"), holders, waiters));
        });
    }

    private static Throwable refusal(Throwable failure) {
        PgException pg = (PgException) failure;
        if ("P0001".equals(pg.getSqlState())) {
            return new Refusal(pg.getErrorMessage(), pg.getDetail());
        }
        if ("23505".equals(pg.getSqlState()) && "lock_holder_request_uq".equals(pg.getConstraint())) {
            // The request id of a grant that is still held.
            return new Refusal("REQUEST_ID_IN_USE", "");
        }
        return failure;
    }

    private static JsonArray json(Object value) {
        return value instanceof JsonArray array ? array : new JsonArray(String.valueOf(value));
    }

    private static Holder holder(JsonObject h) {
        return new Holder(h.getString("name"), h.getLong("fencing_token"),
                new Owner(UUID.fromString(h.getString("device_id")), h.getString("session_id")),
                UUID.fromString(h.getString("request_id")), Mode.valueOf(h.getString("mode")), h.getInteger("permits"),
                h.getInteger("priority"), h.getBoolean("preemptible"), h.getString("purpose"), time(h, "acquired_at"),
                time(h, "enqueued_at"), Duration.ofMillis(h.getLong("lease_ttl_ms")), time(h, "lease_expires_at"),
                time(h, "last_renewed_at"));
    }

    private static Waiter waiter(JsonObject w) {
        String replica = w.getString("replica_id");
        return new Waiter(UUID.fromString(w.getString("request_id")), w.getString("name"), w.getLong("seq"),
                new Owner(UUID.fromString(w.getString("device_id")), w.getString("session_id")),
                Mode.valueOf(w.getString("mode")), w.getInteger("permits"), w.getInteger("priority"),
                w.getBoolean("preempt"), w.getBoolean("preemptible"), w.getString("purpose"),
                Duration.ofMillis(w.getLong("lease_ttl_ms")), time(w, "enqueued_at"), time(w, "wait_deadline"),
                replica == null ? null : UUID.fromString(replica));
    }

    /** PostgreSQL writes timestamptz in JSON as ISO 8601 with the session's offset, which may lack minutes ("+00"). */
    private static Instant time(JsonObject o, String field) {
        String value = o.getString(field);
        if (value == null) {
            return null;
        }
        if (value.matches(".*[+-]\\d\\d$")) {
            value = value + ":00";
        }
        return OffsetDateTime.parse(value).toInstant();
    }
}
