package dev.asgard.backup.grpc;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.google.protobuf.util.FieldMaskUtil;

import dev.asgard.backup.mapping.JobProtoMapper;
import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.backup.repository.BackupRunRepository;
import dev.asgard.backup.service.JobService;
import dev.asgard.backup.service.RunExecutor;
import dev.asgard.backup.service.RunService;
import dev.asgard.backup.service.RunUpdates;
import dev.asgard.commons.auth.AdminGrpcInterceptor;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.proto.backup.v1.BrowseSnapshotRequest;
import dev.asgard.proto.backup.v1.BrowseSnapshotResponse;
import dev.asgard.proto.backup.v1.CancelRunRequest;
import dev.asgard.proto.backup.v1.CancelRunResponse;
import dev.asgard.proto.backup.v1.CheckRepositoryRequest;
import dev.asgard.proto.backup.v1.CheckRepositoryResponse;
import dev.asgard.proto.backup.v1.CreateJobRequest;
import dev.asgard.proto.backup.v1.CreateJobResponse;
import dev.asgard.proto.backup.v1.CreateRepositoryRequest;
import dev.asgard.proto.backup.v1.CreateRepositoryResponse;
import dev.asgard.proto.backup.v1.DeleteJobRequest;
import dev.asgard.proto.backup.v1.DeleteJobResponse;
import dev.asgard.proto.backup.v1.DeleteRepositoryRequest;
import dev.asgard.proto.backup.v1.DeleteRepositoryResponse;
import dev.asgard.proto.backup.v1.DiffSnapshotsRequest;
import dev.asgard.proto.backup.v1.DiffSnapshotsResponse;
import dev.asgard.proto.backup.v1.ForgetByPolicyRequest;
import dev.asgard.proto.backup.v1.ForgetByPolicyResponse;
import dev.asgard.proto.backup.v1.ForgetSnapshotRequest;
import dev.asgard.proto.backup.v1.ForgetSnapshotResponse;
import dev.asgard.proto.backup.v1.GetJobRequest;
import dev.asgard.proto.backup.v1.GetJobResponse;
import dev.asgard.proto.backup.v1.GetRepositoryRequest;
import dev.asgard.proto.backup.v1.GetRepositoryResponse;
import dev.asgard.proto.backup.v1.GetRepositoryStatsRequest;
import dev.asgard.proto.backup.v1.GetRepositoryStatsResponse;
import dev.asgard.proto.backup.v1.GetRunRequest;
import dev.asgard.proto.backup.v1.GetRunResponse;
import dev.asgard.proto.backup.v1.GetSnapshotRequest;
import dev.asgard.proto.backup.v1.GetSnapshotResponse;
import dev.asgard.proto.backup.v1.InitRepositoryRequest;
import dev.asgard.proto.backup.v1.InitRepositoryResponse;
import dev.asgard.proto.backup.v1.Job;
import dev.asgard.proto.backup.v1.ListJobsRequest;
import dev.asgard.proto.backup.v1.ListJobsResponse;
import dev.asgard.proto.backup.v1.ListRepositoriesRequest;
import dev.asgard.proto.backup.v1.ListRepositoriesResponse;
import dev.asgard.proto.backup.v1.ListRunsRequest;
import dev.asgard.proto.backup.v1.ListRunsResponse;
import dev.asgard.proto.backup.v1.ListSnapshotsRequest;
import dev.asgard.proto.backup.v1.ListSnapshotsResponse;
import dev.asgard.proto.backup.v1.MutinyBackupServiceGrpc;
import dev.asgard.proto.backup.v1.RunKind;
import dev.asgard.proto.backup.v1.RunState;
import dev.asgard.proto.backup.v1.StartRunRequest;
import dev.asgard.proto.backup.v1.StartRunResponse;
import dev.asgard.proto.backup.v1.UnlockRepositoryRequest;
import dev.asgard.proto.backup.v1.UnlockRepositoryResponse;
import dev.asgard.proto.backup.v1.UpdateJobRequest;
import dev.asgard.proto.backup.v1.UpdateJobResponse;
import dev.asgard.proto.backup.v1.UpdateRepositoryRequest;
import dev.asgard.proto.backup.v1.UpdateRepositoryResponse;
import dev.asgard.proto.backup.v1.WatchRunRequest;
import dev.asgard.proto.backup.v1.WatchRunResponse;
import dev.asgard.proto.backup.v1.RestoreRequest;
import dev.asgard.proto.backup.v1.RestoreResponse;
import dev.asgard.proto.backup.v1.RestoreSpec;
import dev.asgard.backup.service.RestoreService;
import dev.asgard.backup.service.RestoreValidation;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The {@code asgard.backup.v1.BackupService} endpoint, bound on the service's HTTP port next to the standard
 * {@code grpc.health.v1.Health} service. Every call needs an administrator token: {@code Get*}/{@code List*}/{@code Watch*}
 * with asgard-viewer or asgard-admin, the rest asgard-admin (commons {@code AdminGrpcInterceptor}); the
 * administrator's name is recorded as who started or cancelled a run.
 *
 * <p>Implemented: repositories (Create/Get/List/Update/Delete/Init, delegated to {@link RepositoryGrpcHandlers}),
 * jobs (Create/Get/List/Update/Delete), runs (StartRun, GetRun, ListRuns, WatchRun, CancelRun), Restore, snapshots
 * (List, Get, Browse, Diff, Forget, ForgetByPolicy) and maintenance (Check, Unlock, GetRepositoryStats), the last two
 * delegated to {@link SnapshotGrpcHandlers}: every RPC of the contract.
 */
