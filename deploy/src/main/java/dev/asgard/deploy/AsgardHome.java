package dev.asgard.deploy;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The repository checkout the launcher runs from: where the services' packaged applications, the
 * Keycloak distribution and the Maven wrapper are.
 *
 * <p>The launcher lives at {@code deploy/target/asgard-launcher.jar} (or {@code deploy/target/classes}
 * in tests), so the repository root is three levels up. The system property {@code asgard.home}
 * overrides that.
 *
 * @param root the repository root
 */
public record AsgardHome(Path root) {

    /** Finds the repository root, failing when the location does not look like an Asgard checkout. */
    public static AsgardHome locate() {
        String property = System.getProperty("asgard.home");
        Path root = property != null ? Path.of(property) : fromCodeSource();
        root = root.toAbsolutePath().normalize();
        if (!Files.isRegularFile(root.resolve("pom.xml")) || !Files.isDirectory(root.resolve("deploy"))) {
            throw new LauncherException("Cannot find the Asgard repository (looked in " + root
                    + "). Run the launcher as ./asgard from the repository, or set -Dasgard.home=<repository>.");
        }
        return new AsgardHome(root);
    }

    private static Path fromCodeSource() {
        try {
            Path location = Path.of(AsgardHome.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // deploy/target/asgard-launcher.jar or deploy/target/classes
            return location.getParent().getParent().getParent();
        } catch (URISyntaxException | NullPointerException e) {
            throw new LauncherException("Cannot tell where the launcher runs from; set -Dasgard.home=<repository>.", e);
        }
    }

    /** The default data folder, {@code .asgard/} in the repository (ignored by git). */
    public Path defaultDataDir() {
        return root.resolve(".asgard");
    }

    /** The packaged application (Quarkus fast-jar) of a service. */
    public Path serviceJar(ServiceSpec service) {
        return root.resolve(service.name()).resolve("target/quarkus-app/quarkus-run.jar");
    }

    /** The Keycloak distribution that the deploy module's build copies out of the Maven repository. */
    public Path keycloakZip(String version) {
        return root.resolve("deploy/target/keycloak/keycloak-quarkus-dist-" + version + ".zip");
    }

    /** The Maven wrapper. */
    public Path mavenWrapper() {
        return root.resolve("mvnw");
    }
}
