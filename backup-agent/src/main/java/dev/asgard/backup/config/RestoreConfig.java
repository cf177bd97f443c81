package dev.asgard.backup.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where and how this agent restores snapshots ({@code asgard.backup.restore.*}); the table is in the README. */
@ConfigMapping(prefix = "asgard.backup.restore")
public interface RestoreConfig {

    /**
     * @return absolute folders restores may write into (a target must lie at or under one of them, also after
     *         resolving symbolic links); none configured means this agent refuses restores
     */
    Optional<List<String>> allowedRoots();

    /** @return restores running at the same time on this agent (apart from backups, which have their own limit) */
    @WithDefault("1")
    int maxConcurrent();

    /** @return how long a restore may take before it is stopped and fails with TIMEOUT */
    @WithDefault("168h")
    Duration timeout();
}
