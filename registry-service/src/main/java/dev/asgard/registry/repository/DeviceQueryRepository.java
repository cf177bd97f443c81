package dev.asgard.registry.repository;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceCapability;
import dev.asgard.registry.query.DeviceOrder;
import dev.asgard.registry.query.DeviceQuery;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Device lists and discovery in one SQL statement each, straight on the reactive client: filters over
 * {@code labels} (jsonb) and {@code networks} (text[]) need PostgreSQL operators that HQL cannot express, and
 * a page is read without the cost of managed entities. The rows become detached {@link Device} objects, so
 * the mapper is the same as for the other reads.
 */
@ApplicationScoped
public class DeviceQueryRepository {

    private static final String COLUMNS = "d.id, d.name, d.world_type, d.status, d.hardware, d.metadata, d.labels,"
            + " d.networks, d.agent_version, d.join_token_id, d.ephemeral, d.ephemeral_grace_seconds, d.created_at,"
            + " d.updated_at, d.status_changed_at, d.last_seen, d.heartbeat_sequence, d.version,"
            + " d.heartbeat_interval_seconds, d.inactive_after_missed, d.offline_after_missed,"
            + " d.fingerprint_sha256 is not null as claimed";

    private final Pool pool;

    public DeviceQueryRepository(Pool pool) {
        this.pool = pool;
    }

    /** A device with its capabilities and whether a machine has claimed it. */
    public record Found(Device device, List<DeviceCapability> capabilities) {
    }

    /**
     * One page of live devices.
     *
     * @param query the validated query
     * @param after cursor of the previous page: the sort value (as text) and the id of its last device; null
     *        for the first page
     * @param limit rows to fetch at most
     * @return the devices in query order, with their capabilities
     */
    public Uni<List<Found>> page(DeviceQuery query, Cursor after, int limit) {
        Sql sql = new Sql();
        sql.append("select ").append(COLUMNS).append(" from registry.device d where d.removed_at is null");
        where(sql, query);
        DeviceOrder order = query.order();
        if (after != null) {
            String op = order.descending() ? "<" : ">";
            sql.append(" and (").append(order.key().sql()).append(", d.id) ").append(op).append(" (")
                    .bind(after.sortValue(order.key())).append(", ").bind(after.id()).append(")");
        }
        String direction = order.descending() ? " desc" : "";
        sql.append(" order by ").append(order.key().sql()).append(direction).append(", d.id").append(direction)
                .append(" limit ").bind(limit);
        return pool.preparedQuery(sql.text()).execute(sql.params())
                .map(rows -> {
                    List<Device> devices = new ArrayList<>();
                    rows.forEach(row -> devices.add(device(row)));
                    return devices;
                })
                .chain(this::withCapabilities);
    }

