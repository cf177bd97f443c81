package dev.asgard.backup.service;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import dev.asgard.backup.entity.BackupRun;
import dev.asgard.backup.restic.BackupMessage;
import dev.asgard.backup.restic.RestoreMessage;
import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticExecution;
import dev.asgard.backup.restic.ResticNode;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;
import dev.asgard.commons.error.AsgardException;

/**
 * Executes one restore run with restic: checks the target again, works out how much the selection holds, runs
 * {@code restic restore}, reports progress and turns the result into the run's end.
 *
 * <p>Progress: restic 0.16 and later print JSON status lines, which are used as they come. restic 0.14 prints
 * none; then the runner measures the target folder every progress interval (files and bytes written since the
 * start) against the selection's totals (from {@code restic stats --mode restore-size} for a whole snapshot, from
 * {@code restic ls} for selected paths). Excluded files count in those totals, so with exclude patterns the
 * percentage stays below 100 until the end.
 */
final class RestoreRunner {

    private static final Logger LOG = Logger.getLogger(RestoreRunner.class);
    /** restic's per-file errors on stderr: {@code ignoring error for /path: message}. */
    private static final Pattern FILE_ERROR = Pattern.compile("(?m)^ignoring error for (.+?): (.*)$");
    private static final int MAX_LISTED = 1000;

    private final Restic restic;
    private final Duration progressInterval;
    private final Duration timeout;

    RestoreRunner(Restic restic, Duration progressInterval, Duration timeout) {
        this.restic = restic;
        this.progressInterval = progressInterval;
        this.timeout = timeout;
    }

    /**
     * How the restore ended.
     *
     * @param finish the run's end
     * @param restored the numbers (null when nothing ran)
     */
    record Outcome(RunService.Finish finish, RunService.Restored restored) {
    }

    /** Files and bytes. */
    record Totals(long files, long bytes) {
    }

