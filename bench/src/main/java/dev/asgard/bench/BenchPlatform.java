package dev.asgard.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import dev.asgard.deploy.ReadinessWaiter;
import dev.asgard.deploy.process.ManagedProcess;
import dev.asgard.infra.EmbeddedPostgres;
import dev.asgard.infra.KafkaBroker;

/**
 * What a registry benchmark runs against: a real PostgreSQL and a real Kafka broker (local-infra, as the launcher
 * and the tests start them) and the packaged registry-service as a child JVM configured the way the launcher
 * configures it ({@code deploy}'s ServiceLauncher), except that admin tokens are verified with the bench's own
 * public key instead of Keycloak. {@link #close()} stops all of it; every child is guarded, so nothing outlives
 * the bench even when it is killed.
 */
final class BenchPlatform implements AutoCloseable {

    static final String DATABASE = "asgard";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final PrintStream out;
    private EmbeddedPostgres postgres;
    private KafkaBroker kafka;
    private ManagedProcess registry;
    private int port;

    BenchPlatform(PrintStream out) {
        this.out = out;
    }

    /**
     * @param registryJar the packaged registry ({@code registry-service/target/quarkus-app/quarkus-run.jar})
     * @param workDir logs, the registry's master key and (with {@code durable}) the database live here
     * @param durable PostgreSQL with fsync and synchronous commit, as in production; else throwaway settings
     * @param jvmOptions the registry JVM's options (heap and the like)
     * @param admin the key that signs admin tokens
     * @return this, with everything ready
     */
    BenchPlatform start(Path registryJar, Path workDir, boolean durable, List<String> jvmOptions, AdminTokens admin) {
        long begin = System.nanoTime();
        createDirectories(workDir.resolve("logs"));
        EmbeddedPostgres.Builder pg = EmbeddedPostgres.builder().logFile(workDir.resolve("logs/postgres.log"));
        if (durable) {
            pg.dataDirectory(workDir.resolve("postgres"));
        }
        EmbeddedPostgres pgServer = pg.build();
        KafkaBroker broker = KafkaBroker.builder().logFile(workDir.resolve("logs/kafka.log")).build();
        postgres = pgServer;
        kafka = broker;
        try (ExecutorService starter = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture.allOf(
                    CompletableFuture.runAsync(pgServer::start, starter),
                    CompletableFuture.runAsync(broker::start, starter)).join();
        }
        postgres.createDatabaseIfMissing(DATABASE);
        out.printf("  PostgreSQL %s (%s), Kafka %s ready after %.1f s%n", postgres.reactiveUrl(DATABASE),
                durable ? "durable: fsync on" : "throwaway: fsync and synchronous_commit off",
                kafka.bootstrapServers(), (System.nanoTime() - begin) / 1e9);

        port = freePort();
        List<String> command = new ArrayList<>();
        command.add(ManagedProcess.javaExecutable().toString());
        command.addAll(jvmOptions);
        command.addAll(admin.oidcSystemProperties());
        command.add("-jar");
        command.add(registryJar.toAbsolutePath().toString());
        registry = ManagedProcess.start("registry-service", command, environment(workDir), workDir,
                workDir.resolve("logs/registry-service.log"), Duration.ofSeconds(15));
        new ReadinessWaiter().awaitAll(
                List.of(new ReadinessWaiter.Target(registry, httpUrl() + "/q/health/ready", true)),
                READY_TIMEOUT, line -> out.println("  " + line));
        return this;
    }

    /** The registry's environment: as the launcher sets it, on a free port, with its JWKS on that port. */
    private Map<String, String> environment(Path workDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_PROFILE", "prod");
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(DATABASE));
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", postgres.reactiveUrl(DATABASE));
        env.put("QUARKUS_DATASOURCE_USERNAME", postgres.username());
        env.put("QUARKUS_DATASOURCE_PASSWORD", postgres.password());
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("ASGARD_DEVICE_AUTH_JWKS_URL", httpUrl() + "/.well-known/jwks.json");
        env.put("ASGARD_REGISTRY_SIGNING_KEYS_GENERATED_MASTER_KEY_FILE",
                workDir.resolve("registry-master.key").toString());
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.put("_PROD_QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        // Every bench device enrols and exchanges from the one client address of the bench: with the per-address
        // limits of production (20 enrolments a minute) the enrol scenario would measure the limiter, not the work.
        env.put("ASGARD_REGISTRY_RATE_LIMITS_ENABLED", "false");
        return env;
    }

    String httpUrl() {
        return "http://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    EmbeddedPostgres postgres() {
        return postgres;
    }

    /** @return the registry JVM (the guard's child), for its CPU time */
    ProcessHandle registryProcess() {
        return registry.handle().children().findFirst().orElse(registry.handle());
    }

    Path registryLog() {
        return registry.logFile();
    }

    @Override
    public void close() {
        if (registry != null) {
            registry.stop();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port", e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create " + dir, e);
        }
    }
}
