package dev.asgard.backup.it;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import dev.asgard.testsupport.Await;
import dev.asgard.testsupport.PackagedService;
import dev.asgard.testsupport.PostgresServer;
import dev.asgard.testsupport.TestServers;
import dev.asgard.testsupport.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * Two agents sharing one repository (issue 5, items 5 and 7), with the real registry-service and lock-service
 * (their packaged applications): each agent enrols with a join token and heartbeats, takes repository locks in
 * lock-service with its device token; while one agent backs up (shared lock), the other agent's check (exclusive)
 * is refused with REPOSITORY_BUSY, and runs once the backup has ended.
 */
class SharedRepositoryIT {

    private static final String PASSWORD = "shared-it-" + UUID.randomUUID();

    private final Path work = Path.of(System.getProperty("asgard.backup.it.work", "target/backup-it"))
            .toAbsolutePath().resolve("shared-" + UUID.randomUUID().toString().substring(0, 8));

    @Test
    void agentsEnrol_andAnExclusiveCheckWaitsForAnotherAgentsBackup() throws Exception {
        Path registryJar = sibling("registry-service");
        Path lockJar = sibling("lock-service");
        Path agentJar = Path.of(System.getProperty("asgard.backup.it.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        PostgresServer postgres = TestServers.postgres();
        String kafka = TestServers.kafka().bootstrapServers();
        List<PackagedService> all = new ArrayList<>();
        try {
            int registryPort = PackagedService.freePort();
            String jwks = "http://127.0.0.1:" + registryPort + "/.well-known/jwks.json";
            Map<String, String> registryConfig = ownJwks(PackagedService.platformConfig(postgres, "shared_registry",
                    kafka), jwks);
            registryConfig.put("asgard.registry.signing-keys.generated-master-key-file",
                    work.resolve("registry-master.key").toString());
            PackagedService registry = PackagedService.start("registry", registryJar, registryPort, registryConfig,
                    work);
            all.add(registry);
            PackagedService lock = PackagedService.start("lock", lockJar, ownJwks(PackagedService.platformConfig(
                    postgres, "shared_lock", kafka), jwks), work);
            all.add(lock);
            registry.awaitReady(Duration.ofMinutes(3));
            lock.awaitReady(Duration.ofMinutes(3));

            String joinToken = admin(registry).contentType(ContentType.JSON).body(Map.of("description",
                    "backup agents", "ttl", "1h", "usageLimit", 2)).post("/api/v1/join-tokens").then()
                    .statusCode(201).extract().path("token");
            Map<String, String> agentConfig = ownJwks(PackagedService.platformConfig(postgres, "shared_backup",
                    kafka), jwks);
            agentConfig.put("asgard.backup.secrets.generated-key-file", work.resolve("secrets.key").toString());
            agentConfig.put("asgard.backup.restic.cache-dir", work.resolve("restic-cache").toString());
            agentConfig.put("asgard.backup.identity.registry-target", "127.0.0.1:" + registryPort);
            agentConfig.put("asgard.backup.identity.join-token", joinToken);
            agentConfig.put("asgard.backup.lock-service.target", "127.0.0.1:" + lock.port());
            agentConfig.put("asgard.backup.guard.wait-timeout", "2s");
            PackagedService a = PackagedService.start("agent-a", agentJar, agent(agentConfig, "agent-a"), work);
            all.add(a);
            PackagedService b = PackagedService.start("agent-b", agentJar, agent(agentConfig, "agent-b"), work);
            all.add(b);
            a.awaitReady(Duration.ofMinutes(3));
            b.awaitReady(Duration.ofMinutes(3));

            // Both enrolled and heartbeating: two active devices, their credentials sealed on disk.
            await(() -> activeDevices(registry).containsAll(List.of("agent-a", "agent-b")), Duration.ofSeconds(60));
            for (String agent : List.of("agent-a", "agent-b")) {
                JsonPath state = JsonPath.from(work.resolve(agent + "-identity.json").toFile());
                assertEquals(deviceId(registry, agent), state.getString("deviceId"));
                byte[] sealed = java.util.Base64.getDecoder().decode(state.getString("credential"));
                assertEquals(1, sealed[0], "the credential is stored sealed (SecretBox format 1), not in plain text");
            }

            String repo = repository(a);
            Path endless = Files.createDirectories(work.resolve("endless"));
            try (RandomAccessFile f = new RandomAccessFile(endless.resolve("sparse.bin").toFile(), "rw")) {
                f.setLength(64L * 1024 * 1024 * 1024);
            }
            String job = admin(a).contentType(ContentType.JSON).body(Map.of("name", "shared-endless", "repositoryId",
                    repo, "paths", List.of(endless.toString()))).post("/api/v1/jobs").then().statusCode(201).extract()
                    .path("id");
            String run = admin(a).post("/api/v1/jobs/" + job + "/runs").then().statusCode(202).extract().path("id");
            await(() -> admin(a).get("/api/v1/runs/" + run).then().extract().jsonPath().get("progress") != null,
                    Duration.ofSeconds(60));

            // Both agents claim from the same queue: usually A (which queued the run and kicks its executor at once)
            // executes it, but B's tick may come first. The other agent is the one that must wait.
            String executing = admin(a).get("/api/v1/runs/" + run).then().extract().path("agentId");
            PackagedService other = "agent-a".equals(executing) ? b : a;

            // lock-service knows the executing agent's device holds the repository, shared.
            JsonPath held = admin(lock).get("/api/v1/locks/backup/repo/" + repo).then().statusCode(200).extract()
                    .jsonPath();
            assertEquals("shared", held.getString("holders[0].mode"), held.prettify());
            assertEquals(deviceId(registry, executing), held.getString("holders[0].deviceId"));

            // The other agent's exclusive check must not run beside it.
            admin(other).post("/api/v1/repositories/" + repo + "/check").then().statusCode(409)
                    .body("reason", equalTo("REPOSITORY_BUSY"));

            admin(a).post("/api/v1/runs/" + run + "/cancel").then().statusCode(200);
            await(() -> "CANCELLED".equals(admin(a).get("/api/v1/runs/" + run).then().extract().path("state")),
                    Duration.ofSeconds(30));
            admin(other).post("/api/v1/repositories/" + repo + "/check").then().statusCode(200)
                    .body("outcome", equalTo("passed"));
            admin(lock).get("/api/v1/locks/backup/repo/" + repo).then().statusCode(200)
                    .body("holders.size()", equalTo(0));
        } finally {
            all.forEach(PackagedService::close);
        }
    }

    private Map<String, String> agent(Map<String, String> config, String name) {
        Map<String, String> c = new LinkedHashMap<>(config);
        c.put("asgard.backup.runs.agent-id", name);
        c.put("asgard.backup.identity.state-file", work.resolve(name + "-identity.json").toString());
        // Each agent's offline copy and journal in the test's folder, not the home folder.
        c.put("asgard.backup.offline.cache-file", work.resolve(name + "-cache.bin").toString());
        c.put("asgard.backup.offline.journal-file", work.resolve(name + "-journal.jsonl").toString());
        return c;
    }

    /** Device tokens verified against the registry's JWKS instead of the test-support key. */
    private static Map<String, String> ownJwks(Map<String, String> config, String jwksUrl) {
        config.remove("asgard.device-auth.jwks");
        config.put("asgard.device-auth.jwks-url", jwksUrl);
        return config;
    }

    private static Path sibling(String module) {
        Path jar = Path.of("..", module, "target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().normalize();
        assertTrue(Files.isRegularFile(jar), "package " + module + " first (the full build does): " + jar);
        return jar;
    }

    private String repository(PackagedService agent) {
        String id = admin(agent).contentType(ContentType.JSON).body(Map.of("name", "shared", "backend", "local",
                "url", work.resolve("repo").toString(), "password", PASSWORD)).post("/api/v1/repositories").then()
                .statusCode(201).extract().path("id");
        admin(agent).post("/api/v1/repositories/" + id + "/init").then().statusCode(200);
        return id;
    }

    private static List<String> activeDevices(PackagedService registry) {
        return admin(registry).queryParam("status", "active").get("/api/v1/devices").then().statusCode(200)
                .extract().jsonPath().getList("items.name");
    }

    private static String deviceId(PackagedService registry, String name) {
        List<Map<String, Object>> devices = admin(registry).get("/api/v1/devices").then().statusCode(200).extract()
                .jsonPath().getList("items");
        return devices.stream().filter(d -> name.equals(d.get("name"))).map(d -> (String) d.get("id")).findFirst()
                .orElseThrow();
    }

    private static RequestSpecification admin(PackagedService service) {
        return given().baseUri(service.baseUrl()).auth().oauth2(TestTokens.admin()).when();
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws Exception {
        Await.until(condition::getAsBoolean, timeout, Duration.ofMillis(250));
    }
}
