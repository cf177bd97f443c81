package dev.asgard.backup.service;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.proto.backup.v1.Run;
import dev.asgard.proto.backup.v1.RunKind;
import dev.asgard.proto.backup.v1.RunState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;

/**
 * Prometheus metrics of jobs, runs and repositories (names, tags and meaning in the README).
 * <p>
 * Gauges (a job's last success, a repository's snapshot count and size) show what PostgreSQL holds, so every
 * replica shows the same value and a restart loses nothing: they are read at start and every
 * {@code asgard.backup.metrics.refresh-interval} (30 s); meters of deleted jobs and repositories go away then, and
 * those of a renamed job start over under the new name. Counters and the duration histogram count the runs this
 * process executed since it started (Prometheus convention: {@code rate()} and {@code sum()} across replicas).
 * <p>
 * A run is counted when it ends, observed on {@link RunUpdates}: a run published as RUNNING here (the executor
 * does so when it claims it) and later in a terminal state is counted once. A queued run cancelled before it
 * started was never executed and is not counted; neither is a run whose job was deleted meanwhile.
 * <p>
 * Cardinality: per job one last-success series, counters per outcome and failure kind that occurred (five outcomes,
 * about fifteen failure kinds, in practice a handful), the histogram ({@link #DURATION_BUCKETS} buckets) per
 * outcome that occurred; per repository three series; restores per repository and outcome. Run ids, paths and
 * snapshot ids never become tags.
 */
@ApplicationScoped
public class BackupMetrics {

    /** Runs by job and outcome ({@code asgard_backup_runs_total}). */
    public static final String RUNS = "asgard.backup.runs";
    /** Run durations ({@code asgard_backup_run_duration_seconds}, a histogram). */
    public static final String RUN_DURATION = "asgard.backup.run.duration";
    /** Files restic processed ({@code asgard_backup_run_files_processed_total}). */
    public static final String FILES_PROCESSED = "asgard.backup.run.files_processed";
    /** Bytes added to the repository ({@code asgard_backup_run_added_bytes_total}). */
    public static final String BYTES_ADDED = "asgard.backup.run.added";
    /** A job's last successful (or partial) run ({@code asgard_backup_job_last_success_timestamp_seconds}). */
    public static final String LAST_SUCCESS = "asgard.backup.job.last_success.timestamp";
    /** Snapshots in a repository ({@code asgard_backup_repository_snapshots}). */
    public static final String SNAPSHOTS = "asgard.backup.repository.snapshots";
    /** Stored size of a repository ({@code asgard_backup_repository_size_bytes}). */
    public static final String SIZE = "asgard.backup.repository.size";
    /** When the repository was last observed ({@code asgard_backup_repository_observed_timestamp_seconds}). */
    public static final String OBSERVED = "asgard.backup.repository.observed.timestamp";
    /** Restores by repository and outcome ({@code asgard_backup_restores_total}). */
    public static final String RESTORES = "asgard.backup.restores";

