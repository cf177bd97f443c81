package dev.asgard.backup.restic;

import java.util.ArrayList;
import java.util.List;

/**
 * Which snapshots a command considers ({@code --host}, {@code --tag}, {@code --path}).
 *
 * @param host only snapshots of this host; null for any
 * @param tags only snapshots carrying all these tags
 * @param paths only snapshots containing all these (absolute) paths
 */
public record ResticSnapshotFilter(String host, List<String> tags, List<String> paths) {

    /** Any snapshot. */
    public static final ResticSnapshotFilter ALL = new ResticSnapshotFilter(null, List.of(), List.of());

    /** Never null lists. */
    public ResticSnapshotFilter {
        tags = tags == null ? List.of() : List.copyOf(tags);
        paths = paths == null ? List.of() : List.copyOf(paths);
    }

    /** @return restic's flags for this filter */
    public List<String> args() {
        List<String> args = new ArrayList<>();
        if (host != null && !host.isEmpty()) {
            args.add("--host");
            args.add(host);
        }
        if (!tags.isEmpty()) {
            // One --tag with a comma list means "all of them"; repeated --tag flags would mean "any of them".
            args.add("--tag");
            args.add(String.join(",", tags));
        }
        for (String path : paths) {
            args.add("--path");
            args.add(path);
        }
        return args;
    }
}
