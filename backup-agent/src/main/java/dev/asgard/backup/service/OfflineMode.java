package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import dev.asgard.backup.config.OfflineConfig;
import dev.asgard.backup.domain.MissedRunPolicy;
import dev.asgard.backup.domain.MissedRuns;
import dev.asgard.backup.domain.Schedule;
import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.restic.BackupMessage;
import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticExecution;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;
import dev.asgard.backup.secrets.SecretBox;
import dev.asgard.commons.error.AsgardException;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Scheduled backups while PostgreSQL is unreachable (see {@code docs/backup-runs.md}, "PostgreSQL down"). While
 * PostgreSQL answers, the agent keeps a sealed copy of its scheduled jobs ({@link ConfigCache}), rewritten every
 * {@code cache-interval} and after a scheduler tick that queued runs. When {@link JobScheduler}'s database access has
 * failed with connection errors for {@code asgard.backup.offline.after}, due jobs of the copy run here, one at a time
 * and never beside an online backup, under the in-process repository guard only (lock-service may be down too), and
 * their outcome goes to a local journal ({@link OfflineJournal}). When PostgreSQL answers again, the journal is
 * reconciled ({@link OfflineReconciler}) before the scheduler queues anything.
 */
@ApplicationScoped
public class OfflineMode {

    private static final Logger LOG = Logger.getLogger(OfflineMode.class);

    private final OfflineConfig config;
    private final OfflineReconciler store;
    private final RunExecutor executor;
    private final Restic restic;
    private final LocalRepositoryGuard guard;
    private final RepositorySecretStore secrets;
    private final Clock clock;
    private final ConfigCache cache;
    private final OfflineJournal journal;
    private final SchemaMigration schema;

    /** Since when every database access failed with a connection error; null while PostgreSQL answers. */
    private volatile Instant unreachableSince;
    /** The copy the agent runs from during this outage; loaded when the outage began. */
    private volatile ConfigCache.Document copy;
    private volatile boolean refreshRequested = true;
    private volatile Instant cacheWrittenAt = Instant.EPOCH;
    private volatile boolean stopping;
    private volatile ResticExecution execution;
    /** Held by an offline backup or by the scheduler's tick: never both at once. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean runningOffline;
    /** A due offline backup found the scheduler's tick holding {@link #busy}: the next tick leaves it the turn. */
    private volatile boolean offlineRunWaiting;
    private final AtomicBoolean refreshing = new AtomicBoolean();

    public OfflineMode(OfflineConfig config, OfflineReconciler store, RunExecutor executor, Restic restic,
            LocalRepositoryGuard guard, RepositorySecretStore secrets, SecretBox box, Clock clock,
            SchemaMigration schema) {
        this.config = config;
        this.store = store;
        this.executor = executor;
        this.restic = restic;
        this.guard = guard;
        this.secrets = secrets;
        this.clock = clock;
        this.cache = new ConfigCache(config.cacheFile(), box, executor.agentId());
        this.journal = new OfflineJournal(config.journalFile());
        this.schema = schema;
    }

    // --- JobScheduler's tick ---------------------------------------------------------------------------------

    /**
     * Runs the scheduler's work of one tick: first the journal of runs made while PostgreSQL was down is
     * reconciled (that is also the tick's first database access), then the scheduler queues due runs. Never beside
     * an offline backup: its planned start would otherwise be queued again. Not before the schema is migrated
     * ({@link SchemaMigration}): until then its tries are the probe, and an outage they met counts from its start.
     *
     * @param scheduleDue the scheduler's work
     * @return runs queued; failed when PostgreSQL does not answer
     */
    public Uni<Integer> schedule(Supplier<Uni<Integer>> scheduleDue) {
        if (!schema.migrated()) {
            schema.unreachableSince().ifPresent(since -> outageBegan(since, "at start"));
            return Uni.createFrom().item(0);
        }
        // A due offline backup goes first: probing an unreachable database can take the whole tick, every tick.
        if (offlineRunWaiting && offline() || !busy.compareAndSet(false, true)) {
            return Uni.createFrom().item(0);
        }
        return Uni.createFrom().deferred(() -> reconcileJournal().chain(() -> scheduleDue.get()))
                .invoke(n -> databaseAnswered(n)).onFailure().invoke(this::databaseFailed)
                .onTermination().invoke(() -> busy.set(false));
    }

