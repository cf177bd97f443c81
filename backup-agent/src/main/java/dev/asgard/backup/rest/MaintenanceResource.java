package dev.asgard.backup.rest;

import java.util.List;
import java.util.UUID;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import dev.asgard.backup.mapping.SnapshotMapper;
import dev.asgard.backup.rest.dto.CheckView;
import dev.asgard.backup.rest.dto.ForgetPolicyRequest;
import dev.asgard.backup.rest.dto.ForgetPolicyView;
import dev.asgard.backup.rest.dto.RepositoryStatsView;
import dev.asgard.backup.rest.dto.UnlockView;
import dev.asgard.backup.restic.ResticPolicy;
import dev.asgard.backup.restic.ResticSnapshotFilter;
import dev.asgard.backup.service.MaintenanceService;
import dev.asgard.backup.service.RetentionService;
import dev.asgard.backup.service.SnapshotValidation;
import dev.asgard.commons.security.Roles;
import io.smallrye.mutiny.Uni;

/**
 * Repository maintenance for administrators: forget by retention policy (preview or apply), check, unlock of
 * stale restic locks, statistics (viewers read these). check, forget and unlock hold the repository exclusively.
 */
@Path("/api/v1/repositories/{id}")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Repository maintenance")
@SecurityRequirement(name = "bearer")
public class MaintenanceResource {

    private final RetentionService retention;
    private final MaintenanceService maintenance;
    private final SnapshotMapper mapper;

    public MaintenanceResource(RetentionService retention, MaintenanceService maintenance, SnapshotMapper mapper) {
        this.retention = retention;
        this.maintenance = maintenance;
        this.mapper = mapper;
    }

    /**
     * Applies a retention policy: a preview unless {@code "dryRun": false}. A policy without keep rules, or one
     * that would leave a group without snapshots, is refused unless {@code "allowKeepNothing": true}.
     */
    @POST
    @Path("/forget")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Forget snapshots by retention policy (dry run by default)")
    public Uni<ForgetPolicyView> forget(@PathParam("id") String id, ForgetPolicyRequest body) {
        UUID repositoryId = RestParams.repositoryId(id);
        if (body == null) {
            throw dev.asgard.commons.error.AsgardException.invalidArgument("REQUEST_BODY_MISSING",
                    "A JSON body with the policy is required.");
        }
        ResticPolicy policy = new ResticPolicy(num(body.keepLast()), num(body.keepHourly()), num(body.keepDaily()),
                num(body.keepWeekly()), num(body.keepMonthly()), num(body.keepYearly()), body.keepWithin(),
                body.keepTags());
        return retention.forget(repositoryId, new RetentionService.PolicyCommand(policy,
                new ResticSnapshotFilter(body.host(), body.tags(), body.paths()),
                body.groupBy() == null ? List.of() : body.groupBy(), Boolean.TRUE.equals(body.prune()),
                !Boolean.FALSE.equals(body.dryRun()), Boolean.TRUE.equals(body.allowKeepNothing())))
                .map(mapper::toView);
    }

    /**
     * Checks the repository (structure; with {@code readData=true} or {@code readDataSubset} also pack data) and
     * records the result. Options are query parameters, so a plain {@code POST} with no body works.
     */
    @POST
    @Path("/check")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Check the repository", description = "Records last check time and outcome; emits "
            + "asgard.backup.repository.check_completed. readDataSubset: 10% or 1/5.")
    public Uni<CheckView> check(@PathParam("id") String id, @QueryParam("readData") String readData,
            @QueryParam("readDataSubset") String readDataSubset) {
        UUID repositoryId = RestParams.repositoryId(id);
        return maintenance.check(repositoryId, RestParams.bool("readData", readData), readDataSubset)
                .map(mapper::toView);
    }

    /**
     * Removes stale restic locks (their process is gone or they are older than 30 minutes) and says which remain;
     * {@code removeAll=true} removes every lock, only for when no restic process uses the repository any more.
     */
    @POST
    @Path("/unlock")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Remove stale restic locks")
    public Uni<UnlockView> unlock(@PathParam("id") String id, @QueryParam("removeAll") String removeAll) {
        UUID repositoryId = RestParams.repositoryId(id);
        return maintenance.unlock(repositoryId, RestParams.bool("removeAll", removeAll)).map(mapper::toView);
    }

    /** Statistics in one of restic's modes, of all snapshots or the given ones. */
    @GET
    @Path("/stats")
    @RolesAllowed({ Roles.ADMIN, Roles.VIEWER })
    @Operation(summary = "Repository statistics")
    public Uni<RepositoryStatsView> stats(@PathParam("id") String id, @QueryParam("mode") String mode,
            @QueryParam("snapshot") List<String> snapshots) {
        UUID repositoryId = RestParams.repositoryId(id);
        String m = SnapshotValidation.statsMode(mode);
        return maintenance.stats(repositoryId, m, snapshots).map(s -> mapper.toView(repositoryId, m, s));
    }

    private static int num(Integer value) {
        return value == null ? 0 : value;
    }
}
