package dev.asgard.commons.time;

import java.time.Clock;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.quarkus.arc.DefaultBean;

/**
 * Produces the application's {@link Clock}: inject it instead of calling {@code Instant.now()}, so tests can
 * move time (leases, token expiry, retention) by producing their own {@code Clock} bean, which replaces
 * this {@code @DefaultBean}.
 */
@Singleton
public class ClockProducer {

    /** @return the UTC system clock */
    @Produces
    @Singleton
    @DefaultBean
    public Clock clock() {
        return Clock.systemUTC();
    }
}
