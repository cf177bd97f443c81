package dev.asgard.registry.rest.dto;

import java.time.Instant;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One line of the audit trail.
 *
 * @param id entry id
 * @param occurredAt when the change was made
 * @param actor who: a user name, {@code device:<id>}, {@code anonymous} or {@code system}
 * @param actorKind USER, DEVICE, ANONYMOUS or SYSTEM
 * @param action what, such as {@code device.credentials.revoke}
 * @param targetType the kind of object changed: {@code device}, {@code join-token}
 * @param targetId its id
 * @param clientAddress the caller's IP address, if known
 * @param outcome SUCCESS (only changes that happened are recorded)
 * @param details facts about the change (never a secret)
 */
@Schema(name = "AuditEntry")
public record AuditEntryView(String id, Instant occurredAt, String actor, String actorKind, String action,
        String targetType, String targetId, String clientAddress, String outcome, Map<String, Object> details) {
}
