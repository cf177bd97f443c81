package dev.asgard.commons.auth;

import static dev.asgard.commons.auth.DeviceTokenVerifierTest.assertUnauthenticated;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/**
 * A remembered token skips the signature check but nothing that can change while it lives: expiry, revocation of
 * its device, and its key still being published are checked on every call.
 */
class VerifiedTokenCacheTest {

    final JwksRefreshTest.MutableClock clock = new JwksRefreshTest.MutableClock();
    final Instant start = clock.now;
    final TestSigner signer = new TestSigner("key-1");
    final AtomicReference<String> published = new AtomicReference<>(TestSigner.jwks(signer));
    final DeviceTokenRules rules = new DeviceTokenRules(TestSigner.ISSUER, TestSigner.AUDIENCE,
            Duration.ofSeconds(30), Duration.ofMinutes(15));
    final DeviceRevocations revocations = new DeviceRevocations(clock, rules.acceptanceWindow());

    DeviceTokenVerifier verifier(int cacheSize) {
        JwksSource source = () -> CompletableFuture.completedFuture(published.get());
        return new DeviceTokenVerifier(source, rules, revocations, clock, Duration.ofMinutes(1), Duration.ofSeconds(10),
                cacheSize);
    }

    @Test
    void aRepeatedTokenIsAnsweredFromMemory() {
        DeviceTokenVerifier verifier = verifier(100);
        String token = signer.sign(TestSigner.claims("dev-1", start.minusSeconds(5)));
        DeviceIdentity first = verifier.verify(token).join();
        assertSame(first, verifier.verify(token).join());
        assertEquals("dev-1", first.deviceId());
    }

    @Test
    void withoutACacheEveryCallIsVerifiedInFull() {
        DeviceTokenVerifier verifier = verifier(0);
        String token = signer.sign(TestSigner.claims("dev-1", start.minusSeconds(5)));
        assertNotSame(verifier.verify(token).join(), verifier.verify(token).join());
    }

    @Test
    void aRememberedTokenIsRefusedOnceItsDeviceIsRevoked() {
        DeviceTokenVerifier verifier = verifier(100);
        String token = signer.sign(TestSigner.claims("dev-1", start.minusSeconds(5)));
        verifier.verify(token).join();
        revocations.revoke("dev-1", start);
        assertUnauthenticated(DeviceAuthReasons.REVOKED, verifier.verify(token));
    }

    @Test
    void aRememberedTokenIsRefusedOnceItExpires() {
        DeviceTokenVerifier verifier = verifier(100);
        String token = signer.sign(TestSigner.claims("dev-1", start.minusSeconds(5)));
        verifier.verify(token).join();
        clock.now = start.plusSeconds(600 + 31);
        assertUnauthenticated(DeviceAuthReasons.EXPIRED, verifier.verify(token));
    }

    @Test
    void aRememberedTokenIsRefusedOnceItsKeyIsNoLongerPublished() {
        DeviceTokenVerifier verifier = verifier(100);
        String token = signer.sign(TestSigner.claims("dev-1", start.minusSeconds(5)));
        verifier.verify(token).join();
        published.set(TestSigner.jwks(new TestSigner("key-2")));
        clock.now = start.plusSeconds(120);
        // The first call after the refresh interval starts the refetch and may still see the old key set.
        verifier.verify(token);
        assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(token));
    }

    @Test
    void theCacheStaysWithinItsBound() {
        VerifiedTokens tokens = new VerifiedTokens(3);
        DeviceIdentity identity = new DeviceIdentity("dev-1", java.util.List.of(), java.util.Map.of(), "jti",
                start.plusSeconds(600));
        for (int i = 0; i < 10; i++) {
            tokens.put("token-" + i, new VerifiedTokens.Entry(identity, start, "key-1", null), start);
            assertTrue(tokens.size() <= 3);
        }
    }
}
