package dev.asgard.backup.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The agent's schema migrations ({@code asgard.backup.schema.*}). Flyway does not migrate at start
 * ({@code quarkus.flyway.migrate-at-start=false}): {@code SchemaMigration} does, at start when PostgreSQL answers,
 * otherwise in the background until it does, so the agent starts (and backs up from its configuration copy) while
 * PostgreSQL is down. See {@code docs/backup-runs.md}, "PostgreSQL down".
 */
@ConfigMapping(prefix = "asgard.backup.schema")
public interface SchemaConfig {

    /** @return the first wait before migrations are tried again after PostgreSQL did not answer */
    @WithDefault("1s")
    Duration retryInitial();

    /** @return the longest wait between two tries (the wait doubles after each failed try up to this) */
    @WithDefault("30s")
    Duration retryMax();

    /**
     * @return how long one reachability probe ({@code SELECT 1}) may take before PostgreSQL counts as unreachable
     *         (a host that drops packets would otherwise hold the start-up for the connect timeout)
     */
    @WithDefault("10s")
    Duration probeTimeout();
}
