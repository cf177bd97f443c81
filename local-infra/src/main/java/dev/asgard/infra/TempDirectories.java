package dev.asgard.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Temporary server directories under {@code java.io.tmpdir}. Each one records the pid of the JVM that made it, so
 * that directories left behind by a JVM that was killed (its servers die with it, but it cannot delete anything)
 * are removed the next time a server is started on this machine.
 */
final class TempDirectories {

    static final String PREFIX = "asgard-";
    static final String OWNER_FILE = "owner.pid";

    private TempDirectories() {
    }

    static Path create(String kind) {
        sweepStale();
        try {
            Path dir = Files.createTempDirectory(PREFIX + kind + "-");
            Files.writeString(dir.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()),
                    StandardCharsets.US_ASCII);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary directory for " + kind, e);
        }
    }

    /** Deletes the temporary server directories whose owning JVM is no longer running. */
    static void sweepStale() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tmp, PREFIX + "*")) {
            for (Path dir : entries) {
                Path owner = dir.resolve(OWNER_FILE);
                if (Files.isRegularFile(owner) && !ownerAlive(owner)) {
                    deleteRecursively(dir);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // Best effort: a directory we cannot list or delete is only wasted space, never a reason to fail a start.
        }
    }

    private static boolean ownerAlive(Path ownerFile) throws IOException {
        try {
            long pid = Long.parseLong(Files.readString(ownerFile, StandardCharsets.US_ASCII).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (NumberFormatException e) {
            return true;
        } catch (NoSuchFileException e) {
            // Another JVM swept it a moment ago.
            return true;
        }
    }

    static void deleteRecursively(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException failure) throws IOException {
                    if (failure != null) {
                        throw failure;
                    }
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Could not delete " + root, e);
        }
    }
}
