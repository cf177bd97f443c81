package dev.asgard.backup.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.stream.Stream;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;

/**
 * Input rules of a restore request; each broken rule says what to fix. The target must lie at or under one of the
 * agent's allowed roots, also after resolving symbolic links of the part that exists already, so a link inside a
 * root cannot lead a restore elsewhere.
 */
public final class RestoreValidation {

    private RestoreValidation() {
    }

    /**
     * A restore as requested, not yet checked.
     *
     * @param snapshotId full id or a prefix of at least 8 hexadecimal characters
     * @param targetPath the target folder on the agent
     * @param includePaths only these snapshot paths; empty for everything
     * @param excludePaths patterns left out
     * @param overwrite whether a non-empty target may be written into
     * @param verify whether restic verifies the files afterwards
     */
    public record Input(String snapshotId, String targetPath, List<String> includePaths, List<String> excludePaths,
            boolean overwrite, boolean verify) {
    }

    /**
     * A checked restore: target normalised, includes normalised without duplicates ("/" means everything).
     *
     * @param snapshotId the snapshot id as given, lower case
     * @param target the target folder
     * @param include snapshot paths to restore; empty for everything
     * @param exclude patterns left out
     * @param overwrite whether a non-empty target may be written into
     * @param verify whether restic verifies afterwards
     */
    public record Spec(String snapshotId, Path target, List<String> include, List<String> exclude, boolean overwrite,
            boolean verify) {
    }

    /**
     * Checks the fields and the target against the allowed roots (reads the file system: symbolic links and
     * whether the target is empty).
     *
     * @param in the request
     * @param allowedRoots the agent's allowed roots (absolute)
     * @return the checked restore
     * @throws AsgardException INVALID_ARGUMENT with field violations, FAILED_PRECONDITION
     *         {@code RESTORE_NOT_CONFIGURED} or {@code RESTORE_TARGET_NOT_EMPTY}
     */
    public static Spec check(Input in, List<String> allowedRoots) {
        if (allowedRoots.isEmpty()) {
            throw AsgardException.failedPrecondition("RESTORE_NOT_CONFIGURED",
                    "This agent has no allowed restore roots, so it restores nowhere.")
                    .withHint("Set asgard.backup.restore.allowed-roots (absolute folders, comma-separated) on the "
                            + "agent and restart it.");
        }
        Validation v = Validation.create();
        String snapshot = in.snapshotId() == null ? "" : in.snapshotId().strip().toLowerCase(java.util.Locale.ROOT);
        if (!snapshot.matches("[0-9a-f]{8,64}")) {
            v.add("snapshotId", "must be 8 to 64 hexadecimal characters (a full snapshot id or its short id)");
        }
        Path target = target(v, in.targetPath());
        List<String> include = new ArrayList<>(new LinkedHashSet<>(in.includePaths() == null ? List.of()
                : in.includePaths()));
        List<String> exclude = in.excludePaths() == null ? List.of() : in.excludePaths();
        v.check(include.size() <= SnapshotValidation.MAX_FILTER_ENTRIES, "includePaths",
                "must have at most " + SnapshotValidation.MAX_FILTER_ENTRIES + " entries");
        v.check(exclude.size() <= SnapshotValidation.MAX_FILTER_ENTRIES, "excludePaths",
                "must have at most " + SnapshotValidation.MAX_FILTER_ENTRIES + " entries");
        for (int i = 0; i < include.size(); i++) {
            SnapshotValidation.path(v, "includePaths[" + i + "]", include.get(i));
        }
        for (int i = 0; i < exclude.size(); i++) {
            String p = exclude.get(i);
            if (p == null || p.isBlank() || p.length() > SnapshotValidation.MAX_PATH
                    || p.chars().anyMatch(Character::isISOControl)) {
                v.add("excludePaths[" + i + "]", "must be a pattern of 1 to " + SnapshotValidation.MAX_PATH
                        + " characters without control characters");
            }
        }
        v.throwIfInvalid();
        List<String> roots = allowedRoots.stream().map(r -> Path.of(r).toAbsolutePath().normalize().toString())
                .toList();
        Path root = roots.stream().map(Path::of).filter(target::startsWith).findFirst()
                .orElseThrow(() -> AsgardException.invalidArgument("RESTORE_TARGET_NOT_ALLOWED",
                        "%s is not under an allowed restore root of this agent.", target)
                        .withViolation("targetPath", "must lie under one of: " + String.join(", ", roots))
                        .withHint("Choose a folder under an allowed root, or add a root to "
                                + "asgard.backup.restore.allowed-roots."));
        Path real = realOfExistingPart(target);
        Path realRoot = realOfExistingPart(root);
        if (!real.startsWith(realRoot)) {
            throw AsgardException.invalidArgument("RESTORE_TARGET_NOT_ALLOWED",
                    "%s leads outside the allowed root %s through a symbolic link.", target, root)
                    .withViolation("targetPath", "must not pass through a symbolic link that leaves " + root)
                    .withHint("Choose a folder whose existing part is inside the root.");
        }
        List<String> normalised = include.stream().map(SnapshotValidation::normalise).distinct().toList();
        if (normalised.contains("/")) {
            normalised = List.of();
        }
        Spec spec = new Spec(snapshot, target, normalised, List.copyOf(exclude), in.overwrite(), in.verify());
        requireWritable(spec);
        return spec;
    }

