package dev.asgard.backup.mapping;

import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;

import dev.asgard.backup.entity.BackupRun;
import dev.asgard.backup.rest.dto.RunView;
import dev.asgard.proto.backup.v1.BackupSummary;
import dev.asgard.proto.backup.v1.FailureKind;
import dev.asgard.proto.backup.v1.RestoreSpec;
import dev.asgard.proto.backup.v1.RestoreSummary;
import dev.asgard.proto.backup.v1.Run;
import dev.asgard.proto.backup.v1.RunFailure;
import dev.asgard.proto.backup.v1.RunKind;
import dev.asgard.proto.backup.v1.RunProgress;
import dev.asgard.proto.backup.v1.RunState;
import dev.asgard.proto.backup.v1.RunTrigger;

/** Run entity to proto (gRPC, events, live updates) and proto to REST view. */
@ApplicationScoped
public class RunMapper {

    /**
     * @param r the entity
     * @return the proto run
     */
    public Run toProto(BackupRun r) {
        Run.Builder b = Run.newBuilder().setRunId(r.id.toString()).setKind(RunKind.valueOf("RUN_KIND_" + r.kind))
                .setRepositoryId(r.repositoryId.toString()).setTrigger(RunTrigger.valueOf("RUN_TRIGGER_" + r.trigger))
                .setState(RunState.valueOf("RUN_STATE_" + r.state)).setAttempt(r.attempt)
                .setRequestedBy(r.requestedBy).addAllUnreadablePaths(List.of(r.unreadablePaths));
        if (r.jobId != null) {
            b.setJobId(r.jobId.toString());
        }
        if (r.retryOfRunId != null) {
            b.setRetryOfRunId(r.retryOfRunId.toString());
        }
        if (r.agentId != null) {
            b.setAgentDeviceId(r.agentId);
        }
        if (r.cancelReason != null) {
            b.setCancelReason(r.cancelReason);
        }
        set(r.scheduledAt, b::setScheduledTime);
        set(r.queuedAt, b::setQueueTime);
        set(r.startedAt, b::setStartTime);
        set(r.finishedAt, b::setEndTime);
        set(r.nextRetryAt, b::setNextRetryTime);
        if (r.progressAt != null) {
            RunProgress.Builder p = RunProgress.newBuilder().setPercentDone(nz(r.percentDone))
                    .setTotalFiles(nz(r.totalFiles)).setFilesDone(nz(r.filesDone)).setTotalBytes(nz(r.totalBytes))
                    .setBytesDone(nz(r.bytesDone)).setErrorCount(nz(r.errorCount))
                    .setElapsed(Duration.newBuilder().setSeconds(nz(r.secondsElapsed)))
                    .setUpdateTime(timestamp(r.progressAt));
            if (r.currentFiles != null) {
                p.addAllCurrentFiles(List.of(r.currentFiles));
            }
            if (r.secondsRemaining != null && r.secondsRemaining > 0) {
                p.setEstimatedRemaining(Duration.newBuilder().setSeconds(r.secondsRemaining));
            }
            b.setProgress(p);
        }
        if (r.snapshotId != null) {
            b.setBackupSummary(BackupSummary.newBuilder().setSnapshotId(r.snapshotId).setFilesNew(nz(r.filesNew))
                    .setFilesChanged(nz(r.filesChanged)).setFilesUnmodified(nz(r.filesUnmodified))
                    .setDirsNew(nz(r.dirsNew)).setDirsChanged(nz(r.dirsChanged))
                    .setDirsUnmodified(nz(r.dirsUnmodified)).setDataBlobs(nz(r.dataBlobs))
                    .setTreeBlobs(nz(r.treeBlobs)).setDataAddedBytes(nz(r.dataAdded))
                    .setTotalFilesProcessed(nz(r.totalFilesProcessed))
                    .setTotalBytesProcessed(nz(r.totalBytesProcessed))
                    .setDuration(millis(nz(r.durationMs))));
        }
        if (r.isRestore()) {
            b.setRestore(RestoreSpec.newBuilder().setSnapshotId(r.restoreSnapshotId).setTargetPath(r.restoreTarget)
                    .addAllIncludePaths(List.of(r.restoreInclude)).addAllExcludePaths(List.of(r.restoreExclude))
                    .setOverwrite(r.restoreOverwrite).setVerify(r.restoreVerify));
            if (r.filesRestored != null) {
                b.setRestoreSummary(RestoreSummary.newBuilder().setFilesRestored(r.filesRestored)
                        .setBytesRestored(nz(r.bytesRestored)).setFilesSkipped(nz(r.filesSkipped))
                        .setVerifyErrors(nz(r.verifyErrors)).setDuration(millis(nz(r.durationMs))));
            }
        }
        if (r.failureKind != null) {
            b.setFailure(RunFailure.newBuilder().setKind(failureKind(r.failureKind))
                    .setMessage(r.failureMessage == null ? "" : r.failureMessage)
                    .setHint(r.failureHint == null ? "" : r.failureHint)
                    .setTransient(Boolean.TRUE.equals(r.failureTransient))
                    .setExitCode(r.exitCode == null ? 0 : r.exitCode));
        }
        return b.build();
    }

