package dev.asgard.backup.messaging;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Message;

import dev.asgard.backup.entity.BackupRun;
import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.backup.v1.Run;
import dev.asgard.proto.events.v1.BackupRunCancelled;
import dev.asgard.proto.events.v1.BackupRunFailed;
import dev.asgard.proto.events.v1.BackupRunPartiallySucceeded;
import dev.asgard.proto.events.v1.BackupRunProgress;
import dev.asgard.proto.events.v1.BackupRunStarted;
import dev.asgard.proto.events.v1.BackupRunSucceeded;
import dev.asgard.proto.events.v1.SnapshotForgotten;
import io.smallrye.mutiny.Uni;

/**
 * Run events on {@code asgard.backup.events}, written to the outbox in the caller's transaction (the one that
 * changes the run). Built from the proto run, which never holds a secret.
 */
@ApplicationScoped
public class RunEventsProducer {

    /** ce_type of BackupRunStarted. */
    public static final String STARTED = "asgard.backup.run.started";
    /** ce_type of BackupRunProgress. */
    public static final String PROGRESS = "asgard.backup.run.progress";
    /** ce_type of BackupRunSucceeded. */
    public static final String SUCCEEDED = "asgard.backup.run.succeeded";
    /** ce_type of BackupRunPartiallySucceeded. */
    public static final String PARTIALLY_SUCCEEDED = "asgard.backup.run.partially_succeeded";
    /** ce_type of BackupRunFailed. */
    public static final String FAILED = "asgard.backup.run.failed";
    /** ce_type of BackupRunCancelled. */
    public static final String CANCELLED = "asgard.backup.run.cancelled";
    /** ce_type of SnapshotForgotten. */
    public static final String SNAPSHOT_FORGOTTEN = "asgard.backup.snapshot.forgotten";

    private static final int MAX_PATHS_IN_EVENT = 100;

    private final EventPublisher publisher;
    private final RunMapper mapper;

    public RunEventsProducer(EventPublisher publisher, RunMapper mapper) {
        this.publisher = publisher;
        this.mapper = mapper;
    }

    /**
     * @param r a run that started running
     * @return done
     */
    public Uni<Void> started(BackupRun r) {
        Run p = mapper.toProto(r);
        return send(r, STARTED, BackupRunStarted.newBuilder().setRunId(p.getRunId())
                .setChangeTime(RunMapper.timestamp(r.startedAt)).setKind(p.getKind()).setJobId(p.getJobId())
                .setRepositoryId(p.getRepositoryId()).setTrigger(p.getTrigger()).setAttempt(p.getAttempt())
                .setAgentDeviceId(p.getAgentDeviceId()).build());
    }

    /**
     * @param r a running run with its latest progress
     * @return done
     */
    public Uni<Void> progress(BackupRun r) {
        Run p = mapper.toProto(r);
        return send(r, PROGRESS, BackupRunProgress.newBuilder().setRunId(p.getRunId())
                .setChangeTime(RunMapper.timestamp(r.progressAt == null ? Instant.now() : r.progressAt))
                .setKind(p.getKind()).setJobId(p.getJobId()).setProgress(p.getProgress()).build());
    }

    /**
     * The event of a run that ended: succeeded, partially succeeded, failed (also interrupted) or cancelled.
     *
     * @param r the run in its terminal state
     * @param willRetry whether a retry is queued
     * @return done
     */
    public Uni<Void> ended(BackupRun r, boolean willRetry) {
        Run p = mapper.toProto(r);
        return switch (r.state) {
            case "SUCCEEDED" -> {
                BackupRunSucceeded.Builder b = BackupRunSucceeded.newBuilder().setRunId(p.getRunId())
                        .setChangeTime(p.getEndTime()).setKind(p.getKind()).setJobId(p.getJobId())
                        .setRepositoryId(p.getRepositoryId());
                if (p.hasBackupSummary()) {
                    b.setBackupSummary(p.getBackupSummary());
                }
                if (p.hasRestoreSummary()) {
                    b.setRestoreSummary(p.getRestoreSummary());
                }
                yield send(r, SUCCEEDED, b.build());
            }
            case "PARTIAL" -> send(r, PARTIALLY_SUCCEEDED, BackupRunPartiallySucceeded.newBuilder()
                    .setRunId(p.getRunId()).setChangeTime(p.getEndTime()).setJobId(p.getJobId())
                    .setRepositoryId(p.getRepositoryId()).setBackupSummary(p.getBackupSummary())
                    .addAllUnreadablePaths(p.getUnreadablePathsList().subList(0,
                            Math.min(MAX_PATHS_IN_EVENT, p.getUnreadablePathsCount())))
                    .setUnreadableCount(p.getUnreadablePathsCount()).build());
            case "CANCELLED" -> send(r, CANCELLED, BackupRunCancelled.newBuilder().setRunId(p.getRunId())
                    .setChangeTime(p.getEndTime()).setKind(p.getKind()).setJobId(p.getJobId())
                    .setRepositoryId(p.getRepositoryId())
                    .setCancelledBy(r.cancelledBy == null ? "system" : r.cancelledBy)
                    .setReason(p.getCancelReason()).build());
            default -> {
                BackupRunFailed.Builder f = BackupRunFailed.newBuilder().setRunId(p.getRunId())
                        .setChangeTime(p.getEndTime()).setKind(p.getKind()).setJobId(p.getJobId())
                        .setRepositoryId(p.getRepositoryId()).setFailure(p.getFailure()).setAttempt(p.getAttempt())
                        .setWillRetry(willRetry);
                if (willRetry && p.hasNextRetryTime()) {
                    f.setNextRetryTime(p.getNextRetryTime());
                }
                yield send(r, FAILED, f.build());
            }
        };
    }

    /**
     * @param run the run whose retention policy forgot the snapshot
     * @param snapshotId the full snapshot id
     * @param pruned whether data was pruned
     * @param at when
     * @return done
     */
    public Uni<Void> snapshotForgotten(BackupRun run, String snapshotId, boolean pruned, Instant at) {
        SnapshotForgotten e = SnapshotForgotten.newBuilder().setSnapshotId(snapshotId)
                .setChangeTime(RunMapper.timestamp(at)).setRepositoryId(run.repositoryId.toString()).setByPolicy(true)
                .setPruned(pruned).setJobId(run.jobId == null ? "" : run.jobId.toString()).build();
        return publisher.publish(Topics.BACKUP_EVENTS, snapshotId, SNAPSHOT_FORGOTTEN, snapshotId, e).replaceWithVoid();
    }

    private Uni<Void> send(BackupRun r, String type, Message payload) {
        String key = r.id.toString();
        return publisher.publish(Topics.BACKUP_EVENTS, key, type, key, payload).replaceWithVoid();
    }
}
