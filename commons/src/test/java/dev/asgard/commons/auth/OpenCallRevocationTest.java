package dev.asgard.commons.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import com.google.protobuf.StringValue;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.testsupport.Await;
import dev.asgard.testsupport.DeviceTokens;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Multi;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServiceBridge;

/**
 * A revocation cuts the device's calls that are already open, on both gRPC servers a service may run: the Vert.x
 * server Quarkus uses ({@code quarkus.grpc.server.use-separate-server=false}, our setting) and grpc-java's Netty
 * server. Real loopback connections, tokens from test-support's {@link DeviceTokens}.
 */
class OpenCallRevocationTest {

    static final String SERVICE = "asgard.test.v1.Streams";
    /** Server streaming, written by hand against the {@link ServerCall}; writes on after it is cut. */
    static final MethodDescriptor<StringValue, StringValue> FEED = method("Feed", MethodDescriptor.MethodType.SERVER_STREAMING);
    /** Server streaming, a Mutiny {@link Multi} through Quarkus' stub layer, as the services write them. */
    static final MethodDescriptor<StringValue, StringValue> TICKS = method("Ticks", MethodDescriptor.MethodType.SERVER_STREAMING);
    static final MethodDescriptor<StringValue, StringValue> WHO = method("Who", MethodDescriptor.MethodType.UNARY);
    /** Bidirectional, a Mutiny echo through Quarkus' stub layer: the shape of a routing session. */
    static final MethodDescriptor<StringValue, StringValue> CHAT = method("Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
    static final Object END = new Object();

    enum Transport { VERTX, NETTY }

    /** What the service saw of one call, by the label the client sent. */
    static final class Seen {
        volatile boolean cancelled;
        volatile boolean completed;
        final AtomicInteger writesAfterCancel = new AtomicInteger();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final CountDownLatch closedByService = new CountDownLatch(1);
        final CountDownLatch multiCancelled = new CountDownLatch(1);
        volatile ScheduledFuture<?> ticking;
    }

    final DeviceRevocations revocations = new DeviceRevocations(Clock.systemUTC(), Duration.ofMinutes(16));
    final Map<String, Seen> seen = new ConcurrentHashMap<>();
    final ScheduledExecutorService ticker = Executors.newScheduledThreadPool(2);
    DeviceAuthInterceptor interceptor;
    Server nettyServer;
    Vertx vertx;
    ManagedChannel channel;

    static MethodDescriptor<StringValue, StringValue> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<StringValue, StringValue>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(StringValue.getDefaultInstance()))
                .build();
    }

    void start(Transport transport) throws Exception {
        DeviceTokenVerifier verifier = new DeviceTokenVerifier(JwksSource.fixed(DeviceTokens.jwks()),
                new DeviceTokenRules(DeviceTokens.ISSUER, DeviceTokens.AUDIENCE, Duration.ofSeconds(30),
                        Duration.ofMinutes(15)), revocations, Clock.systemUTC(), Duration.ofMinutes(5),
                Duration.ofSeconds(10), 100);
        interceptor = new DeviceAuthInterceptor(verifier, List.of(), true);
        ServerServiceDefinition service = ServerInterceptors.intercept(ServerServiceDefinition.builder(SERVICE)
                .addMethod(FEED, this::feed)
                .addMethod(TICKS, ServerCalls.asyncServerStreamingCall(
                        (request, response) -> io.quarkus.grpc.stubs.ServerCalls.oneToMany(request, response, null,
                                this::ticks)))
                .addMethod(CHAT, ServerCalls.asyncBidiStreamingCall(
                        response -> io.quarkus.grpc.stubs.ServerCalls.manyToMany(response, this::chat)))
                .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
                    response.onNext(StringValue.of(CurrentDevice.require().deviceId()));
                    response.onCompleted();
                }))
                .build(), interceptor);
        int port;
        if (transport == Transport.NETTY) {
            nettyServer = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                    .build().start();
            port = nettyServer.getPort();
        } else {
            vertx = Vertx.vertx();
            GrpcServer grpc = GrpcServer.server(vertx);
            GrpcServiceBridge.bridge(service).bind(grpc);
            HttpServer http = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                    .requestHandler(grpc).listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            port = http.actualPort();
        }
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    /**
     * Ticks every 20 ms from another thread; once cancelled, writes three more times, then closes the call. The
     * stream labelled {@code short} ends after three messages.
     */
    ServerCall.Listener<StringValue> feed(ServerCall<StringValue, StringValue> call, Metadata headers) {
        call.request(1);
        return new ServerCall.Listener<>() {
            Seen state;

            @Override
            public void onMessage(StringValue label) {
                state = seen.computeIfAbsent(label.getValue(), l -> new Seen());
                call.sendHeaders(new Metadata());
                Seen s = state;
                AtomicInteger n = new AtomicInteger();
                s.ticking = ticker.scheduleAtFixedRate(() -> {
                    try {
                        boolean finished = label.getValue().equals("short") && n.get() == 3;
                        if (finished || s.cancelled && s.writesAfterCancel.incrementAndGet() > 3) {
                            call.close(Status.OK, new Metadata());
                            s.closedByService.countDown();
                            s.ticking.cancel(false);
                            return;
                        }
                        call.sendMessage(StringValue.of(label.getValue() + " " + n.incrementAndGet()));
                    } catch (RuntimeException e) {
                        s.failures.add(e);
                    }
                }, 0, 20, TimeUnit.MILLISECONDS);
            }

            @Override
            public void onCancel() {
                if (state != null) {
                    state.cancelled = true;
                }
            }

            @Override
            public void onComplete() {
                if (state != null) {
                    state.completed = true;
                }
            }
        };
    }

    Multi<StringValue> chat(Multi<StringValue> in) {
        Seen state = seen.computeIfAbsent("chat", l -> new Seen());
        return in.map(message -> StringValue.of("echo " + message.getValue()))
                .onCancellation().invoke(state.multiCancelled::countDown);
    }

    Multi<StringValue> ticks(StringValue label) {
        Seen state = seen.computeIfAbsent(label.getValue(), l -> new Seen());
        return Multi.createFrom().ticks().every(Duration.ofMillis(20))
                .map(n -> StringValue.of(label.getValue() + " " + n))
                .onCancellation().invoke(state.multiCancelled::countDown);
    }

    @AfterEach
    void stop() throws Exception {
        ticker.shutdownNow();
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (nettyServer != null) {
            nettyServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** A client stream: every message, then the failure or {@link #END}. */
    record Stream(ClientCall<StringValue, StringValue> call, BlockingQueue<Object> events) {

        Object next() throws InterruptedException {
            Object next = events.poll(20, TimeUnit.SECONDS);
            if (next == null) {
                throw new AssertionError("the stream neither sent nor ended");
            }
            return next;
        }

        /** @return the status the stream ended with, skipping the messages before it */
        StatusRuntimeException failure() throws InterruptedException {
            Object next;
            while ((next = next()) instanceof StringValue) {
                // messages sent before the revocation
            }
            return assertInstanceOf(StatusRuntimeException.class, next);
        }

        void receives(int messages) throws InterruptedException {
            for (int i = 0; i < messages; i++) {
                assertInstanceOf(StringValue.class, next());
            }
        }
    }

    Stream open(MethodDescriptor<StringValue, StringValue> method, String token, String label) {
        ClientCall<StringValue, StringValue> call = channel.newCall(method,
                CallOptions.DEFAULT.withCallCredentials(DeviceTokens.credentials(token)));
        BlockingQueue<Object> events = new LinkedBlockingQueue<>();
        ClientCalls.asyncServerStreamingCall(call, StringValue.of(label), new StreamObserver<>() {
            @Override
            public void onNext(StringValue value) {
                events.add(value);
            }

            @Override
            public void onError(Throwable t) {
                events.add(t);
            }

            @Override
            public void onCompleted() {
                events.add(END);
            }
        });
        return new Stream(call, events);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void revocationEndsTheDevicesOpenStreamsWithUnauthenticatedAndSparesTheOthers(Transport transport) throws Exception {
        start(transport);
        Instant cutOff = Instant.now();
        String beforeCutOff = DeviceTokens.issuedAt("dev-1", cutOff.minusSeconds(5));
        Stream feed = open(FEED, beforeCutOff, "feed");
        Stream ticks = open(TICKS, beforeCutOff, "ticks");
        Stream otherDevice = open(FEED, DeviceTokens.forDevice("dev-2"), "other-device");
        Stream newerToken = open(FEED, DeviceTokens.issuedAt("dev-1", cutOff.plusSeconds(2)), "newer-token");
        for (Stream stream : List.of(feed, ticks, otherDevice, newerToken)) {
            stream.receives(2);
        }

        revocations.revoke("dev-1", cutOff);

        for (Stream cut : List.of(feed, ticks)) {
            StatusRuntimeException e = cut.failure();
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
            assertEquals(DeviceAuthReasons.REVOKED, GrpcErrors.reason(e).orElseThrow());
            assertTrue(e.getStatus().getDescription().contains("during this call"), e.getStatus().getDescription());
            assertNull(cut.events().poll(100, TimeUnit.MILLISECONDS), "nothing after the end");
        }
        // The services heard a cancellation: the hand-written one kept writing and closed, without any failure...
        Seen feedSeen = seen.get("feed");
        assertTrue(feedSeen.closedByService.await(20, TimeUnit.SECONDS), "the service closed the call itself");
        assertTrue(feedSeen.cancelled);
        assertFalse(feedSeen.completed, "a revoked call is not completed for the service");
        assertEquals(List.of(), feedSeen.failures, "writes and the close after the cut are dropped quietly");
        // ...and the Mutiny stream was cancelled, so its clean-up ran.
        assertTrue(seen.get("ticks").multiCancelled.await(20, TimeUnit.SECONDS), "the Multi was cancelled");

        otherDevice.receives(5);
        newerToken.receives(5);
        assertFalse(seen.get("other-device").cancelled);
        assertFalse(seen.get("newer-token").cancelled);

        assertEquals("dev-1", ClientCalls.blockingUnaryCall(channel, WHO, CallOptions.DEFAULT.withCallCredentials(
                DeviceTokens.credentials(DeviceTokens.issuedAt("dev-1", cutOff.plusSeconds(2)))),
                StringValue.getDefaultInstance()).getValue());
        assertEquals(2, interceptor.openCalls().size(), "the two untouched streams are still open");

        if (transport == Transport.NETTY) {
            // The revoked token is refused on a new call too. (Not asked of the bare Vert.x bridge: a call refused
            // inside startCall makes it throw, as its listener is not set yet; Quarkus starts calls later.)
            StatusRuntimeException refused = open(FEED, beforeCutOff, "again").failure();
            assertEquals(DeviceAuthReasons.REVOKED, GrpcErrors.reason(refused).orElseThrow());
            // Client cancellations end the registrations (see endedCallsLeaveNothingRegistered for Vert.x).
            otherDevice.call().cancel("test over", null);
            newerToken.call().cancel("test over", null);
            Await.until(() -> interceptor.openCalls().size() == 0, Duration.ofSeconds(20), Duration.ofMillis(20));
        }
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void endedCallsLeaveNothingRegistered(Transport transport) throws Exception {
        start(transport);
        String token = DeviceTokens.forDevice("dev-1");
        for (int i = 0; i < 20; i++) {
            assertEquals("dev-1", ClientCalls.blockingUnaryCall(channel, WHO,
                    CallOptions.DEFAULT.withCallCredentials(DeviceTokens.credentials(token)),
                    StringValue.getDefaultInstance()).getValue());
        }
        Stream finite = open(FEED, token, "short");
        finite.receives(3);
        assertEquals(END, finite.next(), "the service ended the stream");
        Await.until(() -> interceptor.openCalls().size() == 0, Duration.ofSeconds(20), Duration.ofMillis(20));

        if (transport == Transport.NETTY) {
            // The Vert.x gRPC server (4.5) does not tell the service when a client cancels a call whose request has
            // ended, or goes away (eclipse-vertx/vert.x#5562): such a call stays open until the service ends it, here
            // and in the service alike. On grpc-java's server the cancellation ends the registration.
            Stream feed = open(FEED, token, "feed");
            Stream ticks = open(TICKS, token, "ticks");
            feed.receives(1);
            ticks.receives(1);
            assertEquals(2, interceptor.openCalls().size());
            feed.call().cancel("done", null);
            ticks.call().cancel("done", null);
            Await.until(() -> interceptor.openCalls().size() == 0, Duration.ofSeconds(20), Duration.ofMillis(20));
            assertTrue(seen.get("ticks").multiCancelled.await(20, TimeUnit.SECONDS));
        }

        // A revocation with no open call of the device touches nothing.
        revocations.revoke("dev-1", Instant.now());
        assertEquals(0, interceptor.openCalls().size());
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void aRevokedDevicesBidirectionalSessionEndsAndTheServiceStreamIsCancelled(Transport transport) throws Exception {
        start(transport);
        ClientCall<StringValue, StringValue> call = channel.newCall(CHAT, CallOptions.DEFAULT.withCallCredentials(
                DeviceTokens.credentials(DeviceTokens.issuedAt("dev-1", Instant.now().minusSeconds(5)))));
        Stream session = new Stream(call, new LinkedBlockingQueue<>());
        StreamObserver<StringValue> out = ClientCalls.asyncBidiStreamingCall(call, new StreamObserver<>() {
            @Override
            public void onNext(StringValue value) {
                session.events().add(value);
            }

            @Override
            public void onError(Throwable t) {
                session.events().add(t);
            }

            @Override
            public void onCompleted() {
                session.events().add(END);
            }
        });
        out.onNext(StringValue.of("hello"));
        assertEquals(StringValue.of("echo hello"), session.next());

        revocations.revoke("dev-1", Instant.now());

        StatusRuntimeException cut = session.failure();
        assertEquals(Status.Code.UNAUTHENTICATED, cut.getStatus().getCode());
        assertEquals(DeviceAuthReasons.REVOKED, GrpcErrors.reason(cut).orElseThrow());
        assertTrue(seen.get("chat").multiCancelled.await(20, TimeUnit.SECONDS), "the session's Multi was cancelled");
        Await.until(() -> interceptor.openCalls().size() == 0, Duration.ofSeconds(20), Duration.ofMillis(20));
    }

    @Test
    void aCallAcceptedWhileItsRevocationIsRecordedIsNotRegistered() {
        Instant cutOff = Instant.now();
        OpenDeviceCalls calls = new OpenDeviceCalls(revocations);
        revocations.revoke("dev-1", cutOff);
        // Verified just before the revocation was recorded, registered just after it: refused.
        assertFalse(calls.opened(new DeviceCall<>(new IdleCall(), "dev-1", cutOff.minusSeconds(1), calls, null)));
        assertEquals(0, calls.size());
        assertTrue(calls.opened(new DeviceCall<>(new IdleCall(), "dev-1", cutOff.plusSeconds(1), calls, null)));
        assertEquals(1, calls.size());
    }

    /** A call that does nothing, for registry bookkeeping without a transport. */
    static final class IdleCall extends ServerCall<StringValue, StringValue> {
        @Override
        public void request(int numMessages) {
        }

        @Override
        public void sendHeaders(Metadata headers) {
        }

        @Override
        public void sendMessage(StringValue message) {
        }

        @Override
        public void close(Status status, Metadata trailers) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public MethodDescriptor<StringValue, StringValue> getMethodDescriptor() {
            return WHO;
        }
    }
}
