package dev.asgard.deploy.keycloak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Checks the realm export that the launcher imports (packaged from deploy/keycloak). */
class RealmExportTest {

    private static JsonNode realm;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = RealmExportTest.class.getResourceAsStream(KeycloakServer.REALM_RESOURCE)) {
            assertNotNull(in, "realm export is packaged");
            realm = new ObjectMapper().readTree(in);
        }
    }

    @Test
    void realmIsAsgardWithBothAdminRoles() {
        assertEquals("asgard", realm.path("realm").asText());
        assertTrue(realm.path("enabled").asBoolean());
        List<String> roles = new ArrayList<>();
        realm.path("roles").path("realm").forEach(r -> roles.add(r.path("name").asText()));
        assertEquals(List.of("asgard-admin", "asgard-viewer"), roles);
    }

    @Test
    void cliClientIsPublicWithDirectGrantsOnly() {
        JsonNode cli = client("asgard-cli");
        assertTrue(cli.path("publicClient").asBoolean());
        assertTrue(cli.path("directAccessGrantsEnabled").asBoolean());
        assertFalse(cli.path("standardFlowEnabled").asBoolean());
    }

    @Test
    void consoleClientUsesTheCodeFlowBackToTheLocalConsole() {
        JsonNode console = client("asgard-console");
        assertTrue(console.path("publicClient").asBoolean());
        assertTrue(console.path("standardFlowEnabled").asBoolean());
        assertFalse(console.path("directAccessGrantsEnabled").asBoolean());
        assertEquals("http://localhost:8080/*", console.path("redirectUris").get(0).asText());
        assertEquals("S256", console.path("attributes").path("pkce.code.challenge.method").asText());
    }

    @Test
    void bruteForceProtectionIsOnAndTokensAreShortLived() {
        assertTrue(realm.path("bruteForceProtected").asBoolean());
        int lifespan = realm.path("accessTokenLifespan").asInt();
        assertTrue(lifespan > 0 && lifespan <= 900, "access token lifespan " + lifespan);
    }

    @Test
    void exportHoldsNoUsersAndNoSecrets() {
        assertTrue(realm.path("users").isMissingNode(), "users are created by the launcher with generated passwords");
        List<String> found = new ArrayList<>();
        findKeys(realm, "", found);
        assertEquals(List.of(), found);
    }

    private static void findKeys(JsonNode node, String path, List<String> found) {
        node.properties().forEach(e -> {
            String key = e.getKey().toLowerCase();
            if (key.endsWith("password") || key.endsWith("secret") || key.equals("credentials")) {
                found.add(path + "/" + e.getKey());
            }
            findKeys(e.getValue(), path + "/" + e.getKey(), found);
        });
        if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                findKeys(node.get(i), path + "[" + i + "]", found);
            }
        }
    }

    private static JsonNode client(String clientId) {
        for (JsonNode client : realm.path("clients")) {
            if (clientId.equals(client.path("clientId").asText())) {
                return client;
            }
        }
        throw new AssertionError("no client " + clientId);
    }
}
