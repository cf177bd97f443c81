package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * One page of snapshots, newest first.
 *
 * @param items the snapshots
 * @param nextPageToken token of the next page; empty on the last
 */
public record SnapshotPage(List<SnapshotView> items, String nextPageToken) {
}
