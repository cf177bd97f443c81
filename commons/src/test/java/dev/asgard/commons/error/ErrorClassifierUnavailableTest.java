package dev.asgard.commons.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.time.Duration;

import org.hibernate.HibernateException;
import org.junit.jupiter.api.Test;

import io.grpc.Status;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/** An unreachable database or dependency is UNAVAILABLE with a retry delay, not an internal error. */
class ErrorClassifierUnavailableTest {

    @Test
    void aRefusedConnectionWrappedByHibernateIsDatabaseUnavailable() {
        AsgardException e = ErrorClassifier.classify(new HibernateException("could not open a session",
                ClosedConnectionException.INSTANCE));
        assertEquals(ErrorCategory.UNAVAILABLE, e.category());
        assertEquals("DATABASE_UNAVAILABLE", e.reason());
        assertEquals(Duration.ofSeconds(1), e.retryAfter().orElseThrow());
        assertEquals(Status.Code.UNAVAILABLE, GrpcErrors.toStatusRuntimeException(e).getStatus().getCode());
        assertTrue(GrpcErrors.retryInfo(GrpcErrors.toStatusRuntimeException(e)).isPresent());
    }

    @Test
    void theServerShuttingDownIsDatabaseUnavailable() {
        AsgardException e = ErrorClassifier.classify(
                new PgException("terminating connection due to administrator command", "FATAL", "57P01", null));
        assertEquals("DATABASE_UNAVAILABLE", e.reason());
    }

    @Test
    void aRefusedConnectionElsewhereIsDependencyUnavailable() {
        AsgardException e = ErrorClassifier.classify(new RuntimeException(new ConnectException("Connection refused")));
        assertEquals(ErrorCategory.UNAVAILABLE, e.category());
        assertEquals("DEPENDENCY_UNAVAILABLE", e.reason());
    }

    @Test
    void otherDatabaseErrorsStayInternal() {
        AsgardException e = ErrorClassifier.classify(new PgException("syntax error", "ERROR", "42601", null));
        assertEquals(ErrorCategory.INTERNAL, e.category());
    }
}
