package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * Body of {@code POST /api/v1/repositories/{id}/forget}: a retention policy, which snapshots it applies to, and
 * whether to preview (the default) or apply it.
 *
 * @param keepLast keep the last n snapshots
 * @param keepHourly keep the last snapshot of each of the last n hours
 * @param keepDaily ... days
 * @param keepWeekly ... weeks
 * @param keepMonthly ... months
 * @param keepYearly ... years
 * @param keepWithin keep everything younger than this restic duration (7d, 1y6m, 2d12h)
 * @param keepTags keep every snapshot with one of these tags
 * @param prune prune unreferenced data after forgetting (applied only)
 * @param host only snapshots of this host
 * @param tags only snapshots with all these tags
 * @param paths only snapshots with all these paths
 * @param groupBy grouping before the policy applies: host, paths, tags (default host and paths)
 * @param dryRun preview only; true when absent: applying needs {@code "dryRun": false}
 * @param allowKeepNothing accept a policy that leaves a group without any snapshot (or has no rule at all)
 */
public record ForgetPolicyRequest(Integer keepLast, Integer keepHourly, Integer keepDaily, Integer keepWeekly,
        Integer keepMonthly, Integer keepYearly, String keepWithin, List<String> keepTags, Boolean prune, String host,
        List<String> tags, List<String> paths, List<String> groupBy, Boolean dryRun, Boolean allowKeepNothing) {
}
