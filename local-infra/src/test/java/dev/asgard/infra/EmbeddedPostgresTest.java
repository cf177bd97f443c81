package dev.asgard.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresTest {

    @Test
    void acceptsPasswordConnectionsOnLoopbackOnlyAndRejectsAWrongPassword() throws SQLException {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().build().start()) {
            assertEquals("127.0.0.1", pg.host());
            assertEquals("postgres", pg.username());
            assertEquals("jdbc:postgresql://127.0.0.1:" + pg.port() + "/asgard", pg.jdbcUrl("asgard"));
            assertEquals("postgresql://127.0.0.1:" + pg.port() + "/asgard", pg.reactiveUrl("asgard"));
            try (Connection connection = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.username(),
                    pg.password())) {
                assertEquals("1", query(connection, "SELECT 1"));
                assertEquals("127.0.0.1", query(connection, "SHOW listen_addresses"));
                assertEquals("", query(connection, "SHOW unix_socket_directories"));
                assertEquals("17", query(connection, "SHOW server_version").split("\\.")[0]);
            }
            SQLException rejected = assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.username(), "wrong"));
            assertEquals("28P01", rejected.getSQLState(), "invalid_password, i.e. password authentication is on");
        }
    }

    @Test
    void createsADatabaseOnceAndToleratesRepeatedCalls() throws SQLException {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().build().start()) {
            pg.createDatabaseIfMissing("registry-test");
            pg.createDatabaseIfMissing("registry-test");
            try (Connection connection = DriverManager.getConnection(pg.jdbcUrl("registry-test"), pg.username(),
                    pg.password())) {
                assertEquals("registry-test", query(connection, "SELECT current_database()"));
            }
            assertThrows(IllegalArgumentException.class, () -> pg.createDatabaseIfMissing("x\"; DROP DATABASE postgres"));
        }
    }

    @Test
    void dataDirectoryKeepsTablesAndThePasswordAcrossRestarts(@TempDir Path dir) throws SQLException {
        String password;
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().dataDirectory(dir).build().start()) {
            password = pg.password();
            pg.createDatabaseIfMissing("asgard");
            execute(pg, "CREATE TABLE device (id text PRIMARY KEY)", "INSERT INTO device VALUES ('d-1')");
        }
        assertTrue(Files.exists(dir.resolve("pgdata/PG_VERSION")), "the cluster is kept");

        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().dataDirectory(dir).build().start()) {
            assertEquals(password, pg.password(), "the stored password is reused");
            try (Connection connection = DriverManager.getConnection(pg.jdbcUrl("asgard"), pg.username(),
                    pg.password())) {
                assertEquals("d-1", query(connection, "SELECT id FROM device"));
            }
        }
    }

    @Test
    void stopAndRestartKeepThePortAndEvenTemporaryData() throws SQLException {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().build().start()) {
            int port = pg.port();
            pg.createDatabaseIfMissing("asgard");
            execute(pg, "CREATE TABLE device (id text PRIMARY KEY)", "INSERT INTO device VALUES ('d-1')");

            pg.stop();
            pg.stop();
            assertFalse(pg.isRunning());
            assertThrows(SQLException.class, () -> DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + port + "/asgard?connectTimeout=2", "postgres", "x"));

            pg.restart();
            pg.restart();
            assertTrue(pg.isRunning());
            assertEquals(port, pg.port());
            try (Connection connection = DriverManager.getConnection(pg.jdbcUrl("asgard"), pg.username(),
                    pg.password())) {
                assertEquals("d-1", query(connection, "SELECT id FROM device"));
            }
        }
    }

    @Test
    void aNewPasswordForAnExistingDataDirectoryReplacesTheOldOne(@TempDir Path dir) throws SQLException {
        String first;
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().dataDirectory(dir).build().start()) {
            first = pg.password();
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().dataDirectory(dir).password("s3cret-'quoted").build()
                .start()) {
            assertEquals("s3cret-'quoted", pg.password());
            DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.username(), "s3cret-'quoted").close();
            assertThrows(SQLException.class,
                    () -> DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.username(), first));
        }
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().dataDirectory(dir).build().start()) {
            assertEquals("s3cret-'quoted", pg.password(), "the new password is the stored one now");
        }
    }

    @Test
    void aFixedPortIsUsedAndTheLogFileGoesWhereAsked(@TempDir Path dir) {
        int port = FreePorts.pick(1)[0];
        Path log = dir.resolve("logs/pg.log");
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().port(port).logFile(log).build().start()) {
            assertEquals(port, pg.port());
            assertEquals(log, pg.logFile());
        }
        assertTrue(readLog(log).contains("database system is ready to accept connections"));
    }

    @Test
    void temporaryDataIsDeletedOnCloseAndCloseCanBeRepeated() throws Exception {
        List<Path> before = TestProcesses.tempDirectoriesOf(ProcessHandle.current().pid());
        EmbeddedPostgres pg = EmbeddedPostgres.builder().build().start();
        List<Path> during = TestProcesses.tempDirectoriesOf(ProcessHandle.current().pid());
        assertEquals(before.size() + 1, during.size());
        Path mine = during.stream().filter(p -> !before.contains(p)).findFirst().orElseThrow();
        assertTrue(Files.exists(mine.resolve("pgdata/PG_VERSION")));

        pg.close();
        pg.close();

        assertFalse(Files.exists(mine), mine + " is deleted");
        assertThrows(IllegalStateException.class, pg::start, "an instance starts once");
        assertThrows(IllegalStateException.class, pg::port, "a stopped instance has no port");
    }

    @Test
    void aFailedStartReportsTheServerLogAndLeavesNothingBehind() throws Exception {
        try (EmbeddedPostgres first = EmbeddedPostgres.builder().build().start()) {
            List<Path> before = TestProcesses.tempDirectoriesOf(ProcessHandle.current().pid());
            EmbeddedPostgres second = EmbeddedPostgres.builder().port(first.port()).build();

            InfraException failure = assertThrows(InfraException.class, second::start);

            assertTrue(failure.getMessage().contains("could not bind"), failure.getMessage());
            assertEquals(before, TestProcesses.tempDirectoriesOf(ProcessHandle.current().pid()));
        }
    }

    private static void execute(EmbeddedPostgres pg, String... statements) throws SQLException {
        try (Connection connection = DriverManager.getConnection(pg.jdbcUrl("asgard"), pg.username(), pg.password());
                Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            assertTrue(rows.next(), sql + " returns a row");
            return rows.getString(1);
        }
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
