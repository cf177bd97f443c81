package dev.asgard.backup.service;

import java.util.List;

import dev.asgard.backup.restic.BackupMessage;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;

/**
 * How a finished restic backup becomes a run's end: state, failure kind (the proto {@code FailureKind} name
 * without prefix), an actionable message and hint with secrets removed, and whether a retry may help. Pure.
 */
final class RunOutcomes {

    private RunOutcomes() {
    }

    /**
     * What the executor saw while restic ran.
     *
     * @param lastStatus the last status line, or null
     * @param summary the summary line, or null
     * @param unreadable paths restic reported errors for
     * @param cancelRequested whether an administrator (or a deleted job) asked to stop
     * @param shutdown whether the agent is shutting down
     */
    record Observed(BackupMessage.Status lastStatus, BackupMessage.Summary summary, List<String> unreadable,
            boolean cancelRequested, boolean shutdown) {
    }

    /**
     * @param r restic's result
     * @param seen what the executor saw
     * @param repo the repository (its secrets are removed from messages)
     * @param missingPaths the job's sources that do not exist (for SOURCE_MISSING)
     * @return how the run ends
     */
    static RunService.Finish of(ResticResult r, Observed seen, ResticRepo repo, List<String> missingPaths) {
        ResticOutcome o = r.outcome();
        if (o == ResticOutcome.CANCELLED) {
            if (seen.shutdown() && !seen.cancelRequested()) {
                return failure("INTERRUPTED", "The agent shut down while the run was going.",
                        "Nothing to do: the retry policy starts it again.", true, r.exitCode(), seen.lastStatus(),
                        seen.unreadable());
            }
            return new RunService.Finish("CANCELLED", null, seen.lastStatus(), null, null, null, false, r.exitCode(),
                    seen.unreadable(), null);
        }
        if (o.succeeded()) {
            if (seen.summary() == null) {
                return failure("RESTIC_ERROR", "restic ended without a summary.",
                        "Check that the restic version is supported (0.14 or newer).", false, r.exitCode(),
                        seen.lastStatus(), seen.unreadable());
            }
            return new RunService.Finish(o == ResticOutcome.SUCCESS ? "SUCCEEDED" : "PARTIAL", seen.summary(),
                    seen.lastStatus(), null, null, null, false, r.exitCode(), seen.unreadable(), null);
        }
        String kind = switch (o) {
            case WRONG_PASSWORD -> "WRONG_PASSWORD";
            case LOCKED -> "REPOSITORY_LOCKED";
            case BACKEND_UNREACHABLE -> "BACKEND_UNREACHABLE";
            case REPOSITORY_NOT_FOUND -> "REPOSITORY_NOT_INITIALIZED";
            case SOURCE_MISSING -> "SOURCE_MISSING";
            case TIMED_OUT -> "TIMEOUT";
            default -> "RESTIC_ERROR";
        };
        String hint = switch (o) {
            case SOURCE_MISSING -> missingPaths.isEmpty() ? r.hint()
                    : "These sources do not exist on this machine: " + String.join(", ", missingPaths)
                            + ". Fix the job's paths.";
            case TIMED_OUT -> "The run took longer than the job's runTimeout: raise it, or back up less per job.";
            case REPOSITORY_NOT_FOUND -> "No repository at this location: initialise it (POST "
                    + "/api/v1/repositories/{id}/init), or fix its URL.";
            default -> r.hint();
        };
        // A job's timeout is not transient: the next attempt would hit it again.
        boolean transientFailure = o.isTransient() && o != ResticOutcome.TIMED_OUT;
        return failure(kind, redact(r.message(), repo), redact(hint, repo), transientFailure, r.exitCode(),
                seen.lastStatus(), seen.unreadable());
    }

    /**
     * A run whose repository lock was lost while restic ran: restic was stopped (SIGINT) and the run fails
     * {@code LOCK_LOST}, transient (another attempt takes the lock again), unless an administrator asked to cancel it
     * meanwhile: then it is {@code CANCELLED}, as asked.
     *
     * @param lost the hold's error ({@link RepositoryGuard#LOCK_LOST}): which lock, why, what to do
     * @param seen what the executor saw
     * @return how the run ends
     */
    static RunService.Finish lockLost(dev.asgard.commons.error.AsgardException lost, Observed seen) {
        if (seen.cancelRequested()) {
            return new RunService.Finish("CANCELLED", null, seen.lastStatus(), null, null, null, false, null,
                    seen.unreadable(), null);
        }
        return failure("LOCK_LOST", lost.detail(), lost.hint().orElse("Run it again."), true, null, seen.lastStatus(),
                seen.unreadable());
    }

    static RunService.Finish failure(String kind, String message, String hint, boolean transientFailure, Integer exit,
            BackupMessage.Status lastStatus, List<String> unreadable) {
        return new RunService.Finish("INTERRUPTED".equals(kind) ? "INTERRUPTED" : "FAILED", null, lastStatus, kind,
                message, hint, transientFailure, exit, unreadable, null);
    }

    /** restic never prints secrets it got from its environment; this is the second belt. */
    static String redact(String text, ResticRepo repo) {
        if (text == null) {
            return null;
        }
        String out = text;
        if (repo.password() != null && repo.password().length() >= 4) {
            out = out.replace(repo.password(), "***");
        }
        for (String v : repo.backendSecrets().values()) {
            if (v != null && v.length() >= 4) {
                out = out.replace(v, "***");
            }
        }
        return out;
    }
}
