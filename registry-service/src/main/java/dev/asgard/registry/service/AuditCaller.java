package dev.asgard.registry.service;

import java.util.Optional;

import dev.asgard.registry.entity.AuditEntry.ActorKind;
import io.smallrye.common.vertx.VertxContext;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Who called, and from where, for the audit trail. The gRPC interceptor and the REST filter store it on the
 * request's duplicated Vert.x context, which the whole reactive pipeline of the request runs on (the
 * Hibernate Reactive session lives there too), so {@link AuditService} finds it however deep the call is.
 *
 * @param actor user name, {@code device:<id>}, {@code anonymous} or {@code system}; null when only the
 *        address is known (REST: the user is resolved from the security identity when the entry is written)
 * @param kind the kind of actor, null together with {@code actor}
 * @param clientAddress the peer's IP address, or null
 */
public record AuditCaller(String actor, ActorKind kind, String clientAddress) {

    /** The actor of work the registry does on its own. */
    public static final AuditCaller SYSTEM = new AuditCaller("system", ActorKind.SYSTEM, null);

    private static final String KEY = AuditCaller.class.getName();

    /**
     * @param deviceId the device
     * @param clientAddress its address, or null
     * @return a device caller
     */
    public static AuditCaller device(String deviceId, String clientAddress) {
        return new AuditCaller("device:" + deviceId, ActorKind.DEVICE, clientAddress);
    }

    /**
     * @param clientAddress the address, or null
     * @return an unauthenticated caller
     */
    public static AuditCaller anonymous(String clientAddress) {
        return new AuditCaller("anonymous", ActorKind.ANONYMOUS, clientAddress);
    }

    /**
     * @param user the user name
     * @param clientAddress the address, or null
     * @return an administrator
     */
    public static AuditCaller user(String user, String clientAddress) {
        return new AuditCaller(user, ActorKind.USER, clientAddress);
    }

    /**
     * @param clientAddress the address
     * @return a caller whose identity is resolved later
     */
    public static AuditCaller addressOnly(String clientAddress) {
        return new AuditCaller(null, null, clientAddress);
    }

    /** @return whether the actor is known */
    public boolean identified() {
        return actor != null;
    }

    /**
     * Stores the caller for the current request. Only on a duplicated (per-request) context: on a root
     * context it would leak into every later request of the event loop.
     *
     * @param caller the caller
     */
    public static void set(AuditCaller caller) {
        Context context = Vertx.currentContext();
        if (context != null && VertxContext.isDuplicatedContext(context)) {
            context.putLocal(KEY, caller);
        }
    }

    /** @return the caller of the current request, if one was stored */
    public static Optional<AuditCaller> current() {
        Context context = Vertx.currentContext();
        if (context == null || !VertxContext.isDuplicatedContext(context)) {
            return Optional.empty();
        }
        return Optional.ofNullable(context.getLocal(KEY));
    }
}