    /**
     * @param id a device id
     * @return the live device and its capabilities, or null
     */
    public Uni<Found> findLive(UUID id) {
        return pool.preparedQuery("select " + COLUMNS + " from registry.device d where d.id = $1 and d.removed_at is null")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : device(rows.iterator().next()))
                .chain(device -> device == null ? Uni.createFrom().nullItem()
                        : withCapabilities(List.of(device)).map(found -> found.get(0)));
    }

    /**
     * @param id a device id
     * @return the device, removed or not, and its capabilities, or null if it never existed
     */
    public Uni<Found> findAny(UUID id) {
        return pool.preparedQuery("select " + COLUMNS + " from registry.device d where d.id = $1")
                .execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : device(rows.iterator().next()))
                .chain(device -> device == null ? Uni.createFrom().nullItem()
                        : withCapabilities(List.of(device)).map(found -> found.get(0)));
    }

    /**
     * Capabilities across live devices, with the devices offering each (for the capability overview).
     *
     * @param networkId only devices in this network, or null
     * @param status only devices in this status (stored name), or null
     * @return one row per (capability, version, device), ordered by capability, version and device name
     */
    public Uni<List<CapabilityRow>> capabilities(String networkId, String status) {
        Sql sql = new Sql();
        sql.append("select c.name, c.version, d.id, d.name as device_name, d.status from registry.device_capability c"
                + " join registry.device d on d.id = c.device_id where d.removed_at is null");
        if (networkId != null) {
            sql.append(" and d.networks @> ").bind(new String[] { networkId });
        }
        if (status != null) {
            sql.append(" and d.status = ").bind(status);
        }
        sql.append(" order by c.name, c.version, d.name");
        return pool.preparedQuery(sql.text()).execute(sql.params()).map(rows -> {
            List<CapabilityRow> result = new ArrayList<>();
            rows.forEach(row -> result.add(new CapabilityRow(row.getString("name"), row.getString("version"),
                    row.getUUID("id"), row.getString("device_name"), row.getString("status"))));
            return result;
        });
    }

    /** One device offering one capability version. */
    public record CapabilityRow(String capability, String version, UUID deviceId, String deviceName, String status) {
    }

    /**
     * The position after the last device of a page.
     *
     * @param sortValue the sort key's value as text (name, or an ISO-8601 instant)
     * @param id the device id
     */
    public record Cursor(String sortValue, UUID id) {

        Object sortValue(DeviceOrder.Key key) {
            return key == DeviceOrder.Key.NAME ? sortValue
                    : OffsetDateTime.ofInstant(Instant.parse(sortValue), ZoneOffset.UTC);
        }

        /**
         * @param device the last device of a page
         * @param key the sort key
         * @return its cursor
         */
        public static Cursor after(Device device, DeviceOrder.Key key) {
            String value = switch (key) {
                case NAME -> device.name;
                case CREATE_TIME -> device.createdAt.toString();
                case LAST_SEEN -> (device.lastSeen == null ? Instant.EPOCH : device.lastSeen).toString();
            };
            return new Cursor(value, device.id);
        }
    }

    private static void where(Sql sql, DeviceQuery query) {
        if (!query.deviceIds().isEmpty()) {
            sql.append(" and d.id = any(").bind(query.deviceIds().toArray(UUID[]::new)).append(")");
        }
        if (query.networkId() != null) {
            sql.append(" and d.networks @> ").bind(new String[] { query.networkId() });
        }
        // The caller's scope. A network filter naming one of the caller's networks already implies it; leaving the
        // overlap out then keeps the GIN scan to one key instead of one posting list per caller network.
        boolean labelIndex = query.networkId() == null && query.deviceIds().isEmpty()
                && (!query.matchLabels().isEmpty() || query.expressions().stream()
                        .anyMatch(r -> r.operator() == DeviceQuery.LabelRequirement.Operator.EXISTS));
        query.visibleNetworks()
                .filter(networks -> query.networkId() == null || !networks.contains(query.networkId()))
                .ifPresent(networks -> {
                    // With a label test the label GIN can serve, the overlap is kept out of the index condition
                    // ("is true" is the same test for a non-null array, but no index matches it): a caller in many
                    // networks overlaps nearly every row, and a generic plan, which cannot see how many networks
                    // the parameter holds, ANDed that GIN scan (100 000 rows, 54 ms) with the label's (registry
                    // run 6, label zone=zone-7: 155 ms p50 against 1 ms for the name-order walk).
                    sql.append(labelIndex ? " and (d.networks && " : " and d.networks && ")
                            .bind(networks.toArray(String[]::new)).append(labelIndex ? ") is true" : "");
                });
        if (!query.worldTypes().isEmpty()) {
            sql.append(" and d.world_type = any(").bind(query.worldTypes().toArray(String[]::new)).append(")");
        }
        if (!query.statuses().isEmpty()) {
            sql.append(" and d.status = any(").bind(query.statuses().toArray(String[]::new)).append(")");
        }
        if (query.capability() != null) {
            sql.append(" and exists (select 1 from registry.device_capability c where c.device_id = d.id and c.name = ")
                    .bind(query.capability());
            if (query.capabilityVersion() != null) {
                sql.append(" and c.version = ").bind(query.capabilityVersion());
            }
            sql.append(")");
        }
        if (!query.matchLabels().isEmpty()) {
            if (query.networkId() != null || !query.deviceIds().isEmpty()) {
                // A network (one GIN key, ~4 % of the fleet) or id filter already narrows the rows to a few
                // thousand. Written as @>, a common label (env=prod: a third of the fleet) drew the planner into a
                // second GIN scan and a BitmapAnd that cost more than filtering those rows (combined filter at 100 000
                // devices: 8-18 ms against 4-6 ms, docs/benchmarks.md, registry run 6). ->> is the same test for
                // string labels, but no index can serve it, so it stays a filter.
                query.matchLabels().forEach((key, value) -> sql.append(" and d.labels ->> ").bind(key)
                        .append(" = ").bind(value));
            } else {
                sql.append(" and d.labels @> ").bind(new JsonObject(new LinkedHashMap<>(query.matchLabels())));
            }
        }
        for (DeviceQuery.LabelRequirement requirement : query.expressions()) {
            switch (requirement.operator()) {
                case IN -> sql.append(" and d.labels ->> ").bind(requirement.key()).append(" = any(")
                        .bind(requirement.values().toArray(String[]::new)).append(")");
                case NOT_IN -> sql.append(" and coalesce(d.labels ->> ").bind(requirement.key()).append(" <> all(")
                        .bind(requirement.values().toArray(String[]::new)).append("), true)");
                case EXISTS -> sql.append(" and d.labels ? ").bind(requirement.key());
                case DOES_NOT_EXIST -> sql.append(" and not (d.labels ? ").bind(requirement.key()).append(")");
            }
        }
        if (query.namePrefix() != null) {
            // Names are [a-z0-9-]: no LIKE wildcards to escape.
            sql.append(" and d.name like ").bind(query.namePrefix() + "%");
        }
    }

    private Uni<List<Found>> withCapabilities(List<Device> devices) {
        if (devices.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        UUID[] ids = devices.stream().map(d -> d.id).toArray(UUID[]::new);
        return pool.preparedQuery("select device_id, name, version, attributes from registry.device_capability"
                + " where device_id = any($1) order by device_id, name")
                .execute(Tuple.of(ids))
                .map(rows -> {
                    Map<UUID, List<DeviceCapability>> byDevice = new LinkedHashMap<>();
                    rows.forEach(row -> byDevice.computeIfAbsent(row.getUUID("device_id"), k -> new ArrayList<>())
                            .add(capability(row)));
                    return devices.stream()
                            .map(d -> new Found(d, byDevice.getOrDefault(d.id, List.of())))
                            .toList();
                });
    }

    private static DeviceCapability capability(Row row) {
        DeviceCapability capability = new DeviceCapability();
        capability.deviceId = row.getUUID("device_id");
        capability.name = row.getString("name");
        capability.version = row.getString("version");
        capability.attributes = strings(row.getJsonObject("attributes"));
        return capability;
    }

    private static Device device(Row row) {
        Device device = new Device();
        device.id = row.getUUID("id");
        device.name = row.getString("name");
        device.worldType = row.getString("world_type");
        device.status = Device.Status.valueOf(row.getString("status"));
        device.hardware = bytes(row, "hardware");
        device.metadata = bytes(row, "metadata");
        device.labels = strings(row.getJsonObject("labels"));
        device.networks = row.getArrayOfStrings("networks");
        device.agentVersion = row.getString("agent_version");
        device.joinTokenId = row.getUUID("join_token_id");
        device.ephemeral = row.getBoolean("ephemeral");
        device.ephemeralGraceSeconds = row.getLong("ephemeral_grace_seconds");
        device.createdAt = instant(row, "created_at");
        device.updatedAt = instant(row, "updated_at");
        device.statusChangedAt = instant(row, "status_changed_at");
        device.lastSeen = instant(row, "last_seen");
        device.heartbeatSequence = row.getLong("heartbeat_sequence");
        device.version = row.getLong("version");
        device.heartbeatIntervalSeconds = row.getInteger("heartbeat_interval_seconds");
        device.inactiveAfterMissed = row.getInteger("inactive_after_missed");
        device.offlineAfterMissed = row.getInteger("offline_after_missed");
        // Only whether a machine claimed the record matters to readers, never the fingerprint itself.
        device.fingerprintSha256 = row.getBoolean("claimed") ? new byte[0] : null;
        return device;
    }

    private static byte[] bytes(Row row, String column) {
        var buffer = row.getBuffer(column);
        return buffer == null ? null : buffer.getBytes();
    }

    private static Instant instant(Row row, String column) {
        OffsetDateTime value = row.getOffsetDateTime(column);
        return value == null ? null : value.toInstant();
    }

    private static Map<String, String> strings(JsonObject json) {
        Map<String, String> map = new LinkedHashMap<>();
        if (json != null) {
            json.forEach(entry -> map.put(entry.getKey(), String.valueOf(entry.getValue())));
        }
        return map;
    }

    /** SQL text with numbered parameters, built in one pass. */
    private static final class Sql {
        private final StringBuilder text = new StringBuilder(256);
        private final List<Object> params = new ArrayList<>();

        Sql append(String part) {
            text.append(part);
            return this;
        }

        Sql bind(Object value) {
            params.add(value);
            text.append('$').append(params.size());
            return this;
        }

        String text() {
            return text.toString();
        }

        Tuple params() {
            return Tuple.from(params);
        }
    }
}
