package dev.asgard.commons.error;

import jakarta.enterprise.context.ApplicationScoped;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.StatusException;
import io.quarkus.grpc.ExceptionHandler;
import io.quarkus.grpc.ExceptionHandlerProvider;

/**
 * Makes every gRPC service of an Asgard application answer failures with the rich status of
 * {@link GrpcErrors}: an {@link AsgardException} keeps its code, reason, violations and hint; Bean
 * Validation becomes INVALID_ARGUMENT; anything unexpected becomes INTERNAL (logged with a correlation
 * id), never UNKNOWN.
 *
 * <p>Quarkus ships a {@code @DefaultBean} provider, so this ordinary bean replaces it without
 * configuration. A service needing its own provider must declare it as an {@code @Alternative} with a
 * {@code @Priority}, or two providers become ambiguous.
 *
 * <p>Quarkus calls {@link #transform(Throwable)} for failures of Mutiny (Uni/Multi) methods and
 * {@link #createHandler} for exceptions thrown synchronously by the service's listener.
 */
@ApplicationScoped
public class AsgardExceptionHandlerProvider implements ExceptionHandlerProvider {

    @Override
    public <ReqT, RespT> ExceptionHandler<ReqT, RespT> createHandler(ServerCall.Listener<ReqT> listener,
            ServerCall<ReqT, RespT> serverCall, Metadata metadata) {
        return new RichStatusExceptionHandler<>(listener, serverCall, metadata);
    }

    @Override
    public Throwable transform(Throwable failure) {
        return GrpcErrors.toStatusException(failure);
    }

    private static final class RichStatusExceptionHandler<ReqT, RespT> extends ExceptionHandler<ReqT, RespT> {

        RichStatusExceptionHandler(ServerCall.Listener<ReqT> listener, ServerCall<ReqT, RespT> call, Metadata metadata) {
            super(listener, call, metadata);
        }

        @Override
        protected void handleException(Throwable failure, ServerCall<ReqT, RespT> call, Metadata requestHeaders) {
            StatusException status = GrpcErrors.toStatusException(failure);
            // The request headers must not be echoed back as trailers; the rich status travels in the
            // status exception's own trailers (grpc-status-details-bin).
            Metadata trailers = status.getTrailers() != null ? status.getTrailers() : new Metadata();
            call.close(status.getStatus(), trailers);
        }
    }
}
