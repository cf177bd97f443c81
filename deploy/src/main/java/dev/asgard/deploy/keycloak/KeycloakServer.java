package dev.asgard.deploy.keycloak;

import dev.asgard.deploy.LocalPorts;
import dev.asgard.deploy.process.ManagedProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts Keycloak in production mode on 127.0.0.1:8180 with its data in the embedded PostgreSQL
 * (database {@code keycloak}), importing the {@code asgard} realm when it does not exist yet.
 *
 * <p>The hostname is fixed to {@code http://127.0.0.1:8180}, so every token has the issuer the
 * services expect, whichever address a client used to ask for it.
 */
public final class KeycloakServer {

    /** The realm every Asgard service trusts. */
    public static final String REALM = "asgard";
    static final String REALM_RESOURCE = "/dev/asgard/deploy/keycloak/asgard-realm.json";
    /** Keycloak on JDK 24+ needs the same opening as Quarkus (JBoss threads' thread-local reset). */
    static final String JDK24_OPENS = "--add-opens=java.base/java.lang=ALL-UNNAMED";
    private static final Duration GRACE = Duration.ofSeconds(20);

    private final KeycloakDistribution distribution;

    public KeycloakServer(KeycloakDistribution distribution) {
        this.distribution = distribution;
    }

    /** The issuer and OIDC base URL of the asgard realm. */
    public static String realmUrl() {
        return LocalPorts.keycloakUrl() + "/realms/" + REALM;
    }

    /** The OIDC discovery document; it answers 200 once Keycloak serves the imported realm. */
    public static String readinessUrl() {
        return realmUrl() + "/.well-known/openid-configuration";
    }

    /** The environment for {@code kc.sh}: the launcher's JDK, the JDK 24+ opening, and secrets (never arguments). */
    public static Map<String, String> environment(String javaHome, String dbPassword, String adminUser, String adminPassword) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JAVA_HOME", javaHome);
        env.put("JAVA_OPTS_APPEND", JDK24_OPENS);
        env.put("KC_DB_PASSWORD", dbPassword);
        // Used only on the very first start, when the master realm has no administrator yet.
        env.put("KC_BOOTSTRAP_ADMIN_USERNAME", adminUser);
        env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);
        return env;
    }

    /** The {@code kc.sh start} arguments (no secrets: those travel in the environment). */
    public List<String> startCommand(String jdbcUrl, String dbUser) {
        List<String> command = new ArrayList<>();
        command.add(distribution.kcScript().toString());
        command.add("start");
        command.add("--optimized");
        command.add("--http-enabled=true");
        command.add("--http-host=" + LocalPorts.HOST);
        command.add("--http-port=" + LocalPorts.KEYCLOAK);
        command.add("--hostname=" + LocalPorts.keycloakUrl());
        command.add("--db-url=" + jdbcUrl);
        command.add("--db-username=" + dbUser);
        command.add("--cache=local");
        command.add("--import-realm");
        return command;
    }

    /** Writes the realm into the import folder and starts Keycloak. */
    public ManagedProcess start(String jdbcUrl, String dbUser, Map<String, String> environment, Path logFile) {
        writeRealmImport();
        return ManagedProcess.start("keycloak", startCommand(jdbcUrl, dbUser), environment, distribution.home(), logFile,
                GRACE);
    }

    private void writeRealmImport() {
        Path target = distribution.home().resolve("data/import/" + REALM + "-realm.json");
        try (InputStream realm = KeycloakServer.class.getResourceAsStream(REALM_RESOURCE)) {
            if (realm == null) {
                throw new IllegalStateException("the launcher jar lacks " + REALM_RESOURCE);
            }
            Files.createDirectories(target.getParent());
            Files.copy(realm, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the realm import " + target + ": " + e.getMessage(), e);
        }
    }
}
