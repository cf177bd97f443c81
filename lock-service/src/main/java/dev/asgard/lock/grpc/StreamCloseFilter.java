package dev.asgard.lock.grpc;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Hands the HTTP/2 request of an {@code Acquire} call to the lock streams, so they notice when the client resets the
 * stream: on the HTTP port, Quarkus' gRPC server does not pass a client's cancellation of a server stream on to the
 * service (quarkusio/quarkus#41776, eclipse-vertx/vert.x#5562), and a waiting request must leave the queue when its
 * client goes away.
 */
@ApplicationScoped
public class StreamCloseFilter {

    /** Key of the request on the call's Vert.x context. */
    public static final String REQUEST = "asgard.lock.http-request";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::remember);
    }

    void remember(RoutingContext rc) {
        if (rc.request().path().startsWith("/asgard.lock.v1.LockService/Acquire")) {
            Context context = Vertx.currentContext();
            if (context != null) {
                context.putLocal(REQUEST, rc.request());
            }
        }
        rc.next();
    }

    /** @return the HTTP request of the current call, if it came through this filter */
    public static HttpServerRequest current() {
        Context context = Vertx.currentContext();
        return context == null ? null : context.getLocal(REQUEST);
    }
}
