package dev.asgard.backup.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Scheduled repository checks ({@code asgard.backup.checks.*}). */
@ConfigMapping(prefix = "asgard.backup.checks")
public interface CheckConfig {

    /** @return whether this agent runs scheduled checks (off only for tests or a maintenance window) */
    @WithDefault("true")
    boolean schedulerEnabled();

    /** @return how often the check scheduler looks for due checks (read by {@code CheckScheduler}'s tick) */
    @WithDefault("30s")
    Duration schedulerTick();
}
