package dev.asgard.backup.service;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticDiff;
import dev.asgard.backup.restic.ResticException;
import dev.asgard.backup.restic.ResticJson;
import dev.asgard.backup.restic.ResticNode;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.restic.ResticSnapshotFilter;
import dev.asgard.backup.restic.ResticTree;
import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import io.smallrye.mutiny.Uni;

/**
 * Snapshots of a repository, read from restic (the repository is the source of truth; nothing is cached):
 * list with filters, details, browse a folder, diff two snapshots, forget one. restic runs on worker threads.
 * Pages are cut from restic's full answer; page tokens are bound to the repository and the query.
 */
@ApplicationScoped
public class SnapshotService {

    private final RepositoryService repositories;
    private final Restic restic;
    private final RepositoryGuard guard;
    private final MaintenanceRecorder recorder;
    private final PageTokenCodec pageTokens;

    public SnapshotService(RepositoryService repositories, Restic restic, RepositoryGuard guard,
            MaintenanceRecorder recorder, PageTokenCodec pageTokens) {
        this.repositories = repositories;
        this.restic = restic;
        this.guard = guard;
        this.recorder = recorder;
        this.pageTokens = pageTokens;
    }

    /**
     * @param repositoryId the repository
     * @param filter host, tags, paths
     * @param page size and cursor
     * @return one page of snapshots, newest first
     */
    public Uni<Page<ResticSnapshot>> list(UUID repositoryId, ResticSnapshotFilter filter, PageRequest page) {
        return list(repositoryId, filter, null, null, page);
    }

    /**
     * @param repositoryId the repository
     * @param filter host, tags, paths
     * @param takenAfter only snapshots taken at or after this; null for no bound
     * @param takenBefore only snapshots taken before this; null for no bound
     * @param page size and cursor
     * @return one page of snapshots, newest first
     */
    public Uni<Page<ResticSnapshot>> list(UUID repositoryId, ResticSnapshotFilter filter, java.time.Instant takenAfter,
            java.time.Instant takenBefore, PageRequest page) {
        Validation v = Validation.create();
        SnapshotValidation.filter(v, filter.host(), filter.tags(), filter.paths());
        v.throwIfInvalid();
        String query = PageTokenCodec.query("snapshots", repositoryId.toString(), String.valueOf(filter.host()),
                String.join(",", filter.tags()), String.join("\n", filter.paths()), String.valueOf(takenAfter),
                String.valueOf(takenBefore));
        String after = page.token().map(t -> pageTokens.decode(t, query).get(0)).orElse(null);
        return run(repositoryId, repo -> restic.snapshots(repo, filter, List.of()))
                .map(all -> {
                    List<ResticSnapshot> sorted = new ArrayList<>(all.stream()
                            .filter(x -> takenAfter == null || (x.time() != null && !x.time().isBefore(takenAfter)))
                            .filter(x -> takenBefore == null || (x.time() != null && x.time().isBefore(takenBefore)))
                            .toList());
                    sorted.sort(Comparator.comparing(ResticSnapshot::time, Comparator.nullsLast(Comparator
                            .<java.time.Instant>naturalOrder())).reversed().thenComparing(ResticSnapshot::id));
                    return cut(sorted, ResticSnapshot::id, after, page, query);
                });
    }

    /**
     * @param repositoryId the repository
     * @param snapshotId full id or unique prefix (validated)
     * @return the snapshot
     * @throws AsgardException NOT_FOUND {@code SNAPSHOT_NOT_FOUND}
     */
    public Uni<ResticSnapshot> get(UUID repositoryId, String snapshotId) {
        String id = SnapshotValidation.snapshotId("snapshotId", snapshotId);
        return run(repositoryId, repo -> find(repositoryId, repo, id));
    }

    private ResticSnapshot find(UUID repositoryId, ResticRepo repo, String id) {
        return restic.snapshots(repo, ResticSnapshotFilter.ALL, List.of(id)).stream()
                .filter(s -> s.id() != null && s.id().startsWith(id)).findFirst()
                .orElseThrow(() -> AsgardException.notFound("SNAPSHOT_NOT_FOUND",
                        "No snapshot %s in repository %s.", id, repositoryId)
                        .withHint("List the repository's snapshots for their ids."));
    }

    /** A folder listing. @param snapshot the snapshot @param path the folder @param nodes one page of entries */
    public record Listing(ResticSnapshot snapshot, String path, Page<ResticNode> nodes) {
    }

    /**
     * @param repositoryId the repository
     * @param snapshotId the snapshot
     * @param path absolute folder ("/" for the root)
     * @param recursive whether to list the whole subtree
     * @param page size and cursor
     * @return the entries under the folder, in path order
     * @throws AsgardException NOT_FOUND {@code SNAPSHOT_NOT_FOUND} or {@code PATH_NOT_FOUND}
     */
    public Uni<Listing> browse(UUID repositoryId, String snapshotId, String path, boolean recursive,
            PageRequest page) {
        String id = SnapshotValidation.snapshotId("snapshotId", snapshotId);
        Validation v = Validation.create();
        SnapshotValidation.path(v, "path", path);
        v.throwIfInvalid();
        String folder = SnapshotValidation.normalise(path);
        String query = PageTokenCodec.query("tree", repositoryId.toString(), id, folder, String.valueOf(recursive));
        String after = page.token().map(t -> pageTokens.decode(t, query).get(0)).orElse(null);
        return run(repositoryId, repo -> restic.ls(repo, id, folder, recursive)).map(tree -> {
            if (tree.snapshot() == null) {
                throw AsgardException.notFound("SNAPSHOT_NOT_FOUND", "No snapshot %s in repository %s.", id,
                        repositoryId).withHint("List the repository's snapshots for their ids.");
            }
            return new Listing(tree.snapshot(), folder, cut(entries(tree, folder, recursive), ResticNode::path,
                    after, page, query));
        });
    }

