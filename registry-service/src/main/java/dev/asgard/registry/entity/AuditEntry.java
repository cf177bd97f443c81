package dev.asgard.registry.entity;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One line of the audit trail: who did what to which object, when and from where. Written once, never changed. */
@Entity
@Table(name = "audit_entry")
public class AuditEntry {

    /** What kind of caller acted. */
    public enum ActorKind {
        /** An administrator or viewer authenticated by Keycloak; the actor is the user name. */
        USER,
        /** A device; the actor is {@code device:<id>}. */
        DEVICE,
        /** The registry itself (scheduled jobs); the actor is {@code system}. */
        SYSTEM,
        /** An unauthenticated caller; the actor is {@code anonymous}. */
        ANONYMOUS
    }

    /** The outcome; only successful changes are recorded, since a refused request changes nothing. */
    public enum Outcome {
        SUCCESS
    }

    @Id
    public UUID id;

    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;

    @Column(nullable = false)
    public String actor;

    @Enumerated(EnumType.STRING)
    @Column(name = "actor_kind", nullable = false)
    public ActorKind actorKind;

    @Column(nullable = false)
    public String action;

    @Column(name = "target_type", nullable = false)
    public String targetType;

    @Column(name = "target_id", nullable = false)
    public String targetId;

    @Column(name = "client_address")
    public String clientAddress;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Outcome outcome = Outcome.SUCCESS;

    // A JSON object (Hibernate Reactive decodes JSON columns into objects only, which this always is).
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false)
    public Map<String, Object> details = new LinkedHashMap<>();
}
