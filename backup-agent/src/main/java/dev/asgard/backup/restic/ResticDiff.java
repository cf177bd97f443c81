package dev.asgard.backup.restic;

import java.util.List;

/**
 * {@code restic diff --json}: the changed paths and the totals.
 *
 * @param changes every change, in restic's order (path order)
 * @param stats the totals
 */
public record ResticDiff(List<Change> changes, Stats stats) {

    /** Never null list. */
    public ResticDiff {
        changes = changes == null ? List.of() : List.copyOf(changes);
    }

    /**
     * One changed path.
     *
     * @param path the path (folders end with '/')
     * @param modifier restic's modifier: {@code +} added, {@code -} removed, {@code M} content, {@code T} type,
     *        {@code U} metadata only
     */
    public record Change(String path, String modifier) {
    }

    /**
     * Totals of a diff.
     *
     * @param changedFiles files whose content changed
     * @param filesAdded files added
     * @param filesRemoved files removed
     * @param dirsAdded folders added
     * @param dirsRemoved folders removed
     * @param bytesAdded data bytes added
     * @param bytesRemoved data bytes removed
     */
    public record Stats(long changedFiles, long filesAdded, long filesRemoved, long dirsAdded, long dirsRemoved,
            long bytesAdded, long bytesRemoved) {
        /** No differences. */
        public static final Stats NONE = new Stats(0, 0, 0, 0, 0, 0, 0);
    }
}
