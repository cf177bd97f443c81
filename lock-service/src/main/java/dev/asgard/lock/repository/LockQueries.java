package dev.asgard.lock.repository;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.Waiter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Read-only lock queries for the registry side of the service (ListLocks, Watch, admin REST) and the per-device
 * limit overrides. Nothing here takes a state row lock: these are snapshots, each query consistent in itself.
 */
@ApplicationScoped
public class LockQueries {

    /** First statement of a read-only transaction whose queries must all see the same snapshot. */
    public static final String SNAPSHOT = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY";

    /**
     * Names of locks under a prefix after a cursor, in name order.
     *
     * @param prefix name prefix, empty for all
     * @param holderDevice only locks this device holds, or null
     * @param includeFree whether free locks that were ever granted count
     * @param after the last name of the previous page, or null
     * @param limit rows to fetch
     * @return the names
     */
    public Uni<List<String>> names(SqlClient client, String prefix, UUID holderDevice, boolean includeFree, String after,
            int limit) {
        return client.preparedQuery("SELECT s.name FROM lock_state s WHERE s.name LIKE $1 ESCAPE '\\'"
                + " AND ($2::text IS NULL OR s.name COLLATE \"C\" > $2)"
                + " AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM lock_holder h WHERE h.name = s.name AND h.device_id = $3))"
                + " AND (EXISTS (SELECT 1 FROM lock_holder h WHERE h.name = s.name)"
                + "   OR EXISTS (SELECT 1 FROM lock_waiter w WHERE w.name = s.name)"
                + "   OR ($4 AND s.fencing_counter > 0))"
                + " ORDER BY s.name COLLATE \"C\" LIMIT $5")
                .execute(Tuple.of(likePrefix(prefix), after, holderDevice, includeFree, limit))
                .map(rows -> {
                    List<String> names = new ArrayList<>();
                    rows.forEach(r -> names.add(r.getString(0)));
                    return names;
                });
    }

    /**
     * Reads several locks with three queries (states, holders, waiters), whatever their number.
     *
     * @return the locks that exist, in the order of {@code names}
     */
    public Uni<List<LockState>> states(SqlClient client, List<String> names) {
        if (names.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        String[] array = names.toArray(String[]::new);
        Map<String, Row> stateRows = new LinkedHashMap<>();
        Map<String, List<Holder>> holders = new LinkedHashMap<>();
        Map<String, List<Waiter>> waiters = new LinkedHashMap<>();
        return client.preparedQuery("SELECT name, kind, max_permits, fencing_counter, updated_at FROM lock_state"
                + " WHERE name = ANY($1)").execute(Tuple.of(array))
                .invoke(rows -> rows.forEach(r -> stateRows.put(r.getString("name"), r)))
                .chain(() -> client.preparedQuery("SELECT * FROM lock_holder WHERE name = ANY($1) ORDER BY name, fencing_token")
                        .execute(Tuple.of(array)))
                .invoke(rows -> rows.forEach(r -> holders.computeIfAbsent(r.getString("name"), n -> new ArrayList<>())
                        .add(LockStore.holder(r))))
                .chain(() -> client.preparedQuery("SELECT * FROM lock_waiter WHERE name = ANY($1)"
                        + " ORDER BY name, priority DESC, seq").execute(Tuple.of(array)))
                .invoke(rows -> rows.forEach(r -> waiters.computeIfAbsent(r.getString("name"), n -> new ArrayList<>())
                        .add(LockStore.waiter(r))))
                .map(ignored -> {
                    List<LockState> states = new ArrayList<>();
                    for (String name : names) {
                        Row r = stateRows.get(name);
                        if (r != null) {
                            states.add(new LockState(name, r.getString("kind"), r.getInteger("max_permits"),
                                    r.getLong("fencing_counter"), LockStore.instant(r, "updated_at"),
                                    holders.getOrDefault(name, List.of()), waiters.getOrDefault(name, List.of())));
                        }
                    }
                    return states;
                });
    }

    /** How a grant ended, as recorded in lock_grant_end. */
    public record GrantEnd(long fencingToken, Owner owner, String reason, String endedBy, Instant endedAt) {
    }

    /**
     * A wait that someone other than its stream ended.
     *
     * @param requestId the request
     * @param reason an AbortReason name without prefix (DEADLOCK_VICTIM, SHUTTING_DOWN, ...)
     * @param detail the serialized AcquireAborted (with the cycle for a deadlock victim), or null
     * @param endedAt when
     */
    public record RequestEnd(UUID requestId, String reason, byte[] detail, Instant endedAt) {
    }

    /**
     * Waits on a lock that others ended since a time (newest 1000 at most).
     *
     * @return by request id
     */
    public Uni<java.util.Map<UUID, RequestEnd>> requestEndsSince(SqlClient client, String name, Instant since) {
        return client.preparedQuery("SELECT request_id, reason, detail, ended_at FROM lock_request_end"
                + " WHERE name = $1 AND ended_at >= $2 ORDER BY ended_at DESC LIMIT 1000")
                .execute(Tuple.of(name, LockStore.at(since)))
                .map(rows -> {
                    java.util.Map<UUID, RequestEnd> ends = new java.util.HashMap<>();
                    rows.forEach(r -> {
                        var detail = r.getBuffer("detail");
                        ends.put(r.getUUID("request_id"), new RequestEnd(r.getUUID("request_id"), r.getString("reason"),
                                detail == null ? null : detail.getBytes(), LockStore.instant(r, "ended_at")));
                    });
                    return ends;
                });
    }

    /**
     * Grants of a lock that ended, with a fencing token above a floor (newest 1000 at most).
     *
     * @return in fencing token order
     */
    public Uni<List<GrantEnd>> grantEndsAfter(SqlClient client, String name, long floor) {
        return client.preparedQuery("SELECT * FROM (SELECT fencing_token, device_id, session_id, reason, ended_by, ended_at"
                + " FROM lock_grant_end WHERE name = $1 AND fencing_token > $2 ORDER BY fencing_token DESC LIMIT 1000) e"
                + " ORDER BY fencing_token").execute(Tuple.of(name, floor))
                .map(rows -> {
                    List<GrantEnd> ends = new ArrayList<>();
                    rows.forEach(r -> ends.add(new GrantEnd(r.getLong("fencing_token"),
                            new Owner(r.getUUID("device_id"), r.getString("session_id")), r.getString("reason"),
                            r.getString("ended_by"), LockStore.instant(r, "ended_at"))));
                    return ends;
                });
    }

    /** One edge of the wait-for graph: a waiting owner, the lock, an owner holding it. */
    public record WaitForEdge(Owner waiter, int waiterPriority, String lockName, Owner holder, long holderToken) {
    }

    /**
     * The wait-for graph in one query: every waiter joined with every holder of the lock it waits for (an owner
     * queued behind itself, possible with a semaphore, is no edge).
     */
    public Uni<List<WaitForEdge>> waitForEdges(SqlClient client) {
        return client.query("SELECT w.device_id AS w_device, w.session_id AS w_session, w.priority AS w_priority, w.name,"
                + " h.device_id AS h_device, h.session_id AS h_session, h.fencing_token"
                + " FROM lock_waiter w JOIN lock_holder h ON h.name = w.name"
                + " WHERE (w.device_id, w.session_id) <> (h.device_id, h.session_id)"
                + " ORDER BY w.name COLLATE \"C\", w.priority DESC, w.seq, h.fencing_token").execute()
                .map(rows -> {
                    List<WaitForEdge> edges = new ArrayList<>();
                    rows.forEach(r -> edges.add(new WaitForEdge(new Owner(r.getUUID("w_device"), r.getString("w_session")),
                            r.getInteger("w_priority"), r.getString("name"),
                            new Owner(r.getUUID("h_device"), r.getString("h_session")), r.getLong("fencing_token"))));
                    return edges;
                });
    }

    /** A device's limit overrides; a null limit keeps the configured default. */
    public record DeviceLimits(UUID deviceId, Integer maxHeld, Integer maxWaiting, Instant updatedAt, String updatedBy) {
    }

    /** @return the overrides of a device, if an administrator set any */
    public Uni<Optional<DeviceLimits>> limits(SqlClient client, UUID deviceId) {
        return client.preparedQuery("SELECT * FROM lock_device_limit WHERE device_id = $1").execute(Tuple.of(deviceId))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(limits(rows.iterator().next())));
    }

