package dev.asgard.commons.error;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.ElementKind;
import jakarta.validation.Path;
import jakarta.ws.rs.WebApplicationException;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.ResteasyReactiveClientProblem;

import com.google.rpc.ErrorInfo;

import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.quarkus.arc.ArcUndeclaredThrowableException;
import io.quarkus.oidc.OIDCException;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.smallrye.mutiny.CompositeException;

/**
 * Turns any failure into an {@link AsgardException}: the one place that decides what a caller learns
 * about a failure, shared by the gRPC and REST renderings.
 *
 * <p>Known failures keep their meaning: an {@code AsgardException} as is; Bean Validation violations as
 * INVALID_ARGUMENT with field violations; optimistic-lock conflicts as ABORTED; timeouts as
 * DEADLINE_EXCEEDED; Quarkus security failures as UNAUTHENTICATED / PERMISSION_DENIED; a gRPC status
 * from another service by its code. Anything else is a bug: it is logged with a fresh correlation id
 * and becomes INTERNAL with reason {@value AsgardException#REASON_INTERNAL}, whose detail names only
 * that id, never the exception's message.
 */
public final class ErrorClassifier {

    private static final Logger LOG = Logger.getLogger(ErrorClassifier.class);
    private static final int MAX_UNWRAP_DEPTH = 16;

    private ErrorClassifier() {
    }

