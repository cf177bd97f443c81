package dev.asgard.backup.entity;

import java.time.Instant;
import java.util.Set;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * One run of a backup job (table {@code run}). {@link #state}, {@link #kind}, {@link #trigger} and
 * {@link #failureKind} hold the proto enum names without their prefix ({@code SUCCEEDED} for
 * {@code RUN_STATE_SUCCEEDED}).
 */
@Entity
@Table(name = "run")
public class BackupRun {

    /** States in which a run is over. */
    public static final Set<String> TERMINAL = Set.of("SUCCEEDED", "PARTIAL", "FAILED", "CANCELLED", "INTERRUPTED");

    @Id
    public UUID id;

    @Column(nullable = false)
    public String kind = "BACKUP";

    @Column(name = "job_id")
    public UUID jobId;

    @Column(name = "repository_id", nullable = false)
    public UUID repositoryId;

    @Column(nullable = false)
    public String trigger;

    @Column(nullable = false)
    public String state;

    @Column(nullable = false)
    public int attempt = 1;

    @Column(name = "retry_of_run_id")
    public UUID retryOfRunId;

    @Column(name = "request_id")
    public String requestId;

    @Column(name = "requested_by", nullable = false)
    public String requestedBy;

    @Column(name = "agent_id")
    public String agentId;

    @Column(name = "scheduled_at")
    public Instant scheduledAt;

    @Column(name = "queued_at", nullable = false)
    public Instant queuedAt;

    @Column(name = "not_before")
    public Instant notBefore;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    @Column(name = "cancel_reason")
    public String cancelReason;

    @Column(name = "cancelled_by")
    public String cancelledBy;

    @Column(name = "percent_done")
    public Double percentDone;

    @Column(name = "total_files")
    public Long totalFiles;

    @Column(name = "files_done")
    public Long filesDone;

    @Column(name = "total_bytes")
    public Long totalBytes;

    @Column(name = "bytes_done")
    public Long bytesDone;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "current_files", columnDefinition = "text[]")
    public String[] currentFiles;

    @Column(name = "error_count")
    public Long errorCount;

    @Column(name = "seconds_elapsed")
    public Long secondsElapsed;

    @Column(name = "seconds_remaining")
    public Long secondsRemaining;

    @Column(name = "progress_at")
    public Instant progressAt;

    @Column(name = "snapshot_id")
    public String snapshotId;

    @Column(name = "files_new")
    public Long filesNew;

    @Column(name = "files_changed")
    public Long filesChanged;

    @Column(name = "files_unmodified")
    public Long filesUnmodified;

    @Column(name = "dirs_new")
    public Long dirsNew;

    @Column(name = "dirs_changed")
    public Long dirsChanged;

    @Column(name = "dirs_unmodified")
    public Long dirsUnmodified;

    @Column(name = "data_blobs")
    public Long dataBlobs;

    @Column(name = "tree_blobs")
    public Long treeBlobs;

    @Column(name = "data_added")
    public Long dataAdded;

    @Column(name = "total_files_processed")
    public Long totalFilesProcessed;

    @Column(name = "total_bytes_processed")
    public Long totalBytesProcessed;

    @Column(name = "duration_ms")
    public Long durationMs;

    @Column(name = "failure_kind")
    public String failureKind;

    @Column(name = "failure_message")
    public String failureMessage;

    @Column(name = "failure_hint")
    public String failureHint;

    @Column(name = "failure_transient")
    public Boolean failureTransient;

    @Column(name = "exit_code")
    public Integer exitCode;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "unreadable_paths", nullable = false, columnDefinition = "text[]")
    public String[] unreadablePaths = new String[0];

    @Column(name = "next_retry_at")
    public Instant nextRetryAt;

    @Column(name = "retention_error")
    public String retentionError;

    @Column(name = "restore_snapshot_id")
    public String restoreSnapshotId;

    @Column(name = "restore_target")
    public String restoreTarget;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "restore_include", nullable = false, columnDefinition = "text[]")
    public String[] restoreInclude = new String[0];

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "restore_exclude", nullable = false, columnDefinition = "text[]")
    public String[] restoreExclude = new String[0];

    @Column(name = "restore_overwrite", nullable = false)
    public boolean restoreOverwrite;

    @Column(name = "restore_verify", nullable = false)
    public boolean restoreVerify;

    /** Only this agent instance may execute the run (restores write to the disk of the agent that accepted them). */
    @Column(name = "pinned_agent_id")
    public String pinnedAgentId;

    @Column(name = "files_restored")
    public Long filesRestored;

    @Column(name = "bytes_restored")
    public Long bytesRestored;

    @Column(name = "files_skipped")
    public Long filesSkipped;

    @Column(name = "verify_errors")
    public Long verifyErrors;

    @Version
    @Column(nullable = false)
    public long revision;

    /** @return whether this run is a restore */
    public boolean isRestore() {
        return "RESTORE".equals(kind);
    }

    /** @return whether the run is over */
    public boolean isTerminal() {
        return TERMINAL.contains(state);
    }
}
