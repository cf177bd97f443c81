package dev.asgard.backup.restic;

import java.util.List;
import java.util.Map;

/**
 * One group of {@code restic forget --json}: what the policy keeps and removes, and why each kept snapshot is
 * kept.
 *
 * @param host the group's host, or null when not grouped by host
 * @param tags the group's tags
 * @param paths the group's paths
 * @param keep kept snapshots
 * @param remove removed (or, in a dry run, to be removed) snapshots
 * @param reasons for each kept snapshot id, the rules that keep it ("last snapshot", "daily snapshot", ...)
 */
public record ResticForgetGroup(String host, List<String> tags, List<String> paths, List<ResticSnapshot> keep,
        List<ResticSnapshot> remove, Map<String, List<String>> reasons) {

    /** Never null collections. */
    public ResticForgetGroup {
        tags = tags == null ? List.of() : List.copyOf(tags);
        paths = paths == null ? List.of() : List.copyOf(paths);
        keep = keep == null ? List.of() : List.copyOf(keep);
        remove = remove == null ? List.of() : List.copyOf(remove);
        reasons = reasons == null ? Map.of() : Map.copyOf(reasons);
    }
}
