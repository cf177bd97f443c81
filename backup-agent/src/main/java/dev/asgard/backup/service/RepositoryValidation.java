package dev.asgard.backup.service;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import dev.asgard.backup.domain.Schedule;
import dev.asgard.backup.entity.BackupRepository.Backend;
import dev.asgard.backup.rest.dto.CheckScheduleSpec;
import dev.asgard.commons.error.Validation;

/** Input rules of repositories; each broken rule becomes a field violation that says what to fix. */
public final class RepositoryValidation {

    static final int MAX_DESCRIPTION = 1024;
    static final int MAX_URL = 2048;
    static final int MIN_PASSWORD = 8;
    static final int MAX_PASSWORD = 1024;
    static final int MAX_SECRET_VALUE = 8192;
    static final int MAX_ENTRIES = 32;
    static final int MAX_LABELS = 64;
    static final int MAX_REQUEST_ID = 128;
    static final Duration MAX_JITTER = Duration.ofHours(1);

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern SECRET_NAME = Pattern.compile("[A-Z][A-Z0-9_]{0,127}");
    // Label syntax of devices (registry-service Labels): [prefix/]name, values empty or like a name.
    private static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
    private static final Pattern LABEL_PREFIX = Pattern.compile(
            "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*");
    private static final Pattern OPTION_KEY = Pattern.compile("[a-z0-9]+(\\.[a-z0-9-]+)+");
    // sftp:user@host:/path, sftp:host:path, sftp://user@host[:port]//path
    private static final Pattern SFTP = Pattern.compile("sftp:(//)?([A-Za-z0-9._-]+@)?[A-Za-z0-9.\\[\\]:_-]+:?/?.*");
    private static final Pattern S3 = Pattern.compile("s3:(https?://)?[A-Za-z0-9.-]+(:\\d+)?/[A-Za-z0-9._-]+(/.*)?");
    private static final Pattern REST = Pattern.compile("rest:https?://[A-Za-z0-9.\\[\\]:-]+(:\\d+)?(/.*)?");
    private static final Pattern RCLONE = Pattern.compile("rclone:[A-Za-z0-9_. -]+:.*");
    /** What restic itself reads or what the runner sets; a credential must not override them. */
    private static final Set<String> RESERVED = Set.of("RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE",
            "RESTIC_PASSWORD_COMMAND", "RESTIC_REPOSITORY", "RESTIC_REPOSITORY_FILE", "RESTIC_CACHE_DIR", "PATH",
            "HOME", "TMPDIR", "LD_PRELOAD", "LD_LIBRARY_PATH");

    private RepositoryValidation() {
    }

    /**
     * @param v violations
     * @param name the name
     */
    static void name(Validation v, String name) {
        if (name == null || name.isBlank()) {
            v.add("name", "is required");
        } else {
            v.check(NAME.matcher(name).matches(), "name",
                    "must be a DNS label: lower-case letters, digits and '-', 1 to 63 characters, "
                            + "starting and ending with a letter or digit");
        }
    }

