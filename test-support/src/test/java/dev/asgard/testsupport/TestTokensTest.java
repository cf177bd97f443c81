package dev.asgard.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.junit.jupiter.api.Test;

class TestTokensTest {

    private final Map<String, String> oidcConfig = new OidcTokenResource().start();

    @Test
    void theResourceConfiguresLocalVerificationWithoutDiscovery() {
        assertEquals(Map.of(
                "quarkus.oidc.auth-server-url", "",
                "quarkus.oidc.public-key", TestTokens.publicKeyBase64(),
                "quarkus.oidc.token.issuer", TestTokens.ISSUER,
                "quarkus.oidc.discovery-enabled", "false",
                "quarkus.oidc.application-type", "service"), oidcConfig);
    }

    @Test
    void anAdminTokenVerifiesWithTheConfiguredKeyAndLooksLikeKeycloaks() throws Exception {
        JwtClaims claims = consumer().processToClaims(TestTokens.admin());

        assertEquals(TestTokens.ISSUER, claims.getIssuer());
        assertEquals("admin", claims.getStringClaimValue("preferred_username"));
        assertEquals(UUID.nameUUIDFromBytes("admin".getBytes()).toString(), claims.getSubject());
        assertEquals(List.of(TestTokens.AUDIENCE), claims.getAudience());
        assertEquals("Bearer", claims.getStringClaimValue("typ"));
        assertEquals(List.of("asgard-admin"), realmRoles(claims));
        assertEquals(List.of("asgard-admin"), claims.getStringListClaimValue("groups"));
        long lifetime = claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue();
        assertEquals(3600, lifetime);
        assertTrue(claims.getJwtId() != null && !claims.getJwtId().isBlank());
    }

    @Test
    void viewerAndCustomTokensCarryExactlyTheirRoles() throws Exception {
        JwtClaims viewer = consumer().processToClaims(TestTokens.viewer());
        assertEquals(List.of("asgard-viewer"), realmRoles(viewer));
        assertEquals("viewer", viewer.getStringClaimValue("preferred_username"));

        JwtClaims none = consumer().processToClaims(TestTokens.withRoles());
        assertEquals(List.of(), realmRoles(none));

        JwtClaims both = consumer().processToClaims(TestTokens.forUser("alice", "asgard-viewer", "other"));
        assertEquals(List.of("asgard-viewer", "other"), realmRoles(both));
        assertEquals(List.of("asgard-viewer", "other"), both.getStringListClaimValue("groups"));
        assertNotEquals(viewer.getSubject(), both.getSubject());
    }

    @Test
    void anExpiredTokenIsRejected() {
        InvalidJwtException rejected = assertThrows(InvalidJwtException.class,
                () -> consumer().processToClaims(TestTokens.expired()));
        assertTrue(rejected.hasExpired(), rejected.getMessage());
    }

    @Test
    void aTokenFromAnUnknownKeyIsRejected() {
        InvalidJwtException rejected = assertThrows(InvalidJwtException.class,
                () -> consumer().processToClaims(TestTokens.signedByUnknownKey()));
        assertTrue(rejected.hasErrorCode(ErrorCodes.SIGNATURE_INVALID), rejected.getMessage());
    }

    /** Verifies as quarkus-oidc does with the returned configuration: the key, the issuer, the expiry. */
    private JwtConsumer consumer() throws Exception {
        byte[] encoded = Base64.getDecoder().decode(oidcConfig.get("quarkus.oidc.public-key"));
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(encoded));
        return new JwtConsumerBuilder()
                .setVerificationKey(key)
                .setExpectedIssuer(oidcConfig.get("quarkus.oidc.token.issuer"))
                .setExpectedAudience(TestTokens.AUDIENCE)
                .setRequireExpirationTime()
                .setRequireSubject()
                .build();
    }

    @SuppressWarnings("unchecked")
    private static List<String> realmRoles(JwtClaims claims) throws Exception {
        Map<String, Object> realmAccess = claims.getClaimValue("realm_access", Map.class);
        return (List<String>) realmAccess.get("roles");
    }
}
