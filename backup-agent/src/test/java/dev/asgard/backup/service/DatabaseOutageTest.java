package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import io.vertx.pgclient.PgException;

/** Only an unreachable PostgreSQL starts offline mode, not any failing query. */
class DatabaseOutageTest {

    @Test
    void refusedAndClosedConnectionsAndShutdownsAreOutages() {
        assertTrue(DatabaseOutage.isConnectionFailure(new IllegalStateException("wrapped",
                new java.net.ConnectException("Connection refused"))));
        assertTrue(DatabaseOutage.isConnectionFailure(new RuntimeException(
                new PgException("terminating connection due to administrator command", "FATAL", "57P01", null))));
        assertTrue(DatabaseOutage.isConnectionFailure(io.vertx.sqlclient.ClosedConnectionException.INSTANCE));
        // Over JDBC (Flyway's migrations): the same SQLSTATEs.
        assertTrue(DatabaseOutage.isConnectionFailure(new java.sql.SQLException("connection failure", "08006")));
        assertTrue(DatabaseOutage.isConnectionFailure(new java.sql.SQLException("starting up", "57P03")));
    }

    @Test
    void otherDatabaseFailuresAreNot() {
        assertFalse(DatabaseOutage.isConnectionFailure(new PgException("relation does not exist", "ERROR", "42P01",
                null)));
        assertFalse(DatabaseOutage.isConnectionFailure(new IllegalArgumentException("bad")));
        assertFalse(DatabaseOutage.isConnectionFailure(new java.sql.SQLException("no such table", "42P01")));
    }
}
