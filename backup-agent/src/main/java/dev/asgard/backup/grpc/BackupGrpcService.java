package dev.asgard.backup.grpc;

import dev.asgard.proto.backup.v1.BrowseSnapshotRequest;
import dev.asgard.proto.backup.v1.BrowseSnapshotResponse;
import dev.asgard.proto.backup.v1.CheckRepositoryRequest;
import dev.asgard.proto.backup.v1.CheckRepositoryResponse;
import dev.asgard.proto.backup.v1.DiffSnapshotsRequest;
import dev.asgard.proto.backup.v1.DiffSnapshotsResponse;
import dev.asgard.proto.backup.v1.ForgetByPolicyRequest;
import dev.asgard.proto.backup.v1.ForgetByPolicyResponse;
import dev.asgard.proto.backup.v1.ForgetSnapshotRequest;
import dev.asgard.proto.backup.v1.ForgetSnapshotResponse;
import dev.asgard.proto.backup.v1.GetRepositoryStatsRequest;
import dev.asgard.proto.backup.v1.GetRepositoryStatsResponse;
import dev.asgard.proto.backup.v1.GetSnapshotRequest;
import dev.asgard.proto.backup.v1.GetSnapshotResponse;
import dev.asgard.proto.backup.v1.ListSnapshotsRequest;
import dev.asgard.proto.backup.v1.ListSnapshotsResponse;
import dev.asgard.proto.backup.v1.MutinyBackupServiceGrpc;
import dev.asgard.proto.backup.v1.UnlockRepositoryRequest;
import dev.asgard.proto.backup.v1.UnlockRepositoryResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/**
 * The {@code asgard.backup.v1.BackupService} endpoint, bound on the service's HTTP port next to the standard
 * {@code grpc.health.v1.Health} service. Every call needs an administrator token: {@code Get*}/{@code List*}/{@code Watch*}
 * with asgard-viewer or asgard-admin, the rest asgard-admin (commons {@code AdminGrpcInterceptor}).
 *
 * <p>Implemented: snapshots (List, Get, Browse, Diff, Forget, ForgetByPolicy) and maintenance (Check, Unlock,
 * GetRepositoryStats), delegated to {@link SnapshotGrpcHandlers}. The other RPCs answer {@code UNIMPLEMENTED}
 * (the generated default) until their slice lands.
 */
@GrpcService
public class BackupGrpcService extends MutinyBackupServiceGrpc.BackupServiceImplBase {

    private final SnapshotGrpcHandlers snapshots;

    public BackupGrpcService(SnapshotGrpcHandlers snapshots) {
        this.snapshots = snapshots;
    }

    /** Snapshots of a repository, newest first (filters: host, tags, paths, job, time range). */
    @Override
    public Uni<ListSnapshotsResponse> listSnapshots(ListSnapshotsRequest request) {
        return snapshots.listSnapshots(request);
    }

    /** One snapshot by full id or unique prefix. */
    @Override
    public Uni<GetSnapshotResponse> getSnapshot(GetSnapshotRequest request) {
        return snapshots.getSnapshot(request);
    }

    /** A folder of a snapshot (or its subtree). */
    @Override
    public Uni<BrowseSnapshotResponse> browseSnapshot(BrowseSnapshotRequest request) {
        return snapshots.browseSnapshot(request);
    }

    /** Differences between two snapshots. */
    @Override
    public Uni<DiffSnapshotsResponse> diffSnapshots(DiffSnapshotsRequest request) {
        return snapshots.diffSnapshots(request);
    }

    /** Forgets one snapshot (optionally pruning). */
    @Override
    public Uni<ForgetSnapshotResponse> forgetSnapshot(ForgetSnapshotRequest request) {
        return snapshots.forgetSnapshot(request);
    }

    /** Applies or previews a retention policy. */
    @Override
    public Uni<ForgetByPolicyResponse> forgetByPolicy(ForgetByPolicyRequest request) {
        return snapshots.forgetByPolicy(request);
    }

    /** Checks a repository; the result is recorded and announced. */
    @Override
    public Uni<CheckRepositoryResponse> checkRepository(CheckRepositoryRequest request) {
        return snapshots.checkRepository(request);
    }

    /** Removes stale restic locks. */
    @Override
    public Uni<UnlockRepositoryResponse> unlockRepository(UnlockRepositoryRequest request) {
        return snapshots.unlockRepository(request);
    }

    /** Repository statistics. */
    @Override
    public Uni<GetRepositoryStatsResponse> getRepositoryStats(GetRepositoryStatsRequest request) {
        return snapshots.getRepositoryStats(request);
    }
}
