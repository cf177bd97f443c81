package dev.asgard.commons.auth;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the registry's public signing keys (a JWKS document) come from.
 */
@FunctionalInterface
public interface JwksSource {

    /**
     * Fetches the current JWKS document without blocking the caller.
     *
     * @return the JSON of the key set
     */
    CompletionStage<String> fetch();

    /**
     * A fixed key set, for tests and for a registry that verifies with keys it already has.
     *
     * @param jwksJson the JWKS JSON
     * @return a source that always answers it at once
     */
    static JwksSource fixed(String jwksJson) {
        return () -> CompletableFuture.completedFuture(jwksJson);
    }
}
