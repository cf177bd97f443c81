package dev.asgard.backup.it;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticRunner;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.BackupRunSucceeded;
import dev.asgard.testsupport.Await;
import dev.asgard.testsupport.PackagedService;
import dev.asgard.testsupport.ServerLifecycle;
import dev.asgard.testsupport.TestServers;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/**
 * Backups while PostgreSQL is down, issue 5 item 6, with the packaged agent, real restic, PostgreSQL and Kafka:
 * PostgreSQL stopped mid-schedule, the agent goes on backing up from its sealed configuration copy, and once
 * PostgreSQL is back the runs made meanwhile appear, exactly once, with their snapshot ids. The second scenario
 * restarts the agent while PostgreSQL is down: it starts, backs up from the copy, and migrates and reconciles when
 * PostgreSQL answers.
 */
class OfflineBackupIT {

    private static final String DATABASE = "backup_offline_it";
    /** The restart scenario's own database: the first scenario's unbound job must not run on its agent. */
    private static final String START_DATABASE = "backup_offline_start_it";
    private static final String START_AGENT = "agent-offline-start-it";
    private static final String AGENT = "agent-offline-it";
    private static final String PASSWORD = "offline-it-" + UUID.randomUUID();

    private final Path work = Path.of(System.getProperty("asgard.backup.it.work", "target/backup-it"))
            .toAbsolutePath().resolve(UUID.randomUUID().toString().substring(0, 8));

