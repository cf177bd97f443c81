package dev.asgard.backup.rest.dto;

import java.time.Instant;
import java.util.List;

/**
 * A restic snapshot.
 *
 * @param id full id (64 hexadecimal characters)
 * @param shortId first 8 characters
 * @param time when it was taken
 * @param hostname host recorded in it
 * @param username user recorded in it
 * @param paths backed-up paths
 * @param tags tags
 * @param parentId the parent snapshot, or null
 * @param treeId the root tree
 * @param jobId the job that made it (from its {@code asgard-job=<id>} tag), null for snapshots made elsewhere
 */
public record SnapshotView(String id, String shortId, Instant time, String hostname, String username,
        List<String> paths, List<String> tags, String parentId, String treeId, String jobId) {
}