    private Uni<Void> reconcileJournal() {
        if (journal.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<OfflineJournal.Entry> entries;
        try {
            entries = journal.read();
        } catch (java.io.IOException e) {
            return Uni.createFrom().failure(new IllegalStateException("the offline run journal " + journal.file()
                    + " cannot be read: " + e.getMessage(), e));
        }
        Set<UUID> done = Collections.synchronizedSet(new HashSet<>());
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (OfflineJournal.Entry e : entries) {
            chain = chain.chain(() -> store.reconcile(e, executor.agentId()))
                    // An entry PostgreSQL refuses for another reason than being unreachable would block the
                    // scheduler for good: it is set aside (journal file + ".rejected") for an operator instead.
                    .onFailure(f -> !DatabaseOutage.isConnectionFailure(f)).recoverWithItem(f -> {
                        LOG.errorf(f, "offline run %s of job %s cannot be recorded; kept in %s.rejected", e.runId(),
                                e.jobId(), journal.file());
                        reject(e);
                        return false;
                    }).invoke(() -> done.add(e.runId())).replaceWithVoid();
        }
        // Entries leave the journal only after their transaction committed; on a failure those before it do.
        return chain.onTermination().invoke(() -> removeFromJournal(done)).invoke(() -> {
            refreshRequested = true;
            LOG.infof("PostgreSQL answers again: %d run(s) made while it was unreachable are recorded", done.size());
        });
    }

    private void reject(OfflineJournal.Entry e) {
        try {
            new OfflineJournal(journal.file().resolveSibling(journal.file().getFileName() + ".rejected")).append(e);
        } catch (java.io.IOException x) {
            LOG.errorf("offline run %s could not be set aside: %s", e.runId(), x.getMessage());
        }
    }

    private void removeFromJournal(Set<UUID> done) {
        try {
            journal.remove(done);
        } catch (java.io.IOException e) {
            // Harmless: the entries are skipped by id at the next reconciliation.
            LOG.warnf("reconciled runs could not be removed from the offline run journal: %s", e.getMessage());
        }
    }

    /** The scheduler's database access succeeded, having queued {@code queued} runs (then the copy is rewritten). */
    private void databaseAnswered(int queued) {
        if (unreachableSince != null) {
            LOG.infof("PostgreSQL answers again; offline scheduling ends");
            unreachableSince = null;
            copy = null;
        }
        if (queued > 0) {
            refreshRequested = true;
        }
    }

    /**
     * A database access failed. Only connection failures count toward offline mode: a broken query must not make
     * every agent run backups from its copy.
     */
    private void databaseFailed(Throwable failure) {
        if (DatabaseOutage.isConnectionFailure(failure)) {
            outageBegan(clock.instant(), failure.getMessage());
        }
    }

    /**
     * An outage was seen: by the scheduler's tick, or (at start) by the schema migration's first try, whose time
     * counts toward {@code after} as a tick's would. The same rule at start as later: a reboot of the whole home lab
     * usually brings PostgreSQL back within seconds, and waiting {@code after} then saves running a backup from the
     * copy and reconciling it.
     */
    private void outageBegan(Instant since, String why) {
        if (unreachableSince == null) {
            unreachableSince = since;
            if (config.enabled()) {
                LOG.warnf("PostgreSQL is unreachable (%s); scheduled backups run from the local copy after %s",
                        why, config.after());
            }
        }
    }

    /** @return since when PostgreSQL has been unreachable, as the scheduler sees it; empty while it answers */
    public Optional<Instant> unreachableSince() {
        return Optional.ofNullable(unreachableSince);
    }

    /**
     * @return the copy the agent runs from during this outage, once loaded (written at {@link Instant#EPOCH} and
     *         empty when there was none or it did not open)
     */
    public Optional<ConfigCache.Document> loadedCopy() {
        return Optional.ofNullable(copy);
    }

    /** @return whether the agent keeps the copy and runs from it during outages */
    public boolean enabled() {
        return config.enabled();
    }

    /** @return how long PostgreSQL must be unreachable before the agent runs due jobs from the copy */
    public Duration after() {
        return config.after();
    }

    /** @return whether due jobs now run from the copy */
    public boolean offline() {
        Instant since = unreachableSince;
        return config.enabled() && since != null
                && !clock.instant().isBefore(since.plus(config.after()));
    }

    // --- the copy --------------------------------------------------------------------------------------------

    @Scheduled(every = "1s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> maintainCache() {
        boolean due = refreshRequested
                || !clock.instant().isBefore(cacheWrittenAt.plus(config.cacheInterval()));
        if (!config.enabled() || !due || !schema.migrated() || unreachableSince != null || runningOffline
                || !refreshing.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        refreshRequested = false;
        return store.snapshot(executor.agentId()).emitOn(Infrastructure.getDefaultWorkerPool()).invoke(doc -> {
            try {
                cache.write(doc);
                cacheWrittenAt = clock.instant();
                LOG.debugf("configuration copy written: %d job(s)", doc.jobs().size());
            } catch (java.io.IOException e) {
                LOG.warnf("the configuration copy %s cannot be written: %s", cache.file(), e.getMessage());
            }
        }).onFailure().invoke(e -> {
            LOG.debugf("configuration copy not refreshed: %s", e.getMessage());
            databaseFailed(e);
        }).onFailure().recoverWithNull().onTermination().invoke(() -> refreshing.set(false)).replaceWithVoid();
    }

    // --- offline runs ------------------------------------------------------------------------------------------

    @Scheduled(every = "1s", delayed = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void runDue() {
        if (stopping || !offline()) {
            offlineRunWaiting = false;
            return;
        }
        ConfigCache.Document loaded = loadCopy();
        Instant now = clock.instant();
        if (due(loaded, now).isEmpty()) {
            offlineRunWaiting = false;
            return;
        }
        if (!busy.compareAndSet(false, true)) {
            offlineRunWaiting = true;
            return;
        }
        offlineRunWaiting = false;
        // Under busy: the copy changes only here and in the offline run, never in both at once.
        ConfigCache.Document doc = applySkip(loadCopy(), now);
        Optional<ConfigCache.CachedJob> due = due(doc, now);
        if (due.isEmpty()) {
            busy.set(false);
            return;
        }
        // One of the executor's backup slots: no queued backup starts beside this one (PostgreSQL may come back while
        // it runs), and a shutdown lets it finish or stops it like an online run.
        Optional<RunExecutor.Slot> slot = executor.takeBackupSlot(this::stopRunning);
        if (slot.isEmpty()) {
            busy.set(false);
            return;
        }
        boolean started = false;
        try {
            runningOffline = true;
            Thread.ofVirtual().name("offline-backup-" + due.get().id()).start(() -> {
                try {
                    runOffline(doc, due.get());
                } catch (RuntimeException e) {
                    LOG.errorf(e, "offline backup of job %s failed inside the agent", due.get().id());
                } finally {
                    execution = null;
                    runningOffline = false;
                    busy.set(false);
                    slot.get().close();
                }
            });
            started = true;
        } finally {
            if (!started) {
                runningOffline = false;
                busy.set(false);
                slot.get().close();
            }
        }
    }

    private ConfigCache.Document loadCopy() {
        if (copy == null) {
            try {
                copy = cache.read().orElse(null);
                if (copy == null) {
                    LOG.warnf("PostgreSQL is unreachable and there is no configuration copy (%s): no scheduled "
                            + "backups until it answers again", cache.file());
                } else {
                    LOG.warnf("PostgreSQL is unreachable: running scheduled backups of %d job(s) from the copy of %s",
                            copy.jobs().size(), copy.writtenAt());
                }
            } catch (java.io.IOException | RuntimeException e) {
                LOG.errorf("PostgreSQL is unreachable and the configuration copy %s cannot be opened: %s",
                        cache.file(), e.getMessage());
            }
            if (copy == null) {
                // Not retried during this outage: an empty copy stands for "nothing to run".
                copy = new ConfigCache.Document(executor.agentId(), Instant.EPOCH, List.of(), List.of());
            }
        }
        return copy;
    }

    private static Optional<ConfigCache.CachedJob> due(ConfigCache.Document doc, Instant now) {
        return doc.jobs().stream().filter(j -> j.nextRunAt() != null && !j.nextRunAt().isAfter(now))
                .min(java.util.Comparator.comparing(ConfigCache.CachedJob::nextRunAt));
    }

    /** {@link #skipMissed(ConfigCache.Document, Instant)}, with the changed copy written to disk. */
    private ConfigCache.Document applySkip(ConfigCache.Document doc, Instant now) {
        ConfigCache.Document result = skipMissed(doc, now);
        if (result != doc) {
            if (copy == doc) {
                copy = result;
            }
            try {
                cache.write(result);
            } catch (java.io.IOException e) {
                LOG.warnf("the configuration copy %s cannot be updated: %s", cache.file(), e.getMessage());
            }
        }
        return result;
    }

    /**
     * Applies the missed-run policy {@code skip} offline as online: a job whose passed starts all lie beyond the grace
     * period (the machine was off, or slept) gets no run; its next planned start moves on. The other policies run a
     * due job once offline (see the class comment), so they change nothing here. Pure.
     *
     * @return the copy with those jobs' next starts moved on; {@code doc} itself when nothing changed
     */
    static ConfigCache.Document skipMissed(ConfigCache.Document doc, Instant now) {
        ConfigCache.Document result = doc;
        for (ConfigCache.CachedJob cached : doc.jobs()) {
            if (cached.nextRunAt() == null || cached.nextRunAt().isAfter(now)) {
                continue;
            }
            BackupJob job = cached.toJob();
            MissedRunPolicy policy = job.missedRunPolicy();
            Optional<Schedule> schedule = job.schedule();
            if (policy.mode() != MissedRunPolicy.Mode.SKIP || schedule.isEmpty()) {
                continue;
            }
            MissedRuns.Decision decision = MissedRuns.decide(schedule.get(), cached.nextRunAt(), now, policy);
            if (!decision.runs().isEmpty()) {
                continue;
            }
            LOG.infof("offline: job %s (%s) missed %d planned start(s) beyond its grace period; policy skip, next "
                    + "start %s", job.name, job.id, decision.skipped(), decision.nextRunAt().orElse(null));
            result = result.with(cached.withNextRunAt(decision.nextRunAt().orElse(null)));
        }
        return result;
    }

    private void runOffline(ConfigCache.Document doc, ConfigCache.CachedJob cached) {
        BackupJob job = cached.toJob();
        UUID runId = UUID.randomUUID();
        Instant slot = cached.nextRunAt();
        Instant started = clock.instant().truncatedTo(ChronoUnit.MICROS);
        LOG.infof("offline backup %s of job %s (%s) for its planned start %s", runId, job.name, job.id, slot);
        Optional<ConfigCache.CachedRepository> repo = doc.repository(job.repositoryId);
        RunService.Finish f;
        if (repo.isEmpty()) {
            f = RunOutcomes.failure("RESTIC_ERROR", "The repository is not in the agent's configuration copy.",
                    "Nothing to do: the next copy written while PostgreSQL answers includes it.", false, null, null,
                    List.of());
        } else {
            f = backup(runId, job, repo.get());
        }
        Instant finished = clock.instant().truncatedTo(ChronoUnit.MICROS);
        Instant next = job.schedule().flatMap(s -> s.nextAfter(finished)).orElse(null);
        OfflineJournal.Entry entry = new OfflineJournal.Entry(runId, job.id, job.repositoryId, slot, started,
                finished, f.state(), f.summary(), f.failureKind(), f.message(), f.hint(), f.transientFailure(),
                f.exitCode(), f.unreadable(), next);
        try {
            journal.append(entry);
        } catch (java.io.IOException e) {
            LOG.errorf("offline backup %s of job %s (%s) could not be written to the journal %s: %s", runId,
                    job.name, f.state(), journal.file(), e.getMessage());
        }
        ConfigCache.Document updated = doc.with(cached.withNextRunAt(next));
        if (copy == doc) {
            copy = updated;
        }
        try {
            // A restart while PostgreSQL is still down then does not run the same planned start again.
            cache.write(updated);
        } catch (java.io.IOException e) {
            LOG.warnf("the configuration copy %s cannot be updated: %s", cache.file(), e.getMessage());
        }
        LOG.infof("offline backup %s of job %s ended %s%s; next planned start %s", runId, job.name, f.state(),
                f.summary() == null ? "" : " (snapshot " + f.summary().snapshotId() + ")", next);
    }

    private RunService.Finish backup(UUID runId, BackupJob job, ConfigCache.CachedRepository cached) {
        ResticRepo repo;
        try {
            var r = cached.toRepository();
            repo = new ResticRepo(r.url, secrets.openPassword(r), secrets.openSecrets(r), r.backendOptions);
        } catch (SecretBox.SecretBoxException e) {
            return RunOutcomes.failure("RESTIC_ERROR", "The repository's secrets do not open: " + e.getMessage(),
                    "Check asgard.backup.secrets.key and previous-keys.", false, null, null, List.of());
        }
        try {
            // The in-process guard only: lock-service may be unreachable too. Other agents sharing the repository
            // are not held off; restic's own repository locks still keep prune away from a running backup.
            return guard.hold(job.repositoryId, RepositoryGuard.Mode.SHARED, "offline backup " + runId,
                    () -> backupHeld(runId, job, repo));
        } catch (AsgardException e) {
            return RunOutcomes.failure("LOCK_UNAVAILABLE", e.detail(), "Another operation holds the repository; "
                    + "the next planned start tries again.", true, null, null, List.of());
        }
    }

    private RunService.Finish backupHeld(UUID runId, BackupJob job, ResticRepo repo) {
        Duration timeout = job.runTimeoutMs == null ? Duration.ofDays(30) : Duration.ofMillis(job.runTimeoutMs);
        Observed seen = new Observed();
        ResticExecution e = restic.backup(repo, List.of(job.paths), BackupArgs.of(job), m -> seen.accept(runId, m),
                timeout);
        execution = e;
        if (stopping) {
            e.cancel();
        }
        ResticResult result;
        try {
            result = e.await();
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            e.cancel();
            return RunOutcomes.failure("INTERRUPTED", "The agent was interrupted.", "The next planned start runs "
                    + "it again.", true, null, seen.lastStatus, List.copyOf(seen.unreadable));
        }
        List<String> missing = result.outcome() != ResticOutcome.SOURCE_MISSING ? List.of()
                : java.util.Arrays.stream(job.paths).filter(p -> !java.nio.file.Files.exists(java.nio.file.Path.of(p)))
                        .toList();
        return RunOutcomes.of(result, new RunOutcomes.Observed(seen.lastStatus, seen.summary,
                List.copyOf(seen.unreadable), false, stopping), repo, missing);
    }

    /** What restic reported during an offline backup; progress goes to the log only. */
    private static final class Observed {
        volatile BackupMessage.Status lastStatus;
        volatile BackupMessage.Summary summary;
        final List<String> unreadable = Collections.synchronizedList(new ArrayList<>());
        private long lastLogNanos = System.nanoTime();

        void accept(UUID runId, BackupMessage m) {
            switch (m) {
                case BackupMessage.Status s -> {
                    lastStatus = s;
                    long now = System.nanoTime();
                    if (now - lastLogNanos >= Duration.ofSeconds(10).toNanos()) {
                        lastLogNanos = now;
                        LOG.infof("offline backup %s: %.0f%% (%d of %d files)", runId, s.percentDone() * 100,
                                s.filesDone(), s.totalFiles());
                    }
                }
                case BackupMessage.Error err -> {
                    if (unreadable.size() < 1000 && err.item() != null) {
                        unreadable.add(err.item());
                    }
                }
                case BackupMessage.Summary s -> summary = s;
                case BackupMessage.Other o -> {
                }
            }
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stopRunning();
    }

    /** No further offline runs; the running one's restic gets SIGINT (it removes its lock; journalled interrupted). */
    private void stopRunning() {
        stopping = true;
        ResticExecution e = execution;
        if (e != null) {
            e.cancel();
        }
    }

}
