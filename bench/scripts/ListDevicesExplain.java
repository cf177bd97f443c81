import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the ListDevices statements as registry-service's DeviceQueryRepository builds them
 * for the bench's filters (caller in all 50 seeded networks, first page of 50, so LIMIT 51), on the database a
 * {@code registry --durable} run leaves in its work directory. Not part of the build; run after the bench stopped:
 *
 * <pre>
 * java -cp "bench/target/lib/*" bench/scripts/ListDevicesExplain.java bench/target/registry-run/postgres auto [filter]
 * </pre>
 *
 * The second argument is PostgreSQL's plan_cache_mode (auto, force_generic_plan, force_custom_plan); every
 * statement is prepared with typed parameters, as the reactive client sends them, and executed 6 times before it is
 * explained (auto switches to the generic plan then if it is not costlier). The optional third argument runs only
 * the filters whose name contains it.
 */
public class ListDevicesExplain {

    static String net(int n) {
        return UUID.nameUUIDFromBytes(("bench-network-" + n).getBytes(StandardCharsets.UTF_8)).toString();
    }

    record Query(String sql, List<String> types, List<String> values) {
    }

    public static void main(String[] a) throws Exception {
        dev.asgard.infra.EmbeddedPostgres pg = dev.asgard.infra.EmbeddedPostgres.builder()
                .dataDirectory(java.nio.file.Path.of(a[0])).build();
        pg.start();
        String[] all = new String[50];
        for (int i = 0; i < 50; i++) {
            all[i] = net(i);
        }
        String visible = "'{" + String.join(",", all) + "}'";
        String network = "'{" + net(7) + "}'";
        String cols = "d.id, d.name, d.world_type, d.status, d.hardware, d.metadata, d.labels, d.networks,"
                + " d.agent_version, d.join_token_id, d.ephemeral, d.ephemeral_grace_seconds, d.created_at, d.updated_at,"
                + " d.status_changed_at, d.last_seen, d.heartbeat_sequence, d.version, d.heartbeat_interval_seconds,"
                + " d.inactive_after_missed, d.offline_after_missed, d.fingerprint_sha256 is not null as claimed";
        String base = "select " + cols + " from registry.device d where d.removed_at is null";
        String capability = " and exists (select 1 from registry.device_capability c where c.device_id = d.id"
                + " and c.name = $C)";
        Map<String, Query> q = new LinkedHashMap<>();
        q.put("none", query(base + " and d.networks && $V", visible, network));
        q.put("network", query(base + " and d.networks @> $N", visible, network));
        q.put("status=ACTIVE", query(base + " and d.networks && $V and d.status = any($S)", visible, network));
        q.put("status=REVOKED", query(base + " and d.networks && $V and d.status = any($R)", visible, network));
        q.put("world=CONTAINER", query(base + " and d.networks && $V and d.world_type = any($W)", visible, network));
        q.put("capability", query(base + " and d.networks && $V" + capability, visible, network));
        // With a GIN-able label test the repository keeps the overlap out of the index condition (since run 6).
        q.put("label zone=zone-7", query(base + " and (d.networks && $V) is true and d.labels @> $Z", visible, network));
        q.put("label zone=zone-7, overlap indexable (before run 6)", query(base + " and d.networks && $V"
                + " and d.labels @> $Z", visible, network));
        q.put("label role in", query(base + " and d.networks && $V and d.labels ->> $K = any($I)", visible, network));
        q.put("name prefix", query(base + " and d.networks && $V and d.name like $P", visible, network));
        // With a network filter the repository tests equality labels per key (->>); before run 6 it used @>.
        q.put("combined", query(base + " and d.networks @> $N and d.status = any($S)" + capability
                + " and d.labels ->> $X = $Y", visible, network));
        q.put("combined, labels by @> (before run 6)", query(base + " and d.networks @> $N and d.status = any($S)"
                + capability + " and d.labels @> $E", visible, network));
        q.put("combined, labels by ->>, capability in", query(base + " and d.networks @> $N and d.status = any($S)"
                + " and d.id in (select c.device_id from registry.device_capability c where c.name = $C)"
                + " and d.labels ->> $X = $Y", visible, network));
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl("asgard"), pg.username(), pg.password())) {
            try (Statement st = c.createStatement()) {
                st.execute("set plan_cache_mode = " + a[1]);
            }
            System.out.println("plan_cache_mode = " + a[1]);
            for (var e : q.entrySet()) {
                if (a.length > 2 && !e.getKey().contains(a[2])) {
                    continue;
                }
                System.out.println("=== " + e.getKey());
                Query query = e.getValue();
                String name = "q" + Math.abs(e.getKey().hashCode());
                String args = "(" + String.join(",", query.values()) + ")";
                try (Statement st = c.createStatement()) {
                    st.execute("prepare " + name + "(" + String.join(",", query.types()) + ") as " + query.sql());
                    for (int k = 0; k < 6; k++) {
                        st.execute("execute " + name + args);
                    }
                    try (ResultSet rs = st.executeQuery("explain (analyze, buffers) execute " + name + args)) {
                        while (rs.next()) {
                            String l = rs.getString(1);
                            System.out.println(l.length() > 170 ? l.substring(0, 170) + "..." : l);
                        }
                    }
                    st.execute("deallocate " + name);
                }
            }
        }
        pg.close();
    }

    /** Numbers the named placeholders in order of appearance and binds the bench's values to them. */
    static Query query(String where, String visible, String network) {
        Map<String, String[]> params = new LinkedHashMap<>();
        params.put("$V", new String[] {"text[]", visible});
        params.put("$N", new String[] {"text[]", network});
        params.put("$S", new String[] {"text[]", "'{ACTIVE}'"});
        params.put("$R", new String[] {"text[]", "'{REVOKED}'"});
        params.put("$W", new String[] {"text[]", "'{WORLD_TYPE_CONTAINER}'"});
        params.put("$C", new String[] {"text", "'compute.gpu'"});
        params.put("$Z", new String[] {"jsonb", "'{\"zone\":\"zone-7\"}'"});
        params.put("$K", new String[] {"text", "'role'"});
        params.put("$I", new String[] {"text[]", "'{gateway,sensor}'"});
        params.put("$P", new String[] {"text", "'fleet-0420%'"});
        params.put("$X", new String[] {"text", "'env'"});
        params.put("$Y", new String[] {"text", "'prod'"});
        params.put("$E", new String[] {"jsonb", "'{\"env\":\"prod\"}'"});
        String sql = where + " order by d.name, d.id limit $L";
        params.put("$L", new String[] {"int", "51"});
        // Placeholders are $ and one letter: number them in order of appearance.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$[A-Z]").matcher(sql);
        StringBuilder numbered = new StringBuilder();
        List<String> types = new ArrayList<>();
        List<String> values = new ArrayList<>();
        while (m.find()) {
            String[] tv = params.get(m.group());
            types.add(tv[0]);
            values.add(tv[1]);
            m.appendReplacement(numbered, "\\$" + types.size());
        }
        m.appendTail(numbered);
        return new Query(numbered.toString(), types, values);
    }
}
