package dev.asgard.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import org.junit.jupiter.api.Test;

/** The JVM's PostgreSQL stopped and started again through its JMX lifecycle: same port, same data. */
class ServerLifecycleTest {

    @Test
    void postgresStopsAndComesBackOnTheSamePortWithItsData() throws SQLException {
        PostgresServer postgres = TestServers.postgres();
        postgres.createDatabaseIfMissing("lifecycle_test");
        String url = postgres.jdbcUrl("lifecycle_test");
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS kept (v text)");
            statement.execute("INSERT INTO kept VALUES ('before')");
        }

        ServerLifecycle lifecycle = TestServers.postgresLifecycle();
        lifecycle.stop();
        try {
            assertFalse(lifecycle.isRunning());
            assertThrows(SQLException.class, () -> DriverManager.getConnection(url + "?connectTimeout=2",
                    postgres.username(), postgres.password()).close());
        } finally {
            lifecycle.start();
        }

        assertTrue(lifecycle.isRunning());
        try (Connection connection = DriverManager.getConnection(url, postgres.username(), postgres.password());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT v FROM kept LIMIT 1")) {
            assertTrue(rows.next());
            assertEquals("before", rows.getString(1));
        }
    }
}
