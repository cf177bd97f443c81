package dev.asgard.backup.mapping;

import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.rest.dto.JobRequest;
import dev.asgard.backup.rest.dto.JobView;

/** Job entity to REST view. */
@ApplicationScoped
public class JobMapper {

    /**
     * @param j the entity
     * @return the view
     */
    public JobView toView(BackupJob j) {
        JobRequest.ScheduleSpec schedule = j.scheduleCron == null && j.scheduleIntervalMs == null ? null
                : new JobRequest.ScheduleSpec(j.scheduleCron, iso(j.scheduleIntervalMs), j.timeZone,
                        j.scheduleJitterMs == 0 ? null : iso(j.scheduleJitterMs));
        JobRequest.RetentionSpec retention = !j.retentionSet ? null
                : new JobRequest.RetentionSpec(j.keepLast, j.keepHourly, j.keepDaily, j.keepWeekly, j.keepMonthly,
                        j.keepYearly, j.keepWithinMs == 0 ? null : iso(j.keepWithinMs), List.of(j.keepTags), j.prune);
        return new JobView(j.id.toString(), j.name, j.description, j.repositoryId.toString(), j.type,
                List.of(j.paths), List.of(j.excludes), j.excludeCaches, List.of(j.excludeIfPresent), j.oneFileSystem,
                j.excludeLargerThanBytes, List.of(j.tags), j.host, schedule, retention,
                new JobRequest.MissedRunSpec(j.missedRunMode, iso(j.missedRunGraceMs), j.maxCatchUpRuns),
                new JobRequest.RetrySpec(j.retryMaxAttempts, iso(j.retryInitialDelayMs), j.retryMultiplier,
                        iso(j.retryMaxDelayMs)),
                j.runHistoryLimit, iso(j.runTimeoutMs), j.enabled, j.nextRunAt, j.lastScheduledAt,
                j.lastRunId == null ? null : j.lastRunId.toString(), j.lastSuccessAt, j.createdAt, j.updatedAt,
                j.revision, !j.isPgDump() ? null : new JobRequest.PgDumpSpec(j.pgHost, j.pgPort, j.pgDatabase,
                        j.pgUsername, null, j.pgFormat, List.of(j.pgSchemas), List.of(j.pgExcludeTables),
                        j.pgDumpFilename(), j.pgSslMode, j.pgPasswordCiphertext != null), j.agentId);
    }

    private static String iso(Long millis) {
        return millis == null ? null : Duration.ofMillis(millis).toString();
    }
}
