package dev.asgard.testsupport;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Connection facts of the PostgreSQL of this test JVM (superuser {@code postgres} with a password, on 127.0.0.1),
 * and database creation for tests that want a database of their own.
 */
public final class PostgresServer {

    private static final String HOST = "127.0.0.1";
    private static final Pattern DATABASE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,62}");

    private final int port;
    private final String password;

    PostgresServer(int port, String password) {
        this.port = port;
        this.password = password;
    }

    /** @return {@code 127.0.0.1} */
    public String host() {
        return HOST;
    }

    /** @return the server port */
    public int port() {
        return port;
    }

    /** @return the superuser, {@code postgres} */
    public String username() {
        return "postgres";
    }

    /** @return the superuser password, generated for this JVM */
    public String password() {
        return password;
    }

    /**
     * @param database a database name (letters, digits, {@code _} and {@code -})
     * @return {@code jdbc:postgresql://127.0.0.1:<port>/<database>}
     */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + HOST + ":" + port + "/" + checkName(database);
    }

    /**
     * @param database a database name (letters, digits, {@code _} and {@code -})
     * @return {@code postgresql://127.0.0.1:<port>/<database>}, for {@code quarkus.datasource.reactive.url}
     */
    public String reactiveUrl(String database) {
        return "postgresql://" + HOST + ":" + port + "/" + checkName(database);
    }

    /**
     * Creates the database unless it exists; safe to call concurrently.
     *
     * @param database a database name (letters, digits, {@code _} and {@code -})
     */
    public void createDatabaseIfMissing(String database) {
        checkName(database);
        Properties properties = new Properties();
        properties.setProperty("user", username());
        properties.setProperty("password", password);
        // The driver directly: DriverManager skips drivers loaded by other class loaders (Quarkus tests).
        try (Connection connection = new org.postgresql.Driver().connect(jdbcUrl("postgres"), properties)) {
            try (PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                exists.setString(1, database);
                try (ResultSet rows = exists.executeQuery()) {
                    if (rows.next()) {
                        return;
                    }
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("CREATE DATABASE \"" + database + "\"");
            }
        } catch (SQLException e) {
            // 42P04 duplicate_database, 23505 unique_violation: created concurrently between check and create.
            if (!"42P04".equals(e.getSQLState()) && !"23505".equals(e.getSQLState())) {
                throw new IllegalStateException("Could not create database " + database + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "PostgresServer[" + HOST + ":" + port + "]";
    }

    private static String checkName(String database) {
        if (database == null || !DATABASE_NAME.matcher(database).matches()) {
            throw new IllegalArgumentException("Not a database name (letters, digits, _ and -, at most 63): " + database);
        }
        return database;
    }
}
