package dev.asgard.backup.rest.dto;

/**
 * Answer of forgetting one snapshot.
 *
 * @param snapshotId its full id
 * @param pruned whether unreferenced data was pruned
 * @param freedBytes bytes prune freed (0 without prune)
 */
public record ForgetSnapshotView(String snapshotId, boolean pruned, long freedBytes) {
}