    /**
     * Refuses a target that is a file, or a non-empty folder unless overwriting was asked for (checked when the
     * restore is requested and again when it starts).
     *
     * @param spec the restore
     * @throws AsgardException INVALID_ARGUMENT {@code RESTORE_TARGET_NOT_A_FOLDER}, FAILED_PRECONDITION
     *         {@code RESTORE_TARGET_NOT_EMPTY}
     */
    public static void requireWritable(Spec spec) {
        Path target = spec.target();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(target)) {
            throw AsgardException.invalidArgument("RESTORE_TARGET_NOT_A_FOLDER", "%s exists and is not a folder.",
                    target).withViolation("targetPath", "must be a folder or not exist yet");
        }
        if (!spec.overwrite() && !isEmptyOrMissing(target)) {
            throw AsgardException.failedPrecondition("RESTORE_TARGET_NOT_EMPTY",
                    "%s is not empty; a restore into it could overwrite files.", target)
                    .withHint("Choose an empty or new folder, or set overwrite to true to write over existing "
                            + "files.");
        }
    }

    static boolean isEmptyOrMissing(Path folder) {
        if (!Files.isDirectory(folder)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(folder)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    private static Path target(Validation v, String raw) {
        if (raw == null || raw.isBlank()) {
            v.add("targetPath", "is required");
            return null;
        }
        if (raw.length() > SnapshotValidation.MAX_PATH || raw.chars().anyMatch(Character::isISOControl)) {
            v.add("targetPath", "must be at most " + SnapshotValidation.MAX_PATH
                    + " characters without control characters");
            return null;
        }
        try {
            Path p = Path.of(raw);
            if (!p.isAbsolute()) {
                v.add("targetPath", "must be an absolute path");
                return null;
            }
            if (!p.normalize().equals(p) || raw.contains("/./") || raw.contains("/../") || raw.endsWith("/..")) {
                v.add("targetPath", "must be a normalised path without '.' or '..' segments");
                return null;
            }
            return p;
        } catch (InvalidPathException e) {
            v.add("targetPath", "is not a valid path: " + e.getReason());
            return null;
        }
    }

    /** The real path of the longest existing prefix, with the rest appended (symbolic links resolved). */
    private static Path realOfExistingPart(Path p) {
        Path existing = p;
        List<Path> rest = new ArrayList<>();
        while (existing != null && !Files.exists(existing)) {
            rest.add(0, existing.getFileName());
            existing = existing.getParent();
        }
        try {
            Path real = existing == null ? p.getRoot() : existing.toRealPath();
            for (Path r : rest) {
                real = real.resolve(r);
            }
            return real;
        } catch (IOException e) {
            return p;
        }
    }
}
