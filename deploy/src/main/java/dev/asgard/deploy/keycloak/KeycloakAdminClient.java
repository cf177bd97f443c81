package dev.asgard.deploy.keycloak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.asgard.deploy.LauncherException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The few calls of Keycloak's admin REST API the launcher needs: log in as the master realm's
 * bootstrap administrator, then create or update realm users with a password and a realm role.
 * Every call is idempotent, so it runs on each start.
 */
public final class KeycloakAdminClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String baseUrl;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private String accessToken;

    /** @param baseUrl Keycloak's base URL, for example {@code http://127.0.0.1:8180} */
    public KeycloakAdminClient(String baseUrl) {
        this.baseUrl = baseUrl;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Obtains an admin token from the master realm with the {@code admin-cli} client. */
    public KeycloakAdminClient login(String username, String password) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri("/realms/master/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(form(Map.of("grant_type", "password", "client_id", "admin-cli", "username", username,
                        "password", password))));
        if (response.statusCode() != 200) {
            throw new LauncherException("Cannot log in to Keycloak as " + username + " (HTTP " + response.statusCode()
                    + "). The stored bootstrap admin password no longer matches the Keycloak database; restore the "
                    + "secrets folder or delete the data folder to start from scratch.");
        }
        accessToken = read(response).path("access_token").asText();
        return this;
    }

    /** Creates the user when missing, then sets its profile, password and realm role, and lifts any lockout. */
    public void ensureUser(String realm, RealmUser user) {
        String id = findUserId(realm, user.username());
        ObjectNode representation = json.createObjectNode()
                .put("username", user.username())
                .put("enabled", true)
                .put("email", user.username() + "@asgard.localhost")
                .put("emailVerified", true)
                .put("firstName", user.firstName())
                .put("lastName", user.lastName());
        representation.putArray("requiredActions");
        if (id == null) {
            expect(send(authorized("/admin/realms/" + realm + "/users").POST(body(representation))), 201, "create user "
                    + user.username());
            id = findUserId(realm, user.username());
            if (id == null) {
                throw new LauncherException("Keycloak created user " + user.username() + " but cannot find it");
            }
        } else {
            expect(send(authorized("/admin/realms/" + realm + "/users/" + id).PUT(body(representation))), 204,
                    "update user " + user.username());
        }
        ObjectNode credential = json.createObjectNode()
                .put("type", "password").put("value", user.password()).put("temporary", false);
        expect(send(authorized("/admin/realms/" + realm + "/users/" + id + "/reset-password").PUT(body(credential))), 204,
                "set the password of " + user.username());

        HttpResponse<String> role = send(authorized("/admin/realms/" + realm + "/roles/" + user.realmRole()).GET());
        expect(role, 200, "read realm role " + user.realmRole());
        String roles = "[" + role.body() + "]";
        expect(send(authorized("/admin/realms/" + realm + "/users/" + id + "/role-mappings/realm")
                .POST(HttpRequest.BodyPublishers.ofString(roles))), 204, "grant " + user.realmRole() + " to "
                + user.username());
        expect(send(authorized("/admin/realms/" + realm + "/attack-detection/brute-force/users/" + id).DELETE()), 204,
                "clear the login lockout of " + user.username());
    }

    private String findUserId(String realm, String username) {
        HttpResponse<String> response = send(authorized("/admin/realms/" + realm + "/users?exact=true&username="
                + URLEncoder.encode(username, StandardCharsets.UTF_8)).GET());
        expect(response, 200, "look up user " + username);
        for (JsonNode user : read(response)) {
            if (username.equals(user.path("username").asText())) {
                return user.path("id").asText();
            }
        }
        return null;
    }

    private HttpRequest.Builder authorized(String path) {
        if (accessToken == null) {
            throw new IllegalStateException("login first");
        }
        return HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json");
    }

    private HttpRequest.BodyPublisher body(JsonNode node) {
        return HttpRequest.BodyPublishers.ofString(node.toString());
    }

    private static HttpRequest.BodyPublisher form(Map<String, String> fields) {
        return HttpRequest.BodyPublishers.ofString(fields.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&")));
    }

    private URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new LauncherException("Keycloak did not answer at " + baseUrl + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LauncherException("Interrupted while talking to Keycloak", e);
        }
    }

    private JsonNode read(HttpResponse<String> response) {
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new LauncherException("Keycloak answered with something that is not JSON: " + response.body(), e);
        }
    }

    private static void expect(HttpResponse<String> response, int status, String what) {
        if (response.statusCode() != status) {
            throw new LauncherException("Keycloak refused to " + what + ": HTTP " + response.statusCode() + " "
                    + response.body());
        }
    }
}
