package dev.asgard.commons.error;

import io.grpc.Status;

/**
 * The kind of failure. A category fixes both the gRPC status code and the HTTP status, so the same
 * {@link AsgardException} reads the same over gRPC and REST.
 *
 * <p>{@link #FAILED_PRECONDITION} maps to HTTP 409, not 412: in HTTP, 412 means a conditional request
 * header ({@code If-Match}, {@code If-Unmodified-Since}) did not hold, whereas gRPC's
 * FAILED_PRECONDITION means "the system is not in the state this operation needs" (for example, deleting
 * a network that still has members), which REST clients know as 409 Conflict. The problem's
 * {@code reason} and {@code type} tell the 409s apart.
 */
public enum ErrorCategory {
    /** The addressed entity does not exist. */
    NOT_FOUND(Status.Code.NOT_FOUND, 404, "Not found"),
    /** The request is malformed or a field is invalid, regardless of the system's state. */
    INVALID_ARGUMENT(Status.Code.INVALID_ARGUMENT, 400, "Invalid argument"),
    /** The entity the client tried to create already exists. */
    ALREADY_EXISTS(Status.Code.ALREADY_EXISTS, 409, "Already exists"),
    /** The system is not in the state the operation needs (see the class comment for the 409). */
    FAILED_PRECONDITION(Status.Code.FAILED_PRECONDITION, 409, "Failed precondition"),
    /** The caller is known but may not do this. */
    PERMISSION_DENIED(Status.Code.PERMISSION_DENIED, 403, "Permission denied"),
    /** The caller did not prove who it is (missing, invalid or expired credentials). */
    UNAUTHENTICATED(Status.Code.UNAUTHENTICATED, 401, "Unauthenticated"),
    /** A quota or rate limit is exhausted; retry later. */
    RESOURCE_EXHAUSTED(Status.Code.RESOURCE_EXHAUSTED, 429, "Too many requests"),
    /** A concurrent change won (optimistic locking, lost lease); re-read and retry. */
    ABORTED(Status.Code.ABORTED, 409, "Aborted"),
    /** The operation is not implemented (yet) by this service. */
    UNIMPLEMENTED(Status.Code.UNIMPLEMENTED, 501, "Not implemented"),
    /** A dependency (database, broker, another service) is unavailable; retry later. */
    UNAVAILABLE(Status.Code.UNAVAILABLE, 503, "Service unavailable"),
    /** The operation did not complete in time. */
    DEADLINE_EXCEEDED(Status.Code.DEADLINE_EXCEEDED, 504, "Deadline exceeded"),
    /** A bug or an unexpected state on the server; details are logged, never sent. */
    INTERNAL(Status.Code.INTERNAL, 500, "Internal error");

    private final Status.Code grpcCode;
    private final int httpStatus;
    private final String title;

    ErrorCategory(Status.Code grpcCode, int httpStatus, String title) {
        this.grpcCode = grpcCode;
        this.httpStatus = httpStatus;
        this.title = title;
    }

    /** @return the gRPC status code of this category */
    public Status.Code grpcCode() {
        return grpcCode;
    }

    /** @return the HTTP status of this category */
    public int httpStatus() {
        return httpStatus;
    }

    /** @return a short human title, used as the problem {@code title} */
    public String title() {
        return title;
    }

    /**
     * The category for a gRPC code received from another service. Codes without an Asgard category
     * (UNKNOWN, DATA_LOSS, CANCELLED, OUT_OF_RANGE, OK) become {@link #INTERNAL} or the nearest match.
     *
     * @param code a gRPC status code
     * @return the matching category
     */
    public static ErrorCategory fromGrpcCode(Status.Code code) {
        return switch (code) {
            case NOT_FOUND -> NOT_FOUND;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> INVALID_ARGUMENT;
            case ALREADY_EXISTS -> ALREADY_EXISTS;
            case FAILED_PRECONDITION -> FAILED_PRECONDITION;
            case PERMISSION_DENIED -> PERMISSION_DENIED;
            case UNAUTHENTICATED -> UNAUTHENTICATED;
            case RESOURCE_EXHAUSTED -> RESOURCE_EXHAUSTED;
            case ABORTED -> ABORTED;
            case UNIMPLEMENTED -> UNIMPLEMENTED;
            case UNAVAILABLE -> UNAVAILABLE;
            case DEADLINE_EXCEEDED, CANCELLED -> DEADLINE_EXCEEDED;
            default -> INTERNAL;
        };
    }

    /**
     * The category for an HTTP status, for failures that arrive as JAX-RS exceptions.
     *
     * @param status an HTTP status code
     * @return the nearest category; any other 4xx is {@link #INVALID_ARGUMENT}, any other 5xx {@link #INTERNAL}
     */
    public static ErrorCategory fromHttpStatus(int status) {
        return switch (status) {
            case 400, 405, 406, 411, 413, 414, 415, 422 -> INVALID_ARGUMENT;
            case 401 -> UNAUTHENTICATED;
            case 403 -> PERMISSION_DENIED;
            case 404, 410 -> NOT_FOUND;
            case 409 -> ABORTED;
            case 412 -> FAILED_PRECONDITION;
            case 429 -> RESOURCE_EXHAUSTED;
            case 501 -> UNIMPLEMENTED;
            case 502, 503 -> UNAVAILABLE;
            case 504 -> DEADLINE_EXCEEDED;
            default -> status >= 400 && status < 500 ? INVALID_ARGUMENT : INTERNAL;
        };
    }
}
