package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * What a retention policy decided (and, unless a dry run, did).
 *
 * @param dryRun whether this was a preview
 * @param decisions every snapshot considered: kept (with the rules that keep it) or forgotten
 * @param keepCount kept
 * @param removeCount forgotten, or that would be
 * @param pruned whether data was pruned
 * @param freedBytes bytes prune freed
 */
public record ForgetPolicyView(boolean dryRun, List<Decision> decisions, int keepCount, int removeCount,
        boolean pruned, long freedBytes) {

    /** @param snapshot the snapshot @param keep whether kept @param reasons the rules keeping it */
    public record Decision(SnapshotView snapshot, boolean keep, List<String> reasons) {
    }
}
