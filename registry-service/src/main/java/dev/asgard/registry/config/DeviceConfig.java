package dev.asgard.registry.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Device settings ({@code asgard.registry.devices.*}). */
@ConfigMapping(prefix = "asgard.registry.devices")
public interface DeviceConfig {

    /** @return how often devices send heartbeats, told to them at enrolment and in every heartbeat answer */
    @WithDefault("30s")
    Duration heartbeatInterval();

    /** @return missed heartbeat intervals after which an active device becomes inactive */
    @WithDefault("2")
    int inactiveAfterMissed();

    /** @return missed heartbeat intervals after which a device becomes offline */
    @WithDefault("5")
    int offlineAfterMissed();

    /** @return devices the sweeper moves per transaction */
    @WithDefault("500")
    int sweepBatchSize();

    /**
     * @return how often the leader looks for the status sweep; read by {@code StatusSweepJob}'s schedule
     *         ({@code off} disables)
     */
    @WithDefault("5s")
    String sweepInterval();

    /**
     * @return how often the leader removes ephemeral devices that stayed offline beyond their grace period
     *         ({@code off} disables); read by {@code StatusSweepJob}'s schedule
     */
    @WithDefault("30s")
    String ephemeralCleanupInterval();

    /** @return ephemeral devices removed per transaction */
    @WithDefault("100")
    int ephemeralCleanupBatchSize();

    /** @return group commit of heartbeats (docs/benchmarks.md, registry runs 8-10) */
    HeartbeatBatch heartbeatBatch();

    /** How the heartbeats of this replica's fast path share statements. */
    interface HeartbeatBatch {
        /** @return most heartbeats in one statement; 1 writes every one in its own */
        @WithDefault("128")
        int maxSize();

        /** @return heartbeat statements of this replica in flight before further heartbeats wait to share the next */
        @WithDefault("2")
        int maxInFlight();
    }
}