    /** Sets (replaces) the overrides of a device. */
    public Uni<DeviceLimits> putLimits(SqlClient client, UUID deviceId, Integer maxHeld, Integer maxWaiting, String by,
            Instant now) {
        return client.preparedQuery("INSERT INTO lock_device_limit (device_id, max_held, max_waiting, updated_at, updated_by)"
                + " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id) DO UPDATE SET max_held = EXCLUDED.max_held,"
                + " max_waiting = EXCLUDED.max_waiting, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by"
                + " RETURNING *")
                .execute(Tuple.of(deviceId, maxHeld, maxWaiting, LockStore.at(now), by))
                .map(rows -> limits(rows.iterator().next()));
    }

    /** @return whether overrides existed */
    public Uni<Boolean> deleteLimits(SqlClient client, UUID deviceId) {
        return client.preparedQuery("DELETE FROM lock_device_limit WHERE device_id = $1").execute(Tuple.of(deviceId))
                .map(rows -> rows.rowCount() == 1);
    }

    /** @return the device's grants and waiting requests */
    public Uni<int[]> usage(SqlClient client, UUID deviceId) {
        return client.preparedQuery("SELECT (SELECT count(*) FROM lock_holder WHERE device_id = $1),"
                + " (SELECT count(*) FROM lock_waiter WHERE device_id = $1)").execute(Tuple.of(deviceId))
                .map(rows -> new int[] { rows.iterator().next().getLong(0).intValue(),
                        rows.iterator().next().getLong(1).intValue() });
    }

    private static DeviceLimits limits(Row r) {
        return new DeviceLimits(r.getUUID("device_id"), r.getInteger("max_held"), r.getInteger("max_waiting"),
                LockStore.instant(r, "updated_at"), r.getString("updated_by"));
    }

    /** LIKE pattern of a prefix: the prefix with its LIKE metacharacters escaped, then %. */
    static String likePrefix(String prefix) {
        return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%";
    }
}
