package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * A folder of a snapshot, one page of entries in path order.
 *
 * @param snapshotId the snapshot's full id
 * @param path the folder listed
 * @param items the entries
 * @param nextPageToken token of the next page; empty on the last
 */
public record SnapshotTreePage(String snapshotId, String path, List<SnapshotNodeView> items, String nextPageToken) {
}
