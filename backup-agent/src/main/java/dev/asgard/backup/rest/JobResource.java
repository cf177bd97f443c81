package dev.asgard.backup.rest;

import java.net.URI;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.EntityTag;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.mapping.JobMapper;
import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.backup.rest.dto.JobPage;
import dev.asgard.backup.rest.dto.JobRequest;
import dev.asgard.backup.service.JobService;
import dev.asgard.backup.service.RunExecutor;
import dev.asgard.backup.service.RunService;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Backup jobs for administrators: create, list, show, replace (optionally guarded by {@code If-Match} with the
 * ETag from a read), delete. Viewers read; admins write. {@code POST /{id}/runs} starts a run of the job.
 */
@Path("/api/v1/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Jobs")
@SecurityRequirement(name = "bearer")
public class JobResource {

    private final JobService service;
    private final JobMapper mapper;
    private final RunService runs;
    private final RunExecutor executor;
    private final RunMapper runMapper;
    private final SecurityIdentity identity;

    public JobResource(JobService service, JobMapper mapper, RunService runs, RunExecutor executor,
            RunMapper runMapper, SecurityIdentity identity) {
        this.service = service;
        this.mapper = mapper;
        this.runs = runs;
        this.executor = executor;
        this.runMapper = runMapper;
        this.identity = identity;
    }

    private String user() {
        return RestParams.caller(identity);
    }

    /** Creates a job; with a schedule and enabled, its next start is planned at once. */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Create a backup job")
    public Uni<Response> create(JobRequest body) {
        requireBody(body);
        return service.create(body).map(j -> withEtag(Response.created(URI.create("/api/v1/jobs/" + j.id)), j));
    }

    /** Lists jobs by name, optionally only those of one repository. */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "List backup jobs")
    public Uni<JobPage> list(@QueryParam("repository_id") String repositoryId,
            @QueryParam("page_size") Integer pageSize, @QueryParam("page_token") String pageToken) {
        UUID repo = repositoryId == null || repositoryId.isBlank() ? null : parseId(repositoryId, "repository_id");
        return service.list(PageRequest.of(pageSize, pageToken), repo)
                .map(p -> new JobPage(p.items().stream().map(mapper::toView).toList(), p.nextPageToken()));
    }

    /** Shows a job with its scheduler state; the ETag is its revision. */
    @GET
    @Path("/{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show a backup job")
    public Uni<Response> get(@PathParam("id") String id) {
        return service.get(parseId(id, "id")).map(j -> withEtag(Response.ok(), j));
    }

    /** Replaces a job's settings (the whole job); with If-Match, only if nobody changed it meanwhile. */
    @PUT
    @Path("/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Replace a backup job's settings")
    public Uni<Response> replace(@PathParam("id") String id, @HeaderParam("If-Match") String ifMatch,
            JobRequest body) {
        UUID uuid = parseId(id, "id");
        requireBody(body);
        return service.replace(uuid, body, revision(ifMatch)).map(j -> withEtag(Response.ok(), j));
    }

    /**
     * Starts a backup run of the job now: queued behind a running backup (never overlapping). An
     * {@code Idempotency-Key} header makes retries of this request return the first run.
     */
    @POST
    @Path("/{id}/runs")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Start a backup run of a job")
    public Uni<Response> start(@PathParam("id") String jobId, @HeaderParam("Idempotency-Key") String key) {
        UUID id = parseId(jobId, "id");
        return runs.startManual(id, user(), RestParams.idempotencyKey(key)).invoke(ignored -> executor.kick())
                .map(r -> Response.accepted(runMapper.toView(runMapper.toProto(r))).location(URI.create("/api/v1/runs/" + r.id)).build());
    }

    /** Deletes a job: its queued runs are cancelled, a running one is stopped; its run history stays (without the job). */
    @DELETE
    @Path("/{id}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Delete a backup job")
    public Uni<Response> delete(@PathParam("id") String id) {
        UUID uuid = parseId(id, "id");
        return service.get(uuid).chain(j -> runs.cancelActive(uuid, "job deleted", user()))
                .invoke(ids -> ids.forEach(executor::cancelLocal))
                .chain(() -> service.delete(uuid)).map(ignored -> Response.noContent().build());
    }

    private Response withEtag(Response.ResponseBuilder b, BackupJob j) {
        return b.entity(mapper.toView(j)).tag(new EntityTag(Long.toString(j.revision))).build();
    }

    private static Long revision(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank() || ifMatch.strip().equals("*")) {
            return null;
        }
        String s = ifMatch.strip();
        if (s.startsWith("W/")) {
            s = s.substring(2);
        }
        s = s.replace("\"", "");
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw AsgardException.invalidArgument("INVALID_IF_MATCH", "If-Match '%s' is not an ETag of a job.", ifMatch)
                    .withHint("Send the ETag header of a GET of the job, such as \"3\".");
        }
    }

    static void requireBody(Object body) {
        if (body == null) {
            throw AsgardException.invalidArgument("REQUEST_BODY_MISSING", "A JSON body is required.");
        }
    }

    static UUID parseId(String id, String field) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_ID", "'%s' is not an id.", id)
                    .withViolation(field, "must be a UUID");
        }
    }
}
