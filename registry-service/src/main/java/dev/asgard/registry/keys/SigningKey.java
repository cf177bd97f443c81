package dev.asgard.registry.keys;

import java.time.Instant;

/**
 * A row of {@code signing_key}: the public JWK in clear, the private key sealed with the {@link MasterKey}.
 *
 * @param kid key id (RFC 7638 thumbprint of the public key)
 * @param algorithm JWS algorithm, {@code RS256}
 * @param publicJwk the public JWK as JSON
 * @param privateKeyEncrypted the sealed PKCS#8 private key
 * @param createdAt creation; published from then on
 * @param activatesAt signs from then on
 * @param retiresAt signs no more from then on
 * @param expiresAt published no more from then on (every token it signed has expired)
 */
public record SigningKey(String kid, String algorithm, String publicJwk, byte[] privateKeyEncrypted,
        Instant createdAt, Instant activatesAt, Instant retiresAt, Instant expiresAt) {

    /**
     * @param now the time
     * @return whether it may sign at that time
     */
    public boolean signsAt(Instant now) {
        return !activatesAt.isAfter(now) && retiresAt.isAfter(now);
    }

    /**
     * @param now the time
     * @return whether the JWKS carries it at that time
     */
    public boolean publishedAt(Instant now) {
        return expiresAt.isAfter(now);
    }
}
