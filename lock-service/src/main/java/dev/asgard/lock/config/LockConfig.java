package dev.asgard.lock.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** lock-service settings ({@code asgard.lock.*}). */
@ConfigMapping(prefix = "asgard.lock")
public interface LockConfig {

    /** @return lease bounds */
    Lease lease();

    /** Lease lengths a client may ask for. */
    interface Lease {
        /** @return lease of a request that names none */
        @WithDefault("30s")
        Duration defaultTtl();

        /** @return shortest lease */
        @WithDefault("1s")
        Duration minTtl();

        /** @return longest lease */
        @WithDefault("10m")
        Duration maxTtl();
    }

    /** @return longest wait of an Acquire (also of one that names no timeout) */
    @WithDefault("1h")
    Duration maxWait();

    /** @return per-device limits */
    Limits limits();

    /** How much one device may hold and wait for at a time (administrators can see both in the lock list). */
    interface Limits {
        /** @return grants one device may hold at once */
        @WithDefault("1000")
        int maxHeldPerDevice();

        /** @return requests one device may have waiting at once */
        @WithDefault("100")
        int maxWaitingPerDevice();
    }

    /** @return how often every replica looks for expired leases (holders' own timers usually act first) */
    @WithDefault("1s")
    Duration expirySweepInterval();

    /** @return how often the wait-for graph is searched for cycles that enqueue-time checks could not see */
    @WithDefault("2s")
    Duration deadlockSweepInterval();

    /** @return how often a replica re-reads the locks its streams wait for, in case a notification was lost */
    @WithDefault("5s")
    Duration resyncInterval();

    /** @return how often a replica tells the others it is alive */
    @WithDefault("2s")
    Duration replicaHeartbeat();

    /** @return silence after which a replica counts as dead and its waiters are removed */
    @WithDefault("10s")
    Duration replicaTimeout();

    /** @return how long ended grants and waits are remembered (idempotent Release, reasons for late readers) */
    @WithDefault("24h")
    Duration historyRetention();

    /**
     * @return whether a release that hands the lock to nobody waits for its WAL flush before it is acknowledged. Off
     *         by default: a release lost in a database crash only lets the grant run out its lease, and every grant
     *         made after it flushes it first (grants are always durable before they are acknowledged)
     */
    @WithDefault("false")
    boolean durableRelease();

    /**
     * @return how often at most a waiting stream's position is re-read after hand-offs (grants and lost grants reach
     *         the streams at once, from the notification itself)
     */
    @WithDefault("200ms")
    Duration queueUpdateInterval();

    /** @return group commit of takes and of releases (docs/lock-service.md, "Several takes in one commit") */
    Batch batch();

    /** How takes, and releases, of this replica share transactions (each kind on its own). */
    interface Batch {
        /** @return most takes (releases) in one transaction; 1 runs every one in its own transaction */
        @WithDefault("64")
        int maxSize();

        /**
         * @return take (release) transactions of this replica in flight before further takes (releases) wait to share
         *         the next one (1: since a batched item costs PostgreSQL a fraction of a single call, fewer in flight
         *         means larger batches and less work per operation; docs/benchmarks.md, "Run L")
         */
        @WithDefault("1")
        int maxInFlight();
    }
}
