package dev.asgard.infra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import dev.asgard.infra.kafka.KafkaBrokerMain;

/**
 * A real Apache Kafka broker (KRaft, combined broker and controller, single node) run in a child JVM from the Kafka
 * Maven artifacts, so that its Scala and server jars never meet the application's classpath. It listens on
 * 127.0.0.1 (PLAINTEXT), creates topics on first use, and runs its internal topics with replication factor 1.
 *
 * <p>With {@link Builder#dataDirectory(Path)} the log directories live in {@code <dataDirectory>/data} and survive
 * restarts: storage is formatted only when it is not yet, so topics, records, committed offsets and the cluster id
 * are kept. Without a data directory a temporary one is used and deleted on {@link #close()}.
 *
 * <p>The broker never outlives this JVM: {@link #close()} stops it, a shutdown hook stops it if nobody did, and its
 * main class ({@link KafkaBrokerMain}) exits when the pipe from this JVM closes, which also happens on SIGKILL.
 *
 * <pre>{@code
 * try (KafkaBroker kafka = KafkaBroker.builder().build().start()) {
 *     String bootstrap = kafka.bootstrapServers();
 * }
 * }</pre>
 */
public final class KafkaBroker implements AutoCloseable {

    private static final String HOST = EmbeddedPostgres.HOST;
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;
    private static final String MAIN_CLASS = KafkaBrokerMain.class.getName();

    private final Path dataDirectory;
    private final int requestedPort;
    private final int requestedControllerPort;
    private final Path requestedLogFile;

    private Path root;
    private boolean temporary;
    private Path logFile;
    private int port;
    private int controllerPort;
    private ChildProcess broker;
    private Thread shutdownHook;
    private boolean used;

    private KafkaBroker(Builder builder) {
        this.dataDirectory = builder.dataDirectory;
        this.requestedPort = builder.port;
        this.requestedControllerPort = builder.controllerPort;
        this.requestedLogFile = builder.logFile;
    }

