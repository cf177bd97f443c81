package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import org.jboss.logging.Logger;

import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.entity.BackupRun;
import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.backup.messaging.RunEventsProducer;
import dev.asgard.backup.repository.BackupJobRepository;
import dev.asgard.backup.repository.BackupRepositoryRepository;
import dev.asgard.backup.repository.BackupRunRepository;
import dev.asgard.backup.restic.BackupMessage;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Runs in PostgreSQL: every state change is one transaction that also writes its event to the outbox. The
 * execution itself (restic) is {@link RunExecutor}'s. Live watchers ({@link RunUpdates}) are told by the callers,
 * after the transaction committed, so a watcher never sees a state that a read does not return yet.
 */
@ApplicationScoped
public class RunService {

    private static final Logger LOG = Logger.getLogger(RunService.class);

    private final BackupRunRepository runs;
    private final BackupJobRepository jobs;
    private final BackupRepositoryRepository repositories;
    private final RepositoryService repositoryService;
    private final JobService jobService;
    private final RunEventsProducer events;
    private final RunMapper mapper;
    private final PageTokenCodec pageTokens;
    private final Clock clock;

    public RunService(BackupRunRepository runs, BackupJobRepository jobs, BackupRepositoryRepository repositories,
            RepositoryService repositoryService, JobService jobService, RunEventsProducer events, RunMapper mapper,
            PageTokenCodec pageTokens, Clock clock) {
        this.runs = runs;
        this.jobs = jobs;
        this.repositories = repositories;
        this.repositoryService = repositoryService;
        this.jobService = jobService;
        this.events = events;
        this.mapper = mapper;
        this.pageTokens = pageTokens;
        this.clock = clock;
    }

    /**
     * Queues a backup run of a job (started by an administrator).
     *
     * @param jobId the job
     * @param requestedBy the administrator's user name
     * @param requestId idempotency key, or null
     * @return the queued run (or the one an earlier request with the same key queued)
     */
    public Uni<BackupRun> startManual(UUID jobId, String requestedBy, String requestId) {
        Uni<BackupRun> earlier = requestId == null ? Uni.createFrom().nullItem() : byRequestId(requestId);
        return earlier.chain(e -> e != null ? Uni.createFrom().item(e) : queueManual(jobId, requestedBy, requestId));
    }

    @WithSession
    Uni<BackupRun> byRequestId(String requestId) {
        return runs.find("requestId", requestId).firstResult();
    }

    @WithTransaction
    Uni<BackupRun> queueManual(UUID jobId, String requestedBy, String requestId) {
        return jobs.findReadOnly(jobId).onItem().ifNull().failWith(() -> AsgardException.notFound("JOB_NOT_FOUND",
                "No job with id %s.", jobId).withHint("List jobs with GET /api/v1/jobs for ids."))
                .chain(job -> enqueue(job, "MANUAL", requestedBy, null, 1, null, null, requestId));
    }

    /**
     * Queues a run in the caller's transaction.
     *
     * @param job the job
     * @param trigger SCHEDULE, MANUAL, CATCH_UP or RETRY
     * @param requestedBy user name or "schedule"
     * @param scheduledAt planned start, or null
     * @param attempt attempt number
     * @param retryOf the failed run, or null
     * @param notBefore earliest start, or null
     * @param requestId idempotency key, or null
     * @return the queued run
     */
    Uni<BackupRun> enqueue(BackupJob job, String trigger, String requestedBy, Instant scheduledAt, int attempt,
            UUID retryOf, Instant notBefore, String requestId) {
        BackupRun r = new BackupRun();
        r.id = UUID.randomUUID();
        r.jobId = job.id;
        r.repositoryId = job.repositoryId;
        r.trigger = trigger;
        r.state = "QUEUED";
        r.attempt = attempt;
        r.retryOfRunId = retryOf;
        r.requestedBy = requestedBy;
        r.requestId = requestId;
        r.scheduledAt = scheduledAt;
        r.queuedAt = now();
        r.notBefore = notBefore;
        // A job bound to an agent runs only there: its sources are that machine's files.
        r.pinnedAgentId = job.agentId;
        return runs.persist(r).call(saved -> jobs.recordRun(job.id, saved.id));
    }

