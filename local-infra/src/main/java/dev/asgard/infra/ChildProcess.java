package dev.asgard.infra;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A server process started with a parent-death watchdog: its standard input is a pipe whose only writer is this
 * JVM. The child (a shell wrapper or a small Java main) exits when it reads end-of-file there, which happens when
 * {@link #stop(Duration)} closes the pipe and also when this JVM dies in any way, including SIGKILL, because the
 * kernel closes the pipe then. Standard output and error are appended to a log file.
 *
 * <p>Keep an instance reachable while the child should run: if the {@link Process} were garbage collected, its pipe
 * would be closed and the child would stop. The servers hold it, and their shutdown hooks hold them.
 */
final class ChildProcess {

    private final String name;
    private final Process process;
    private final Path logFile;
    private final long logOffset;

    private ChildProcess(String name, Process process, Path logFile, long logOffset) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
        this.logOffset = logOffset;
    }

    static ChildProcess start(String name, List<String> command, Path workingDirectory, Path logFile,
            Map<String, String> environment) {
        try {
            Files.createDirectories(logFile.toAbsolutePath().getParent());
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(workingDirectory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(environment);
            long logOffset = LogTail.size(logFile);
            return new ChildProcess(name, builder.start(), logFile, logOffset);
        } catch (IOException e) {
            throw new InfraException("Could not start " + name + ": " + e.getMessage(), e);
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The pids of the direct children (for a watchdog shell: the server it started). */
    Set<Long> childPids() {
        return process.children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** What this process has written to its log so far (the log file may hold earlier runs too): errors, then the end. */
    String logSinceStart(int lines) {
        return LogTail.summary(logFile, logOffset, lines);
    }

    /**
     * Asks the child to stop by closing its standard input, waits up to {@code grace}, then kills the whole
     * process tree. Returns once the direct child has exited.
     */
    void stop(Duration grace) {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // The pipe is already broken: the child is gone or going, which is what we want.
        }
        if (waitFor(grace)) {
            return;
        }
        // Snapshot first: once the direct child is dead its descendants are re-parented and harder to find.
        List<ProcessHandle> tree = process.descendants().toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!waitFor(Duration.ofSeconds(10))) {
            throw new InfraException(name + " (pid " + process.pid() + ") did not exit even after SIGKILL");
        }
    }

    /** @return whether the process exited within {@code timeout} */
    boolean awaitExit(Duration timeout) {
        return waitFor(timeout);
    }

    /** @return the exit code; only valid once the process has exited */
    int exitValue() {
        return process.exitValue();
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /** A failure message that carries the end of the child's log, which is where the real reason is. */
    String describeFailure(String what) {
        return what + " (" + name + ", pid " + process.pid() + (process.isAlive() ? "" : ", exit code " + exitCode())
                + "). From " + logFile + ":\n" + logSinceStart(30);
    }

    private String exitCode() {
        try {
            return String.valueOf(process.exitValue());
        } catch (IllegalThreadStateException e) {
            return "none yet";
        }
    }
}
