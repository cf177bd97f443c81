package dev.asgard.backup.rest;

import java.net.URI;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.backup.rest.dto.RestoreRequest;
import dev.asgard.backup.service.RestoreService;
import dev.asgard.backup.service.RestoreValidation;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Restores for administrators: {@code POST /api/v1/repositories/{id}/restore} queues a restore run on this agent
 * (202 with the run; follow it under {@code /api/v1/runs/{runId}}, live at {@code .../events}, cancel at
 * {@code .../cancel}). An {@code Idempotency-Key} header makes retries return the first run.
 */
@Path("/api/v1/repositories/{id}/restore")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Snapshots")
@SecurityRequirement(name = "bearer")
public class RestoreResource {

    private final RestoreService service;
    private final RunMapper mapper;
    private final SecurityIdentity identity;

    public RestoreResource(RestoreService service, RunMapper mapper, SecurityIdentity identity) {
        this.service = service;
        this.mapper = mapper;
        this.identity = identity;
    }

    /** Queues a restore of a snapshot (or of some of its paths) into a folder under an allowed root. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Restore a snapshot, or some of its paths, to a folder on the agent")
    public Uni<Response> restore(@PathParam("id") String id, RestoreRequest body,
            @HeaderParam("Idempotency-Key") String key) {
        var repositoryId = RestParams.repositoryId(id);
        if (body == null) {
            throw AsgardException.invalidArgument("INVALID_ARGUMENT", "A restore needs a JSON body.")
                    .withViolation("body", "is required: {\"snapshotId\": ..., \"targetPath\": ...}");
        }
        RestParams.idempotencyKey(key);
        RestoreValidation.Input in = new RestoreValidation.Input(body.snapshotId(), body.targetPath(),
                body.includePaths(), body.excludePaths(), Boolean.TRUE.equals(body.overwrite()),
                Boolean.TRUE.equals(body.verify()));
        return service.restore(repositoryId, in, RestParams.caller(identity), key)
                .map(r -> Response.accepted(mapper.toView(mapper.toProto(r)))
                        .location(URI.create("/api/v1/runs/" + r.id)).build());
    }
}
