package dev.asgard.registry.keys;

import java.time.Instant;

/**
 * A device token as issued.
 *
 * @param token the compact JWS
 * @param expiresAt its {@code exp}
 * @param kid the key that signed it
 */
public record IssuedToken(String token, Instant expiresAt, String kid) {
}
