package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * Body of {@code POST /api/v1/jobs} and {@code PUT /api/v1/jobs/{id}} (the whole job; absent optional fields take
 * their defaults). Durations are ISO-8601 ({@code PT1H}, {@code P7D}).
 *
 * @param name unique DNS label
 * @param description free text, at most 1024 characters
 * @param repositoryId the repository the snapshots go to
 * @param paths absolute paths to back up (at least one; none for a pg_dump job)
 * @param excludes {@code restic --exclude} patterns
 * @param excludeCaches skip folders holding a CACHEDIR.TAG
 * @param excludeIfPresent skip folders holding a file of one of these names
 * @param oneFileSystem do not cross file system boundaries
 * @param excludeLargerThanBytes skip larger files; 0 or absent: no limit
 * @param tags tags put on every snapshot (besides {@code asgard-job=<id>})
 * @param host host name recorded in snapshots; empty: restic's default
 * @param schedule when it runs by itself; absent: only by hand
 * @param retention which snapshots to keep after each successful backup; absent: keep all
 * @param missedRunPolicy what to do about starts missed while the agent was down
 * @param retryPolicy retries of transient failures
 * @param runHistoryLimit runs kept in the history (default 100)
 * @param runTimeout a run still going after this long is cancelled; absent: no limit
 * @param enabled whether the schedule is active (default true)
 * @param pgDump instead of paths: a PostgreSQL database dumped with pg_dump into {@code restic backup --stdin}
 * @param agentId the agent instance ({@code asgard.backup.runs.agent-id}) that runs it; absent: any agent
 */
public record JobRequest(String name, String description, String repositoryId, List<String> paths,
        List<String> excludes, Boolean excludeCaches, List<String> excludeIfPresent, Boolean oneFileSystem,
        Long excludeLargerThanBytes, List<String> tags, String host, ScheduleSpec schedule, RetentionSpec retention,
        MissedRunSpec missedRunPolicy, RetrySpec retryPolicy, Integer runHistoryLimit, String runTimeout,
        Boolean enabled, PgDumpSpec pgDump, String agentId) {

    /**
     * A database to dump. The password is write-only: stored encrypted, handed to pg_dump in its environment
     * ({@code PGPASSWORD}); on PUT an absent password keeps the stored one.
     *
     * @param host server host name or socket folder
     * @param port server port (default 5432)
     * @param database the database
     * @param username the user
     * @param password the password (write-only)
     * @param format custom (default) or plain
     * @param schemas only these schemas
     * @param excludeTables tables to leave out
     * @param stdinFilename file name in the snapshot (default database.dump or database.sql)
     * @param sslMode libpq sslmode (disable, allow, prefer, require, verify-ca, verify-full)
     * @param passwordSet in views: whether a password is stored
     */
    public record PgDumpSpec(String host, Integer port, String database, String username, String password,
            String format, List<String> schemas, List<String> excludeTables, String stdinFilename, String sslMode,
            Boolean passwordSet) {

        @Override
        public String toString() {
            return "PgDumpSpec[host=" + host + ", database=" + database + ", user=" + username + "]";
        }
    }

    /**
     * A schedule: exactly one of cron and interval.
     *
     * @param cron five-field cron expression or @hourly/@daily/@weekly/@monthly/@yearly
     * @param interval ISO-8601 duration, at least PT1M
     * @param timeZone IANA zone the cron expression is read in (default UTC)
     * @param jitter ISO-8601 duration: each scheduled start waits a random delay up to this much (at most PT1H
     *        and half the interval), so many agents do not start at the same second; absent: none
     */
    public record ScheduleSpec(String cron, String interval, String timeZone, String jitter) {
    }

    /**
     * Retention ({@code restic forget --keep-*}); a snapshot is kept when any rule keeps it.
     *
     * @param keepLast keep the last n
     * @param keepHourly keep one per hour for n hours
     * @param keepDaily keep one per day for n days
     * @param keepWeekly keep one per week for n weeks
     * @param keepMonthly keep one per month for n months
     * @param keepYearly keep one per year for n years
     * @param keepWithin keep all younger than this (ISO-8601, whole hours)
     * @param keepTags keep all with one of these tags
     * @param prune remove unreferenced data afterwards
     */
    public record RetentionSpec(Integer keepLast, Integer keepHourly, Integer keepDaily, Integer keepWeekly,
            Integer keepMonthly, Integer keepYearly, String keepWithin, List<String> keepTags, Boolean prune) {
    }

    /**
     * @param mode run-once (default), skip or run-all
     * @param gracePeriod a start missed by at most this long runs as if on time (default PT5M)
     * @param maxCatchUpRuns bound of run-all (default 3)
     */
    public record MissedRunSpec(String mode, String gracePeriod, Integer maxCatchUpRuns) {
    }

    /**
     * @param maxAttempts attempts in total, including the first (default 3; 1 = no retry)
     * @param initialDelay delay before the first retry (default PT1M)
     * @param multiplier growth of the delay (default 2.0)
     * @param maxDelay upper bound of the delay (default PT1H)
     */
    public record RetrySpec(Integer maxAttempts, String initialDelay, Double multiplier, String maxDelay) {
    }
}