    /**
     * @param r the proto run
     * @return the REST view
     */
    public RunView toView(Run r) {
        RunView.Progress progress = !r.hasProgress() ? null : new RunView.Progress(r.getProgress().getPercentDone(),
                r.getProgress().getTotalFiles(), r.getProgress().getFilesDone(), r.getProgress().getTotalBytes(),
                r.getProgress().getBytesDone(), r.getProgress().getCurrentFilesList(), r.getProgress().getErrorCount(),
                r.getProgress().getElapsed().getSeconds(),
                r.getProgress().hasEstimatedRemaining() ? r.getProgress().getEstimatedRemaining().getSeconds() : null,
                instant(r.getProgress().getUpdateTime()));
        BackupSummary s = r.getBackupSummary();
        RunView.Summary summary = !r.hasBackupSummary() ? null : new RunView.Summary(s.getSnapshotId(),
                s.getFilesNew(), s.getFilesChanged(), s.getFilesUnmodified(), s.getDirsNew(), s.getDirsChanged(),
                s.getDirsUnmodified(), s.getDataAddedBytes(), s.getTotalFilesProcessed(), s.getTotalBytesProcessed(),
                s.getDuration().getSeconds() * 1000 + s.getDuration().getNanos() / 1_000_000);
        RunView.Restore restore = !r.hasRestore() ? null : new RunView.Restore(r.getRestore().getSnapshotId(),
                r.getRestore().getTargetPath(), r.getRestore().getIncludePathsList(),
                r.getRestore().getExcludePathsList(), r.getRestore().getOverwrite(), r.getRestore().getVerify());
        RestoreSummary rs = r.getRestoreSummary();
        RunView.RestoreTotals restored = !r.hasRestoreSummary() ? null : new RunView.RestoreTotals(
                rs.getFilesRestored(), rs.getBytesRestored(), rs.getFilesSkipped(), rs.getVerifyErrors(),
                rs.getDuration().getSeconds() * 1000 + rs.getDuration().getNanos() / 1_000_000);
        RunView.Failure failure = !r.hasFailure() ? null : new RunView.Failure(
                strip(r.getFailure().getKind().name(), "FAILURE_KIND_"), r.getFailure().getMessage(),
                r.getFailure().getHint(), r.getFailure().getTransient(), r.getFailure().getExitCode());
        return new RunView(r.getRunId(), strip(r.getKind().name(), "RUN_KIND_"), emptyToNull(r.getJobId()),
                r.getRepositoryId(), strip(r.getTrigger().name(), "RUN_TRIGGER_"),
                strip(r.getState().name(), "RUN_STATE_"), r.getAttempt(), emptyToNull(r.getRetryOfRunId()),
                r.hasScheduledTime() ? instant(r.getScheduledTime()) : null,
                r.hasQueueTime() ? instant(r.getQueueTime()) : null,
                r.hasStartTime() ? instant(r.getStartTime()) : null, r.hasEndTime() ? instant(r.getEndTime()) : null,
                progress, summary, failure, r.getUnreadablePathsList(), r.getRequestedBy(),
                emptyToNull(r.getAgentDeviceId()), r.hasNextRetryTime() ? instant(r.getNextRetryTime()) : null,
                emptyToNull(r.getCancelReason()), restore, restored);
    }

    /**
     * @param i an instant
     * @return the timestamp
     */
    public static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    /**
     * @param t a timestamp
     * @return the instant
     */
    public static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    static Duration millis(long ms) {
        return Duration.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
    }

    private static void set(Instant i, java.util.function.Consumer<Timestamp> setter) {
        if (i != null) {
            setter.accept(timestamp(i));
        }
    }

    private static String strip(String name, String prefix) {
        return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static long nz(Long v) {
        return v == null ? 0 : v;
    }

    private static double nz(Double v) {
        return v == null ? 0 : v;
    }

    /**
     * A stored failure kind as the proto enum. A kind this build does not know (written by a newer agent sharing the
     * database during an upgrade) maps to UNSPECIFIED rather than failing the whole answer; message and hint still
     * say what happened.
     */
    static FailureKind failureKind(String stored) {
        try {
            return FailureKind.valueOf("FAILURE_KIND_" + stored);
        } catch (IllegalArgumentException e) {
            return FailureKind.FAILURE_KIND_UNSPECIFIED;
        }
    }
}
