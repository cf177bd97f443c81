package dev.asgard.backup.restic;

import java.util.List;

/**
 * {@code restic ls --json}: the snapshot and the listed entries.
 *
 * @param snapshot the snapshot, null when restic printed none
 * @param nodes the entries, in restic's order (path order)
 */
public record ResticTree(ResticSnapshot snapshot, List<ResticNode> nodes) {

    /** Never null list. */
    public ResticTree {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
}
