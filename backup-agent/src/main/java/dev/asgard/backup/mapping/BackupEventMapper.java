package dev.asgard.backup.mapping;

import java.time.Duration;
import java.time.Instant;

import com.google.protobuf.Timestamp;

import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.service.CheckReport;
import dev.asgard.proto.backup.v1.CheckOutcome;
import dev.asgard.proto.backup.v1.CheckResult;
import dev.asgard.proto.events.v1.RepositoryCheckCompleted;
import dev.asgard.proto.events.v1.SnapshotForgotten;

/** Event payloads of snapshots and maintenance. They carry ids, outcomes and restic's findings, never a secret. */
public final class BackupEventMapper {

    /** ce_type of {@link SnapshotForgotten}. */
    public static final String SNAPSHOT_FORGOTTEN = "asgard.backup.snapshot.forgotten";
    /** ce_type of {@link RepositoryCheckCompleted}. */
    public static final String CHECK_COMPLETED = "asgard.backup.repository.check_completed";

    private BackupEventMapper() {
    }

    /**
     * @param repositoryId the repository
     * @param snapshot the snapshot
     * @param byPolicy whether a retention policy forgot it
     * @param pruned whether data was pruned afterwards
     * @param at when
     * @return the event
     */
    public static SnapshotForgotten forgotten(String repositoryId, ResticSnapshot snapshot, boolean byPolicy,
            boolean pruned, Instant at) {
        return SnapshotForgotten.newBuilder().setSnapshotId(snapshot.id()).setRepositoryId(repositoryId)
                .setChangeTime(timestamp(at)).setByPolicy(byPolicy).setPruned(pruned)
                .setJobId(SnapshotMapper.jobId(snapshot.tags())).build();
    }

    /**
     * @param report the check
     * @param at when it finished
     * @return the event
     */
    public static RepositoryCheckCompleted checkCompleted(CheckReport report, Instant at) {
        return checkCompleted(report, at, false);
    }

    /**
     * @param report the check
     * @param at when it finished
     * @param scheduled whether the check scheduler started it
     * @return the event
     */
    public static RepositoryCheckCompleted checkCompleted(CheckReport report, Instant at, boolean scheduled) {
        return RepositoryCheckCompleted.newBuilder().setRepositoryId(report.repositoryId())
                .setChangeTime(timestamp(at)).setResult(checkResult(report)).setScheduled(scheduled).build();
    }

    /**
     * @param report the check
     * @return it as a proto message
     */
    public static CheckResult checkResult(CheckReport report) {
        return CheckResult.newBuilder().setRepositoryId(report.repositoryId())
                .setOutcome(switch (report.outcome()) {
                    case PASSED -> CheckOutcome.CHECK_OUTCOME_PASSED;
                    case ERRORS_FOUND -> CheckOutcome.CHECK_OUTCOME_ERRORS_FOUND;
                    case FAILED -> CheckOutcome.CHECK_OUTCOME_FAILED;
                })
                .setReadData(report.readData()).setReadDataSubset(report.readDataSubset())
                .addAllErrors(report.errors()).setHint(report.hint())
                .setStartTime(timestamp(report.startTime())).setDuration(duration(report.duration())).build();
    }

    static Timestamp timestamp(Instant i) {
        return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
    }

    static com.google.protobuf.Duration duration(Duration d) {
        return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
    }
}
