package dev.asgard.registry.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Rate limits of the public device RPCs ({@code asgard.registry.rate-limits.*}): token buckets kept in memory per
 * replica, one per client address and one per device, for {@code Enroll} and {@code ExchangeCredential}. With
 * {@code n} replicas behind a load balancer a client gets up to {@code n} times the rate; the limits are there to
 * stop floods and credential guessing, not to meter. The table is in the README.
 */
@ConfigMapping(prefix = "asgard.registry.rate-limits")
public interface RateLimitConfig {

    /** @return false switches every limit off */
    @WithDefault("true")
    boolean enabled();

    /** @return most keys (addresses, devices) a replica keeps buckets for, per limit; the least recent go first */
    @WithDefault("100000")
    int maxKeys();

    /** @return a key's bucket is dropped after this long without a request (it would be full again by then) */
    @WithDefault("10m")
    Duration idleExpiry();

    /** @return {@code Enroll} per client address */
    EnrollPerAddress enrollPerAddress();

    /** @return {@code Enroll} per machine (its fingerprint, else the requested name) */
    EnrollPerDevice enrollPerDevice();

    /** @return {@code ExchangeCredential} per client address */
    ExchangePerAddress exchangePerAddress();

    /** @return {@code ExchangeCredential} per device id */
    ExchangePerDevice exchangePerDevice();

    /** A token bucket: {@code burst} requests at once, refilled continuously at {@code perMinute}. */
    record Limit(int perMinute, int burst) {
    }

    /** Defaults: 20 per minute, 10 at once (a rack of machines enrolling through one NAT address). */
    interface EnrollPerAddress {
        /** @return requests per minute, refilled continuously */
        @WithDefault("20")
        int perMinute();

        /** @return the bucket size: how many requests may come at once */
        @WithDefault("10")
        int burst();

        /** @return the limit */
        default Limit limit() {
            return new Limit(perMinute(), burst());
        }
    }

    /** Defaults: 6 per minute, 3 at once (a machine retrying its own enrolment). */
    interface EnrollPerDevice {
        /** @return requests per minute, refilled continuously */
        @WithDefault("6")
        int perMinute();

        /** @return the bucket size: how many requests may come at once */
        @WithDefault("3")
        int burst();

        /** @return the limit */
        default Limit limit() {
            return new Limit(perMinute(), burst());
        }
    }

    /** Defaults: 300 per minute, 100 at once (many devices behind one address renew their tokens). */
    interface ExchangePerAddress {
        /** @return requests per minute, refilled continuously */
        @WithDefault("300")
        int perMinute();

        /** @return the bucket size: how many requests may come at once */
        @WithDefault("100")
        int burst();

        /** @return the limit */
        default Limit limit() {
            return new Limit(perMinute(), burst());
        }
    }

    /** Defaults: 30 per minute, 10 at once (a device renews a 10-minute token a few times an hour). */
    interface ExchangePerDevice {
        /** @return requests per minute, refilled continuously */
        @WithDefault("30")
        int perMinute();

        /** @return the bucket size: how many requests may come at once */
        @WithDefault("10")
        int burst();

        /** @return the limit */
        default Limit limit() {
            return new Limit(perMinute(), burst());
        }
    }
}