    /**
     * Queues a restore, pinned to the agent that accepted it (it writes to that agent's disk).
     *
     * @param repositoryId the repository
     * @param spec the checked restore, its snapshot id resolved to the full id
     * @param requestedBy the administrator's user name
     * @param requestId idempotency key, or null
     * @param agentId the agent that executes it
     * @return the queued run
     */
    @WithTransaction
    Uni<BackupRun> queueRestore(UUID repositoryId, RestoreValidation.Spec spec, String requestedBy,
            String requestId, String agentId) {
        BackupRun r = new BackupRun();
        r.id = UUID.randomUUID();
        r.kind = "RESTORE";
        r.repositoryId = repositoryId;
        r.trigger = "MANUAL";
        r.state = "QUEUED";
        r.requestedBy = requestedBy;
        r.requestId = requestId;
        r.queuedAt = now();
        r.pinnedAgentId = agentId;
        r.restoreSnapshotId = spec.snapshotId();
        r.restoreTarget = spec.target().toString();
        r.restoreInclude = spec.include().toArray(String[]::new);
        r.restoreExclude = spec.exclude().toArray(String[]::new);
        r.restoreOverwrite = spec.overwrite();
        r.restoreVerify = spec.verify();
        return runs.persist(r);
    }

    /**
     * Takes the oldest due queued run of a kind for this agent: RUNNING, with its started event.
     *
     * @param agentId this agent
     * @param kind BACKUP or RESTORE
     * @return the run, or null when none is due
     */
    @WithTransaction
    public Uni<BackupRun> claimNext(String agentId, String kind) {
        Instant now = now();
        return runs.lockNextQueued(now, kind, agentId).chain(r -> {
            if (r == null) {
                return Uni.createFrom().nullItem();
            }
            r.state = "RUNNING";
            r.agentId = agentId;
            r.startedAt = now;
            return events.started(r).replaceWith(r);
        });
    }

    /** What a run needs to execute: the job's settings and the opened repository. */
    record Execution(BackupJob job, ResticRepo repo, String pgPassword) {
    }

    /**
     * @param run a claimed run
     * @return its job and repository (job null when deleted meanwhile)
     */
    @WithSession
    Uni<Execution> execution(BackupRun run) {
        Uni<BackupJob> job = run.jobId == null ? Uni.createFrom().nullItem() : jobs.findReadOnly(run.jobId);
        return job.chain(j -> repositories.findById(run.repositoryId)
                .map(repo -> new Execution(j, repo == null ? null : repositoryService.toResticRepo(repo),
                        j != null && j.isPgDump() ? jobService.pgPassword(j) : null)));
    }

    /**
     * Stores the latest progress and writes a progress event, unless the run ended meanwhile.
     *
     * @param id the run
     * @param s the status line
     * @return the run's state (CANCELLING when a cancel reached another replica)
     */
    @WithTransaction
    public Uni<String> recordProgress(UUID id, BackupMessage.Status s) {
        return runs.findById(id, LockModeType.PESSIMISTIC_WRITE).chain(r -> {
            if (r == null || !"RUNNING".equals(r.state) && !"CANCELLING".equals(r.state)) {
                return Uni.createFrom().item(r == null ? null : r.state);
            }
            applyProgress(r, s, now());
            return events.progress(r).replaceWith(r.state);
        });
    }

    static void applyProgress(BackupRun r, BackupMessage.Status s, Instant at) {
        r.percentDone = s.percentDone();
        r.totalFiles = s.totalFiles();
        r.filesDone = s.filesDone();
        r.totalBytes = s.totalBytes();
        r.bytesDone = s.bytesDone();
        r.currentFiles = s.currentFiles().toArray(String[]::new);
        r.errorCount = s.errorCount();
        r.secondsElapsed = s.secondsElapsed();
        r.secondsRemaining = s.secondsRemaining();
        r.progressAt = at;
    }

    /** Copies restic's summary onto a run (also used for runs made while PostgreSQL was down). */
    static void applySummary(BackupRun r, BackupMessage.Summary s) {
        r.snapshotId = s.snapshotId();
        r.filesNew = s.filesNew();
        r.filesChanged = s.filesChanged();
        r.filesUnmodified = s.filesUnmodified();
        r.dirsNew = s.dirsNew();
        r.dirsChanged = s.dirsChanged();
        r.dirsUnmodified = s.dirsUnmodified();
        r.dataBlobs = s.dataBlobs();
        r.treeBlobs = s.treeBlobs();
        r.dataAdded = s.dataAdded();
        r.totalFilesProcessed = s.totalFilesProcessed();
        r.totalBytesProcessed = s.totalBytesProcessed();
        r.durationMs = Math.round(s.totalDuration() * 1000);
    }

    /**
     * How a run ended.
     *
     * @param state SUCCEEDED, PARTIAL, FAILED, CANCELLED or INTERRUPTED
     * @param summary the summary line (successes)
     * @param lastStatus the last status line, or null
     * @param failureKind FailureKind without prefix, or null
     * @param message what went wrong
     * @param hint what to do
     * @param transientFailure whether retrying may help
     * @param exitCode restic's exit code
     * @param unreadable unreadable paths
     * @param retentionError forget failure after a successful backup, or null
     */
    record Finish(String state, BackupMessage.Summary summary, BackupMessage.Status lastStatus, String failureKind,
            String message, String hint, boolean transientFailure, Integer exitCode, List<String> unreadable,
            String retentionError) {
    }

