package dev.asgard.bench;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * Admin bearer tokens for the bench: an RSA key pair generated per run (nothing is stored), whose public key the
 * registry is given as {@code quarkus.oidc.public-key}, the way test-support's OidcTokenResource does it for
 * tests. The tokens look like the Keycloak realm's ({@code realm_access.roles}).
 */
final class AdminTokens {

    private static final String ISSUER = "https://bench.asgard.invalid/realms/asgard";
    private final KeyPair keys;

    AdminTokens() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            this.keys = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Every JDK generates RSA keys", e);
        }
    }

    /** @return JVM options for the registry: verify bearer tokens with this key, never contact an OIDC server */
    List<String> oidcSystemProperties() {
        return List.of(
                // Empty hides the default Keycloak URL: with a URL and no discovery, quarkus-oidc wants a JWKS path.
                "-Dquarkus.oidc.auth-server-url=",
                "-Dquarkus.oidc.discovery-enabled=false",
                "-Dquarkus.oidc.public-key=" + Base64.getEncoder().encodeToString(keys.getPublic().getEncoded()),
                "-Dquarkus.oidc.token.issuer=" + ISSUER);
    }

    /** @return a one-hour token of user {@code bench} with role {@code asgard-admin} */
    String admin() {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setSubject(UUID.randomUUID().toString());
        claims.setAudience("asgard");
        claims.setClaim("preferred_username", "bench");
        claims.setClaim("typ", "Bearer");
        claims.setClaim("realm_access", Map.of("roles", List.of("asgard-admin")));
        claims.setStringListClaim("groups", "asgard-admin");
        claims.setGeneratedJwtId();
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(60);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(keys.getPrivate());
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("Cannot sign the admin token", e);
        }
    }
}
