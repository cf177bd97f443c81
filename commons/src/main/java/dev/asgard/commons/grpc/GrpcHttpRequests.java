package dev.asgard.commons.grpc;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Keeps the HTTP/2 request of each gRPC call on the call's Vert.x context, so that {@link ClientCancelInterceptor}
 * can see the client reset the stream. On the HTTP port, Quarkus' gRPC server does not pass a client's cancellation
 * (or a dropped connection) on to the service (quarkusio/quarkus#41776, eclipse-vertx/vert.x#5562): without this a
 * server stream whose client went away would run until the service ends it.
 */
@ApplicationScoped
public class GrpcHttpRequests {

    private static final String KEY = "asgard.grpc.http-request";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(GrpcHttpRequests::remember);
    }

    static void remember(RoutingContext rc) {
        String type = rc.request().getHeader("content-type");
        if (type != null && type.startsWith("application/grpc")) {
            Context context = Vertx.currentContext();
            if (context != null) {
                context.putLocal(KEY, rc.request());
            }
        }
        rc.next();
    }

    /** @return the HTTP request of the gRPC call running on the current Vert.x context, or null */
    static HttpServerRequest current() {
        Context context = Vertx.currentContext();
        return context == null ? null : context.getLocal(KEY);
    }
}
