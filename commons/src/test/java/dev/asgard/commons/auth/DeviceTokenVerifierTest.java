package dev.asgard.commons.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.ErrorCategory;

class DeviceTokenVerifierTest {

    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    static final DeviceTokenRules RULES = new DeviceTokenRules(TestSigner.ISSUER, TestSigner.AUDIENCE,
            Duration.ofSeconds(30), Duration.ofMinutes(15));

    final TestSigner signer = new TestSigner("key-1");
    final DeviceRevocations revocations = new DeviceRevocations(CLOCK, RULES.acceptanceWindow());
    final DeviceTokenVerifier verifier = verifier(JwksSource.fixed(TestSigner.jwks(signer)));

    DeviceTokenVerifier verifier(JwksSource source) {
        return new DeviceTokenVerifier(source, RULES, revocations, CLOCK, Duration.ofMinutes(5), Duration.ofSeconds(10));
    }

    static AsgardException failure(CompletableFuture<DeviceIdentity> result) {
        CompletionException e = assertThrows(CompletionException.class, result::join);
        return assertInstanceOf(AsgardException.class, e.getCause());
    }

    static void assertUnauthenticated(String reason, CompletableFuture<DeviceIdentity> result) {
        AsgardException e = failure(result);
        assertEquals(ErrorCategory.UNAUTHENTICATED, e.category());
        assertEquals(reason, e.reason());
    }

    @Test
    void validTokenYieldsTheDeviceAtOnce() {
        JwtClaims claims = TestSigner.claims("dev-1", NOW.minusSeconds(60));
        CompletableFuture<DeviceIdentity> result = verifier.verify(signer.sign(claims));

        assertTrue(result.isDone(), "a cached key must not make the caller wait");
        DeviceIdentity identity = result.join();
        assertEquals("dev-1", identity.deviceId());
        assertEquals(List.of("net-1"), identity.networks());
        assertEquals(Map.of("role", "edge"), identity.labels());
        assertEquals(NOW.plusSeconds(540), identity.expiresAt());
        assertTrue(identity.tokenId().length() > 10);
    }

    @Test
    void expiredTokenIsRefused() {
        assertUnauthenticated(DeviceAuthReasons.EXPIRED,
                verifier.verify(signer.sign(TestSigner.claims("dev-1", NOW.minusSeconds(700)))));
    }

    @Test
    void tokenExpiredWithinTheClockSkewIsAccepted() {
        String token = signer.sign(TestSigner.claims("dev-1", NOW.minusSeconds(620)));
        assertEquals("dev-1", verifier.verify(token).join().deviceId());
    }

    @Test
    void notYetValidTokenIsRefused() {
        JwtClaims claims = TestSigner.claims("dev-1", NOW.minusSeconds(10));
        claims.setNotBefore(NumericDate.fromSeconds(NOW.plusSeconds(120).getEpochSecond()));
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(signer.sign(claims)));
    }

    @Test
    void tokenIssuedInTheFutureIsRefused() {
        assertUnauthenticated(DeviceAuthReasons.INVALID,
                verifier.verify(signer.sign(TestSigner.claims("dev-1", NOW.plusSeconds(120)))));
    }

    @Test
    void forgedSignatureIsRefused() {
        TestSigner forger = new TestSigner("key-1");
        assertUnauthenticated(DeviceAuthReasons.INVALID,
                verifier.verify(forger.sign(TestSigner.claims("dev-1", NOW))));
    }

    @Test
    void tamperedPayloadIsRefused() {
        String[] parts = signer.sign(TestSigner.claims("dev-1", NOW)).split("\\.");
        String other = signer.sign(TestSigner.claims("dev-2", NOW)).split("\\.")[1];
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(parts[0] + "." + other + "." + parts[2]));
    }

    @Test
    void wrongAudienceIsRefused() {
        JwtClaims claims = TestSigner.claims("dev-1", NOW);
        claims.setAudience("other");
        assertUnauthenticated(DeviceAuthReasons.WRONG_AUDIENCE, verifier.verify(signer.sign(claims)));
    }

    @Test
    void wrongIssuerIsRefused() {
        JwtClaims claims = TestSigner.claims("dev-1", NOW);
        claims.setIssuer("https://keycloak.asgard.test/realms/asgard");
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(signer.sign(claims)));
    }

    @Test
    void adminTokenWithoutDeviceTypeIsRefused() {
        JwtClaims keycloakLike = TestSigner.claims("dev-1", NOW);
        keycloakLike.setClaim("typ", "Bearer");
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(signer.sign(keycloakLike)));

        JwtClaims untyped = TestSigner.claims("dev-1", NOW);
        untyped.unsetClaim("typ");
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(signer.sign(untyped)));
    }

    @Test
    void tokenWithoutRequiredClaimsIsRefused() {
        JwtClaims noJti = TestSigner.claims("dev-1", NOW);
        noJti.unsetClaim("jti");
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(signer.sign(noJti)));

        JwtClaims noSubject = TestSigner.claims("dev-1", NOW);
        noSubject.unsetClaim("sub");
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(signer.sign(noSubject)));
    }

    @Test
    void tokenLivingLongerThanTheMaximumIsRefused() {
        JwtClaims claims = TestSigner.claims("dev-1", NOW);
        claims.setExpirationTime(NumericDate.fromSeconds(NOW.plus(Duration.ofHours(2)).getEpochSecond()));
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(signer.sign(claims)));
    }

    @Test
    void malformedTokensAreRefused() {
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify("not-a-jwt"));
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify("a.b.c"));
        assertUnauthenticated(DeviceAuthReasons.INVALID,
                verifier.verify(signer.sign(TestSigner.claims("dev-1", NOW), null)));
    }

    @Test
    void tokensIssuedAtOrBeforeTheRevocationAreRefusedLaterOnesAccepted() {
        Instant cutOff = NOW.minusSeconds(120);
        revocations.revoke("dev-1", cutOff);

        assertUnauthenticated(DeviceAuthReasons.REVOKED,
                verifier.verify(signer.sign(TestSigner.claims("dev-1", cutOff.minusSeconds(60)))));
        assertUnauthenticated(DeviceAuthReasons.REVOKED, verifier.verify(signer.sign(TestSigner.claims("dev-1", cutOff))));
        assertEquals("dev-1", verifier.verify(signer.sign(TestSigner.claims("dev-1", cutOff.plusSeconds(1)))).join().deviceId());
        assertEquals("dev-2", verifier.verify(signer.sign(TestSigner.claims("dev-2", cutOff.minusSeconds(60)))).join().deviceId());
    }

    @Test
    void fetchFailureWithoutAnyKeysIsUnavailableNotInvalid() {
        DeviceTokenVerifier down = verifier(() -> CompletableFuture.failedFuture(new IllegalStateException("down")));
        AsgardException e = failure(down.verify(signer.sign(TestSigner.claims("dev-1", NOW))));
        assertEquals(ErrorCategory.UNAVAILABLE, e.category());
        assertEquals(DeviceAuthReasons.KEYS_UNAVAILABLE, e.reason());
    }
}
