package dev.asgard.backup.rest.dto;

import java.util.List;

/**
 * Differences between two snapshots; one page of entries in path order, totals of the whole diff.
 *
 * @param from the base snapshot as given
 * @param to the target snapshot as given
 * @param entries the changed paths: {@code change} is added, removed, modified, type_changed or metadata_changed
 * @param stats totals
 * @param nextPageToken token of the next page; empty on the last
 */
public record SnapshotDiffView(String from, String to, List<Entry> entries, Stats stats, String nextPageToken) {

    /** @param path the path @param change how it differs */
    public record Entry(String path, String change) {
    }

    /**
     * @param changedFiles files whose content changed @param filesAdded files added @param filesRemoved removed
     * @param dirsAdded folders added @param dirsRemoved folders removed @param bytesAdded data added
     * @param bytesRemoved data removed
     */
    public record Stats(long changedFiles, long filesAdded, long filesRemoved, long dirsAdded, long dirsRemoved,
            long bytesAdded, long bytesRemoved) {
    }
}
