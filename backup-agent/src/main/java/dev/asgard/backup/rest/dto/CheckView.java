package dev.asgard.backup.rest.dto;

import java.time.Instant;
import java.util.List;

/**
 * The result of a repository check.
 *
 * @param repositoryId the repository
 * @param outcome passed, errors_found (damage found) or failed (the check could not run)
 * @param readData whether pack data was read
 * @param readDataSubset the subset read; empty for all or none
 * @param errors what restic reported (at most 100 lines)
 * @param hint what to do about it; empty when passed
 * @param startTime when it started
 * @param durationMillis how long it took
 */
public record CheckView(String repositoryId, String outcome, boolean readData, String readDataSubset,
        List<String> errors, String hint, Instant startTime, long durationMillis) {
}
