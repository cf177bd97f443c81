package dev.asgard.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
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
import io.grpc.ManagedChannelBuilder;

/**
 * Starts the three lock systems, one at a time (the machine is small: a system is stopped before the next one
 * starts): lock-service on real PostgreSQL and Kafka (local-infra) as a child JVM configured like the launcher
 * starts it, except that device tokens are verified against the bench's key and admin tokens against the bench's
 * admin key; {@code etcd} and {@code redis-server} from the PATH, each on free ports with a throwaway data
 * directory. Every child runs under the launcher's process guard, so nothing outlives the bench.
 */
final class LockPlatform {

    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private final Path workDir;
    private final PrintStream out;

    LockPlatform(Path workDir, PrintStream out) {
        this.workDir = workDir;
        this.out = out;
        createDirectories(workDir.resolve("logs"));
    }

    /** lock-service with its PostgreSQL and Kafka. */
    AsgardLocks asgard(Path jar, boolean durable, List<String> jvmOptions, DeviceTokenSigner signer) {
        long begin = System.nanoTime();
        EmbeddedPostgres.Builder pg = EmbeddedPostgres.builder().logFile(workDir.resolve("logs/postgres.log"));
        if (durable) {
            pg.dataDirectory(workDir.resolve("postgres"));
        }
        EmbeddedPostgres postgres = pg.build();
        KafkaBroker kafka = KafkaBroker.builder().logFile(workDir.resolve("logs/kafka.log")).build();
        try (ExecutorService starter = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture.allOf(CompletableFuture.runAsync(postgres::start, starter),
                    CompletableFuture.runAsync(kafka::start, starter)).join();
        }
        postgres.createDatabaseIfMissing(BenchPlatform.DATABASE);
        out.printf("  PostgreSQL %s (%s), Kafka %s ready after %.1f s%n", postgres.reactiveUrl(BenchPlatform.DATABASE),
                durable ? "durable: fsync and synchronous commit on" : "throwaway: fsync and synchronous_commit off",
                kafka.bootstrapServers(), (System.nanoTime() - begin) / 1e9);
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(ManagedProcess.javaExecutable().toString());
        command.addAll(jvmOptions);
        // Names the process for the CPU sampler whatever the jar's path (--lock-jar may point at a copy).
        command.add("-Dasgard.bench.process=lock-service");
        command.addAll(new AdminTokens().oidcSystemProperties());
        command.add("-Dasgard.device-auth.jwks=" + signer.jwks());
        command.add("-Dasgard.device-auth.issuer=" + DeviceTokenSigner.ISSUER);
        command.add("-Dasgard.device-auth.audience=" + DeviceTokenSigner.AUDIENCE);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        Map<String, String> env = new LinkedHashMap<>();
        env.put("QUARKUS_PROFILE", "prod");
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl(BenchPlatform.DATABASE));
        env.put("QUARKUS_DATASOURCE_REACTIVE_URL", postgres.reactiveUrl(BenchPlatform.DATABASE));
        env.put("QUARKUS_DATASOURCE_USERNAME", postgres.username());
        env.put("QUARKUS_DATASOURCE_PASSWORD", postgres.password());
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        env.put("_PROD_QUARKUS_LOG_CONSOLE_JSON_ENABLED", "false");
        ManagedProcess service = ManagedProcess.start("lock-service", command, env, workDir,
                workDir.resolve("logs/lock-service.log"), Duration.ofSeconds(15));
        Runnable stop = () -> {
            service.stop();
            kafka.close();
            postgres.close();
        };
        try {
            new ReadinessWaiter().awaitAll(List.of(new ReadinessWaiter.Target(service,
                    "http://127.0.0.1:" + port + "/q/health/ready", true)), READY_TIMEOUT, line -> out.println("  " + line));
        } catch (RuntimeException e) {
            stop.run();
            throw e;
        }
        return new AsgardLocks(ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(), signer, stop);
    }

    /** A single-member etcd with default settings (its WAL is fsynced on every commit). */
    EtcdLocks etcd() throws Exception {
        int client = freePort();
        int peer = freePort();
        Path data = workDir.resolve("etcd-data");
        String peerUrl = "http://127.0.0.1:" + peer;
        ManagedProcess etcd = ManagedProcess.start("etcd", List.of("etcd", "--name", "bench", "--data-dir",
                data.toString(), "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls",
                "http://127.0.0.1:" + client, "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl,
                "--initial-cluster", "bench=" + peerUrl), Map.of(), workDir, workDir.resolve("logs/etcd.log"),
                Duration.ofSeconds(10));
        awaitPort(etcd, client);
        out.println("  etcd ready on 127.0.0.1:" + client + " (data " + data + ")");
        return new EtcdLocks("http://127.0.0.1:" + client, etcd::stop);
    }

    /** redis-server without persistence (no RDB snapshots, no AOF). */
    RedisLocks redis(int clients) throws Exception {
        int port = freePort();
        ManagedProcess redis = ManagedProcess.start("redis", List.of("redis-server", "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workDir.toString()), Map.of(),
                workDir, workDir.resolve("logs/redis.log"), Duration.ofSeconds(10));
        awaitPort(redis, port);
        out.println("  redis-server ready on 127.0.0.1:" + port + " (no persistence)");
        return new RedisLocks(port, clients, redis::stop);
    }

    private static void awaitPort(ManagedProcess process, int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(process.name() + " exited; see " + process.logFile());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        process.stop();
        throw new IllegalStateException(process.name() + " not listening on " + port + "; see " + process.logFile());
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
