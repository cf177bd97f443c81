package dev.asgard.registry.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link AuditService#record} writes: the action, its target and details. Who and from where come from
 * the request ({@link AuditCaller}) unless {@link #by} names the actor.
 *
 * <pre>{@code
 * .call(device -> audit.record(AuditRecord.of("device.approve", "device", device.id).with("from", "PENDING")))
 * }</pre>
 *
 * @param action what happened, {@code <object>.<verb>}, such as {@code device.credentials.revoke}
 * @param targetType the kind of object: {@code device}, {@code join-token}
 * @param targetId its id
 * @param details facts worth keeping (never a secret), as JSON
 * @param actor the actor to record instead of the caller, or null
 */
public record AuditRecord(String action, String targetType, String targetId, Map<String, Object> details,
        AuditCaller actor) {

    /** Validates and copies. */
    public AuditRecord {
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(targetType, "targetType");
        Objects.requireNonNull(targetId, "targetId");
        details = new LinkedHashMap<>(details);
    }

    /**
     * @param action the action
     * @param targetType the kind of target
     * @param targetId its id (a UUID or a string)
     * @return a record without details
     */
    public static AuditRecord of(String action, String targetType, Object targetId) {
        return new AuditRecord(action, targetType, String.valueOf(targetId), Map.of(), null);
    }

    /**
     * @param key a detail's name
     * @param value its value (string, number, boolean, list or map); null values are left out
     * @return a record with that detail added
     */
    public AuditRecord with(String key, Object value) {
        if (value == null) {
            return this;
        }
        Map<String, Object> copy = new LinkedHashMap<>(details);
        copy.put(key, value instanceof java.util.UUID || value instanceof java.time.temporal.Temporal
                || value instanceof java.time.Duration || value instanceof Enum<?> ? value.toString() : value);
        return new AuditRecord(action, targetType, targetId, copy, actor);
    }

    /**
     * @param who the actor to record, keeping the caller's address when {@code who} has none
     * @return a record attributed to {@code who}
     */
    public AuditRecord by(AuditCaller who) {
        return new AuditRecord(action, targetType, targetId, details, who);
    }
}
