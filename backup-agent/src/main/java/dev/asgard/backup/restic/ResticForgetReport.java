package dev.asgard.backup.restic;

import java.util.List;

/**
 * {@code restic forget --json} with a policy.
 *
 * @param groups the decisions per group
 * @param result the invocation (its output carries prune's numbers)
 */
public record ResticForgetReport(List<ResticForgetGroup> groups, ResticResult result) {

    /** Never null list. */
    public ResticForgetReport {
        groups = groups == null ? List.of() : List.copyOf(groups);
    }
}
