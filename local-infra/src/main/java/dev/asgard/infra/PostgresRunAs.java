package dev.asgard.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * How PostgreSQL is run under the current OS user. PostgreSQL refuses to run as root (and CI machines and
 * containers often are root), so for root it runs as the unprivileged user {@code nobody}:
 * <ul>
 * <li>{@code direct}: not root, PostgreSQL runs as we do;</li>
 * <li>{@code userns}: root, PostgreSQL runs in a user namespace where our uid 0 is mapped to nobody's uid. Its files
 * stay owned by root outside, so data folders anywhere (also under a private {@code /root}) work;</li>
 * <li>{@code setpriv}: root where user namespaces are not allowed (e.g. Docker's default seccomp profile):
 * PostgreSQL really becomes nobody, and the instance folder is handed over to nobody.</li>
 * </ul>
 * The system property {@code asgard.postgres.run-as} ({@code direct}, {@code userns}, {@code setpriv}) forces a
 * mode; by default the first that works is chosen once per JVM.
 */
final class PostgresRunAs {

    static final String MODE_PROPERTY = "asgard.postgres.run-as";

    enum Mode { DIRECT, USERNS, SETPRIV }

    private static volatile PostgresRunAs detected;

    private final Mode mode;
    private final int ownUid;
    private final int nobodyUid;
    private final int nobodyGid;

    private PostgresRunAs(Mode mode, int ownUid, int nobodyUid, int nobodyGid) {
        this.mode = mode;
        this.ownUid = ownUid;
        this.nobodyUid = nobodyUid;
        this.nobodyGid = nobodyGid;
    }

    static PostgresRunAs current(Path scratchDirectory) {
        PostgresRunAs result = detected;
        if (result == null) {
            synchronized (PostgresRunAs.class) {
                result = detected;
                if (result == null) {
                    result = detect(scratchDirectory);
                    detected = result;
                }
            }
        }
        return result;
    }

    Mode mode() {
        return mode;
    }

    /** The command words that go in front of {@code postgres} or {@code initdb}. */
    List<String> prefix() {
        return switch (mode) {
            case DIRECT -> List.of();
            case USERNS -> List.of("unshare", "--user", "--map-user=" + nobodyUid, "--map-group=" + nobodyGid, "--");
            case SETPRIV -> List.of("setpriv", "--reuid=" + nobodyUid, "--regid=" + nobodyGid, "--clear-groups", "--");
        };
    }

    /**
     * Makes {@code directory} and everything in it owned by the OS user PostgreSQL runs as (PostgreSQL insists on
     * owning its data folder). Only root can change owners, and only root needs to.
     */
    void takeOwnership(Path directory) {
        if (ownUid != 0) {
            return;
        }
        int uid = mode == Mode.SETPRIV ? nobodyUid : 0;
        int gid = mode == Mode.SETPRIV ? nobodyGid : 0;
        if (mode == Mode.SETPRIV) {
            requireTraversableByOthers(directory);
        }
        try {
            if (uidOf(directory) == uid && allOwnedBy(directory, uid)) {
                return;
            }
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                    chown(dir, uid, gid);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    chown(file, uid, gid);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Could not hand " + directory + " to uid " + uid, e);
        }
    }

    /** As nobody, PostgreSQL can only reach a directory whose every ancestor lets other users pass (x bit). */
    private static void requireTraversableByOthers(Path directory) {
        for (Path ancestor = directory.toAbsolutePath().getParent(); ancestor != null; ancestor = ancestor.getParent()) {
            try {
                if (!Files.getPosixFilePermissions(ancestor).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                    throw new InfraException("PostgreSQL runs as the user nobody here (root, without user namespaces)"
                            + " and cannot reach " + directory + " because " + ancestor + " is closed to other users."
                            + " Use a data directory under a path open to others (chmod o+x), or run as an ordinary"
                            + " user.");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not read the permissions of " + ancestor, e);
            }
        }
    }

    private static boolean allOwnedBy(Path directory, int uid) throws IOException {
        try (var files = Files.walk(directory)) {
            return files.allMatch(path -> {
                try {
                    return uidOf(path) == uid;
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }

    private static void chown(Path path, int uid, int gid) throws IOException {
        Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
    }

    private static int uidOf(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private static PostgresRunAs detect(Path scratchDirectory) {
        int ownUid = ownUid(scratchDirectory);
        int[] nobody = nobody();
        String forced = System.getProperty(MODE_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        if (!forced.isEmpty()) {
            Mode mode = switch (forced) {
                case "direct" -> Mode.DIRECT;
                case "userns" -> Mode.USERNS;
                case "setpriv" -> Mode.SETPRIV;
                default -> throw new InfraException(MODE_PROPERTY + " must be direct, userns or setpriv, not " + forced);
            };
            return new PostgresRunAs(mode, ownUid, nobody[0], nobody[1]);
        }
        if (ownUid != 0) {
            return new PostgresRunAs(Mode.DIRECT, ownUid, nobody[0], nobody[1]);
        }
        PostgresRunAs userns = new PostgresRunAs(Mode.USERNS, ownUid, nobody[0], nobody[1]);
        if (works(userns.prefix())) {
            return userns;
        }
        PostgresRunAs setpriv = new PostgresRunAs(Mode.SETPRIV, ownUid, nobody[0], nobody[1]);
        if (works(setpriv.prefix())) {
            return setpriv;
        }
        throw new InfraException("PostgreSQL refuses to run as root, and neither 'unshare --user' nor 'setpriv' "
                + "(util-linux) could switch to the user nobody here. Run as an ordinary user.");
    }

    /** The uid that owns files this process creates, i.e. the effective uid, without native code. */
    private static int ownUid(Path scratchDirectory) {
        try {
            Path probe = Files.createTempFile(scratchDirectory, "uid-", ".probe");
            try {
                return uidOf(probe);
            } finally {
                Files.deleteIfExists(probe);
            }
        } catch (IOException | UnsupportedOperationException e) {
            throw new InfraException("Cannot tell the current OS user (needs a POSIX file system): " + e, e);
        }
    }

    /** uid and gid of {@code nobody} from /etc/passwd; 65534 (the kernel's overflow id) when it is not listed. */
    private static int[] nobody() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] fields = line.split(":");
                if (fields.length > 3 && fields[0].equals("nobody")) {
                    return new int[] {Integer.parseInt(fields[2]), Integer.parseInt(fields[3])};
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Fall through to the conventional id.
        }
        return new int[] {65534, 65534};
    }

    private static boolean works(List<String> prefix) {
        List<String> command = new java.util.ArrayList<>(prefix);
        command.add("true");
        try {
            Process probe = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!probe.waitFor(10, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return false;
            }
            return probe.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
