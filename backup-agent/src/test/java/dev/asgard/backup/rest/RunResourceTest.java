package dev.asgard.backup.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticRunner;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.backup.service.JobScheduler;
import dev.asgard.backup.service.RunExecutor;
import dev.asgard.backup.service.RunService;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.BackupRunFailed;
import dev.asgard.proto.events.v1.BackupRunSucceeded;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Backup runs end to end: REST, real restic on local repositories, real PostgreSQL and Kafka. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RunResourceTest {

    static final String PASSWORD = "run-test-" + UUID.randomUUID();
    static final List<String> TERMINAL = List.of("SUCCEEDED", "PARTIAL", "FAILED", "CANCELLED", "INTERRUPTED");

    static Path root;
    static Path smallSource;

    @Inject
    Pool pool;

    @Inject
    JobScheduler scheduler;

    @Inject
    RunService runService;

    @Inject
    RunExecutor executor;

    @Inject
    dev.asgard.backup.service.RepositoryGuard guard;

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL rootUrl;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @BeforeAll
    static synchronized void sources() throws Exception {
        if (root != null) {
            return;
        }
        root = Files.createTempDirectory("asgard-runs");
        smallSource = Files.createDirectories(root.resolve("small"));
        for (int i = 0; i < 5; i++) {
            Files.writeString(smallSource.resolve("file-" + i + ".txt"), "content " + i + " " + UUID.randomUUID());
        }
    }

    @Test
    void backupViaRestSucceedsWithSnapshotSummaryEventsAndRetention() {
        String repo = repository(PASSWORD, true);
        Map<String, Object> job = JobResourceTest.job(unique("ok"), repo);
        job.put("paths", List.of(smallSource.toString()));
        job.put("tags", List.of("test"));
        job.put("retention", Map.of("keepLast", 1));
        String jobId = createJob(job);

        String first = startRun(jobId);
        JsonPath run = awaitEnd(first, Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        assertEquals("MANUAL", run.getString("trigger"));
        assertNotNull(run.getString("summary.snapshotId"));
        assertEquals(5, run.getInt("summary.filesNew"));
        assertNotNull(run.getString("startTime"));
        assertNotNull(run.getString("endTime"));

        // A second run: retention keeps only the last snapshot of this job.
        JsonPath second = awaitEnd(startRun(jobId), Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", second.getString("state"));
        List<ResticSnapshot> snapshots = restic().snapshots(ResticRepo.of(repoUrl(repo), PASSWORD));
        assertEquals(1, snapshots.size(), "keepLast 1");
        assertTrue(snapshots.get(0).tags().contains("asgard-job=" + jobId));
        assertTrue(snapshots.get(0).tags().contains("test"));
        assertTrue(snapshots.get(0).id().startsWith(second.getString("summary.snapshotId")));

        given().auth().oauth2(TestTokens.viewer()).queryParam("job_id", jobId).get("/api/v1/runs").then()
                .statusCode(200).body("items.id", hasItem(first)).body("items[0].id", equalTo(second.getString("id")));
        given().auth().oauth2(TestTokens.admin()).get("/api/v1/jobs/" + jobId).then()
                .body("lastRunId", equalTo(second.getString("id")));

        List<ConsumerRecord<String, byte[]>> records = TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> r.key().equals(first) && "asgard.backup.run.succeeded".equals(type(r)), Duration.ofSeconds(30));
        assertTrue(records.stream().anyMatch(r -> r.key().equals(first) && "asgard.backup.run.started".equals(type(r))));
        ConsumerRecord<String, byte[]> succeeded = records.get(records.size() - 1);
        BackupRunSucceeded e = parse(succeeded, BackupRunSucceeded.parser());
        assertEquals(jobId, e.getJobId());
        assertEquals(run.getString("summary.snapshotId"), e.getBackupSummary().getSnapshotId());
        for (ConsumerRecord<String, byte[]> r : records) {
            assertFalse(new String(r.value(), StandardCharsets.ISO_8859_1).contains(PASSWORD), "no secret in events");
        }
        TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> "asgard.backup.snapshot.forgotten".equals(type(r)), Duration.ofSeconds(30));
        assertNoSecretLogged();
    }

    @Test
    void theSchedulerTickQueuesADueJobByItself() {
        String repo = repository(PASSWORD, true);
        Map<String, Object> job = JobResourceTest.job(unique("tick"), repo);
        job.put("paths", List.of(smallSource.toString()));
        job.put("schedule", Map.of("interval", "PT1H"));
        String jobId = createJob(job);
        // As if the planned start had just come (and the agent had been running all along).
        pool.preparedQuery("UPDATE backup.job SET next_run_at = now() - interval '1 second' WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(jobId))).await().indefinitely();
        await(() -> runsOf(jobId).size() == 1, Duration.ofSeconds(30));
        Map<String, Object> run = runsOf(jobId).get(0);
        assertEquals("SCHEDULE", run.get("trigger"));
        assertEquals("schedule", run.get("requestedBy"));
        assertEquals("SUCCEEDED", awaitEnd((String) run.get("id"), Duration.ofSeconds(60)).getString("state"));
        String next = admin().get("/api/v1/jobs/" + jobId).then().extract().path("nextRunTime");
        assertTrue(Instant.parse(next).isAfter(Instant.now().plus(Duration.ofMinutes(50))), "next start an hour on");
    }

    @Test
    void jitterDelaysTheScheduledStartButNotThePlan() {
        String repo = repository(PASSWORD, true);
        Map<String, Object> job = JobResourceTest.job(unique("jitter"), repo);
        job.put("paths", List.of(smallSource.toString()));
        job.put("schedule", Map.of("interval", "PT1H", "jitter", "PT20M"));
        String jobId = createJob(job);
        admin().get("/api/v1/jobs/" + jobId).then().body("schedule.jitter", equalTo("PT20M"));
        pool.preparedQuery("UPDATE backup.job SET next_run_at = now() - interval '1 second' WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(jobId))).await().indefinitely();
        await(() -> runsOf(jobId).size() == 1, Duration.ofSeconds(30));
        String runId = (String) runsOf(jobId).get(0).get("id");
        var row = pool.preparedQuery("SELECT extract(epoch FROM not_before - scheduled_at) FROM backup.run "
                + "WHERE id = $1").execute(Tuple.of(UUID.fromString(runId))).await().indefinitely().iterator().next();
        double delay = row.getDouble(0);
        assertTrue(delay >= 0 && delay <= 20 * 60, "start delayed by up to 20 min: " + delay);
        if (delay > 5) {
            sleep(1500);
            assertEquals("QUEUED", get(runId).getString("state"), "waits for its jittered start");
        }
        String next = admin().get("/api/v1/jobs/" + jobId).then().extract().path("nextRunTime");
        String scheduled = get(runId).getString("scheduledTime");
        assertEquals(Instant.parse(scheduled).plus(Duration.ofHours(1)), Instant.parse(next), "plan on the grid");
        admin().post("/api/v1/runs/" + runId + "/cancel").then().statusCode(200);
        Map<String, Object> bad = JobResourceTest.job(unique("jitter-bad"), repo);
        bad.put("schedule", Map.of("interval", "PT10M", "jitter", "PT6M"));
        admin().contentType(ContentType.JSON).body(bad).post("/api/v1/jobs").then().statusCode(400)
                .body("errors.field", hasItem("schedule.jitter"));
    }

    @Test
    void aJobBoundToAnotherAgentIsNotRunHere_oneBoundToThisAgentIs() {
        String repo = repository(PASSWORD, true);
        Map<String, Object> elsewhere = JobResourceTest.job(unique("elsewhere"), repo);
        elsewhere.put("paths", List.of(smallSource.toString()));
        elsewhere.put("agentId", "agent-on-another-node");
        String elsewhereJob = createJob(elsewhere);
        admin().get("/api/v1/jobs/" + elsewhereJob).then().body("agentId", equalTo("agent-on-another-node"));
        Map<String, Object> here = JobResourceTest.job(unique("here"), repo);
        here.put("paths", List.of(smallSource.toString()));
        here.put("agentId", executor.agentId());
        String notHere = startRun(elsewhereJob);
        assertEquals("SUCCEEDED", awaitEnd(startRun(createJob(here)), Duration.ofSeconds(60)).getString("state"));
        sleep(1500);
        assertEquals("QUEUED", get(notHere).getString("state"), "only agent-on-another-node may run it");
        admin().post("/api/v1/runs/" + notHere + "/cancel").then().statusCode(200);
        Map<String, Object> bad = JobResourceTest.job(unique("bad-agent"), repo);
        bad.put("agentId", "no spaces allowed");
        admin().contentType(ContentType.JSON).body(bad).post("/api/v1/jobs").then().statusCode(400)
                .body("errors.field", hasItem("agentId"));
    }

    static void assertNoSecretLogged() {
        try {
            Path log = Path.of("target/backup-agent-test.log");
            String text = Files.exists(log) ? Files.readString(log) : "";
            assertFalse(text.contains(PASSWORD), "the repository password is in the log");
            assertFalse(text.contains(PgDumpJobTest.DB_PASSWORD), "the database password is in the log");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void cancelStopsRestic_withinTwoSeconds_queuedRunNeverOverlaps_andTheRepositoryIsUsableRightAfter()
            throws Exception {
        String repo = repository(PASSWORD, true);
        // A sparse file: restic reads (and chunks) 64 GiB of zeros for minutes, without using disk space.
        Path big = Files.createDirectories(root.resolve("big-" + UUID.randomUUID()));
        try (RandomAccessFile f = new RandomAccessFile(big.resolve("sparse.bin").toFile(), "rw")) {
            f.setLength(64L * 1024 * 1024 * 1024);
        }
        Map<String, Object> slowJob = JobResourceTest.job(unique("slow"), repo);
        slowJob.put("paths", List.of(big.toString()));
        String slow = startRun(createJob(slowJob));
        Map<String, Object> smallJob = JobResourceTest.job(unique("small"), repo);
        smallJob.put("paths", List.of(smallSource.toString()));
        String small = startRun(createJob(smallJob));

        // Live progress over Server-Sent Events; the stream ends after the terminal state.
        java.util.concurrent.CompletableFuture<List<String>> sse = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                .sendAsync(java.net.http.HttpRequest.newBuilder(root().resolve("/api/v1/runs/" + slow + "/events"))
                        .header("Authorization", "Bearer " + TestTokens.viewer())
                        .header("Accept", "text/event-stream").build(),
                        java.net.http.HttpResponse.BodyHandlers.ofLines())
                .thenApply(resp -> resp.body().filter(l -> l.startsWith("data:")).toList());
        await(() -> "RUNNING".equals(get(slow).getString("state")) && get(slow).get("progress") != null,
                Duration.ofSeconds(30));
        assertEquals("QUEUED", get(small).getString("state"), "at most one backup at a time: the second waits");

        Instant cancelAt = Instant.now();
        admin().post("/api/v1/runs/" + slow + "/cancel").then().statusCode(200);
        JsonPath cancelled = awaitEnd(slow, Duration.ofSeconds(10));
        Duration took = Duration.between(cancelAt, Instant.now());
        assertEquals("CANCELLED", cancelled.getString("state"));
        assertTrue(took.compareTo(Duration.ofSeconds(2)) <= 0, "cancelled within 2 s, took " + took);

        JsonPath next = awaitEnd(small, Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", next.getString("state"), "the repository is usable right after, without unlock");
        assertFalse(Instant.parse(next.getString("startTime")).isBefore(Instant.parse(cancelled.getString("endTime"))),
                "never overlapping");
        assertEquals(List.of(), restic().lockIds(ResticRepo.of(repoUrl(repo), PASSWORD)), "no stale lock");
        List<String> events = sse.get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertTrue(events.stream().anyMatch(l -> l.contains("\"percentDone\"") && l.contains("RUNNING")), events.toString());
        assertTrue(events.get(events.size() - 1).contains("CANCELLED"), events.toString());
        ConsumerRecord<String, byte[]> progress = TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> r.key().equals(slow) && "asgard.backup.run.progress".equals(type(r)), Duration.ofSeconds(30))
                .stream().reduce((x, y) -> y).orElseThrow();
        assertTrue(parse(progress, dev.asgard.proto.events.v1.BackupRunProgress.parser()).hasProgress());
        TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> r.key().equals(slow) && "asgard.backup.run.cancelled".equals(type(r)), Duration.ofSeconds(30));
    }

    @Test
    void aBackupOutsideTheQueueHoldsTheSlot_noQueuedBackupStartsBesideIt() {
        // An offline backup (PostgreSQL was down) still running when PostgreSQL answers again holds a backup slot:
        // queued backups wait for it, as they wait for each other.
        java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();
        RunExecutor.Slot offline = executor.takeBackupSlot(() -> stopped.set(true)).orElseThrow();
        String run;
        try {
            assertTrue(executor.takeBackupSlot(() -> {
            }).isEmpty(), "one backup at a time: no second slot");
            String repo = repository(PASSWORD, true);
            Map<String, Object> job = JobResourceTest.job(unique("beside-offline"), repo);
            job.put("paths", List.of(smallSource.toString()));
            run = startRun(createJob(job));
            executor.kick();
            sleep(1500);
            assertEquals("QUEUED", get(run).getString("state"), "no backup beside the offline one");
        } finally {
            offline.close();
        }
        assertEquals("SUCCEEDED", awaitEnd(run, Duration.ofSeconds(60)).getString("state"), "it starts once the slot is free");
        assertFalse(stopped.get(), "nothing stopped it: no shutdown");
    }

    @Test
    void transientFailureIsRetriedWithBackOffThenGivesUp() {
        String repo = admin().contentType(ContentType.JSON).body(Map.of("name", unique("down"), "backend", "rest",
                "url", "rest:http://127.0.0.1:1/nothing", "password", PASSWORD)).post("/api/v1/repositories").then()
                .statusCode(201).extract().path("id");
        Map<String, Object> job = JobResourceTest.job(unique("retry"), repo);
        job.put("paths", List.of(smallSource.toString()));
        job.put("retryPolicy", Map.of("maxAttempts", 2, "initialDelay", "PT1S", "multiplier", 2.0, "maxDelay", "PT5S"));
        String jobId = createJob(job);
        String first = startRun(jobId);
        JsonPath failed = awaitEnd(first, Duration.ofSeconds(60));
        assertEquals("FAILED", failed.getString("state"));
        assertEquals("BACKEND_UNREACHABLE", failed.getString("failure.kind"));
        assertTrue(failed.getBoolean("failure.transientFailure"));
        assertNotNull(failed.getString("nextRetryTime"));

        await(() -> runsOf(jobId).size() == 2 && TERMINAL.contains(runsOf(jobId).get(0).get("state")),
                Duration.ofSeconds(60));
        Map<String, Object> retry = runsOf(jobId).get(0);
        assertEquals("RETRY", retry.get("trigger"));
        assertEquals(2, retry.get("attempt"));
        assertEquals(first, retry.get("retryOfRunId"));
        assertEquals("FAILED", retry.get("state"));
        assertFalse(Instant.parse((String) retry.get("startTime"))
                .isBefore(Instant.parse(failed.getString("endTime")).plusSeconds(1)), "waited the initial delay");
        TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS, r -> r.key().equals(first)
                && "asgard.backup.run.failed".equals(type(r)) && parse(r, BackupRunFailed.parser()).getWillRetry(),
                Duration.ofSeconds(30));
        sleep(2500);
        assertEquals(2, runsOf(jobId).size(), "max attempts 2: no third");
    }

    @Test
    void repositoryLockedByAnotherResticIsRetriedAndSucceedsOnceTheLockIsGone() throws Exception {
        String repo = repository(PASSWORD, true);
        // restic key passwd takes an exclusive lock, then waits for the new password on stdin: a lock holder we
        // control. SIGINT makes it remove its lock.
        ProcessBuilder pb = new ProcessBuilder("restic", "key", "passwd");
        pb.environment().put("RESTIC_REPOSITORY", repoUrl(repo));
        pb.environment().put("RESTIC_PASSWORD", PASSWORD);
        pb.environment().put("RESTIC_CACHE_DIR", Path.of("target/restic-cache").toAbsolutePath().toString());
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Process holder = pb.start();
        try {
            await(() -> !restic().lockIds(ResticRepo.of(repoUrl(repo), PASSWORD)).isEmpty(), Duration.ofSeconds(30));
            Map<String, Object> job = JobResourceTest.job(unique("locked"), repo);
            job.put("paths", List.of(smallSource.toString()));
            job.put("retryPolicy", Map.of("maxAttempts", 3, "initialDelay", "PT2S", "maxDelay", "PT2S"));
            String jobId = createJob(job);
            JsonPath first = awaitEnd(startRun(jobId), Duration.ofSeconds(60));
            assertEquals("FAILED", first.getString("state"));
            assertEquals("REPOSITORY_LOCKED", first.getString("failure.kind"));
            assertTrue(first.getBoolean("failure.transientFailure"));
            assertTrue(first.getString("failure.hint").contains("PID " + holder.pid()), first.getString("failure.hint"));
            new ProcessBuilder("kill", "-INT", Long.toString(holder.pid())).start().waitFor();
            assertTrue(holder.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
            await(() -> runsOf(jobId).stream().anyMatch(r -> "SUCCEEDED".equals(r.get("state"))),
                    Duration.ofSeconds(60));
            Map<String, Object> retry = runsOf(jobId).get(0);
            assertEquals("RETRY", retry.get("trigger"));
            assertEquals("SUCCEEDED", retry.get("state"));
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void aBackupWaitsForNoRepositoryWideOperationAndIsRetriedWhenTheRepositoryStaysBusy() throws Exception {
        String repo = repository(PASSWORD, true);
        Map<String, Object> job = JobResourceTest.job(unique("busy"), repo);
        job.put("paths", List.of(smallSource.toString()));
        job.put("retryPolicy", Map.of("maxAttempts", 2, "initialDelay", "PT2S", "maxDelay", "PT2S"));
        String jobId = createJob(job);
        // A check (or forget, prune, unlock) holds the repository exclusively for longer than the guard waits (5 s).
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        Thread check = Thread.ofVirtual().start(() -> guard.hold(UUID.fromString(repo),
                dev.asgard.backup.service.RepositoryGuard.Mode.EXCLUSIVE, "test check", () -> {
                    held.countDown();
                    sleep(7000);
                    return null;
                }));
        assertTrue(held.await(5, java.util.concurrent.TimeUnit.SECONDS));
        JsonPath first = awaitEnd(startRun(jobId), Duration.ofSeconds(30));
        assertEquals("FAILED", first.getString("state"));
        assertEquals("LOCK_UNAVAILABLE", first.getString("failure.kind"));
        assertTrue(first.getBoolean("failure.transientFailure"));
        check.join();
        await(() -> runsOf(jobId).stream().anyMatch(r -> "SUCCEEDED".equals(r.get("state"))), Duration.ofSeconds(60));
    }

    @Test
    void wrongPasswordAndMissingSourcesFailWithoutRetry() {
        String good = repository(PASSWORD, true);
        String wrong = admin().contentType(ContentType.JSON).body(Map.of("name", unique("wrong"), "backend", "local",
                "url", repoUrl(good), "password", "not-the-password")).post("/api/v1/repositories").then()
                .statusCode(201).extract().path("id");
        Map<String, Object> job = JobResourceTest.job(unique("pw"), wrong);
        job.put("paths", List.of(smallSource.toString()));
        job.put("retryPolicy", Map.of("maxAttempts", 3, "initialDelay", "PT1S"));
        String jobId = createJob(job);
        JsonPath run = awaitEnd(startRun(jobId), Duration.ofSeconds(60));
        assertEquals("FAILED", run.getString("state"));
        assertEquals("WRONG_PASSWORD", run.getString("failure.kind"));
        assertFalse(run.getBoolean("failure.transientFailure"));
        assertTrue(run.getString("failure.hint").contains("password"));
        Map<String, Object> missing = JobResourceTest.job(unique("missing"), good);
        missing.put("paths", List.of(root.resolve("does-not-exist").toString()));
        missing.put("retryPolicy", Map.of("maxAttempts", 3, "initialDelay", "PT1S"));
        String missingJob = createJob(missing);
        JsonPath m = awaitEnd(startRun(missingJob), Duration.ofSeconds(60));
        assertEquals("FAILED", m.getString("state"), m.prettify());
        assertEquals("SOURCE_MISSING", m.getString("failure.kind"));
        sleep(2000);
        assertEquals(1, runsOf(jobId).size(), "never retried: wrong password");
        assertEquals(1, runsOf(missingJob).size(), "never retried: missing sources");
        assertFalse(run.prettify().contains(PASSWORD));
    }

    @Test
    void missedRunPoliciesAfterASimulatedDowntime() throws Throwable {
        String repo = repository(PASSWORD, true);
        Map<String, String> ids = new HashMap<>();
        for (String mode : List.of("run-all", "skip", "run-once")) {
            Map<String, Object> job = JobResourceTest.job(unique(mode), repo);
            job.put("paths", List.of(smallSource.toString()));
            job.put("schedule", "run-once".equals(mode) ? Map.of("cron", "* * * * *") : Map.of("interval", "PT1M"));
            job.put("missedRunPolicy", Map.of("mode", mode, "gracePeriod", "PT0S", "maxCatchUpRuns", 2));
            ids.put(mode, createJob(job));
        }
        // The agent was "down" for 5.5 minutes: the scheduler looks at the persisted next starts then.
        Instant later = Instant.now().plus(Duration.ofSeconds(330));
        VertxContextSupport.subscribeAndAwait(() -> scheduler.scheduleDue(later));
        List<Map<String, Object>> all = runsOf(ids.get("run-all"));
        assertEquals(2, all.size(), "run-all, bounded by maxCatchUpRuns 2");
        assertTrue(all.stream().allMatch(r -> "CATCH_UP".equals(r.get("trigger"))));
        assertEquals(0, runsOf(ids.get("skip")).size(), "skip");
        List<Map<String, Object>> once = runsOf(ids.get("run-once"));
        assertEquals(1, once.size(), "run-once");
        assertEquals("CATCH_UP", once.get(0).get("trigger"));
        for (String id : ids.values()) {
            String next = admin().get("/api/v1/jobs/" + id).then().extract().path("nextRunTime");
            assertTrue(Instant.parse(next).isAfter(later), "next start planned after the downtime");
        }
        for (Map<String, Object> r : all) {
            assertEquals("SUCCEEDED", awaitEnd((String) r.get("id"), Duration.ofSeconds(60)).getString("state"));
        }
    }

    @Test
    void runLeftRunningByACrashIsInterruptedAndRetried() throws Throwable {
        String repo = repository(PASSWORD, false);
        Map<String, Object> job = JobResourceTest.job(unique("crash"), repo);
        job.put("retryPolicy", Map.of("maxAttempts", 2, "initialDelay", "PT1H", "maxDelay", "PT1H"));
        String jobId = createJob(job);
        UUID runId = UUID.randomUUID();
        pool.preparedQuery("INSERT INTO backup.run (id, kind, job_id, repository_id, trigger, state, requested_by,"
                + " agent_id, queued_at, started_at) VALUES ($1, 'BACKUP', $2, $3, 'MANUAL', 'RUNNING', 'admin', $4,"
                + " now(), now())").execute(Tuple.of(runId, UUID.fromString(jobId), UUID.fromString(repo),
                        executor.agentId())).await().indefinitely();
        int recovered = VertxContextSupport.subscribeAndAwait(() -> runService.recoverInterrupted(executor.agentId()));
        assertTrue(recovered >= 1);
        JsonPath run = get(runId.toString());
        assertEquals("INTERRUPTED", run.getString("state"));
        assertEquals("INTERRUPTED", run.getString("failure.kind"));
        List<Map<String, Object>> runs = runsOf(jobId);
        assertEquals(2, runs.size());
        assertEquals("RETRY", runs.get(0).get("trigger"));
        assertEquals("QUEUED", runs.get(0).get("state"));
        admin().post("/api/v1/runs/" + runs.get(0).get("id") + "/cancel").then().statusCode(200)
                .body("state", equalTo("CANCELLED"));
    }

    @Test
    void badInputAndRoles() {
        String repo = repository(PASSWORD, false);
        String jobId = createJob(JobResourceTest.job(unique("auth"), repo));
        given().post("/api/v1/jobs/" + jobId + "/runs").then().statusCode(401);
        given().get("/api/v1/runs").then().statusCode(401);
        given().auth().oauth2(TestTokens.viewer()).post("/api/v1/jobs/" + jobId + "/runs").then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).get("/api/v1/runs").then().statusCode(200);
        admin().post("/api/v1/jobs/" + UUID.randomUUID() + "/runs").then().statusCode(404)
                .body("reason", equalTo("JOB_NOT_FOUND"));
        admin().post("/api/v1/jobs/nope/runs").then().statusCode(400);
        admin().get("/api/v1/runs/nope").then().statusCode(400);
        admin().get("/api/v1/runs/" + UUID.randomUUID()).then().statusCode(404).body("reason", equalTo("RUN_NOT_FOUND"));
        admin().get("/api/v1/runs?state=DONE").then().statusCode(400).body("errors.field", hasItem("state"));
        admin().get("/api/v1/runs?page_token=forged").then().statusCode(400);
        admin().post("/api/v1/runs/" + UUID.randomUUID() + "/cancel").then().statusCode(404);
        given().get("/api/v1/runs/" + UUID.randomUUID() + "/events").then().statusCode(401);
        given().post("/api/v1/runs/" + UUID.randomUUID() + "/cancel").then().statusCode(401);
        admin().get("/api/v1/runs/" + UUID.randomUUID() + "/events").then().statusCode(404);
        admin().post("/api/v1/runs/" + UUID.randomUUID() + "/cancel?reason=" + "x".repeat(300)).then()
                .statusCode(400).body("errors.field", hasItem("reason"));
        // Idempotent start: the same key returns the same run; then cancel it while queued or running.
        String key = UUID.randomUUID().toString();
        String a = admin().header("Idempotency-Key", key).post("/api/v1/jobs/" + jobId + "/runs").then()
                .statusCode(202).extract().path("id");
        String b = admin().header("Idempotency-Key", key).post("/api/v1/jobs/" + jobId + "/runs").then()
                .statusCode(202).extract().path("id");
        assertEquals(a, b);
        given().auth().oauth2(TestTokens.viewer()).post("/api/v1/runs/" + a + "/cancel").then().statusCode(403);
        admin().post("/api/v1/runs/" + a + "/cancel").then().statusCode(200);
        assertTrue(TERMINAL.contains(awaitEnd(a, Duration.ofSeconds(30)).getString("state")));
    }

    // --- helpers

    java.net.URI root() {
        try {
            return rootUrl.toURI();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static RequestSpecification admin() {
        return given().auth().oauth2(TestTokens.admin()).when();
    }

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * @param pool unused; keeps the call site explicit about needing the running application
     * @return an initialised local repository with {@link #PASSWORD}
     */
    String repositoryWith(Pool pool) {
        return repository(PASSWORD, true);
    }

    String repository(String password, boolean init) {
        String name = unique("repo");
        String id = admin().contentType(ContentType.JSON).body(Map.of("name", name, "backend", "local", "url",
                root.resolve(name).toString(), "password", password)).post("/api/v1/repositories").then()
                .statusCode(201).extract().path("id");
        if (init) {
            admin().post("/api/v1/repositories/" + id + "/init").then().statusCode(200);
        }
        return id;
    }

    static String repoUrl(String repositoryId) {
        return admin().get("/api/v1/repositories/" + repositoryId).then().extract().path("url");
    }

    static String createJob(Map<String, Object> body) {
        return admin().contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
    }

    static String startRun(String jobId) {
        return admin().post("/api/v1/jobs/" + jobId + "/runs").then().statusCode(202).extract().path("id");
    }

    static JsonPath get(String runId) {
        return admin().get("/api/v1/runs/" + runId).then().statusCode(200).extract().jsonPath();
    }

    static List<Map<String, Object>> runsOf(String jobId) {
        return admin().queryParam("job_id", jobId).get("/api/v1/runs").then().statusCode(200).extract().jsonPath()
                .getList("items");
    }

    static JsonPath awaitEnd(String runId, Duration timeout) {
        JsonPath[] last = new JsonPath[1];
        await(() -> TERMINAL.contains((last[0] = get(runId)).getString("state")), timeout);
        return last[0];
    }

    static void await(java.util.function.BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            sleep(100);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Restic restic() {
        return new Restic(new ResticRunner("restic", Duration.ofMinutes(1), Duration.ofSeconds(5),
                Path.of("target/restic-cache")));
    }

    static String type(ConsumerRecord<String, byte[]> r) {
        var h = r.headers().lastHeader("ce_type");
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static <T> T parse(ConsumerRecord<String, byte[]> r, com.google.protobuf.Parser<T> parser) {
        try {
            return parser.parseFrom(r.value());
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }
}
