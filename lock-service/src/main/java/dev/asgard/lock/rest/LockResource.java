package dev.asgard.lock.rest;

import java.util.Locale;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import dev.asgard.lock.mapping.LockViewMapper;
import dev.asgard.lock.service.LockEngine;
import dev.asgard.lock.service.LockQueryService;
import dev.asgard.lock.service.LockRequests;
import dev.asgard.lock.rest.dto.ForceReleaseBody;
import dev.asgard.lock.rest.dto.ForceReleased;
import dev.asgard.lock.rest.dto.LockPage;
import dev.asgard.lock.rest.dto.LockView;
import dev.asgard.lock.rest.dto.WaitForGraphView;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Locks for administrators: list, details, force release, and the wait-for graph (JSON or Graphviz DOT). Lock
 * names contain '/', so they are the rest of the path; a lock literally named {@code wait-for-graph} is only
 * reachable through gRPC GetLock.
 */
@Path("/api/v1/locks")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Locks")
@SecurityRequirement(name = "bearer")
public class LockResource {

    /** Media type of the DOT rendering of the wait-for graph. */
    public static final String GRAPHVIZ = "text/vnd.graphviz";
    private static final int MAX_REASON = 256;

    private final LockQueryService queries;
    private final LockEngine engine;
    private final SecurityIdentity identity;

    public LockResource(LockQueryService queries, LockEngine engine, SecurityIdentity identity) {
        this.queries = queries;
        this.engine = engine;
        this.identity = identity;
    }

    /** Lists held or contended locks in name order, optionally under a prefix or held by one device. */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "List locks", description = "Held or contended locks in name order; include_free=true adds "
            + "free locks that were granted before (they keep their fencing counter).")
    public Uni<LockPage> list(@QueryParam("prefix") String prefix, @QueryParam("holder_device") String holderDevice,
            @QueryParam("include_free") boolean includeFree, @QueryParam("page_size") Integer pageSize,
            @QueryParam("page_token") String pageToken) {
        Validation v = Validation.create();
        LockQueryService.ListFilter filter = LockQueryService.filter(v, "prefix", prefix, "holder_device", holderDevice,
                includeFree);
        v.throwIfInvalid();
        return queries.list(filter, PageRequest.of(pageSize, pageToken))
                .map(page -> new LockPage(page.items().stream().map(LockViewMapper::view).toList(), page.nextPageToken()));
    }

    /**
     * The wait-for graph over owners: JSON by default, Graphviz DOT with {@code Accept: text/vnd.graphviz} or
     * {@code ?format=dot} (render it with {@code dot -Tsvg}).
     */
    @GET
    @Path("/wait-for-graph")
    @Produces({ MediaType.APPLICATION_JSON, GRAPHVIZ })
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show the wait-for graph", description = "Nodes are owners (device/session), edges go from a "
            + "waiting owner to each holder of the lock it waits for; a cycle is a deadlock.")
    public Uni<Response> waitForGraph(@QueryParam("format") String format, @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        boolean dot;
        if (format == null || format.isBlank()) {
            dot = accept != null && accept.toLowerCase(Locale.ROOT).contains(GRAPHVIZ)
                    && !accept.toLowerCase(Locale.ROOT).contains(MediaType.APPLICATION_JSON);
        } else if (format.equalsIgnoreCase("dot") || format.equalsIgnoreCase("json")) {
            dot = format.equalsIgnoreCase("dot");
        } else {
            throw AsgardException.invalidArgument("INVALID_FORMAT", "'%s' is not a graph format.", format)
                    .withViolation("format", "must be json or dot");
        }
        return queries.waitForGraph().map(LockViewMapper::graph).map(graph -> dot
                ? Response.ok(LockViewMapper.dot(graph), GRAPHVIZ).build()
                : Response.ok(graph, MediaType.APPLICATION_JSON).build());
    }

    /** One lock with its holders and queue. */
    @GET
    @Path("/{name: .+}")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show a lock", description = "Holders with fencing tokens and leases, waiters in queue order.")
    public Uni<LockView> get(@PathParam("name") String name) {
        requireName(name);
        return queries.get(name).map(state -> LockViewMapper.view(state.orElseThrow(() -> notFound(name))));
    }

    /**
     * Ends the grants of a lock (one by fencing token, or all): the holders lose it with FORCE_RELEASED, their tokens
     * become stale, the queue moves on, and a LockForceReleased event per grant is published.
     */
    @POST
    @Path("/{name: .+}/force-release")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Force-release a lock", description = "Body: {\"reason\": \"...\"} ends every holder; add "
            + "\"fencingToken\" to end one grant.")
    public Uni<ForceReleased> forceRelease(@PathParam("name") String name, ForceReleaseBody body) {
        Validation v = Validation.create();
        LockRequests.name(v, "name", name);
        if (body == null) {
            throw AsgardException.invalidArgument("REQUEST_BODY_MISSING", "A JSON body with a reason is required.")
                    .withHint("Send {\"reason\": \"why\"} to release every holder, with \"fencingToken\" for one grant.");
        }
        v.check(body.reason() != null && !body.reason().isBlank() && body.reason().length() <= MAX_REASON, "reason",
                "must be 1-" + MAX_REASON + " characters");
        v.check(body.fencingToken() == null || body.fencingToken() > 0, "fencingToken",
                "must be the positive fencing token of a current holder, or absent for all holders");
        v.throwIfInvalid();
        return engine.forceRelease(name, body.fencingToken(), identity.getPrincipal().getName(), body.reason().strip())
                .chain(ended -> queries.get(name).map(after -> new ForceReleased(
                        ended.stream().map(h -> new ForceReleased.ReleasedGrant(h.owner().deviceId().toString(),
                                h.owner().sessionId(), h.fencingToken())).toList(),
                        after.map(LockViewMapper::view).orElse(null))));
    }

    private static void requireName(String name) {
        Validation v = Validation.create();
        LockRequests.name(v, "name", name);
        v.throwIfInvalid();
    }

    private static AsgardException notFound(String name) {
        return AsgardException.notFound(LockEngine.LOCK_NOT_FOUND, "No lock named '%s' was ever used.", name)
                .withHint("List the locks with GET /api/v1/locks?prefix=...");
    }
}
