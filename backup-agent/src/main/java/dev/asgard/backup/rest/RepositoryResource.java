package dev.asgard.backup.rest;

import java.net.URI;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
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

import dev.asgard.backup.mapping.RepositoryMapper;
import dev.asgard.backup.rest.dto.CreateRepositoryRequest;
import dev.asgard.backup.rest.dto.RepositoryPage;
import dev.asgard.backup.rest.dto.RepositoryView;
import dev.asgard.backup.rest.dto.UpdateRepositoryRequest;
import dev.asgard.backup.service.RepositoryChange;
import dev.asgard.backup.service.RepositoryOperations;
import dev.asgard.backup.service.RepositoryService;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import io.smallrye.mutiny.Uni;

/**
 * restic repositories for administrators: add, list, show, change, remove, initialise and refresh. Passwords
 * and backend credentials are accepted but never shown: a view says only whether they are set.
 */
@Path("/api/v1/repositories")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Repositories")
@SecurityRequirement(name = "bearer")
public class RepositoryResource {

    private final RepositoryService service;
    private final RepositoryOperations operations;
    private final RepositoryMapper mapper;

    public RepositoryResource(RepositoryService service, RepositoryOperations operations, RepositoryMapper mapper) {
        this.service = service;
        this.operations = operations;
        this.mapper = mapper;
    }

    /**
     * Adds a repository; {@code init} creates it in the storage if it does not exist yet. An
     * {@code Idempotency-Key} header makes retries of this request return the repository the first one added.
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Add a repository", description = "The password and backend secrets are write-only.")
    public Uni<Response> create(@HeaderParam("Idempotency-Key") String key, CreateRepositoryRequest body) {
        requireBody(body);
        if (key != null && (key.isBlank() || key.length() > 128)) {
            throw AsgardException.invalidArgument("INVALID_IDEMPOTENCY_KEY",
                    "Idempotency-Key must be 1 to 128 characters.");
        }
        return service.create(body, key).map(r -> Response.created(URI.create("/api/v1/repositories/" + r.id))
                .entity(mapper.toView(r)).build());
    }

    /** Lists repositories by name. */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "List repositories")
    public Uni<RepositoryPage> list(@QueryParam("page_size") Integer pageSize,
            @QueryParam("page_token") String pageToken) {
        return service.list(PageRequest.of(pageSize, pageToken))
                .map(p -> new RepositoryPage(p.items().stream().map(mapper::toView).toList(), p.nextPageToken()));
    }

    /** Shows one repository with its last observed state. */
    @GET
    @Path("/{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show a repository")
    public Uni<RepositoryView> get(@PathParam("id") String id) {
        return service.get(parseId(id)).map(mapper::toView);
    }

    /**
     * Changes a repository: absent fields stay; backendSecrets, when present, replaces all credentials. With
     * If-Match (the repository's revision), only if nobody changed it meanwhile.
     */
    @PATCH
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Change a repository")
    public Uni<RepositoryView> update(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch,
            UpdateRepositoryRequest body) {
        UUID uuid = parseId(id);
        requireBody(body);
        return service.update(uuid, RepositoryChange.of(body, revision(ifMatch))).map(mapper::toView);
    }

    /** Removes the repository from backup-agent; the data in the storage stays. */
    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Remove a repository (its data stays in the storage)")
    public Uni<Response> delete(@PathParam("id") String id) {
        return service.delete(parseId(id)).map(ignored -> Response.noContent().build());
    }

    /** Runs {@code restic init}: 409 when a repository already exists there. */
    @POST
    @Path("/{id}/init")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Initialise the repository in its storage")
    public Uni<RepositoryView> init(@PathParam("id") String id) {
        return operations.init(parseId(id)).map(mapper::toView);
    }

    /** Reads snapshots, locks and size from the storage and records them; failures become the state. */
    @POST
    @Path("/{id}/refresh")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Refresh the repository's state (reachable, locked, size, snapshots)")
    public Uni<RepositoryView> refresh(@PathParam("id") String id) {
        return operations.refresh(parseId(id)).map(mapper::toView);
    }

    private static Long revision(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.strip().equals("*")) {
            return null;
        }
        String s = ifMatch.strip();
        s = (s.startsWith("W/") ? s.substring(2) : s).replace("\"", "");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw AsgardException.invalidArgument("INVALID_IF_MATCH", "If-Match '%s' is not a repository revision.",
                    ifMatch).withHint("Send the revision of a GET of the repository, such as \"3\".");
        }
    }

    private static void requireBody(Object body) {
        if (body == null) {
            throw AsgardException.invalidArgument("REQUEST_BODY_MISSING", "A JSON body is required.");
        }
    }

    private static UUID parseId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_REPOSITORY_ID", "'%s' is not a repository id.", id)
                    .withViolation("id", "must be a UUID");
        }
    }
}
