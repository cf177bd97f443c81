package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticCheck;
import dev.asgard.backup.restic.ResticException;
import dev.asgard.backup.restic.ResticLock;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.restic.ResticSnapshotFilter;
import dev.asgard.backup.restic.ResticStats;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import io.smallrye.mutiny.Uni;

/**
 * Repository maintenance: check (recorded on the repository and announced as an event), unlock of stale restic
 * locks, statistics. check and unlock hold the repository exclusively ({@link RepositoryGuard}); when its lock-service
 * lock is lost meanwhile, restic is stopped and the call fails {@value RepositoryGuard#LOCK_LOST} (409, or 503 when
 * lock-service could not be reached) — a check stopped that way is not recorded as a check result.
 */
@ApplicationScoped
public class MaintenanceService {

    /** At most this many remaining locks are described in an unlock answer. */
    static final int MAX_DESCRIBED_LOCKS = 50;

    private final SnapshotService snapshots;
    private final Restic restic;
    private final RepositoryGuard guard;
    private final MaintenanceRecorder recorder;
    private final Clock clock;

    public MaintenanceService(SnapshotService snapshots, Restic restic, RepositoryGuard guard,
            MaintenanceRecorder recorder, Clock clock) {
        this.snapshots = snapshots;
        this.restic = restic;
        this.guard = guard;
        this.recorder = recorder;
        this.clock = clock;
    }

    /**
     * Runs {@code restic check}. Damage found and a check that could not run are results, not errors: both are
     * recorded (last_check_at, last_check_outcome) and announced ({@code RepositoryCheckCompleted}).
     *
     * @param repositoryId the repository
     * @param readData whether to read pack data
     * @param readDataSubset the subset to read (10%, 1/5); null or empty with readData reads all
     * @return the report
     */
    public Uni<CheckReport> check(UUID repositoryId, boolean readData, String readDataSubset) {
        return check(repositoryId, readData, readDataSubset, false);
    }

    /**
     * As {@link #check(UUID, boolean, String)}, saying in the event whether the schedule started it.
     *
     * @param repositoryId the repository
     * @param readData whether to read pack data
     * @param readDataSubset the subset to read
     * @param scheduled whether the check scheduler started it (rather than an administrator)
     * @return the report
     */
    public Uni<CheckReport> check(UUID repositoryId, boolean readData, String readDataSubset, boolean scheduled) {
        Validation v = Validation.create();
        SnapshotValidation.readDataSubset(v, readDataSubset);
        v.throwIfInvalid();
        String subset = readDataSubset == null ? "" : readDataSubset;
        boolean read = readData || !subset.isEmpty();
        Instant start = clock.instant();
        return snapshots.run(repositoryId, repo -> guard.hold(repositoryId, RepositoryGuard.Mode.EXCLUSIVE, "check",
                () -> report(repositoryId, restic.check(repo, read ? subset : null), read, subset, start)))
                .call(report -> recorder.checkCompleted(report, scheduled));
    }

    private static CheckReport report(UUID repositoryId, ResticCheck c, boolean read, String subset, Instant start) {
        Duration took = c.result().duration();
        if (c.passed()) {
            return new CheckReport(repositoryId.toString(), CheckReport.Outcome.PASSED, read, subset, List.of(), "",
                    start, took);
        }
        if (c.errorsFound()) {
            return new CheckReport(repositoryId.toString(), CheckReport.Outcome.ERRORS_FOUND, read, subset,
                    c.errors(), "restic found damage in the repository. Do not prune it now; keep the storage as "
                            + "it is, check the disk or backend, and repair the index with restic (rebuild-index, "
                            + "repair in newer versions) before the next backup re-adds missing data.",
                    start, took);
        }
        List<String> errors = c.errors().isEmpty() ? List.of(c.result().message()) : c.errors();
        String hint = c.result().hint();
        if (c.result().outcome() == ResticOutcome.LOCKED) {
            hint += " To remove stale locks: POST /api/v1/repositories/" + repositoryId + "/unlock.";
        }
        return new CheckReport(repositoryId.toString(), CheckReport.Outcome.FAILED, read, subset, errors,
                c.result().outcome() + ": " + hint, start, took);
    }

    /**
     * @param removed locks removed @param remaining locks still present (at most 50 described)
     * @param remainingCount how many remain @param hint what to do about the remaining ones
     */
    public record Unlocked(int removed, List<ResticLock> remaining, int remainingCount, String hint) {
    }

    /**
     * {@code restic unlock}: removes stale locks (their process is gone, or they are older than 30 minutes);
     * with removeAll also live ones.
     *
     * @param repositoryId the repository
     * @param removeAll whether to remove every lock ({@code --remove-all}); only when no restic process uses the
     *        repository any more
     * @return what was removed and what remains
     */
    public Uni<Unlocked> unlock(UUID repositoryId, boolean removeAll) {
        return snapshots.run(repositoryId, repo -> guard.hold(repositoryId, RepositoryGuard.Mode.EXCLUSIVE, "unlock",
                () -> {
                    List<String> before = restic.lockIds(repo);
                    restic.unlock(repo, removeAll).orThrow();
                    List<String> after = restic.lockIds(repo);
                    List<ResticLock> described = new ArrayList<>();
                    for (String id : after.stream().limit(MAX_DESCRIBED_LOCKS).toList()) {
                        try {
                            described.add(restic.lock(repo, id));
                        } catch (ResticException gone) {
                            // released between the listing and the read
                        }
                    }
                    int removed = (int) before.stream().filter(id -> !after.contains(id)).count();
                    String hint = after.isEmpty() ? ""
                            : after.size() + " lock(s) remain that restic does not consider stale ("
                                    + String.join("; ", described.stream().map(MaintenanceService::describe).toList())
                                    + "). Wait for those processes to finish; if they no longer run, unlock with "
                                    + "removeAll=true.";
                    return new Unlocked(removed, described, after.size(), hint);
                }))
                .call(u -> recorder.locksObserved(repositoryId, u.remainingCount()));
    }

    private static String describe(ResticLock l) {
        return (l.exclusive() ? "exclusive" : "shared") + " lock " + l.id().substring(0, Math.min(8, l.id().length()))
                + " by PID " + l.pid() + " on " + l.hostname() + " (user " + l.username() + ") since " + l.time();
    }

    /**
     * @param repositoryId the repository
     * @param mode restore-size (default), files-by-contents, raw-data, blobs-per-file
     * @param snapshotIds only these snapshots; empty for all
     * @return the statistics
     */
    public Uni<ResticStats> stats(UUID repositoryId, String mode, List<String> snapshotIds) {
        String m = SnapshotValidation.statsMode(mode);
        List<String> ids = snapshotIds == null ? List.of()
                : snapshotIds.stream().map(id -> SnapshotValidation.snapshotId("snapshot", id)).toList();
        return snapshots.run(repositoryId, repo -> {
            if (!ids.isEmpty()) {
                // restic stats counts nothing for an unknown id and still succeeds
                List<String> found = restic.snapshots(repo, ResticSnapshotFilter.ALL, ids).stream()
                        .map(ResticSnapshot::id).toList();
                for (String id : ids) {
                    if (found.stream().noneMatch(f -> f.startsWith(id))) {
                        throw AsgardException.notFound("SNAPSHOT_NOT_FOUND", "No snapshot %s in repository %s.", id,
                                repositoryId).withHint("List the repository's snapshots for their ids.");
                    }
                }
            }
            return restic.stats(repo, m, ids);
        });
    }
}
