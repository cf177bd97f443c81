package dev.asgard.commons.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.StringValue;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.testsupport.DeviceTokens;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;

/**
 * The interceptor in front of a real gRPC server (Netty, loopback) with the tokens of test-support's
 * {@link DeviceTokens}, as a service test would send them.
 */
class DeviceAuthInterceptorTest {

    static final String SERVICE = "asgard.test.v1.Probe";
    static final MethodDescriptor<StringValue, StringValue> WHO_AM_I = method("WhoAmI");
    static final MethodDescriptor<StringValue, StringValue> ACT_FOR = method("ActFor");
    static final MethodDescriptor<StringValue, StringValue> IN_NETWORK = method("InNetwork");
    static final MethodDescriptor<StringValue, StringValue> PUBLIC = method("Public");

    Server server;
    ManagedChannel channel;
    final DeviceRevocations revocations = new DeviceRevocations(Clock.systemUTC(), Duration.ofMinutes(16));

    static MethodDescriptor<StringValue, StringValue> method(String name) {
        return MethodDescriptor.<StringValue, StringValue>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                .build();
    }

    /** An endpoint that renders failures the way Asgard services do (rich status through GrpcErrors). */
    static ServerCalls.UnaryMethod<StringValue, StringValue> endpoint(Function<String, String> body) {
        return (request, response) -> {
            try {
                response.onNext(StringValue.of(body.apply(request.getValue())));
                response.onCompleted();
            } catch (RuntimeException e) {
                response.onError(GrpcErrors.toStatusRuntimeException(e));
            }
        };
    }

    void start(JwksSource keys) throws Exception {
        DeviceTokenVerifier verifier = new DeviceTokenVerifier(keys, new DeviceTokenRules(DeviceTokens.ISSUER,
                DeviceTokens.AUDIENCE, Duration.ofSeconds(30), Duration.ofMinutes(15)), revocations,
                Clock.systemUTC(), Duration.ofMinutes(5), Duration.ofSeconds(10));
        ServerServiceDefinition probe = ServerServiceDefinition.builder(SERVICE)
                .addMethod(WHO_AM_I, ServerCalls.asyncUnaryCall(endpoint(ignored -> CurrentDevice.require().deviceId())))
                .addMethod(ACT_FOR, ServerCalls.asyncUnaryCall(endpoint(id -> DeviceGuards.requireSelf(id).deviceId())))
                .addMethod(IN_NETWORK, ServerCalls.asyncUnaryCall(
                        endpoint(net -> DeviceGuards.requireNetwork(net).deviceId())))
                .addMethod(PUBLIC, ServerCalls.asyncUnaryCall(
                        endpoint(ignored -> CurrentDevice.get().map(DeviceIdentity::deviceId).orElse("anonymous"))))
                .build();
        DeviceAuthInterceptor interceptor = new DeviceAuthInterceptor(verifier, List.of(SERVICE + "/Public"), true);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(ServerInterceptors.intercept(probe, interceptor))
                .build()
                .start();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort()).usePlaintext().build();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    String call(MethodDescriptor<StringValue, StringValue> method, String token, String value) {
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
        if (token != null) {
            options = options.withCallCredentials(DeviceTokens.credentials(token));
        }
        return ClientCalls.blockingUnaryCall(channel, method, options, StringValue.of(value)).getValue();
    }

