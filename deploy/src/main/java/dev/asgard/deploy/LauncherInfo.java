package dev.asgard.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * Versions written into the launcher at build time.
 *
 * @param asgardVersion the project version
 * @param keycloakVersion the Keycloak distribution the build copied into {@code deploy/target/keycloak}
 */
public record LauncherInfo(String asgardVersion, String keycloakVersion) {

    /** Reads {@code launcher.properties} from the launcher's own classpath. */
    public static LauncherInfo load() {
        Properties properties = new Properties();
        try (InputStream in = LauncherInfo.class.getResourceAsStream("launcher.properties")) {
            if (in == null) {
                throw new IllegalStateException("launcher.properties is missing from the launcher");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new LauncherInfo(properties.getProperty("asgard.version"), properties.getProperty("keycloak.version"));
    }
}
