package dev.asgard.backup.service;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.asgard.backup.config.RestoreConfig;
import dev.asgard.backup.config.RunConfig;
import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.entity.BackupRun;
import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.backup.restic.BackupMessage;
import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticExecution;
import dev.asgard.backup.restic.ResticException;
import dev.asgard.backup.restic.ResticForgetReport;
import dev.asgard.backup.restic.ResticPolicy;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.restic.ResticSnapshotFilter;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;

/**
 * Executes queued runs on this agent: backups at most {@code asgard.backup.runs.max-concurrent} at a time (default
 * one: others wait in the queue, never overlap), restores at most {@code asgard.backup.restore.max-concurrent}
 * beside them (a restore runs only on the agent that accepted it). Each run is driven from a virtual thread,
 * because restic blocks; database steps go through {@link RunService} on a Vert.x context
 * ({@link VertxContextSupport}).
 */
@ApplicationScoped
public class RunExecutor {

    private static final Logger LOG = Logger.getLogger(RunExecutor.class);

    private final RunService service;
    private final Restic restic;
    private final RepositoryGuard guard;
    private final RunMapper mapper;
    private final RunUpdates updates;
    private final RunConfig config;
    private final RestoreConfig restoreConfig;
    private final RestoreRunner restores;
    private final String agentId;
    private final SchemaMigration schema;
    private final Map<UUID, Handle> handles = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger restoring = new AtomicInteger();
    /** Backup slots held by backups outside the queue (offline runs). */
    private final java.util.Set<Slot> outside = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean dispatching = new AtomicBoolean();
    private final AtomicBoolean kickedAgain = new AtomicBoolean();
    private volatile boolean stopping;
    private volatile boolean recovered;
    /** Set when a shutdown stops what still runs: a run whose restic starts after that stops at once. */
    private volatile boolean stopAll;

    public RunExecutor(RunService service, Restic restic, RepositoryGuard guard, RunMapper mapper, RunUpdates updates,
            RunConfig config, RestoreConfig restoreConfig, SchemaMigration schema) {
        this.service = service;
        this.restic = restic;
        this.guard = guard;
        this.mapper = mapper;
        this.updates = updates;
        this.config = config;
        this.restoreConfig = restoreConfig;
        this.restores = new RestoreRunner(restic, config.progressInterval(), restoreConfig.timeout());
        this.agentId = config.agentId().filter(s -> !s.isBlank()).orElseGet(RunExecutor::hostName);
        this.schema = schema;
    }

    /** A run being executed here. */
    static final class Handle {
        final UUID runId;
        volatile ResticExecution execution;
        volatile boolean cancelRequested;
        volatile boolean shutdown;
        volatile BackupMessage.Status lastStatus;
        final List<String> unreadable = Collections.synchronizedList(new ArrayList<>());
        volatile BackupMessage.Summary summary;
        volatile long lastLiveNanos;
        volatile long lastEventNanos = System.nanoTime();
        final AtomicBoolean persisting = new AtomicBoolean();
        volatile dev.asgard.proto.backup.v1.Run base;

        Handle(UUID runId) {
            this.runId = runId;
        }
    }

    /** @return whether a shutdown has begun (no new runs start; schedulers stop ticking) */
    public boolean stopping() {
        return stopping;
    }

