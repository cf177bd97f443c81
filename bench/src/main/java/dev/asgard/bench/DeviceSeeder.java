package dev.asgard.bench;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;

import org.postgresql.copy.CopyManager;
import org.postgresql.core.BaseConnection;

import dev.asgard.infra.EmbeddedPostgres;

/**
 * Fills the registry schema with devices directly (COPY), far faster than enrolling them: the list benchmark
 * needs 100 000 rows, and enrolment costs an Argon2id hash each. The rows are varied so that every filter has
 * something to select: world types, statuses, labels ({@code zone}, {@code role}, {@code env}), one to three of
 * {@value #NETWORKS} networks, one to three of {@link #CAPABILITIES}, names {@code fleet-000000} onwards.
 *
 * <p>Rows get no {@code last_seen} unless offline: the leader's status sweeper ignores devices never seen, so it
 * does not start turning 100 000 rows over in the middle of the measurement.
 */
final class DeviceSeeder {

    static final int NETWORKS = 50;
    static final List<String> CAPABILITIES = List.of("storage.nfs", "storage.s3", "compute.gpu", "compute.cpu",
            "net.relay", "net.dns", "backup.restic", "media.transcode", "sensor.temperature", "home.zigbee",
            "db.postgres", "ml.inference");
    static final List<String> ROLES = List.of("edge", "storage", "compute", "gateway", "sensor");
    static final List<String> ENVS = List.of("prod", "staging", "lab");
    static final int ZONES = 20;
    private static final int CHUNK = 10_000;

    /** @return the id of network {@code n}, as the seeded rows carry it */
    static String network(int n) {
        return UUID.nameUUIDFromBytes(("bench-network-" + n).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** @return the name of seeded device {@code i} */
    static String name(int i) {
        return "fleet-%06d".formatted(i);
    }

    /**
     * @param postgres the server
     * @param count how many devices
     * @param seed the random seed (the same seed gives the same fleet)
     */
    static void seed(EmbeddedPostgres postgres, int count, long seed) throws SQLException, IOException {
        Random random = new Random(seed);
        Instant now = Instant.now();
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(BenchPlatform.DATABASE),
                postgres.username(), postgres.password())) {
            connection.setAutoCommit(false);
            CopyManager copy = connection.unwrap(BaseConnection.class).getCopyAPI();
            for (int from = 0; from < count; from += CHUNK) {
                StringBuilder devices = new StringBuilder();
                StringBuilder capabilities = new StringBuilder();
                for (int i = from; i < Math.min(count, from + CHUNK); i++) {
                    row(i, random, now, devices, capabilities);
                }
                copy.copyIn("COPY registry.device (id, name, world_type, status, fingerprint_sha256, labels, networks,"
                        + " agent_version, ephemeral, created_at, updated_at, status_changed_at, last_seen,"
                        + " heartbeat_sequence, version) FROM STDIN", new StringReader(devices.toString()));
                copy.copyIn("COPY registry.device_capability (device_id, name, version) FROM STDIN",
                        new StringReader(capabilities.toString()));
            }
            connection.commit();
            connection.setAutoCommit(true);
            try (Statement analyze = connection.createStatement()) {
                analyze.execute("ANALYZE registry.device");
                analyze.execute("ANALYZE registry.device_capability");
            }
        }
    }

    /**
     * Makes a device a member of every seeded network. ListDevices shows only devices that share a network with
     * the caller (the {@code networks} claim of its device token, taken from its row at credential exchange), so
     * an enrolled device without networks would see empty pages; with all of them it sees the whole fleet.
     *
     * @param postgres the server
     * @param deviceId the caller's device id
     */
    static void joinAllNetworks(EmbeddedPostgres postgres, String deviceId) throws SQLException {
        String[] all = new String[NETWORKS];
        for (int n = 0; n < NETWORKS; n++) {
            all[n] = network(n);
        }
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(BenchPlatform.DATABASE),
                postgres.username(), postgres.password());
                PreparedStatement update = connection.prepareStatement(
                        "UPDATE registry.device SET networks = ? WHERE id = ?::uuid")) {
            update.setArray(1, connection.createArrayOf("text", all));
            update.setString(2, deviceId);
            if (update.executeUpdate() != 1) {
                throw new IllegalStateException("No device " + deviceId + " to add to the networks");
            }
        }
    }

    private static void row(int i, Random random, Instant now, StringBuilder devices, StringBuilder capabilities) {
        UUID id = new UUID(random.nextLong(), random.nextLong());
        String name = name(i);
        String status = pick(random, new String[] {"ACTIVE", "INACTIVE", "OFFLINE", "PENDING", "REVOKED"},
                new int[] {70, 10, 15, 3, 2});
        String worldType = pick(random, new String[] {"WORLD_TYPE_PHYSICAL", "WORLD_TYPE_VIRTUAL_MACHINE",
                "WORLD_TYPE_CONTAINER", "WORLD_TYPE_CLOUD_INSTANCE", "WORLD_TYPE_SIMULATED"},
                new int[] {40, 25, 25, 8, 2});
        String labels = "{\"zone\": \"zone-%d\", \"role\": \"%s\", \"env\": \"%s\"}".formatted(random.nextInt(ZONES),
                ROLES.get(random.nextInt(ROLES.size())), ENVS.get(random.nextInt(ENVS.size())));
        int networkCount = 1 + random.nextInt(3);
        StringBuilder networks = new StringBuilder("{");
        int firstNetwork = random.nextInt(NETWORKS);
        for (int n = 0; n < networkCount; n++) {
            networks.append(n == 0 ? "" : ",").append(network((firstNetwork + n * 7) % NETWORKS));
        }
        networks.append('}');
        Instant created = now.minusSeconds(60L + random.nextInt(90 * 24 * 3600));
        String lastSeen = status.equals("OFFLINE") ? created.plusSeconds(3600).toString() : "\\N";
        devices.append(id).append('\t').append(name).append('\t').append(worldType).append('\t').append(status)
                .append('\t').append("\\\\x").append(HexFormat.of().formatHex(sha256(name))).append('\t')
                .append(labels).append('\t').append(networks).append('\t')
                .append("1.").append(random.nextInt(5)).append('.').append(random.nextInt(10)).append('\t')
                .append("false\t").append(created).append('\t').append(created).append('\t').append(created)
                .append('\t').append(lastSeen).append("\t0\t0\n");
        int capabilityCount = 1 + random.nextInt(3);
        int firstCapability = random.nextInt(CAPABILITIES.size());
        for (int c = 0; c < capabilityCount; c++) {
            capabilities.append(id).append('\t').append(CAPABILITIES.get((firstCapability + c * 5) % CAPABILITIES.size()))
                    .append('\t').append("1.").append(c).append(".0\n");
        }
    }

    private static String pick(Random random, String[] values, int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int roll = random.nextInt(total);
        for (int k = 0; k < values.length; k++) {
            roll -= weights[k];
            if (roll < 0) {
                return values[k];
            }
        }
        return values[values.length - 1];
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
    }
}
