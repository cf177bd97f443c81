package dev.asgard.backup.rest.dto;

/**
 * Statistics of a repository ({@code restic stats}).
 *
 * @param repositoryId the repository
 * @param mode restore-size, files-by-contents, raw-data or blobs-per-file
 * @param totalSizeBytes total size in that mode
 * @param totalFileCount files (or blobs) counted
 * @param snapshotCount snapshots counted
 * @param totalUncompressedSizeBytes raw-data: size before compression
 * @param compressionRatio raw-data: ratio, 0 when unknown
 * @param blobCount raw-data: blobs
 */
public record RepositoryStatsView(String repositoryId, String mode, long totalSizeBytes, long totalFileCount,
        long snapshotCount, long totalUncompressedSizeBytes, double compressionRatio, long blobCount) {
}