    /**
     * @param run the claimed restore run
     * @param repo the opened repository
     * @param started receives the restic process as soon as it runs (for cancel)
     * @param progress receives progress, converted to the backup status form the run stores
     * @param cancelRequested whether an administrator asked to stop
     * @param shutdown whether the agent is stopping
     * @return the outcome
     */
    Outcome run(BackupRun run, ResticRepo repo, Consumer<ResticExecution> started,
            Consumer<BackupMessage.Status> progress, BooleanSupplier cancelRequested, BooleanSupplier shutdown) {
        RestoreValidation.Spec spec = new RestoreValidation.Spec(run.restoreSnapshotId, Path.of(run.restoreTarget),
                List.of(run.restoreInclude), List.of(run.restoreExclude), run.restoreOverwrite, run.restoreVerify);
        try {
            RestoreValidation.requireWritable(spec);
        } catch (AsgardException e) {
            return new Outcome(RunOutcomes.failure("RESTORE_TARGET_NOT_EMPTY", e.detail(), e.hint().orElse(null), false, null,
                    null, List.of()), null);
        }
        long t0 = System.nanoTime();
        Totals planned = plan(repo, spec);
        Totals before = measure(spec.target());
        State state = new State();
        ResticExecution execution = restic.restore(repo, spec.snapshotId(), spec.target().toString(), spec.include(),
                spec.exclude(), spec.verify(), m -> state.onMessage(m, progress), timeout);
        started.accept(execution);
        Thread poller = Thread.ofVirtual().name("restore-progress-" + run.id)
                .start(() -> poll(spec.target(), planned, before, state, progress, t0));
        ResticResult result;
        try {
            result = execution.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            execution.cancel();
            return new Outcome(RunOutcomes.failure("INTERRUPTED", "The agent was interrupted.",
                    "Start the restore again.", false, null, state.last, List.of()), null);
        } finally {
            poller.interrupt();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        state.verifyErrors = verifyErrors(fileErrors(result.stderr()));
        return new Outcome(finish(result, state, planned, before, spec, repo, cancelRequested.getAsBoolean(),
                shutdown.getAsBoolean()), restored(state, planned, before, spec, ms));
    }

    private RunService.Finish finish(ResticResult r, State state, Totals planned, Totals before,
            RestoreValidation.Spec spec, ResticRepo repo, boolean cancelled, boolean shutdown) {
        BackupMessage.Status last = state.last;
        if (r.outcome() == ResticOutcome.SUCCESS) {
            return new RunService.Finish("SUCCEEDED", null, done(planned, before, spec, state), null, null, null,
                    false, r.exitCode(), List.of(), null);
        }
        List<String[]> fileErrors = fileErrors(r.stderr());
        if (r.outcome() != ResticOutcome.CANCELLED && r.outcome() != ResticOutcome.TIMED_OUT && !fileErrors.isEmpty()) {
            Set<String> paths = new LinkedHashSet<>();
            fileErrors.forEach(e -> paths.add(e[0]));
            long verify = verifyErrors(fileErrors);
            boolean denied = fileErrors.stream().anyMatch(e -> e[1].toLowerCase().contains("permission denied"));
            String first = fileErrors.get(0)[0] + ": " + fileErrors.get(0)[1];
            String message = verify == fileErrors.size()
                    ? verify + " restored file(s) differ from the snapshot (first: " + first + ")."
                    : paths.size() + " path(s) could not be restored (first: " + first + "); the others were.";
            String hint = denied ? "The agent may not write there: fix the target's ownership or permissions, then "
                    + "restore again (with overwrite)."
                    : verify > 0 ? "Check the target's disk, then restore again (with overwrite and verify)."
                    : "Fix what the errors name (a file where a folder belongs, a full disk), then restore again "
                            + "(with overwrite).";
            return RunOutcomes.failure(denied ? "PERMISSION_DENIED" : "RESTIC_ERROR",
                    RunOutcomes.redact(message, repo), hint, false, r.exitCode(), last,
                    paths.stream().limit(MAX_LISTED).toList());
        }
        RunService.Finish f = RunOutcomes.of(r, new RunOutcomes.Observed(last, null, List.of(), cancelled, shutdown),
                repo, List.of());
        if ("INTERRUPTED".equals(f.state()) || "TIMEOUT".equals(f.failureKind())) {
            // A restore is not retried by itself: an administrator restores again (with overwrite).
            String hint = "TIMEOUT".equals(f.failureKind())
                    ? "The restore took longer than asgard.backup.restore.timeout: raise it, or restore fewer paths."
                    : "Partly restored files remain in " + spec.target() + "; restore again with overwrite.";
            return new RunService.Finish(f.state(), null, f.lastStatus(), f.failureKind(), f.message(), hint, false,
                    f.exitCode(), f.unreadable(), null);
        }
        return f;
    }

    private static RunService.Restored restored(State state, Totals planned, Totals before,
            RestoreValidation.Spec spec, long ms) {
        RestoreMessage.Summary s = state.summary;
        if (s != null) {
            return new RunService.Restored(s.filesRestored(), s.bytesRestored(), s.filesSkipped(), state.verifyErrors,
                    ms);
        }
        Totals done = planned != null ? planned : delta(measure(spec.target()), before);
        return new RunService.Restored(done.files(), done.bytes(), 0, state.verifyErrors, ms);
    }

    /** The final progress: everything selected is done. */
    private static BackupMessage.Status done(Totals planned, Totals before, RestoreValidation.Spec spec,
            State state) {
        Totals t = planned != null ? planned : delta(measure(spec.target()), before);
        BackupMessage.Status last = state.last;
        long elapsed = last == null ? 0 : last.secondsElapsed();
        return new BackupMessage.Status(1.0, t.files(), t.files(), t.bytes(), t.bytes(), elapsed, 0, List.of(), 0);
    }

    /** What the selection holds; null when restic could not tell (the restore itself then reports why). */
    private Totals plan(ResticRepo repo, RestoreValidation.Spec spec) {
        try {
            if (spec.include().isEmpty()) {
                var stats = restic.stats(repo, "restore-size", List.of(spec.snapshotId()));
                // restore-size counts folders as files too; good enough for a percentage.
                return new Totals(stats.totalFileCount(), stats.totalSize());
            }
            long files = 0;
            long bytes = 0;
            for (String path : spec.include()) {
                for (ResticNode n : restic.ls(repo, spec.snapshotId(), path, true).nodes()) {
                    if ("file".equals(n.type()) && (n.path().equals(path) || n.path().startsWith(path + "/"))) {
                        files++;
                        bytes += n.size();
                    }
                }
            }
            return new Totals(files, bytes);
        } catch (RuntimeException e) {
            LOG.debugf("sizing restore of %s failed: %s", spec.snapshotId(), e.getMessage());
            return null;
        }
    }

    private void poll(Path target, Totals planned, Totals before, State state, Consumer<BackupMessage.Status> progress,
            long t0) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(progressInterval.toMillis());
                if (state.jsonStatus) {
                    return;
                }
                Totals now = delta(measure(target), before);
                long elapsed = (System.nanoTime() - t0) / 1_000_000_000L;
                long totalBytes = planned == null ? 0 : planned.bytes();
                long bytes = totalBytes > 0 ? Math.min(now.bytes(), totalBytes) : now.bytes();
                double percent = totalBytes > 0 ? Math.min(0.99, (double) bytes / totalBytes) : 0;
                long remaining = percent > 0.01 ? Math.round(elapsed * (1 - percent) / percent) : 0;
                BackupMessage.Status s = new BackupMessage.Status(percent, planned == null ? 0 : planned.files(),
                        planned == null ? now.files() : Math.min(now.files(), planned.files()), totalBytes, bytes,
                        elapsed, remaining, List.of(), state.errors);
                state.last = s;
                progress.accept(s);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Regular files and their bytes under a folder (0 when it does not exist). */
    static Totals measure(Path folder) {
        if (!Files.isDirectory(folder)) {
            return new Totals(0, 0);
        }
        long[] sum = new long[2];
        try {
            Files.walkFileTree(folder, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        sum[0]++;
                        sum[1] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException exc) {
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.debugf("measuring %s: %s", folder, e.getMessage());
        }
        return new Totals(sum[0], sum[1]);
    }

    private static Totals delta(Totals now, Totals before) {
        return new Totals(Math.max(0, now.files() - before.files()), Math.max(0, now.bytes() - before.bytes()));
    }

    /** @return (path, message) of every {@code ignoring error for} line */
    static List<String[]> fileErrors(String stderr) {
        List<String[]> out = new ArrayList<>();
        if (stderr == null) {
            return out;
        }
        Matcher m = FILE_ERROR.matcher(stderr);
        while (m.find()) {
            out.add(new String[] { m.group(1), m.group(2) });
        }
        return out;
    }

    private static long verifyErrors(List<String[]> errors) {
        return errors.stream().filter(e -> e[1].contains("Invalid file size") || e[1].contains("Unexpected content")
                || e[1].contains("verif")).count();
    }

    /** What the executor learns from restic's stdout while it runs. */
    private static final class State {
        volatile boolean jsonStatus;
        volatile BackupMessage.Status last;
        volatile RestoreMessage.Summary summary;
        volatile long errors;
        volatile long verifyErrors;

        void onMessage(RestoreMessage m, Consumer<BackupMessage.Status> progress) {
            switch (m) {
                case RestoreMessage.Status s -> {
                    jsonStatus = true;
                    long remaining = s.percentDone() > 0.01
                            ? Math.round(s.secondsElapsed() * (1 - s.percentDone()) / s.percentDone()) : 0;
                    BackupMessage.Status b = new BackupMessage.Status(s.percentDone(), s.totalFiles(),
                            s.filesRestored() + s.filesSkipped(), s.totalBytes(), s.bytesRestored(),
                            s.secondsElapsed(), remaining, List.of(), errors);
                    last = b;
                    progress.accept(b);
                }
                case RestoreMessage.Summary s -> summary = s;
                case RestoreMessage.Error e -> errors++;
                case RestoreMessage.Verified v -> {
                }
                case RestoreMessage.Other o -> {
                }
            }
        }
    }
}
