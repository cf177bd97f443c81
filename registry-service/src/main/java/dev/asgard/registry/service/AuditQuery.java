package dev.asgard.registry.service;

import java.time.Instant;
import java.util.Optional;

/**
 * Filters of an audit trail query; every present filter must match.
 *
 * @param actor exact actor ({@code alice}, {@code device:<id>}, {@code anonymous}, {@code system})
 * @param action exact action ({@code device.credentials.revoke})
 * @param targetId exact target id (a device or join token id)
 * @param since entries at or after this time
 * @param until entries before this time
 */
public record AuditQuery(Optional<String> actor, Optional<String> action, Optional<String> targetId,
        Optional<Instant> since, Optional<Instant> until) {
}
