package dev.asgard.backup.rest.dto;

import java.time.Instant;
import java.util.List;

/**
 * A job as shown to administrators. Durations are ISO-8601.
 *
 * @param id job id
 * @param name name
 * @param description description
 * @param repositoryId repository
 * @param type files or pg_dump
 * @param paths sources
 * @param excludes exclude patterns
 * @param excludeCaches --exclude-caches
 * @param excludeIfPresent --exclude-if-present names
 * @param oneFileSystem --one-file-system
 * @param excludeLargerThanBytes --exclude-larger-than; 0 none
 * @param tags snapshot tags
 * @param host snapshot host
 * @param schedule schedule, null when started by hand only
 * @param retention retention, null when everything is kept
 * @param missedRunPolicy missed-run policy
 * @param retryPolicy retry policy
 * @param runHistoryLimit runs kept
 * @param runTimeout timeout, null none
 * @param enabled whether the schedule is active
 * @param nextRunTime next planned start
 * @param lastScheduledTime last planned start that passed
 * @param lastRunId most recent run
 * @param lastSuccessTime when it last succeeded
 * @param createTime created
 * @param updateTime last changed
 * @param revision incremented on every change (also the ETag)
 * @param pgDump the database of a pg_dump job (never its password), null for files jobs
 * @param agentId the agent instance that runs it; null: any agent
 */
public record JobView(String id, String name, String description, String repositoryId, String type,
        List<String> paths, List<String> excludes, boolean excludeCaches, List<String> excludeIfPresent,
        boolean oneFileSystem, long excludeLargerThanBytes, List<String> tags, String host,
        JobRequest.ScheduleSpec schedule, JobRequest.RetentionSpec retention, JobRequest.MissedRunSpec missedRunPolicy,
        JobRequest.RetrySpec retryPolicy, int runHistoryLimit, String runTimeout, boolean enabled,
        Instant nextRunTime, Instant lastScheduledTime, String lastRunId, Instant lastSuccessTime, Instant createTime,
        Instant updateTime, long revision, JobRequest.PgDumpSpec pgDump, String agentId) {
}
