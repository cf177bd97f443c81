package dev.asgard.backup.service;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticForgetGroup;
import dev.asgard.backup.restic.ResticJson;
import dev.asgard.backup.restic.ResticPolicy;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.restic.ResticSnapshotFilter;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import io.smallrye.mutiny.Uni;

/**
 * Forget by retention policy. A preview asks restic ({@code forget --dry-run --json}) which snapshots the policy
 * keeps and why; applying takes that same decision under the exclusive repository guard and forgets exactly the
 * snapshots it named, so what was previewed is what goes (a snapshot added meanwhile is never forgotten blind).
 */
@ApplicationScoped
public class RetentionService {

    private final SnapshotService snapshots;
    private final Restic restic;
    private final RepositoryGuard guard;
    private final MaintenanceRecorder recorder;

    public RetentionService(SnapshotService snapshots, Restic restic, RepositoryGuard guard,
            MaintenanceRecorder recorder) {
        this.snapshots = snapshots;
        this.restic = restic;
        this.guard = guard;
        this.recorder = recorder;
    }

    /**
     * What to forget.
     *
     * @param policy the keep rules
     * @param filter which snapshots are considered
     * @param groupBy host, paths, tags (empty: restic's default host,paths)
     * @param prune whether to prune after forgetting
     * @param dryRun whether to preview only
     * @param allowKeepNothing whether a policy may leave a group without any snapshot (or have no rule at all)
     */
    public record PolicyCommand(ResticPolicy policy, ResticSnapshotFilter filter, List<String> groupBy,
            boolean prune, boolean dryRun, boolean allowKeepNothing) {
    }

    /** @param snapshot the snapshot @param keep whether kept @param reasons the rules that keep it */
    public record Decision(ResticSnapshot snapshot, boolean keep, List<String> reasons) {
    }

    /**
     * @param dryRun whether this was a preview @param decisions every snapshot considered
     * @param keepCount kept @param removeCount forgotten (or to be) @param pruned whether pruned
     * @param freedBytes bytes prune freed
     */
    public record PolicyOutcome(boolean dryRun, List<Decision> decisions, int keepCount, int removeCount,
            boolean pruned, long freedBytes) {
    }

    /**
     * @param repositoryId the repository
     * @param command the policy and options
     * @return the decisions (and what was done)
     * @throws AsgardException INVALID_ARGUMENT for a bad policy; FAILED_PRECONDITION {@code POLICY_KEEPS_NOTHING}
     *         when applying would empty a group and that was not explicitly allowed
     */
    public Uni<PolicyOutcome> forget(UUID repositoryId, PolicyCommand command) {
        Validation v = Validation.create();
        SnapshotValidation.policy(v, command.policy(), command.allowKeepNothing());
        SnapshotValidation.filter(v, command.filter().host(), command.filter().tags(), command.filter().paths());
        SnapshotValidation.groupBy(v, command.groupBy());
        v.throwIfInvalid();
        if (command.dryRun()) {
            return snapshots.run(repositoryId, repo -> preview(repo, command));
        }
        return snapshots.run(repositoryId, repo -> guard.hold(repositoryId, RepositoryGuard.Mode.EXCLUSIVE,
                "forget by policy", () -> apply(repo, command)))
                .call(o -> {
                    List<ResticSnapshot> removed = o.decisions().stream().filter(d -> !d.keep())
                            .map(Decision::snapshot).toList();
                    return removed.isEmpty() ? Uni.createFrom().voidItem()
                            : recorder.snapshotsForgotten(repositoryId, removed, true, o.pruned());
                });
    }

    private PolicyOutcome preview(ResticRepo repo, PolicyCommand command) {
        List<ResticForgetGroup> groups;
        if (command.policy().isEmpty()) {
            // Only reachable with allowKeepNothing: restic forgets nothing without a rule, Asgard forgets all.
            groups = List.of(new ResticForgetGroup(null, null, null, List.of(),
                    restic.snapshots(repo, command.filter(), List.of()), null));
        } else {
            groups = restic.forget(repo, command.policy(), command.filter(), command.groupBy(), true, false).groups();
        }
        List<Decision> decisions = new ArrayList<>();
        for (ResticForgetGroup g : groups) {
            g.keep().forEach(s -> decisions.add(new Decision(s, true, g.reasons().getOrDefault(s.id(), List.of()))));
            g.remove().forEach(s -> decisions.add(new Decision(s, false, List.of())));
        }
        if (!command.dryRun() && !command.allowKeepNothing()) {
            for (ResticForgetGroup g : groups) {
                if (g.keep().isEmpty() && !g.remove().isEmpty()) {
                    throw AsgardException.failedPrecondition("POLICY_KEEPS_NOTHING",
                            "The policy keeps no snapshot of the group host=%s paths=%s tags=%s (%d snapshots would "
                                    + "all be forgotten).", g.host(), g.paths(), g.tags(), g.remove().size())
                            .withHint("Preview with dryRun=true and widen the policy, or set allowKeepNothing=true "
                                    + "if every snapshot of that group should really go.");
                }
            }
        }
        int keep = (int) decisions.stream().filter(Decision::keep).count();
        return new PolicyOutcome(true, decisions, keep, decisions.size() - keep, false, 0);
    }

    private PolicyOutcome apply(ResticRepo repo, PolicyCommand command) {
        PolicyOutcome planned = preview(repo, command);
        List<String> ids = planned.decisions().stream().filter(d -> !d.keep()).map(d -> d.snapshot().id()).toList();
        if (ids.isEmpty()) {
            return new PolicyOutcome(false, planned.decisions(), planned.keepCount(), 0, false, 0);
        }
        ResticResult r = restic.forget(repo, ids, command.prune()).orThrow();
        return new PolicyOutcome(false, planned.decisions(), planned.keepCount(), planned.removeCount(),
                command.prune(), command.prune() ? ResticJson.prunedBytes(r.stdoutText()) : 0);
    }
}
