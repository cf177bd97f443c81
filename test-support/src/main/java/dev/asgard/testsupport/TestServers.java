package dev.asgard.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

import dev.asgard.infra.EmbeddedPostgres;
import dev.asgard.infra.KafkaBroker;

/**
 * The real PostgreSQL and Kafka of this test JVM, for any test: Quarkus tests reach them through
 * {@link PostgresResource} and {@link KafkaResource}, plain JUnit tests call {@link #postgres()} and {@link #kafka()}.
 *
 * <p>Each server starts on first use and then serves every test class and every Quarkus test profile of the JVM
 * (also across Quarkus' class loaders, see {@link JvmShared}); it stops when the JVM exits, through the shutdown hook
 * of local-infra, or with the JVM itself if that is killed. Data lives in temporary directories that are deleted on
 * exit. Logs go to {@code target/asgard-test-servers/<server>-<pid>.log} when the tests run in a Maven module
 * (or to the directory named by the system property {@value #LOG_DIRECTORY_PROPERTY}), else into the temporary
 * directories.
 *
 * <p>This class is the one place that decides where the servers come from: a Docker-backed variant
 * (Testcontainers) would be chosen here, behind the same {@link PostgresServer} and {@link KafkaServer} views.
 */
public final class TestServers {

    /** System property: directory for the server logs. */
    public static final String LOG_DIRECTORY_PROPERTY = "asgard.test.log-dir";

    private static volatile PostgresServer postgres;
    private static volatile KafkaServer kafka;

    private TestServers() {
    }

    /** @return the PostgreSQL of this JVM, started on first call */
    public static PostgresServer postgres() {
        PostgresServer result = postgres;
        if (result == null) {
            String shared = JvmShared.computeIfAbsent("postgres", TestServers::startPostgres);
            int separator = shared.indexOf(':');
            result = new PostgresServer(Integer.parseInt(shared.substring(0, separator)),
                    shared.substring(separator + 1));
            postgres = result;
        }
        return result;
    }

    /** @return the Kafka broker of this JVM, started on first call */
    public static KafkaServer kafka() {
        KafkaServer result = kafka;
        if (result == null) {
            result = new KafkaServer(JvmShared.computeIfAbsent("kafka", TestServers::startKafka));
            kafka = result;
        }
        return result;
    }

    /**
     * Stops and starts the JVM's PostgreSQL (same port, same data), for outage tests; starts it first if needed.
     * Restore it in a {@code finally} block: every test class of the JVM shares it.
     *
     * @return its lifecycle
     */
    public static ServerLifecycle postgresLifecycle() {
        postgres();
        return ServerLifecycle.lookup("postgres");
    }

    /**
     * Stops and starts the JVM's Kafka broker (same port, same data), for outage tests; starts it first if
     * needed. Restore it in a {@code finally} block: every test class of the JVM shares it.
     *
     * @return its lifecycle
     */
    public static ServerLifecycle kafkaLifecycle() {
        kafka();
        return ServerLifecycle.lookup("kafka");
    }

    /**
     * Starts the JVM's PostgreSQL. The server object is not kept here: local-infra's shutdown hook references it,
     * which keeps it (and the pipe its watchdog depends on) alive until the JVM exits, even after Quarkus discards the
     * class loader that started it.
     *
     * @return {@code <port>:<password>}, published to every class loader
     */
    private static String startPostgres() {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        Path log = logFile("postgres");
        if (log != null) {
            builder.logFile(log);
        }
        EmbeddedPostgres server = builder.build().start();
        ServerLifecycle.register("postgres", new ServerLifecycle(server::stop, server::restart, server::isRunning));
        return server.port() + ":" + server.password();
    }

    /**
     * Starts the JVM's Kafka broker, kept alive like the PostgreSQL server.
     *
     * @return the bootstrap servers, published to every class loader
     */
    private static String startKafka() {
        KafkaBroker.Builder builder = KafkaBroker.builder();
        Path log = logFile("kafka");
        if (log != null) {
            builder.logFile(log);
        }
        KafkaBroker broker = builder.build().start();
        ServerLifecycle.register("kafka", new ServerLifecycle(broker::stop, broker::restart, broker::isRunning));
        return broker.bootstrapServers();
    }

    private static Path logFile(String server) {
        String configured = System.getProperty(LOG_DIRECTORY_PROPERTY, "");
        Path directory;
        if (!configured.isBlank()) {
            directory = Path.of(configured);
        } else if (Files.isDirectory(Path.of("target"))) {
            // Surefire runs in the module directory: the logs outlive the run next to the test reports.
            directory = Path.of("target", "asgard-test-servers");
        } else {
            return null;
        }
        return directory.toAbsolutePath().resolve(server + "-" + ProcessHandle.current().pid() + ".log");
    }
}
