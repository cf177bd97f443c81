package dev.asgard.backup.restic;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The restic commands the agent uses, on top of {@link ResticRunner}. Blocking: call off the event loop. */
public class Restic {

    private static final Duration SHORT = Duration.ofMinutes(2);
    /** check, prune: they read the whole repository. */
    private static final Duration LONG = Duration.ofHours(12);

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
     * @param filter host, tags and paths the snapshots must have
     * @param ids only these snapshots (full ids or unique prefixes); empty for all. restic ignores ids it does not
     *        find, so a missing snapshot is an empty list, not a failure
     * @return the matching snapshots
     * @throws ResticException on failure
     */
    public List<ResticSnapshot> snapshots(ResticRepo repo, ResticSnapshotFilter filter, List<String> ids) {
        List<String> args = new ArrayList<>(List.of("snapshots", "--json", "--no-lock"));
        args.addAll(filter.args());
        args.addAll(ids);
        return ResticJson.snapshots(runner.run(repo, args, SHORT).orThrow().stdoutText());
    }

    /**
     * {@code restic ls --json}: a folder of a snapshot. restic 0.14 prints the folder itself and its direct
     * entries (all entries below with {@code recursive}); the caller filters. A path that does not exist gives
     * the snapshot line only.
     *
     * @param repo the repository
     * @param snapshotId the snapshot (full id or unique prefix)
     * @param path the absolute folder inside the snapshot ("/" for the root)
     * @param recursive whether to list the whole subtree
     * @return the snapshot and the entries
     * @throws ResticException on failure
     */
    public ResticTree ls(ResticRepo repo, String snapshotId, String path, boolean recursive) {
        List<String> args = new ArrayList<>(List.of("ls", "--json", "--no-lock"));
        if (recursive) {
            args.add("--recursive");
        }
        args.add(snapshotId);
        // Without a path restic lists the whole tree; "/" limits it to the top level.
        if (!recursive || !"/".equals(path)) {
            args.add(path);
        }
        return ResticJson.tree(runner.run(repo, args, SHORT).orThrow().stdout());
    }

    /**
     * {@code restic diff --json base target}.
     *
     * @param repo the repository
     * @param base the older snapshot
     * @param target the newer snapshot
     * @param metadata whether metadata-only changes are listed too ({@code --metadata})
     * @return the differences
     * @throws ResticException on failure
     */
    public ResticDiff diff(ResticRepo repo, String base, String target, boolean metadata) {
        List<String> args = new ArrayList<>(List.of("diff", "--json", "--no-lock"));
        if (metadata) {
            args.add("--metadata");
        }
        args.add(base);
        args.add(target);
        return ResticJson.diff(runner.run(repo, args, SHORT).orThrow().stdout());
    }

