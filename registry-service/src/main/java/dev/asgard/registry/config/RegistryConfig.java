package dev.asgard.registry.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** registry-service settings ({@code asgard.registry.*}). */
@ConfigMapping(prefix = "asgard.registry")
public interface RegistryConfig {

    /** @return join token settings */
    JoinTokens joinTokens();

    /** Bounds of join tokens an administrator creates. */
    interface JoinTokens {

        /** @return lifetime of a token created without an explicit TTL */
        @WithDefault("24h")
        Duration defaultTtl();

        /** @return the longest TTL an administrator may ask for */
        @WithDefault("365d")
        Duration maxTtl();

        /** @return grace period of ephemeral devices when the token does not set one */
        @WithDefault("30m")
        Duration defaultEphemeralGrace();
    }
}
