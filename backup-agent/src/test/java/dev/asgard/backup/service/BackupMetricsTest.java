package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.mapping.RunMapper;
import dev.asgard.proto.backup.v1.BackupSummary;
import dev.asgard.proto.backup.v1.FailureKind;
import dev.asgard.proto.backup.v1.Run;
import dev.asgard.proto.backup.v1.RunFailure;
import dev.asgard.proto.backup.v1.RunKind;
import dev.asgard.proto.backup.v1.RunState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

/** How runs are counted and gauges follow the stored rows, without a database (plain registry, runs as protos). */
class BackupMetricsTest {

    static final UUID JOB = UUID.randomUUID();
    static final UUID REPO = UUID.randomUUID();
    static final Instant START = Instant.parse("2026-11-20T02:00:00Z");
    static final Instant END = START.plusSeconds(95);

    SimpleMeterRegistry registry;
    RunUpdates updates;
    BackupMetrics metrics;

    @BeforeEach
    void setUp() {
        registry = new SimpleMeterRegistry();
        updates = new RunUpdates();
        metrics = new BackupMetrics(registry, null, updates, java.util.Optional.empty(), Runnable::run);
        metrics.onStart(null);
        metrics.apply(List.<Object[]> of(new Object[] { JOB, "nightly", REPO, null }), List.of());
    }

    @Test
    void aRunIsCountedOnceWhenItEndsEvenIfItsEndIsPublishedAgain() {
        String id = UUID.randomUUID().toString();
        updates.publish(run(id, RunState.RUN_STATE_RUNNING).build());
        updates.publish(run(id, RunState.RUN_STATE_RUNNING).build());
        Run ended = run(id, RunState.RUN_STATE_SUCCEEDED).setStartTime(RunMapper.timestamp(START))
                .setEndTime(RunMapper.timestamp(END)).setBackupSummary(BackupSummary.newBuilder().setSnapshotId("ab")
                        .setTotalFilesProcessed(12).setDataAddedBytes(4096)).build();
        updates.publish(ended);
        // A cancel of an ended run publishes it once more.
        updates.publish(ended);

        assertEquals(1.0, runs("succeeded", "none"));
        assertEquals(1, registry.get(BackupMetrics.RUN_DURATION).tag("outcome", "succeeded").timer().count());
        assertEquals(95.0, registry.get(BackupMetrics.RUN_DURATION).timer().totalTime(
                java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(12.0, registry.get(BackupMetrics.FILES_PROCESSED).counter().count());
        assertEquals(4096.0, registry.get(BackupMetrics.BYTES_ADDED).counter().count());
        assertEquals(END.getEpochSecond(), (long) lastSuccess());
    }

    @Test
    void failuresCarryTheirKindAndLeaveTheLastSuccessAlone() {
        String id = UUID.randomUUID().toString();
        updates.publish(run(id, RunState.RUN_STATE_RUNNING).build());
        updates.publish(run(id, RunState.RUN_STATE_INTERRUPTED).setFailure(RunFailure.newBuilder()
                .setKind(FailureKind.FAILURE_KIND_INTERRUPTED)).build());
        assertEquals(1.0, runs("interrupted", "interrupted"));
        assertEquals(0.0, lastSuccess());
    }

    @Test
    void runsNotExecutedHereAreNotCounted() {
        // A queued run cancelled before it started.
        updates.publish(run(UUID.randomUUID().toString(), RunState.RUN_STATE_CANCELLED).build());
        // A run executing on another replica, cancelled through this one.
        String elsewhere = UUID.randomUUID().toString();
        updates.publish(run(elsewhere, RunState.RUN_STATE_CANCELLING).build());
        updates.publish(run(elsewhere, RunState.RUN_STATE_CANCELLED).build());
        assertNull(registry.find(BackupMetrics.RUNS).counter());
    }

    @Test
    void restoresAreCountedApartFromTheJobs() {
        String id = UUID.randomUUID().toString();
        updates.publish(run(id, RunState.RUN_STATE_RUNNING).setKind(RunKind.RUN_KIND_RESTORE).clearJobId().build());
        updates.publish(run(id, RunState.RUN_STATE_FAILED).setKind(RunKind.RUN_KIND_RESTORE).clearJobId()
                .setFailure(RunFailure.newBuilder().setKind(FailureKind.FAILURE_KIND_PERMISSION_DENIED)).build());
        assertEquals(1.0, registry.get(BackupMetrics.RESTORES).tag("repository_id", REPO.toString())
                .tag("outcome", "failed").tag("failure_kind", "permission_denied").counter().count());
        assertNull(registry.find(BackupMetrics.RUNS).counter());
    }

    @Test
    void gaugesFollowTheStoredRows() {
        Instant later = END.plusSeconds(3600);
        metrics.apply(List.<Object[]> of(new Object[] { JOB, "nightly", REPO, later }), List.<Object[]> of(
                new Object[] { REPO, "nas", null, null, null }));
        assertEquals(later.getEpochSecond(), (long) lastSuccess());
        assertTrue(Double.isNaN(registry.get(BackupMetrics.SNAPSHOTS).gauge().value()), "never observed");

        // Forward only: a read that started before a run ended must not move the last success back.
        metrics.apply(List.<Object[]> of(new Object[] { JOB, "nightly", REPO, END }), List.<Object[]> of(
                new Object[] { REPO, "nas", 7L, 1_000_000L, END }));
        assertEquals(later.getEpochSecond(), (long) lastSuccess());
        assertEquals(7.0, registry.get(BackupMetrics.SNAPSHOTS).gauge().value());
        assertEquals(1_000_000.0, registry.get(BackupMetrics.SIZE).gauge().value());
        assertEquals(END.getEpochSecond(), (long) registry.get(BackupMetrics.OBSERVED).gauge().value());

        // Renamed: its meters start over under the new name; the old series are gone.
        String id = UUID.randomUUID().toString();
        updates.publish(run(id, RunState.RUN_STATE_RUNNING).build());
        updates.publish(run(id, RunState.RUN_STATE_CANCELLED).build());
        metrics.apply(List.<Object[]> of(new Object[] { JOB, "nightly-nas", REPO, later }), List.<Object[]> of(
                new Object[] { REPO, "nas", 7L, 1_000_000L, END }));
        assertTrue(registry.find(BackupMetrics.RUNS).tag("job_name", "nightly").meters().isEmpty());
        assertTrue(registry.find(BackupMetrics.LAST_SUCCESS).tag("job_name", "nightly").meters().isEmpty());
        assertEquals(later.getEpochSecond(), (long) registry.get(BackupMetrics.LAST_SUCCESS)
                .tag("job_name", "nightly-nas").gauge().value());

        // Deleted: nothing of the job or the repository is left.
        metrics.apply(List.of(), List.of());
        assertTrue(registry.getMeters().isEmpty(), registry.getMeters().toString());
    }

    private double runs(String outcome, String failureKind) {
        Counter c = registry.get(BackupMetrics.RUNS).tag("job_id", JOB.toString()).tag("job_name", "nightly")
                .tag("repository_id", REPO.toString()).tag("outcome", outcome).tag("failure_kind", failureKind)
                .counter();
        return c.count();
    }

    private double lastSuccess() {
        Gauge g = registry.get(BackupMetrics.LAST_SUCCESS).tag("job_id", JOB.toString()).gauge();
        return g.value();
    }

    private static Run.Builder run(String id, RunState state) {
        return Run.newBuilder().setRunId(id).setKind(RunKind.RUN_KIND_BACKUP).setJobId(JOB.toString())
                .setRepositoryId(REPO.toString()).setState(state);
    }
}
