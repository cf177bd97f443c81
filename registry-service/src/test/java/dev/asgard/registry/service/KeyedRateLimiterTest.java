package dev.asgard.registry.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.asgard.registry.config.RateLimitConfig;
import io.github.bucket4j.TimeMeter;

/** The per-key token buckets on a test clock: the default per-address enrolment limit, 20 a minute, 10 at once. */
class KeyedRateLimiterTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final TimeMeter clock = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return nanos.get();
        }

        @Override
        public boolean isWallClockBased() {
            return false;
        }
    };

    private KeyedRateLimiter limiter(int maxKeys) {
        return new KeyedRateLimiter(new RateLimitConfig.Limit(20, 10), maxKeys, Duration.ofMinutes(10), clock);
    }

    @Test
    void aBurstBeyondTheBucketIsRefusedWithTheWaitUntilTheNextToken() {
        KeyedRateLimiter limiter = limiter(100);
        for (int i = 0; i < 10; i++) {
            assertEquals(Optional.empty(), limiter.tryAcquire("10.0.0.1"), "request " + i);
        }
        Optional<Duration> wait = limiter.tryAcquire("10.0.0.1");
        // 20 a minute: one token every 3 s.
        assertEquals(Optional.of(Duration.ofSeconds(3)), wait);
        // Another address has its own bucket.
        assertEquals(Optional.empty(), limiter.tryAcquire("10.0.0.2"));

        nanos.addAndGet(Duration.ofSeconds(3).toNanos());
        assertEquals(Optional.empty(), limiter.tryAcquire("10.0.0.1"));
        assertTrue(limiter.tryAcquire("10.0.0.1").isPresent());
    }

    @Test
    void aRefusedRequestSpendsNothing() {
        KeyedRateLimiter limiter = limiter(100);
        for (int i = 0; i < 10; i++) {
            limiter.tryAcquire("k");
        }
        for (int i = 0; i < 5; i++) {
            assertEquals(Optional.of(Duration.ofSeconds(3)), limiter.tryAcquire("k"));
        }
    }

    @Test
    void idleKeysAreDroppedAndTheNumberOfKeysIsBounded() {
        KeyedRateLimiter limiter = limiter(50);
        for (int i = 0; i < 1_000; i++) {
            limiter.tryAcquire("device-" + i);
        }
        assertTrue(limiter.keys() <= 50, "keys: " + limiter.keys());

        nanos.addAndGet(Duration.ofMinutes(11).toNanos());
        assertEquals(0, limiter.keys());
    }

    @Test
    void aLimitNeedsAPositiveRateAndBurst() {
        assertThrows(IllegalArgumentException.class, () -> new KeyedRateLimiter(new RateLimitConfig.Limit(0, 1), 10,
                Duration.ofMinutes(1), clock));
        assertThrows(IllegalArgumentException.class, () -> new KeyedRateLimiter(new RateLimitConfig.Limit(1, 0), 10,
                Duration.ofMinutes(1), clock));
    }
}
