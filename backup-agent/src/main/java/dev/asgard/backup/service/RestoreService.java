package dev.asgard.backup.service;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.config.RestoreConfig;
import dev.asgard.backup.entity.BackupRun;
import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticNode;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.restic.ResticSnapshotFilter;
import dev.asgard.backup.restic.ResticTree;
import dev.asgard.commons.error.AsgardException;
import io.smallrye.mutiny.Uni;

/**
 * Accepts restores: checks the request (fields, allowed roots, an empty target unless overwriting), resolves the
 * snapshot to its full id (so "the snapshot" cannot change between request and start) and that every included
 * path is in it, then queues a run of kind RESTORE pinned to this agent — a restore writes to the disk of the agent
 * that accepted it. Nothing is queued when a check fails.
 */
@ApplicationScoped
public class RestoreService {

    private final RunService runs;
    private final SnapshotService snapshots;
    private final Restic restic;
    private final RestoreConfig config;
    private final RunExecutor executor;

    public RestoreService(RunService runs, SnapshotService snapshots, Restic restic, RestoreConfig config,
            RunExecutor executor) {
        this.runs = runs;
        this.snapshots = snapshots;
        this.restic = restic;
        this.config = config;
        this.executor = executor;
    }

    /**
     * @param repositoryId the repository
     * @param in what to restore where
     * @param requestedBy the administrator's user name
     * @param requestId idempotency key, or null
     * @return the queued restore run (or the one an earlier request with the same key queued)
     */
    public Uni<BackupRun> restore(UUID repositoryId, RestoreValidation.Input in, String requestedBy,
            String requestId) {
        Uni<BackupRun> earlier = requestId == null ? Uni.createFrom().nullItem() : runs.byRequestId(requestId);
        return earlier.chain(e -> {
            if (e == null) {
                return accept(repositoryId, in, requestedBy, requestId);
            }
            if (!e.isRestore() || !e.repositoryId.equals(repositoryId)) {
                return Uni.createFrom().failure(AsgardException.alreadyExists("IDEMPOTENCY_KEY_REUSED",
                        "The key %s was used for another request (run %s).", requestId, e.id)
                        .withHint("Use a new key for each new request."));
            }
            return Uni.createFrom().item(e);
        });
    }

    private Uni<BackupRun> accept(UUID repositoryId, RestoreValidation.Input in, String requestedBy,
            String requestId) {
        return Offload.blocking(() -> RestoreValidation.check(in, config.allowedRoots().orElse(List.of())))
                .chain(spec -> snapshots.run(repositoryId, repo -> resolve(repositoryId, repo, spec)))
                .chain(spec -> runs.queueRestore(repositoryId, spec, requestedBy, requestId, executor.agentId()))
                .invoke(ignored -> executor.kick());
    }

    private RestoreValidation.Spec resolve(UUID repositoryId, ResticRepo repo, RestoreValidation.Spec spec) {
        ResticSnapshot snapshot = restic.snapshots(repo, ResticSnapshotFilter.ALL, List.of(spec.snapshotId()))
                .stream().filter(s -> s.id() != null && s.id().startsWith(spec.snapshotId())).findFirst()
                .orElseThrow(() -> AsgardException.notFound("SNAPSHOT_NOT_FOUND", "No snapshot %s in repository %s.",
                        spec.snapshotId(), repositoryId).withHint("List the repository's snapshots for their ids."));
        for (int i = 0; i < spec.include().size(); i++) {
            String path = spec.include().get(i);
            ResticTree tree = restic.ls(repo, snapshot.id(), path, false);
            if (tree.nodes().stream().map(ResticNode::path).noneMatch(path::equals)) {
                throw AsgardException.invalidArgument("RESTORE_PATH_NOT_IN_SNAPSHOT",
                        "Snapshot %s has nothing at %s.", snapshot.shortId(), path)
                        .withViolation("includePaths[" + i + "]", "must be a path in the snapshot")
                        .withHint("Browse the snapshot (GET /api/v1/repositories/{id}/snapshots/{sid}/tree) for "
                                + "its paths.");
            }
        }
        return new RestoreValidation.Spec(snapshot.id(), spec.target(), spec.include(), spec.exclude(),
                spec.overwrite(), spec.verify());
    }
}