    /** Histogram buckets: backups last from seconds to hours. */
    static final Duration[] DURATION_BUCKETS = { Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1),
            Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofMinutes(30), Duration.ofHours(1),
            Duration.ofHours(2), Duration.ofHours(4), Duration.ofHours(8), Duration.ofHours(24) };

    private static final Set<String> JOB_METERS = Set.of(RUNS, RUN_DURATION, FILES_PROCESSED, BYTES_ADDED,
            LAST_SUCCESS);
    private static final Set<String> REPOSITORY_METERS = Set.of(SNAPSHOTS, SIZE, OBSERVED, RESTORES);

    private static final Logger LOG = Logger.getLogger(BackupMetrics.class);

    private final MeterRegistry registry;
    private final Pool pool;
    private final String selectJobs;
    private final String selectRepositories;
    private final RunUpdates updates;
    private final Executor worker;
    private final Map<UUID, JobGauges> jobs = new ConcurrentHashMap<>();
    private final Map<UUID, RepositoryGauges> repositories = new ConcurrentHashMap<>();
    /** Runs seen RUNNING here and not ended yet (a run whose end was never recorded stays until the restart). */
    private final Set<String> executing = ConcurrentHashMap.newKeySet();

    @Inject
    public BackupMetrics(MeterRegistry registry, Pool pool, RunUpdates updates,
            @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") Optional<String> schema) {
        this(registry, pool, updates, schema, Infrastructure.getDefaultWorkerPool());
    }

    /**
     * @param registry where the meters go
     * @param pool the reactive PostgreSQL pool
     * @param updates the runs' changes
     * @param schema the service's schema (Hibernate's default schema), which holds {@code job} and {@code repository}
     * @param worker where ended runs are counted (off the publisher's thread)
     */
    BackupMetrics(MeterRegistry registry, Pool pool, RunUpdates updates, Optional<String> schema, Executor worker) {
        this.registry = registry;
        this.pool = pool;
        this.updates = updates;
        this.worker = worker;
        String prefix = schema.filter(s -> !s.isBlank()).map(s -> "\"" + s.replace("\"", "\"\"") + "\".").orElse("");
        this.selectJobs = "SELECT id, name, repository_id, last_success_at FROM " + prefix + "job";
        this.selectRepositories = "SELECT id, name, snapshot_count, size_bytes, observed_at FROM " + prefix
                + "repository";
    }

    /** A job's gauge and the tags of all its meters. */
    static final class JobGauges {
        final UUID id;
        final String name;
        final UUID repositoryId;
        final Tags tags;
        volatile double lastSuccessSeconds;

        JobGauges(UUID id, String name, UUID repositoryId) {
            this.id = id;
            this.name = name;
            this.repositoryId = repositoryId;
            this.tags = Tags.of("job_id", id.toString(), "job_name", name, "repository_id", repositoryId.toString());
        }
    }

    /** A repository's gauges; NaN until restic was asked (refresh, init, check). */
    static final class RepositoryGauges {
        final UUID id;
        final String name;
        volatile double snapshots = Double.NaN;
        volatile double sizeBytes = Double.NaN;
        volatile double observedSeconds = Double.NaN;

        RepositoryGauges(UUID id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    // Before RunExecutor's start observer, which may claim a run at once: its RUNNING must be seen.
    void onStart(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) StartupEvent event) {
        updates.changes().subscribe().with(this::onChange, e -> LOG.warnf("run metrics stopped: %s", e));
    }

    /**
     * Reads the gauges' values from PostgreSQL (jobs, their last success, repositories and what was last observed
     * about them) and drops the meters of jobs and repositories that are gone.
     *
     * @return done
     */
    @Scheduled(every = "${asgard.backup.metrics.refresh-interval:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> refresh() {
        // Plain SQL: a read-only projection needs no entity session, and no HQL parse on the event loop at start.
        return pool.query(selectJobs).execute().map(BackupMetrics::rows)
                .chain(jobList -> pool.query(selectRepositories).execute().map(BackupMetrics::rows)
                        .invoke(repositoryList -> apply(jobList, repositoryList)))
                .onFailure().invoke(e -> LOG.warnf("refreshing backup metrics failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private static List<Object[]> rows(RowSet<Row> rows) {
        List<Object[]> list = new java.util.ArrayList<>(rows.size());
        for (Row row : rows) {
            Object[] values = new Object[row.size()];
            for (int i = 0; i < values.length; i++) {
                Object v = row.getValue(i);
                values[i] = v instanceof OffsetDateTime t ? t.toInstant() : v;
            }
            list.add(values);
        }
        return list;
    }

    /**
     * @param jobList rows of id, name, repository id, last success
     * @param repositoryList rows of id, name, snapshot count, size, observed at
     */
    synchronized void apply(List<Object[]> jobList, List<Object[]> repositoryList) {
        Map<UUID, Object[]> seen = new HashMap<>();
        for (Object[] row : jobList) {
            UUID id = (UUID) row[0];
            seen.put(id, row);
            JobGauges g = jobs.get(id);
            if (g == null || !g.name.equals(row[1]) || !g.repositoryId.equals(row[2])) {
                if (g != null) {
                    remove(JOB_METERS, "job_id", id);
                }
                g = new JobGauges(id, (String) row[1], (UUID) row[2]);
                Gauge.builder(LAST_SUCCESS, g, j -> j.lastSuccessSeconds).tags(g.tags).baseUnit("seconds")
                        .description("End of the job's last successful or partial run (0: none yet)")
                        .strongReference(true).register(registry);
                jobs.put(id, g);
            }
            // Only forward: a run that just ended may be newer than what this read saw.
            g.lastSuccessSeconds = Math.max(g.lastSuccessSeconds, seconds((Instant) row[3], 0));
        }
        for (UUID gone : jobs.keySet().stream().filter(id -> !seen.containsKey(id)).toList()) {
            jobs.remove(gone);
            remove(JOB_METERS, "job_id", gone);
        }
        seen.clear();
        for (Object[] row : repositoryList) {
            UUID id = (UUID) row[0];
            seen.put(id, row);
            RepositoryGauges g = repositories.get(id);
            if (g == null || !g.name.equals(row[1])) {
                if (g != null) {
                    remove(REPOSITORY_METERS, "repository_id", id);
                }
                g = register(new RepositoryGauges(id, (String) row[1]));
                repositories.put(id, g);
            }
            g.snapshots = row[2] == null ? Double.NaN : ((Long) row[2]).doubleValue();
            g.sizeBytes = row[3] == null ? Double.NaN : ((Long) row[3]).doubleValue();
            g.observedSeconds = seconds((Instant) row[4], Double.NaN);
        }
        for (UUID gone : repositories.keySet().stream().filter(id -> !seen.containsKey(id)).toList()) {
            repositories.remove(gone);
            remove(REPOSITORY_METERS, "repository_id", gone);
        }
    }

    private RepositoryGauges register(RepositoryGauges g) {
        Tags tags = Tags.of("repository_id", g.id.toString(), "repository_name", g.name);
        Gauge.builder(SNAPSHOTS, g, r -> r.snapshots).tags(tags).strongReference(true)
                .description("Snapshots in the repository when it was last observed").register(registry);
        Gauge.builder(SIZE, g, r -> r.sizeBytes).tags(tags).baseUnit("bytes").strongReference(true)
                .description("Stored size of the repository (restic stats raw-data) when it was last observed")
                .register(registry);
        Gauge.builder(OBSERVED, g, r -> r.observedSeconds).tags(tags).baseUnit("seconds").strongReference(true)
                .description("When restic last answered about the repository (refresh, init, check)")
                .register(registry);
        return g;
    }

    private void remove(Set<String> names, String tag, UUID id) {
        String value = id.toString();
        for (Meter m : registry.getMeters()) {
            if (names.contains(m.getId().getName()) && value.equals(m.getId().getTag(tag))) {
                registry.remove(m);
            }
        }
    }

    // Called while RunUpdates' publisher waits: only bookkeeping here, the counting on a worker thread.
    void onChange(Run run) {
        try {
            if (run.getState() == RunState.RUN_STATE_RUNNING) {
                executing.add(run.getRunId());
            } else if (RunUpdates.terminal(run.getState()) && executing.remove(run.getRunId())) {
                worker.execute(() -> ended(run));
            }
        } catch (RuntimeException e) {
            LOG.warnf("run %s not counted: %s", run.getRunId(), e.getMessage());
        }
    }

    /**
     * Counts a run that ended here.
     *
     * @param run the run in its terminal state
     */
    void ended(Run run) {
        try {
            String outcome = label(run.getState().name(), "RUN_STATE_");
            String failure = run.hasFailure() ? label(run.getFailure().getKind().name(), "FAILURE_KIND_") : "none";
            if (run.getKind() == RunKind.RUN_KIND_RESTORE) {
                Counter.builder(RESTORES).tags("repository_id", run.getRepositoryId(), "outcome", outcome,
                        "failure_kind", failure).description("Restores this agent executed, by how they ended")
                        .register(registry).increment();
                return;
            }
            if (run.getKind() != RunKind.RUN_KIND_BACKUP || run.getJobId().isEmpty()) {
                return;
            }
            UUID jobId = UUID.fromString(run.getJobId());
            if (!jobs.containsKey(jobId)) {
                // A job created since the last refresh (outside the lock: the refresh takes it too).
                refresh().await().indefinitely();
            }
            count(jobId, run, outcome, failure);
        } catch (Throwable e) {
            LOG.warnf("run %s not counted: %s", run.getRunId(), e.getMessage());
        }
    }

    // Under the lock of apply(), so a refresh that renames or deletes the job never leaves meters of its old name.
    private synchronized void count(UUID jobId, Run run, String outcome, String failure) {
        JobGauges job = jobs.get(jobId);
        if (job == null) {
            return;
        }
        Counter.builder(RUNS).tags(job.tags).tag("outcome", outcome).tag("failure_kind", failure)
                .description("Runs this agent executed, by how they ended").register(registry).increment();
        if (run.hasStartTime() && run.hasEndTime()) {
            Timer.builder(RUN_DURATION).tags(job.tags).tag("outcome", outcome)
                    .description("How long runs took, from start to end (retention included)")
                    .serviceLevelObjectives(DURATION_BUCKETS).register(registry)
                    .record(Duration.between(RunMapper.instant(run.getStartTime()),
                            RunMapper.instant(run.getEndTime())));
        }
        if (run.hasBackupSummary()) {
            Counter.builder(FILES_PROCESSED).tags(job.tags).description("Files restic processed in runs")
                    .register(registry).increment(run.getBackupSummary().getTotalFilesProcessed());
            Counter.builder(BYTES_ADDED).tags(job.tags).baseUnit("bytes")
                    .description("Bytes runs added to the repository (after deduplication)").register(registry)
                    .increment(run.getBackupSummary().getDataAddedBytes());
        }
        if ((run.getState() == RunState.RUN_STATE_SUCCEEDED || run.getState() == RunState.RUN_STATE_PARTIAL)
                && run.hasEndTime()) {
            job.lastSuccessSeconds = Math.max(job.lastSuccessSeconds, seconds(RunMapper.instant(run.getEndTime()), 0));
        }
    }

    private static String label(String enumName, String prefix) {
        return (enumName.startsWith(prefix) ? enumName.substring(prefix.length()) : enumName)
                .toLowerCase(Locale.ROOT);
    }

    private static double seconds(Instant at, double absent) {
        return at == null ? absent : at.getEpochSecond() + at.getNano() / 1e9;
    }
}
