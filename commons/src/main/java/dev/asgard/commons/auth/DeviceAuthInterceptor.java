package dev.asgard.commons.auth;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Inject;

import dev.asgard.commons.error.AsgardException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import io.vertx.core.Vertx;

/**
 * Demands a valid device token ({@code authorization: Bearer <jwt>}) on every gRPC call except the public methods,
 * and puts the caller into the gRPC {@link Context} for {@link CurrentDevice} and {@link DeviceGuards}. A refused
 * call is closed with UNAUTHENTICATED and an {@code ErrorInfo} reason from {@link DeviceAuthReasons}; the service
 * never sees it.
 *
 * <p>Verification is synchronous whenever the token's key is cached, which is nearly always: the call then starts
 * at once on the transport's thread. Only a token naming a key not fetched yet waits for the (non-blocking) JWKS
 * fetch; meanwhile a {@link PendingListener} holds the call's events, and the call is started afterwards on the
 * Vert.x context it arrived on (Quarkus services and Hibernate Reactive rely on that context), or on the fetch's
 * thread outside Vert.x. No thread ever blocks.
 *
 * <p>An accepted call stays registered in {@link OpenDeviceCalls} until it ends, so that a revocation of its device
 * arriving while it runs (a routing session, a lock wait, a device watch) closes it with the same UNAUTHENTICATED
 * {@value DeviceAuthReasons#REVOKED} a new call would get; see {@link DeviceCall} for how the close is made safe.
 */
@GlobalInterceptor
@ApplicationScoped
public class DeviceAuthInterceptor implements ServerInterceptor, Prioritized {

    /** Runs before the services' own interceptors, so they see only authenticated calls. */
    public static final int PRIORITY = 1_000;


    private final DeviceTokenVerifier verifier;
    private final PublicMethods publicMethods;
    private final boolean enabled;
    private final OpenDeviceCalls openCalls;

    /**
     * @param verifier the verifier
     * @param config the settings
     */
    @Inject
    public DeviceAuthInterceptor(DeviceTokenVerifier verifier, DeviceAuthConfig config) {
        this(verifier, withAdminServices(config), config.enabled());
    }

    /** The public methods plus the administrator services, which {@link AdminGrpcInterceptor} authenticates. */
    private static List<String> withAdminServices(DeviceAuthConfig config) {
        List<String> skipped = new java.util.ArrayList<>(config.publicMethods());
        config.adminServices().orElse(List.of()).forEach(service -> skipped.add(service + "/*"));
        return skipped;
    }

    /**
     * For use without CDI.
     *
     * @param verifier the verifier
     * @param publicMethods full method names (or {@code Service/*}) that need no token
     * @param enabled false lets every call through unauthenticated
     */
    public DeviceAuthInterceptor(DeviceTokenVerifier verifier, List<String> publicMethods, boolean enabled) {
        this.verifier = verifier;
        this.publicMethods = new PublicMethods(publicMethods);
        this.enabled = enabled;
        this.openCalls = new OpenDeviceCalls(verifier.revocations());
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        if (!enabled || publicMethods.matches(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        String token = GrpcCalls.bearerToken(headers);
        if (token == null) {
            return GrpcCalls.refuse(call, AsgardException.unauthenticated(DeviceAuthReasons.MISSING,
                    "This call needs a device token: header 'authorization: Bearer <token>'")
                    .withHint("Exchange the device credential for a token (RegistryService/ExchangeCredential)."));
        }
        CompletableFuture<VerifiedTokens.Entry> verification;
        try {
            verification = verifier.verifyToken(token);
        } catch (RuntimeException e) {
            verification = CompletableFuture.failedFuture(e);
        }
        Context base = Context.current();
        io.vertx.core.Context vertxContext = Vertx.currentContext();
        if (verification.isDone()) {
            return proceed(verification, base, vertxContext, call, headers, next);
        }
        PendingListener<ReqT> pending = new PendingListener<>();
        Executor resume = GrpcCalls.resumeExecutor();
        CompletableFuture<VerifiedTokens.Entry> waiting = verification;
        waiting.whenComplete((identity, failure) -> resume.execute(
                () -> pending.start(proceed(waiting, base, vertxContext, call, headers, next))));
        return pending;
    }

    private <ReqT, RespT> ServerCall.Listener<ReqT> proceed(CompletableFuture<VerifiedTokens.Entry> verification,
            Context base, io.vertx.core.Context vertxContext, ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        VerifiedTokens.Entry token;
        try {
            token = verification.join();
        } catch (RuntimeException e) {
            return GrpcCalls.refuse(call, e);
        }
        DeviceIdentity identity = token.identity();
        DeviceCall<ReqT, RespT> tracked = new DeviceCall<>(call, identity.deviceId(), token.issuedAt(), openCalls,
                vertxContext);
        if (!openCalls.opened(tracked)) {
            return GrpcCalls.refuse(call, DeviceTokenVerifier.revokedToken());
        }
        ServerCall.Listener<ReqT> listener;
        try {
            listener = Contexts.interceptCall(base.withValue(CurrentDevice.KEY, identity), tracked, headers, next);
        } catch (RuntimeException e) {
            openCalls.ended(tracked);
            throw e;
        }
        return tracked.listen(listener);
    }

    /** @return the calls accepted and not ended yet (for tests) */
    OpenDeviceCalls openCalls() {
        return openCalls;
    }
}
