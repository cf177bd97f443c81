package dev.asgard.backup.restic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * {@code restic forget --keep-* [--prune]} for a retention policy, limited to snapshots carrying one tag (the
 * job's), so a job's policy never forgets another job's snapshots in a shared repository. Kept apart from
 * {@link Restic} on purpose (one class per concern while both grow). Blocking.
 */
public final class ResticForget {

    private final ResticRunner runner;

    /** @param runner the process runner */
    public ResticForget(ResticRunner runner) {
        this.runner = runner;
    }

    /**
     * A retention policy in restic's terms; zero rules are off.
     *
     * @param keepLast --keep-last
     * @param keepHourly --keep-hourly
     * @param keepDaily --keep-daily
     * @param keepWeekly --keep-weekly
     * @param keepMonthly --keep-monthly
     * @param keepYearly --keep-yearly
     * @param keepWithin --keep-within, whole hours (zero: off)
     * @param keepTags --keep-tag
     * @param prune --prune
     */
    public record Policy(int keepLast, int keepHourly, int keepDaily, int keepWeekly, int keepMonthly,
            int keepYearly, Duration keepWithin, List<String> keepTags, boolean prune) {

        List<String> args() {
            List<String> a = new ArrayList<>();
            add(a, "--keep-last", keepLast);
            add(a, "--keep-hourly", keepHourly);
            add(a, "--keep-daily", keepDaily);
            add(a, "--keep-weekly", keepWeekly);
            add(a, "--keep-monthly", keepMonthly);
            add(a, "--keep-yearly", keepYearly);
            if (keepWithin != null && keepWithin.toHours() > 0) {
                a.add("--keep-within");
                a.add(keepWithin.toHours() + "h");
            }
            for (String t : keepTags) {
                a.add("--keep-tag");
                a.add(t);
            }
            if (prune) {
                a.add("--prune");
            }
            return a;
        }

        private static void add(List<String> a, String flag, int n) {
            if (n > 0) {
                a.add(flag);
                a.add(Integer.toString(n));
            }
        }
    }

    /**
     * What forget did.
     *
     * @param result the invocation
     * @param removed full ids of the forgotten snapshots
     * @param kept how many snapshots were kept
     */
    public record Outcome(ResticResult result, List<String> removed, int kept) {
    }

    /**
     * @param repo the repository
     * @param tag only snapshots with this tag
     * @param policy the policy
     * @param timeout the timeout (prune can take long)
     * @return the outcome (also for failures: see {@link ResticResult#outcome()})
     */
    public Outcome forget(ResticRepo repo, String tag, Policy policy, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("forget", "--json", "--tag", tag, "--group-by", "host,paths"));
        args.addAll(policy.args());
        ResticResult r = runner.run(repo, args, timeout);
        List<String> removed = new ArrayList<>();
        int kept = 0;
        if (r.outcome().succeeded()) {
            for (String line : r.stdout()) {
                String l = line.strip();
                if (!l.startsWith("[")) {
                    continue; // prune prints text after the JSON
                }
                try {
                    for (JsonNode group : new ObjectMapper().readTree(l)) {
                        group.path("remove").forEach(s -> removed.add(s.path("id").asText()));
                        kept += group.path("keep").size();
                    }
                } catch (JsonProcessingException e) {
                    // Not the JSON document; ignore the line.
                }
            }
        }
        return new Outcome(r, removed, kept);
    }
}
