package dev.asgard.commons.paging;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * Settings of page tokens ({@code asgard.paging.*}).
 */
@ConfigMapping(prefix = "asgard.paging")
public interface PagingConfig {

    /**
     * @return base64 (standard or URL-safe) HMAC key of at least 32 bytes; every replica of a service needs the
     *         same one. Without it, a random key is generated at startup, and tokens then stop working after a
     *         restart and across replicas. Supply it by reference (environment variable
     *         {@code ASGARD_PAGING_SECRET}, Kubernetes Secret), never in a committed file.
     */
    Optional<String> secret();
}
