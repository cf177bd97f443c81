package dev.asgard.backup.rest.dto;

import java.time.Instant;
import java.util.List;

/**
 * A run as shown to administrators. Enumerations are the proto names without prefix (state {@code SUCCEEDED}
 * for {@code RUN_STATE_SUCCEEDED}).
 *
 * @param id run id
 * @param kind BACKUP or RESTORE
 * @param jobId the job (null once the job was deleted)
 * @param repositoryId the repository
 * @param trigger SCHEDULE, MANUAL, CATCH_UP or RETRY
 * @param state QUEUED, RUNNING, SUCCEEDED, PARTIAL, FAILED, CANCELLING, CANCELLED or INTERRUPTED
 * @param attempt 1 for the first attempt
 * @param retryOfRunId the failed run this one retries
 * @param scheduledTime the planned start it stands for
 * @param queueTime when queued
 * @param startTime when it started running
 * @param endTime when it ended
 * @param progress the latest progress
 * @param summary the backup summary
 * @param failure what went wrong and what to do
 * @param unreadablePaths files that could not be read (PARTIAL)
 * @param requestedBy user name or {@code schedule}
 * @param agentId the agent instance executing it
 * @param nextRetryTime when the retry starts
 * @param cancelReason why it was cancelled
 * @param restore for restores: what is restored where
 * @param restoreSummary for finished restores: the numbers
 */
public record RunView(String id, String kind, String jobId, String repositoryId, String trigger, String state,
        int attempt, String retryOfRunId, Instant scheduledTime, Instant queueTime, Instant startTime,
        Instant endTime, Progress progress, Summary summary, Failure failure, List<String> unreadablePaths,
        String requestedBy, String agentId, Instant nextRetryTime, String cancelReason, Restore restore,
        RestoreTotals restoreSummary) {

    /**
     * @param snapshotId the snapshot (full id)
     * @param targetPath the target folder on the agent
     * @param includePaths only these snapshot paths; empty for everything
     * @param excludePaths patterns left out
     * @param overwrite whether existing files may be overwritten
     * @param verify whether the restored files are verified
     */
    public record Restore(String snapshotId, String targetPath, List<String> includePaths, List<String> excludePaths,
            boolean overwrite, boolean verify) {
    }

    /**
     * @param filesRestored files restored
     * @param bytesRestored bytes restored
     * @param filesSkipped files left as they were (already up to date)
     * @param verifyErrors files that failed verification
     * @param durationMillis how long the restore took
     */
    public record RestoreTotals(long filesRestored, long bytesRestored, long filesSkipped, long verifyErrors,
            long durationMillis) {
    }

    /**
     * @param percentDone 0.0 to 1.0
     * @param totalFiles files found
     * @param filesDone files done
     * @param totalBytes bytes found
     * @param bytesDone bytes done
     * @param currentFiles files being read
     * @param errorCount errors so far
     * @param secondsElapsed seconds since start
     * @param secondsRemaining estimate; null when unknown
     * @param updateTime when reported
     */
    public record Progress(double percentDone, long totalFiles, long filesDone, long totalBytes, long bytesDone,
            List<String> currentFiles, long errorCount, long secondsElapsed, Long secondsRemaining,
            Instant updateTime) {
    }

    /**
     * @param snapshotId the snapshot written
     * @param filesNew new files
     * @param filesChanged changed files
     * @param filesUnmodified unmodified files
     * @param dirsNew new folders
     * @param dirsChanged changed folders
     * @param dirsUnmodified unmodified folders
     * @param dataAddedBytes bytes added to the repository
     * @param totalFilesProcessed files processed
     * @param totalBytesProcessed bytes processed
     * @param durationMillis how long restic took
     */
    public record Summary(String snapshotId, long filesNew, long filesChanged, long filesUnmodified, long dirsNew,
            long dirsChanged, long dirsUnmodified, long dataAddedBytes, long totalFilesProcessed,
            long totalBytesProcessed, long durationMillis) {
    }

    /**
     * @param kind FailureKind without prefix (WRONG_PASSWORD, REPOSITORY_LOCKED, ...)
     * @param message what went wrong (secrets removed)
     * @param hint what to do about it
     * @param transientFailure whether it is retried
     * @param exitCode restic's exit code
     */
    public record Failure(String kind, String message, String hint, boolean transientFailure, int exitCode) {
    }
}
