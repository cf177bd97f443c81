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

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

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
 * is refused with REPOSITORY_BUSY, and runs once the backup has ended. When an administrator force-releases the lock
 * of a running backup, the agent stops restic (which removes its own lock), the run fails LOCK_LOST and is retried
 * per the job's policy, and the other agent can take the repository exclusively meanwhile.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SharedRepositoryIT {

    private static final String PASSWORD = "shared-it-" + UUID.randomUUID();

    private final Path work = Path.of(System.getProperty("asgard.backup.it.work", "target/backup-it"))
            .toAbsolutePath().resolve("shared-" + UUID.randomUUID().toString().substring(0, 8));

    private final List<PackagedService> all = new ArrayList<>();
    private PackagedService registry;
    private PackagedService lock;
    private PackagedService a;
    private PackagedService b;

    /** registry-service, lock-service and two agents, started once for the class (the slow part). */
    @BeforeAll
    void start() throws Exception {
        Path registryJar = sibling("registry-service");
        Path lockJar = sibling("lock-service");
        Path agentJar = Path.of(System.getProperty("asgard.backup.it.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        PostgresServer postgres = TestServers.postgres();
        String kafka = TestServers.kafka().bootstrapServers();
        int registryPort = PackagedService.freePort();
        String jwks = "http://127.0.0.1:" + registryPort + "/.well-known/jwks.json";
        Map<String, String> registryConfig = ownJwks(PackagedService.platformConfig(postgres, "shared_registry",
                kafka), jwks);
        registryConfig.put("asgard.registry.signing-keys.generated-master-key-file",
                work.resolve("registry-master.key").toString());
        registry = PackagedService.start("registry", registryJar, registryPort, registryConfig, work);
        all.add(registry);
        lock = PackagedService.start("lock", lockJar, ownJwks(PackagedService.platformConfig(postgres,
                "shared_lock", kafka), jwks), work);
        all.add(lock);
        registry.awaitReady(Duration.ofMinutes(3));
        lock.awaitReady(Duration.ofMinutes(3));

        // More uses than agents: on a loaded machine an enrolment whose answer timed out is retried with the token.
        String joinToken = admin(registry).contentType(ContentType.JSON).body(Map.of("description",
                "backup agents", "ttl", "1h", "usageLimit", 6)).post("/api/v1/join-tokens").then()
                .statusCode(201).extract().path("token");
        Map<String, String> agentConfig = ownJwks(PackagedService.platformConfig(postgres, "shared_backup",
                kafka), jwks);
        // One key for both agents (they share the database), written before either starts: two agents generating
        // the same key file at once could read each other's half-written file.
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Path keyFile = Files.writeString(Files.createDirectories(work).resolve("secrets.key"),
                java.util.Base64.getEncoder().encodeToString(key));
        agentConfig.put("asgard.backup.secrets.key-file", keyFile.toString());
        agentConfig.put("asgard.backup.restic.cache-dir", work.resolve("restic-cache").toString());
        agentConfig.put("asgard.backup.identity.registry-target", "127.0.0.1:" + registryPort);
        agentConfig.put("asgard.backup.identity.join-token", joinToken);
        agentConfig.put("asgard.backup.lock-service.target", "127.0.0.1:" + lock.port());
        agentConfig.put("asgard.backup.guard.wait-timeout", "2s");
        a = PackagedService.start("agent-a", agentJar, agent(agentConfig, "agent-a"), work);
        all.add(a);
        b = PackagedService.start("agent-b", agentJar, agent(agentConfig, "agent-b"), work);
        all.add(b);
        a.awaitReady(Duration.ofMinutes(3));
        b.awaitReady(Duration.ofMinutes(3));
        // Both enrolled (their device ids stored) and heartbeating: active devices.
        await(() -> List.of("agent-a", "agent-b").stream().allMatch(agent -> {
            String id = storedDeviceId(agent);
            return id != null && activeDevices(registry).contains(id);
        }), Duration.ofSeconds(120));
    }

    @AfterAll
    void stop() {
        all.forEach(PackagedService::close);
    }

    @Test
    void agentsEnrol_andAnExclusiveCheckWaitsForAnotherAgentsBackup() throws Exception {
        // Their credentials sealed on disk.
        for (String agent : List.of("agent-a", "agent-b")) {
            JsonPath state = JsonPath.from(work.resolve(agent + "-identity.json").toFile());
            assertEquals(agent, deviceName(registry, state.getString("deviceId")));
            byte[] sealed = java.util.Base64.getDecoder().decode(state.getString("credential"));
            assertEquals(1, sealed[0], "the credential is stored sealed (SecretBox format 1), not in plain text");
        }

        String repo = repository(a, "shared");
        String job = admin(a).contentType(ContentType.JSON).body(Map.of("name", "shared-endless", "repositoryId",
                repo, "paths", List.of(endless().toString()))).post("/api/v1/jobs").then().statusCode(201).extract()
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
        assertEquals(storedDeviceId(executing), held.getString("holders[0].deviceId"));

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
    }

    @Test
    void aForceReleasedLockStopsTheBackup_theRunFailsLockLostAndIsRetried_andTheOtherAgentTakesTheRepository()
            throws Exception {
        String repo = repository(a, "lost");
        // The retry waits long enough for the other agent's check to come first.
        String job = admin(a).contentType(ContentType.JSON).body(Map.of("name", "lost-endless", "repositoryId", repo,
                "paths", List.of(endless().toString()), "retryPolicy", Map.of("maxAttempts", 2, "initialDelay",
                        "PT30M"))).post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        String run = admin(a).post("/api/v1/jobs/" + job + "/runs").then().statusCode(202).extract().path("id");
        await(() -> admin(a).get("/api/v1/runs/" + run).then().extract().jsonPath().get("progress") != null,
                Duration.ofSeconds(60));
        String executing = admin(a).get("/api/v1/runs/" + run).then().extract().path("agentId");
        PackagedService other = "agent-a".equals(executing) ? b : a;
        String lockName = "backup/repo/" + repo;
        admin(lock).get("/api/v1/locks/" + lockName).then().statusCode(200).body("holders.size()", equalTo(1));
        assertFalse(resticLocks("lost").isEmpty(), "the running backup holds a restic lock");

        // An administrator takes the lock away from the running backup.
        admin(lock).contentType(ContentType.JSON).body(Map.of("reason", "shared-repository test"))
                .post("/api/v1/locks/" + lockName + "/force-release").then().statusCode(200);

        // restic is stopped, and the run fails LOCK_LOST, transient, with which lock, why and what to do.
        await(() -> "FAILED".equals(admin(a).get("/api/v1/runs/" + run).then().extract().path("state")),
                Duration.ofSeconds(60));
        JsonPath failed = admin(a).get("/api/v1/runs/" + run).then().statusCode(200).extract().jsonPath();
        assertEquals("LOCK_LOST", failed.getString("failure.kind"), failed.prettify());
        assertTrue(failed.getBoolean("failure.transientFailure"));
        String message = failed.getString("failure.message");
        assertTrue(message.contains(lockName) && message.contains("FORCE_RELEASED"), message);
        assertTrue(failed.getString("failure.hint").contains("removed its own repository lock"),
                failed.getString("failure.hint"));
        assertEquals(List.of(), resticLocks("lost"), "restic removed its lock when it was stopped");

        // Retried per the job's policy: attempt 2 queued for after the initial delay.
        List<Map<String, Object>> runs = admin(a).queryParam("job_id", job).get("/api/v1/runs").then()
                .statusCode(200).extract().jsonPath().getList("items");
        Map<String, Object> retry = runs.stream().filter(r -> run.equals(r.get("retryOfRunId"))).findFirst()
                .orElseThrow(() -> new AssertionError("no retry of " + run + " in " + runs));
        assertEquals("RETRY", retry.get("trigger"));
        assertEquals(2, retry.get("attempt"));
        assertEquals("QUEUED", retry.get("state"));
        assertTrue(failed.getString("nextRetryTime") != null, failed.prettify());

        // Meanwhile the other agent takes the repository exclusively.
        admin(other).post("/api/v1/repositories/" + repo + "/check").then().statusCode(200)
                .body("outcome", equalTo("passed"));
        admin(lock).get("/api/v1/locks/" + lockName).then().statusCode(200).body("holders.size()", equalTo(0));

        admin(a).post("/api/v1/runs/" + retry.get("id") + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED"));
    }

    /** @return a folder with a 64 GiB sparse file: restic reads zeros for minutes without using disk space */
    private Path endless() throws java.io.IOException {
        Path endless = work.resolve("endless");
        if (!Files.isDirectory(endless)) {
            Files.createDirectories(endless);
            try (RandomAccessFile f = new RandomAccessFile(endless.resolve("sparse.bin").toFile(), "rw")) {
                f.setLength(64L * 1024 * 1024 * 1024);
            }
        }
        return endless;
    }

    /** @return the ids of restic's locks in the repository of that name, listed by restic itself */
    private List<String> resticLocks(String name) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("restic", "list", "locks", "--no-lock", "--no-cache")
                .redirectErrorStream(false);
        pb.environment().put("RESTIC_REPOSITORY", work.resolve("repo-" + name).toString());
        pb.environment().put("RESTIC_PASSWORD", PASSWORD);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return out.lines().filter(l -> !l.isBlank()).toList();
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

    private String repository(PackagedService agent, String name) {
        String id = admin(agent).contentType(ContentType.JSON).body(Map.of("name", name, "backend", "local",
                "url", work.resolve("repo-" + name).toString(), "password", PASSWORD))
                .post("/api/v1/repositories").then().statusCode(201).extract().path("id");
        admin(agent).post("/api/v1/repositories/" + id + "/init").then().statusCode(200);
        return id;
    }

    /** @return ids of the active devices */
    private static List<String> activeDevices(PackagedService registry) {
        return admin(registry).queryParam("status", "active").get("/api/v1/devices").then().statusCode(200)
                .extract().jsonPath().getList("items.id");
    }

    private static String deviceName(PackagedService registry, String deviceId) {
        return admin(registry).get("/api/v1/devices/" + deviceId).then().statusCode(200).extract().path("name");
    }

    /** @return the device id an agent stored after enrolling, or null before */
    private String storedDeviceId(String agent) {
        Path file = work.resolve(agent + "-identity.json");
        try {
            return Files.isRegularFile(file) && Files.size(file) > 0 ? JsonPath.from(file.toFile())
                    .getString("deviceId") : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static RequestSpecification admin(PackagedService service) {
        return given().baseUri(service.baseUrl()).auth().oauth2(TestTokens.admin()).when();
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws Exception {
        Await.until(condition::getAsBoolean, timeout, Duration.ofMillis(250));
    }
}
