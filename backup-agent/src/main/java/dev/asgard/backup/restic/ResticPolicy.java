package dev.asgard.backup.restic;

import java.util.ArrayList;
import java.util.List;

/**
 * A retention policy as restic's {@code forget --keep-*} flags. Zero means "rule not set".
 *
 * @param keepLast keep the last n snapshots
 * @param keepHourly keep the last snapshot of each of the last n hours
 * @param keepDaily ... days
 * @param keepWeekly ... weeks
 * @param keepMonthly ... months
 * @param keepYearly ... years
 * @param keepWithin keep every snapshot younger than this, in restic's form ({@code 2y5m7d3h}); null for none
 * @param keepTags keep every snapshot carrying one of these tags
 */
public record ResticPolicy(int keepLast, int keepHourly, int keepDaily, int keepWeekly, int keepMonthly,
        int keepYearly, String keepWithin, List<String> keepTags) {

    /** Never null list. */
    public ResticPolicy {
        keepTags = keepTags == null ? List.of() : List.copyOf(keepTags);
    }

    /** @return whether no rule is set (restic would then forget nothing, and Asgard refuses it) */
    public boolean isEmpty() {
        return keepLast == 0 && keepHourly == 0 && keepDaily == 0 && keepWeekly == 0 && keepMonthly == 0
                && keepYearly == 0 && (keepWithin == null || keepWithin.isEmpty()) && keepTags.isEmpty();
    }

    /** @return restic's flags */
    public List<String> args() {
        List<String> args = new ArrayList<>();
        flag(args, "--keep-last", keepLast);
        flag(args, "--keep-hourly", keepHourly);
        flag(args, "--keep-daily", keepDaily);
        flag(args, "--keep-weekly", keepWeekly);
        flag(args, "--keep-monthly", keepMonthly);
        flag(args, "--keep-yearly", keepYearly);
        if (keepWithin != null && !keepWithin.isEmpty()) {
            args.add("--keep-within");
            args.add(keepWithin);
        }
        for (String tag : keepTags) {
            args.add("--keep-tag");
            args.add(tag);
        }
        return args;
    }

    private static void flag(List<String> args, String name, int value) {
        if (value > 0) {
            args.add(name);
            args.add(Integer.toString(value));
        }
    }
}
