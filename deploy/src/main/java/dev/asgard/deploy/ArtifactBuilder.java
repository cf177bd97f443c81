package dev.asgard.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Builds the services whose packaged application is missing, with the Maven wrapper of the
 * repository, before anything starts. Already-built services are used as they are; {@code ./asgard
 * --build} rebuilds everything.
 */
public final class ArtifactBuilder {

    private final AsgardHome home;

    public ArtifactBuilder(AsgardHome home) {
        this.home = home;
    }

    /** The services without a packaged application. */
    public List<ServiceSpec> missingServices() {
        return ServiceSpec.ALL.stream().filter(s -> !Files.isRegularFile(home.serviceJar(s))).toList();
    }

    /**
     * Makes sure every service application exists.
     *
     * @param allowed whether building is allowed (false with {@code --no-build})
     */
    public void ensureBuilt(boolean allowed, Consumer<String> progress) {
        List<ServiceSpec> missing = missingServices();
        if (missing.isEmpty()) {
            return;
        }
        List<String> modules = missing.stream().map(ServiceSpec::name).toList();
        if (!allowed) {
            throw new LauncherException("Not built yet: " + String.join(", ", modules) + " (no "
                    + home.serviceJar(missing.get(0)) + "). Build with ./mvnw -DskipTests install, or start "
                    + "without --no-build.");
        }
        progress.accept("Building " + String.join(", ", modules) + " (first start only) ...");
        List<String> command = new ArrayList<>(List.of(home.mavenWrapper().toString(), "-q", "-DskipTests", "install",
                "-pl", String.join(",", modules), "-am"));
        ProcessBuilder builder = new ProcessBuilder(command).directory(home.root().toFile()).inheritIO();
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        try {
            int code = builder.start().waitFor();
            if (code != 0) {
                throw new LauncherException("The build failed (exit code " + code + "); see the Maven output above.");
            }
        } catch (IOException e) {
            throw new LauncherException("Cannot run " + home.mavenWrapper() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("Interrupted while building");
        }
        List<ServiceSpec> stillMissing = missingServices();
        if (!stillMissing.isEmpty()) {
            throw new LauncherException("The build finished but " + home.serviceJar(stillMissing.get(0))
                    + " is still missing.");
        }
    }
}
