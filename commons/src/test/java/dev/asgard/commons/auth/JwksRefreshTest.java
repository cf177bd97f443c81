package dev.asgard.commons.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

/** The JWKS over real HTTP: fetched on first use, refetched for a new key id, rate-limited against floods. */
class JwksRefreshTest {

    /** A clock the test moves forward. */
    static final class MutableClock extends Clock {
        volatile Instant now = Instant.now();

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    final TestSigner first = new TestSigner("key-1");
    final TestSigner second = new TestSigner("key-2");
    final AtomicReference<String> published = new AtomicReference<>(TestSigner.jwks(first));
    final AtomicInteger requests = new AtomicInteger();
    final MutableClock clock = new MutableClock();
    HttpServer server;
    DeviceTokenVerifier verifier;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/.well-known/jwks.json", exchange -> {
            requests.incrementAndGet();
            byte[] body = published.get().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json");
        DeviceTokenRules rules = new DeviceTokenRules(TestSigner.ISSUER, TestSigner.AUDIENCE, Duration.ofSeconds(30),
                Duration.ofMinutes(15));
        verifier = new DeviceTokenVerifier(new HttpJwksSource(uri, Duration.ofSeconds(5)), rules,
                new DeviceRevocations(clock, rules.acceptanceWindow()), clock, Duration.ofMinutes(5),
                Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String token(TestSigner signer, String kid) {
        return signer.sign(TestSigner.claims("dev-1", clock.instant()), kid);
    }

    @Test
    void firstTokenFetchesTheKeysThenTheyAreCached() {
        assertEquals("dev-1", verifier.verify(token(first, "key-1")).join().deviceId());
        CompletableFuture<DeviceIdentity> cached = verifier.verify(token(first, "key-1"));
        assertTrue(cached.isDone());
        assertEquals("dev-1", cached.join().deviceId());
        assertEquals(1, requests.get());
    }

    @Test
    void unknownKeyIdRefetchesAndFindsARotatedKey() {
        verifier.verify(token(first, "key-1")).join();
        published.set(TestSigner.jwks(first, second));
        clock.now = clock.now.plusSeconds(11);

        assertEquals("dev-1", verifier.verify(token(second, "key-2")).join().deviceId());
        assertEquals(2, requests.get());
    }

    @Test
    void floodOfUnknownKeyIdsCostsAtMostOneFetchPerInterval() {
        verifier.verify(token(first, "key-1")).join();
        clock.now = clock.now.plusSeconds(11);

        List<CompletableFuture<DeviceIdentity>> results = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            results.add(verifier.verify(token(first, "bogus-" + i)));
        }
        for (CompletableFuture<DeviceIdentity> result : results) {
            DeviceTokenVerifierTest.assertUnauthenticated(DeviceAuthReasons.INVALID, result);
        }
        assertEquals(2, requests.get(), "one fetch for the first token, at most one for the whole flood");

        // Within the interval, even a real new key waits for the next allowed fetch.
        published.set(TestSigner.jwks(first, second));
        DeviceTokenVerifierTest.assertUnauthenticated(DeviceAuthReasons.INVALID, verifier.verify(token(second, "key-2")));
        clock.now = clock.now.plusSeconds(11);
        assertEquals("dev-1", verifier.verify(token(second, "key-2")).join().deviceId());
        assertEquals(3, requests.get());
    }

    @Test
    void staleKeySetIsRefreshedInTheBackgroundWhileCachedKeysServe() throws InterruptedException {
        verifier.verify(token(first, "key-1")).join();
        clock.now = clock.now.plus(Duration.ofMinutes(6));

        CompletableFuture<DeviceIdentity> result = verifier.verify(token(first, "key-1"));
        assertTrue(result.isDone(), "a stale but known key must not make the caller wait");
        assertFalse(result.isCompletedExceptionally());
        for (int i = 0; i < 100 && requests.get() < 2; i++) {
            Thread.sleep(20);
        }
        assertEquals(2, requests.get());
    }
}
