package dev.asgard.backup.entity;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import dev.asgard.backup.domain.Schedule;

/** A restic repository (table {@code repository}). Secrets are held only as ciphertext. */
@Entity
@Table(name = "repository")
public class BackupRepository {

    /** Storage backends, as stored (lower case). */
    public enum Backend {
        LOCAL, SFTP, S3, REST, RCLONE
    }

    @Id
    public UUID id;

    @Column(nullable = false, unique = true)
    public String name;

    @Column(nullable = false)
    public String description = "";

    @Column(nullable = false)
    public String backend;

    @Column(nullable = false)
    public String url;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "backend_options", nullable = false)
    public Map<String, String> backendOptions = new LinkedHashMap<>();

    @Column(name = "password_ciphertext", nullable = false)
    public byte[] passwordCiphertext;

    @Column(name = "secrets_ciphertext")
    public byte[] secretsCiphertext;

    // A PostgreSQL text[]: Hibernate Reactive decodes JSON columns into objects only, not arrays.
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(name = "secret_names", nullable = false, columnDefinition = "text[]")
    public String[] secretNames = new String[0];

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    @Column(nullable = false)
    public long revision;

    public Boolean initialized;
    public Boolean reachable;
    public Boolean locked;

    @Column(name = "lock_count")
    public Integer lockCount;

    @Column(name = "size_bytes")
    public Long sizeBytes;

    @Column(name = "snapshot_count")
    public Long snapshotCount;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "observed_at")
    public Instant observedAt;

    @Column(name = "last_check_at")
    public Instant lastCheckAt;

    @Column(name = "last_check_outcome")
    public String lastCheckOutcome;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> labels = new LinkedHashMap<>();

    /** The idempotency key of the CreateRepository call that added it, or null. */
    @Column(name = "request_id", unique = true)
    public String requestId;

    @Column(name = "check_cron")
    public String checkCron;

    @Column(name = "check_interval_ms")
    public Long checkIntervalMs;

    @Column(name = "check_time_zone", nullable = false)
    public String checkTimeZone = "UTC";

    @Column(name = "check_jitter_ms", nullable = false)
    public long checkJitterMs;

    /** Start of an interval schedule's grid: when the schedule was last set. */
    @Column(name = "check_anchor_at")
    public Instant checkAnchorAt;

    @Column(name = "check_read_data", nullable = false)
    public boolean checkReadData;

    @Column(name = "check_read_data_subset", nullable = false)
    public String checkReadDataSubset = "";

    /** The next scheduled check; written by the service when the schedule changes and by the check scheduler. */
    @Column(name = "next_check_at")
    public Instant nextCheckAt;

    /** @return when the repository is checked by itself; empty for checks on demand only */
    public Optional<Schedule> checkSchedule() {
        if (checkCron != null) {
            return Optional.of(Schedule.cron(checkCron, ZoneId.of(checkTimeZone)));
        }
        if (checkIntervalMs != null) {
            return Optional.of(Schedule.every(Duration.ofMillis(checkIntervalMs),
                    checkAnchorAt == null ? createdAt : checkAnchorAt));
        }
        return Optional.empty();
    }

    /**
     * Plans the next scheduled check: the schedule's first time strictly after {@code now}, delayed at random by
     * up to the jitter. Planning from now (not from the missed due time) is what makes a check missed during a
     * downtime run once, not once per missed time.
     *
     * @param now the time now
     * @return when the next check is due, or null without a schedule
     */
    public Instant nextCheckAfter(Instant now) {
        Optional<Instant> next = checkSchedule().flatMap(s -> s.nextAfter(now));
        if (next.isEmpty()) {
            return null;
        }
        long jitter = checkJitterMs <= 0 ? 0 : java.util.concurrent.ThreadLocalRandom.current().nextLong(checkJitterMs + 1);
        return next.get().plusMillis(jitter);
    }

    /** @return associated data of the password ciphertext */
    public String passwordContext() {
        return "repository/" + id + "/password";
    }

    /** @return associated data of the backend secrets ciphertext */
    public String secretsContext() {
        return "repository/" + id + "/backend-secrets";
    }
}
