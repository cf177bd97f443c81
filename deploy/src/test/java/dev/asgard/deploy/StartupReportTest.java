package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StartupReportTest {

    private static final DataLayout LAYOUT = new DataLayout(Path.of("/data/.asgard"));
    private static final SecretStore SECRETS = new SecretStore(LAYOUT.secrets());

    private static String report(boolean keycloak) {
        List<String> lines = new StartupReport(LAYOUT, SECRETS, keycloak, "postgres").lines();
        assertEquals(StartupReport.READY_LINE, lines.get(lines.size() - 1), "the ready line comes last");
        return String.join("\n", lines);
    }

    @Test
    void tableListsEveryServiceWithItsUrls() {
        String report = report(true);
        assertTrue(report.contains("SERVICE           HTTP                   gRPC            SWAGGER UI"), report);
        assertTrue(report.contains(
                "registry-service  http://127.0.0.1:8081  127.0.0.1:8081  http://127.0.0.1:8081/q/swagger-ui  UP"), report);
        assertTrue(report.contains(
                "backup-agent      http://127.0.0.1:8085  127.0.0.1:8085  http://127.0.0.1:8085/q/swagger-ui  UP"), report);
    }

    @Test
    void withKeycloakItShowsTheConsoleTheLogsAndTheTokenCommand() {
        String report = report(true);
        assertTrue(report.contains("Keycloak        http://127.0.0.1:8180  (realm asgard)"), report);
        assertTrue(report.contains("http://127.0.0.1:8180/admin/master/console/#/asgard"), report);
        assertTrue(report.contains("/data/.asgard/secrets/keycloak-admin-password"), report);
        assertTrue(report.contains("Logs            /data/.asgard/logs/<name>.log"), report);
        assertTrue(report.contains("  TOKEN=$(curl -s -d grant_type=password -d client_id=asgard-cli -d username=admin "
                + "--data-urlencode password@/data/.asgard/secrets/admin-password "
                + "http://127.0.0.1:8180/realms/asgard/protocol/openid-connect/token"), report);
        assertTrue(report.contains("curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8081/api/v1/about"), report);
    }

    @Test
    void withoutKeycloakItSaysTheAdminApiIsClosedAndOffersNoToken() {
        String report = report(false);
        assertTrue(report.contains("NOT STARTED (--no-keycloak). The admin API is CLOSED"), report);
        assertFalse(report.contains("TOKEN="), report);
    }

    @Test
    void passwordFileWithSpacesIsQuotedForTheShell() {
        String command = StartupReport.tokenCommand(Path.of("/home/me/my data/secrets/admin-password"));
        assertTrue(command.contains("--data-urlencode 'password@/home/me/my data/secrets/admin-password' "), command);
        assertEquals("'it'\\''s'", StartupReport.shellQuote("it's"));
    }
}
