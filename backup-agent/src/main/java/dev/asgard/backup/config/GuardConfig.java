package dev.asgard.backup.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How operations wait for a repository another operation holds ({@code asgard.backup.guard.*}). */
@ConfigMapping(prefix = "asgard.backup.guard")
public interface GuardConfig {

    /** @return how long an operation waits for the repository before it is refused with REPOSITORY_BUSY */
    @WithDefault("5s")
    Duration waitTimeout();
}
