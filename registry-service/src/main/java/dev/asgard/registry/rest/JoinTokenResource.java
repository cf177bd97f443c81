package dev.asgard.registry.rest;

import java.net.URI;
import java.util.Locale;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import dev.asgard.registry.entity.JoinToken;
import dev.asgard.registry.mapping.JoinTokenMapper;
import dev.asgard.registry.rest.dto.CreateJoinTokenRequest;
import dev.asgard.registry.rest.dto.CreatedJoinToken;
import dev.asgard.registry.rest.dto.JoinTokenPage;
import dev.asgard.registry.rest.dto.JoinTokenView;
import dev.asgard.registry.service.JoinTokenService;
import dev.asgard.registry.service.NewJoinToken;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Join tokens for administrators: create (the secret is shown once), list, show usage, revoke. */
@Path("/api/v1/join-tokens")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Join tokens")
@SecurityRequirement(name = "bearer")
public class JoinTokenResource {

    private final JoinTokenService service;
    private final JoinTokenMapper mapper;
    private final SecurityIdentity identity;

    public JoinTokenResource(JoinTokenService service, JoinTokenMapper mapper, SecurityIdentity identity) {
        this.service = service;
        this.mapper = mapper;
        this.identity = identity;
    }

    /** Creates a join token; the answer carries the secret token, which is never shown again. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Create a join token", description = "The secret token is in this answer only.")
    public Uni<Response> create(CreateJoinTokenRequest body) {
        if (body == null) {
            throw AsgardException.invalidArgument("REQUEST_BODY_MISSING", "A JSON body is required.")
                    .withHint("Send at least {} to create a token with the defaults (24h, unlimited uses).");
        }
        Validation v = Validation.create();
        NewJoinToken request = new NewJoinToken(
                body.description(),
                Durations.parse(v, "ttl", body.ttl()),
                body.usageLimit(),
                body.networks(),
                body.labels(),
                Boolean.TRUE.equals(body.ephemeral()),
                Durations.parse(v, "ephemeralGracePeriod", body.ephemeralGracePeriod()),
                Boolean.TRUE.equals(body.requiresApproval()));
        v.throwIfInvalid();
        return service.create(request, identity.getPrincipal().getName())
                .map(created -> Response.created(URI.create("/api/v1/join-tokens/" + created.joinToken().id))
                        .entity(new CreatedJoinToken(created.token(), mapper.toView(created.joinToken())))
                        .build());
    }

    /** Lists join tokens, newest first, optionally only those in one state. */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "List join tokens")
    public Uni<JoinTokenPage> list(@QueryParam("state") String state, @QueryParam("page_size") Integer pageSize,
            @QueryParam("page_token") String pageToken) {
        PageRequest page = PageRequest.of(pageSize, pageToken);
        return service.list(parseState(state), page)
                .map(result -> new JoinTokenPage(result.items().stream().map(mapper::toView).toList(),
                        result.nextPageToken()));
    }

    /** Shows one join token with its usage. */
    @GET
    @Path("/{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show a join token and its usage")
    public Uni<JoinTokenView> get(@PathParam("id") String id) {
        return service.get(parseId(id)).map(mapper::toView);
    }

    /** Revokes a join token; devices enrolled with it stay. Idempotent. */
    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Revoke a join token")
    public Uni<JoinTokenView> revoke(@PathParam("id") String id) {
        return service.revoke(parseId(id), identity.getPrincipal().getName()).map(mapper::toView);
    }

    private static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_JOIN_TOKEN_ID", "'%s' is not a join token id.", id)
                    .withViolation("id", "must be a UUID")
                    .withHint("Use the id from the token list, not the secret token.");
        }
    }

    private static JoinToken.State parseState(String state) {
        if (state == null || state.isBlank()) {
            return null;
        }
        try {
            return JoinToken.State.valueOf(state.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_STATE", "'%s' is not a join token state.", state)
                    .withViolation("state", "must be one of active, expired, exhausted, revoked");
        }
    }
}