    private static List<ResticNode> entries(ResticTree tree, String folder, boolean recursive) {
        boolean root = "/".equals(folder);
        if (!root && tree.nodes().stream().noneMatch(n -> folder.equals(n.path()))) {
            throw AsgardException.notFound("PATH_NOT_FOUND", "The snapshot has nothing at %s.", folder)
                    .withHint("Browse the parent folder to see what the snapshot holds.");
        }
        String prefix = root ? "/" : folder + "/";
        return tree.nodes().stream()
                .filter(n -> n.path() != null && n.path().startsWith(prefix) && !n.path().equals(folder))
                .filter(n -> recursive || n.parent().equals(folder))
                .sorted(Comparator.comparing(ResticNode::path))
                .toList();
    }

    /**
     * Differences between two snapshots.
     *
     * @param changes one page of changes @param stats the totals of the whole diff @param base the base snapshot
     * @param target the target snapshot
     */
    public record DiffPage(String base, String target, Page<ResticDiff.Change> changes, ResticDiff.Stats stats) {
    }

    /**
     * @param repositoryId the repository
     * @param base the older snapshot
     * @param target the newer snapshot
     * @param pathPrefix only changes under this path; null for all
     * @param metadata whether metadata-only changes are listed
     * @param page size and cursor
     * @return the changes in path order and the totals
     */
    public Uni<DiffPage> diff(UUID repositoryId, String base, String target, String pathPrefix, boolean metadata,
            PageRequest page) {
        String from = SnapshotValidation.snapshotId("from", base);
        String to = SnapshotValidation.snapshotId("to", target);
        Validation v = Validation.create();
        if (pathPrefix != null && !pathPrefix.isEmpty()) {
            SnapshotValidation.path(v, "path", pathPrefix);
        }
        v.throwIfInvalid();
        String prefix = pathPrefix == null || pathPrefix.isEmpty() ? "/" : SnapshotValidation.normalise(pathPrefix);
        String query = PageTokenCodec.query("diff", repositoryId.toString(), from, to, prefix,
                String.valueOf(metadata));
        String after = page.token().map(t -> pageTokens.decode(t, query).get(0)).orElse(null);
        return run(repositoryId, repo -> restic.diff(repo, from, to, metadata)).map(d -> {
            List<ResticDiff.Change> changes = d.changes().stream()
                    .filter(c -> "/".equals(prefix) || c.path().equals(prefix) || c.path().startsWith(prefix + "/"))
                    .sorted(Comparator.comparing(ResticDiff.Change::path)).toList();
            return new DiffPage(from, to, cut(changes, ResticDiff.Change::path, after, page, query), d.stats());
        });
    }

    /** @param snapshot the forgotten snapshot @param pruned whether data was pruned @param freedBytes bytes freed */
    public record Forgotten(ResticSnapshot snapshot, boolean pruned, long freedBytes) {
    }

    /**
     * Forgets one snapshot (and prunes when asked), holding the repository exclusively; writes a
     * {@code SnapshotForgotten} event through the outbox.
     *
     * @param repositoryId the repository
     * @param snapshotId the snapshot (resolved to its full id first: restic ignores unknown ids silently)
     * @param prune whether to prune afterwards
     * @return what was done
     */
    public Uni<Forgotten> forget(UUID repositoryId, String snapshotId, boolean prune) {
        String id = SnapshotValidation.snapshotId("snapshotId", snapshotId);
        return run(repositoryId, repo -> guard.hold(repositoryId, RepositoryGuard.Mode.EXCLUSIVE,
                prune ? "forget and prune" : "forget", () -> {
                    ResticSnapshot snapshot = find(repositoryId, repo, id);
                    ResticResult r = restic.forget(repo, List.of(snapshot.id()), prune).orThrow();
                    return new Forgotten(snapshot, prune, prune ? ResticJson.prunedBytes(r.stdoutText()) : 0);
                }))
                .call(f -> recorder.snapshotsForgotten(repositoryId, List.of(f.snapshot()), false, f.pruned()));
    }

    /**
     * Runs restic against the stored repository on a worker thread; restic failures become Asgard errors.
     */
    <T> Uni<T> run(UUID repositoryId, Function<ResticRepo, T> work) {
        return repositories.resticRepo(repositoryId).chain(repo -> Offload.blocking(() -> {
            try {
                return work.apply(repo);
            } catch (ResticException e) {
                throw ResticErrors.of(repositoryId, e);
            }
        }));
    }

    private <T> Page<T> cut(List<T> all, Function<T, String> key, String after, PageRequest page, String query) {
        int start = 0;
        if (after != null) {
            start = all.size();
            for (int i = 0; i < all.size(); i++) {
                if (after.equals(key.apply(all.get(i)))) {
                    start = i + 1;
                    break;
                }
            }
        }
        List<T> rows = all.subList(Math.min(start, all.size()), Math.min(all.size(), start + page.fetchSize()));
        return Page.fromOverfetch(new ArrayList<>(rows), page, last -> pageTokens.encode(query, key.apply(last)));
    }

}
