package dev.asgard.backup.restic;

import java.util.List;

/**
 * A finished {@code restic check}.
 *
 * @param result the invocation (outcome SUCCESS when no errors were found)
 * @param errorsFound whether the check ran and found errors in the repository (rather than not running at all)
 * @param errors the errors restic reported (at most 100 lines of at most 1024 characters; retry noise dropped)
 */
public record ResticCheck(ResticResult result, boolean errorsFound, List<String> errors) {

    /** Never null list. */
    public ResticCheck {
        errors = errors == null ? List.of() : List.copyOf(errors);
    }

    /** @return whether the check passed */
    public boolean passed() {
        return result.outcome() == ResticOutcome.SUCCESS;
    }
}
