package dev.asgard.registry.service;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What an administrator asks for when creating a join token, already parsed (durations) but not yet
 * validated.
 *
 * @param description free text for people, optional
 * @param ttl lifetime from now; null for the configured default
 * @param usageLimit how many enrolments it allows; null for unlimited
 * @param networks networks a device enrolled with it joins
 * @param labels labels applied to a device enrolled with it
 * @param ephemeral whether such devices are removed after being offline for their grace period
 * @param ephemeralGrace that grace period; null for the configured default (only with {@code ephemeral})
 * @param requiresApproval whether such devices wait for an administrator's approval
 */
public record NewJoinToken(
        String description,
        Duration ttl,
        Integer usageLimit,
        List<String> networks,
        Map<String, String> labels,
        boolean ephemeral,
        Duration ephemeralGrace,
        boolean requiresApproval) {
}
