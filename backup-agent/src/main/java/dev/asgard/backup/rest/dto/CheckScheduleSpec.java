package dev.asgard.backup.rest.dto;

/**
 * When backup-agent checks a repository by itself: exactly one of cron and interval. An object with neither
 * means "no scheduled checks" (checks on demand only).
 *
 * @param cron five-field cron expression such as {@code 0 4 * * 0}, or {@code @daily}, {@code @weekly}, ...
 * @param interval ISO-8601 duration between checks, at least PT1M, such as {@code P7D}
 * @param timeZone IANA time zone the cron expression is read in; default UTC
 * @param jitter ISO-8601 duration up to which each check is delayed at random (at most PT1H); default none
 */
public record CheckScheduleSpec(String cron, String interval, String timeZone, String jitter) {

    /** @return whether neither cron nor interval is given, which removes the schedule */
    public boolean isEmpty() {
        return (cron == null || cron.isBlank()) && (interval == null || interval.isBlank());
    }
}