    /** @return a builder with the defaults: temporary data, free ports */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the storage if needed, starts the broker JVM and blocks until the broker serves requests.
     *
     * @return this instance, started
     * @throws InfraException if it cannot start; the message ends with the broker's log
     * @throws IllegalStateException if this instance was already started
     */
    public synchronized KafkaBroker start() {
        if (used) {
            throw new IllegalStateException("A KafkaBroker starts once; build a new one to start again");
        }
        used = true;
        try {
            prepareDirectories();
            Path classes = installMainClass();
            List<Path> jars = KafkaBrokerClasspath.jars();
            launch(classes, jars, requestedPort, requestedControllerPort);
            shutdownHook = new Thread(this::closeQuietly, "asgard-kafka-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            return this;
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** @return {@code 127.0.0.1:<port>}, for {@code bootstrap.servers} */
    public synchronized String bootstrapServers() {
        requireStarted();
        return HOST + ":" + port;
    }

    /** @return the file that receives the broker's log */
    public synchronized Path logFile() {
        requireStarted();
        return logFile;
    }

    /**
     * Stops the broker (a clean shutdown, which flushes the logs) but keeps its data, also of a temporary instance,
     * and its ports, so that {@link #restart()} brings the same broker back, with its topics, records and offsets:
     * for outage tests. Does nothing when it is stopped already.
     *
     * @throws IllegalStateException if it was never started or is closed
     */
    public synchronized void stop() {
        if (!used || root == null) {
            throw new IllegalStateException("The Kafka broker was never started or is closed");
        }
        if (broker != null) {
            broker.stop(STOP_GRACE);
            broker = null;
        }
    }

    /**
     * Starts a broker stopped with {@link #stop()} again, on the same ports with the same data, and blocks until it
     * serves requests. Does nothing when it runs.
     *
     * @return this instance
     * @throws IllegalStateException if it was never started or is closed
     * @throws InfraException if it cannot start (for example because a port was taken meanwhile)
     */
    public synchronized KafkaBroker restart() {
        if (!used || root == null) {
            throw new IllegalStateException("The Kafka broker was never started or is closed");
        }
        if (broker == null) {
            launch(root.resolve("launcher"), KafkaBrokerClasspath.jars(), port, controllerPort);
        }
        return this;
    }

    /** @return whether the broker runs (started, and neither stopped nor closed) */
    public synchronized boolean isRunning() {
        return broker != null;
    }

    /**
     * Stops the broker (a clean shutdown, which flushes the logs), waits for its JVM to exit and, for a temporary
     * instance, deletes its directory. Does nothing when already closed.
     */
    @Override
    public synchronized void close() {
        try {
            if (broker != null) {
                broker.stop(STOP_GRACE);
                broker = null;
            }
        } finally {
            removeShutdownHook();
            if (temporary && root != null) {
                TempDirectories.deleteRecursively(root);
                root = null;
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "KafkaBroker[" + (broker == null ? "not running" : HOST + ":" + port) + ", data="
                + (temporary ? "temporary " : "") + root + "]";
    }

    private void prepareDirectories() {
        try {
            if (dataDirectory != null) {
                root = dataDirectory.toAbsolutePath();
                Files.createDirectories(root);
            } else {
                root = TempDirectories.create("kafka");
                temporary = true;
            }
            Files.createDirectories(root.resolve("data"));
            logFile = requestedLogFile != null ? requestedLogFile.toAbsolutePath() : root.resolve("kafka.log");
            Files.createDirectories(logFile.getParent());
            Files.writeString(root.resolve("log4j2.properties"), log4jConfiguration(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare " + root, e);
        }
    }

    /**
     * Copies {@link KafkaBrokerMain} out of local-infra into its own class folder for the broker classpath: reading
     * it as a resource works under any class loader (plain, Quarkus test, launcher), a code-source path does not.
     */
    private Path installMainClass() {
        String resource = MAIN_CLASS.replace('.', '/') + ".class";
        Path classes = root.resolve("launcher");
        Path target = classes.resolve(resource);
        try (InputStream in = KafkaBrokerClasspath.open(resource)) {
            Files.createDirectories(target.getParent());
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not copy " + resource + " to " + classes, e);
        }
    }

    private void launch(Path classes, List<Path> jars, int wantedPort, int wantedControllerPort) {
        for (int attempt = 1; ; attempt++) {
            int[] free = FreePorts.pick(2);
            port = wantedPort != 0 ? wantedPort : free[0];
            controllerPort = wantedControllerPort != 0 ? wantedControllerPort : free[1];
            Path config = writeServerProperties();
            String clusterId = existingClusterId();
            boolean format = clusterId == null;
            if (format) {
                clusterId = newClusterId();
            }
            List<String> command = command(classes, jars, config, format ? clusterId : null);
            broker = ChildProcess.start("kafka", command, root, logFile, Map.of());
            String failure = awaitReady(clusterId);
            if (failure == null) {
                return;
            }
            String log = broker.logSinceStart(30);
            broker.stop(Duration.ofSeconds(10));
            broker = null;
            // Only retry when every port was ours to choose: a fixed port that is taken stays taken.
            boolean automaticPorts = wantedPort == 0 && wantedControllerPort == 0;
            if (!(log.contains("Address already in use") && automaticPorts && attempt < PORT_ATTEMPTS)) {
                throw new InfraException(failure + ". From " + logFile + ":\n" + log);
            }
        }
    }

    /** @return the cluster id of formatted storage, or null when the storage is not formatted yet */
    private String existingClusterId() {
        Path meta = root.resolve("data").resolve("meta.properties");
        if (!Files.exists(meta)) {
            return null;
        }
        Properties properties = new Properties();
        try (InputStream in = Files.newInputStream(meta)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + meta, e);
        }
        String clusterId = properties.getProperty("cluster.id");
        if (clusterId == null || clusterId.isBlank()) {
            throw new InfraException(meta + " has no cluster.id: the Kafka storage in " + root + " is damaged");
        }
        return clusterId.trim();
    }

    private List<String> command(Path classes, List<Path> jars, Path config, String formatWithClusterId) {
        List<String> command = new ArrayList<>();
        // The same Java as this JVM: it satisfies the project's JDK 21+ and Kafka's 17+.
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(
                // A single-node development broker: small heap, few GC threads, quick start on small machines.
                "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:+ExitOnOutOfMemoryError",
                "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + root.resolve("log4j2.properties").toUri(),
                // Log4j's own shutdown hook would stop logging while Kafka's hook still reports its shutdown.
                "-Dlog4j2.shutdownHookEnabled=false"));
        if (Runtime.version().feature() >= 23) {
            // kafka-clients unmaps buffers through sun.misc.Unsafe; JDK 23+ warns about it on every start.
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-cp", classes + File.pathSeparator
                        + jars.stream().map(Path::toString).collect(Collectors.joining(File.pathSeparator)),
                MAIN_CLASS));
        if (formatWithClusterId != null) {
            command.addAll(List.of("--format", formatWithClusterId));
        }
        command.add(config.toString());
        return command;
    }

    private Path writeServerProperties() {
        String properties = String.join("\n",
                "# Written by local-infra at every start; edits are overwritten.",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@" + HOST + ":" + controllerPort,
                "listeners=PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort,
                "advertised.listeners=PLAINTEXT://" + HOST + ":" + port,
                "controller.listener.names=CONTROLLER",
                "inter.broker.listener.name=PLAINTEXT",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "log.dirs=" + root.resolve("data"),
                "auto.create.topics.enable=true",
                "num.partitions=1",
                "default.replication.factor=1",
                "min.insync.replicas=1",
                "offsets.topic.replication.factor=1",
                "offsets.topic.num.partitions=10",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "transaction.state.log.num.partitions=10",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                // Consumers in tests join a fresh group and should not wait 3 s for more members.
                "group.initial.rebalance.delay.ms=0",
                "num.network.threads=2",
                "num.io.threads=4",
                "num.recovery.threads.per.data.dir=1",
                "");
        Path file = root.resolve("server.properties");
        try {
            Files.writeString(file, properties, StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not write " + file, e);
        }
    }

    /**
     * Waits until the broker answers with our cluster id: another broker that already listens on the port (whose
     * cluster id differs) must not pass for ours while ours fails to bind.
     *
     * @return null when ready, else why not
     */
    private String awaitReady(String clusterId) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!broker.isAlive()) {
                return "The Kafka broker JVM exited during start-up";
            }
            String answered = KafkaProbe.readyClusterId(HOST, port, Duration.ofSeconds(2));
            if (clusterId.equals(answered)) {
                return null;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "Interrupted while waiting for the Kafka broker";
            }
        }
        return "The Kafka broker did not answer within " + START_TIMEOUT.toSeconds() + " s";
    }

    /**
     * A cluster id as Kafka makes them: 16 random bytes, URL-safe base64 without padding. Kafka avoids ids that
     * start with '-' because command lines would read them as options.
     */
    private static String newClusterId() {
        SecureRandom random = new SecureRandom();
        byte[] bytes = new byte[16];
        String id;
        do {
            random.nextBytes(bytes);
            id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        } while (id.startsWith("-"));
        return id;
    }

    /** Broker log to stdout (the log file): start-up, warnings and errors, without the per-request chatter. */
    private static String log4jConfiguration() {
        return String.join("\n",
                "status = warn",
                "appender.stdout.type = Console",
                "appender.stdout.name = STDOUT",
                "appender.stdout.layout.type = PatternLayout",
                "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.stdout.ref = STDOUT",
                // The full configuration dump (hundreds of lines per start) and request logs add nothing here.
                "logger.config.name = org.apache.kafka.common.config",
                "logger.config.level = WARN",
                "logger.request.name = kafka.request.logger",
                "logger.request.level = WARN",
                "logger.requestchannel.name = kafka.network.RequestChannel$",
                "logger.requestchannel.level = WARN",
                "");
    }

    private void requireStarted() {
        if (broker == null) {
            throw new IllegalStateException("The Kafka broker is not running: call start() first");
        }
    }

    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException e) {
            // Called on a failed start or from the shutdown hook: the original failure, or the exit, matters more.
        }
    }

