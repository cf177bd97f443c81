package dev.asgard.backup.restic;

import java.util.List;

/** One JSON line of {@code restic backup --json}. */
public sealed interface BackupMessage {

    /**
     * A progress line ({@code "message_type":"status"}).
     *
     * @param percentDone 0..1
     * @param totalFiles files found so far
     * @param filesDone files done
     * @param totalBytes bytes found so far
     * @param bytesDone bytes done
     * @param secondsElapsed seconds since start
     * @param secondsRemaining estimated seconds left (0 when unknown)
     * @param currentFiles files being read
     * @param errorCount errors so far
     */
    record Status(double percentDone, long totalFiles, long filesDone, long totalBytes, long bytesDone,
            long secondsElapsed, long secondsRemaining, List<String> currentFiles, long errorCount)
            implements BackupMessage {
        /** Never null list. */
        public Status {
            currentFiles = currentFiles == null ? List.of() : List.copyOf(currentFiles);
        }
    }

    /**
     * The final line ({@code "message_type":"summary"}).
     *
     * @param filesNew new files
     * @param filesChanged changed files
     * @param filesUnmodified unmodified files
     * @param dirsNew new folders
     * @param dirsChanged changed folders
     * @param dirsUnmodified unmodified folders
     * @param dataBlobs data blobs added
     * @param treeBlobs tree blobs added
     * @param dataAdded bytes added to the repository
     * @param totalFilesProcessed files processed
     * @param totalBytesProcessed bytes processed
     * @param totalDuration seconds
     * @param snapshotId the new snapshot's (short) id
     */
    record Summary(long filesNew, long filesChanged, long filesUnmodified, long dirsNew, long dirsChanged,
            long dirsUnmodified, long dataBlobs, long treeBlobs, long dataAdded, long totalFilesProcessed,
            long totalBytesProcessed, double totalDuration, String snapshotId) implements BackupMessage {
    }

    /**
     * A file restic could not read ({@code "message_type":"error"}).
     *
     * @param item the path
     * @param during the phase ("archival", "scan")
     * @param message the error text (restic 0.14 often serialises the error as {}: then empty)
     */
    record Error(String item, String during, String message) implements BackupMessage {
    }

    /**
     * A line of another or unknown type (newer restic: "verbose_status", ...), or not JSON.
     *
     * @param line the raw line
     */
    record Other(String line) implements BackupMessage {
    }
}
