package dev.asgard.backup.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticRunner;
import dev.asgard.testsupport.Await;
import dev.asgard.testsupport.PackagedService;
import dev.asgard.testsupport.TestServers;
import dev.asgard.testsupport.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;

/**
 * Graceful shutdown of the packaged agent (SIGTERM), issue 5 item 6: no new run starts, the running one may
 * finish within {@code shutdown-finish-timeout}; one that does not is stopped with SIGINT, ends INTERRUPTED with a
 * retry queued, and restic leaves no lock. Real restic, PostgreSQL and Kafka.
 */
class GracefulShutdownIT {

    private static final String PASSWORD = "shutdown-it-" + UUID.randomUUID();
    private static final List<String> TERMINAL = List.of("SUCCEEDED", "PARTIAL", "FAILED", "CANCELLED",
            "INTERRUPTED");

    private final Path work = Path.of(System.getProperty("asgard.backup.it.work", "target/backup-it"))
            .toAbsolutePath().resolve(UUID.randomUUID().toString().substring(0, 8));

    @Test
    void runningRunFinishesQueuedOneWaits_thenARunThatOutlastsTheTimeoutIsInterruptedAndRetried() throws Exception {
        Path jar = Path.of(System.getProperty("asgard.backup.it.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "package backup-agent first: " + jar);
        Map<String, String> config = PackagedService.platformConfig(TestServers.postgres(), "backup_it",
                TestServers.kafka().bootstrapServers());
        config.put("asgard.backup.secrets.generated-key-file", work.resolve("secrets.key").toString());
        config.put("asgard.backup.restic.cache-dir", work.resolve("restic-cache").toString());
        config.put("asgard.backup.runs.agent-id", "agent-it");
        config.put("asgard.backup.runs.progress-event-interval", "1s");
        config.put("asgard.backup.offline.cache-file", work.resolve("offline-cache.bin").toString());
        config.put("asgard.backup.offline.journal-file", work.resolve("offline-journal.jsonl").toString());

        // A medium backup (a few seconds) and a long one (minutes): sparse files cost no disk space.
        Path medium = sparse("medium", 768L * 1024 * 1024);
        Path endless = sparse("endless", 64L * 1024 * 1024 * 1024);
        Path small = Files.createDirectories(work.resolve("small"));
        Files.writeString(small.resolve("a.txt"), "small");

        String repo;
        String mediumJob;
        String smallJob;
        String queuedRun;
        // 1. SIGTERM while a run goes: it finishes (finish timeout 2 minutes), the queued one is not started.
        try (PackagedService agent = PackagedService.start("agent-1", jar, with(config, "120s"), work)) {
            agent.awaitReady(Duration.ofMinutes(3));
            repo = repository(agent);
            mediumJob = job(agent, repo, medium);
            smallJob = job(agent, repo, small);
            String running = start(agent, mediumJob);
            queuedRun = start(agent, smallJob);
            await(() -> "RUNNING".equals(run(agent, running).getString("state")), Duration.ofSeconds(30));
            assertEquals("QUEUED", run(agent, queuedRun).getString("state"), "one backup at a time");
            agent.stop(Duration.ofMinutes(3));
            JsonPath finished = runFromDatabase(running);
            assertEquals("SUCCEEDED", finished.getString("state"), "the running backup was allowed to finish");
            assertEquals("QUEUED", runFromDatabase(queuedRun).getString("state"), "no new run after the stop began");
        }

        // 2. The next start runs the queued backup; SIGTERM during a backup that outlasts the finish timeout.
        try (PackagedService agent = PackagedService.start("agent-2", jar, with(config, "2s"), work)) {
            agent.awaitReady(Duration.ofMinutes(3));
            JsonPath earlier = awaitEnd(agent, queuedRun);
            assertEquals("SUCCEEDED", earlier.getString("state"), earlier.prettify());
            String endlessJob = job(agent, repo, endless);
            String slow = start(agent, endlessJob);
            await(() -> run(agent, slow).get("progress") != null, Duration.ofSeconds(60));
            Instant stopAt = Instant.now();
            agent.stop(Duration.ofSeconds(60));
            Duration took = Duration.between(stopAt, Instant.now());
            System.out.printf("agent stopped %d ms after SIGTERM (finish timeout 2 s)%n", took.toMillis());
            JsonPath interrupted = runFromDatabase(slow);
            assertEquals("INTERRUPTED", interrupted.getString("state"));
            assertEquals("INTERRUPTED", interrupted.getString("failureKind"));
            assertTrue(took.compareTo(Duration.ofSeconds(2)) >= 0, "waited for the finish timeout first: " + took);
        }

        // 3. After the stop: a retry is queued for the interrupted run and restic left no lock behind.
        try (PackagedService agent = PackagedService.start("agent-3", jar, with(config, "2s"), work)) {
            agent.awaitReady(Duration.ofMinutes(3));
            String url = admin(agent).get("/api/v1/repositories/" + repo).then().extract().path("url");
            List<Map<String, Object>> runs = admin(agent).get("/api/v1/runs").then().statusCode(200).extract()
                    .jsonPath().getList("items");
            assertTrue(runs.stream().anyMatch(r -> "RETRY".equals(r.get("trigger"))
                    && Integer.valueOf(2).equals(r.get("attempt"))), "a retry of the interrupted run: " + runs);
            Restic restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(1), Duration.ofSeconds(5),
                    work.resolve("restic-cache")));
            assertEquals(List.of(), restic.lockIds(ResticRepo.of(url, PASSWORD)), "no stale restic lock");
            assertFalse(restic.snapshots(ResticRepo.of(url, PASSWORD)).isEmpty());
        }
    }