@GrpcService
public class BackupGrpcService extends MutinyBackupServiceGrpc.BackupServiceImplBase {

    private static final List<String> OUTPUT_ONLY = List.of("job_id", "type", "next_run_time", "last_run_id",
            "last_success_time", "create_time", "update_time", "revision");

    private final JobService jobs;
    private final JobProtoMapper jobMapper;
    private final RunService runs;
    private final RunExecutor executor;
    private final RunUpdates updates;
    private final RunMapper runMapper;
    private final SnapshotGrpcHandlers snapshots;
    private final RepositoryGrpcHandlers repositories;
    private final RestoreService restores;

    public BackupGrpcService(JobService jobs, JobProtoMapper jobMapper, RunService runs, RunExecutor executor,
            RunUpdates updates, RunMapper runMapper, SnapshotGrpcHandlers snapshots,
            RepositoryGrpcHandlers repositories, RestoreService restores) {
        this.snapshots = snapshots;
        this.repositories = repositories;
        this.restores = restores;
        this.jobs = jobs;
        this.jobMapper = jobMapper;
        this.runs = runs;
        this.executor = executor;
        this.updates = updates;
        this.runMapper = runMapper;
    }

    /** Adds a repository (same rules as REST); request_id makes a retry return the first result. */
    @Override
    public Uni<CreateRepositoryResponse> createRepository(CreateRepositoryRequest request) {
        return repositories.createRepository(request);
    }

    /** Returns a repository, optionally refreshing its state from the backend first. */
    @Override
    public Uni<GetRepositoryResponse> getRepository(GetRepositoryRequest request) {
        return repositories.getRepository(request);
    }

    /** Lists repositories by name, optionally of one backend. */
    @Override
    public Uni<ListRepositoriesResponse> listRepositories(ListRepositoriesRequest request) {
        return repositories.listRepositories(request);
    }

    /** Updates the fields named in update_mask and the secrets given; a new password is verified first. */
    @Override
    public Uni<UpdateRepositoryResponse> updateRepository(UpdateRepositoryRequest request) {
        return repositories.updateRepository(request);
    }

    /** Removes a repository from Asgard (its data stays); refused while jobs use it. */
    @Override
    public Uni<DeleteRepositoryResponse> deleteRepository(DeleteRepositoryRequest request) {
        return repositories.deleteRepository(request);
    }

    /** Runs {@code restic init} at the repository's location. */
    @Override
    public Uni<InitRepositoryResponse> initRepository(InitRepositoryRequest request) {
        return repositories.initRepository(request);
    }

    /** Creates a job from the given fields (same rules as REST). */
    @Override
    public Uni<CreateJobResponse> createJob(CreateJobRequest request) {
        return Uni.createFrom().deferred(() -> jobs.create(jobMapper.toRequest(request.getJob())))
                .map(j -> CreateJobResponse.newBuilder().setJob(jobMapper.toProto(j)).build());
    }

