package dev.asgard.deploy.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A child process of the launcher (a service, Keycloak) run under a {@link ProcessGuard}: its output
 * goes to a log file, it dies with the launcher, and {@link #stop()} ends it together with everything
 * it started.
 */
public final class ManagedProcess {

    private static final List<String> GUARD_JVM_OPTIONS = List.of(
            "-XX:+UseSerialGC", "-Xms8m", "-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData");
    private static final Duration GUARD_MARGIN = Duration.ofSeconds(5);

    private final String name;
    private final Process guard;
    private final Path logFile;
    private final Duration grace;
    private final long startNanos = System.nanoTime();

    private ManagedProcess(String name, Process guard, Path logFile, Duration grace) {
        this.name = name;
        this.guard = guard;
        this.logFile = logFile;
        this.grace = grace;
    }

    /**
     * Starts a command under a guard.
     *
     * @param name short name, shown to the user
     * @param command the command and its arguments
     * @param environment variables added to the launcher's own environment
     * @param workingDirectory the command's working directory
     * @param logFile where standard output and error are appended
     * @param grace how long a stop waits after SIGTERM before it kills
     */
    public static ManagedProcess start(String name, List<String> command, Map<String, String> environment,
            Path workingDirectory, Path logFile, Duration grace) {
        List<String> guarded = new ArrayList<>();
        guarded.add(javaExecutable().toString());
        guarded.addAll(GUARD_JVM_OPTIONS);
        guarded.add("-cp");
        guarded.add(System.getProperty("java.class.path"));
        guarded.add(ProcessGuard.class.getName());
        guarded.add(Long.toString(grace.toSeconds()));
        guarded.addAll(command);
        try {
            Files.createDirectories(workingDirectory);
            Files.createDirectories(logFile.getParent());
            Files.writeString(logFile, "%n===== %s starting %s =====%n%s%n".formatted(OffsetDateTime.now(), name,
                    String.join(" ", command)), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(guarded)
                    .directory(workingDirectory.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectErrorStream(true);
            builder.environment().putAll(environment);
            // The pipe to the guard's standard input stays open for as long as this process lives.
            return new ManagedProcess(name, builder.start(), logFile, grace);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    /** The java executable of the running JVM, used for the guard and for every Java child. */
    public static Path javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    /** The guard's process; its descendants are the actual command and whatever it started. */
    public ProcessHandle handle() {
        return guard.toHandle();
    }

    /** How long ago the process was started. */
    public Duration age() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    public boolean isAlive() {
        return guard.isAlive();
    }

    /** The command's exit code once it has ended. */
    public Optional<Integer> exitCode() {
        return guard.isAlive() ? Optional.empty() : Optional.of(guard.exitValue());
    }

    /** Blocks until the command ends or the timeout passes; true when it ended. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return guard.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Stops the command: closes the guard's input (the guard sends SIGTERM to the command's tree and
     * kills it after the grace period), then kills whatever is still left of the snapshot taken
     * before, guard included.
     */
    public void stop() {
        List<ProcessHandle> tree = ProcessTree.snapshot(guard.toHandle());
        try {
            guard.getOutputStream().close();
        } catch (IOException e) {
            // the guard is gone already; the snapshot below still gets cleaned up
        }
        if (!ProcessTree.awaitGone(tree, grace.plus(GUARD_MARGIN))) {
            ProcessTree.terminate(tree, Duration.ZERO);
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + guard.pid() + ")";
    }
}
