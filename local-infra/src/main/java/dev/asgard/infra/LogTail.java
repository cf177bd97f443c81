package dev.asgard.infra;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Reads the end of a server log for failure messages, without loading a large file whole. */
final class LogTail {

    private static final int TAIL_BYTES = 16 * 1024;
    private static final int SCAN_BYTES = 512 * 1024;

    private LogTail() {
    }

    /** The current size of {@code file}, 0 if it does not exist yet. */
    static long size(Path file) {
        return file.toFile().length();
    }

    /**
     * The error lines written since {@code offset} (a server often logs the cause once and then pages of shutdown),
     * followed by the last {@code lines} lines.
     */
    static String summary(Path file, long offset, int lines) {
        List<String> errors = Arrays.stream(read(file, offset, SCAN_BYTES).split("\n"))
                .filter(line -> line.contains("ERROR") || line.contains("FATAL") || line.contains("Exception:"))
                .limit(10)
                .toList();
        List<String> all = Arrays.asList(read(file, offset, TAIL_BYTES).split("\n"));
        String tail = String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        return errors.isEmpty() ? tail : "Errors:\n" + String.join("\n", errors) + "\nEnd of the log:\n" + tail;
    }

    /** At most {@code maxBytes} from the end of what was written at or after byte {@code offset}. */
    private static String read(Path file, long offset, int maxBytes) {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.max(0, Math.min(length - offset, maxBytes));
            byte[] buffer = new byte[size];
            in.seek(length - size);
            in.readFully(buffer);
            return new String(buffer, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log not readable: " + e.getMessage() + ")";
        }
    }
}
