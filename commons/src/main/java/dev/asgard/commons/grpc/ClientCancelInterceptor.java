package dev.asgard.commons.grpc;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;

import org.jboss.logging.Logger;

import dev.asgard.commons.auth.DeviceAuthInterceptor;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GlobalInterceptor;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

/**
 * Tells a service when the client of a call went away (it cancelled the call, reset the stream, or the connection
 * dropped) before the service closed the call: the service's listener hears {@code onCancel}, so Quarkus cancels the
 * endpoint's {@code Multi} and its clean-up runs (a device watch unsubscribes, a lock waiter leaves the queue, the
 * device-auth interceptor forgets the call). Quarkus' gRPC server on the HTTP port does not do this itself
 * (quarkusio/quarkus#41776, eclipse-vertx/vert.x#5562); the HTTP/2 stream's close does reach the response, which
 * {@link GrpcHttpRequests} keeps on the call's context.
 *
 * <p>The outermost interceptor, so the cancellation passes through every other one. The listener's events are
 * delivered on the call's Vert.x context, where the transport delivers its own, so they never run concurrently; at
 * most one of {@code onComplete} and {@code onCancel} reaches the service, whichever comes first.
 *
 * <p>Also counts the calls that are open, by method ({@code asgard_grpc_server_calls_open}): the number of watch
 * streams, lock waits and sessions a replica carries.
 */
@GlobalInterceptor
@ApplicationScoped
public class ClientCancelInterceptor implements ServerInterceptor, Prioritized {

    /** Before the authentication interceptors: their listeners sit inside this one's. */
    public static final int PRIORITY = DeviceAuthInterceptor.PRIORITY + 1_000;

    private static final Logger LOG = Logger.getLogger(ClientCancelInterceptor.class);

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();

    public ClientCancelInterceptor(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        AtomicInteger count = open.computeIfAbsent(method, m -> {
            AtomicInteger n = new AtomicInteger();
            Gauge.builder("asgard.grpc.server.calls.open", n, AtomicInteger::get)
                    .description("gRPC calls this replica has accepted and not ended yet")
                    .tag("method", m).register(registry);
            return n;
        });
        Call<ReqT, RespT> tracked = new Call<>(call, count);
        count.incrementAndGet();
        ServerCall.Listener<ReqT> service;
        try {
            service = next.startCall(tracked, headers);
        } catch (RuntimeException e) {
            tracked.ended();
            throw e;
        }
        Events<ReqT> events = new Events<>(service, tracked);
        HttpServerRequest http = GrpcHttpRequests.current();
        Context context = Vertx.currentContext();
        if (http != null && context != null) {
            http.response().closeHandler(closed -> context.runOnContext(ignored -> events.clientGone(method)));
        }
        return events;
    }

    /** The transport's call; notes when the service closed it. */
    private static final class Call<ReqT, RespT> extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
        private final AtomicInteger count;
        private volatile boolean closedByService;
        private final java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();

        Call(ServerCall<ReqT, RespT> call, AtomicInteger count) {
            super(call);
            this.count = count;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            closedByService = true;
            try {
                super.close(status, trailers);
            } finally {
                ended();
            }
        }

        void ended() {
            if (ended.compareAndSet(false, true)) {
                count.decrementAndGet();
            }
        }
    }

    /** The service's listener: at most one end event reaches it. */
    private static final class Events<ReqT> extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
        private final Call<ReqT, ?> call;
        private boolean ended;

        Events(ServerCall.Listener<ReqT> delegate, Call<ReqT, ?> call) {
            super(delegate);
            this.call = call;
        }

        @Override
        public void onComplete() {
            call.ended();
            if (!ended) {
                ended = true;
                super.onComplete();
            }
        }

        @Override
        public void onCancel() {
            call.ended();
            if (!ended) {
                ended = true;
                super.onCancel();
            }
        }

        /** The HTTP/2 stream closed: if the service has not closed the call, the client went away. */
        void clientGone(String method) {
            if (ended || call.closedByService) {
                return;
            }
            LOG.debugf("%s: the client went away before the call ended; cancelling it", method);
            onCancel();
        }
    }
}
