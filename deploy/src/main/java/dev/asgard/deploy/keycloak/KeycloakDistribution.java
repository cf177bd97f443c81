package dev.asgard.deploy.keycloak;

import dev.asgard.deploy.LauncherException;
import dev.asgard.deploy.process.LogTail;
import dev.asgard.deploy.process.ManagedProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The Keycloak server distribution ({@code org.keycloak:keycloak-quarkus-dist} zip), unpacked once
 * into the data folder and built ("augmented") once for PostgreSQL. Later starts reuse both and
 * start Keycloak with {@code --optimized}, which saves about twenty seconds each time.
 */
public final class KeycloakDistribution {

    /** Build-time options; a change here re-runs {@code kc.sh build} on the next start. */
    static final List<String> BUILD_OPTIONS = List.of("--db=postgres");
    private static final String BUILD_MARKER = ".asgard-build-options";
    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(5);

    private final Path zip;
    private final Path home;

    /**
     * @param zip the distribution zip
     * @param version its version; each version gets its own folder
     * @param installRoot the folder that holds unpacked distributions
     */
    public KeycloakDistribution(Path zip, String version, Path installRoot) {
        this.zip = zip;
        this.home = installRoot.resolve("keycloak-" + version);
    }

    /** The unpacked distribution's root (with {@code bin/kc.sh}). */
    public Path home() {
        return home;
    }

    public Path kcScript() {
        return home.resolve("bin/kc.sh");
    }

    /** Whether unpacking and building are both done for the current build options. */
    public boolean isReady() {
        try {
            return Files.isRegularFile(kcScript())
                    && Files.readString(home.resolve(BUILD_MARKER)).equals(String.join(" ", BUILD_OPTIONS));
        } catch (IOException e) {
            return false;
        }
    }

    /** Unpacks (if needed) and builds (if needed) the distribution. */
    public void prepare(Map<String, String> environment, Path logFile) {
        if (!Files.isRegularFile(kcScript())) {
            unpack();
        }
        if (!isReady()) {
            build(environment, logFile);
        }
    }

    private void unpack() {
        if (!Files.isRegularFile(zip)) {
            throw new LauncherException("The Keycloak distribution " + zip + " is missing. Build the deploy module "
                    + "(./mvnw -pl deploy package), or start with --no-keycloak.");
        }
        Path staging = home.resolveSibling(home.getFileName() + ".unpacking");
        try {
            deleteTree(staging);
            unzipWithoutTopFolder(zip, staging);
            for (Path script : List.of(staging.resolve("bin/kc.sh"), staging.resolve("bin/kcadm.sh"))) {
                if (Files.exists(script)) {
                    script.toFile().setExecutable(true, false);
                }
            }
            deleteTree(home);
            Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot unpack " + zip + " into " + home + ": " + e.getMessage(), e);
        }
    }

    static void unzipWithoutTopFolder(Path zip, Path target) throws IOException {
        Files.createDirectories(target);
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
                String name = entry.getName();
                int slash = name.indexOf('/');
                if (slash < 0 || slash == name.length() - 1) {
                    continue;
                }
                Path out = target.resolve(name.substring(slash + 1)).normalize();
                if (!out.startsWith(target)) {
                    throw new IOException("zip entry outside the target folder: " + name);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(out);
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(in, out, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private void build(Map<String, String> environment, Path logFile) {
        List<String> command = new ArrayList<>(List.of(kcScript().toString(), "build"));
        command.addAll(BUILD_OPTIONS);
        ManagedProcess build = ManagedProcess.start("keycloak-build", command, environment, home, logFile,
                Duration.ofSeconds(10));
        try {
            if (!build.awaitExit(BUILD_TIMEOUT)) {
                build.stop();
                throw new LauncherException("Keycloak's build step did not finish within " + BUILD_TIMEOUT.toMinutes()
                        + " minutes. See " + logFile);
            }
        } catch (InterruptedException e) {
            build.stop();
            Thread.currentThread().interrupt();
            throw new LauncherException("Interrupted while building Keycloak");
        }
        int code = build.exitCode().orElse(-1);
        if (code != 0) {
            throw new LauncherException("Keycloak's build step failed (exit code " + code + "). Last lines of "
                    + logFile + ":\n  " + String.join("\n  ", LogTail.lastLines(logFile, 15)));
        }
        try {
            Files.writeString(home.resolve(BUILD_MARKER), String.join(" ", BUILD_OPTIONS), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
