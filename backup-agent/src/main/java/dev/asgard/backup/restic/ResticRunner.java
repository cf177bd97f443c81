package dev.asgard.backup.restic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Runs restic as a child process. Secrets go only into the child's environment (RESTIC_PASSWORD, backend
 * variables), never onto its command line (visible to every user in {@code ps}) and never into logs. The
 * child does not inherit the agent's environment beyond a few harmless variables, so credentials of the agent
 * itself (database password, ...) do not leak into restic.
 */
public class ResticRunner {

    /** At most this many stdout lines are kept in a result (JSON of large snapshot lists fits in one line). */
    public static final int MAX_KEPT_LINES = 100_000;
    /** At most this much stderr is kept. */
    public static final int MAX_STDERR_CHARS = 64 * 1024;

    private static final List<String> INHERITED = List.of("PATH", "HOME", "TMPDIR", "LANG", "TZ", "XDG_CACHE_HOME");

    private final String binary;
    private final Duration defaultTimeout;
    private final Duration gracePeriod;
    private final Path cacheDir;
    private final double backupProgressFps;

    /**
     * @param binary the restic executable (a name on PATH or a path)
     * @param defaultTimeout timeout when a call gives none
     * @param gracePeriod how long restic may take to exit after SIGINT before it is terminated
     * @param cacheDir restic's cache folder; null for restic's default
     */
    public ResticRunner(String binary, Duration defaultTimeout, Duration gracePeriod, Path cacheDir) {
        this(binary, defaultTimeout, gracePeriod, cacheDir, 0);
    }

    /**
     * @param binary restic, a name on PATH or a path
     * @param defaultTimeout timeout of a command that names none
     * @param gracePeriod how long restic may take to exit after SIGINT
     * @param cacheDir restic's cache folder, or null for restic's default
     * @param backupProgressFps status lines a second {@code restic backup --json} prints ({@code RESTIC_PROGRESS_FPS});
     *        0 leaves restic's default (60)
     */
    public ResticRunner(String binary, Duration defaultTimeout, Duration gracePeriod, Path cacheDir,
            double backupProgressFps) {
        this.binary = binary;
        this.defaultTimeout = defaultTimeout;
        this.gracePeriod = gracePeriod;
        this.cacheDir = cacheDir;
        this.backupProgressFps = backupProgressFps;
    }

    /** @return a runner of {@code restic} on PATH, 1 h timeout, 10 s SIGINT grace */
    public static ResticRunner defaults() {
        return new ResticRunner("restic", Duration.ofHours(1), Duration.ofSeconds(10), null);
    }

    /**
     * Starts restic.
     *
     * @param repo the repository (null for commands without one, such as {@code version})
     * @param args the command and its arguments (no secrets), e.g. {@code ["snapshots", "--json"]}
     * @param lineListener receives every stdout line as it comes; null to keep them in the result
     * @param timeout stop (SIGINT) after this; null for the default
     * @return the running execution
     */
    public ResticExecution start(ResticRepo repo, List<String> args, Consumer<String> lineListener,
            Duration timeout) {
        return start(repo, args, lineListener, timeout, (Path) null);
    }

    /**
     * Starts restic with a stdin source.
     *
     * @param repo the repository, or null
     * @param args the command and its arguments (no secrets)
     * @param lineListener receives stdout lines; null to keep them
     * @param timeout the timeout; null for the default
     * @param stdin file to feed to restic's stdin; null for none (/dev/null)
     * @return the running execution
     */
    public ResticExecution start(ResticRepo repo, List<String> args, Consumer<String> lineListener,
            Duration timeout, Path stdin) {
        return launch(repo, args, lineListener, timeout, ProcessBuilder.Redirect.from(
                (stdin == null ? Path.of("/dev/null") : stdin).toFile()));
    }

    /**
     * Starts restic reading from a pipe the caller writes to ({@link ResticExecution#stdin()}), for
     * {@code backup --stdin} fed by another program (pg_dump).
     *
     * @param repo the repository
     * @param args the command and its arguments (no secrets)
     * @param lineListener receives stdout lines; null to keep them
     * @param timeout the timeout; null for the default
     * @return the running execution
     */
    public ResticExecution startPiped(ResticRepo repo, List<String> args, Consumer<String> lineListener,
            Duration timeout) {
        return launch(repo, args, lineListener, timeout, ProcessBuilder.Redirect.PIPE);
    }

    private ResticExecution launch(ResticRepo repo, List<String> args, Consumer<String> lineListener,
            Duration timeout, ProcessBuilder.Redirect in) {
        ProcessBuilder pb = new ProcessBuilder(commandLine(repo, args));
        environment(pb.environment(), repo);
        if (backupProgressFps > 0 && !args.isEmpty() && args.get(0).equals("backup")) {
            // Only for backup's JSON status stream: with the variable set, other commands would print progress
            // text even without a terminal.
            pb.environment().put("RESTIC_PROGRESS_FPS", Double.toString(backupProgressFps));
        }
        pb.redirectInput(in);
        try {
            ResticExecution execution = new ResticExecution(pb.start(), lineListener,
                    timeout == null ? defaultTimeout : timeout, gracePeriod);
            ResticScope.started(execution);
            return execution;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start restic (" + binary + "): " + e.getMessage(), e);
        }
    }

    /**
     * Runs restic to the end.
     *
     * @param repo the repository, or null
     * @param args the command and its arguments
     * @param timeout the timeout; null for the default
     * @return the result, whatever the outcome
     */
    public ResticResult run(ResticRepo repo, List<String> args, Duration timeout) {
        try {
            return start(repo, args, null, timeout).await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for restic", e);
        }
    }

    /** @return the command line: binary, backend options, args. Never a secret. */
    List<String> commandLine(ResticRepo repo, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary);
        if (repo != null) {
            for (Map.Entry<String, String> o : new TreeMap<>(repo.backendOptions()).entrySet()) {
                cmd.add("-o");
                cmd.add(o.getKey() + "=" + o.getValue());
            }
        }
        cmd.addAll(args);
        return cmd;
    }

    void environment(Map<String, String> env, ResticRepo repo) {
        Map<String, String> inherited = new TreeMap<>();
        for (String name : INHERITED) {
            String value = env.get(name);
            if (value != null) {
                inherited.put(name, value);
            }
        }
        env.clear();
        env.putAll(inherited);
        if (cacheDir != null) {
            env.put("RESTIC_CACHE_DIR", cacheDir.toString());
        }
        if (repo != null) {
            env.putAll(repo.backendSecrets());
            env.put("RESTIC_REPOSITORY", repo.url());
            env.put("RESTIC_PASSWORD", repo.password() == null ? "" : repo.password());
        }
    }
}
