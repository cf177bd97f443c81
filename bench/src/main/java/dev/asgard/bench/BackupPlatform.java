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
 * What the backup benchmark runs against: a real PostgreSQL and a real Kafka broker (local-infra) and the packaged
 * backup-agent as a child JVM configured the way the launcher configures it ({@code deploy}'s ServiceLauncher),
 * except that admin tokens are verified with the bench's own public key instead of Keycloak, the secrets key is
 * generated under the work directory and restic's cache folder is the one the bench's bare restic runs use too.
 * {@link #close()} stops all of it; every child is guarded, so nothing outlives the bench even when it is killed.
 */
final class BackupPlatform implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

    private final PrintStream out;
    private EmbeddedPostgres postgres;
    private KafkaBroker kafka;
    private ManagedProcess agent;
    private int port;

    BackupPlatform(PrintStream out) {
        this.out = out;
    }

    /**
     * @param agentJar the packaged agent ({@code backup-agent/target/quarkus-app/quarkus-run.jar})
     * @param workDir logs and the agent's secrets key live here
     * @param restic the restic binary ({@code asgard.backup.restic.binary})
     * @param cacheDir restic's cache folder ({@code asgard.backup.restic.cache-dir})
     * @param jvmOptions the agent JVM's options
     * @param admin the key that signs admin tokens
     * @return this, with everything ready
     */
    BackupPlatform start(Path agentJar, Path workDir, String restic, Path cacheDir, List<String> jvmOptions, AdminTokens admin) {
        long begin = System.nanoTime();
        createDirectories(workDir.resolve("logs"));
        EmbeddedPostgres pg = EmbeddedPostgres.builder().logFile(workDir.resolve("logs/postgres.log")).build();
        KafkaBroker broker = KafkaBroker.builder().logFile(workDir.resolve("logs/kafka.log")).build();
        postgres = pg;
        kafka = broker;
        try (ExecutorService starter = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture.allOf(CompletableFuture.runAsync(pg::start, starter),
                    CompletableFuture.runAsync(broker::start, starter)).join();
        }
        postgres.createDatabaseIfMissing(BenchPlatform.DATABASE);
        out.printf("  PostgreSQL %s (throwaway: fsync and synchronous_commit off), Kafka %s ready after %.1f s%n",
                postgres.reactiveUrl(BenchPlatform.DATABASE), kafka.bootstrapServers(), (System.nanoTime() - begin) / 1e9);

        port = freePort();
        List<String> command = new ArrayList<>();
        command.add(ManagedProcess.javaExecutable().toString());
        command.addAll(jvmOptions);
        command.addAll(admin.oidcSystemProperties());
        command.add("-jar");
        command.add(agentJar.toAbsolutePath().toString());
        agent = ManagedProcess.start("backup-agent", command, environment(workDir, restic, cacheDir), workDir,
                workDir.resolve("logs/backup-agent.log"), Duration.ofSeconds(30));
        new ReadinessWaiter().awaitAll(
                List.of(new ReadinessWaiter.Target(agent, httpUrl() + "/q/health/ready", true)),
                READY_TIMEOUT, line -> out.println("  " + line));
        return this;
    }

    /** The agent's environment: as the launcher sets it, on a free port. */
    private Map<String, String> environment(Path workDir, String restic, Path cacheDir) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_PROFILE", "prod");
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(BenchPlatform.DATABASE));
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", postgres.reactiveUrl(BenchPlatform.DATABASE));
        env.put("QUARKUS_DATASOURCE_USERNAME", postgres.username());
        env.put("QUARKUS_DATASOURCE_PASSWORD", postgres.password());
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("ASGARD_BACKUP_SECRETS_GENERATED_KEY_FILE", workDir.resolve("backup-secrets.key").toString());
        env.put("ASGARD_BACKUP_RESTIC_BINARY", restic);
        env.put("ASGARD_BACKUP_RESTIC_CACHE_DIR", cacheDir.toString());
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.put("_PROD_QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        return env;
    }

    String httpUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** @return the agent JVM (the guard's child), for its CPU time */
    ProcessHandle agentProcess() {
        return agent.handle().children().findFirst().orElse(agent.handle());
    }

    Path agentLog() {
        return agent.logFile();
    }

    @Override
    public void close() {
        if (agent != null) {
            agent.stop();
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