    /**
     * {@code restic forget <ids>}, optionally followed by a prune. restic 0.14 ignores unknown ids with exit 0:
     * resolve the ids first.
     *
     * @param repo the repository
     * @param ids full snapshot ids (at least one)
     * @param prune whether to remove unreferenced data afterwards
     * @return the result; {@link ResticJson#prunedBytes} reads the freed bytes from its output
     */
    public ResticResult forget(ResticRepo repo, List<String> ids, boolean prune) {
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("forget needs at least one snapshot id");
        }
        List<String> args = new ArrayList<>(List.of("forget"));
        if (prune) {
            args.add("--prune");
        }
        args.add("--");
        args.addAll(ids);
        return runner.run(repo, args, LONG);
    }

    /**
     * {@code restic forget --json} with a retention policy.
     *
     * @param repo the repository
     * @param policy the policy (must not be empty: restic would then print nothing)
     * @param filter which snapshots are considered
     * @param groupBy how snapshots are grouped (host, paths, tags); empty for restic's default (host,paths)
     * @param dryRun whether to only preview ({@code --dry-run})
     * @param prune whether to prune afterwards (ignored in a dry run)
     * @return the decisions per group, and the invocation
     * @throws ResticException on failure
     */
    public ResticForgetReport forget(ResticRepo repo, ResticPolicy policy, ResticSnapshotFilter filter,
            List<String> groupBy, boolean dryRun, boolean prune) {
        if (policy.isEmpty()) {
            throw new IllegalArgumentException("an empty retention policy forgets nothing");
        }
        List<String> args = new ArrayList<>(List.of("forget", "--json"));
        args.addAll(policy.args());
        args.addAll(filter.args());
        if (!groupBy.isEmpty()) {
            args.add("--group-by");
            args.add(String.join(",", groupBy));
        }
        if (dryRun) {
            // A preview changes nothing: without --no-lock restic 0.14 wants an exclusive lock even for it, so a
            // running backup would make the preview fail.
            args.add("--dry-run");
            args.add("--no-lock");
        } else if (prune) {
            args.add("--prune");
        }
        ResticResult r = runner.run(repo, args, dryRun ? SHORT : LONG).orThrow();
        return new ResticForgetReport(ResticJson.forget(r.stdoutText()), r);
    }

    /**
     * {@code restic check}.
     *
     * @param repo the repository
     * @param readDataSubset null: structure only; "": read all data ({@code --read-data}); otherwise the subset
     *        ({@code --read-data-subset}, such as {@code 10%} or {@code 1/5})
     * @return the check; errors found are not thrown, failures to run are classified in its result
     */
    public ResticCheck check(ResticRepo repo, String readDataSubset) {
        List<String> args = new ArrayList<>(List.of("check"));
        if (readDataSubset != null) {
            if (readDataSubset.isEmpty()) {
                args.add("--read-data");
            } else {
                args.add("--read-data-subset=" + readDataSubset);
            }
        }
        ResticResult r = runner.run(repo, args, LONG);
        boolean errorsFound = r.outcome() == ResticOutcome.FAILED
                && r.stderr().contains("repository contains errors");
        List<String> errors = r.outcome() == ResticOutcome.SUCCESS ? List.of()
                : ResticJson.checkErrors(r.stdoutText() + "\n" + r.stderr());
        return new ResticCheck(r, errorsFound, errors);
    }

    /**
     * @param repo the repository
     * @param mode restic's {@code --mode} (restore-size, files-by-contents, raw-data, blobs-per-file)
     * @return the statistics
     * @throws ResticException on failure
     */
    public ResticStats stats(ResticRepo repo, String mode) {
        return stats(repo, mode, List.of());
    }

    /**
     * @param repo the repository
     * @param mode restic's {@code --mode} (restore-size, files-by-contents, raw-data, blobs-per-file)
     * @param snapshotIds only these snapshots; empty for all
     * @return the statistics
     * @throws ResticException on failure
     */
    public ResticStats stats(ResticRepo repo, String mode, List<String> snapshotIds) {
        List<String> args = new ArrayList<>(List.of("stats", "--json", "--no-lock", "--mode", mode));
        args.addAll(snapshotIds);
        return ResticJson.stats(runner.run(repo, args, Duration.ofMinutes(30)).orThrow().stdoutText());
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
     * Starts {@code restic restore <snapshot> --target <target> --json} with the given selection.
     *
     * @param repo the repository
     * @param snapshotId the snapshot (full id)
     * @param target the target folder
     * @param include only these snapshot paths (empty: everything)
     * @param exclude patterns left out
     * @param verify whether restic verifies the restored files afterwards
     * @param listener receives every parsed stdout line
     * @param timeout the timeout, null for the runner's default
     * @return the running restore; cancel it with {@link ResticExecution#cancel()}
     */
    public ResticExecution restore(ResticRepo repo, String snapshotId, String target, List<String> include,
            List<String> exclude, boolean verify, Consumer<RestoreMessage> listener, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("restore", "--json", "--target", target));
        include.forEach(p -> args.addAll(List.of("--include", p)));
        exclude.forEach(p -> args.addAll(List.of("--exclude", p)));
        if (verify) {
            args.add("--verify");
        }
        args.add("--");
        args.add(snapshotId);
        return runner.start(repo, args, line -> listener.accept(ResticJson.restoreLine(line)), timeout);
    }

    /**
     * {@code restic unlock}: removes stale locks only.
     *
     * @param repo the repository
     * @return the result
     */
    public ResticResult unlock(ResticRepo repo) {
        return unlock(repo, false);
    }

    /**
     * {@code restic unlock}.
     *
     * @param repo the repository
     * @param removeAll also remove locks that are not stale ({@code --remove-all}): only when the operator knows
     *        no restic process uses the repository any more
     * @return the result
     */
    public ResticResult unlock(ResticRepo repo, boolean removeAll) {
        return runner.run(repo, removeAll ? List.of("unlock", "--remove-all") : List.of("unlock"), SHORT);
    }

    /**
     * @param repo the repository
     * @param lockId a lock file id from {@link #lockIds}
     * @return the lock ({@code restic cat lock})
     * @throws ResticException on failure (also when the lock went away meanwhile)
     */
    public ResticLock lock(ResticRepo repo, String lockId) {
        return ResticJson.lock(lockId, runner.run(repo, List.of("cat", "lock", "--no-lock", lockId), SHORT)
                .orThrow().stdoutText());
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
