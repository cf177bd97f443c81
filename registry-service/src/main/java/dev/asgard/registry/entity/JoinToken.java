package dev.asgard.registry.entity;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A join token as stored: everything but its secret, of which only the SHA-256 is kept. Never leaves the
 * service layer; {@code JoinTokenMapper} turns it into the REST view.
 */
@Entity
@Table(name = "join_token")
public class JoinToken {

    /** What a token can be used for right now; derived from the stored fields and the current time. */
    public enum State {
        ACTIVE, EXPIRED, EXHAUSTED, REVOKED
    }

    @Id
    public UUID id;

    @Column(name = "secret_sha256", nullable = false)
    public byte[] secretSha256;

    public String description;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "created_by", nullable = false)
    public String createdBy;

    @Column(name = "expires_at", nullable = false)
    public Instant expiresAt;

    @Column(name = "usage_limit")
    public Integer usageLimit;

    @Column(name = "usage_count", nullable = false)
    public int usageCount;

    @Column(name = "last_used_at")
    public Instant lastUsedAt;

    // No field initializers on persistent attributes: Quarkus enhances entities for inline dirty tracking, and an
    // initializer runs through the tracked setter in the constructor, so every instance Hibernate creates to load a
    // row starts with that attribute marked changed; the flush then writes the row back and bumps its version
    // (concurrent enrolments with one join token failed on that; UnchangedEntitiesTest, ConcurrentUseGrpcTest).
    // Code that creates an entity sets these fields itself.
    // A PostgreSQL text[]: Hibernate Reactive decodes JSON columns into objects only, not arrays.
    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false, columnDefinition = "text[]")
    public String[] networks;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, String> labels;

    @Column(nullable = false)
    public boolean ephemeral;

    @Column(name = "ephemeral_grace_seconds")
    public Long ephemeralGraceSeconds;

    @Column(name = "requires_approval", nullable = false)
    public boolean requiresApproval;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    @Column(name = "revoked_by")
    public String revokedBy;

    @Version
    public long version;

    /**
     * @param now the current time
     * @return the state at that time; revocation wins over expiry, expiry over exhaustion
     */
    public State stateAt(Instant now) {
        if (revokedAt != null) {
            return State.REVOKED;
        }
        if (!expiresAt.isAfter(now)) {
            return State.EXPIRED;
        }
        if (usageLimit != null && usageCount >= usageLimit) {
            return State.EXHAUSTED;
        }
        return State.ACTIVE;
    }

    /** @return uses left, or null when unlimited */
    public Integer remainingUses() {
        return usageLimit == null ? null : Math.max(0, usageLimit - usageCount);
    }
}
