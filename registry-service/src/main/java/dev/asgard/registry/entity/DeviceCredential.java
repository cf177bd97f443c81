package dev.asgard.registry.entity;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A device credential: only its Argon2id hash is stored. */
@Entity
@Table(name = "device_credential")
public class DeviceCredential {

    /** What a credential is good for right now; derived from the stored times. */
    public enum State {
        /** Usable, with no end. */
        ACTIVE,
        /** Usable until {@code expiresAt}: the previous credential during a rotation's grace period. */
        EXPIRING,
        /** Its grace period is over. */
        EXPIRED,
        /** Revoked: by a rotation without grace, a re-enrolment, or an administrator. */
        REVOKED
    }

    @Id
    public UUID id;

    @Column(name = "device_id", nullable = false)
    public UUID deviceId;

    @Column(name = "secret_hash", nullable = false)
    public String secretHash;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** End of the grace period after a rotation; null while the credential is the current one. */
    @Column(name = "expires_at")
    public Instant expiresAt;

    @Column(name = "revoked_at")
    public Instant revokedAt;

    /**
     * @param now the current time
     * @return the state at that time; revocation wins over expiry
     */
    public State stateAt(Instant now) {
        if (revokedAt != null) {
            return State.REVOKED;
        }
        if (expiresAt == null) {
            return State.ACTIVE;
        }
        return expiresAt.isAfter(now) ? State.EXPIRING : State.EXPIRED;
    }

    /**
     * @param now the current time
     * @return whether the credential can be exchanged for a token at that time
     */
    public boolean usableAt(Instant now) {
        State state = stateAt(now);
        return state == State.ACTIVE || state == State.EXPIRING;
    }
}
