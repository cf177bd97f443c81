package dev.asgard.backup.entity;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

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

    /** @return associated data of the password ciphertext */
    public String passwordContext() {
        return "repository/" + id + "/password";
    }

    /** @return associated data of the backend secrets ciphertext */
    public String secretsContext() {
        return "repository/" + id + "/backend-secrets";
    }
}
