package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.flywaydb.core.Flyway;
import org.jboss.logging.Logger;

import dev.asgard.backup.config.SchemaConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Migrates the agent's schema with Flyway when PostgreSQL answers: at start if it does (before any other start-up
 * observer, so nothing sees an old schema), otherwise in the background, with a back-off from
 * {@code asgard.backup.schema.retry-initial} doubling up to {@code retry-max}, until it succeeds. The agent
 * therefore starts while PostgreSQL is down and runs its scheduled backups from its configuration copy
 * ({@link OfflineMode}). Until {@link #migrated()}, nothing that needs the schema runs: the scheduler's online path
 * and the reconciliation of offline runs ({@link OfflineMode#schedule}), the executor's crash recovery and claims
 * ({@link RunExecutor}), scheduled checks ({@link CheckScheduler}), the copy's refresh.
 *
 * <p>Each try first probes PostgreSQL over the reactive pool ({@code SELECT 1}, bounded by {@code probe-timeout}):
 * that fails quietly, where a JDBC connection Flyway opens would have the pool log a warning at every try. An
 * outage is logged once when it is first seen and once when it ends. A failure that is not an outage (a migration
 * that does not apply, a refused password) fails the start as {@code migrate-at-start} did; met in the background,
 * it is logged as an error, tried again at the longest back-off, and reported by the readiness check.
 */
@ApplicationScoped
public class SchemaMigration {

    private static final Logger LOG = Logger.getLogger(SchemaMigration.class);

    /** One try: probe PostgreSQL, then migrate. */
    @FunctionalInterface
    interface Attempt {
        void run() throws Exception;
    }

    /** Waits between tries (tests pass one that records the waits). */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final Attempt attempt;
    private final SchemaConfig config;
    private final Clock clock;
    private volatile boolean migrated;
    /** Since when PostgreSQL did not answer a try; null while it answers (or before the first try). */
    private volatile Instant unreachableSince;
    /** The last failure that was not an outage, for the readiness check; null when there is none. */
    private volatile String error;
    private volatile boolean stopping;
    private volatile Thread loop;
    private int attempts;

    @Inject
    public SchemaMigration(Flyway flyway, Pool pool, SchemaConfig config, Clock clock) {
        this(() -> {
            pool.query("SELECT 1").execute().await().atMost(config.probeTimeout());
            flyway.migrate();
        }, config, clock);
    }

    SchemaMigration(Attempt attempt, SchemaConfig config, Clock clock) {
        this.attempt = attempt;
        this.config = config;
        this.clock = clock;
    }

    /** @return whether the schema is migrated (then it stays so for the life of the process) */
    public boolean migrated() {
        return migrated;
    }

    /** @return since when PostgreSQL has not answered the migration's tries, while the schema is not migrated */
    public Optional<Instant> unreachableSince() {
        return migrated ? Optional.empty() : Optional.ofNullable(unreachableSince);
    }

    /** @return the last failure of a try that was not an outage, while the schema is not migrated */
    public Optional<String> error() {
        return migrated ? Optional.empty() : Optional.ofNullable(error);
    }

    // Before every other start-up observer: RunExecutor's would otherwise try its recovery on the old schema.
    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        start();
    }

    /** Tries once; if PostgreSQL does not answer, goes on trying in the background. */
    void start() {
        if (!tryAtStart()) {
            loop = Thread.ofVirtual().name("schema-migration").start(() -> retry(Thread::sleep));
        }
    }

    /**
     * The try at start.
     *
     * @return whether the schema is migrated; false when PostgreSQL did not answer (logged)
     * @throws IllegalStateException when the try failed for another reason than an outage (the start fails)
     */
    boolean tryAtStart() {
        Throwable failure = tryOnce();
        if (failure == null) {
            return true;
        }
        if (!isOutage(failure)) {
            throw new IllegalStateException("the backup schema cannot be migrated: " + message(failure), failure);
        }
        LOG.warnf("PostgreSQL does not answer at start (%s): the agent starts without it. The schema is migrated "
                + "once it answers (tried again after %s, backing off to %s); until then scheduled backups run from "
                + "the local configuration copy (asgard.backup.offline.*) and the API answers 503.",
                message(failure), config.retryInitial(), config.retryMax());
        return false;
    }

    /**
     * Tries until the schema is migrated or the agent stops. Package-private for tests, which call it on their own
     * thread with a recording sleeper.
     *
     * @param sleeper waits between tries
     */
    void retry(Sleeper sleeper) {
        Duration delay = config.retryInitial();
        while (!migrated && !stopping) {
            try {
                sleeper.sleep(delay);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (stopping) {
                return;
            }
            Throwable failure = tryOnce();
            if (failure == null) {
                return;
            }
            if (isOutage(failure)) {
                LOG.debugf("PostgreSQL still does not answer: %s", message(failure));
                delay = next(delay, config.retryMax());
            } else {
                String m = message(failure);
                if (!m.equals(error)) {
                    LOG.errorf(failure, "the backup schema cannot be migrated (tried again every %s): %s",
                            config.retryMax(), m);
                }
                error = m;
                delay = config.retryMax();
            }
        }
    }

    /** @return the failure of this try, or null when the schema is now migrated */
    private Throwable tryOnce() {
        attempts++;
        try {
            attempt.run();
        } catch (Exception e) {
            if (isOutage(e) && unreachableSince == null) {
                unreachableSince = clock.instant();
            }
            return e;
        }
        Instant since = unreachableSince;
        migrated = true;
        error = null;
        if (since != null) {
            LOG.infof("PostgreSQL answers again (unreachable since %s, %d tries): the schema is migrated; the "
                    + "runs made offline are recorded before the scheduler queues anything", since, attempts);
        }
        unreachableSince = null;
        return null;
    }

    /**
     * @param delay the last wait
     * @param max the longest wait
     * @return the next wait: twice the last, at most {@code max}
     */
    static Duration next(Duration delay, Duration max) {
        Duration doubled = delay.multipliedBy(2);
        return doubled.compareTo(max) > 0 ? max : doubled;
    }

    /** A refused or dropped connection, PostgreSQL starting or stopping, or no answer to the probe in time. */
    static boolean isOutage(Throwable failure) {
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof io.smallrye.mutiny.TimeoutException || c instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return DatabaseOutage.isConnectionFailure(failure);
    }

    private static String message(Throwable failure) {
        // Flyway's messages span several lines (a banner, the SQL state); the first one says it.
        String m = String.valueOf(failure.getMessage());
        int eol = m.indexOf('\n');
        return eol < 0 ? m : m.substring(0, eol).strip();
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        Thread t = loop;
        if (t != null) {
            t.interrupt();
        }
    }
}
