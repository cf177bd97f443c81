package dev.asgard.backup.restic;

/**
 * {@code restic stats --json}. Fields a mode does not report are 0.
 *
 * @param totalSize total size in bytes in the chosen mode
 * @param totalFileCount files (or blobs) counted
 * @param snapshotsCount snapshots counted
 * @param totalUncompressedSize raw-data mode, restic 0.14+: size before compression
 * @param compressionRatio raw-data mode: ratio, 0 when unknown
 * @param totalBlobCount raw-data mode: blobs
 */
public record ResticStats(long totalSize, long totalFileCount, long snapshotsCount, long totalUncompressedSize,
        double compressionRatio, long totalBlobCount) {
}
