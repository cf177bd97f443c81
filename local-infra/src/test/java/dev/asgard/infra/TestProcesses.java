package dev.asgard.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/** Process and directory checks shared by the tests. */
final class TestProcesses {

    private TestProcesses() {
    }

    /**
     * Whether the process still runs. A killed child of a killed parent is re-parented and stays a zombie until
     * init reaps it; it no longer runs, so it counts as gone.
     */
    static boolean running(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        Path stat = Path.of("/proc", Long.toString(process.pid()), "stat");
        try {
            String text = Files.readString(stat, StandardCharsets.US_ASCII);
            // pid (comm) STATE ... ; comm may contain spaces and parentheses, so read after the last ')'.
            char state = text.substring(text.lastIndexOf(')') + 2).charAt(0);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            // On Linux an unreadable stat means the process is gone; without /proc (macOS) trust isAlive().
            return !Files.isDirectory(Path.of("/proc/self"));
        }
    }

    /** Waits until none of {@code processes} runs; returns those still running after {@code timeout}. */
    static List<ProcessHandle> awaitGone(List<ProcessHandle> processes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ProcessHandle> left = processes;
        while (System.nanoTime() < deadline) {
            left = left.stream().filter(TestProcesses::running).toList();
            if (left.isEmpty()) {
                return left;
            }
            Thread.sleep(100);
        }
        return left.stream().filter(TestProcesses::running).toList();
    }

    static String describe(ProcessHandle process) {
        return process.pid() + " " + process.info().commandLine().orElse(process.info().command().orElse("?"));
    }

    /** Temporary server directories of local-infra owned by the JVM with {@code pid}. */
    static List<Path> tempDirectoriesOf(long pid) throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(dir -> dir.getFileName().toString().startsWith(TempDirectories.PREFIX))
                    .filter(dir -> {
                        try {
                            Path owner = dir.resolve(TempDirectories.OWNER_FILE);
                            return Files.isRegularFile(owner)
                                    && Files.readString(owner).trim().equals(Long.toString(pid));
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .toList();
        }
    }
}
