package dev.asgard.commons.auth;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Executor;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.spi.Prioritized;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.security.Roles;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;

/**
 * Administrator authentication for the gRPC services that take Keycloak tokens instead of device tokens
 * ({@code asgard.device-auth.admin-services}, e.g. {@code asgard.backup.v1.BackupService}): the bearer token is
 * verified by quarkus-oidc exactly as on the admin REST API (same issuer, keys and role mapping), then the method
 * decides the role: {@code Get*}, {@code List*} and {@code Watch*} need {@link Roles#VIEWER} or {@link Roles#ADMIN},
 * every other method {@link Roles#ADMIN}. The administrator's name is available to the service through
 * {@link #ADMIN}. A refused call is closed with UNAUTHENTICATED or PERMISSION_DENIED before the service sees it.
 */
@GlobalInterceptor
@ApplicationScoped
public class AdminGrpcInterceptor implements ServerInterceptor, Prioritized {

    /** The authenticated administrator's name ({@code preferred_username} or subject) in the gRPC context. */
    public static final Context.Key<String> ADMIN = Context.key("asgard-admin");

    private static final Logger LOG = Logger.getLogger(AdminGrpcInterceptor.class);

    private final TenantIdentityProvider identities;
    private final Set<String> services;

    @Inject
    public AdminGrpcInterceptor(TenantIdentityProvider identities, DeviceAuthConfig config) {
        this.identities = identities;
        this.services = new HashSet<>(config.adminServices().orElse(java.util.List.of()));
    }

    @Override
    public int getPriority() {
        return DeviceAuthInterceptor.PRIORITY;
    }

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
            ServerCallHandler<ReqT, RespT> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (service == null || !services.contains(service)) {
            return next.startCall(call, headers);
        }
        String method = call.getMethodDescriptor().getBareMethodName();
        String token = GrpcCalls.bearerToken(headers);
        if (token == null) {
            return GrpcCalls.refuse(call, AsgardException.unauthenticated("ADMIN_TOKEN_MISSING",
                    "%s needs an administrator token: header 'authorization: Bearer <token>'", service)
                    .withHint("Log in to Keycloak (realm asgard) and send the access token."));
        }
        Context base = Context.current();
        PendingListener<ReqT> pending = new PendingListener<>();
        Executor resume = GrpcCalls.resumeExecutor();
        identities.authenticate(new AccessTokenCredential(token)).subscribe().with(
                identity -> resume.execute(() -> pending.start(proceed(identity, method, base, call, headers, next))),
                failure -> resume.execute(() -> {
                    LOG.debugf("Administrator token refused for %s: %s", method, failure.getMessage());
                    pending.start(GrpcCalls.refuse(call, AsgardException.unauthenticated("ADMIN_TOKEN_INVALID",
                            "The administrator token is not valid (expired, forged or from another issuer).")
                            .withHint("Log in to Keycloak again and send the new access token.")));
                }));
        return pending;
    }

    private <ReqT, RespT> ServerCall.Listener<ReqT> proceed(SecurityIdentity identity, String method, Context base,
            ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
        boolean read = method != null && (method.startsWith("Get") || method.startsWith("List")
                || method.startsWith("Watch"));
        boolean allowed = identity.hasRole(Roles.ADMIN) || read && identity.hasRole(Roles.VIEWER);
        if (!allowed) {
            return GrpcCalls.refuse(call, AsgardException.permissionDenied("ADMIN_ROLE_REQUIRED",
                    "%s needs the role %s.", method, read ? Roles.VIEWER + " or " + Roles.ADMIN : Roles.ADMIN)
                    .withHint("Ask a Keycloak administrator of realm asgard to grant the role."));
        }
        return Contexts.interceptCall(base.withValue(ADMIN, identity.getPrincipal().getName()), call, headers, next);
    }
}
