package dev.asgard.registry.rest.dto;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Body of {@code POST /api/v1/join-tokens}.
 *
 * @param description free text for people (at most 200 characters)
 * @param ttl lifetime, ISO-8601 ({@code PT24H}) or short form ({@code 24h}, {@code 30m}, {@code 7d});
 *        default 24h, at most the configured maximum (365d)
 * @param usageLimit enrolments it allows (1 to 1 000 000); absent for unlimited
 * @param networks network ids a device enrolled with it joins (at most 32)
 * @param labels labels applied to such a device (Kubernetes label syntax, at most 64)
 * @param ephemeral remove such devices after they were offline for the grace period
 * @param ephemeralGracePeriod that grace period (same forms as ttl; 1m to 30d; default 30m)
 * @param requiresApproval such devices stay pending until an administrator approves them
 */
@Schema(name = "CreateJoinTokenRequest")
public record CreateJoinTokenRequest(
        String description,
        @Schema(examples = "24h") String ttl,
        Integer usageLimit,
        List<String> networks,
        Map<String, String> labels,
        Boolean ephemeral,
        @Schema(examples = "30m") String ephemeralGracePeriod,
        Boolean requiresApproval) {
}
