package dev.asgard.commons.leader;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the leader elections a service runs ({@code asgard.leader.*}); the same for every election name.
 */
@ConfigMapping(prefix = "asgard.leader")
public interface LeaderConfig {

    /**
     * @return whether this replica takes part in elections; when false, {@link LeaderElections#forName(String)} gives
     *         electors that never start, so {@link LeaderElection#isLeader()} stays false and no singleton job runs on
     *         its own (tests then call the jobs directly)
     */
    @WithDefault("true")
    boolean enabled();

    /** @return lease duration: a dead leader is replaced within lease + renew-interval */
    @WithDefault("15s")
    Duration lease();

    /** @return pause between two acquire/renew attempts; lease/3 when absent */
    Optional<Duration> renewInterval();

    /** @return how long before the lease expiry a leader that cannot renew steps down; lease/5 when absent */
    Optional<Duration> safetyMargin();

    /**
     * @return the schema holding {@code leader_lease}; {@code quarkus.hibernate-orm.database.default-schema} when
     *         absent, else unqualified (the pool's search path)
     */
    Optional<String> schema();

    /** @return this replica's holder id; {@code hostname/pid/random} when absent */
    Optional<String> holderId();
}
