package dev.asgard.commons.auth;

import java.util.concurrent.Executor;

import org.jboss.logging.Logger;

import dev.asgard.commons.error.GrpcErrors;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.StatusException;
import io.vertx.core.Vertx;

/** What the authenticating gRPC interceptors ({@link DeviceAuthInterceptor}, {@link AdminGrpcInterceptor}) share. */
final class GrpcCalls {

    private static final Logger LOG = Logger.getLogger(GrpcCalls.class);
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String BEARER = "bearer ";

    private GrpcCalls() {
    }

    /** @return the token of an {@code authorization: Bearer <token>} header, or null when there is none */
    static String bearerToken(Metadata headers) {
        String value = headers.get(AUTHORIZATION);
        if (value == null || value.length() <= BEARER.length()
                || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        String token = value.substring(BEARER.length()).trim();
        return token.isEmpty() ? null : token;
    }

    /** Closes a call with the status of {@code failure}; the service never sees it. */
    static <ReqT, RespT> ServerCall.Listener<ReqT> refuse(ServerCall<ReqT, RespT> call, Throwable failure) {
        StatusException status = GrpcErrors.toStatusException(failure);
        LOG.debugf("Refused %s: %s", call.getMethodDescriptor().getFullMethodName(), status.getStatus());
        call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
        return new ServerCall.Listener<>() {
        };
    }

    /** @return the Vert.x context the call arrived on (Quarkus services rely on it), else the completing thread */
    static Executor resumeExecutor() {
        io.vertx.core.Context context = Vertx.currentContext();
        return context == null ? Runnable::run : task -> context.runOnContext(ignored -> task.run());
    }
}
