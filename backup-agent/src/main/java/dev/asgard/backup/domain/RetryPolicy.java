package dev.asgard.backup.domain;

import java.time.Duration;

/**
 * Retries of runs that failed transiently (backend unreachable, repository locked, agent interrupted): the delay
 * before attempt n+1 is {@code initialDelay * multiplier^(n-1)}, at most {@code maxDelay}.
 *
 * @param maxAttempts attempts in total, including the first (1 = no retry)
 * @param initialDelay delay before the first retry
 * @param multiplier growth of the delay per retry (at least 1)
 * @param maxDelay upper bound of the delay
 */
public record RetryPolicy(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay) {

    /** Largest number of attempts accepted. */
    public static final int MAX_ATTEMPTS_LIMIT = 100;

    /** @return 3 attempts, 1 minute, doubling, at most 1 hour */
    public static RetryPolicy defaults() {
        return new RetryPolicy(3, Duration.ofMinutes(1), 2.0, Duration.ofHours(1));
    }

    /**
     * @param failedAttempt the attempt that failed (1 for the first)
     * @return whether another attempt is allowed
     */
    public boolean allowsRetryAfter(int failedAttempt) {
        return failedAttempt < maxAttempts;
    }

    /**
     * @param failedAttempt the attempt that failed (1 for the first)
     * @return how long to wait before the next one
     */
    public Duration delayAfter(int failedAttempt) {
        double millis = initialDelay.toMillis() * Math.pow(multiplier, Math.max(0, failedAttempt - 1));
        long capped = (long) Math.min(millis, (double) maxDelay.toMillis());
        return Duration.ofMillis(Math.max(0, capped));
    }
}