    /**
     * Classifies a failure. Unknown failures are logged at ERROR here, so callers must not log them again.
     *
     * @param failure any throwable
     * @return the exception to render
     */
    public static AsgardException classify(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof AsgardException asgard) {
            if (asgard.category() == ErrorCategory.INTERNAL) {
                // Thrown on purpose, but still a server-side failure that operators must see.
                LOG.errorf(asgard, "Internal failure %s: %s", asgard.reason(), asgard.getMessage());
            }
            return asgard;
        }
        if (t instanceof ConstraintViolationException cve) {
            return fromConstraintViolations(cve);
        }
        if (isOptimisticLockFailure(t)) {
            LOG.debugf("Optimistic lock lost: %s", t);
            return AsgardException.aborted("CONCURRENT_MODIFICATION",
                    "The entity was changed by another request while this one was running.")
                    .withHint("Read the entity again and retry the change.")
                    .withCause(t);
        }
        if (t instanceof TimeoutException) {
            return AsgardException.deadlineExceeded("DEADLINE_EXCEEDED", "The operation did not complete in time.")
                    .withHint("Retry later; if it keeps happening, the service or one of its dependencies is overloaded.")
                    .withCause(t);
        }
        if (t instanceof AuthenticationException || t instanceof UnauthorizedException) {
            return AsgardException.unauthenticated("UNAUTHENTICATED", "Authentication is required.")
                    .withHint("Send a valid bearer token in the authorization header.");
        }
        if (t instanceof OIDCException) {
            // The bearer token cannot be verified because Keycloak (its keys, its discovery document) is not
            // reachable: the caller stays unauthenticated. The admin API is closed, never open, without it.
            return AsgardException.unauthenticated("IDENTITY_PROVIDER_UNAVAILABLE",
                    "The bearer token cannot be verified: the identity provider is not reachable.")
                    .withHint("Check that Keycloak is running and that quarkus.oidc.auth-server-url points at the "
                            + "asgard realm; the local launcher started with --no-keycloak keeps the admin API closed.");
        }
        if (t instanceof ForbiddenException) {
            return AsgardException.permissionDenied("PERMISSION_DENIED", "The caller may not perform this operation.")
                    .withHint("Use an account or device that has the required role.");
        }
        if (t instanceof StatusRuntimeException || t instanceof StatusException) {
            return fromGrpcStatus(t);
        }
        AsgardException unavailable = unavailable(t);
        if (unavailable != null) {
            return unavailable;
        }
        if (t instanceof WebApplicationException wae && !(t instanceof ResteasyReactiveClientProblem)) {
            int status = wae.getResponse() == null ? 500 : wae.getResponse().getStatus();
            if (status < 500) {
                ErrorCategory category = ErrorCategory.fromHttpStatus(status);
                return new AsgardException(category, httpReason(status), category.title());
            }
        }
        return internal(t);
    }

    /**
     * Builds the INTERNAL exception for an unexpected failure and logs the failure with its correlation id.
     *
     * @param failure the unexpected failure
     * @return an INTERNAL exception carrying only the correlation id
     */
    public static AsgardException internal(Throwable failure) {
        String correlationId = UUID.randomUUID().toString();
        LOG.errorf(failure, "Unexpected failure [correlationId=%s]", correlationId);
        return AsgardException.internal(AsgardException.REASON_INTERNAL,
                "An internal error occurred (correlation id %s).", correlationId)
                .withHint("Retry later. If it keeps failing, report the correlation id to the operators.")
                .withMetadata(AsgardException.METADATA_CORRELATION_ID, correlationId);
    }

    /**
     * Strips the wrappers that reactive pipelines and proxies put around a failure.
     *
     * @param failure a failure
     * @return the innermost meaningful failure
     */
    public static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        for (int i = 0; i < MAX_UNWRAP_DEPTH && t != null; i++) {
            Throwable next;
            if (t instanceof CompositeException composite && !composite.getCauses().isEmpty()) {
                next = composite.getCauses().get(0);
            } else if (t instanceof CompletionException || t instanceof ExecutionException
                    || t instanceof ArcUndeclaredThrowableException || t instanceof UndeclaredThrowableException
                    || t instanceof InvocationTargetException) {
                next = t.getCause();
            } else {
                return t;
            }
            if (next == null) {
                return t;
            }
            t = next;
        }
        return t;
    }

    /**
     * Renders Bean Validation violations. Violations of a method's return value are the server's fault, not
     * the caller's, and become INTERNAL.
     *
     * @param cve the violations
     * @return INVALID_ARGUMENT with one field violation per constraint violation, or INTERNAL
     */
    public static AsgardException fromConstraintViolations(ConstraintViolationException cve) {
        List<FieldViolation> violations = new ArrayList<>();
        if (cve.getConstraintViolations() != null) {
            for (ConstraintViolation<?> violation : cve.getConstraintViolations()) {
                if (isReturnValue(violation.getPropertyPath())) {
                    return internal(cve);
                }
                violations.add(new FieldViolation(fieldOf(violation.getPropertyPath()), violation.getMessage()));
            }
        }
        if (violations.isEmpty()) {
            return AsgardException.invalidArgument(AsgardException.REASON_INVALID_ARGUMENT, "The request is invalid.")
                    .withHint("Correct the request and send it again.");
        }
        violations.sort(Comparator.comparing(FieldViolation::field).thenComparing(FieldViolation::description));
        return AsgardException.invalidArgument(violations);
    }

    /**
     * The field path of a violation as a caller knows it: the method and parameter nodes of method validation
     * ({@code create.request.name}) are dropped, leaving {@code name}; a constraint on a parameter itself keeps
     * the parameter name.
     *
     * @param path the Bean Validation property path
     * @return a dotted path with {@code [i]} / {@code [key]} for container elements
     */
    static String fieldOf(Path path) {
        StringBuilder field = new StringBuilder();
        String parameter = null;
        for (Path.Node node : path) {
            ElementKind kind = node.getKind();
            if (kind == ElementKind.METHOD || kind == ElementKind.CONSTRUCTOR
                    || kind == ElementKind.CROSS_PARAMETER || kind == ElementKind.RETURN_VALUE) {
                continue;
            }
            if (kind == ElementKind.PARAMETER) {
                parameter = node.getName();
                continue;
            }
            if (node.getName() == null || kind == ElementKind.BEAN) {
                continue;
            }
            if (node.getIndex() != null) {
                field.append('[').append(node.getIndex()).append(']');
            } else if (node.getKey() != null) {
                field.append('[').append(node.getKey()).append(']');
            }
            if (kind == ElementKind.CONTAINER_ELEMENT) {
                continue;
            }
            if (!field.isEmpty()) {
                field.append('.');
            }
            field.append(node.getName());
        }
        if (field.isEmpty()) {
            return parameter != null ? parameter : "request";
        }
        return field.toString();
    }

    private static boolean isReturnValue(Path path) {
        for (Path.Node node : path) {
            if (node.getKind() == ElementKind.RETURN_VALUE) {
                return true;
            }
        }
        return false;
    }

    /**
     * A dependency that cannot be reached right now (the database restarting, a refused connection) is not a bug
     * but UNAVAILABLE: the caller should retry, and the service recovers by itself once the dependency is back
     * (the reactive pool opens new connections on demand).
     *
     * @return the UNAVAILABLE exception, or null if the failure is something else
     */
    static AsgardException unavailable(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            boolean database = c instanceof io.vertx.sqlclient.ClosedConnectionException
                    || (c instanceof io.vertx.sqlclient.DatabaseException db && isConnectionSqlState(db.getSqlState()));
            if (database || c instanceof java.net.ConnectException) {
                LOG.warnf("Dependency unavailable: %s", c);
                return AsgardException.unavailable(database ? "DATABASE_UNAVAILABLE" : "DEPENDENCY_UNAVAILABLE",
                        "The service cannot reach its %s right now.", database ? "database" : "dependencies")
                        .withHint("Retry in a few seconds, backing off; the service recovers by itself.")
                        .withRetryAfter(java.time.Duration.ofSeconds(1))
                        .withCause(t);
            }
        }
        return null;
    }

    /** SQLSTATE class 08 (connection exception) and 57P01-57P03 (the server shutting down or starting up). */
    private static boolean isConnectionSqlState(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01") || sqlState.equals("57P02")
                || sqlState.equals("57P03"));
    }

    private static boolean isOptimisticLockFailure(Throwable t) {
        // Hibernate Reactive reports a lost optimistic lock as StaleObjectStateException (a StaleStateException),
        // sometimes wrapped in a JPA OptimisticLockException or another PersistenceException.
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof org.hibernate.StaleStateException || c instanceof jakarta.persistence.OptimisticLockException) {
                return true;
            }
        }
        return false;
    }

    private static AsgardException fromGrpcStatus(Throwable t) {
        Status status = Status.fromThrowable(t);
        ErrorCategory category = ErrorCategory.fromGrpcCode(status.getCode());
        if (category == ErrorCategory.INTERNAL) {
            return internal(t);
        }
        ErrorInfo info = GrpcErrors.errorInfo(t).orElse(null);
        String reason = info != null && !info.getReason().isEmpty() ? info.getReason() : status.getCode().name();
        String detail = status.getDescription() != null ? status.getDescription() : category.title();
        // A reason from outside Asgard may not follow our format; fall back to the code's name.
        AsgardException e = new AsgardException(category,
                AsgardException.isValidReason(reason) ? reason : status.getCode().name(), detail);
        GrpcErrors.badRequest(t).ifPresent(br -> br.getFieldViolationsList()
                .forEach(v -> e.withViolation(v.getField(), v.getDescription())));
        GrpcErrors.help(t).ifPresent(help -> help.getLinksList().stream().findFirst()
                .ifPresent(link -> e.withHint(link.getDescription())));
        return e.withCause(t);
    }

    private static String httpReason(int status) {
        return switch (status) {
            case 400 -> "BAD_REQUEST";
            case 401 -> "UNAUTHENTICATED";
            case 403 -> "PERMISSION_DENIED";
            case 404 -> "NOT_FOUND";
            case 405 -> "METHOD_NOT_ALLOWED";
            case 406 -> "NOT_ACCEPTABLE";
            case 409 -> "CONFLICT";
            case 410 -> "GONE";
            case 411 -> "LENGTH_REQUIRED";
            case 412 -> "PRECONDITION_FAILED";
            case 413 -> "PAYLOAD_TOO_LARGE";
            case 414 -> "URI_TOO_LONG";
            case 415 -> "UNSUPPORTED_MEDIA_TYPE";
            case 422 -> "UNPROCESSABLE_CONTENT";
            case 429 -> "TOO_MANY_REQUESTS";
            default -> "HTTP_" + status;
        };
    }

    /**
     * The reason used for an HTTP status that has no Asgard-specific reason (e.g. {@code METHOD_NOT_ALLOWED}).
     *
     * @param status an HTTP status
     * @return an UPPER_SNAKE_CASE reason
     */
    public static String reasonForHttpStatus(int status) {
        return httpReason(status);
    }
}
