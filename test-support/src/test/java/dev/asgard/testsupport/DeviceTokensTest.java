package dev.asgard.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.keys.resolvers.JwksVerificationKeyResolver;
import org.junit.jupiter.api.Test;

/**
 * The tokens verify against {@link DeviceTokens#jwks()} with an independent JWT library configuration; the
 * verifier in commons proves them once more in its interceptor tests.
 */
class DeviceTokensTest {

    static JwtConsumer consumer(String audience) throws Exception {
        return new JwtConsumerBuilder()
                .setVerificationKeyResolver(new JwksVerificationKeyResolver(
                        new JsonWebKeySet(DeviceTokens.jwks()).getJsonWebKeys()))
                .setExpectedIssuer(DeviceTokens.ISSUER)
                .setExpectedAudience(audience)
                .setRequireExpirationTime()
                .setRequireIssuedAt()
                .setRequireJwtId()
                .build();
    }

    @Test
    void deviceTokenCarriesTheDocumentedClaimsAndVerifiesAgainstTheJwks() throws Exception {
        JwtClaims claims = consumer(DeviceTokens.AUDIENCE).processToClaims(
                DeviceTokens.forDevice("dev-1", List.of("net-a"), Map.of("tier", "edge")));

        assertEquals("dev-1", claims.getSubject());
        assertEquals("device", claims.getClaimValue("typ"));
        assertEquals(List.of("net-a"), claims.getStringListClaimValue("networks"));
        assertEquals(Map.of("tier", "edge"), claims.getClaimValue("labels", Map.class));
        assertEquals(600, claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue());
    }

    @Test
    void badTokensFailVerification() throws Exception {
        JwtConsumer consumer = consumer(DeviceTokens.AUDIENCE);
        assertTrue(assertThrows(InvalidJwtException.class,
                () -> consumer.processToClaims(DeviceTokens.expired("dev-1"))).hasExpired());
        assertThrows(InvalidJwtException.class, () -> consumer.processToClaims(DeviceTokens.wrongAudience("dev-1")));
        assertThrows(InvalidJwtException.class, () -> consumer.processToClaims(DeviceTokens.signedByUnknownKey("dev-1")));
        assertThrows(InvalidJwtException.class, () -> consumer.processToClaims(DeviceTokens.forged("dev-1")));
    }

    @Test
    void keyPairIsSharedThroughTheJvmSoEveryClassLoaderSignsAlike() {
        String jwks = DeviceTokens.jwks();
        assertTrue(System.getProperty(JvmShared.PREFIX + "device.key-pair") != null);
        assertEquals(jwks, DeviceTokens.jwks());
    }

    @Test
    void resourcePointsTheVerifierAtTheTestJwks() {
        Map<String, String> config = new DeviceAuthResource().start();
        assertEquals(DeviceTokens.jwks(), config.get("asgard.device-auth.jwks"));
        assertEquals(DeviceTokens.ISSUER, config.get("asgard.device-auth.issuer"));
        assertEquals(DeviceTokens.AUDIENCE, config.get("asgard.device-auth.audience"));
    }
}