    /**
     * The numbers of a finished restore.
     *
     * @param filesRestored files written
     * @param bytesRestored bytes written
     * @param filesSkipped files left as they were
     * @param verifyErrors files that failed verification
     * @param durationMs how long it took
     */
    record Restored(long filesRestored, long bytesRestored, long filesSkipped, long verifyErrors, long durationMs) {
    }

    /**
     * Ends a run: its outcome, the job's last success, a retry when the failure is transient and attempts remain,
     * the event, and the job's history trimmed.
     *
     * @param id the run
     * @param f the outcome
     * @return the run after the change
     */
    @WithTransaction
    public Uni<BackupRun> finish(UUID id, Finish f) {
        return finish(id, f, null);
    }

    /**
     * Ends a run as {@link #finish(UUID, Finish)} does, with a restore's numbers.
     *
     * @param id the run
     * @param f the outcome
     * @param restored the numbers of a restore, or null
     * @return the run after the change
     */
    @WithTransaction
    public Uni<BackupRun> finish(UUID id, Finish f, Restored restored) {
        Instant now = now();
        return runs.findById(id, LockModeType.PESSIMISTIC_WRITE).chain(r -> {
            if (r.isTerminal()) {
                return Uni.createFrom().item(r);
            }
            if (restored != null) {
                r.filesRestored = restored.filesRestored();
                r.bytesRestored = restored.bytesRestored();
                r.filesSkipped = restored.filesSkipped();
                r.verifyErrors = restored.verifyErrors();
                r.durationMs = restored.durationMs();
            }
            if (f.lastStatus() != null) {
                applyProgress(r, f.lastStatus(), now);
            }
            r.state = f.state();
            r.finishedAt = now;
            if (f.summary() != null) {
                applySummary(r, f.summary());
            }
            r.failureKind = f.failureKind();
            r.failureMessage = f.message();
            r.failureHint = f.hint();
            r.failureTransient = f.failureKind() == null ? null : f.transientFailure();
            r.exitCode = f.exitCode();
            r.unreadablePaths = f.unreadable().stream().limit(1000).toArray(String[]::new);
            r.retentionError = f.retentionError();
            return afterEnd(r, now);
        });
    }

    private Uni<BackupRun> afterEnd(BackupRun r, Instant now) {
        Uni<BackupJob> job = r.jobId == null ? Uni.createFrom().nullItem() : jobs.findReadOnly(r.jobId);
        return job.chain(j -> {
            Uni<Boolean> retry = Uni.createFrom().item(false);
            if (j != null) {
                if ("SUCCEEDED".equals(r.state) || "PARTIAL".equals(r.state)) {
                    retry = jobs.recordSuccess(j.id, now).replaceWith(false);
                }
                boolean failed = "FAILED".equals(r.state) || "INTERRUPTED".equals(r.state);
                if (failed && Boolean.TRUE.equals(r.failureTransient) && j.retryPolicy().allowsRetryAfter(r.attempt)) {
                    Instant at = now.plus(j.retryPolicy().delayAfter(r.attempt));
                    r.nextRetryAt = at;
                    retry = enqueue(j, "RETRY", r.requestedBy, r.scheduledAt, r.attempt + 1, r.id, at, null)
                            .replaceWith(true);
                }
            }
            return retry.chain(willRetry -> events.ended(r, willRetry))
                    .chain(() -> j == null ? Uni.createFrom().item(0) : runs.flush().chain(() ->
                            runs.trimHistory(j.id, j.runHistoryLimit)))
                    .replaceWith(r);
        });
    }

    /**
     * Cancels a run: a queued one at once, a running one by moving it to CANCELLING (the executor then stops
     * restic with SIGINT and ends it as CANCELLED). An ended run is returned as it is.
     *
     * @param id the run
     * @param reason why
     * @param by who
     * @return the run after the change
     */
    @WithTransaction
    public Uni<BackupRun> cancel(UUID id, String reason, String by) {
        return runs.findById(id, LockModeType.PESSIMISTIC_WRITE).onItem().ifNull().failWith(() -> notFound(id))
                .chain(r -> {
                    if (r.isTerminal() || "CANCELLING".equals(r.state)) {
                        return Uni.createFrom().item(r);
                    }
                    r.cancelReason = reason;
                    r.cancelledBy = by;
                    if ("QUEUED".equals(r.state)) {
                        r.state = "CANCELLED";
                        r.finishedAt = now();
                        return events.ended(r, false).replaceWith(r);
                    }
                    r.state = "CANCELLING";
                    return Uni.createFrom().item(r);
                });
    }