    @Test
    void scheduledBackupsGoOnWhilePostgresIsDownAndAreRecordedOnceItIsBack() throws Exception {
        Path jar = Path.of(System.getProperty("asgard.backup.it.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "package backup-agent first: " + jar);
        Path cacheFile = work.resolve("offline").resolve("cache.bin");
        Path journalFile = work.resolve("offline").resolve("journal.jsonl");
        Map<String, String> config = PackagedService.platformConfig(TestServers.postgres(), DATABASE,
                TestServers.kafka().bootstrapServers());
        config.put("asgard.backup.secrets.generated-key-file", work.resolve("secrets.key").toString());
        config.put("asgard.backup.restic.cache-dir", work.resolve("restic-cache").toString());
        config.put("asgard.backup.runs.agent-id", AGENT);
        config.put("asgard.backup.offline.after", "2s");
        config.put("asgard.backup.offline.cache-interval", "2s");
        config.put("asgard.backup.offline.cache-file", cacheFile.toString());
        config.put("asgard.backup.offline.journal-file", journalFile.toString());
        Path source = Files.createDirectories(work.resolve("source"));
        Files.writeString(source.resolve("a.txt"), "offline backups");

        try (PackagedService agent = PackagedService.start("agent-offline", jar, config, work)) {
            agent.awaitReady(Duration.ofMinutes(3));
            String url = work.resolve("repo").toString();
            String repo = repository(agent, url);
            String job = admin(agent).contentType(ContentType.JSON).body(Map.of("name", "offline-it-"
                    + UUID.randomUUID().toString().substring(0, 8), "repositoryId", repo, "paths",
                    List.of(source.toString()), "schedule", Map.of("interval", "PT1M"))).post("/api/v1/jobs").then()
                    .statusCode(201).extract().path("id");
            // The shortest interval is a minute; to keep the test short, the first start comes in two seconds and
            // the grid begins 30 seconds from now (before its anchor, an interval schedule's next start is the
            // anchor): the second start falls into the outage.
            sql(DATABASE, "UPDATE backup.job SET schedule_anchor_at = now() + interval '30 seconds', "
                    + "next_run_at = now() + interval '2 seconds' WHERE id = '" + job + "'");

            // 1. An online scheduled run; the copy written after it holds the job (its last run was this agent's).
            await(() -> succeeded(agent, job).size() == 1, Duration.ofSeconds(60));
            Map<String, Object> online = succeeded(agent, job).get(0);
            assertEquals(AGENT, online.get("agentId"));
            Instant onlineEnd = Instant.parse((String) online.get("endTime"));
            await(() -> Files.exists(cacheFile) && Files.getLastModifiedTime(cacheFile).toInstant()
                    .isAfter(onlineEnd.plusMillis(500)), Duration.ofSeconds(30));
            Restic restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(1), Duration.ofSeconds(5),
                    work.resolve("restic-cache")));
            ResticRepo resticRepo = ResticRepo.of(url, PASSWORD);
            assertEquals(1, restic.snapshots(resticRepo).size());

            // 2. PostgreSQL stops: the next planned start runs from the copy.
            ServerLifecycle postgres = TestServers.postgresLifecycle();
            Instant stoppedAt = Instant.now();
            postgres.stop();
            try {
                await(() -> restic.snapshots(resticRepo).size() >= 2, Duration.ofSeconds(90));
                assertTrue(restic.snapshots(resticRepo).stream().anyMatch(s -> s.time().isAfter(stoppedAt)),
                        "a snapshot made while PostgreSQL was down");
                // The snapshot is in the repository before restic exits; the agent journals the run after that.
                await(() -> Files.exists(journalFile) && Files.size(journalFile) > 0, Duration.ofSeconds(30));
                assertTrue(Files.exists(journalFile), "the offline run is journalled");
                String journal = Files.readString(journalFile);
                assertFalse(journal.contains(PASSWORD), "no secret in the journal");
                byte[] cache = Files.readAllBytes(cacheFile);
                String cacheText = new String(cache, StandardCharsets.ISO_8859_1);
                assertFalse(cacheText.contains(PASSWORD), "the repository password is not in the copy");
                assertFalse(cacheText.contains(job) || cacheText.contains(source.toString()),
                        "the copy is sealed, not plain JSON");
            } finally {
                postgres.start();
            }

            // 3. PostgreSQL is back: the offline run is reconciled, with its snapshot, once.
            await(() -> succeeded(agent, job).size() >= 2, Duration.ofSeconds(60));
            List<ResticSnapshot> snapshots = restic.snapshots(resticRepo);
            List<Map<String, Object>> runs = succeeded(agent, job);
            Thread.sleep(3000);
            assertEquals(runs.size(), succeeded(agent, job).size(), "a reconciliation is not repeated");
            for (ResticSnapshot s : snapshots) {
                long matching = runs.stream().filter(r -> matches(s, snapshotId(r))).count();
                assertEquals(1, matching, "snapshot " + s.id() + " recorded by exactly one run: " + runs);
            }
            Map<String, Object> offline = runs.stream().filter(r -> !r.get("id").equals(online.get("id")))
                    .findFirst().orElseThrow();
            assertEquals("SCHEDULE", offline.get("trigger"));
            assertEquals("schedule", offline.get("requestedBy"));
            assertEquals(AGENT, offline.get("agentId"));
            assertNotEquals(online.get("scheduledTime"), offline.get("scheduledTime"));
            assertFalse(Files.exists(journalFile) && Files.size(journalFile) > 0, "the journal is emptied");
            // Its events went through the outbox like an online run's.
            String offlineId = (String) offline.get("id");
            List<ConsumerRecord<String, byte[]>> events = TopicReader.readUntil(TestServers.kafka()
                    .bootstrapServers(), Topics.BACKUP_EVENTS, r -> offlineId.equals(r.key())
                            && "asgard.backup.run.succeeded".equals(type(r)), Duration.ofSeconds(30));
            assertTrue(events.stream().anyMatch(r -> offlineId.equals(r.key())
                    && "asgard.backup.run.started".equals(type(r))), "started event of the offline run");
            BackupRunSucceeded succeededEvent = BackupRunSucceeded.parseFrom(events.get(events.size() - 1).value());
            assertEquals(snapshotId(offline), succeededEvent.getBackupSummary().getSnapshotId());
            // The planned start made offline is not caught up again: the job's next start lies after it.
            Instant nextRun = Instant.parse(admin(agent).get("/api/v1/jobs/" + job).then().statusCode(200).extract()
                    .path("nextRunTime"));
            assertTrue(nextRun.isAfter(Instant.parse((String) offline.get("scheduledTime"))), "next " + nextRun);
            assertEquals(List.of(), admin(agent).queryParam("job_id", job).queryParam("state", "QUEUED")
                    .get("/api/v1/runs").then().statusCode(200).extract().jsonPath().getList("items"),
                    "no catch-up of a start made offline");
        }
    }

