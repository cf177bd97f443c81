package dev.asgard.backup.service;

import java.util.Locale;
import java.util.UUID;

import dev.asgard.backup.restic.ResticException;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticResult;
import dev.asgard.commons.error.AsgardException;

/** restic failures as Asgard errors with what to do about them. Never carries a secret (restic prints none). */
final class ResticErrors {

    private ResticErrors() {
    }

    /**
     * @param repositoryId the repository
     * @param r the failed result
     * @return the error: NOT_FOUND for an unknown snapshot, UNAVAILABLE for transient failures (locked,
     *         unreachable, timed out), FAILED_PRECONDITION otherwise
     */
    static AsgardException of(UUID repositoryId, ResticResult r) {
        String err = r.stderr().toLowerCase(Locale.ROOT);
        if (err.contains("no matching id found") || err.contains("no snapshot found")) {
            return AsgardException.notFound("SNAPSHOT_NOT_FOUND", "No snapshot matches: %s", r.message())
                    .withHint("List the repository's snapshots for their ids.");
        }
        AsgardException e = RepositoryOperations.toException(r);
        if (r.outcome() == ResticOutcome.LOCKED) {
            e.withHint(r.hint() + " To remove stale locks: POST /api/v1/repositories/" + repositoryId
                    + "/unlock.");
        }
        return e;
    }

    static AsgardException of(UUID repositoryId, ResticException e) {
        return of(repositoryId, e.result());
    }
}
