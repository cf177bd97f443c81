package dev.asgard.lock.repository;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.domain.Mode;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.Waiter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The lock tables in SQL. Every method runs on the connection it is given, so callers compose them into one
 * transaction; the methods that change a lock expect the caller to hold its {@code lock_state} row lock
 * ({@link #lockState}).
 */
@ApplicationScoped
public class LockStore {

    private static final String HOLDER_COLUMNS = "name, fencing_token, device_id, session_id, request_id, mode, permits,"
            + " priority, preemptible, purpose, acquired_at, enqueued_at, lease_ttl_ms, lease_expires_at, last_renewed_at";
    private static final String WAITER_COLUMNS = "request_id, name, seq, device_id, session_id, mode, permits, priority,"
            + " preempt, preemptible, purpose, lease_ttl_ms, enqueued_at, wait_deadline, replica_id";

    /**
     * Creates the state row of a name if missing, then locks it for the rest of the transaction and reads the lock.
     *
     * @param tx the transaction
     * @param name the lock name
     * @param now current time
     * @return the lock, its holders and queue
     */
    public Uni<LockState> lockState(SqlClient tx, String name, Instant now) {
        // Names are mostly in use already: lock first, and only create the row (one more round trip) when missing.
        return selectForUpdate(tx, name)
                .chain(found -> found.size() > 0 ? Uni.createFrom().item(found)
                        : tx.preparedQuery("INSERT INTO lock_state (name, updated_at) VALUES ($1, $2)"
                                + " ON CONFLICT (name) DO NOTHING").execute(Tuple.of(name, at(now)))
                                .chain(() -> selectForUpdate(tx, name)))
                .chain(rows -> {
                    Row row = rows.iterator().next();
                    return read(tx, name, row.getString("kind"), row.getInteger("max_permits"),
                            row.getLong("fencing_counter"), instant(row, "updated_at"));
                });
    }

    private static Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> selectForUpdate(SqlClient tx, String name) {
        return tx.preparedQuery("SELECT kind, max_permits, fencing_counter, updated_at FROM lock_state"
                + " WHERE name = $1 FOR UPDATE").execute(Tuple.of(name));
    }

    private Uni<LockState> read(SqlClient tx, String name, String kind, int maxPermits, long counter, Instant updatedAt) {
        return tx.preparedQuery("SELECT " + HOLDER_COLUMNS + " FROM lock_holder WHERE name = $1 ORDER BY fencing_token")
                .execute(Tuple.of(name))
                .chain(holderRows -> {
                    List<Holder> holders = new ArrayList<>();
                    holderRows.forEach(r -> holders.add(holder(r)));
                    return tx.preparedQuery("SELECT " + WAITER_COLUMNS + " FROM lock_waiter WHERE name = $1"
                            + " ORDER BY priority DESC, seq").execute(Tuple.of(name))
                            .map(waiterRows -> {
                                List<Waiter> waiters = new ArrayList<>();
                                waiterRows.forEach(r -> waiters.add(waiter(r)));
                                return new LockState(name, kind, maxPermits, counter, updatedAt, holders, waiters);
                            });
                });
    }

    /**
     * Sets kind and capacity (when the first request of a free lock arrives, or clears them when it becomes free)
     * and the change time.
     */
    public Uni<Void> updateState(SqlClient tx, String name, String kind, int maxPermits, Instant now) {
        return tx.preparedQuery("UPDATE lock_state SET kind = $2, max_permits = $3, updated_at = $4 WHERE name = $1")
                .execute(Tuple.of(name, kind, maxPermits, at(now))).replaceWithVoid();
    }

    /**
     * Issues the next fencing token of a lock: one more than the last, on the locked state row.
     *
     * @return the new token
     */
    public Uni<Long> nextFencingToken(SqlClient tx, String name) {
        return tx.preparedQuery("UPDATE lock_state SET fencing_counter = fencing_counter + 1 WHERE name = $1"
                + " RETURNING fencing_counter").execute(Tuple.of(name))
                .map(rows -> rows.iterator().next().getLong(0));
    }

    /**
     * Inserts a waiter; a request id already queued by the same owner for the same lock (a reconnecting client) takes
     * over its place.
     *
     * @return the waiter as queued (with its arrival order), or empty when the request id belongs to another owner or
     *         lock
     */
    public Uni<java.util.Optional<Waiter>> insertWaiter(SqlClient tx, Waiter w) {
        return tx.preparedQuery("INSERT INTO lock_waiter (request_id, name, device_id, session_id, mode, permits, priority,"
                + " preempt, preemptible, purpose, lease_ttl_ms, enqueued_at, wait_deadline, replica_id)"
                + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
                + " ON CONFLICT (request_id) DO UPDATE SET replica_id = EXCLUDED.replica_id, wait_deadline = EXCLUDED.wait_deadline"
                + " WHERE lock_waiter.device_id = EXCLUDED.device_id AND lock_waiter.session_id = EXCLUDED.session_id"
                + " AND lock_waiter.name = EXCLUDED.name RETURNING " + WAITER_COLUMNS)
                .execute(Tuple.from(new Object[] { w.requestId(), w.name(), w.owner().deviceId(), w.owner().sessionId(),
                        w.mode().name(), w.permits(), w.priority(), w.preempt(), w.preemptible(), w.purpose(),
                        w.leaseTtl().toMillis(), at(w.enqueuedAt()), w.waitDeadline() == null ? null : at(w.waitDeadline()),
                        w.replicaId() }))
                .map(rows -> rows.size() == 0 ? java.util.Optional.<Waiter> empty()
                        : java.util.Optional.of(waiter(rows.iterator().next())));
    }

    /** @return whether the waiter was still queued and is now gone */
    public Uni<Boolean> deleteWaiter(SqlClient tx, UUID requestId) {
        return tx.preparedQuery("DELETE FROM lock_waiter WHERE request_id = $1").execute(Tuple.of(requestId))
                .map(rows -> rows.rowCount() == 1);
    }

    /**
     * Removes the waiters of one lock whose replica has not heartbeaten since {@code aliveSince} (or never
     * registered), recording why, on the caller's locked state row.
     *
     * @return the removed request ids
     */
    public Uni<List<UUID>> removeOrphanedWaiters(SqlClient tx, String name, Instant aliveSince, Instant now) {
        return tx.preparedQuery("DELETE FROM lock_waiter w WHERE w.name = $1 AND NOT EXISTS (SELECT 1 FROM lock_replica r"
                + " WHERE r.id = w.replica_id AND r.heartbeat_at > $2) RETURNING w.request_id")
                .execute(Tuple.of(name, at(aliveSince)))
                .chain(rows -> {
                    List<UUID> removed = new ArrayList<>();
                    rows.forEach(r -> removed.add(r.getUUID(0)));
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (UUID id : removed) {
                        chain = chain.chain(() -> recordRequestEnd(tx, id, name, "SHUTTING_DOWN", null, now));
                    }
                    return chain.replaceWith(removed);
                });
    }

    /**
     * Inserts a holder.
     *
     * @param streamReplica the replica whose Acquire stream holds it, null for a TryAcquire
     */
    public Uni<Void> insertHolder(SqlClient tx, Holder h, UUID streamReplica) {
        return tx.preparedQuery("INSERT INTO lock_holder (" + HOLDER_COLUMNS + ", stream_replica)"
                + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
                .execute(Tuple.from(new Object[] { h.name(), h.fencingToken(), h.owner().deviceId(), h.owner().sessionId(),
                        h.requestId(), h.mode().name(), h.permits(), h.priority(), h.preemptible(), h.purpose(),
                        at(h.acquiredAt()), at(h.enqueuedAt()), h.leaseTtl().toMillis(), at(h.leaseExpiresAt()),
                        at(h.lastRenewedAt()), streamReplica }))
                .replaceWithVoid();
    }

    /**
     * Ends a grant: removes the holder and remembers how it ended.
     *
     * @return whether the holder existed
     */
    public Uni<Boolean> endGrant(SqlClient tx, Holder h, String reason, String endedBy, Instant now) {
        return tx.preparedQuery("DELETE FROM lock_holder WHERE name = $1 AND fencing_token = $2")
                .execute(Tuple.of(h.name(), h.fencingToken()))
                .chain(rows -> rows.rowCount() == 0 ? Uni.createFrom().item(false)
                        : tx.preparedQuery("INSERT INTO lock_grant_end (name, fencing_token, device_id, session_id, reason,"
                                + " ended_by, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING")
                                .execute(Tuple.from(new Object[] { h.name(), h.fencingToken(), h.owner().deviceId(),
                                        h.owner().sessionId(), reason, endedBy, at(now) }))
                                .replaceWith(true));
    }

    /**
     * @return how a grant ended, if it did and belonged to this owner
     */
    public Uni<Optional<String>> grantEnd(SqlClient tx, String name, long token, Owner owner) {
        return tx.preparedQuery("SELECT reason FROM lock_grant_end WHERE name = $1 AND fencing_token = $2"
                + " AND device_id = $3 AND session_id = $4")
                .execute(Tuple.of(name, token, owner.deviceId(), owner.sessionId()))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getString(0)));
    }

    /** Remembers why a wait ended, for the replica whose stream waits. */
    public Uni<Void> recordRequestEnd(SqlClient tx, UUID requestId, String name, String reason, byte[] detail, Instant now) {
        return tx.preparedQuery("INSERT INTO lock_request_end (request_id, name, reason, detail, ended_at)"
                + " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_id) DO NOTHING")
                .execute(Tuple.of(requestId, name, reason,
                        detail == null ? null : io.vertx.core.buffer.Buffer.buffer(detail), at(now)))
                .replaceWithVoid();
    }

    /** @return why a wait ended, and its details, if recorded */
    public Uni<Optional<Row>> requestEnd(SqlClient tx, UUID requestId) {
        return tx.preparedQuery("SELECT reason, detail FROM lock_request_end WHERE request_id = $1")
                .execute(Tuple.of(requestId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next()));
    }

    /**
     * Renews a lease if the grant is still held and its lease has not run out.
     *
     * @return the holder after renewal, or empty
     */
    public Uni<Optional<Holder>> renew(SqlClient tx, String name, long token, Owner owner, Duration ttl, Instant now) {
        return tx.preparedQuery("UPDATE lock_holder SET lease_ttl_ms = coalesce($5, lease_ttl_ms),"
                + " lease_expires_at = $6::timestamptz + make_interval(secs => coalesce($5, lease_ttl_ms) / 1000.0),"
                + " last_renewed_at = $6 WHERE name = $1 AND fencing_token = $2 AND device_id = $3 AND session_id = $4"
                + " AND lease_expires_at > $6 RETURNING " + HOLDER_COLUMNS)
                .execute(Tuple.from(new Object[] { name, token, owner.deviceId(), owner.sessionId(),
                        ttl == null ? null : ttl.toMillis(), at(now) }))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(holder(rows.iterator().next())));
    }

    /** @return names with a holder whose lease ran out before {@code now} */
    public Uni<List<String>> namesWithLapsedLeases(SqlClient client, Instant now, int limit) {
        return client.preparedQuery("SELECT DISTINCT name FROM lock_holder WHERE lease_expires_at <= $1 LIMIT $2")
                .execute(Tuple.of(at(now), limit))
                .map(rows -> {
                    List<String> names = new ArrayList<>();
                    rows.forEach(r -> names.add(r.getString(0)));
                    return names;
                });
    }

    /** Queues a notification to every replica, delivered when the transaction commits. */
    public Uni<Void> notifyChanged(SqlClient tx, String name) {
        return tx.preparedQuery("SELECT pg_notify('" + CHANNEL + "', $1)").execute(Tuple.of(name)).replaceWithVoid();
    }

    /** The LISTEN/NOTIFY channel of lock changes; the payload is the lock name. */
    public static final String CHANNEL = "asgard_lock";

    static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    static Holder holder(Row r) {
        return new Holder(r.getString("name"), r.getLong("fencing_token"),
                new Owner(r.getUUID("device_id"), r.getString("session_id")), r.getUUID("request_id"),
                Mode.valueOf(r.getString("mode")), r.getInteger("permits"), r.getInteger("priority"),
                r.getBoolean("preemptible"), r.getString("purpose"), instant(r, "acquired_at"), instant(r, "enqueued_at"),
                Duration.ofMillis(r.getLong("lease_ttl_ms")), instant(r, "lease_expires_at"), instant(r, "last_renewed_at"));
    }

    static Waiter waiter(Row r) {
        return new Waiter(r.getUUID("request_id"), r.getString("name"), r.getLong("seq"),
                new Owner(r.getUUID("device_id"), r.getString("session_id")), Mode.valueOf(r.getString("mode")),
                r.getInteger("permits"), r.getInteger("priority"), r.getBoolean("preempt"), r.getBoolean("preemptible"),
                r.getString("purpose"), Duration.ofMillis(r.getLong("lease_ttl_ms")), instant(r, "enqueued_at"),
                instant(r, "wait_deadline"), r.getUUID("replica_id"));
    }

    /**
     * Grants and waiting requests of one device and the limits that apply to it (its administrator override where
     * set, else the configured defaults), in one round trip: this runs on every enqueue.
     *
     * @return {held, waiting, max held, max waiting}
     */
    public Uni<int[]> usageAndLimits(SqlClient tx, UUID deviceId, int defaultHeld, int defaultWaiting) {
        return tx.preparedQuery("SELECT (SELECT count(*) FROM lock_holder WHERE device_id = $1),"
                + " (SELECT count(*) FROM lock_waiter WHERE device_id = $1),"
                + " coalesce((SELECT max_held FROM lock_device_limit WHERE device_id = $1), $2),"
                + " coalesce((SELECT max_waiting FROM lock_device_limit WHERE device_id = $1), $3)")
                .execute(Tuple.of(deviceId, defaultHeld, defaultWaiting))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new int[] { row.getLong(0).intValue(), row.getLong(1).intValue(), row.getInteger(2),
                            row.getInteger(3) };
                });
    }
}
