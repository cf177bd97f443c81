package dev.asgard.backup.service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The result of a repository check.
 *
 * @param repositoryId the repository
 * @param outcome passed, errors_found (the check ran and found damage) or failed (it could not run)
 * @param readData whether pack data was read
 * @param readDataSubset the subset read, empty for all or none
 * @param errors restic's findings or failure message
 * @param hint what to do about it; empty when passed
 * @param startTime when it started
 * @param duration how long it took
 */
public record CheckReport(String repositoryId, Outcome outcome, boolean readData, String readDataSubset,
        List<String> errors, String hint, Instant startTime, Duration duration) {

    /** Outcomes, stored in {@code repository.last_check_outcome} by their lower-case name. */
    public enum Outcome {
        /** No errors found. */
        PASSED,
        /** The check ran and found errors. */
        ERRORS_FOUND,
        /** The check could not run (unreachable, wrong password, locked). */
        FAILED;

        /** @return the stored and shown name */
        public String value() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Never null list. */
    public CheckReport {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }
}
