package dev.asgard.registry.rest.dto;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A join token as administrators see it: everything but the secret.
 *
 * @param id token id (also the middle part of the token itself)
 * @param description free text
 * @param state ACTIVE, EXPIRED, EXHAUSTED or REVOKED, as of now
 * @param createdAt creation time
 * @param createdBy administrator who created it
 * @param expiresAt expiry time
 * @param usageLimit enrolments it allows; null for unlimited
 * @param usageCount enrolments it was used for
 * @param remainingUses uses left; null for unlimited
 * @param lastUsedAt time of the last use, if any
 * @param networks networks a device enrolled with it joins
 * @param labels labels applied to such a device
 * @param ephemeral whether such devices are removed after being offline for the grace period
 * @param ephemeralGracePeriod that grace period (ISO-8601), for ephemeral tokens
 * @param requiresApproval whether such devices wait for an administrator's approval
 * @param revokedAt revocation time, if revoked
 * @param revokedBy administrator who revoked it
 */
@Schema(name = "JoinToken", description = "A join token (without its secret)")
public record JoinTokenView(
        String id,
        String description,
        String state,
        Instant createdAt,
        String createdBy,
        Instant expiresAt,
        Integer usageLimit,
        int usageCount,
        Integer remainingUses,
        Instant lastUsedAt,
        List<String> networks,
        Map<String, String> labels,
        boolean ephemeral,
        String ephemeralGracePeriod,
        boolean requiresApproval,
        Instant revokedAt,
        String revokedBy) {
}
