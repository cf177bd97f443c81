package dev.asgard.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceLauncherTest {

    private final ServiceLauncher launcher = new ServiceLauncher(new AsgardHome(Path.of("/repo")),
            new DataLayout(Path.of("/data")), new InfraEndpoints("jdbc:postgresql://127.0.0.1:15432/asgard",
                    "postgresql://127.0.0.1:15432/asgard", "postgres", "pw", "127.0.0.1:19092",
                    "http://127.0.0.1:8180/realms/asgard"));

    @Test
    void serviceRunsItsPackagedApplicationWithTheJdk24Opening() {
        List<String> command = launcher.command(ServiceSpec.ALL.get(3));
        String joined = String.join(" ", command);
        assertTrue(joined.contains("--add-opens java.base/java.lang=ALL-UNNAMED"), joined);
        assertEquals("/repo/lock-service/target/quarkus-app/quarkus-run.jar", command.get(command.size() - 1));
        assertEquals("-jar", command.get(command.size() - 2));
    }

    @Test
    void serviceIsConfiguredThroughStandardQuarkusVariables() {
        Map<String, String> env = launcher.environment(ServiceSpec.ALL.get(0));
        assertEquals("8081", env.get("QUARKUS_HTTP_PORT"));
        assertEquals("127.0.0.1", env.get("QUARKUS_HTTP_HOST"));
        assertEquals("prod", env.get("QUARKUS_PROFILE"));
        assertEquals("jdbc:postgresql://127.0.0.1:15432/asgard", env.get("QUARKUS_DATASOURCE_JDBC_URL"));
        assertEquals("postgresql://127.0.0.1:15432/asgard", env.get("QUARKUS_DATASOURCE_REACTIVE_URL"));
        assertEquals("postgres", env.get("QUARKUS_DATASOURCE_USERNAME"));
        assertEquals("pw", env.get("QUARKUS_DATASOURCE_PASSWORD"));
        assertEquals("127.0.0.1:19092", env.get("KAFKA_BOOTSTRAP_SERVERS"));
        assertEquals("http://127.0.0.1:8180/realms/asgard", env.get("QUARKUS_OIDC_AUTH_SERVER_URL"));
        assertEquals(null, env.get("ASGARD_BACKUP_RESTORE_ALLOWED_ROOTS"), "only the backup-agent restores");
        assertTrue(launcher.environment(ServiceSpec.ALL.get(4)).get("ASGARD_BACKUP_RESTORE_ALLOWED_ROOTS")
                .endsWith("restores"));
    }

    @Test
    void everyServiceHasItsOwnPort() {
        assertEquals(List.of(8081, 8082, 8083, 8084, 8085), ServiceSpec.ALL.stream().map(ServiceSpec::port).toList());
        assertEquals("http://127.0.0.1:8085/q/health/ready", ServiceSpec.ALL.get(4).readinessUrl());
    }
}
