package dev.asgard.backup.rest;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.backup.rest.dto.RunPage;
import dev.asgard.backup.rest.dto.RunView;
import dev.asgard.backup.service.RunExecutor;
import dev.asgard.backup.service.RunService;
import dev.asgard.backup.service.RunUpdates;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.subscription.Cancellable;
import io.smallrye.mutiny.Uni;

/**
 * Backup runs for administrators (a job's run is started with {@code POST /api/v1/jobs/{id}/runs}): list and show runs, follow one live (Server-Sent Events),
 * cancel one. Viewers read; admins start and cancel.
 */
@Path("/api/v1/runs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Runs")
@SecurityRequirement(name = "bearer")
public class RunResource {

    private static final Set<String> STATES = Set.of("QUEUED", "RUNNING", "SUCCEEDED", "PARTIAL", "FAILED",
            "CANCELLING", "CANCELLED", "INTERRUPTED");

    private final RunService service;
    private final RunExecutor executor;
    private final RunUpdates updates;
    private final RunMapper mapper;
    private final SecurityIdentity identity;

    public RunResource(RunService service, RunExecutor executor, RunUpdates updates, RunMapper mapper,
            SecurityIdentity identity) {
        this.service = service;
        this.executor = executor;
        this.updates = updates;
        this.mapper = mapper;
        this.identity = identity;
    }

    /**
     * Lists runs, newest first; filter by job, states (comma-separated, e.g. FAILED,INTERRUPTED) and kind
     * (BACKUP or RESTORE).
     */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "List runs")
    public Uni<RunPage> list(@QueryParam("job_id") String jobId, @QueryParam("state") String states,
            @QueryParam("kind") String kind, @QueryParam("page_size") Integer pageSize,
            @QueryParam("page_token") String pageToken) {
        String wantedKind = kind == null || kind.isBlank() ? null : kind.strip().toUpperCase(Locale.ROOT);
        if (wantedKind != null && !List.of("BACKUP", "RESTORE").contains(wantedKind)) {
            throw AsgardException.invalidArgument("INVALID_RUN_KIND", "'%s' is not a run kind.", kind)
                    .withViolation("kind", "must be BACKUP or RESTORE");
        }
        UUID job = jobId == null || jobId.isBlank() ? null : JobResource.parseId(jobId, "job_id");
        List<String> wanted = new ArrayList<>();
        if (states != null && !states.isBlank()) {
            for (String s : states.split(",")) {
                String st = s.strip().toUpperCase(Locale.ROOT).replace("RUN_STATE_", "");
                if (!STATES.contains(st)) {
                    throw AsgardException.invalidArgument("INVALID_RUN_STATE", "'%s' is not a run state.", s)
                            .withViolation("state", "must be a comma-separated list of " + String.join(", ",
                                    new java.util.TreeSet<>(STATES)));
                }
                wanted.add(st);
            }
        }
        return service.list(PageRequest.of(pageSize, pageToken), job, wanted, wantedKind)
                .map(p -> new RunPage(p.items().stream().map(this::view).toList(), p.nextPageToken()));
    }

    /** Shows one run with its progress, summary or failure. */
    @GET
    @Path("/{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show a run")
    public Uni<RunView> get(@PathParam("id") String id) {
        return service.get(JobResource.parseId(id, "id")).map(this::view);
    }

    /**
     * Follows a run: an event with the run now, then one per change of state and per progress report (at most
     * about one a second); the stream ends after the run's terminal state.
     */
    @GET
    @Path("/{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Follow a run live (Server-Sent Events)")
    public Uni<Void> events(@PathParam("id") String id, @Context SseEventSink sink, @Context Sse sse) {
        UUID runId = JobResource.parseId(id, "id");
        // The run is read before anything is sent, so an unknown run is a plain 404 problem, not a broken stream.
        return service.getProto(runId).invoke(run -> {
            // A client that went away is noticed at the next item (at the latest the watcher's 2 s re-read).
            AtomicReference<Cancellable> subscription = new AtomicReference<>();
            subscription.set(updates.watch(runId, run, () -> service.getProto(runId)).map(mapper::toView)
                    .subscribe().with(view -> {
                        if (sink.isClosed()) {
                            Cancellable c = subscription.get();
                            if (c != null) {
                                c.cancel();
                            }
                            return;
                        }
                        sink.send(sse.newEventBuilder().mediaType(MediaType.APPLICATION_JSON_TYPE)
                                .data(RunView.class, view).build());
                    }, failure -> sink.close(), sink::close));
        }).replaceWithVoid();
    }

    /**
     * Cancels a run: a queued one at once; a running one gets SIGINT (restic removes its lock and stops) and
     * becomes CANCELLED within seconds. Answers with the run (CANCELLING or already CANCELLED, or its terminal
     * state if it ended first).
     */
    @POST
    @Path("/{id}/cancel")
    @Consumes({ MediaType.APPLICATION_JSON, MediaType.WILDCARD })
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Cancel a run")
    public Uni<RunView> cancel(@PathParam("id") String id, @QueryParam("reason") String reason) {
        UUID runId = JobResource.parseId(id, "id");
        if (reason != null && reason.length() > 256) {
            throw AsgardException.invalidArgument("INVALID_CANCEL_REASON", "The reason is too long.")
                    .withViolation("reason", "must be at most 256 characters");
        }
        return service.cancel(runId, reason == null ? "cancelled by " + user() : reason, user())
                .invoke(executor::cancelled).map(this::view);
    }

    RunView view(dev.asgard.backup.entity.BackupRun r) {
        return mapper.toView(mapper.toProto(r));
    }

    String user() {
        return RestParams.caller(identity);
    }
}
