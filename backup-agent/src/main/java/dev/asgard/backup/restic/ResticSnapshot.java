package dev.asgard.backup.restic;

import java.time.Instant;
import java.util.List;

/**
 * One entry of {@code restic snapshots --json}.
 *
 * @param id full snapshot id
 * @param shortId short id
 * @param time when it was taken
 * @param hostname host
 * @param username user
 * @param paths backed-up paths
 * @param tags tags (empty when none)
 * @param parent parent snapshot id, or null
 * @param tree root tree id
 */
public record ResticSnapshot(String id, String shortId, Instant time, String hostname, String username,
        List<String> paths, List<String> tags, String parent, String tree) {

    /** Never null lists. */
    public ResticSnapshot {
        paths = paths == null ? List.of() : List.copyOf(paths);
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
