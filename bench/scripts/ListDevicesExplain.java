import java.sql.*;
import java.util.*;
import java.nio.charset.StandardCharsets;

/**
 * EXPLAIN ANALYZE of the ListDevices statements (as registry-service's DeviceQueryRepository builds them for the
 * bench's filters, caller in all 50 seeded networks) on the database a {@code registry --durable} run leaves in
 * its work directory. Not part of the build; run after the bench has stopped:
 *
 * <pre>
 * java -cp "bench/target/lib/*" bench/scripts/ListDevicesExplain.java bench/target/registry-run/postgres auto
 * </pre>
 *
 * The second argument is PostgreSQL's plan_cache_mode; every statement is prepared and executed 6 times before
 * it is explained, as the reactive client's prepared statements are.
 */
public class ListDevicesExplain {
    static String net(int n) { return UUID.nameUUIDFromBytes(("bench-network-" + n).getBytes(StandardCharsets.UTF_8)).toString(); }
    public static void main(String[] a) throws Exception {
        dev.asgard.infra.EmbeddedPostgres pg = dev.asgard.infra.EmbeddedPostgres.builder().dataDirectory(java.nio.file.Path.of(a[0])).build();
        pg.start();
        String url = pg.jdbcUrl("asgard"), pw = pg.password();
        String[] all = new String[50];
        for (int i = 0; i < 50; i++) all[i] = net(i);
        String cols = "d.id, d.name, d.world_type, d.status, d.hardware, d.metadata, d.labels, d.networks, d.agent_version, d.join_token_id, d.ephemeral, d.ephemeral_grace_seconds, d.created_at, d.updated_at, d.status_changed_at, d.last_seen, d.heartbeat_sequence, d.version, d.heartbeat_interval_seconds, d.inactive_after_missed, d.offline_after_missed, d.fingerprint_sha256 is not null as claimed";
        String base = "select " + cols + " from registry.device d where d.removed_at is null";
        String vis = " and d.networks && ?";
        String tail = " order by d.name, d.id limit 51";
        Map<String, String> q = new LinkedHashMap<>();
        q.put("none", base + vis + tail);
        q.put("network", base + " and d.networks @> ?" + vis + tail);
        q.put("status=ACTIVE", base + vis + " and d.status = any('{ACTIVE}')" + tail);
        q.put("world=CONTAINER", base + vis + " and d.world_type = any('{WORLD_TYPE_CONTAINER}')" + tail);
        q.put("capability", base + vis + " and exists (select 1 from registry.device_capability c where c.device_id = d.id and c.name = 'compute.gpu')" + tail);
        q.put("label zone", base + vis + " and d.labels @> '{\"zone\":\"zone-7\"}'::jsonb" + tail);
        q.put("label role in", base + vis + " and d.labels ->> 'role' = any('{gateway,sensor}')" + tail);
        q.put("combined", base + " and d.networks @> ?" + vis + " and d.status = any('{ACTIVE}') and exists (select 1 from registry.device_capability c where c.device_id = d.id and c.name = 'compute.gpu') and d.labels @> '{\"env\":\"prod\"}'::jsonb" + tail);
        q.put("none, no visibility", base + tail);
        q.put("combined, no visibility clause", base + " and d.networks @> ? and d.status = any('{ACTIVE}') and exists (select 1 from registry.device_capability c where c.device_id = d.id and c.name = 'compute.gpu') and d.labels @> '{\"env\":\"prod\"}'::jsonb" + tail);
        try (Connection c = DriverManager.getConnection(url, pg.username(), pw)) {
            if (a.length > 1) { try (Statement st = c.createStatement()) { st.execute("set plan_cache_mode = " + a[1]); } System.out.println("plan_cache_mode = " + a[1]); }
            // as the reactive client: server-side prepared statement, generic plans after 5 runs
            for (var e : q.entrySet()) {
                System.out.println("=== " + e.getKey());
                String sql = e.getValue(); int n = 0; StringBuilder types = new StringBuilder(); StringBuilder args = new StringBuilder();
                while (sql.contains("?")) { n++; sql = sql.replaceFirst("\\?", "\\$" + n); }
                java.util.List<String> vals = new java.util.ArrayList<>();
                if (e.getValue().contains("@> ?")) vals.add("'{" + net(7) + "}'");
                if (e.getValue().contains("&& ?")) vals.add("'{" + String.join(",", all) + "}'");
                String name = "q" + Math.abs(e.getKey().hashCode());
                try (Statement st = c.createStatement()) {
                    st.execute("prepare " + name + (n > 0 ? "(" + String.join(",", java.util.Collections.nCopies(n, "text[]")) + ")" : "") + " as " + sql);
                    for (int k = 0; k < 6; k++) st.execute("execute " + name + (n > 0 ? "(" + String.join(",", vals) + ")" : ""));
                    try (ResultSet rs = st.executeQuery("explain (analyze) execute " + name + (n > 0 ? "(" + String.join(",", vals) + ")" : ""))) {
                        while (rs.next()) { String l = rs.getString(1); System.out.println(l.length() > 160 ? l.substring(0, 160) + "..." : l); }
                    }
                }
            }
        }
        pg.close();
    }
}