    private static Map<String, String> with(Map<String, String> config, String finishTimeout) {
        Map<String, String> c = new java.util.LinkedHashMap<>(config);
        c.put("asgard.backup.runs.shutdown-finish-timeout", finishTimeout);
        return c;
    }

    private Path sparse(String name, long size) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve("sparse.bin").toFile(), "rw")) {
            f.setLength(size);
        }
        return dir;
    }

    private String repository(PackagedService agent) {
        String name = "it-" + UUID.randomUUID().toString().substring(0, 8);
        String id = admin(agent).contentType(ContentType.JSON).body(Map.of("name", name, "backend", "local", "url",
                work.resolve(name).toString(), "password", PASSWORD)).post("/api/v1/repositories").then()
                .statusCode(201).extract().path("id");
        admin(agent).post("/api/v1/repositories/" + id + "/init").then().statusCode(200);
        return id;
    }

    private static String job(PackagedService agent, String repo, Path source) {
        return admin(agent).contentType(ContentType.JSON).body(Map.of("name", "it-" + UUID.randomUUID().toString()
                .substring(0, 8), "repositoryId", repo, "paths", List.of(source.toString()))).post("/api/v1/jobs")
                .then().statusCode(201).extract().path("id");
    }

    private static String start(PackagedService agent, String jobId) {
        return admin(agent).post("/api/v1/jobs/" + jobId + "/runs").then().statusCode(202).extract().path("id");
    }

    private static JsonPath run(PackagedService agent, String runId) {
        return admin(agent).get("/api/v1/runs/" + runId).then().statusCode(200).extract().jsonPath();
    }

    private static JsonPath awaitEnd(PackagedService agent, String runId) throws Exception {
        JsonPath[] last = new JsonPath[1];
        await(() -> TERMINAL.contains((last[0] = run(agent, runId)).getString("state")), Duration.ofSeconds(120));
        return last[0];
    }

    /** The run as stored, read while no agent runs (state and failure kind). */
    private static JsonPath runFromDatabase(String runId) {
        var postgres = TestServers.postgres();
        try (var c = java.sql.DriverManager.getConnection(postgres.jdbcUrl("backup_it"), postgres.username(),
                postgres.password()); var s = c.prepareStatement(
                        "SELECT state, coalesce(failure_kind, '') FROM backup.run WHERE id = ?")) {
            s.setObject(1, UUID.fromString(runId));
            try (var r = s.executeQuery()) {
                assertTrue(r.next(), "run " + runId + " stored");
                return JsonPath.from("{\"state\":\"" + r.getString(1) + "\",\"failureKind\":\"" + r.getString(2)
                        + "\"}");
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static RequestSpecification admin(PackagedService agent) {
        return given().baseUri(agent.baseUrl()).auth().oauth2(TestTokens.admin()).when();
    }

    private static void await(BooleanSupplier condition, Duration timeout) throws Exception {
        Await.until(condition::getAsBoolean, timeout, Duration.ofMillis(200));
    }
}
