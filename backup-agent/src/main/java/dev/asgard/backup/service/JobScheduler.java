package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.asgard.backup.config.RunConfig;
import dev.asgard.backup.domain.MissedRuns;
import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.repository.BackupJobRepository;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Turns planned starts into queued runs. Every tick looks at enabled jobs whose {@code next_run_at} has come (that
 * column is persisted, so after a restart or a machine's sleep the planned start is still there and the
 * missed-run policy decides), queues what {@link MissedRuns} says and plans the next start. Jobs are locked with
 * SKIP LOCKED, so replicas never decide the same start twice.
 */
@ApplicationScoped
public class JobScheduler {

    private static final Logger LOG = Logger.getLogger(JobScheduler.class);
    private static final int BATCH = 100;

    private final BackupJobRepository jobs;
    private final RunService runs;
    private final RunExecutor executor;
    private final RunConfig config;
    private final OfflineMode offline;
    private final Clock clock;

    public JobScheduler(BackupJobRepository jobs, RunService runs, RunExecutor executor, RunConfig config,
            OfflineMode offline, Clock clock) {
        this.jobs = jobs;
        this.runs = runs;
        this.executor = executor;
        this.config = config;
        this.offline = offline;
        this.clock = clock;
    }

    /** Ticks between two looks for queued runs when a tick queued none (see {@link #tick()}). */
    static final int KICK_EVERY = 5;

    private final AtomicInteger ticks = new AtomicInteger();

    @Scheduled(every = "${asgard.backup.runs.scheduler-tick:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        // Not once a shutdown has begun: nothing new starts, and the database pools close under the tick.
        if (!config.schedulerEnabled() || executor.stopping()) {
            return Uni.createFrom().voidItem();
        }
        // Through OfflineMode: runs made while PostgreSQL was down are recorded first, and it learns of outages.
        return offline.schedule(this::scheduleDue).onFailure().invoke(e -> LOG.warnf("scheduling due jobs failed: %s", e.getMessage()))
                .onFailure().recoverWithItem(0)
                // Starts what this tick queued at once. Otherwise every KICK_EVERY-th tick also looks for retries
                // whose back-off has passed and runs queued elsewhere: the claim queries are most of an idle
                // agent's database work, and the CPU they take competes with a running restic.
                .invoke(queued -> {
                    if (queued > 0 || ticks.incrementAndGet() % KICK_EVERY == 0) {
                        executor.kick();
                    }
                }).replaceWithVoid();
    }

    /**
     * Queues the runs of every job whose planned start has come, by its missed-run policy.
     *
     * @return runs queued
     */
    public Uni<Integer> scheduleDue() {
        return scheduleDue(clock.instant());
    }

    /**
     * As {@link #scheduleDue()}, at a given time (tests simulate a downtime by passing a later time).
     *
     * @param now the time now
     * @return runs queued
     */
    @WithTransaction
    public Uni<Integer> scheduleDue(Instant now) {
        return jobs.lockDue(now, BATCH).chain(due -> {
            Uni<Integer> chain = Uni.createFrom().item(0);
            for (BackupJob job : due) {
                chain = chain.chain(n -> schedule(job, now).map(k -> n + k));
            }
            return chain;
        });
    }

    private Uni<Integer> schedule(BackupJob job, Instant now) {
        if (job.schedule().isEmpty()) {
            return jobs.recordPlan(job.id, null, job.lastScheduledAt).replaceWith(0);
        }
        MissedRuns.Decision d = MissedRuns.decide(job.schedule().get(), job.nextRunAt, now, job.missedRunPolicy());
        if (d.missed() > 0) {
            LOG.infof("job %s (%s) missed %d planned start(s) (agent down or machine asleep); policy %s: %d "
                    + "catch-up run(s), %d skipped", job.name, job.id, d.missed(), job.missedRunMode,
                    d.runs().stream().filter(r -> r.kind() == MissedRuns.Kind.CATCH_UP).count(), d.skipped());
        }
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (MissedRuns.Due run : d.runs()) {
            String trigger = run.kind() == MissedRuns.Kind.CATCH_UP ? "CATCH_UP" : "SCHEDULE";
            // The jitter delays the start, not the plan: the next planned start stays on the schedule's grid.
            Instant notBefore = job.scheduleJitterMs <= 0 ? null : run.scheduledFor().plusMillis(
                    java.util.concurrent.ThreadLocalRandom.current().nextLong(job.scheduleJitterMs + 1));
            chain = chain.chain(() -> runs.enqueue(job, trigger, "schedule", run.scheduledFor(), 1, null, notBefore,
                    null)).replaceWithVoid();
        }
        return chain.chain(() -> jobs.recordPlan(job.id, d.nextRunAt().orElse(null),
                d.lastScheduledAt().orElse(job.lastScheduledAt))).replaceWith(d.runs().size());
    }
}
