package dev.asgard.deploy.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/** Reads the last lines of a (possibly large) log file, to show them next to an error. */
public final class LogTail {

    private static final int MAX_BYTES = 64 * 1024;

    private LogTail() {
    }

    /** The last {@code count} lines of the file; empty when it cannot be read. */
    public static List<String> lastLines(Path file, int count) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            int size = (int) Math.min(length, MAX_BYTES);
            byte[] bytes = new byte[size];
            raf.seek(length - size);
            raf.readFully(bytes);
            String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\\R");
            Deque<String> tail = new ArrayDeque<>();
            for (int i = lines.length - 1; i >= 0 && tail.size() < count; i--) {
                if (!lines[i].isBlank()) {
                    tail.addFirst(lines[i]);
                }
            }
            return List.copyOf(tail);
        } catch (IOException e) {
            return List.of();
        }
    }
}
