package dev.asgard.registry.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

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

    /** @return device-token signing keys (package {@code dev.asgard.registry.keys}) */
    SigningKeys signingKeys();

    /** @return device tokens the registry issues */
    DeviceTokens deviceTokens();

    /** Signing keys: encryption at rest, rotation, publication. The table is in the README. */
    interface SigningKeys {

        /** @return the master key (base64 of 32 bytes) that encrypts private keys at rest; from a Secret */
        Optional<String> masterKey();

        /** @return a file holding the master key (base64), when {@link #masterKey()} is not set */
        Optional<Path> masterKeyFile();

        /** @return where a master key is generated when neither is set (development only) */
        @WithDefault("${user.home}/.asgard/registry-master.key")
        Path generatedMasterKeyFile();

        /** @return how long a key signs before the leader replaces it */
        @WithDefault("30d")
        Duration rotationPeriod();

        /** @return how long a new key is published before it signs, so verifiers can refresh their JWKS */
        @WithDefault("1m")
        Duration prePublication();

        /** @return how long a replica keeps the key set it read from the database */
        @WithDefault("10s")
        Duration cacheTtl();

        /** @return how often the leader checks whether a rotation or clean-up is due; {@code off} disables */
        @WithDefault("1m")
        String rotationCheckInterval();
    }

    /** Device tokens (format in commons/README.md, "Device tokens"). */
    interface DeviceTokens {

        /** @return lifetime of an issued token; at most {@code asgard.device-auth.max-token-lifetime} */
        @WithDefault("10m")
        Duration lifetime();
    }

    /** @return device credential rotation and revocation */
    Credentials credentials();

    /** Device credentials: how long a replaced credential may keep working, and what an administrator may say. */
    interface Credentials {

        /**
         * @return the longest grace period of the previous credential after a rotation; a device asking for
         *         more gets this, an administrator asking for more gets 400
         */
        @WithDefault("1h")
        Duration maxPreviousGrace();

        /** @return the longest reason an administrator may give for a revocation, in characters */
        @WithDefault("500")
        int maxRevocationReasonLength();
    }
}