    void assertRefused(Status.Code code, String reason, MethodDescriptor<StringValue, StringValue> method, String token,
            String value) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call(method, token, value));
        assertEquals(code, e.getStatus().getCode());
        assertEquals(reason, GrpcErrors.reason(e).orElseThrow());
    }

    @Test
    void validDeviceTokenReachesTheEndpointWithItsIdentity() throws Exception {
        start(JwksSource.fixed(DeviceTokens.jwks()));
        assertEquals("dev-1", call(WHO_AM_I, DeviceTokens.forDevice("dev-1"), ""));
    }

    @Test
    void tokenWaitingForTheKeyFetchIsVerifiedWithoutLosingTheRequest() throws Exception {
        start(() -> CompletableFuture.supplyAsync(DeviceTokens::jwks,
                CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)));
        long started = System.nanoTime();
        assertEquals("dev-1", call(ACT_FOR, DeviceTokens.forDevice("dev-1"), "dev-1"));
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(250),
                "the first call must have waited for the key fetch");
        assertEquals("dev-2", call(WHO_AM_I, DeviceTokens.forDevice("dev-2"), ""));
    }

    @Test
    void refusedTokensCloseTheCallWithUnauthenticatedAndAReason() throws Exception {
        start(JwksSource.fixed(DeviceTokens.jwks()));
        assertRefused(Status.Code.UNAUTHENTICATED, DeviceAuthReasons.MISSING, WHO_AM_I, null, "");
        assertRefused(Status.Code.UNAUTHENTICATED, DeviceAuthReasons.EXPIRED, WHO_AM_I, DeviceTokens.expired("dev-1"), "");
        assertRefused(Status.Code.UNAUTHENTICATED, DeviceAuthReasons.WRONG_AUDIENCE, WHO_AM_I,
                DeviceTokens.wrongAudience("dev-1"), "");
        assertRefused(Status.Code.UNAUTHENTICATED, DeviceAuthReasons.INVALID, WHO_AM_I,
                DeviceTokens.signedByUnknownKey("dev-1"), "");
        assertRefused(Status.Code.UNAUTHENTICATED, DeviceAuthReasons.INVALID, WHO_AM_I, DeviceTokens.forged("dev-1"), "");
        assertRefused(Status.Code.UNAUTHENTICATED, DeviceAuthReasons.INVALID, WHO_AM_I, "garbage", "");
    }

    @Test
    void revokedDeviceIsRefusedAndItsNewTokenAccepted() throws Exception {
        start(JwksSource.fixed(DeviceTokens.jwks()));
        Instant cutOff = Instant.now();
        revocations.revoke("dev-1", cutOff);

        assertRefused(Status.Code.UNAUTHENTICATED, DeviceAuthReasons.REVOKED, WHO_AM_I,
                DeviceTokens.issuedAt("dev-1", cutOff.minusSeconds(1)), "");
        assertEquals("dev-1", call(WHO_AM_I, DeviceTokens.issuedAt("dev-1", cutOff.plusSeconds(2)), ""));
    }

    @Test
    void deviceActsOnlyForItselfAndInItsNetworks() throws Exception {
        start(JwksSource.fixed(DeviceTokens.jwks()));
        String token = DeviceTokens.forDevice("dev-1", List.of("net-a"), Map.of("tier", "edge"));

        assertEquals("dev-1", call(ACT_FOR, token, "dev-1"));
        assertRefused(Status.Code.PERMISSION_DENIED, DeviceAuthReasons.ACTS_ONLY_FOR_ITSELF, ACT_FOR, token, "dev-2");
        assertEquals("dev-1", call(IN_NETWORK, token, "net-a"));
        assertRefused(Status.Code.PERMISSION_DENIED, DeviceAuthReasons.NOT_IN_NETWORK, IN_NETWORK, token, "net-b");
    }

    @Test
    void publicMethodsNeedNoToken() throws Exception {
        start(JwksSource.fixed(DeviceTokens.jwks()));
        assertEquals("anonymous", call(PUBLIC, null, ""));
    }

    @Test
    void publicMethodListMatchesExactNamesAndWholeServices() {
        PublicMethods methods = new PublicMethods(List.of("grpc.health.v1.Health/*", "a.B/C"));
        assertEquals(true, methods.matches("grpc.health.v1.Health/Watch"));
        assertEquals(true, methods.matches("a.B/C"));
        assertEquals(false, methods.matches("a.B/D"));
        assertEquals(false, methods.matches("grpc.health.v1.HealthX/Check"));
    }
}
