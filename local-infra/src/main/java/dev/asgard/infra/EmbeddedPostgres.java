package dev.asgard.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server (the zonky binaries from Maven, PostgreSQL 17) run as a child process of this JVM:
 * listening on 127.0.0.1 only, with password (SCRAM-SHA-256) authentication for the superuser {@code postgres} and
 * no Unix socket.
 *
 * <p>With {@link Builder#dataDirectory(Path)} the cluster lives in {@code <dataDirectory>/pgdata} and survives
 * restarts ({@code initdb} runs only when there is no cluster yet); the superuser password is kept beside it in
 * {@code <dataDirectory>/superuser.password} (mode 0600) so a restart without {@link Builder#password(String)} can
 * log in again, and a restart with a different password changes it. Without a data directory everything lives in a
 * temporary directory, with durability switched off for speed, and is deleted on {@link #close()}.
 *
 * <p>The server never outlives this JVM: {@link #close()} stops it, a shutdown hook stops it if nobody did, and a
 * watchdog shell stops it when this JVM dies without running hooks (SIGKILL, crash). When the JVM runs as root,
 * PostgreSQL (which refuses root) runs as the user {@code nobody}.
 *
 * <pre>{@code
 * try (EmbeddedPostgres pg = EmbeddedPostgres.builder().build().start()) {
 *     pg.createDatabaseIfMissing("asgard");
 *     String url = pg.jdbcUrl("asgard");
 * }
 * }</pre>
 */
public final class EmbeddedPostgres implements AutoCloseable {

    static final String HOST = "127.0.0.1";
    private static final String SUPERUSER = "postgres";
    private static final String PASSWORD_FILE = "superuser.password";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,62}");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;

    private final Path dataDirectory;
    private final int requestedPort;
    private final Path requestedLogFile;
    private final String requestedPassword;

    private Path root;
    private boolean temporary;
    private Path logFile;
    private String password;
    private int port;
    private ChildProcess server;
    private Thread shutdownHook;
    private boolean used;

    private EmbeddedPostgres(Builder builder) {
        this.dataDirectory = builder.dataDirectory;
        this.requestedPort = builder.port;
        this.requestedLogFile = builder.logFile;
        this.requestedPassword = builder.password;
    }

    /** @return a builder with the defaults: temporary data, a free port, a generated password */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Prepares the data directory (running {@code initdb} if it holds no cluster yet), starts PostgreSQL and blocks
     * until it accepts password-authenticated connections.
     *
     * @return this instance, started
     * @throws InfraException if it cannot start; the message ends with the server's log
     * @throws IllegalStateException if this instance was already started
     */
    public synchronized EmbeddedPostgres start() {
        if (used) {
            throw new IllegalStateException("An EmbeddedPostgres starts once; build a new one to start again");
        }
        used = true;
        try {
            prepareDirectories();
            PostgresRunAs runAs = PostgresRunAs.current(root);
            Path pgdata = root.resolve("pgdata");
            Path passwordFile = root.resolve(PASSWORD_FILE);
            boolean rotatePassword = preparePassword(pgdata, passwordFile);
            runAs.takeOwnership(root);
            if (!Files.exists(pgdata.resolve("PG_VERSION"))) {
                initdb(runAs, pgdata, passwordFile);
            }
            checkVersion(pgdata);
            launch(runAs, pgdata, requestedPort);
            if (rotatePassword) {
                changePassword(passwordFile);
            }
            shutdownHook = new Thread(this::closeQuietly, "asgard-postgres-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
            return this;
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** @return always {@code 127.0.0.1}: the server listens on the loopback interface only */
    public String host() {
        return HOST;
    }

    /** @return the port the server listens on (the chosen free port when the builder asked for 0) */
    public synchronized int port() {
        requireStarted();
        return port;
    }

    /** @return the superuser name, {@code postgres} */
    public String username() {
        return SUPERUSER;
    }

    /** @return the superuser password (the builder's, the stored one of an existing data directory, or generated) */
    public synchronized String password() {
        requireStarted();
        return password;
    }

    /** @return the file that receives the server's output */
    public synchronized Path logFile() {
        requireStarted();
        return logFile;
    }

    /**
     * @param database a database name (letters, digits, {@code _} and {@code -})
     * @return {@code jdbc:postgresql://127.0.0.1:<port>/<database>}
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port() + "/" + checkName(database);
    }

    /**
     * @param database a database name (letters, digits, {@code _} and {@code -})
     * @return {@code postgresql://127.0.0.1:<port>/<database>}, the form of {@code quarkus.datasource.reactive.url}
     */
    public String reactiveUrl(String database) {
        return "postgresql://" + HOST + ":" + port() + "/" + checkName(database);
    }

    /**
     * Creates the database unless it exists. Safe to call concurrently for the same name.
     *
     * @param database a database name (letters, digits, {@code _} and {@code -})
     */
    public void createDatabaseIfMissing(String database) {
        checkName(database);
        try (Connection connection = connect(password())) {
            try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, database);
                try (ResultSet rows = exists.executeQuery()) {
                    if (rows.next()) {
                        return;
                    }
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE " + quoteIdentifier(database));
            }
        } catch (SQLException e) {
            // 42P04 duplicate_database, 23505 unique_violation: a concurrent caller created it between check and create.
            if (!"42P04".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) {
                throw new InfraException("Could not create database " + database + ": " + e.getMessage(), e);
            }
        }
    }

    /**
     * Stops PostgreSQL (fast shutdown: open sessions are ended, data is flushed) but keeps its data, also of a
     * temporary instance, its port and its password, so that {@link #restart()} brings the same server back: for
     * outage tests. Does nothing when it is stopped already.
     *
     * @throws IllegalStateException if it was never started or is closed
     */
    public synchronized void stop() {
        if (!used || root == null) {
            throw new IllegalStateException("PostgreSQL was never started or is closed");
        }
        if (server != null) {
            server.stop(STOP_GRACE);
            server = null;
        }
    }

    /**
     * Starts a server stopped with {@link #stop()} again, on the same port with the same data, and blocks until it
     * accepts connections. Does nothing when it runs.
     *
     * @return this instance
     * @throws IllegalStateException if it was never started or is closed
     * @throws InfraException if it cannot start (for example because the port was taken meanwhile)
     */
    public synchronized EmbeddedPostgres restart() {
        if (!used || root == null) {
            throw new IllegalStateException("PostgreSQL was never started or is closed");
        }
        if (server == null) {
            launch(PostgresRunAs.current(root), root.resolve("pgdata"), port);
        }
        return this;
    }

    /** @return whether the server runs (started, and neither stopped nor closed) */
    public synchronized boolean isRunning() {
        return server != null;
    }

    /**
     * Stops PostgreSQL (fast shutdown: open sessions are ended, data is flushed), waits for it to exit and, for a
     * temporary instance, deletes its directory. Does nothing when already closed.
     */
    @Override
    public synchronized void close() {
        try {
            if (server != null) {
                server.stop(STOP_GRACE);
                server = null;
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
        return "EmbeddedPostgres[" + (server == null ? "not running" : HOST + ":" + port) + ", data="
                + (temporary ? "temporary " : "") + root + "]";
    }

    private void prepareDirectories() {
        try {
            if (dataDirectory != null) {
                root = dataDirectory.toAbsolutePath();
                Files.createDirectories(root);
            } else {
                root = TempDirectories.create("pg");
                temporary = true;
            }
            logFile = requestedLogFile != null ? requestedLogFile.toAbsolutePath() : root.resolve("postgres.log");
            Files.createDirectories(logFile.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare " + dataDirectory, e);
        }
    }

    /**
     * Settles the password: a new cluster takes the builder's or a generated one; an existing cluster keeps its stored
     * one, unless the builder asks for another, which is then set once the server runs.
     *
     * @return whether the password must be changed after the start
     */
    private boolean preparePassword(Path pgdata, Path passwordFile) {
        try {
            if (Files.exists(pgdata.resolve("PG_VERSION"))) {
                String stored = Files.exists(passwordFile) ? readPassword(passwordFile) : null;
                if (stored == null && requestedPassword == null) {
                    throw new InfraException("The cluster in " + pgdata + " has no " + PASSWORD_FILE
                            + " beside it; pass its superuser password to the builder");
                }
                password = stored != null ? stored : requestedPassword;
                return stored != null && requestedPassword != null && !stored.equals(requestedPassword);
            }
            if (Files.exists(pgdata) && isNotEmpty(pgdata)) {
                throw new InfraException(pgdata + " is not empty but holds no PostgreSQL cluster (no PG_VERSION)");
            }
            password = requestedPassword != null ? requestedPassword : generatePassword();
            writePassword(passwordFile, password);
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare the superuser password in " + root, e);
        }
    }

    private void initdb(PostgresRunAs runAs, Path pgdata, Path passwordFile) {
        List<String> command = new ArrayList<>(runAs.prefix());
        command.addAll(List.of(PostgresBinaries.binary("initdb").toString(), "-D", pgdata.toString(),
                "-U", SUPERUSER, "--pwfile=" + passwordFile, "--auth=scram-sha-256", "-E", "UTF8", "--no-locale",
                "--no-instructions"));
        if (temporary) {
            command.add("--no-sync");
        }
        ChildProcess initdb = ChildProcess.start("initdb", command, root, logFile, Map.of());
        // initdb is short-lived (under a second normally) and needs no watchdog.
        if (!initdb.awaitExit(Duration.ofMinutes(2))) {
            String failure = initdb.describeFailure("initdb did not finish within 2 minutes");
            initdb.stop(Duration.ZERO);
            throw new InfraException(failure);
        }
        if (initdb.exitValue() != 0 || !Files.exists(pgdata.resolve("PG_VERSION"))) {
            throw new InfraException(initdb.describeFailure("initdb failed for " + pgdata));
        }
    }

    private void checkVersion(Path pgdata) {
        try {
            String clusterMajor = Files.readString(pgdata.resolve("PG_VERSION"), StandardCharsets.US_ASCII).trim();
            String binariesMajor = PostgresBinaries.majorVersion();
            if (!clusterMajor.equals(binariesMajor)) {
                throw new InfraException("The cluster in " + pgdata + " was created by PostgreSQL " + clusterMajor
                        + " but these binaries are PostgreSQL " + binariesMajor
                        + "; upgrade it with pg_upgrade or start from an empty data directory");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + pgdata.resolve("PG_VERSION"), e);
        }
    }

    private void launch(PostgresRunAs runAs, Path pgdata, int wantedPort) {
        for (int attempt = 1; ; attempt++) {
            port = wantedPort != 0 ? wantedPort : FreePorts.pick(1)[0];
            List<String> command = new ArrayList<>(runAs.prefix());
            command.addAll(List.of(PostgresBinaries.binary("postgres").toString(), "-D", pgdata.toString(),
                    "-p", Integer.toString(port),
                    "-c", "listen_addresses=" + HOST,
                    "-c", "unix_socket_directories=",
                    // Five services with reactive and JDBC pools share one server in the local launcher.
                    "-c", "max_connections=300"));
            if (temporary) {
                // Throwaway data: durability buys nothing and costs test time.
                command.addAll(List.of("-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off"));
            }
            server = ChildProcess.start("postgres", ParentWatchdog.wrap("INT", command), root, logFile, Map.of());
            String failure = awaitReady(pgdata);
            if (failure == null) {
                return;
            }
            String log = server.logSinceStart(30);
            server.stop(Duration.ofSeconds(10));
            server = null;
            boolean portTaken = log.contains("could not bind") || log.contains("Address already in use");
            if (!(portTaken && wantedPort == 0 && attempt < PORT_ATTEMPTS)) {
                throw new InfraException(failure + ". From " + logFile + ":\n" + log);
            }
        }
    }

    /**
     * Waits until our postmaster reports "ready" in {@code postmaster.pid} and a password login works. Reading the
     * pid file first matters: a login alone could reach another server that already listens on the port.
     *
     * @return null when ready, else why not
     */
    private String awaitReady(Path pgdata) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        String last = "no attempt";
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                return "PostgreSQL exited during start-up";
            }
            if (postmasterReady(pgdata)) {
                try (Connection connection = connect(password); Statement statement = connection.createStatement()) {
                    statement.execute("SELECT 1");
                    return null;
                } catch (SQLException e) {
                    if ("28P01".equals(e.getSQLState())) {
                        return "PostgreSQL rejected the superuser password (is " + root.resolve(PASSWORD_FILE)
                                + " from another cluster?)";
                    }
                    last = e.getMessage();
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "Interrupted while waiting for PostgreSQL";
            }
        }
        return "PostgreSQL did not accept connections within " + START_TIMEOUT.toSeconds() + " s (" + last + ")";
    }

    /**
     * {@code postmaster.pid} holds the postmaster's pid on line 1 and its status on line 8 ("starting", "ready",
     * "stopping"). A stale file of an earlier, killed run can say "ready" too, hence the pid must be our child's.
     */
    private boolean postmasterReady(Path pgdata) {
        try {
            List<String> lines = Files.readAllLines(pgdata.resolve("postmaster.pid"), StandardCharsets.US_ASCII);
            return lines.size() >= 8
                    && "ready".equals(lines.get(7).trim())
                    && server.childPids().contains(Long.parseLong(lines.get(0).trim()));
        } catch (IOException | NumberFormatException e) {
            // Not written yet, or caught half-written: ask again.
            return false;
        }
    }

    private void changePassword(Path passwordFile) {
        try (Connection connection = connect(password); Statement statement = connection.createStatement()) {
            // A utility statement takes no bind parameters; quoteLiteral makes the value safe.
            statement.execute("ALTER ROLE " + SUPERUSER + " PASSWORD " + quoteLiteral(requestedPassword));
            password = requestedPassword;
            writePassword(passwordFile, password);
        } catch (SQLException | IOException e) {
            throw new InfraException("Could not change the superuser password: " + e.getMessage(), e);
        }
    }

    private Connection connect(String secret) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", SUPERUSER);
        properties.setProperty("password", secret);
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("loginTimeout", "10");
        properties.setProperty("ApplicationName", "asgard-local-infra");
        // The driver directly, not DriverManager: DriverManager ignores drivers of other class loaders (Quarkus tests).
        Connection connection = new org.postgresql.Driver().connect(jdbcUrlFor("postgres"), properties);
        if (connection == null) {
            throw new SQLException("The PostgreSQL driver did not accept " + jdbcUrlFor("postgres"));
        }
        return connection;
    }

    private String jdbcUrlFor(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + database;
    }

    private void requireStarted() {
        if (server == null) {
            throw new IllegalStateException("PostgreSQL is not running: call start() first");
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

    private static String checkName(String database) {
        if (database == null || !DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("Not a database name (letters, digits, _ and -, at most 63): " + database);
        }
        return database;
    }

    private static String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String quoteLiteral(String value) {
        // standard_conforming_strings is on (the default since 9.1), so only the quote itself needs doubling.
        return "'" + value.replace("'", "''") + "'";
    }

    private static String generatePassword() {
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static String readPassword(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return lines.isEmpty() ? "" : lines.get(0);
    }

    private static void writePassword(Path file, String value) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, value + "\n", StandardCharsets.UTF_8);
    }

    private static boolean isNotEmpty(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.findAny().isPresent();
        }
    }

    /** Configures an {@link EmbeddedPostgres}; every setting is optional. */
    public static final class Builder {

        private Path dataDirectory;
        private int port;
        private Path logFile;
        private String password;

        private Builder() {
        }

        /**
         * @param directory where the cluster and its password file live and persist across restarts; created if
         *        missing. Without it, a temporary directory is used and deleted on close.
         * @return this builder
         */
        public Builder dataDirectory(Path directory) {
            this.dataDirectory = directory;
            return this;
        }

        /**
         * @param port the TCP port on 127.0.0.1, or 0 (the default) for a free one
         * @return this builder
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("Not a TCP port: " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * @param file where the server's output is appended; default {@code postgres.log} in the data (or temporary)
         *        directory
         * @return this builder
         */
        public Builder logFile(Path file) {
            this.logFile = file;
            return this;
        }

        /**
         * @param password the superuser password; default: generated for a new cluster, the stored one for an
         *        existing data directory. A different password for an existing data directory replaces the old one.
         * @return this builder
         */
        public Builder password(String password) {
            if (password == null || password.isEmpty() || password.contains("\n") || password.contains("\r")) {
                throw new IllegalArgumentException("The password must be a non-empty single line");
            }
            this.password = password;
            return this;
        }

        /** @return a configured, not yet started server */
        public EmbeddedPostgres build() {
            return new EmbeddedPostgres(this);
        }
    }
}
