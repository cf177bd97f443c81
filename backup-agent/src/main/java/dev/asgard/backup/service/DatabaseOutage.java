package dev.asgard.backup.service;

import io.vertx.sqlclient.ClosedConnectionException;
import io.vertx.sqlclient.DatabaseException;

/**
 * Tells a failure because PostgreSQL cannot be reached (refused or closed connections, the server shutting down or
 * starting up) from any other database failure. The same rule as commons' {@code ErrorClassifier} uses for
 * UNAVAILABLE, without its logging (the scheduler asks every second during an outage), and the same SQLSTATEs over
 * JDBC (Flyway's migrations, {@link SchemaMigration}). Pure.
 */
final class DatabaseOutage {

    private static final int MAX_DEPTH = 16;

    private DatabaseOutage() {
    }

    /**
     * @param failure a failure of a database access
     * @return whether it says PostgreSQL is unreachable
     */
    static boolean isConnectionFailure(Throwable failure) {
        Throwable c = failure;
        for (int i = 0; c != null && i < MAX_DEPTH; i++, c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.net.ConnectException || c instanceof ClosedConnectionException
                    || c instanceof java.net.NoRouteToHostException || c instanceof java.net.UnknownHostException
                    || c instanceof DatabaseException db && isConnectionSqlState(db.getSqlState())
                    // JDBC, as Flyway's migrations meet it.
                    || c instanceof java.sql.SQLException sql && isConnectionSqlState(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server shutting down or starting up). */
    private static boolean isConnectionSqlState(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01") || sqlState.equals("57P02")
                || sqlState.equals("57P03"));
    }
}
