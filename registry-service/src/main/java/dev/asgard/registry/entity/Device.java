package dev.asgard.registry.entity;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A device as stored. Never leaves the service layer; {@code DeviceMapper} turns it into protobuf. */
@Entity
@Table(name = "device")
public class Device {

    /** Lifecycle status; see the registry README for the transitions. */
    public enum Status {
        PENDING, ACTIVE, INACTIVE, OFFLINE, REVOKED
    }

    @Id
    public UUID id;

    @Column(nullable = false)
    public String name;

    @Column(name = "world_type", nullable = false)
    public String worldType;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    /** SHA-256 of the machine fingerprint; null while a pre-registered device waits for its machine. */
    @Column(name = "fingerprint_sha256")
    public byte[] fingerprintSha256;

    public byte[] hardware;

    public byte[] metadata;

    // No field initializers on persistent attributes: Quarkus enhances entities for inline dirty tracking, and an
    // initializer runs through the tracked setter in the constructor, so every instance Hibernate creates to load a
    // row starts with that attribute marked changed; the flush then writes the row back and bumps its version
    // (concurrent enrolments with one join token failed on that; UnchangedEntitiesTest, ConcurrentUseGrpcTest).
    // Code that creates an entity sets these fields itself.
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> labels;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false, columnDefinition = "text[]")
    public String[] networks;

    @Column(name = "agent_version")
    public String agentVersion;

    @Column(name = "join_token_id")
    public UUID joinTokenId;

    @Column(nullable = false)
    public boolean ephemeral;

    @Column(name = "ephemeral_grace_seconds")
    public Long ephemeralGraceSeconds;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "status_changed_at", nullable = false)
    public Instant statusChangedAt;

    @Column(name = "last_seen")
    public Instant lastSeen;

    @Column(name = "removed_at")
    public Instant removedAt;

    @Column(name = "heartbeat_sequence", nullable = false)
    public long heartbeatSequence;

    /** The device's own heartbeat interval in seconds; null: {@code asgard.registry.devices.heartbeat-interval}. */
    @Column(name = "heartbeat_interval_seconds")
    public Integer heartbeatIntervalSeconds;

    /** The device's own inactive threshold (missed intervals); null: the global one. */
    @Column(name = "inactive_after_missed")
    public Integer inactiveAfterMissed;

    /** The device's own offline threshold (missed intervals); null: the global one. */
    @Column(name = "offline_after_missed")
    public Integer offlineAfterMissed;

    @Version
    public long version;
}
