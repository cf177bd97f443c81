package dev.asgard.backup.restic;

/**
 * One line of {@code restic restore --json}. restic 0.14 prints no JSON while restoring (only a plain "restoring
 * ..." line, and "finished verifying N files" with {@code --verify}); newer versions (0.16 and later) print status
 * lines and a summary. Both are understood.
 */
public sealed interface RestoreMessage {

    /**
     * A progress line ({@code "message_type":"status"}, restic 0.16+).
     *
     * @param percentDone 0..1
     * @param totalFiles files to restore
     * @param filesRestored files restored so far
     * @param filesSkipped files skipped (already up to date)
     * @param totalBytes bytes to restore
     * @param bytesRestored bytes restored so far
     * @param secondsElapsed seconds since start
     */
    record Status(double percentDone, long totalFiles, long filesRestored, long filesSkipped, long totalBytes,
            long bytesRestored, long secondsElapsed) implements RestoreMessage {
    }

    /**
     * The final line ({@code "message_type":"summary"}, restic 0.16+).
     *
     * @param totalFiles files selected
     * @param filesRestored files written
     * @param filesSkipped files left as they were
     * @param totalBytes bytes selected
     * @param bytesRestored bytes written
     * @param secondsElapsed seconds
     */
    record Summary(long totalFiles, long filesRestored, long filesSkipped, long totalBytes, long bytesRestored,
            long secondsElapsed) implements RestoreMessage {
    }

    /**
     * A file restic could not restore ({@code "message_type":"error"}).
     *
     * @param item the path
     * @param message the error text
     */
    record Error(String item, String message) implements RestoreMessage {
    }

    /**
     * restic 0.14's plain "finished verifying N files in ..." line (with {@code --verify}).
     *
     * @param files files verified
     */
    record Verified(long files) implements RestoreMessage {
    }

    /**
     * Anything else (the plain "restoring ..." line, verbose status lines of newer versions).
     *
     * @param line the raw line
     */
    record Other(String line) implements RestoreMessage {
    }
}
