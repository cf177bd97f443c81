package dev.asgard.deploy.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KeycloakServerTest {

    @Test
    void startCommandBindsLoopbackFixesTheIssuerAndCarriesNoSecret() {
        KeycloakServer server = new KeycloakServer(new KeycloakDistribution(Path.of("kc.zip"), "26.5.6", Path.of("/data/keycloak")));
        List<String> command = server.startCommand("jdbc:postgresql://127.0.0.1:15432/keycloak", "postgres");
        assertEquals("/data/keycloak/keycloak-26.5.6/bin/kc.sh", command.get(0));
        assertEquals(List.of("start", "--optimized"), command.subList(1, 3));
        assertTrue(command.contains("--http-host=127.0.0.1"));
        assertTrue(command.contains("--http-port=8180"));
        assertTrue(command.contains("--hostname=http://127.0.0.1:8180"));
        assertTrue(command.contains("--import-realm"));
        assertFalse(String.join(" ", command).contains("password"), command.toString());
    }

    @Test
    void environmentUsesTheLaunchersJdkWithTheJdk24OpeningAndPassesSecrets() {
        Map<String, String> env = KeycloakServer.environment("/jdk", "dbpw", "keycloak-admin", "adminpw");
        assertEquals("/jdk", env.get("JAVA_HOME"));
        assertEquals("--add-opens=java.base/java.lang=ALL-UNNAMED", env.get("JAVA_OPTS_APPEND"));
        assertEquals("dbpw", env.get("KC_DB_PASSWORD"));
        assertEquals("keycloak-admin", env.get("KC_BOOTSTRAP_ADMIN_USERNAME"));
        assertEquals("adminpw", env.get("KC_BOOTSTRAP_ADMIN_PASSWORD"));
    }

    @Test
    void issuerIsTheRealmOnTheFixedHostname() {
        assertEquals("http://127.0.0.1:8180/realms/asgard", KeycloakServer.realmUrl());
    }
}
