package dev.asgard.backup.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.mapping.BackupEventMapper;
import dev.asgard.backup.mapping.SnapshotMapper;
import dev.asgard.backup.mapping.SnapshotProtoMapper;
import dev.asgard.backup.restic.ResticPolicy;
import dev.asgard.backup.restic.ResticSnapshotFilter;
import dev.asgard.backup.service.MaintenanceService;
import dev.asgard.backup.service.RetentionService;
import dev.asgard.backup.service.SnapshotService;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.paging.PageRequest;
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
import dev.asgard.proto.backup.v1.RetentionPolicy;
import dev.asgard.proto.backup.v1.UnlockRepositoryRequest;
import dev.asgard.proto.backup.v1.UnlockRepositoryResponse;
import io.smallrye.mutiny.Uni;

/**
 * The snapshot and maintenance RPCs of {@code BackupService}, on the same services as the REST resources. Kept out
 * of {@link BackupGrpcService} so that class only delegates (jobs and runs live there too).
 */
@ApplicationScoped
public class SnapshotGrpcHandlers {

    private final SnapshotService snapshots;
    private final RetentionService retention;
    private final MaintenanceService maintenance;
    private final SnapshotProtoMapper mapper;

    public SnapshotGrpcHandlers(SnapshotService snapshots, RetentionService retention, MaintenanceService maintenance,
            SnapshotProtoMapper mapper) {
        this.snapshots = snapshots;
        this.retention = retention;
        this.maintenance = maintenance;
        this.mapper = mapper;
    }

    Uni<ListSnapshotsResponse> listSnapshots(ListSnapshotsRequest r) {
        return Uni.createFrom().deferred(() -> {
            UUID repo = repositoryId(r.getRepositoryId());
            List<String> tags = new ArrayList<>(r.getTagsList());
            if (!r.getJobId().isEmpty()) {
                tags.add(SnapshotMapper.JOB_TAG_PREFIX + uuid("job_id", r.getJobId()));
            }
            return snapshots.list(repo, new ResticSnapshotFilter(r.getHost(), tags, r.getPathsList()),
                    r.hasTakenAfter() ? instant(r.getTakenAfter()) : null,
                    r.hasTakenBefore() ? instant(r.getTakenBefore()) : null,
                    PageRequest.of(r.getPageSize() == 0 ? null : r.getPageSize(), r.getPageToken()))
                    .map(p -> ListSnapshotsResponse.newBuilder()
                            .addAllSnapshots(p.items().stream().map(s -> mapper.toProto(repo.toString(), s)).toList())
                            .setNextPageToken(p.nextPageToken()).build());
        });
    }

    Uni<GetSnapshotResponse> getSnapshot(GetSnapshotRequest r) {
        return Uni.createFrom().deferred(() -> {
            UUID repo = repositoryId(r.getRepositoryId());
            return snapshots.get(repo, r.getSnapshotId()).map(s -> GetSnapshotResponse.newBuilder()
                    .setSnapshot(mapper.toProto(repo.toString(), s)).build());
        });
    }

    Uni<BrowseSnapshotResponse> browseSnapshot(BrowseSnapshotRequest r) {
        return Uni.createFrom().deferred(() -> snapshots.browse(repositoryId(r.getRepositoryId()), r.getSnapshotId(),
                r.getPath().isEmpty() ? "/" : r.getPath(), r.getRecursive(),
                PageRequest.of(r.getPageSize() == 0 ? null : r.getPageSize(), r.getPageToken()))
                .map(l -> BrowseSnapshotResponse.newBuilder()
                        .addAllNodes(l.nodes().items().stream().map(mapper::toProto).toList())
                        .setNextPageToken(l.nodes().nextPageToken()).build()));
    }

    Uni<DiffSnapshotsResponse> diffSnapshots(DiffSnapshotsRequest r) {
        return Uni.createFrom().deferred(() -> snapshots.diff(repositoryId(r.getRepositoryId()),
                r.getBaseSnapshotId(), r.getTargetSnapshotId(), r.getPathPrefix(), r.getIncludeMetadataChanges(),
                PageRequest.of(r.getPageSize() == 0 ? null : r.getPageSize(), r.getPageToken()))
                .map(d -> DiffSnapshotsResponse.newBuilder()
                        .addAllEntries(d.changes().items().stream().map(mapper::toProto).toList())
                        .setStats(mapper.toProto(d.stats())).setNextPageToken(d.changes().nextPageToken()).build()));
    }

