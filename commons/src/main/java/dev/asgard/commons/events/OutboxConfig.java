package dev.asgard.commons.events;

import java.time.Duration;
import java.util.Optional;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the transactional outbox ({@code asgard.outbox.*}).
 */
@ConfigMapping(prefix = "asgard.outbox")
public interface OutboxConfig {

    /**
     * @return whether this replica runs the relay loop; {@link OutboxRelay#relayOnce()} works either way, so
     *         a test can switch the loop off and relay deterministically
     */
    @WithDefault("true")
    boolean enabled();

    /** @return pause between two relay passes when the previous one found no more rows */
    @WithDefault("200ms")
    Duration pollInterval();

    /** @return most rows relayed (and sent to Kafka concurrently) in one pass and one transaction */
    @WithDefault("100")
    @Min(1)
    @Max(1000)
    int batchSize();

    /**
     * @return rows relayed between two {@code VACUUM}s of the outbox that the relay runs itself (0: leave the table
     *         to autovacuum). A pass reads the oldest rows through the {@code seq} index, and every row a pass deletes
     *         leaves a dead entry at the head of that index which later passes walk over until a vacuum removes it;
     *         autovacuum visits a database at most once per {@code autovacuum_naptime} (a minute by default), by
     *         which time a busy outbox has hundreds of thousands of them
     */
    @WithDefault("10000")
    @Min(0)
    long vacuumAfter();

    /** @return longest pause after repeated failures (the pause doubles from {@link #pollInterval()} up to this) */
    @WithDefault("30s")
    Duration maxBackoff();

    /** @return how long a pass waits for Kafka to acknowledge its batch before giving up and rolling back */
    @WithDefault("30s")
    Duration sendTimeout();

    /**
     * @return the largest payload {@link EventPublisher} accepts; Kafka's default record limit is 1 MiB, and a row
     *         Kafka refuses would block its topic's relay forever, so it is refused when published instead
     */
    @WithDefault("900000")
    @Min(1)
    int maxPayloadBytes();

    /** @return the {@code ce_source} of this service's events; {@code quarkus.application.name} when absent */
    Optional<String> source();
}
