package dev.asgard.backup.service;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import dev.asgard.backup.restic.ResticPolicy;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;

/** Input rules of snapshot and maintenance requests; each broken rule says what to fix. */
public final class SnapshotValidation {

    static final int MAX_PATH = 4096;
    static final int MAX_FILTER_ENTRIES = 32;
    static final int MAX_KEEP = 100_000;

    private static final Pattern SNAPSHOT_ID = Pattern.compile("[0-9a-f]{8,64}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]{1,253}");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9._:=@+-]{1,128}");
    /** restic's duration form: years, months, days, hours, at least one. */
    private static final Pattern WITHIN = Pattern.compile("(?=\\d)(\\d{1,4}y)?(\\d{1,4}m)?(\\d{1,5}d)?(\\d{1,6}h)?");
    /** restic 0.14 accepts a percentage or n/t (the size form came with 0.15). */
    private static final Pattern SUBSET_PERCENT = Pattern.compile("(\\d{1,3})(\\.\\d{1,4})?%");
    private static final Pattern SUBSET_FRACTION = Pattern.compile("(\\d{1,6})/(\\d{1,6})");
    private static final Set<String> GROUP_BY = Set.of("host", "paths", "tags");
    private static final Set<String> STATS_MODES = Set.of("restore-size", "files-by-contents", "raw-data",
            "blobs-per-file");

    private SnapshotValidation() {
    }

    /**
     * @param field the field name
     * @param id a snapshot id (full, or a prefix of at least 8 hexadecimal characters)
     * @return the id in lower case
     * @throws AsgardException INVALID_ARGUMENT {@code INVALID_SNAPSHOT_ID}
     */
    public static String snapshotId(String field, String id) {
        String s = id == null ? "" : id.strip().toLowerCase(java.util.Locale.ROOT);
        if (!SNAPSHOT_ID.matcher(s).matches()) {
            throw AsgardException.invalidArgument("INVALID_SNAPSHOT_ID", "'%s' is not a snapshot id.", abbreviate(id))
                    .withViolation(field, "must be 8 to 64 hexadecimal characters (a full snapshot id or its "
                            + "short id)")
                    .withHint("List the repository's snapshots for their ids.");
        }
        return s;
    }

    /**
     * @param v violations
     * @param field the field name
     * @param path an absolute path inside a snapshot or a filter path
     */
    static void path(Validation v, String field, String path) {
        if (path == null || path.isEmpty()) {
            v.add(field, "is required");
        } else if (path.length() > MAX_PATH || path.chars().anyMatch(Character::isISOControl)) {
            v.add(field, "must be at most " + MAX_PATH + " characters without control characters");
        } else if (!path.startsWith("/")) {
            v.add(field, "must be an absolute path starting with '/'");
        } else if (List.of(path.split("/")).stream().anyMatch(seg -> seg.equals("..") || seg.equals("."))
                || path.contains("//")) {
            v.add(field, "must be a normalised path without '.', '..' or empty segments");
        }
    }

    /**
     * @param path an absolute path
     * @return it without a trailing '/', or "/" for the root
     */
    static String normalise(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    /**
     * @param v violations
     * @param host host filter, may be null
     * @param tags tag filter, may be null
     * @param paths path filter, may be null
     */
    static void filter(Validation v, String host, List<String> tags, List<String> paths) {
        if (host != null && !host.isEmpty()) {
            v.check(HOST.matcher(host).matches(), "host", "must be a host name (letters, digits, '.', '_', '-')");
        }
        List<String> t = tags == null ? List.of() : tags;
        v.check(t.size() <= MAX_FILTER_ENTRIES, "tags", "at most " + MAX_FILTER_ENTRIES + " tags");
        for (int i = 0; i < t.size(); i++) {
            v.check(t.get(i) != null && TAG.matcher(t.get(i)).matches(), "tags[" + i + "]",
                    "must be 1 to 128 letters, digits or ._:=@+- (no commas)");
        }
        List<String> p = paths == null ? List.of() : paths;
        v.check(p.size() <= MAX_FILTER_ENTRIES, "paths", "at most " + MAX_FILTER_ENTRIES + " paths");
        for (int i = 0; i < p.size(); i++) {
            path(v, "paths[" + i + "]", p.get(i));
        }
    }

    /**
     * @param v violations
     * @param policy the policy
     * @param keepNothingAllowed whether the caller explicitly accepts a policy with no keep rule
     */
    static void policy(Validation v, ResticPolicy policy, boolean keepNothingAllowed) {
        int[] values = {policy.keepLast(), policy.keepHourly(), policy.keepDaily(), policy.keepWeekly(),
            policy.keepMonthly(), policy.keepYearly()};
        String[] names = {"keepLast", "keepHourly", "keepDaily", "keepWeekly", "keepMonthly", "keepYearly"};
        for (int i = 0; i < values.length; i++) {
            v.check(values[i] >= 0 && values[i] <= MAX_KEEP, names[i], "must be 0 (rule not used) to " + MAX_KEEP);
        }
        if (policy.keepWithin() != null && !policy.keepWithin().isEmpty()) {
            v.check(WITHIN.matcher(policy.keepWithin()).matches(), "keepWithin",
                    "must be a restic duration such as 7d, 2y6m or 1d12h (years y, months m, days d, hours h)");
        }
        for (int i = 0; i < policy.keepTags().size(); i++) {
            String tag = policy.keepTags().get(i);
            v.check(tag != null && TAG.matcher(tag).matches(), "keepTags[" + i + "]",
                    "must be 1 to 128 letters, digits or ._:=@+- (no commas)");
        }
        if (policy.isEmpty() && !keepNothingAllowed) {
            v.add("policy", "sets no keep rule, so every snapshot would be forgotten: set keepLast, keepDaily, ... "
                    + "or, to really forget everything, forget the snapshots one by one");
        }
    }

    /**
     * @param v violations
     * @param groupBy the grouping fields
     */
    static void groupBy(Validation v, List<String> groupBy) {
        if (groupBy != null) {
            for (String g : groupBy) {
                v.check(GROUP_BY.contains(g), "groupBy", "must contain only host, paths, tags");
            }
        }
    }

    /**
     * @param v violations
     * @param subset restic's --read-data-subset (null or empty: none)
     */
    static void readDataSubset(Validation v, String subset) {
        if (subset == null || subset.isEmpty()) {
            return;
        }
        var percent = SUBSET_PERCENT.matcher(subset);
        var fraction = SUBSET_FRACTION.matcher(subset);
        boolean ok;
        if (percent.matches()) {
            double p = Double.parseDouble(subset.substring(0, subset.length() - 1));
            ok = p > 0 && p <= 100;
        } else if (fraction.matches()) {
            long n = Long.parseLong(fraction.group(1));
            long t = Long.parseLong(fraction.group(2));
            ok = n >= 1 && n <= t;
        } else {
            ok = false;
        }
        v.check(ok, "readDataSubset", "must be a percentage such as 10% (0 < p <= 100) or n/t such as 1/5 "
                + "(1 <= n <= t)");
    }

    /**
     * @param mode restic's stats mode (null: restore-size)
     * @return the mode
     * @throws AsgardException INVALID_ARGUMENT for another value
     */
    public static String statsMode(String mode) {
        if (mode == null || mode.isEmpty()) {
            return "restore-size";
        }
        if (!STATS_MODES.contains(mode)) {
            throw AsgardException.invalidArgument("INVALID_STATS_MODE", "'%s' is not a statistics mode.",
                    abbreviate(mode)).withViolation("mode",
                            "must be one of restore-size, files-by-contents, raw-data, blobs-per-file");
        }
        return mode;
    }

    private static String abbreviate(String s) {
        if (s == null) {
            return "";
        }
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
