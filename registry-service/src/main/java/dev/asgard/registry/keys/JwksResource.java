package dev.asgard.registry.keys;

import java.time.Clock;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;

/** The public keys that verify device tokens, for every service's verifier. Public: no authentication. */
@Path("/.well-known/jwks.json")
@Tag(name = "Device token keys")
public class JwksResource {

    private static final CacheControl ONE_MINUTE = CacheControl.valueOf("max-age=60");

    private final SigningKeyService keys;
    private final Clock clock;

    public JwksResource(SigningKeyService keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * Every published signing key: the active one, one announced before it signs, and retired ones until their
     * last token expired. Verifiers refetch on an unknown {@code kid}, so the short cache lifetime is a ceiling.
     */
    @GET
    @Produces({ "application/jwk-set+json", "application/json" })
    @Operation(summary = "Device-token signing keys (JWKS)")
    public Uni<Response> jwks() {
        return keys.jwks(clock.instant())
                .map(json -> Response.ok(json).cacheControl(ONE_MINUTE).build());
    }
}
