package dev.asgard.registry.mapping;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.registry.entity.JoinToken;
import dev.asgard.registry.rest.dto.JoinTokenView;

/** Join token entity → REST view. The view never carries the secret or its hash. */
@ApplicationScoped
public class JoinTokenMapper {

    private final Clock clock;

    public JoinTokenMapper(Clock clock) {
        this.clock = clock;
    }

    /**
     * @param token the stored token
     * @return its REST view, with the state as of now
     */
    public JoinTokenView toView(JoinToken token) {
        return new JoinTokenView(
                token.id.toString(),
                token.description,
                token.stateAt(clock.instant()).name(),
                token.createdAt,
                token.createdBy,
                token.expiresAt,
                token.usageLimit,
                token.usageCount,
                token.remainingUses(),
                token.lastUsedAt,
                List.of(token.networks),
                Map.copyOf(token.labels),
                token.ephemeral,
                token.ephemeralGraceSeconds == null ? null : Duration.ofSeconds(token.ephemeralGraceSeconds).toString(),
                token.requiresApproval,
                token.revokedAt,
                token.revokedBy);
    }
}
