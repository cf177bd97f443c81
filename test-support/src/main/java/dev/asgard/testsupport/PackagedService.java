package dev.asgard.testsupport;

import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/**
 * A packaged Asgard service ({@code quarkus-run.jar}) as a child JVM on a free port, configured with system
 * properties, for integration tests that stop, kill or run several instances of a service. The JVM runs under a
 * tiny shell that {@code exec}s it (so {@link #pid()} is the JVM's own pid, and {@link #kill()} / {@link #stop()}
 * signal the JVM itself) after starting a watcher that SIGKILLs it when this test JVM's end of its standard input
 * closes, i.e. when the test JVM ends in any way: no orphans even if the test JVM is killed.
 */
public final class PackagedService implements AutoCloseable {

    /*
     * fd 3 keeps the pipe from the test JVM; the watcher subshell reads it (an asynchronous list gets /dev/null as
     * stdin, hence fd 3), the JVM gets /dev/null and does not inherit fd 3. "$$" is the shell's pid, which exec hands
     * over to the JVM.
     */
    private static final String SCRIPT = """
            exec 3<&0 </dev/null
            ( while read -r _ <&3; do :; done; kill -9 $$ 2>/dev/null ) &
            exec "$@" 3<&-
            """;

    private final String name;
    private final int port;
    private final Path log;
    private final Process process;
    private final OutputStream lifeline;
    private ManagedChannel channel;

    private PackagedService(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
        this.lifeline = process.getOutputStream();
    }

    /**
     * Starts an instance.
     *
     * @param name for logs and reports
     * @param jar the packaged application
     * @param properties its configuration, as system properties
     * @param logDirectory where its output goes ({@code <name>.log})
     * @return the started (not yet ready) instance
     * @throws IOException when the process cannot start
     */
    public static PackagedService start(String name, Path jar, Map<String, String> properties, Path logDirectory)
            throws IOException {
        return start(name, jar, freePort(), properties, logDirectory);
    }

    /**
     * Starts an instance on a given port (when its configuration must name its own address, such as a JWKS URL).
     *
     * @param name for logs and reports
     * @param jar the packaged application
     * @param port its HTTP (and gRPC) port, see {@link #freePort()}
     * @param properties its configuration, as system properties
     * @param logDirectory where its output goes ({@code <name>.log})
     * @return the started (not yet ready) instance
     * @throws IOException when the process cannot start
     */
    public static PackagedService start(String name, Path jar, int port, Map<String, String> properties,
            Path logDirectory) throws IOException {
        Files.createDirectories(logDirectory);
        Path log = logDirectory.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "asgard-" + name));
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // --add-opens: Quarkus' worker threads reset thread locals through it on JDK 24+ (see deploy's ServiceLauncher).
        command.addAll(List.of("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xms64m", "-Xmx320m",
                "-XX:+ExitOnOutOfMemoryError", "-XX:TieredStopAtLevel=1"));
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-Dquarkus.http.host=127.0.0.1");
        command.add("-Dquarkus.http.port=" + port);
        command.addAll(List.of("-jar", jar.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile())).start();
        return new PackagedService(name, port, log, process);
    }

    /**
     * The configuration every service needs to run against the test JVM's PostgreSQL and Kafka, with device tokens
     * of {@link DeviceTokens} and administrator tokens of {@link TestTokens}; plain-text logs.
     *
     * @param postgres the shared PostgreSQL
     * @param database the database (created when missing)
     * @param kafkaBootstrapServers the shared Kafka
     * @return properties to extend and pass to {@link #start}
     */
    public static Map<String, String> platformConfig(PostgresServer postgres, String database,
            String kafkaBootstrapServers) {
        postgres.createDatabaseIfMissing(database);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("quarkus.datasource.reactive.url", postgres.reactiveUrl(database));
        config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl(database));
        config.put("quarkus.datasource.username", postgres.username());
        config.put("quarkus.datasource.password", postgres.password());
        config.put("kafka.bootstrap.servers", kafkaBootstrapServers);
        // Device tokens of the test-support key; administrator tokens verified offline by the test public key.
        config.put("asgard.device-auth.jwks", DeviceTokens.jwks());
        config.put("asgard.device-auth.issuer", DeviceTokens.ISSUER);
        config.put("asgard.device-auth.audience", DeviceTokens.AUDIENCE);
        config.put("quarkus.oidc.auth-server-url", "");
        config.put("quarkus.oidc.public-key", TestTokens.publicKeyBase64());
        config.put("quarkus.oidc.token.issuer", TestTokens.ISSUER);
        config.put("quarkus.oidc.discovery-enabled", "false");
        config.put("quarkus.oidc.application-type", "service");
        config.put("quarkus.log.console.json.enabled", "false");
        config.put("%prod.quarkus.log.console.json.enabled", "false");
        return config;
    }

    /**
     * Waits until {@code /q/health/ready} answers 200; fails early if the JVM exits.
     *
     * @param timeout how long to wait
     * @throws Exception when it is not ready in time (with the log's tail)
     */
    public void awaitReady(Duration timeout) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before it was ready; log "
                        + log + ":\n" + tail());
            }
            try {
                HttpResponse<String> response = http.send(ready, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError(name + " not ready within " + timeout + " (" + last + "); log " + log + ":\n" + tail());
    }

    /** @return its name */
    public String name() {
        return name;
    }

    /** @return its HTTP (and gRPC) port */
    public int port() {
        return port;
    }

    /** @return {@code http://127.0.0.1:<port>} */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** @return a plaintext gRPC channel to it (one per instance, shared by callers) */
    public synchronized ManagedChannel channel() {
        if (channel == null) {
            channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        }
        return channel;
    }

    /** @return the JVM's pid */
    public long pid() {
        return process.pid();
    }

    /** @return whether it runs */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGKILLs the JVM ({@link Process#destroyForcibly()} on Linux) and waits for it.
     *
     * @return its exit status (137 = 128 + SIGKILL)
     * @throws InterruptedException when interrupted while waiting
     */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError(name + " (pid " + pid() + ") survived SIGKILL");
        }
        closeLifeline();
        return process.exitValue();
    }

    /**
     * Sends SIGTERM (a graceful stop: Quarkus runs its shutdown) and waits for the JVM to exit.
     *
     * @param timeout how long to wait
     * @return its exit status (0 after a clean shutdown, 143 = 128 + SIGTERM is common for JVMs too)
     * @throws InterruptedException when interrupted while waiting
     */
    public int stop(Duration timeout) throws InterruptedException {
        // Through the handle: Process.destroy() also closes the process' streams, and a closed lifeline makes the
        // watcher SIGKILL the JVM at once.
        process.toHandle().destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + " (pid " + pid() + ") did not stop within " + timeout + " after SIGTERM; "
                    + "log " + log + ":\n" + tail());
        }
        closeLifeline();
        return process.exitValue();
    }

    /** @return its log file */
    public Path log() {
        return log;
    }

    /** @return the last lines of its log */
    public String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeLifeline();
    }

    private void closeLifeline() {
        try {
            lifeline.close();
        } catch (IOException ignored) {
            // The watcher is gone already.
        }
    }

    /**
     * @return a port free right now on the loopback interface
     * @throws IOException when none can be had
     */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
