package dev.asgard.registry.service;

import java.time.Duration;
import java.util.Optional;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;

import dev.asgard.registry.config.RateLimitConfig;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

/**
 * One token bucket (Bucket4j) per key, kept in memory in a bounded Caffeine cache: at most {@code maxKeys} keys,
 * and a key's bucket is dropped after {@code idleExpiry} without requests, by when it would have refilled anyway
 * (so choose {@code idleExpiry >= burst / perMinute} minutes). A flood of distinct keys therefore costs bounded
 * memory; the price is that an evicted key starts again with a full bucket.
 */
public final class KeyedRateLimiter {

    private final Bandwidth bandwidth;
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets;

    /**
     * @param limit the bucket size and refill rate
     * @param maxKeys most keys kept
     * @param idleExpiry how long an unused key's bucket is kept
     * @param nanoTime the clock of buckets and expiry, in nanoseconds (a test clock in tests)
     */
    public KeyedRateLimiter(RateLimitConfig.Limit limit, int maxKeys, Duration idleExpiry, TimeMeter nanoTime) {
        if (limit.perMinute() < 1 || limit.burst() < 1) {
            throw new IllegalArgumentException("A rate limit needs per-minute >= 1 and burst >= 1: " + limit);
        }
        this.bandwidth = Bandwidth.builder().capacity(limit.burst())
                .refillGreedy(limit.perMinute(), Duration.ofMinutes(1)).build();
        this.time = nanoTime;
        Ticker ticker = nanoTime::currentTimeNanos;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfterAccess(idleExpiry)
                .ticker(ticker)
                .build();
    }

    /** @return a limiter on the system's monotonic clock */
    public static KeyedRateLimiter of(RateLimitConfig.Limit limit, int maxKeys, Duration idleExpiry) {
        return new KeyedRateLimiter(limit, maxKeys, idleExpiry, TimeMeter.SYSTEM_NANOTIME);
    }

    /**
     * Takes one request from the key's bucket.
     *
     * @param key the client address or device
     * @return empty if the request may go ahead, else how long until the bucket has a token again
     */
    public Optional<Duration> tryAcquire(String key) {
        Bucket bucket = buckets.get(key, ignored -> Bucket.builder().addLimit(bandwidth)
                .withCustomTimePrecision(time).build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? Optional.empty() : Optional.of(Duration.ofNanos(probe.getNanosToWaitForRefill()));
    }

    /** @return how many keys have a bucket now (approximate: expired ones may linger until the next cleanup) */
    public long keys() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }
}
