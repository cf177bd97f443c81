package dev.asgard.registry.repository;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.asgard.commons.db.GroupCommit;
import dev.asgard.registry.config.DeviceConfig;
import dev.asgard.registry.entity.Device;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The common heartbeat in one statement: an active device, a newer sequence, an unchanged agent version. The
 * update neither loads the entity nor touches {@code version} (a heartbeat is not a change of the record), and
 * runs on the reactive pool without a Hibernate session: at thousands of heartbeats per second, the session,
 * the locking select and the dirty check cost more than the update itself.
 *
 * <p>The fast path commits asynchronously ({@code synchronous_commit = off} for its transaction alone): it does
 * not wait for its WAL record to reach the disk. {@code last_seen} and the sequence are soft state: a crash of
 * PostgreSQL can lose the last few hundred milliseconds of them (at most three {@code wal_writer_delay}s), which
 * the device's next heartbeat writes again; nothing else is written here, and no transaction that commits
 * synchronously can depend on a lost one without flushing it first (WAL is flushed in order). Status changes and
 * their outbox events never take this path: they are written by the locked path of {@code HeartbeatService} in a
 * transaction of their own, with the server's {@code synchronous_commit}.
 *
 * <p>Anything else (a status to change, a duplicate, a pending, revoked or removed device, a new agent version)
 * matches no row and is left to the locked path of {@code HeartbeatService}. The UPDATE takes the row lock, so
 * it is ordered against the status sweeper: when the sweeper turned the device inactive first, the re-checked
 * {@code status = 'ACTIVE'} no longer holds and the heartbeat goes the locked way, which records the transition
 * back to active.
 */
@ApplicationScoped
public class HeartbeatWriter {

    private final Pool pool;
    private final String sql;
    private final String batchSql;
    private final GroupCommit<Heartbeat, Optional<Recorded>> batches;

    public HeartbeatWriter(Pool pool, DeviceConfig config,
            @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") Optional<String> schema) {
        this.pool = pool;
        String table = schema.filter(s -> !s.isBlank()).map(s -> s + ".device").orElse("device");
        this.batchSql = "UPDATE " + table + " AS d SET heartbeat_sequence = b.sequence, last_seen = b.seen"
                + " FROM unnest($1::uuid[], $2::int8[], $3::timestamptz[], $4::text[]) AS b(id, sequence, seen, agent)"
                + " WHERE d.id = b.id AND d.heartbeat_sequence < b.sequence AND d.removed_at IS NULL"
                + " AND d.status = 'ACTIVE' AND (b.agent = '' OR d.agent_version IS NOT DISTINCT FROM b.agent)"
                + " RETURNING d.id, d.version, d.heartbeat_interval_seconds,"
                + " set_config('synchronous_commit', 'off', true) AS synchronous_commit";
        this.batches = new GroupCommit<>(config.heartbeatBatch().maxSize(), config.heartbeatBatch().maxInFlight(),
                h -> recordIfActive(pool, h.deviceId(), h.sequence(), h.agentVersion(), h.now()), this::recordMany);
        this.sql = "UPDATE " + table + " SET heartbeat_sequence = $2, last_seen = $3"
                + " WHERE id = $1 AND heartbeat_sequence < $2 AND removed_at IS NULL AND status = 'ACTIVE'"
                + " AND ($4 = '' OR agent_version IS NOT DISTINCT FROM $4)"
                // Asynchronous commit for this statement's own (implicit) transaction only: set_config(..., true)
                // is SET LOCAL, evaluated for the updated row before the commit, and reverts at its end, so the
                // pooled connection keeps synchronous_commit for everything else. A statement that matched no row
                // wrote nothing and has nothing to flush.
                + " RETURNING version, heartbeat_interval_seconds,"
                + " set_config('synchronous_commit', 'off', true) AS synchronous_commit";
    }

    /**
     * Records a heartbeat of an active device whose sequence is newer, if that is what it is.
     *
     * @param deviceId the device
     * @param sequence its heartbeat sequence number
     * @param agentVersion the agent version it reports, or empty
     * @param now the time to record as last seen
     * @return the device's current revision and own interval when the heartbeat was recorded; empty when it needs
     *         the locked path
     */
    public Uni<Optional<Recorded>> recordIfActive(UUID deviceId, long sequence, String agentVersion, Instant now) {
        return batches.submit(new Heartbeat(deviceId, sequence, agentVersion, now));
    }

