package dev.asgard.backup.service;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

import dev.asgard.backup.domain.MissedRunPolicy;
import dev.asgard.backup.domain.RetryPolicy;
import dev.asgard.backup.domain.Schedule;
import dev.asgard.backup.entity.BackupJob;
import dev.asgard.backup.rest.dto.JobRequest;
import dev.asgard.commons.error.Validation;

/**
 * Input rules of jobs. {@link #read} checks a whole request, records each broken rule as a field violation that
 * says what to fix, and fills a detached {@link BackupJob} with the values (defaults for absent optional fields).
 */
public final class JobValidation {

    static final int MAX_PATHS = 64;
    static final int MAX_PATH = 4096;
    static final int MAX_PATTERNS = 256;
    static final int MAX_PATTERN = 1024;
    static final int MAX_TAGS = 32;
    static final int MAX_KEEP = 100_000;
    static final int MAX_HISTORY = 10_000;
    static final Duration MAX_INTERVAL = Duration.ofDays(366);
    static final Duration MAX_JITTER = Duration.ofHours(1);
    static final Duration MAX_GRACE = Duration.ofDays(7);
    static final Duration MAX_RETRY_DELAY = Duration.ofDays(1);

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    // restic separates tags with ',' on its command line; '=' is allowed for key=value tags.
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:=@+-]{0,127}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?");
    private static final Pattern AGENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,253}");

    private JobValidation() {
    }

    /**
     * @param v violations
     * @param r the request
     * @return the job's values (id, times and scheduler state unset); meaningful only when {@code v} is valid
     */
    public static BackupJob read(Validation v, JobRequest r) {
        BackupJob j = new BackupJob();
        if (r.name() == null || r.name().isBlank()) {
            v.add("name", "is required");
        } else if (!NAME.matcher(r.name()).matches()) {
            v.add("name", "must be a DNS label: lower-case letters, digits and '-', 1 to 63 characters, "
                    + "starting and ending with a letter or digit");
        }
        j.name = r.name();
        v.maxLength("description", r.description(), RepositoryValidation.MAX_DESCRIPTION);
        j.description = r.description() == null ? "" : r.description();
        j.repositoryId = uuid(v, "repositoryId", r.repositoryId());
        if (r.pgDump() != null) {
            j.type = "pg_dump";
            if (r.paths() != null && !r.paths().isEmpty()) {
                v.add("paths", "a pg_dump job has no paths: set either paths or pgDump");
            }
            pgDump(v, r.pgDump(), j);
        } else {
            j.paths = paths(v, r.paths());
        }
        j.excludes = patterns(v, "excludes", r.excludes());
        j.excludeCaches = Boolean.TRUE.equals(r.excludeCaches());
        j.excludeIfPresent = fileNames(v, "excludeIfPresent", r.excludeIfPresent());
        j.oneFileSystem = Boolean.TRUE.equals(r.oneFileSystem());
        long larger = r.excludeLargerThanBytes() == null ? 0 : r.excludeLargerThanBytes();
        v.check(larger >= 0, "excludeLargerThanBytes", "must be 0 (no limit) or a positive number of bytes");
        j.excludeLargerThanBytes = larger;
        j.tags = tags(v, "tags", r.tags());
        String host = r.host() == null ? "" : r.host();
        v.check(host.isEmpty() || HOST.matcher(host).matches(), "host",
                "must be a host name (letters, digits, '.', '-'), or empty for this machine's name");
        j.host = host;
        String agent = r.agentId() == null || r.agentId().isBlank() ? null : r.agentId();
        v.check(agent == null || AGENT_ID.matcher(agent).matches(), "agentId",
                "must be an agent id (asgard.backup.runs.agent-id: 1 to 253 letters, digits, '.', '_', '-'), or "
                        + "absent for any agent");
        j.agentId = agent;
        schedule(v, r.schedule(), j);
        retention(v, r.retention(), j);
        missed(v, r.missedRunPolicy(), j);
        retry(v, r.retryPolicy(), j);
        int history = r.runHistoryLimit() == null ? 100 : r.runHistoryLimit();
        v.check(history >= 1 && history <= MAX_HISTORY, "runHistoryLimit", "must be 1 to " + MAX_HISTORY);
        j.runHistoryLimit = history;
        if (r.runTimeout() != null) {
            Duration t = duration(v, "runTimeout", r.runTimeout(), Duration.ofMinutes(1), Duration.ofDays(7));
            j.runTimeoutMs = t == null ? null : t.toMillis();
        }
        j.enabled = r.enabled() == null || r.enabled();
        return j;
    }

    /**
     * @param v violations
     * @param field field name
     * @param id the id as given
     * @return the id, or null (a violation is added)
     */
    static UUID uuid(Validation v, String field, String id) {
        if (id == null || id.isBlank()) {
            v.add(field, "is required");
            return null;
        }
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            v.add(field, "must be a UUID such as 3f2b8c1e-...; list them with GET /api/v1/repositories");
            return null;
        }
    }

    private static String[] paths(Validation v, List<String> paths) {
        if (paths == null || paths.isEmpty()) {
            v.add("paths", "at least one absolute path to back up is required");
            return new String[0];
        }
        if (paths.size() > MAX_PATHS) {
            v.add("paths", "at most " + MAX_PATHS + " paths");
        }
        for (int i = 0; i < paths.size(); i++) {
            String p = paths.get(i);
            String field = "paths[" + i + "]";
            if (p == null || p.isBlank()) {
                v.add(field, "must not be empty");
            } else if (!p.startsWith("/")) {
                v.add(field, "must be an absolute path such as /srv/data, not '" + shorten(p) + "'");
            } else if (p.length() > MAX_PATH || p.chars().anyMatch(Character::isISOControl)) {
                v.add(field, "must be at most " + MAX_PATH + " characters without control characters");
            } else if (("/" + p + "/").contains("/../")) {
                v.add(field, "must not contain '..': name the folder directly");
            }
        }
        return paths.toArray(String[]::new);
    }

    private static final Pattern PG_NAME = Pattern.compile("[^\\p{Cntrl}]{1,256}");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");
    private static final java.util.Set<String> SSL_MODES = java.util.Set.of("disable", "allow", "prefer", "require",
            "verify-ca", "verify-full");

    private static void pgDump(Validation v, JobRequest.PgDumpSpec p, BackupJob j) {
        String host = p.host() == null || p.host().isBlank() ? "localhost" : p.host();
        v.check(HOST.matcher(host).matches() || host.startsWith("/") && !host.contains("..")
                && host.chars().noneMatch(Character::isISOControl), "pgDump.host",
                "must be a host name, an IP address or the absolute folder of the server's socket");
        j.pgHost = host;
        int port = p.port() == null ? 5432 : p.port();
        v.check(port >= 1 && port <= 65535, "pgDump.port", "must be 1 to 65535 (PostgreSQL's default is 5432)");
        j.pgPort = port;
        if (p.database() == null || !PG_NAME.matcher(p.database()).matches() || p.database().startsWith("-")) {
            v.add("pgDump.database", "is required: the database name, 1 to 256 characters, not starting with '-'");
        }
        j.pgDatabase = p.database();
        if (p.username() == null || !PG_NAME.matcher(p.username()).matches() || p.username().startsWith("-")) {
            v.add("pgDump.username", "is required: the database user");
        }
        j.pgUsername = p.username();
        if (p.password() != null && (p.password().isEmpty() || p.password().length() > 1024
                || p.password().indexOf('\0') >= 0)) {
            v.add("pgDump.password", "must be 1 to 1024 characters (leave it out to keep the stored one, or to "
                    + "use the server's trust or peer authentication)");
        }
        j.pgPasswordPlain = p.password();
        String format = p.format() == null || p.format().isBlank() ? "custom" : p.format().strip().toLowerCase(Locale.ROOT);
        v.check(format.equals("custom") || format.equals("plain"), "pgDump.format", "must be custom or plain");
        j.pgFormat = format;
        j.pgSchemas = pgNames(v, "pgDump.schemas", p.schemas());
        j.pgExcludeTables = pgNames(v, "pgDump.excludeTables", p.excludeTables());
        if (p.stdinFilename() != null && !p.stdinFilename().isBlank()) {
            v.check(FILE_NAME.matcher(p.stdinFilename()).matches(), "pgDump.stdinFilename",
                    "must be a file name of letters, digits, '.', '_' and '-', such as asgard.dump");
            j.pgStdinFilename = p.stdinFilename();
        }
        if (p.sslMode() != null && !p.sslMode().isBlank()) {
            v.check(SSL_MODES.contains(p.sslMode()), "pgDump.sslMode",
                    "must be one of disable, allow, prefer, require, verify-ca, verify-full");
            j.pgSslMode = p.sslMode();
        }
    }

    private static String[] pgNames(Validation v, String field, List<String> names) {
        if (names == null) {
            return new String[0];
        }
        if (names.size() > MAX_PATTERNS) {
            v.add(field, "at most " + MAX_PATTERNS + " entries");
        }
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (n == null || !PG_NAME.matcher(n).matches() || n.startsWith("-")) {
                v.add(field + "[" + i + "]", "must be a name or pattern such as public or audit_*, 1 to 256 "
                        + "characters, not starting with '-'");
            }
        }
        return names.toArray(String[]::new);
    }

    private static String[] patterns(Validation v, String field, List<String> patterns) {
        if (patterns == null) {
            return new String[0];
        }
        if (patterns.size() > MAX_PATTERNS) {
            v.add(field, "at most " + MAX_PATTERNS + " patterns");
        }
        for (int i = 0; i < patterns.size(); i++) {
            String p = patterns.get(i);
            if (p == null || p.isBlank() || p.length() > MAX_PATTERN || p.chars().anyMatch(Character::isISOControl)) {
                v.add(field + "[" + i + "]", "must be 1 to " + MAX_PATTERN
                        + " characters without control characters, e.g. '*.tmp' or '/srv/data/cache'");
            }
        }
        return patterns.toArray(String[]::new);
    }

    private static String[] fileNames(Validation v, String field, List<String> names) {
        if (names == null) {
            return new String[0];
        }
        if (names.size() > MAX_TAGS) {
            v.add(field, "at most " + MAX_TAGS + " names");
        }
        for (int i = 0; i < names.size(); i++) {
            String n = names.get(i);
            if (n == null || n.isBlank() || n.length() > 255 || n.contains("/") || n.equals(".") || n.equals("..")
                    || n.chars().anyMatch(Character::isISOControl)) {
                v.add(field + "[" + i + "]", "must be a file name (no '/'), such as .nobackup");
            }
        }
        return names.toArray(String[]::new);
    }

    private static String[] tags(Validation v, String field, List<String> tags) {
        if (tags == null) {
            return new String[0];
        }
        if (tags.size() > MAX_TAGS) {
            v.add(field, "at most " + MAX_TAGS + " tags");
        }
        for (int i = 0; i < tags.size(); i++) {
            String t = tags.get(i);
            if (t == null || !TAG.matcher(t).matches()) {
                v.add(field + "[" + i + "]", "must be 1 to 128 letters, digits or . _ : = @ + - (no ',' or spaces)");
            } else if (t.startsWith("asgard-job=")) {
                v.add(field + "[" + i + "]", "'asgard-job=' tags are set by backup-agent itself");
            }
        }
        return tags.toArray(String[]::new);
    }

    private static void schedule(Validation v, JobRequest.ScheduleSpec s, BackupJob j) {
        if (s == null) {
            return;
        }
        boolean cron = s.cron() != null && !s.cron().isBlank();
        boolean interval = s.interval() != null && !s.interval().isBlank();
        if (cron == interval) {
            v.add("schedule", "set exactly one of cron (e.g. '30 2 * * *') and interval (e.g. 'PT6H')");
        }
        String zone = s.timeZone() == null || s.timeZone().isBlank() ? "UTC" : s.timeZone();
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            v.add("schedule.timeZone", "must be an IANA time zone such as Europe/Berlin or UTC, not '"
                    + shorten(zone) + "'");
        }
        j.timeZone = zone;
        if (cron) {
            Schedule.CronExpressions.validate(s.cron()).ifPresent(problem -> v.add("schedule.cron", problem));
            j.scheduleCron = s.cron().strip();
        }
        if (interval) {
            Duration d = duration(v, "schedule.interval", s.interval(), Schedule.MIN_INTERVAL, MAX_INTERVAL);
            j.scheduleIntervalMs = d == null ? null : d.toMillis();
        }
        if (s.jitter() != null && !s.jitter().isBlank()) {
            Duration max = j.scheduleIntervalMs == null ? MAX_JITTER
                    : Duration.ofMillis(Math.min(MAX_JITTER.toMillis(), j.scheduleIntervalMs / 2));
            Duration d = duration(v, "schedule.jitter", s.jitter(), Duration.ZERO, max);
            j.scheduleJitterMs = d == null ? 0 : d.toMillis();
        }
    }

    private static void retention(Validation v, JobRequest.RetentionSpec r, BackupJob j) {
        if (r == null) {
            return;
        }
        j.retentionSet = true;
        j.keepLast = keep(v, "retention.keepLast", r.keepLast());
        j.keepHourly = keep(v, "retention.keepHourly", r.keepHourly());
        j.keepDaily = keep(v, "retention.keepDaily", r.keepDaily());
        j.keepWeekly = keep(v, "retention.keepWeekly", r.keepWeekly());
        j.keepMonthly = keep(v, "retention.keepMonthly", r.keepMonthly());
        j.keepYearly = keep(v, "retention.keepYearly", r.keepYearly());
        if (r.keepWithin() != null) {
            Duration d = duration(v, "retention.keepWithin", r.keepWithin(), Duration.ofHours(1),
                    Duration.ofDays(36_500));
            j.keepWithinMs = d == null ? 0 : d.toMillis();
        }
        j.keepTags = tags(v, "retention.keepTags", r.keepTags());
        j.prune = Boolean.TRUE.equals(r.prune());
        if (j.keepLast + j.keepHourly + j.keepDaily + j.keepWeekly + j.keepMonthly + j.keepYearly == 0
                && j.keepWithinMs == 0 && j.keepTags.length == 0) {
            // restic forget without any rule removes nothing; a policy that keeps nothing is almost surely a mistake.
            v.add("retention", "set at least one rule (keepLast, keepDaily, keepWithin, ...), or leave retention out "
                    + "to keep every snapshot");
        }
    }

    private static int keep(Validation v, String field, Integer n) {
        int value = n == null ? 0 : n;
        v.check(value >= 0 && value <= MAX_KEEP, field, "must be 0 (rule off) to " + MAX_KEEP);
        return value;
    }

    private static void missed(Validation v, JobRequest.MissedRunSpec m, BackupJob j) {
        if (m == null) {
            return;
        }
        if (m.mode() != null) {
            try {
                j.missedRunMode = MissedRunPolicy.Mode.fromWire(m.mode()).wireName();
            } catch (IllegalArgumentException e) {
                v.add("missedRunPolicy.mode", "must be one of run-once, skip, run-all");
            }
        }
        if (m.gracePeriod() != null) {
            Duration d = duration(v, "missedRunPolicy.gracePeriod", m.gracePeriod(), Duration.ZERO, MAX_GRACE);
            j.missedRunGraceMs = d == null ? 0 : d.toMillis();
        }
        if (m.maxCatchUpRuns() != null) {
            v.check(m.maxCatchUpRuns() >= 1 && m.maxCatchUpRuns() <= MissedRunPolicy.MAX_CATCH_UP_LIMIT,
                    "missedRunPolicy.maxCatchUpRuns", "must be 1 to " + MissedRunPolicy.MAX_CATCH_UP_LIMIT);
            j.maxCatchUpRuns = m.maxCatchUpRuns();
        }
    }

    private static void retry(Validation v, JobRequest.RetrySpec r, BackupJob j) {
        if (r == null) {
            return;
        }
        if (r.maxAttempts() != null) {
            v.check(r.maxAttempts() >= 1 && r.maxAttempts() <= RetryPolicy.MAX_ATTEMPTS_LIMIT,
                    "retryPolicy.maxAttempts", "must be 1 (no retry) to " + RetryPolicy.MAX_ATTEMPTS_LIMIT);
            j.retryMaxAttempts = r.maxAttempts();
        }
        if (r.initialDelay() != null) {
            Duration d = duration(v, "retryPolicy.initialDelay", r.initialDelay(), Duration.ofSeconds(1),
                    MAX_RETRY_DELAY);
            j.retryInitialDelayMs = d == null ? 0 : d.toMillis();
        }
        if (r.multiplier() != null) {
            v.check(r.multiplier() >= 1.0 && r.multiplier() <= 10.0, "retryPolicy.multiplier", "must be 1.0 to 10.0");
            j.retryMultiplier = r.multiplier();
        }
        if (r.maxDelay() != null) {
            Duration d = duration(v, "retryPolicy.maxDelay", r.maxDelay(), Duration.ofSeconds(1), MAX_RETRY_DELAY);
            j.retryMaxDelayMs = d == null ? 0 : d.toMillis();
        }
        v.check(j.retryMaxDelayMs >= j.retryInitialDelayMs, "retryPolicy.maxDelay",
                "must not be shorter than initialDelay");
    }

    /**
     * @param v violations
     * @param field field name
     * @param text ISO-8601 duration
     * @param min smallest allowed
     * @param max largest allowed
     * @return the duration, or null (a violation is added)
     */
    static Duration duration(Validation v, String field, String text, Duration min, Duration max) {
        Duration d;
        try {
            d = Duration.parse(text.strip().toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            v.add(field, "must be an ISO-8601 duration such as PT30M, PT6H or P7D, not '" + shorten(text) + "'");
            return null;
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            v.add(field, "must be between " + min + " and " + max);
            return null;
        }
        return d;
    }

    private static String shorten(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
