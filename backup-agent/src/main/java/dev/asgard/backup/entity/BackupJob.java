package dev.asgard.backup.entity;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import dev.asgard.backup.domain.MissedRunPolicy;
import dev.asgard.backup.domain.RetryPolicy;
import dev.asgard.backup.domain.Schedule;

/** A backup job (table {@code job}). */
@Entity
@Table(name = "job")
public class BackupJob {

    @Id
    public UUID id;

    @Column(nullable = false, unique = true)
    public String name;

    @Column(nullable = false)
    public String description = "";

    @Column(name = "repository_id", nullable = false)
    public UUID repositoryId;

    @Column(nullable = false)
    public String type = "files";

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false, columnDefinition = "text[]")
    public String[] paths = new String[0];

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false, columnDefinition = "text[]")
    public String[] excludes = new String[0];

    @Column(name = "exclude_caches", nullable = false)
    public boolean excludeCaches;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "exclude_if_present", nullable = false, columnDefinition = "text[]")
    public String[] excludeIfPresent = new String[0];

    @Column(name = "one_file_system", nullable = false)
    public boolean oneFileSystem;

    @Column(name = "exclude_larger_than_bytes", nullable = false)
    public long excludeLargerThanBytes;

    @Column(name = "pg_host")
    public String pgHost;

    @Column(name = "pg_port")
    public Integer pgPort;

    @Column(name = "pg_database")
    public String pgDatabase;

    @Column(name = "pg_username")
    public String pgUsername;

    @Column(name = "pg_password_ciphertext")
    public byte[] pgPasswordCiphertext;

    /** Set by validation only, sealed into {@link #pgPasswordCiphertext} by the service; never stored. */
    @jakarta.persistence.Transient
    public transient String pgPasswordPlain;

    @Column(name = "pg_format")
    public String pgFormat;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "pg_schemas", nullable = false, columnDefinition = "text[]")
    public String[] pgSchemas = new String[0];

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "pg_exclude_tables", nullable = false, columnDefinition = "text[]")
    public String[] pgExcludeTables = new String[0];

    @Column(name = "pg_stdin_filename")
    public String pgStdinFilename;

    @Column(name = "pg_ssl_mode")
    public String pgSslMode;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false, columnDefinition = "text[]")
    public String[] tags = new String[0];

    @Column(nullable = false)
    public String host = "";

    /** Scheduled starts wait a random delay up to this much (0: none). */
    @Column(name = "schedule_jitter_ms", nullable = false)
    public long scheduleJitterMs;

    /** The agent instance that runs this job; null: any agent. */
    @Column(name = "agent_id")
    public String agentId;

    @Column(name = "schedule_cron")
    public String scheduleCron;

    @Column(name = "schedule_interval_ms")
    public Long scheduleIntervalMs;

    @Column(name = "time_zone", nullable = false)
    public String timeZone = "UTC";

    @Column(name = "schedule_anchor_at")
    public Instant scheduleAnchorAt;

    @Column(name = "retention_set", nullable = false)
    public boolean retentionSet;

    @Column(name = "keep_last", nullable = false)
    public int keepLast;

    @Column(name = "keep_hourly", nullable = false)
    public int keepHourly;

    @Column(name = "keep_daily", nullable = false)
    public int keepDaily;

    @Column(name = "keep_weekly", nullable = false)
    public int keepWeekly;

    @Column(name = "keep_monthly", nullable = false)
    public int keepMonthly;

    @Column(name = "keep_yearly", nullable = false)
    public int keepYearly;

    @Column(name = "keep_within_ms", nullable = false)
    public long keepWithinMs;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "keep_tags", nullable = false, columnDefinition = "text[]")
    public String[] keepTags = new String[0];

    @Column(nullable = false)
    public boolean prune;

    @Column(name = "missed_run_mode", nullable = false)
    public String missedRunMode = "run-once";

    @Column(name = "missed_run_grace_ms", nullable = false)
    public long missedRunGraceMs = MissedRunPolicy.DEFAULT_GRACE.toMillis();

    @Column(name = "max_catch_up_runs", nullable = false)
    public int maxCatchUpRuns = MissedRunPolicy.DEFAULT_MAX_CATCH_UP;

    @Column(name = "retry_max_attempts", nullable = false)
    public int retryMaxAttempts = 3;

    @Column(name = "retry_initial_delay_ms", nullable = false)
    public long retryInitialDelayMs = 60_000;

    @Column(name = "retry_multiplier", nullable = false)
    public double retryMultiplier = 2.0;

    @Column(name = "retry_max_delay_ms", nullable = false)
    public long retryMaxDelayMs = 3_600_000;

    @Column(name = "run_history_limit", nullable = false)
    public int runHistoryLimit = 100;

    @Column(name = "run_timeout_ms")
    public Long runTimeoutMs;

    @Column(nullable = false)
    public boolean enabled = true;

    @Column(name = "next_run_at")
    public Instant nextRunAt;

    @Column(name = "last_scheduled_at")
    public Instant lastScheduledAt;

    @Column(name = "last_run_id")
    public UUID lastRunId;

    @Column(name = "last_success_at")
    public Instant lastSuccessAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    @Column(nullable = false)
    public long revision;

    /** @return the schedule, if the job has one */
    public Optional<Schedule> schedule() {
        if (scheduleCron != null) {
            return Optional.of(Schedule.cron(scheduleCron, ZoneId.of(timeZone)));
        }
        if (scheduleIntervalMs != null) {
            return Optional.of(Schedule.every(Duration.ofMillis(scheduleIntervalMs),
                    scheduleAnchorAt == null ? createdAt : scheduleAnchorAt));
        }
        return Optional.empty();
    }

    /** @return the missed-run policy */
    public MissedRunPolicy missedRunPolicy() {
        return new MissedRunPolicy(MissedRunPolicy.Mode.fromWire(missedRunMode), Duration.ofMillis(missedRunGraceMs),
                maxCatchUpRuns);
    }

    /** @return the retry policy */
    public RetryPolicy retryPolicy() {
        return new RetryPolicy(retryMaxAttempts, Duration.ofMillis(retryInitialDelayMs), retryMultiplier,
                Duration.ofMillis(retryMaxDelayMs));
    }

    /** @return associated data of the pg_dump password ciphertext */
    public String pgPasswordContext() {
        return "job/" + id + "/pg-password";
    }

    /** @return whether this is a pg_dump job */
    public boolean isPgDump() {
        return "pg_dump".equals(type);
    }

    /** @return the file name of the dump inside the snapshot */
    public String pgDumpFilename() {
        if (pgStdinFilename != null && !pgStdinFilename.isEmpty()) {
            return pgStdinFilename;
        }
        return pgDatabase + ("plain".equals(pgFormat) ? ".sql" : ".dump");
    }

    /** @return the tag every snapshot of this job carries, so retention touches only this job's snapshots */
    public String jobTag() {
        return "asgard-job=" + id;
    }
}
