package dev.asgard.commons.error;

import java.util.Optional;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Help;
import com.google.rpc.RetryInfo;

import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * The gRPC rendering of the error model, usable without CDI (from tests, clients and the
 * {@link AsgardExceptionHandlerProvider}).
 *
 * <p>A failure becomes a {@code google.rpc.Status} built with {@link StatusProto}: its code comes from the
 * {@link ErrorCategory}, its message is the detail, and its details carry
 * <ul>
 * <li>{@code google.rpc.ErrorInfo} always: {@code reason}, domain {@value AsgardException#DOMAIN},
 * metadata;</li>
 * <li>{@code google.rpc.BadRequest} when there are field violations;</li>
 * <li>{@code google.rpc.Help} when there is a hint: one link whose description is the hint and whose URL is
 * the problem type ({@link Problem#typeFor(String)}), the same URI REST clients get;</li>
 * <li>{@code google.rpc.RetryInfo} when a retry delay is known.</li>
 * </ul>
 * A {@link StatusRuntimeException} or {@link StatusException} passes through unchanged.
 */
public final class GrpcErrors {

    private GrpcErrors() {
    }

    /**
     * Renders any failure as a {@link StatusRuntimeException}; what to throw from blocking gRPC code or
     * return from a Mutiny pipeline.
     *
     * @param failure any throwable
     * @return the status exception (the same instance if the failure already was one)
     */
    public static StatusRuntimeException toStatusRuntimeException(Throwable failure) {
        Throwable t = ErrorClassifier.unwrap(failure);
        if (t instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (t instanceof StatusException se) {
            return new StatusRuntimeException(se.getStatus(), se.getTrailers());
        }
        return StatusProto.toStatusRuntimeException(toRpcStatus(ErrorClassifier.classify(t)));
    }

    /**
     * Renders any failure as a checked {@link StatusException}, the form Quarkus' exception handler SPI
     * returns.
     *
     * @param failure any throwable
     * @return the status exception (the same instance if the failure already was one)
     */
    public static StatusException toStatusException(Throwable failure) {
        Throwable t = ErrorClassifier.unwrap(failure);
        if (t instanceof StatusException se) {
            return se;
        }
        if (t instanceof StatusRuntimeException sre) {
            return new StatusException(sre.getStatus(), sre.getTrailers());
        }
        return StatusProto.toStatusException(toRpcStatus(ErrorClassifier.classify(t)));
    }

    /**
     * The {@code google.rpc.Status} of an Asgard exception.
     *
     * @param e the exception
     * @return the rich status with its details
     */
    public static com.google.rpc.Status toRpcStatus(AsgardException e) {
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(e.category().grpcCode().value())
                .setMessage(e.detail());
        status.addDetails(Any.pack(ErrorInfo.newBuilder()
                .setReason(e.reason())
                .setDomain(AsgardException.DOMAIN)
                .putAllMetadata(e.metadata())
                .build()));
        if (!e.violations().isEmpty()) {
            BadRequest.Builder badRequest = BadRequest.newBuilder();
            e.violations().forEach(v -> badRequest.addFieldViolations(BadRequest.FieldViolation.newBuilder()
                    .setField(v.field())
                    .setDescription(v.description())));
            status.addDetails(Any.pack(badRequest.build()));
        }
        e.hint().ifPresent(hint -> status.addDetails(Any.pack(Help.newBuilder()
                .addLinks(Help.Link.newBuilder()
                        .setDescription(hint)
                        .setUrl(Problem.typeFor(e.reason()).toString()))
                .build())));
        e.retryAfter().ifPresent(delay -> status.addDetails(Any.pack(RetryInfo.newBuilder()
                .setRetryDelay(com.google.protobuf.Duration.newBuilder()
                        .setSeconds(delay.getSeconds())
                        .setNanos(delay.getNano()))
                .build())));
        return status.build();
    }

    /**
     * Reads the {@code ErrorInfo} of a gRPC failure (as received by a client or a test).
     *
     * @param failure a {@link StatusRuntimeException}, {@link StatusException} or something caused by one
     * @return the error info, if the status carried one
     */
    public static Optional<ErrorInfo> errorInfo(Throwable failure) {
        return detail(failure, ErrorInfo.class);
    }

    /**
     * Reads the field violations of a gRPC failure.
     *
     * @param failure a gRPC failure
     * @return the bad request detail, if the status carried one
     */
    public static Optional<BadRequest> badRequest(Throwable failure) {
        return detail(failure, BadRequest.class);
    }

    /**
     * Reads the help (hint) of a gRPC failure.
     *
     * @param failure a gRPC failure
     * @return the help detail, if the status carried one
     */
    public static Optional<Help> help(Throwable failure) {
        return detail(failure, Help.class);
    }

    /**
     * Reads the retry advice of a gRPC failure.
     *
     * @param failure a gRPC failure
     * @return the retry info, if the status carried one
     */
    public static Optional<RetryInfo> retryInfo(Throwable failure) {
        return detail(failure, RetryInfo.class);
    }

    /**
     * The stable reason of a gRPC failure, the value clients switch on.
     *
     * @param failure a gRPC failure
     * @return {@code ErrorInfo.reason}, if present
     */
    public static Optional<String> reason(Throwable failure) {
        return errorInfo(failure).map(ErrorInfo::getReason);
    }

    /**
     * Reads one detail message of a gRPC failure's rich status.
     *
     * @param failure a gRPC failure
     * @param type the detail type
     * @param <T> the detail type
     * @return the first detail of that type
     */
    public static <T extends Message> Optional<T> detail(Throwable failure, Class<T> type) {
        com.google.rpc.Status status = failure == null ? null : StatusProto.fromThrowable(failure);
        if (status == null) {
            return Optional.empty();
        }
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return Optional.of(any.unpack(type));
                } catch (InvalidProtocolBufferException e) {
                    // A detail of the right type URL but unreadable bytes: treat it as absent rather than
                    // failing the caller's error handling.
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