    @Test
    void anAgentStartedWhilePostgresIsDownBacksUpFromItsCopyAndRecordsTheRunOnceItIsBack() throws Exception {
        Path jar = Path.of(System.getProperty("asgard.backup.it.jar", "target/quarkus-app/quarkus-run.jar"))
                .toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "package backup-agent first: " + jar);
        Path cacheFile = work.resolve("offline").resolve("cache.bin");
        Path journalFile = work.resolve("offline").resolve("journal.jsonl");
        Map<String, String> config = PackagedService.platformConfig(TestServers.postgres(), START_DATABASE,
                TestServers.kafka().bootstrapServers());
        config.put("asgard.backup.secrets.generated-key-file", work.resolve("secrets.key").toString());
        config.put("asgard.backup.restic.cache-dir", work.resolve("restic-cache").toString());
        config.put("asgard.backup.runs.agent-id", START_AGENT);
        config.put("asgard.backup.offline.after", "2s");
        config.put("asgard.backup.offline.cache-interval", "2s");
        config.put("asgard.backup.offline.cache-file", cacheFile.toString());
        config.put("asgard.backup.offline.journal-file", journalFile.toString());
        config.put("asgard.backup.schema.retry-initial", "500ms");
        config.put("asgard.backup.schema.retry-max", "2s");
        Path source = Files.createDirectories(work.resolve("source"));
        Files.writeString(source.resolve("a.txt"), "backed up by an agent started without PostgreSQL");
        String url = work.resolve("repo").toString();
        Restic restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(1), Duration.ofSeconds(5),
                work.resolve("restic-cache")));
        ResticRepo resticRepo = ResticRepo.of(url, PASSWORD);

        // 1. With PostgreSQL: a repository and a job bound to this agent, due already; the first start has its
        // scheduler off, so the job is only written to the configuration copy.
        Map<String, String> first = new java.util.LinkedHashMap<>(config);
        first.put("asgard.backup.runs.scheduler-enabled", "false");
        String job;
        try (PackagedService agent = PackagedService.start("agent-offline-start-1", jar, first, work)) {
            agent.awaitReady(Duration.ofMinutes(3));
            String repo = repository(agent, url);
            job = admin(agent).contentType(ContentType.JSON).body(Map.of("name", "offline-start-it-"
                    + UUID.randomUUID().toString().substring(0, 8), "repositoryId", repo, "paths",
                    List.of(source.toString()), "schedule", Map.of("interval", "PT1M"), "agentId", START_AGENT))
                    .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
            sql(START_DATABASE, "UPDATE backup.job SET next_run_at = now() - interval '5 seconds' WHERE id = '"
                    + job + "'");
            // A copy written from a read that began after the update: two cache intervals later.
            Instant updated = Instant.now();
            await(() -> Files.exists(cacheFile) && Files.getLastModifiedTime(cacheFile).toInstant()
                    .isAfter(updated.plusSeconds(5)), Duration.ofSeconds(60));
            agent.stop(Duration.ofSeconds(60));
        }
        assertEquals(0, restic.snapshots(resticRepo).size(), "nothing ran while PostgreSQL answered");

        // 2. PostgreSQL stops; the agent starts without it and runs the due job from the copy.
        ServerLifecycle postgres = TestServers.postgresLifecycle();
        postgres.stop();
        PackagedService agent = null;
        try {
            agent = PackagedService.start("agent-offline-start-2", jar, config, work);
            PackagedService started = agent;
            await(() -> {
                assertTrue(started.isAlive(), "the agent exited while PostgreSQL was down; log " + started.log()
                        + ":\n" + started.tail());
                return health(started, "live") == 200;
            }, Duration.ofMinutes(3));
            await(() -> restic.snapshots(resticRepo).size() >= 1, Duration.ofSeconds(90));
            // The snapshot is in the repository before restic exits; the agent journals the run after that.
            await(() -> Files.exists(journalFile) && Files.size(journalFile) > 0, Duration.ofSeconds(30));
            assertTrue(Files.exists(journalFile) && Files.size(journalFile) > 0, "the offline run is journalled");
            var ready = given().baseUri(agent.baseUrl()).get("/q/health/ready").then().statusCode(503).extract()
                    .jsonPath();
            assertEquals("DOWN", ready.getString("checks.find { it.name == 'backup-database' }.status"));
            assertEquals("not migrated yet", ready.getString("checks.find { it.name == 'backup-database' }.data"
                    + ".schema"));
            assertTrue(ready.getString("checks.find { it.name == 'backup-database' }.data.scheduledBackups")
                    .startsWith("running offline from the configuration copy of "), ready.prettify());
            assertEquals(200, health(agent, "live"), "liveness stays up without PostgreSQL");
            admin(agent).get("/api/v1/jobs/" + job).then().statusCode(503)
                    .contentType("application/problem+json").body("status", org.hamcrest.Matchers.equalTo(503))
                    // DEPENDENCY_UNAVAILABLE for a refused connection today (commons' ErrorClassifier).
                    .body("reason", org.hamcrest.Matchers.endsWith("_UNAVAILABLE"));
        } catch (Throwable t) {
            postgres.start();
            if (agent != null) {
                agent.close();
            }
            throw t;
        }

        // 3. PostgreSQL is back: the schema is migrated, the offline run recorded once with its snapshot.
        postgres.start();
        try (PackagedService back = agent) {
            back.awaitReady(Duration.ofMinutes(2));
            await(() -> succeeded(back, job).size() >= 1, Duration.ofSeconds(60));
            List<ResticSnapshot> snapshots = restic.snapshots(resticRepo);
            List<Map<String, Object>> runs = succeeded(back, job);
            Thread.sleep(3000);
            assertEquals(runs.size(), succeeded(back, job).size(), "a reconciliation is not repeated");
            for (ResticSnapshot s : snapshots) {
                long matching = runs.stream().filter(r -> matches(s, snapshotId(r))).count();
                assertEquals(1, matching, "snapshot " + s.id() + " recorded by exactly one run: " + runs);
            }
            Map<String, Object> offline = runs.get(0);
            assertEquals("SCHEDULE", offline.get("trigger"));
            assertEquals(START_AGENT, offline.get("agentId"));
            assertFalse(Files.exists(journalFile) && Files.size(journalFile) > 0, "the journal is emptied");
            Instant nextRun = Instant.parse(admin(back).get("/api/v1/jobs/" + job).then().statusCode(200).extract()
                    .path("nextRunTime"));
            assertTrue(nextRun.isAfter(Instant.parse((String) offline.get("scheduledTime"))), "next " + nextRun);
            assertEquals(List.of(), admin(back).queryParam("job_id", job).queryParam("state", "QUEUED")
                    .get("/api/v1/runs").then().statusCode(200).extract().jsonPath().getList("items"),
                    "no catch-up of the start made offline");
        }
    }

    private static int health(PackagedService agent, String which) {
        try {
            return given().baseUri(agent.baseUrl()).get("/q/health/" + which).then().extract().statusCode();
        } catch (Exception e) {
            // Not listening yet.
            return -1;
        }
    }

    private static String type(ConsumerRecord<String, byte[]> r) {
        var h = r.headers().lastHeader("ce_type");
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static boolean matches(ResticSnapshot s, String runSnapshotId) {
        return runSnapshotId != null && !runSnapshotId.isEmpty()
                && (s.id().startsWith(runSnapshotId) || runSnapshotId.startsWith(s.shortId()));
    }

    @SuppressWarnings("unchecked")
    private static String snapshotId(Map<String, Object> run) {
        Map<String, Object> summary = (Map<String, Object>) run.get("summary");
        return summary == null ? null : (String) summary.get("snapshotId");
    }

    private static List<Map<String, Object>> succeeded(PackagedService agent, String job) {
        try {
            List<Map<String, Object>> items = admin(agent).queryParam("job_id", job).queryParam("state", "SUCCEEDED")
                    .get("/api/v1/runs").then().extract().jsonPath().getList("items");
            return items == null ? List.of() : items;
        } catch (RuntimeException e) {
            // Not answering while PostgreSQL restarts.
            return List.of();
        }
    }

    private String repository(PackagedService agent, String url) {
        String id = admin(agent).contentType(ContentType.JSON).body(Map.of("name", "offline-it-"
                + UUID.randomUUID().toString().substring(0, 8), "backend", "local", "url", url, "password", PASSWORD))
                .post("/api/v1/repositories").then().statusCode(201).extract().path("id");
        admin(agent).post("/api/v1/repositories/" + id + "/init").then().statusCode(200);
        return id;
    }

    private static void sql(String database, String statement) {
        var postgres = TestServers.postgres();
        try (var c = java.sql.DriverManager.getConnection(postgres.jdbcUrl(database), postgres.username(),
                postgres.password()); var s = c.createStatement()) {
            assertEquals(1, s.executeUpdate(statement));
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }

    private static RequestSpecification admin(PackagedService agent) {
        return given().baseUri(agent.baseUrl()).auth().oauth2(TestTokens.admin()).when();
    }

    private static void await(Check condition, Duration timeout) throws Exception {
        Await.until(condition::met, timeout, Duration.ofMillis(500));
    }

    /** A condition that may throw (file and restic reads). */
    @FunctionalInterface
    private interface Check {
        boolean met() throws Exception;
    }
}
