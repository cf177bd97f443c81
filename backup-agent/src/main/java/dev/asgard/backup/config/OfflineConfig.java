package dev.asgard.backup.config;

import java.nio.file.Path;
import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Backups while PostgreSQL is unreachable ({@code asgard.backup.offline.*}): the sealed last-known-good copy of the
 * configuration, when the agent starts running from it, and the local journal of the runs it made meanwhile. The
 * table is in the README; the design in {@code docs/backup-runs.md}.
 */
@ConfigMapping(prefix = "asgard.backup.offline")
public interface OfflineConfig {

    /** @return whether the agent keeps the copy and runs scheduled backups from it while PostgreSQL is down */
    @WithDefault("true")
    boolean enabled();

    /** @return the sealed copy of this agent's scheduled jobs and their repositories */
    @WithDefault("${user.home}/.asgard/backup-agent-cache.bin")
    Path cacheFile();

    /** @return how often the copy is rewritten while PostgreSQL answers (also after a tick that queued runs) */
    @WithDefault("30s")
    Duration cacheInterval();

    /** @return how long PostgreSQL must be unreachable before the agent runs due jobs from the copy */
    @WithDefault("30s")
    Duration after();

    /** @return the journal of runs made while PostgreSQL was unreachable (JSON lines, no secrets) */
    @WithDefault("${user.home}/.asgard/backup-agent-journal.jsonl")
    Path journalFile();
}
