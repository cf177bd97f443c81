package dev.asgard.commons.events;

import java.time.Instant;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * One event waiting in the transactional outbox ({@code outbox} table in the service's own schema; DDL in
 * {@code META-INF/asgard/outbox.sql}). Written by {@link EventPublisher} in the transaction of the change it
 * describes, deleted by {@link OutboxRelay} once Kafka acknowledged it.
 *
 * <p>The table name is unqualified on purpose: every service points Hibernate's default schema
 * ({@code quarkus.hibernate-orm.database.default-schema}) at its own schema, so each service has its own
 * outbox.
 */
@Entity
@Table(name = "outbox")
public class OutboxEvent {

    /** The event id, sent as {@code ce_id}; assigned by the publisher, not the database. */
    @Id
    @Column(name = "id", nullable = false, updatable = false)
    private UUID id;

    /** Insertion order, assigned by PostgreSQL (bigserial); the relay sends rows in this order. */
    @Column(name = "seq", insertable = false, updatable = false)
    private Long seq;

    @Column(name = "topic", nullable = false, updatable = false, columnDefinition = "text")
    private String topic;

    @Column(name = "record_key", nullable = false, updatable = false, columnDefinition = "text")
    private String recordKey;

    @Column(name = "ce_type", nullable = false, updatable = false, columnDefinition = "text")
    private String ceType;

    @Column(name = "ce_subject", updatable = false, columnDefinition = "text")
    private String ceSubject;

    @Column(name = "ce_time", nullable = false, updatable = false)
    private Instant ceTime;

    @Column(name = "payload", nullable = false, updatable = false)
    private byte[] payload;

    /** Full name of the payload's protobuf message, e.g. {@code asgard.events.v1.DeviceRegistered}. */
    @Column(name = "payload_type", nullable = false, updatable = false, columnDefinition = "text")
    private String payloadType;

    /** Database time of insertion (column default {@code now()}). */
    @Column(name = "created_at", insertable = false, updatable = false)
    private Instant createdAt;

    /** For Hibernate. */
    protected OutboxEvent() {
    }

    /**
     * A new outbox row.
     *
     * @param id event id ({@code ce_id})
     * @param topic Kafka topic
     * @param recordKey Kafka record key (the entity id)
     * @param ceType CloudEvents type
     * @param ceSubject CloudEvents subject, may be null
     * @param ceTime when the change happened
     * @param payload serialized protobuf payload
     * @param payloadType full name of the payload's message type
     */
    public OutboxEvent(UUID id, String topic, String recordKey, String ceType, String ceSubject, Instant ceTime,
            byte[] payload, String payloadType) {
        this.id = id;
        this.topic = topic;
        this.recordKey = recordKey;
        this.ceType = ceType;
        this.ceSubject = ceSubject;
        this.ceTime = ceTime;
        this.payload = payload;
        this.payloadType = payloadType;
    }

    /** @return the event id */
    public UUID getId() {
        return id;
    }

    /** @return the insertion order; null until the row was read back from the database */
    public Long getSeq() {
        return seq;
    }

    /** @return the Kafka topic */
    public String getTopic() {
        return topic;
    }

    /** @return the Kafka record key */
    public String getRecordKey() {
        return recordKey;
    }

    /** @return the CloudEvents type */
    public String getCeType() {
        return ceType;
    }

    /** @return the CloudEvents subject, may be null */
    public String getCeSubject() {
        return ceSubject;
    }

    /** @return when the change happened */
    public Instant getCeTime() {
        return ceTime;
    }

    /** @return the serialized protobuf payload (not copied: treat as read-only) */
    public byte[] getPayload() {
        return payload;
    }

    /** @return the payload's protobuf full name */
    public String getPayloadType() {
        return payloadType;
    }

    /** @return the database insertion time; null until read back */
    public Instant getCreatedAt() {
        return createdAt;
    }

    @Override
    public String toString() {
        // Never the payload: events may describe devices and must not end up in logs wholesale.
        return "OutboxEvent[id=" + id + ", seq=" + seq + ", topic=" + topic + ", key=" + recordKey + ", type=" + ceType + "]";
    }
}
