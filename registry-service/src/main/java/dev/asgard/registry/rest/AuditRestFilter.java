package dev.asgard.registry.rest;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.asgard.registry.service.AuditCaller;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;

/**
 * Remembers the client address of every REST request for the audit trail ({@link AuditCaller}); the user is
 * resolved when an entry is written. Behind a proxy, enable {@code quarkus.http.proxy.proxy-address-forwarding}
 * so the address is the client's, not the proxy's.
 */
public class AuditRestFilter {

    /** @param request the HTTP request */
    @ServerRequestFilter
    public void rememberAddress(HttpServerRequest request) {
        SocketAddress remote = request.remoteAddress();
        AuditCaller.set(AuditCaller.addressOnly(remote == null ? null : remote.hostAddress()));
    }
}
