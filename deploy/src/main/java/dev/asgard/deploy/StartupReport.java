package dev.asgard.deploy;

import dev.asgard.deploy.keycloak.KeycloakServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the launcher prints once everything is ready: the services table, Keycloak, the
 * infrastructure addresses, where logs and secrets are, and the exact commands to get an admin
 * token and call a service with it.
 *
 * @param layout the data folder
 * @param secrets where the generated passwords are
 * @param keycloak whether Keycloak runs
 * @param databaseUser the PostgreSQL user
 */
public record StartupReport(DataLayout layout, SecretStore secrets, boolean keycloak, String databaseUser) {

    /** The last line printed once the platform is up; tests wait for it. */
    public static final String READY_LINE = "Asgard is running. Press Ctrl-C to stop everything.";
    /** Secret file names. */
    public static final String ADMIN_PASSWORD = "admin-password";
    public static final String VIEWER_PASSWORD = "viewer-password";
    public static final String POSTGRES_PASSWORD = "postgres-password";
    public static final String KEYCLOAK_ADMIN_PASSWORD = "keycloak-admin-password";
    /** The master realm's bootstrap administrator. */
    public static final String KEYCLOAK_ADMIN_USER = "keycloak-admin";
    /** The public client for local tokens (direct access grants). */
    public static final String CLI_CLIENT = "asgard-cli";

    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    /** The report's lines. */
    public List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add("");
        ConsoleTable table = new ConsoleTable("SERVICE", "HTTP", "gRPC", "SWAGGER UI", "HEALTH");
        for (ServiceSpec service : ServiceSpec.ALL) {
            table.addRow(service.name(), service.httpUrl(), service.grpcAddress(), service.swaggerUiUrl(), "UP");
        }
        out.addAll(table.render().lines().toList());
        out.add("");
        if (keycloak) {
            out.add(row("Keycloak", LocalPorts.keycloakUrl() + "  (realm " + KeycloakServer.REALM + ")"));
            out.add(row("Admin console", LocalPorts.keycloakUrl() + "/admin/master/console/#/" + KeycloakServer.REALM
                    + "  (user " + KEYCLOAK_ADMIN_USER + ", password in " + secrets.path(KEYCLOAK_ADMIN_PASSWORD) + ")"));
            out.add(row("Realm users", "admin (asgard-admin), viewer (asgard-viewer); passwords in "
                    + secrets.path(ADMIN_PASSWORD) + " and " + secrets.path(VIEWER_PASSWORD).getFileName()));
        } else {
            out.add(row("Keycloak", "NOT STARTED (--no-keycloak). The admin API is CLOSED: every /api/v1 call answers 401,"));
            out.add(row("", "because the services accept only tokens issued by " + KeycloakServer.realmUrl() + "."));
            out.add(row("", "Start without --no-keycloak to log in."));
        }
        out.add(row("PostgreSQL", "jdbc:postgresql://" + LocalPorts.HOST + ":" + LocalPorts.POSTGRES + "/asgard  (user "
                + databaseUser + ", password in " + secrets.path(POSTGRES_PASSWORD) + ")"));
        out.add(row("Kafka", LocalPorts.HOST + ":" + LocalPorts.KAFKA));
        out.add(row("Logs", layout.logs() + "/<name>.log  (postgres, kafka, keycloak, registry-service, ...)"));
        out.add(row("Data", layout.root().toString()));
        out.add("");
        if (keycloak) {
            out.add("Get an admin token and call a service with it:");
            out.add("  " + tokenCommand(secrets.path(ADMIN_PASSWORD)));
            out.add("  curl -H \"Authorization: Bearer $TOKEN\" " + ServiceSpec.ALL.get(0).aboutUrl());
            out.add("");
        }
        out.add(READY_LINE);
        return out;
    }

    /** A shell command that puts a fresh admin access token into $TOKEN (needs only curl and sed). */
    public static String tokenCommand(Path passwordFile) {
        return "TOKEN=$(curl -s -d grant_type=password -d client_id=" + CLI_CLIENT + " -d username=admin --data-urlencode "
                + shellQuote("password@" + passwordFile) + " " + KeycloakServer.realmUrl()
                + "/protocol/openid-connect/token | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')";
    }

    static String shellQuote(String arg) {
        return SHELL_SAFE.matcher(arg).matches() ? arg : "'" + arg.replace("'", "'\\''") + "'";
    }

    private static String row(String label, String value) {
        return ("%-15s %s".formatted(label, value)).stripTrailing();
    }
}
