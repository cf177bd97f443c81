package dev.asgard.backup.rest;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.backup.mapping.SnapshotMapper;
import dev.asgard.backup.rest.dto.ForgetSnapshotView;
import dev.asgard.backup.rest.dto.SnapshotDiffView;
import dev.asgard.backup.rest.dto.SnapshotPage;
import dev.asgard.backup.rest.dto.SnapshotTreePage;
import dev.asgard.backup.rest.dto.SnapshotView;
import dev.asgard.backup.restic.ResticSnapshotFilter;
import dev.asgard.backup.service.SnapshotService;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.security.Roles;
import io.smallrye.mutiny.Uni;

/**
 * Snapshots of a repository, read from restic: list with filters, details, browse, diff; administrators forget
 * one. Snapshot ids are full ids or unique prefixes of at least 8 hexadecimal characters.
 */
@Path("/api/v1/repositories/{id}/snapshots")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Snapshots")
@SecurityRequirement(name = "bearer")
public class SnapshotResource {

    private final SnapshotService service;
    private final SnapshotMapper mapper;

    public SnapshotResource(SnapshotService service, SnapshotMapper mapper) {
        this.service = service;
        this.mapper = mapper;
    }

    /**
     * Lists snapshots, newest first; host, tag (all must match, repeatable), path (repeatable), job (the job that
     * made them) and time range ({@code taken_after} inclusive, {@code taken_before} exclusive, ISO-8601) filter.
     */
    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "List snapshots")
    public Uni<SnapshotPage> list(@PathParam("id") String id, @QueryParam("host") String host,
            @QueryParam("tag") List<String> tags, @QueryParam("path") List<String> paths,
            @QueryParam("job") String job, @QueryParam("taken_after") String takenAfter,
            @QueryParam("taken_before") String takenBefore,
            @QueryParam("page_size") Integer pageSize, @QueryParam("page_token") String pageToken) {
        UUID repositoryId = RestParams.repositoryId(id);
        List<String> allTags = new ArrayList<>(tags == null ? List.of() : tags);
        if (job != null && !job.isEmpty()) {
            allTags.add(SnapshotMapper.JOB_TAG_PREFIX + RestParams.uuid("job", job));
        }
        return service.list(repositoryId, new ResticSnapshotFilter(host, allTags, paths),
                RestParams.instant("taken_after", takenAfter), RestParams.instant("taken_before", takenBefore),
                PageRequest.of(pageSize, pageToken)).map(mapper::toView);
    }

    /** Differences between two snapshots ({@code from} older, {@code to} newer), in path order. */
    @GET
    @Path("/diff")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Diff two snapshots")
    public Uni<SnapshotDiffView> diff(@PathParam("id") String id, @QueryParam("from") String from,
            @QueryParam("to") String to, @QueryParam("path") String path,
            @QueryParam("metadata") String metadata,
            @QueryParam("page_size") Integer pageSize, @QueryParam("page_token") String pageToken) {
        return service.diff(RestParams.repositoryId(id), from, to, path, RestParams.bool("metadata", metadata),
                PageRequest.of(pageSize, pageToken)).map(mapper::toView);
    }

    /** One snapshot. */
    @GET
    @Path("/{sid}")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Show a snapshot")
    public Uni<SnapshotView> get(@PathParam("id") String id, @PathParam("sid") String sid) {
        return service.get(RestParams.repositoryId(id), sid).map(mapper::toView);
    }

    /** The entries of a folder of a snapshot (default the root), or of its whole subtree. */
    @GET
    @Path("/{sid}/tree")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Browse a snapshot")
    public Uni<SnapshotTreePage> tree(@PathParam("id") String id, @PathParam("sid") String sid,
            @QueryParam("path") @DefaultValue("/") String path,
            @QueryParam("recursive") String recursive,
            @QueryParam("page_size") Integer pageSize, @QueryParam("page_token") String pageToken) {
        return service.browse(RestParams.repositoryId(id), sid, path, RestParams.bool("recursive", recursive),
                PageRequest.of(pageSize, pageToken))
                .map(mapper::toView);
    }

    /** Forgets one snapshot, pruning unreferenced data when {@code prune=true}. */
    @DELETE
    @Path("/{sid}")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Forget a snapshot", description = "Holds the repository exclusively; emits "
            + "asgard.backup.snapshot.forgotten.")
    public Uni<ForgetSnapshotView> forget(@PathParam("id") String id, @PathParam("sid") String sid,
            @QueryParam("prune") String prune) {
        return service.forget(RestParams.repositoryId(id), sid, RestParams.bool("prune", prune)).map(mapper::toView);
    }
}