    Uni<ForgetSnapshotResponse> forgetSnapshot(ForgetSnapshotRequest r) {
        return Uni.createFrom().deferred(() -> snapshots.forget(repositoryId(r.getRepositoryId()), r.getSnapshotId(),
                r.getPrune()).map(f -> ForgetSnapshotResponse.newBuilder().setSnapshotId(f.snapshot().id())
                        .setPruned(f.pruned()).setFreedBytes(f.freedBytes()).build()));
    }

    /** No "allow keep nothing" in the proto: over gRPC a policy must keep something in every group. */
    Uni<ForgetByPolicyResponse> forgetByPolicy(ForgetByPolicyRequest r) {
        return Uni.createFrom().deferred(() -> {
            UUID repo = repositoryId(r.getRepositoryId());
            RetentionPolicy p = r.getPolicy();
            String within = p.hasKeepWithin() && p.getKeepWithin().getSeconds() > 0
                    ? Math.max(1, Math.round(p.getKeepWithin().getSeconds() / 3600.0)) + "h" : null;
            ResticPolicy policy = new ResticPolicy(p.getKeepLast(), p.getKeepHourly(), p.getKeepDaily(),
                    p.getKeepWeekly(), p.getKeepMonthly(), p.getKeepYearly(), within, p.getKeepTagsList());
            return retention.forget(repo, new RetentionService.PolicyCommand(policy,
                    new ResticSnapshotFilter(r.getHost(), r.getTagsList(), r.getPathsList()), r.getGroupByList(),
                    p.getPrune(), r.getDryRun(), false))
                    .map(o -> ForgetByPolicyResponse.newBuilder().setDryRun(o.dryRun())
                            .addAllDecisions(o.decisions().stream().map(d -> mapper.toProto(repo.toString(), d))
                                    .toList())
                            .setKeepCount(o.keepCount()).setRemoveCount(o.removeCount()).setPruned(o.pruned())
                            .setFreedBytes(o.freedBytes()).build());
        });
    }

    Uni<CheckRepositoryResponse> checkRepository(CheckRepositoryRequest r) {
        return Uni.createFrom().deferred(() -> maintenance.check(repositoryId(r.getRepositoryId()), r.getReadData(),
                r.getReadData() ? r.getReadDataSubset() : null)
                .map(c -> CheckRepositoryResponse.newBuilder().setResult(BackupEventMapper.checkResult(c)).build()));
    }

    Uni<UnlockRepositoryResponse> unlockRepository(UnlockRepositoryRequest r) {
        return Uni.createFrom().deferred(() -> maintenance.unlock(repositoryId(r.getRepositoryId()), r.getRemoveAll())
                .map(u -> UnlockRepositoryResponse.newBuilder().setRemovedLockCount(u.removed())
                        .addAllRemainingLocks(u.remaining().stream().map(mapper::toProto).toList()).build()));
    }

    Uni<GetRepositoryStatsResponse> getRepositoryStats(GetRepositoryStatsRequest r) {
        return Uni.createFrom().deferred(() -> {
            UUID repo = repositoryId(r.getRepositoryId());
            String mode = SnapshotProtoMapper.resticMode(r.getMode());
            return maintenance.stats(repo, mode, r.getSnapshotIdsList()).map(s -> GetRepositoryStatsResponse
                    .newBuilder().setStats(mapper.toProto(repo.toString(), mode, s)).build());
        });
    }

    private static UUID repositoryId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_REPOSITORY_ID", "'%s' is not a repository id.", id)
                    .withViolation("repository_id", "must be a UUID");
        }
    }

    private static UUID uuid(String field, String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_ARGUMENT", "'%s' is not an id.", id)
                    .withViolation(field, "must be a UUID");
        }
    }

    private static java.time.Instant instant(com.google.protobuf.Timestamp t) {
        return java.time.Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