    /**
     * @param v violations
     * @param backend the backend as given
     * @return the backend, or null when invalid (a violation is added)
     */
    static Backend backend(Validation v, String backend) {
        if (backend == null || backend.isBlank()) {
            v.add("backend", "is required: one of local, sftp, s3, rest, rclone");
            return null;
        }
        try {
            return Backend.valueOf(backend.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            v.add("backend", "must be one of local, sftp, s3, rest, rclone");
            return null;
        }
    }

    /**
     * @param v violations
     * @param backend the backend (null: only generic checks)
     * @param url the restic location
     */
    static void url(Validation v, Backend backend, String url) {
        if (url == null || url.isBlank()) {
            v.add("url", "is required");
            return;
        }
        if (url.length() > MAX_URL || url.chars().anyMatch(Character::isISOControl)) {
            v.add("url", "must be at most " + MAX_URL + " characters without control characters");
            return;
        }
        if (backend == null) {
            return;
        }
        String problem = switch (backend) {
            case LOCAL -> url.startsWith("/") && !url.contains("/../") && !url.endsWith("/..") ? null
                    : "a local repository must be an absolute path such as /srv/restic/main (without '..')";
            case SFTP -> SFTP.matcher(url).matches() && !hasUserPassword(url.substring(5)) ? null
                    : "must look like sftp:user@host:/srv/restic (no password in it: SFTP uses SSH keys)";
            case S3 -> S3.matcher(url).matches() && !hasUserPassword(url.substring(3)) ? null
                    : "must look like s3:https://s3.example.net/bucket/path; keys go into backendSecrets";
            case REST -> REST.matcher(url).matches() && !hasUserPassword(url.substring(5)) ? null
                    : "must look like rest:https://host:8000/path; the user and password go into backendSecrets "
                            + "(RESTIC_REST_USERNAME, RESTIC_REST_PASSWORD)";
            case RCLONE -> RCLONE.matcher(url).matches() ? null : "must look like rclone:remote:path";
        };
        if (problem != null) {
            v.add("url", problem);
        }
    }

    private static boolean hasUserPassword(String rest) {
        int at = rest.indexOf('@');
        if (at < 0) {
            return false;
        }
        String user = rest.substring(0, at);
        int scheme = user.indexOf("://");
        return (scheme >= 0 ? user.substring(scheme + 3) : user).contains(":");
    }

    /**
     * @param v violations
     * @param field field name
     * @param password the password
     */
    static void password(Validation v, String field, String password) {
        if (password == null || password.isEmpty()) {
            v.add(field, "is required");
        } else if (password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            v.add(field, "must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters long");
        }
    }

    /**
     * @param v violations
     * @param backend the backend, or null
     * @param secrets the backend credentials (names and values)
     */
    static void secrets(Validation v, Backend backend, Map<String, String> secrets) {
        Map<String, String> s = secrets == null ? Map.of() : secrets;
        if (s.size() > MAX_ENTRIES) {
            v.add("backendSecrets", "at most " + MAX_ENTRIES + " entries");
        }
        s.forEach((name, value) -> {
            String field = "backendSecrets." + name;
            if (name == null || !SECRET_NAME.matcher(name).matches()) {
                v.add(field, "must be an environment variable name (upper-case letters, digits, '_')");
            } else if (RESERVED.contains(name)) {
                v.add(field, "is reserved: the repository password has its own field");
            } else if (value == null || value.isEmpty() || value.length() > MAX_SECRET_VALUE
                    || value.indexOf('\0') >= 0) {
                v.add(field, "must be 1 to " + MAX_SECRET_VALUE + " characters");
            }
        });
        if (backend == Backend.S3) {
            for (String required : new String[] {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}) {
                v.check(s.containsKey(required), "backendSecrets." + required, "is required for the s3 backend");
            }
        }
        if (backend == Backend.REST && s.containsKey("RESTIC_REST_USERNAME") != s.containsKey("RESTIC_REST_PASSWORD")) {
            v.add("backendSecrets", "RESTIC_REST_USERNAME and RESTIC_REST_PASSWORD go together");
        }
    }

    /**
     * @param v violations
     * @param options the non-secret options
     */
    static void options(Validation v, Map<String, String> options) {
        Map<String, String> o = options == null ? Map.of() : options;
        if (o.size() > MAX_ENTRIES) {
            v.add("backendOptions", "at most " + MAX_ENTRIES + " entries");
        }
        o.forEach((key, value) -> {
            String field = "backendOptions." + key;
            if (key == null || !OPTION_KEY.matcher(key).matches()) {
                v.add(field, "must be a restic option name such as s3.region or sftp.command");
            } else if (value == null || value.length() > 1024 || value.chars().anyMatch(Character::isISOControl)) {
                v.add(field, "must be at most 1024 characters without control characters");
            }
        });
    }

    /**
     * @param v violations
     * @param description the description
     */
    static void description(Validation v, String description) {
        v.maxLength("description", description, MAX_DESCRIPTION);
    }

    /**
     * @param v violations
     * @param labels the labels (same syntax as device labels)
     */
    static void labels(Validation v, Map<String, String> labels) {
        Map<String, String> l = labels == null ? Map.of() : labels;
        v.check(l.size() <= MAX_LABELS, "labels", "at most " + MAX_LABELS + " labels");
        l.forEach((key, value) -> {
            String field = "labels." + key;
            if (!labelKey(key)) {
                v.add(field, "label key must be [prefix/]name: name up to 63 characters of letters, digits, '-', '_', "
                        + "'.', starting and ending with a letter or digit; prefix a DNS subdomain up to 253 characters");
            } else if (value == null || !(value.isEmpty() || LABEL_NAME.matcher(value).matches())) {
                v.add(field, "label value must be empty or up to 63 characters of letters, digits, '-', '_', '.', "
                        + "starting and ending with a letter or digit");
            }
        });
    }

    private static boolean labelKey(String key) {
        if (key == null) {
            return false;
        }
        int slash = key.indexOf('/');
        if (slash < 0) {
            return LABEL_NAME.matcher(key).matches();
        }
        String prefix = key.substring(0, slash);
        return prefix.length() <= 253 && LABEL_PREFIX.matcher(prefix).matches()
                && LABEL_NAME.matcher(key.substring(slash + 1)).matches();
    }

    /**
     * A check schedule as stored: one of cron and interval, or neither (no scheduled checks).
     *
     * @param cron the cron expression, or null
     * @param intervalMs the interval, or null
     * @param timeZone the zone of the cron expression
     * @param jitterMs random delay up to this much, 0 for none
     */
    record CheckPlan(String cron, Long intervalMs, String timeZone, long jitterMs) {
        /** No scheduled checks. */
        static final CheckPlan NONE = new CheckPlan(null, null, "UTC", 0);
    }

    /**
     * Same rules as a job's schedule (cron-utils, five fields, IANA zone), plus a bounded jitter.
     *
     * @param v violations
     * @param s the schedule; null or without cron and interval means none
     * @return the schedule as stored; meaningful only when {@code v} is valid
     */
    static CheckPlan checkSchedule(Validation v, CheckScheduleSpec s) {
        if (s == null || s.isEmpty()) {
            return CheckPlan.NONE;
        }
        boolean cron = s.cron() != null && !s.cron().isBlank();
        boolean interval = s.interval() != null && !s.interval().isBlank();
        if (cron && interval) {
            v.add("checkSchedule", "set exactly one of cron (e.g. '0 4 * * 0') and interval (e.g. 'P7D')");
        }
        String zone = s.timeZone() == null || s.timeZone().isBlank() ? "UTC" : s.timeZone().strip();
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            v.add("checkSchedule.timeZone", "must be an IANA time zone such as Europe/Berlin or UTC");
        }
        String expression = null;
        if (cron) {
            Schedule.CronExpressions.validate(s.cron()).ifPresent(problem -> v.add("checkSchedule.cron", problem));
            expression = s.cron().strip();
        }
        Long intervalMs = null;
        if (interval) {
            Duration d = JobValidation.duration(v, "checkSchedule.interval", s.interval(), Schedule.MIN_INTERVAL,
                    JobValidation.MAX_INTERVAL);
            intervalMs = d == null ? null : d.toMillis();
        }
        long jitterMs = 0;
        if (s.jitter() != null && !s.jitter().isBlank()) {
            Duration d = JobValidation.duration(v, "checkSchedule.jitter", s.jitter(), Duration.ZERO, MAX_JITTER);
            jitterMs = d == null ? 0 : d.toMillis();
        }
        return new CheckPlan(expression, intervalMs, zone, jitterMs);
    }

    /**
     * @param v violations
     * @param readData whether scheduled checks read pack data
     * @param subset the subset they read
     */
    static void checkReadData(Validation v, boolean readData, String subset) {
        if (subset == null || subset.isEmpty()) {
            return;
        }
        Validation probe = Validation.create();
        SnapshotValidation.readDataSubset(probe, subset);
        if (!probe.isValid()) {
            v.add("checkReadDataSubset", "must be a percentage such as 10% (0 < p <= 100) or n/t such as 1/5 "
                    + "(1 <= n <= t)");
        } else {
            v.check(readData, "checkReadDataSubset", "is read only with checkReadData: set it too, or leave the "
                    + "subset empty");
        }
    }

    /**
     * @param v violations
     * @param requestId an idempotency key, or null
     */
    static void requestId(Validation v, String requestId) {
        if (requestId != null && (requestId.length() > MAX_REQUEST_ID
                || requestId.chars().anyMatch(Character::isISOControl))) {
            v.add("request_id", "must be at most " + MAX_REQUEST_ID + " characters (a UUID)");
        }
    }
}