    /** Several heartbeats in one statement; for each, in order, what {@link #recordIfActive} answers. */
    Uni<List<Object>> recordMany(List<Heartbeat> heartbeats) {
        // A device twice in the batch goes into the statement once, with its first heartbeat; the others take the
        // locked path.
        boolean[] first = new boolean[heartbeats.size()];
        List<Heartbeat> written = new ArrayList<>(heartbeats.size());
        Set<UUID> seen = new HashSet<>();
        for (int i = 0; i < heartbeats.size(); i++) {
            first[i] = seen.add(heartbeats.get(i).deviceId());
            if (first[i]) {
                written.add(heartbeats.get(i));
            }
        }
        Tuple arrays = Tuple.of(
                written.stream().map(Heartbeat::deviceId).toArray(UUID[]::new),
                written.stream().map(Heartbeat::sequence).toArray(Long[]::new),
                written.stream().map(h -> OffsetDateTime.ofInstant(h.now(), ZoneOffset.UTC))
                        .toArray(OffsetDateTime[]::new),
                written.stream().map(Heartbeat::agentVersion).toArray(String[]::new));
        return pool.preparedQuery(batchSql).execute(arrays).map(rows -> {
            Map<UUID, Recorded> recorded = new HashMap<>();
            for (Row row : rows) {
                recorded.put(row.getUUID("id"),
                        new Recorded(row.getLong("version"), row.getInteger("heartbeat_interval_seconds")));
            }
            List<Object> answers = new ArrayList<>(heartbeats.size());
            for (int i = 0; i < heartbeats.size(); i++) {
                answers.add(first[i] ? Optional.ofNullable(recorded.get(heartbeats.get(i).deviceId()))
                        : Optional.empty());
            }
            return answers;
        });
    }

    /**
     * {@link #recordIfActive(UUID, long, String, Instant)} on the given client (a pool or one connection). Never on a
     * connection inside an explicit transaction that writes anything else: the asynchronous commit the statement
     * sets would then apply to that transaction's other writes too.
     */
    Uni<Optional<Recorded>> recordIfActive(SqlClient client, UUID deviceId, long sequence, String agentVersion,
            Instant now) {
        return client.preparedQuery(sql)
                .execute(Tuple.of(deviceId, sequence, OffsetDateTime.ofInstant(now, ZoneOffset.UTC), agentVersion))
                .map(HeartbeatWriter::revision);
    }

    private static Optional<Recorded> revision(RowSet<Row> rows) {
        var iterator = rows.iterator();
        if (!iterator.hasNext()) {
            return Optional.empty();
        }
        Row row = iterator.next();
        return Optional.of(new Recorded(row.getLong("version"), row.getInteger("heartbeat_interval_seconds")));
    }

    /** A heartbeat waiting for the fast path. */
    record Heartbeat(UUID deviceId, long sequence, String agentVersion, Instant now) {
    }

    /**
     * What a recorded heartbeat returns.
     *
     * @param revision the device's revision
     * @param heartbeatIntervalSeconds its own heartbeat interval, or null for the global one
     */
    public record Recorded(long revision, Integer heartbeatIntervalSeconds) {
    }

    /**
     * @param deviceId the device
     * @param sequence the recorded sequence
     * @param now the recorded last seen
     * @param revision the revision the update returned
     * @param heartbeatIntervalSeconds the device's own interval, or null
     * @return a detached, partial device (id, status, sequence, last seen, revision, interval) for the heartbeat's
     *         answer
     */
    public static Device recorded(UUID deviceId, long sequence, Instant now, long revision,
            Integer heartbeatIntervalSeconds) {
        Device device = new Device();
        device.heartbeatIntervalSeconds = heartbeatIntervalSeconds;
        device.id = deviceId;
        device.labels = java.util.Map.of();
        device.networks = new String[0];
        device.status = Device.Status.ACTIVE;
        device.heartbeatSequence = sequence;
        device.lastSeen = now;
        device.version = revision;
        return device;
    }
}