    /**
     * Cancels a job's queued runs and moves its running ones to CANCELLING (before the job is deleted).
     *
     * @param jobId the job
     * @param reason why
     * @param by who
     * @return ids of runs that were running (the caller signals them)
     */
    @WithTransaction
    public Uni<List<UUID>> cancelActive(UUID jobId, String reason, String by) {
        return runs.list("jobId = ?1 and state in ('QUEUED', 'RUNNING')", jobId).chain(list -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            List<UUID> running = new java.util.ArrayList<>();
            for (BackupRun r : list) {
                if ("RUNNING".equals(r.state)) {
                    running.add(r.id);
                }
                chain = chain.chain(() -> cancel(r.id, reason, by).replaceWithVoid());
            }
            return chain.replaceWith(running);
        });
    }

    /**
     * After a crash or kill: this agent's runs left RUNNING become INTERRUPTED and go to the job's retry policy;
     * runs left CANCELLING were meant to stop and become CANCELLED.
     *
     * @param agentId this agent
     * @return how many runs were recovered
     */
    @WithTransaction
    public Uni<Integer> recoverInterrupted(String agentId) {
        return runs.activeOf(agentId).chain(list -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (BackupRun r : list) {
                chain = chain.chain(() -> {
                    Instant now = now();
                    r.finishedAt = now;
                    if ("CANCELLING".equals(r.state)) {
                        r.state = "CANCELLED";
                    } else {
                        r.state = "INTERRUPTED";
                        r.failureKind = "INTERRUPTED";
                        r.failureMessage = "The agent stopped while the run was going.";
                        r.failureHint = "Nothing to do: the retry policy starts it again. restic may have left a "
                                + "stale lock; the next backup is not blocked by it (backups share locks).";
                        r.failureTransient = true;
                    }
                    LOG.infof("run %s of job %s was left %s by a previous start of this agent", r.id, r.jobId,
                            r.state);
                    return afterEnd(r, now).replaceWithVoid();
                });
            }
            return chain.replaceWith(list.size());
        });
    }

    /**
     * @param run the run whose retention policy forgot snapshots
     * @param snapshotIds the forgotten snapshots
     * @param pruned whether data was pruned
     * @return done
     */
    @WithTransaction
    public Uni<Void> recordForgotten(BackupRun run, List<String> snapshotIds, boolean pruned) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        Instant now = now();
        for (String id : snapshotIds) {
            chain = chain.chain(() -> events.snapshotForgotten(run, id, pruned, now));
        }
        return chain;
    }

    /**
     * @param id the run
     * @return it
     * @throws AsgardException NOT_FOUND {@code RUN_NOT_FOUND}
     */
    @WithSession
    public Uni<BackupRun> get(UUID id) {
        return runs.findById(id).onItem().ifNull().failWith(() -> notFound(id));
    }

    /**
     * @param id the run
     * @return it as proto (for watchers)
     */
    @WithSession
    public Uni<dev.asgard.proto.backup.v1.Run> getProto(UUID id) {
        return get(id).map(mapper::toProto);
    }

    /**
     * @param page size and cursor
     * @param jobId only runs of this job, or null
     * @param states only these states (without prefix), or empty
     * @param kind BACKUP or RESTORE; null for both
     * @return one page, newest first
     */
    @WithSession
    public Uni<Page<BackupRun>> list(PageRequest page, UUID jobId, List<String> states, String kind) {
        return list(page, new BackupRunRepository.RunFilter(jobId, null, states, null, null, kind));
    }

    /**
     * @param page size and cursor
     * @param filter which runs
     * @return one page, newest first
     */
    @WithSession
    public Uni<Page<BackupRun>> list(PageRequest page, BackupRunRepository.RunFilter filter) {
        String query = PageTokenCodec.query("runs", filter.key());
        List<String> cursor = page.token().map(t -> pageTokens.decode(t, query)).orElse(null);
        Instant at = cursor == null ? null : Instant.parse(cursor.get(0));
        UUID after = cursor == null ? null : UUID.fromString(cursor.get(1));
        return runs.page(filter, at, after, page.fetchSize()).map(rows -> Page.fromOverfetch(rows, page,
                last -> pageTokens.encode(query, last.queuedAt.toString(), last.id.toString())));
    }

    private static AsgardException notFound(UUID id) {
        return AsgardException.notFound("RUN_NOT_FOUND", "No run with id %s.", id)
                .withHint("List runs with GET /api/v1/runs for ids.");
    }

    /** PostgreSQL keeps microseconds: times are truncated so an answer equals what a later read returns. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }
}