    /**
     * Takes a backup slot for a backup that runs outside the queue ({@link OfflineMode}'s runs while PostgreSQL is
     * down), so the executor claims no queued backup beside it (backups never overlap, also when PostgreSQL comes
     * back while it runs), and a shutdown treats it like a queued run: it may finish within
     * {@code shutdown-finish-timeout}, then {@code stop} is called (restic gets SIGINT) and the shutdown waits for its
     * slot to be given back.
     *
     * @param stop stops the backup; called at most once, from the shutdown
     * @return the slot, to {@link Slot#close() close} when the backup has ended and its outcome is recorded; empty if
     *         every slot is taken or a shutdown has begun
     */
    public java.util.Optional<Slot> takeBackupSlot(Runnable stop) {
        if (stopping || !take(running, config.maxConcurrent())) {
            return java.util.Optional.empty();
        }
        Slot slot = new Slot(stop);
        outside.add(slot);
        if (stopping) {
            slot.close();
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(slot);
    }

    /** A backup slot held outside the queue: {@link #takeBackupSlot}. */
    public final class Slot implements AutoCloseable {
        private final Runnable stop;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Slot(Runnable stop) {
            this.stop = stop;
        }

        /** Gives the slot back (idempotent); queued runs may start. */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                outside.remove(this);
                running.decrementAndGet();
                kick();
            }
        }
    }

    /** Takes one of {@code limit} slots of {@code count}, atomically: false when all are taken. */
    private static boolean take(AtomicInteger count, int limit) {
        while (true) {
            int n = count.get();
            if (n >= limit) {
                return false;
            }
            if (count.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** @return this agent instance's id */
    public String agentId() {
        return agentId;
    }

    void onStart(@Observes StartupEvent event) {
        kick();
    }

    /**
     * Before this agent claims anything, its runs left RUNNING by a previous start become INTERRUPTED (and go to
     * their retry policy). Claiming first would let the recovery take a run this start just began for one the
     * previous start left behind. Until the recovery succeeded (the database may be down at start), nothing is
     * claimed; every dispatch tries it again.
     *
     * @return whether the recovery is done
     */
    private boolean recovered() {
        if (recovered) {
            return true;
        }
        try {
            int n = await(() -> service.recoverInterrupted(agentId));
            if (n > 0) {
                LOG.infof("%d run(s) interrupted by the previous stop of agent %s were handed to their retry policy",
                        n, agentId);
            }
            recovered = true;
        } catch (RuntimeException e) {
            LOG.warnf("recovering interrupted runs failed (retried before the next claim): %s", e.getMessage());
        }
        return recovered;
    }

    /**
     * Graceful shutdown: no new runs start; running ones may finish within
     * {@code asgard.backup.runs.shutdown-finish-timeout}; what still runs then gets SIGINT (restic removes its lock)
     * and ends as INTERRUPTED, which the job's retry policy picks up after the next start. The executor waits
     * {@code shutdown-grace} more for those to be recorded.
     *
     * <p>This runs on {@link ShutdownDelayInitiatedEvent} (enabled by {@code quarkus.shutdown.delay-enabled}), which
     * Quarkus fires before it closes anything: by {@link ShutdownEvent} the database pools are closed already and a
     * run's end could no longer be recorded. The {@link ShutdownEvent} observer is the fallback.
     */
    void onShutdownStarts(@Observes ShutdownDelayInitiatedEvent event) {
        drain("shutdown initiated");
    }

    void onStop(@Observes ShutdownEvent event) {
        drain("shutdown event");
    }

    private void drain(String phase) {
        if (stopping) {
            return;
        }
        stopping = true;
        if (running.get() + restoring.get() > 0) {
            LOG.infof("shutting down (%s): waiting up to %s for %d running run(s) to finish", phase,
                    config.shutdownFinishTimeout(), running.get() + restoring.get());
        }
        if (awaitIdle(config.shutdownFinishTimeout())) {
            return;
        }
        LOG.infof("shutting down: stopping %d run(s) that did not finish in time; they are retried after the next "
                + "start", running.get() + restoring.get());
        stopAll = true;
        outside.forEach(slot -> slot.stop.run());
        handles.values().forEach(h -> {
            h.shutdown = true;
            ResticExecution e = h.execution;
            if (e != null) {
                e.cancel();
            }
        });
        awaitIdle(config.shutdownGrace());
    }

    private boolean awaitIdle(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running.get() + restoring.get() > 0) {
            if (System.nanoTime() >= deadline) {
                return false;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                LOG.warnf("shutting down: interrupted while waiting for %d run(s)", running.get() + restoring.get());
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Starts queued runs while there is room; cheap to call often (after queueing, after a run, every tick). */
    public void kick() {
        if (!stopping) {
            Thread.ofVirtual().name("backup-dispatch").start(this::dispatch);
        }
    }

    /**
     * Asks a run executing here to stop (SIGINT to restic). Does nothing for runs executed elsewhere.
     *
     * @param runId the run
     */
    public void cancelLocal(UUID runId) {
        stop(runId);
    }

    /**
     * Tells watchers about a run a cancel just changed (after its transaction), and stops restic if the run
     * executes here.
     *
     * @param run the run after the cancel
     */
    public void cancelled(BackupRun run) {
        updates.publish(mapper.toProto(run));
        if ("CANCELLING".equals(run.state)) {
            cancelLocal(run.id);
        }
    }

    private void stop(UUID runId) {
        Handle h = handles.get(runId);
        if (h != null) {
            h.cancelRequested = true;
            ResticExecution e = h.execution;
            if (e != null) {
                e.cancel();
            }
        }
    }

    private void dispatch() {
        if (!dispatching.compareAndSet(false, true)) {
            kickedAgain.set(true);
            return;
        }
        try {
            // PostgreSQL down at start: no recovery (nor claim) before the schema is migrated; a later kick tries.
            if (!schema.migrated() || !recovered()) {
                return;
            }
            do {
                kickedAgain.set(false);
                // Backups and restores have separate limits: a long backup never holds up a restore.
                claim("BACKUP", running, config.maxConcurrent());
                claim("RESTORE", restoring, restoreConfig.maxConcurrent());
            } while (kickedAgain.get() && !stopping);
        } catch (RuntimeException e) {
            LOG.warnf("dispatching backup runs failed (retried on the next tick): %s", e.getMessage());
        } finally {
            dispatching.set(false);
        }
    }

    private void claim(String kind, AtomicInteger count, int limit) {
        // The slot is taken before the claim, so a shutdown that starts meanwhile waits for this run too; atomically,
        // because an offline backup may take one at the same time.
        while (!stopping && take(count, limit)) {
            BackupRun run;
            try {
                run = await(() -> service.claimNext(agentId, kind));
            } catch (RuntimeException e) {
                count.decrementAndGet();
                throw e;
            }
            if (run == null) {
                count.decrementAndGet();
                return;
            }
            Handle h = new Handle(run.id);
            h.base = mapper.toProto(run);
            updates.publish(h.base);
            handles.put(run.id, h);
            Thread.ofVirtual().name(kind.toLowerCase(java.util.Locale.ROOT) + "-run-" + run.id)
                    .start(() -> execute(run, h, count));
        }
    }

    private void execute(BackupRun run, Handle h, AtomicInteger count) {
        RunService.Finish finish;
        RunService.Restored restored = null;
        try {
            if (run.isRestore()) {
                RestoreRunner.Outcome o = restore(run, h);
                finish = o.finish();
                restored = o.restored();
            } else {
                finish = backup(run, h);
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "run %s failed unexpectedly", run.id);
            finish = failure("RESTIC_ERROR", "The run failed inside the agent: " + e.getClass().getSimpleName(),
                    "See the agent's log for run " + run.id + ".", false, null, h);
        }
        try {
            RunService.Finish f = finish;
            RunService.Restored r = restored;
            updates.publish(mapper.toProto(await(() -> service.finish(run.id, f, r))));
        } catch (RuntimeException e) {
            LOG.errorf(e, "recording the end of run %s failed; it is recovered at the next start", run.id);
        } finally {
            handles.remove(run.id);
            count.decrementAndGet();
            kick();
        }
    }

    private RestoreRunner.Outcome restore(BackupRun run, Handle h) {
        RunService.Execution ex = await(() -> service.execution(run));
        if (ex.repo() == null) {
            return new RestoreRunner.Outcome(failure("RESTIC_ERROR", "The repository was removed.",
                    "Nothing to restore from.", false, null, h), null);
        }
        try {
            // Shared, like a backup: prune (exclusive) must not remove data the restore is reading.
            return guard.hold(run.repositoryId, RepositoryGuard.Mode.SHARED, "restore " + run.id,
                    () -> restores.run(run, ex.repo(), e -> {
                        h.execution = e;
                        if (stopAll) {
                            h.shutdown = true;
                        }
                        if (h.cancelRequested || h.shutdown) {
                            e.cancel();
                        }
                    }, s -> onMessage(h, s), () -> h.cancelRequested, () -> h.shutdown));
        } catch (dev.asgard.commons.error.AsgardException e) {
            if (RepositoryGuard.LOCK_LOST.equals(e.reason())) {
                return new RestoreRunner.Outcome(RunOutcomes.lockLost(e, observed(h)), null);
            }
            if (!lockRefusal(e)) {
                throw e;
            }
            return new RestoreRunner.Outcome(failure("LOCK_UNAVAILABLE", e.detail(), e.hint().orElse("Another "
                    + "operation (check, forget, prune, unlock) holds the repository; restore again when it is done."),
                    false, null, h), null);
        }
    }

    /** @return whether the repository could not be held: busy, or the lock service unreachable (both transient) */
    private static boolean lockRefusal(dev.asgard.commons.error.AsgardException e) {
        return "REPOSITORY_BUSY".equals(e.reason()) || "LOCK_SERVICE_UNAVAILABLE".equals(e.reason());
    }

    private RunService.Finish backup(BackupRun run, Handle h) {
        RunService.Execution ex = await(() -> service.execution(run));
        if (ex.job() == null || ex.repo() == null) {
            return failure("RESTIC_ERROR", ex.job() == null ? "The job was deleted before the run started."
                    : "The repository was removed.", "Nothing to retry.", false, null, h);
        }
        RunService.Finish f;
        try {
            // Shared: backups run side by side, but never while check, forget, prune or unlock hold the repository.
            f = guard.hold(ex.job().repositoryId, RepositoryGuard.Mode.SHARED, "backup " + run.id,
                    () -> backupHeld(run, h, ex));
        } catch (dev.asgard.commons.error.AsgardException e) {
            if (RepositoryGuard.LOCK_LOST.equals(e.reason())) {
                // restic was stopped when the lock was lost; no retention without the lock either.
                return RunOutcomes.lockLost(e, observed(h));
            }
            if (!lockRefusal(e)) {
                throw e;
            }
            return failure("LOCK_UNAVAILABLE", e.detail(), "REPOSITORY_BUSY".equals(e.reason())
                    ? "Another operation (check, forget, prune, unlock) holds the repository; the retry policy tries "
                            + "again." : e.hint().orElse("") + " The retry policy tries again.", true, null, h);
        }
        // Retention outside the shared hold: forget and prune need the repository to themselves.
        // Not when a shutdown is stopping runs: forget cannot be interrupted; the next backup applies the policy.
        if (("SUCCEEDED".equals(f.state()) || "PARTIAL".equals(f.state())) && ex.job().retentionSet && !stopAll) {
            String retentionError = applyRetention(run, ex.job(), ex.repo());
            f = new RunService.Finish(f.state(), f.summary(), f.lastStatus(), f.failureKind(), f.message(), f.hint(),
                    f.transientFailure(), f.exitCode(), f.unreadable(), retentionError);
        }
        return f;
    }

    private RunService.Finish backupHeld(BackupRun run, Handle h, RunService.Execution ex) {
        BackupJob job = ex.job();
        Duration timeout = job.runTimeoutMs == null ? Duration.ofDays(30) : Duration.ofMillis(job.runTimeoutMs);
        PgDumpStream dump = null;
        ResticExecution execution;
        if (job.isPgDump()) {
            try {
                dump = PgDumpStream.start(config.pgDumpBinary(), job, ex.pgPassword());
            } catch (java.io.IOException e) {
                return failure("PG_DUMP_FAILED", "pg_dump could not start: " + e.getMessage(),
                        "Install pg_dump (a version at least the server's) or set asgard.backup.runs.pg-dump-binary.",
                        false, null, h);
            }
            execution = restic.backupStdin(ex.repo(), job.pgDumpFilename(), BackupArgs.of(job), m -> onMessage(h, m),
                    timeout);
            dump.feed(execution);
        } else {
            execution = restic.backup(ex.repo(), List.of(job.paths), BackupArgs.of(job), m -> onMessage(h, m),
                    timeout);
        }
        h.execution = execution;
        if (stopAll) {
            h.shutdown = true;
        }
        if (h.cancelRequested || h.shutdown) {
            execution.cancel();
        }
        ResticResult result;
        int dumpExit = 0;
        try {
            result = execution.await();
            if (dump != null) {
                dumpExit = dump.await();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            execution.cancel();
            return failure("INTERRUPTED", "The agent was interrupted.", "The retry policy starts it again.", true,
                    null, h);
        } finally {
            if (dump != null) {
                dump.stop();
            }
        }
        RunService.Finish f;
        // restic failing first (wrong password, ...) also ends pg_dump (broken pipe): then restic's outcome counts.
        boolean dumpFailedFirst = result.outcome() == ResticOutcome.CANCELLED || result.outcome().succeeded();
        if (dump != null && dumpExit != 0 && dumpFailedFirst && !h.cancelRequested && !h.shutdown) {
            String password = ex.pgPassword();
            String message = dump.message();
            if (password != null && password.length() >= 4) {
                message = message.replace(password, "***");
            }
            f = failure("PG_DUMP_FAILED", "pg_dump exited with " + dumpExit + ": " + redact(message, ex.repo()),
                    dump.unreachable() ? "The database did not answer: check host, port and that it runs; the retry "
                            + "policy tries again." : "Check the database name, user, password and that pg_dump is "
                            + "not older than the server. No snapshot was made.", dump.unreachable(), dumpExit, h);
        } else {
            f = outcome(result, h, ex.repo(), job);
        }
        return f;
    }

    private String applyRetention(BackupRun run, BackupJob job, ResticRepo repo) {
        // Whole hours: restic 0.14's --keep-within knows y, m, d and h.
        String within = job.keepWithinMs == 0 ? null : Duration.ofMillis(job.keepWithinMs).toHours() + "h";
        ResticPolicy policy = new ResticPolicy(job.keepLast, job.keepHourly, job.keepDaily, job.keepWeekly,
                job.keepMonthly, job.keepYearly, within, List.of(job.keepTags));
        // Only this job's snapshots, grouped as restic does by default.
        ResticSnapshotFilter mine = new ResticSnapshotFilter(null, List.of(job.jobTag()), List.of());
        try {
            ResticForgetReport report = guard.hold(job.repositoryId, RepositoryGuard.Mode.EXCLUSIVE, "retention",
                    () -> restic.forget(repo, policy, mine, List.of("host", "paths"), false, job.prune));
            List<String> removed = report.groups().stream().flatMap(g -> g.remove().stream())
                    .map(ResticSnapshot::id).toList();
            if (!removed.isEmpty()) {
                await(() -> service.recordForgotten(run, removed, job.prune));
            }
            return null;
        } catch (ResticException e) {
            return redact(e.outcome() + ": " + e.result().message() + " " + e.result().hint(), repo);
        } catch (RuntimeException e) {
            LOG.warnf("retention of job %s failed: %s", job.id, e.getMessage());
            return "restic forget failed: " + redact(e.getMessage(), repo);
        }
    }

    private void onMessage(Handle h, BackupMessage m) {
        switch (m) {
            case BackupMessage.Status s -> {
                h.lastStatus = s;
                long now = System.nanoTime();
                if (now - h.lastLiveNanos >= config.progressInterval().toNanos()) {
                    h.lastLiveNanos = now;
                    publishLive(h, s);
                }
                if (now - h.lastEventNanos >= config.progressEventInterval().toNanos()
                        && h.persisting.compareAndSet(false, true)) {
                    h.lastEventNanos = now;
                    // Off the stdout pump, so a slow database never stalls restic's output.
                    Thread.ofVirtual().start(() -> {
                        try {
                            String state = await(() -> service.recordProgress(h.runId, s));
                            if ("CANCELLING".equals(state) && !h.cancelRequested) {
                                // The cancel request reached another replica: it only marked the run.
                                cancelLocal(h.runId);
                            }
                        } catch (RuntimeException e) {
                            LOG.debugf("progress of run %s not recorded: %s", h.runId, e.getMessage());
                        } finally {
                            h.persisting.set(false);
                        }
                    });
                }
            }
            case BackupMessage.Error e -> {
                if (h.unreadable.size() < 1000 && e.item() != null) {
                    h.unreadable.add(e.item());
                }
            }
            case BackupMessage.Summary s -> h.summary = s;
            case BackupMessage.Other o -> {
            }
        }
    }

    private void publishLive(Handle h, BackupMessage.Status s) {
        BackupRun tmp = new BackupRun();
        RunService.applyProgress(tmp, s, java.time.Instant.now());
        tmp.id = h.runId;
        tmp.kind = "BACKUP";
        tmp.repositoryId = UUID.fromString(h.base.getRepositoryId());
        tmp.trigger = "MANUAL";
        tmp.state = "RUNNING";
        tmp.requestedBy = "";
        updates.publish(h.base.toBuilder().setProgress(mapper.toProto(tmp).getProgress()).build());
    }

    private RunService.Finish outcome(ResticResult r, Handle h, ResticRepo repo, BackupJob job) {
        List<String> missing = r.outcome() != ResticOutcome.SOURCE_MISSING ? List.of()
                : java.util.Arrays.stream(job.paths).filter(p -> !java.nio.file.Files.exists(java.nio.file.Path.of(p)))
                        .toList();
        return RunOutcomes.of(r, observed(h), repo, missing);
    }

    private static RunOutcomes.Observed observed(Handle h) {
        return new RunOutcomes.Observed(h.lastStatus, h.summary, List.copyOf(h.unreadable), h.cancelRequested,
                h.shutdown);
    }

    private static RunService.Finish failure(String kind, String message, String hint, boolean transientFailure,
            Integer exit, Handle h) {
        return RunOutcomes.failure(kind, message, hint, transientFailure, exit, h.lastStatus,
                List.copyOf(h.unreadable));
    }

    static String redact(String text, ResticRepo repo) {
        return RunOutcomes.redact(text, repo);
    }

    private static <T> T await(Supplier<Uni<T>> uni) {
        try {
            return VertxContextSupport.subscribeAndAwait(uni);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hostName() {
        String env = System.getenv("HOSTNAME");
        if (env != null && !env.isBlank()) {
            return env;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "backup-agent";
        }
    }
}