    /** Queues a restore on this agent (same rules as REST {@code POST /api/v1/repositories/{id}/restore}). */
    @Override
    public Uni<RestoreResponse> restore(RestoreRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID id = id(request.getRepositoryId(), "repository_id");
            String key = request.getRequestId().isEmpty() ? null : request.getRequestId();
            if (key != null && key.length() > 128) {
                throw AsgardException.invalidArgument("INVALID_REQUEST_ID", "request_id is too long.")
                        .withViolation("request_id", "must be at most 128 characters (a UUID)");
            }
            RestoreSpec r = request.getRestore();
            return restores.restore(id, new RestoreValidation.Input(r.getSnapshotId(), r.getTargetPath(),
                    r.getIncludePathsList(), r.getExcludePathsList(), r.getOverwrite(), r.getVerify()), caller(), key);
        }).map(r -> RestoreResponse.newBuilder().setRun(runMapper.toProto(r)).build());
    }

    /** Returns a job. */
    @Override
    public Uni<GetJobResponse> getJob(GetJobRequest request) {
        return Uni.createFrom().deferred(() -> jobs.get(id(request.getJobId(), "job_id")))
                .map(j -> GetJobResponse.newBuilder().setJob(jobMapper.toProto(j)).build());
    }

    /** Lists jobs by name, optionally of one repository. */
    @Override
    public Uni<ListJobsResponse> listJobs(ListJobsRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID repo = request.getRepositoryId().isEmpty() ? null : id(request.getRepositoryId(), "repository_id");
            return jobs.list(PageRequest.of(request.getPageSize() == 0 ? null : request.getPageSize(),
                    request.getPageToken().isEmpty() ? null : request.getPageToken()), repo);
        }).map(p -> ListJobsResponse.newBuilder()
                // Filtered within the page (a page may then hold fewer jobs; the token still leads on).
                .addAllJobs(p.items().stream().map(jobMapper::toProto)
                        .filter(j -> !request.getEnabledOnly() || j.getEnabled())
                        .filter(j -> request.getType() == dev.asgard.proto.backup.v1.JobType.JOB_TYPE_UNSPECIFIED
                                || j.getType() == request.getType()).toList())
                .setNextPageToken(p.nextPageToken()).build());
    }

    /** Updates the fields named in update_mask; the rest stays. */
    @Override
    public Uni<UpdateJobResponse> updateJob(UpdateJobRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID id = id(request.getJob().getJobId(), "job.job_id");
            if (request.getUpdateMask().getPathsCount() == 0
                    || !FieldMaskUtil.isValid(Job.class, request.getUpdateMask())) {
                throw AsgardException.invalidArgument("INVALID_UPDATE_MASK", "The update mask is empty or names "
                        + "unknown fields.").withViolation("update_mask", "name fields of Job, such as schedule, "
                                + "retention_policy, files.excludes, enabled");
            }
            for (String path : request.getUpdateMask().getPathsList()) {
                if (OUTPUT_ONLY.contains(path.split("\\.")[0])) {
                    throw AsgardException.invalidArgument("INVALID_UPDATE_MASK", "%s is output only.", path)
                            .withViolation("update_mask", path + " is output only");
                }
            }
            Long expected = request.getExpectedRevision() == 0 ? null : request.getExpectedRevision();
            return jobs.get(id).chain(current -> {
                Job.Builder merged = jobMapper.toProto(current).toBuilder();
                FieldMaskUtil.merge(request.getUpdateMask(), request.getJob(), merged,
                        new FieldMaskUtil.MergeOptions().setReplaceRepeatedFields(true)
                                .setReplaceMessageFields(true).setReplacePrimitiveFields(true));
                return jobs.replace(id, jobMapper.toRequest(merged.build()), expected);
            });
        }).map(j -> UpdateJobResponse.newBuilder().setJob(jobMapper.toProto(j)).build());
    }

    /** Deletes a job; its queued runs are cancelled, a running one is stopped. */
    @Override
    public Uni<DeleteJobResponse> deleteJob(DeleteJobRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID id = id(request.getJobId(), "job_id");
            return runs.cancelActive(id, "job deleted", caller()).invoke(ids -> ids.forEach(executor::cancelLocal))
                    .chain(() -> jobs.delete(id));
        }).map(ignored -> DeleteJobResponse.newBuilder().setJobId(request.getJobId()).build());
    }

    /** Starts a backup run of a job now (queued behind a running backup). */
    @Override
    public Uni<StartRunResponse> startRun(StartRunRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID id = id(request.getJobId(), "job_id");
            String key = request.getRequestId().isEmpty() ? null : request.getRequestId();
            if (key != null && key.length() > 128) {
                throw AsgardException.invalidArgument("INVALID_REQUEST_ID", "request_id is too long.")
                        .withViolation("request_id", "must be at most 128 characters (a UUID)");
            }
            return runs.startManual(id, caller(), key);
        }).invoke(ignored -> executor.kick())
                .map(r -> StartRunResponse.newBuilder().setRun(runMapper.toProto(r)).build());
    }

    /** Returns a run. */
    @Override
    public Uni<GetRunResponse> getRun(GetRunRequest request) {
        return Uni.createFrom().deferred(() -> runs.get(id(request.getRunId(), "run_id")))
                .map(r -> GetRunResponse.newBuilder().setRun(runMapper.toProto(r)).build());
    }

    /** Lists runs newest first, by job and states. */
    @Override
    public Uni<ListRunsResponse> listRuns(ListRunsRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID job = request.getJobId().isEmpty() ? null : id(request.getJobId(), "job_id");
            if (request.getKind() == RunKind.UNRECOGNIZED) {
                throw AsgardException.invalidArgument("INVALID_RUN_KIND", "Unknown run kind.")
                        .withViolation("kind", "must be a RunKind value");
            }
            String kind = request.getKind() == RunKind.RUN_KIND_UNSPECIFIED ? null
                    : request.getKind().name().substring("RUN_KIND_".length());
            List<String> states = new ArrayList<>();
            for (RunState s : request.getStatesList()) {
                if (s == RunState.RUN_STATE_UNSPECIFIED || s == RunState.UNRECOGNIZED) {
                    throw AsgardException.invalidArgument("INVALID_RUN_STATE", "Unknown run state.")
                            .withViolation("states", "must be RunState values other than RUN_STATE_UNSPECIFIED");
                }
                states.add(s.name().substring("RUN_STATE_".length()));
            }
            UUID repo = request.getRepositoryId().isEmpty() ? null : id(request.getRepositoryId(), "repository_id");
            java.time.Instant from = request.hasQueuedAfter() ? RunMapper.instant(request.getQueuedAfter()) : null;
            java.time.Instant until = request.hasQueuedBefore() ? RunMapper.instant(request.getQueuedBefore())
                    : null;
            if (from != null && until != null && !from.isBefore(until)) {
                throw AsgardException.invalidArgument("INVALID_TIME_RANGE", "queued_after must be before queued_before.")
                        .withViolation("queued_before", "must be after queued_after");
            }
            return runs.list(PageRequest.of(request.getPageSize() == 0 ? null : request.getPageSize(),
                    request.getPageToken().isEmpty() ? null : request.getPageToken()),
                    new BackupRunRepository.RunFilter(job, repo, states, from, until, kind));
        }).map(p -> ListRunsResponse.newBuilder().addAllRuns(p.items().stream().map(runMapper::toProto).toList())
                .setNextPageToken(p.nextPageToken()).build());
    }

    /** Streams the run now and after every change (progress about once a second) until it ends. */
    @Override
    public Multi<WatchRunResponse> watchRun(WatchRunRequest request) {
        return Multi.createFrom().deferred(() -> {
            UUID id = id(request.getRunId(), "run_id");
            return runs.getProto(id).onItem().transformToMulti(run -> updates.watch(id, run, () -> runs.getProto(id)))
                    .map(r -> WatchRunResponse.newBuilder().setRun(r).build());
        });
    }

    /** Cancels a queued or running run. */
    @Override
    public Uni<CancelRunResponse> cancelRun(CancelRunRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID id = id(request.getRunId(), "run_id");
            if (request.getReason().length() > 256) {
                throw AsgardException.invalidArgument("INVALID_CANCEL_REASON", "The reason is too long.")
                        .withViolation("reason", "must be at most 256 characters");
            }
            String reason = request.getReason().isEmpty() ? "cancelled by " + caller() : request.getReason();
            return runs.cancel(id, reason, caller());
        }).invoke(executor::cancelled).map(r -> CancelRunResponse.newBuilder().setRun(runMapper.toProto(r)).build());
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

    private static String caller() {
        String admin = AdminGrpcInterceptor.ADMIN.get();
        return admin == null || admin.isEmpty() ? "unknown" : admin;
    }

    private static UUID id(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw AsgardException.invalidArgument("INVALID_ID", "%s is required.", field)
                    .withViolation(field, "is required (a UUID)");
        }
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw AsgardException.invalidArgument("INVALID_ID", "'%s' is not an id.", value)
                    .withViolation(field, "must be a UUID");
        }
    }
}
