package dev.asgard.backup.mapping;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.rest.dto.CheckView;
import dev.asgard.backup.rest.dto.ForgetPolicyView;
import dev.asgard.backup.rest.dto.ForgetSnapshotView;
import dev.asgard.backup.rest.dto.RepositoryStatsView;
import dev.asgard.backup.rest.dto.SnapshotDiffView;
import dev.asgard.backup.rest.dto.SnapshotNodeView;
import dev.asgard.backup.rest.dto.SnapshotPage;
import dev.asgard.backup.rest.dto.SnapshotTreePage;
import dev.asgard.backup.rest.dto.SnapshotView;
import dev.asgard.backup.rest.dto.UnlockView;
import dev.asgard.backup.restic.ResticDiff;
import dev.asgard.backup.restic.ResticNode;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.restic.ResticStats;
import dev.asgard.backup.service.CheckReport;
import dev.asgard.backup.service.MaintenanceService;
import dev.asgard.backup.service.RetentionService;
import dev.asgard.backup.service.SnapshotService;
import dev.asgard.commons.paging.Page;

/** restic's snapshots, trees, diffs and maintenance results to REST views. */
@ApplicationScoped
public class SnapshotMapper {

    /** The tag the jobs slice puts on every snapshot of a job ({@code BackupJob.jobTag()}). */
    public static final String JOB_TAG_PREFIX = "asgard-job=";

    /**
     * @param tags a snapshot's tags
     * @return the id of the job that made it, empty for snapshots made elsewhere
     */
    public static String jobId(java.util.List<String> tags) {
        return tags.stream().filter(t -> t.startsWith(JOB_TAG_PREFIX)).map(t -> t.substring(JOB_TAG_PREFIX.length()))
                .findFirst().orElse("");
    }

    /** @param s the snapshot @return the view */
    public SnapshotView toView(ResticSnapshot s) {
        String job = jobId(s.tags());
        return new SnapshotView(s.id(), s.shortId(), s.time(), s.hostname(), s.username(), s.paths(), s.tags(),
                s.parent(), s.tree(), job.isEmpty() ? null : job);
    }

    /** @param page a page of snapshots @return the view */
    public SnapshotPage toView(Page<ResticSnapshot> page) {
        return new SnapshotPage(page.items().stream().map(this::toView).toList(), page.nextPageToken());
    }

    /** @param n the node @return the view */
    public SnapshotNodeView toView(ResticNode n) {
        return new SnapshotNodeView(n.name(), n.path(), n.type(), n.size(), String.format("%04o", n.mode()),
                n.mtime(), n.atime(), n.ctime(), n.uid(), n.gid(), n.user(), n.group(), n.linkTarget());
    }

    /** @param l a folder listing @return the view */
    public SnapshotTreePage toView(SnapshotService.Listing l) {
        return new SnapshotTreePage(l.snapshot().id(), l.path(), l.nodes().items().stream().map(this::toView).toList(),
                l.nodes().nextPageToken());
    }

    /** @param d a diff page @return the view */
    public SnapshotDiffView toView(SnapshotService.DiffPage d) {
        ResticDiff.Stats s = d.stats();
        return new SnapshotDiffView(d.base(), d.target(),
                d.changes().items().stream().map(c -> new SnapshotDiffView.Entry(c.path(), change(c.modifier())))
                        .toList(),
                new SnapshotDiffView.Stats(s.changedFiles(), s.filesAdded(), s.filesRemoved(), s.dirsAdded(),
                        s.dirsRemoved(), s.bytesAdded(), s.bytesRemoved()),
                d.changes().nextPageToken());
    }

    /**
     * @param modifier restic's modifier (+, -, M, T, U; newer versions may combine, such as "MU")
     * @return added, removed, modified, type_changed, metadata_changed or unknown
     */
    public static String change(String modifier) {
        if (modifier == null || modifier.isEmpty()) {
            return "unknown";
        }
        return switch (modifier.charAt(0)) {
            case '+' -> "added";
            case '-' -> "removed";
            case 'M' -> "modified";
            case 'T' -> "type_changed";
            case 'U' -> "metadata_changed";
            default -> "unknown";
        };
    }

    /** @param f a forgotten snapshot @return the view */
    public ForgetSnapshotView toView(SnapshotService.Forgotten f) {
        return new ForgetSnapshotView(f.snapshot().id(), f.pruned(), f.freedBytes());
    }

    /** @param o a policy outcome @return the view */
    public ForgetPolicyView toView(RetentionService.PolicyOutcome o) {
        return new ForgetPolicyView(o.dryRun(), o.decisions().stream()
                .map(d -> new ForgetPolicyView.Decision(toView(d.snapshot()), d.keep(), d.reasons())).toList(),
                o.keepCount(), o.removeCount(), o.pruned(), o.freedBytes());
    }

    /** @param r a check report @return the view */
    public CheckView toView(CheckReport r) {
        return new CheckView(r.repositoryId(), r.outcome().value(), r.readData(), r.readDataSubset(), r.errors(),
                r.hint(), r.startTime(), r.duration().toMillis());
    }

    /** @param u an unlock @return the view */
    public UnlockView toView(MaintenanceService.Unlocked u) {
        return new UnlockView(u.removed(), u.remainingCount(), u.remaining().stream()
                .map(l -> new UnlockView.Lock(l.id(), l.hostname(), l.username(), l.pid(), l.time(), l.exclusive()))
                .toList(), u.hint());
    }

    /** @param repositoryId the repository @param mode the mode @param s the numbers @return the view */
    public RepositoryStatsView toView(UUID repositoryId, String mode, ResticStats s) {
        return new RepositoryStatsView(repositoryId.toString(), mode, s.totalSize(), s.totalFileCount(),
                s.snapshotsCount(), s.totalUncompressedSize(), s.compressionRatio(), s.totalBlobCount());
    }
}