    private void removeShutdownHook() {
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down; the hook runs or has run.
            }
        }
        shutdownHook = null;
    }

    /** Configures a {@link KafkaBroker}; every setting is optional. */
    public static final class Builder {

        private Path dataDirectory;
        private int port;
        private int controllerPort;
        private Path logFile;

        private Builder() {
        }

        /**
         * @param directory where the log directories live and persist across restarts; created if missing. Without
         *        it, a temporary directory is used and deleted on close.
         * @return this builder
         */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = directory;
            return this;
        }

        /**
         * @param port the client (PLAINTEXT) port on 127.0.0.1, or 0 (the default) for a free one
         * @return this builder
         */
        public Builder port(int port) {
            this.port = checkPort(port);
            return this;
        }

        /**
         * @param port the KRaft controller port on 127.0.0.1, or 0 (the default) for a free one
         * @return this builder
         */
        public Builder controllerPort(int port) {
            this.controllerPort = checkPort(port);
            return this;
        }

        /**
         * @param file where the broker's output is appended; default {@code kafka.log} in the data (or temporary)
         *        directory
         * @return this builder
         */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /** @return a configured, not yet started broker */
        public KafkaBroker build() {
            if (port != 0 && port == controllerPort) {
                throw new IllegalArgumentException("The client and controller ports must differ: " + port);
            }
            return new KafkaBroker(this);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("Not a TCP port: " + port);
            }
            return port;
        }
    }
}
