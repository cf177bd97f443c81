package dev.asgard.backup.restic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The restic commands the agent uses, on top of {@link ResticRunner}. Blocking: call off the event loop. */
public class Restic {

    private static final Duration SHORT = Duration.ofMinutes(2);

    private final ResticRunner runner;

    /** @param runner the process runner */
    public Restic(ResticRunner runner) {
        this.runner = runner;
    }

    /** @return the runner */
    public ResticRunner runner() {
        return runner;
    }

    /**
     * @return the installed restic's version
     * @throws ResticException when {@code restic version} fails
     */
    public ResticVersion version() {
        return ResticVersion.parse(runner.run(null, List.of("version"), Duration.ofSeconds(30)).orThrow()
                .stdoutText());
    }

    /**
     * {@code restic init}.
     *
     * @param repo the repository
     * @return the result (ALREADY_INITIALIZED when one exists; not thrown)
     */
    public ResticResult init(ResticRepo repo) {
        return runner.run(repo, List.of("init", "--json"), SHORT);
    }

    /**
     * @param repo the repository
     * @return its snapshots
     * @throws ResticException on failure
     */
    public List<ResticSnapshot> snapshots(ResticRepo repo) {
        return ResticJson.snapshots(runner.run(repo, List.of("snapshots", "--json", "--no-lock"), SHORT).orThrow()
                .stdoutText());
    }

    /**
     * @param repo the repository
     * @param mode restic's {@code --mode} (restore-size, files-by-contents, raw-data, blobs-per-file)
     * @return the statistics
     * @throws ResticException on failure
     */
    public ResticStats stats(ResticRepo repo, String mode) {
        return ResticJson.stats(runner.run(repo, List.of("stats", "--json", "--no-lock", "--mode", mode),
                Duration.ofMinutes(30)).orThrow().stdoutText());
    }

    /**
     * Starts {@code restic backup --json}.
     *
     * @param repo the repository
     * @param paths the sources
     * @param extraArgs more flags (--tag, --exclude, ...), never secrets
     * @param listener receives every parsed line (status, summary, error)
     * @param timeout the timeout, null for the runner's default
     * @return the running backup; cancel it with {@link ResticExecution#cancel()}
     */
    public ResticExecution backup(ResticRepo repo, List<String> paths, List<String> extraArgs,
            Consumer<BackupMessage> listener, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("backup", "--json"));
        args.addAll(extraArgs);
        args.add("--");
        args.addAll(paths);
        return runner.start(repo, args, line -> listener.accept(ResticJson.backupLine(line)), timeout);
    }

    /**
     * Starts {@code restic backup --json --stdin}; the caller writes the data to {@link ResticExecution#stdin()}
     * and closes it.
     *
     * @param repo the repository
     * @param filename the file name the data gets in the snapshot
     * @param extraArgs more flags (--tag, ...), never secrets
     * @param listener receives every parsed line
     * @param timeout the timeout, null for the runner's default
     * @return the running backup
     */
    public ResticExecution backupStdin(ResticRepo repo, String filename, List<String> extraArgs,
            Consumer<BackupMessage> listener, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("backup", "--json", "--stdin", "--stdin-filename", filename));
        args.addAll(extraArgs);
        return runner.startPiped(repo, args, line -> listener.accept(ResticJson.backupLine(line)), timeout);
    }

    /**
     * {@code restic unlock}: removes stale locks only.
     *
     * @param repo the repository
     * @return the result
     */
    public ResticResult unlock(ResticRepo repo) {
        return runner.run(repo, List.of("unlock"), SHORT);
    }

    /**
     * @param repo the repository
     * @return ids of the lock files present ({@code restic list locks --no-lock})
     * @throws ResticException on failure
     */
    public List<String> lockIds(ResticRepo repo) {
        return runner.run(repo, List.of("list", "locks", "--no-lock"), SHORT).orThrow().stdout().stream()
                .map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
