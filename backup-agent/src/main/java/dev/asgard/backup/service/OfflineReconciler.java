package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.entity.BackupRun;
import dev.asgard.backup.messaging.RunEventsProducer;
import dev.asgard.backup.repository.BackupJobRepository;
import dev.asgard.backup.repository.BackupRepositoryRepository;
import dev.asgard.backup.repository.BackupRunRepository;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * The PostgreSQL side of backups while PostgreSQL is down ({@link OfflineMode}): reads what goes into the
 * configuration copy, and turns a journal entry into a run row with its events, in one transaction.
 */
@ApplicationScoped
public class OfflineReconciler {

    private static final Logger LOG = Logger.getLogger(OfflineReconciler.class);

    private final BackupJobRepository jobs;
    private final BackupRunRepository runs;
    private final BackupRepositoryRepository repositories;
    private final RunEventsProducer events;
    private final Clock clock;

    public OfflineReconciler(BackupJobRepository jobs, BackupRunRepository runs,
            BackupRepositoryRepository repositories, RunEventsProducer events, Clock clock) {
        this.jobs = jobs;
        this.runs = runs;
        this.repositories = repositories;
        this.events = events;
        this.clock = clock;
    }

    /**
     * What this agent runs while PostgreSQL is down: enabled files jobs with a schedule bound to this agent, or
     * unbound with this agent's latest executed run ({@link ConfigCache#owns}), with their repositories as stored
     * (secrets sealed).
     *
     * @param agentId this agent
     * @return the copy to write
     */
    @WithSession
    public Uni<ConfigCache.Document> snapshot(String agentId) {
        return runs.lastExecutingAgents().chain(owners -> jobs.list("enabled = true and type = 'files' and "
                + "(scheduleCron is not null or scheduleIntervalMs is not null)").chain(all -> {
                    List<BackupJob> mine = all.stream()
                            .filter(j -> ConfigCache.owns(agentId, j.agentId, owners.get(j.id))).toList();
                    Set<java.util.UUID> repoIds = mine.stream().map(j -> j.repositoryId)
                            .collect(java.util.stream.Collectors.toSet());
                    Uni<List<dev.asgard.backup.entity.BackupRepository>> repos = repoIds.isEmpty()
                            ? Uni.createFrom().item(List.of()) : repositories.list("id in ?1", repoIds);
                    return repos.map(rs -> new ConfigCache.Document(agentId, clock.instant(),
                            mine.stream().map(ConfigCache.CachedJob::of).toList(),
                            rs.stream().map(ConfigCache.CachedRepository::of).toList()));
                }));
    }

    /**
     * Records a run made while PostgreSQL was down: the run row (its id is the entry's, so a repeated
     * reconciliation changes nothing), its started and ended events through the outbox, the job's last run and last
     * success, and its next planned start moved to at least the one the agent planned offline, so the missed-run
     * policy does not run the same planned start again. Retention and retries are not applied to these runs.
     *
     * @param e the journal entry
     * @param agentId this agent
     * @return whether a row was inserted (false: it exists already, or the job was deleted meanwhile)
     */
    @WithTransaction
    public Uni<Boolean> reconcile(OfflineJournal.Entry e, String agentId) {
        return runs.findById(e.runId()).chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().item(false);
            }
            return jobs.findReadOnly(e.jobId()).chain(job -> {
                if (job == null) {
                    LOG.warnf("offline run %s (snapshot %s) of job %s is not recorded: the job was deleted while "
                            + "PostgreSQL was down", e.runId(), e.summary() == null ? "none" : e.summary().snapshotId(),
                            e.jobId());
                    return Uni.createFrom().item(false);
                }
                return insert(e, job, agentId).replaceWith(true);
            });
        });
    }

    private Uni<Void> insert(OfflineJournal.Entry e, BackupJob job, String agentId) {
        BackupRun r = new BackupRun();
        r.id = e.runId();
        r.kind = "BACKUP";
        r.jobId = job.id;
        r.repositoryId = job.repositoryId;
        r.trigger = "SCHEDULE";
        r.state = "RUNNING";
        r.attempt = 1;
        r.requestedBy = "schedule";
        r.agentId = agentId;
        r.scheduledAt = e.scheduledAt();
        r.queuedAt = e.startedAt();
        r.startedAt = e.startedAt();
        return runs.persist(r).chain(saved -> events.started(saved)).chain(() -> {
            r.state = e.state();
            r.finishedAt = e.finishedAt();
            if (e.summary() != null) {
                RunService.applySummary(r, e.summary());
            }
            r.failureKind = e.failureKind();
            r.failureMessage = e.message();
            r.failureHint = e.hint();
            r.failureTransient = e.failureKind() == null ? null : e.transientFailure();
            r.exitCode = e.exitCode();
            r.unreadablePaths = e.unreadable() == null ? new String[0]
                    : e.unreadable().stream().limit(1000).toArray(String[]::new);
            return events.ended(r, false);
        }).chain(() -> jobs.recordRun(job.id, r.id)).chain(() -> {
            boolean success = "SUCCEEDED".equals(r.state) || "PARTIAL".equals(r.state);
            return success && (job.lastSuccessAt == null || job.lastSuccessAt.isBefore(r.finishedAt))
                    ? jobs.recordSuccess(job.id, r.finishedAt) : Uni.createFrom().item(0);
        }).chain(() -> jobs.recordPlan(job.id, later(job.nextRunAt, e.nextRunAt()),
                later(job.lastScheduledAt, e.scheduledAt())))
                .chain(() -> runs.flush()).chain(() -> runs.trimHistory(job.id, job.runHistoryLimit))
                .invoke(() -> LOG.infof("offline run %s of job %s (%s, snapshot %s) recorded", r.id, job.name,
                        r.state, r.snapshotId == null ? "none" : r.snapshotId))
                .replaceWithVoid();
    }

    private static Instant later(Instant a, Instant b) {
        if (a == null) {
            return b;
        }
        return b == null || a.isAfter(b) ? a : b;
    }
}
