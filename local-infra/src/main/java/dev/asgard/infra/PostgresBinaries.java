package dev.asgard.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.tukaani.xz.XZInputStream;

/**
 * The PostgreSQL installation shipped by the zonky binaries jars ({@code postgres-<os>-<arch>.txz} on the
 * classpath), unpacked once per machine into {@code java.io.tmpdir/asgard-postgres-<os>-<arch>-<hash>}. The hash
 * of the archive names the folder, so a new binaries version gets a new folder and never a half-updated one.
 */
final class PostgresBinaries {

    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");

    private static volatile Path installation;
    private static volatile String majorVersion;

    private PostgresBinaries() {
    }

    /** Returns the installation folder (with {@code bin/postgres} and {@code bin/initdb}), unpacking it if needed. */
    static Path installation() {
        Path result = installation;
        if (result == null) {
            synchronized (PostgresBinaries.class) {
                result = installation;
                if (result == null) {
                    result = unpack();
                    installation = result;
                }
            }
        }
        return result;
    }

    static Path binary(String name) {
        return installation().resolve("bin").resolve(name);
    }

    /** The major version of the binaries ({@code 17}), as {@code PG_VERSION} in a data directory states it. */
    static String majorVersion() {
        String result = majorVersion;
        if (result == null) {
            result = queryMajorVersion();
            majorVersion = result;
        }
        return result;
    }

    private static String queryMajorVersion() {
        // "postgres (PostgreSQL) 17.6"; --version is answered before the root check, so this works for root too.
        try {
            Process version = new ProcessBuilder(binary("postgres").toString(), "--version")
                    .redirectErrorStream(true)
                    .start();
            String output = new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!version.waitFor(30, TimeUnit.SECONDS) || version.exitValue() != 0) {
                version.destroyForcibly();
                throw new InfraException("postgres --version failed: " + output);
            }
            Matcher matcher = VERSION.matcher(output);
            if (!matcher.find()) {
                throw new InfraException("Unexpected output of postgres --version: " + output);
            }
            return matcher.group(1);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not run postgres --version", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InfraException("Interrupted while asking postgres for its version", e);
        }
    }

    private static Path unpack() {
        String platform = platform();
        String resource = "postgres-" + platform + ".txz";
        URL archive = PostgresBinaries.class.getClassLoader().getResource(resource);
        if (archive == null) {
            throw new InfraException("No PostgreSQL binaries for " + platform + " on the classpath (" + resource
                    + "). local-infra depends on the zonky binaries for linux and darwin on x86_64 and arm64.");
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Path target = tmp.resolve("asgard-postgres-" + platform + "-" + sha256(archive).substring(0, 16));
        if (isComplete(target)) {
            return target;
        }
        if (Files.exists(target)) {
            // Partly removed, e.g. by a temp cleaner that deletes old files: unusable, so unpack it again.
            TempDirectories.deleteRecursively(target);
        }
        Path staging = null;
        try {
            // Owned like a server directory, so that a JVM killed while unpacking leaves nothing for good.
            staging = TempDirectories.create("postgres-staging");
            extract(archive, staging);
            Files.delete(staging.resolve(TempDirectories.OWNER_FILE));
            if (!isComplete(staging)) {
                throw new InfraException("The PostgreSQL archive " + resource + " has no bin/postgres or bin/initdb");
            }
            // Readable by everyone: when the JVM runs as root, PostgreSQL runs as 'nobody' and must reach it.
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                staging = null;
            } catch (IOException e) {
                // Most likely another JVM finished first (rename onto a non-empty folder fails); its copy is
                // identical. Anything else shows up as an incomplete target just below.
                if (!isComplete(target)) {
                    throw e;
                }
            }
            if (!isComplete(target)) {
                throw new InfraException("The PostgreSQL installation in " + target + " is incomplete");
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("Could not unpack PostgreSQL binaries to " + target, e);
        } finally {
            if (staging != null) {
                TempDirectories.deleteRecursively(staging);
            }
        }
    }

    private static boolean isComplete(Path dir) {
        return Files.isExecutable(dir.resolve("bin/postgres")) && Files.isExecutable(dir.resolve("bin/initdb"));
    }

    /**
     * Streams the xz-decompressed archive into the system {@code tar}, which restores modes and symlinks exactly
     * (the archive has symlinked shared libraries) without reimplementing tar here.
     */
    private static void extract(URL archive, Path into) throws IOException {
        Process tar = new ProcessBuilder(List.of("tar", "-xf", "-", "-C", into.toString()))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (InputStream in = new XZInputStream(archive.openStream()); OutputStream out = tar.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            tar.destroyForcibly();
            throw e;
        }
        try {
            if (!tar.waitFor(5, TimeUnit.MINUTES) || tar.exitValue() != 0) {
                tar.destroyForcibly();
                throw new IOException("tar could not unpack the PostgreSQL archive into " + into);
            }
        } catch (InterruptedException e) {
            tar.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while unpacking PostgreSQL", e);
        }
    }

    /** The zonky naming: {@code linux-x86_64}, {@code linux-arm_64}, {@code darwin-x86_64}, {@code darwin-arm_64}. */
    static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String zonkyOs;
        if (os.contains("linux")) {
            if (Files.exists(Path.of("/etc/alpine-release"))) {
                throw new InfraException("Alpine (musl) is not supported: local-infra ships glibc PostgreSQL builds");
            }
            zonkyOs = "linux";
        } else if (os.contains("mac") || os.contains("darwin")) {
            zonkyOs = "darwin";
        } else {
            throw new InfraException("Embedded PostgreSQL needs Linux or macOS, not " + os);
        }
        String zonkyArch = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "arm_64";
            default -> throw new InfraException("No PostgreSQL binaries for the CPU architecture " + arch);
        };
        return zonkyOs + "-" + zonkyArch;
    }

    private static String sha256(URL resource) {
        try (InputStream in = resource.openStream()) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 * 1024];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read " + resource, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every JDK has SHA-256", e);
        }
    }
}
