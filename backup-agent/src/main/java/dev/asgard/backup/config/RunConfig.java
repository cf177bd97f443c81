package dev.asgard.backup.config;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How backup runs are executed ({@code asgard.backup.runs.*}); the table is in the README. */
@ConfigMapping(prefix = "asgard.backup.runs")
public interface RunConfig {

    /** @return backups running at the same time on this agent; others wait in the queue, never overlap */
    @WithDefault("1")
    int maxConcurrent();

    /** @return how often live progress goes to watchers (SSE, WatchRun) at most */
    @WithDefault("1s")
    Duration progressInterval();

    /** @return how often a progress event goes to Kafka (and the run row) at most, per run */
    @WithDefault("10s")
    Duration progressEventInterval();

    /** @return this agent instance's id, recorded on the runs it executes; default the host name */
    Optional<String> agentId();

    /** @return whether the scheduler starts due runs (off only for tests or a maintenance window) */
    @WithDefault("true")
    boolean schedulerEnabled();

    /** @return how often the scheduler looks for due jobs (read by {@code JobScheduler}'s {@code @Scheduled}) */
    @WithDefault("1s")
    Duration schedulerTick();

    /** @return the pg_dump executable of pg_dump jobs (its major version must be at least the server's) */
    @WithDefault("pg_dump")
    String pgDumpBinary();

    /**
     * @return on shutdown, how long running runs may go on to finish before they are stopped (keep the sum with
     *         {@link #shutdownGrace()} below the platform's kill timeout, e.g. Kubernetes'
     *         terminationGracePeriodSeconds)
     */
    @WithDefault("20s")
    Duration shutdownFinishTimeout();

    /** @return on shutdown, how long to wait for stopped runs (SIGINT) to end and be recorded */
    @WithDefault("10s")
    Duration shutdownGrace();
}
