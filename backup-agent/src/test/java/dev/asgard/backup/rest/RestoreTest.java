package dev.asgard.backup.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.backup.v1.RunKind;
import dev.asgard.proto.events.v1.BackupRunSucceeded;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Restores end to end over REST with real restic, PostgreSQL and Kafka: backup, list, browse, diff, restore
 * selected paths, identical content; the target rules (allowed roots, symbolic links, non-empty targets); cancel.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RestoreTest {

    static final String PASSWORD = "restore-test-" + UUID.randomUUID();
    /** The allowed root of the test configuration. */
    static final Path RESTORE_ROOT = Path.of("target/restore-root").toAbsolutePath();

    static Path work;

    @Inject
    Pool pool;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @BeforeAll
    static void folders() throws Exception {
        work = Files.createTempDirectory("asgard-restore");
        Files.createDirectories(RESTORE_ROOT);
    }

    @Test
    void backup_listed_browsed_diffed_thenSelectedPathsRestored_withIdenticalContent() throws Exception {
        String repo = repository();
        Path src = Files.createDirectories(work.resolve("src-" + UUID.randomUUID()));
        Files.createDirectories(src.resolve("docs"));
        Files.createDirectories(src.resolve("photos"));
        Files.writeString(src.resolve("docs/a.txt"), "first version");
        Files.write(src.resolve("docs/b.bin"), random(300_000));
        Files.write(src.resolve("photos/c.jpg"), random(1_000_000));
        Files.writeString(src.resolve("notes.txt"), "notes");
        Map<String, Object> job = JobResourceTest.job(RunResourceTest.unique("restore"), repo);
        job.put("paths", List.of(src.toString()));
        String jobId = RunResourceTest.createJob(job);
        String first = backup(jobId);
        Files.writeString(src.resolve("docs/a.txt"), "second version, longer");
        Files.writeString(src.resolve("docs/new.txt"), "added later");
        String second = backup(jobId);

        // listed
        admin().get("/api/v1/repositories/" + repo + "/snapshots").then().statusCode(200)
                .body("items.shortId", hasItem(second.substring(0, 8)));
        // browsed
        admin().queryParam("path", src + "/docs").get("/api/v1/repositories/" + repo + "/snapshots/" + second
                + "/tree").then().statusCode(200).body("items.path", equalTo(List.of(src + "/docs/a.txt",
                        src + "/docs/b.bin", src + "/docs/new.txt")));
        // diffed
        admin().queryParam("from", first).queryParam("to", second).get("/api/v1/repositories/" + repo
                + "/snapshots/diff").then().statusCode(200)
                .body("entries.path", equalTo(List.of(src + "/docs/a.txt", src + "/docs/new.txt")))
                .body("entries.change", equalTo(List.of("modified", "added")));

        // restore two of the second snapshot's paths
        Path target = RESTORE_ROOT.resolve("selected-" + UUID.randomUUID());
        Map<String, Object> body = new HashMap<>(Map.of("snapshotId", second.substring(0, 8), "targetPath",
                target.toString(), "includePaths", List.of(src + "/docs", src + "/notes.txt")));
        JsonPath queued = admin().contentType(ContentType.JSON).body(body).header("Idempotency-Key", "k-" + target)
                .post("/api/v1/repositories/" + repo + "/restore").then().statusCode(202)
                .body("kind", equalTo("RESTORE")).body("restore.snapshotId", equalTo(second))
                .body("restore.targetPath", equalTo(target.toString())).extract().jsonPath();
        String runId = queued.getString("id");
        // a retry with the same key gets the same run
        admin().contentType(ContentType.JSON).body(body).header("Idempotency-Key", "k-" + target)
                .post("/api/v1/repositories/" + repo + "/restore").then().statusCode(202).body("id", equalTo(runId));
        JsonPath done = RunResourceTest.awaitEnd(runId, Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", done.getString("state"), done.prettify());
        assertEquals(4, done.getInt("restoreSummary.filesRestored"));
        assertEquals(Files.size(src.resolve("docs/a.txt")) + 300_000 + Files.size(src.resolve("docs/new.txt"))
                + Files.size(src.resolve("notes.txt")), done.getLong("restoreSummary.bytesRestored"));
        assertEquals(1.0, done.getDouble("progress.percentDone"));

        admin().queryParam("kind", "restore").get("/api/v1/runs").then().statusCode(200)
                .body("items.id", hasItem(runId)).body("items.kind", org.hamcrest.Matchers.everyItem(
                        equalTo("RESTORE")));
        admin().queryParam("kind", "other").get("/api/v1/runs").then().statusCode(400)
                .body("reason", equalTo("INVALID_RUN_KIND"));

        Path restored = target.resolve(src.toString().substring(1));
        for (String f : List.of("docs/a.txt", "docs/b.bin", "docs/new.txt", "notes.txt")) {
            assertArrayEquals(Files.readAllBytes(src.resolve(f)), Files.readAllBytes(restored.resolve(f)), f);
        }
        assertFalse(Files.exists(restored.resolve("photos")), "not selected, not restored");

        List<ConsumerRecord<String, byte[]>> records = TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> r.key().equals(runId) && "asgard.backup.run.succeeded".equals(RunResourceTest.type(r)),
                Duration.ofSeconds(30));
        BackupRunSucceeded e = RunResourceTest.parse(records.get(records.size() - 1), BackupRunSucceeded.parser());
        assertEquals(RunKind.RUN_KIND_RESTORE, e.getKind());
        assertEquals(4, e.getRestoreSummary().getFilesRestored());
        assertFalse(e.hasBackupSummary());
        assertTrue(records.stream().filter(r -> r.key().equals(runId))
                .noneMatch(r -> new String(r.value(), StandardCharsets.ISO_8859_1).contains(PASSWORD)));

        // the same target again: refused while not empty, unless overwriting (then verified)
        admin().contentType(ContentType.JSON).body(body).post("/api/v1/repositories/" + repo + "/restore").then()
                .statusCode(409).body("reason", equalTo("RESTORE_TARGET_NOT_EMPTY"));
        Files.writeString(restored.resolve("docs/a.txt"), "changed after the restore");
        body.put("overwrite", true);
        body.put("verify", true);
        String again = admin().contentType(ContentType.JSON).body(body).post("/api/v1/repositories/" + repo
                + "/restore").then().statusCode(202).body("restore.overwrite", equalTo(true)).extract().path("id");
        JsonPath overwritten = RunResourceTest.awaitEnd(again, Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", overwritten.getString("state"), overwritten.prettify());
        assertEquals(0, overwritten.getInt("restoreSummary.verifyErrors"));
        assertEquals("second version, longer", Files.readString(restored.resolve("docs/a.txt")));

        // the whole first snapshot into a new folder
        Path whole = RESTORE_ROOT.resolve("whole-" + UUID.randomUUID());
        String all = admin().contentType(ContentType.JSON).body(Map.of("snapshotId", first, "targetPath",
                whole.toString())).post("/api/v1/repositories/" + repo + "/restore").then().statusCode(202)
                .extract().path("id");
        assertEquals("SUCCEEDED", RunResourceTest.awaitEnd(all, Duration.ofSeconds(60)).getString("state"));
        Path wholeSrc = whole.resolve(src.toString().substring(1));
        assertEquals("first version", Files.readString(wholeSrc.resolve("docs/a.txt")));
        assertArrayEquals(Files.readAllBytes(src.resolve("photos/c.jpg")),
                Files.readAllBytes(wholeSrc.resolve("photos/c.jpg")));
        assertFalse(Files.exists(wholeSrc.resolve("docs/new.txt")), "not in the first snapshot");
        RunResourceTest.assertNoSecretLogged();
    }

    @Test
    void badRequests_areRefusedWithWhatToFix_andQueueNothing() throws Exception {
        String repo = repository();
        Path src = Files.createDirectories(work.resolve("bad-" + UUID.randomUUID()));
        Files.writeString(src.resolve("f.txt"), "x");
        Map<String, Object> job = JobResourceTest.job(RunResourceTest.unique("bad"), repo);
        job.put("paths", List.of(src.toString()));
        String snapshot = backup(RunResourceTest.createJob(job));
        long before = restoreRuns();
        String url = "/api/v1/repositories/" + repo + "/restore";
        Path ok = RESTORE_ROOT.resolve("bad-" + UUID.randomUUID());

        refuse(url, Map.of("snapshotId", snapshot, "targetPath", "/etc/asgard-restore"), 400,
                "RESTORE_TARGET_NOT_ALLOWED", "targetPath");
        refuse(url, Map.of("snapshotId", snapshot, "targetPath", "relative/folder"), 400, "INVALID_ARGUMENT",
                "targetPath");
        refuse(url, Map.of("snapshotId", snapshot, "targetPath", RESTORE_ROOT + "/../escape"), 400,
                "INVALID_ARGUMENT", "targetPath");
        Path link = RESTORE_ROOT.resolve("link-" + UUID.randomUUID());
        Files.createSymbolicLink(link, work);
        refuse(url, Map.of("snapshotId", snapshot, "targetPath", link.resolve("inside").toString()), 400,
                "RESTORE_TARGET_NOT_ALLOWED", "targetPath");
        refuse(url, Map.of("snapshotId", "not-hex", "targetPath", ok.toString()), 400, "INVALID_ARGUMENT",
                "snapshotId");
        refuse(url, Map.of("targetPath", ok.toString()), 400, "INVALID_ARGUMENT", "snapshotId");
        refuse(url, Map.of("snapshotId", snapshot, "targetPath", ok.toString(), "includePaths", List.of("f.txt")),
                400, "INVALID_ARGUMENT", "includePaths[0]");
        refuse(url, Map.of("snapshotId", snapshot, "targetPath", ok.toString(), "includePaths",
                List.of(src + "/missing.txt")), 400, "RESTORE_PATH_NOT_IN_SNAPSHOT", "includePaths[0]");
        refuse(url, Map.of("snapshotId", snapshot, "targetPath", ok.toString(), "excludePaths", List.of("")), 400,
                "INVALID_ARGUMENT", "excludePaths[0]");
        admin().contentType(ContentType.JSON).body(Map.of("snapshotId", "0123abcd", "targetPath", ok.toString()))
                .post(url).then().statusCode(404).body("reason", equalTo("SNAPSHOT_NOT_FOUND"));
        admin().contentType(ContentType.JSON).body(Map.of("snapshotId", snapshot, "targetPath", ok.toString()))
                .post("/api/v1/repositories/" + UUID.randomUUID() + "/restore").then().statusCode(404)
                .body("reason", equalTo("REPOSITORY_NOT_FOUND"));
        Path file = Files.writeString(RESTORE_ROOT.resolve("file-" + UUID.randomUUID()), "a file");
        refuse(url, Map.of("snapshotId", snapshot, "targetPath", file.toString()), 400,
                "RESTORE_TARGET_NOT_A_FOLDER", "targetPath");
        admin().contentType(ContentType.JSON).post(url).then().statusCode(400);
        // roles: a viewer reads but does not restore; no token, no entry
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON)
                .body(Map.of("snapshotId", snapshot, "targetPath", ok.toString())).post(url).then().statusCode(403);
        given().contentType(ContentType.JSON).body(Map.of("snapshotId", snapshot, "targetPath", ok.toString()))
                .post(url).then().statusCode(401);
        assertEquals(before, restoreRuns(), "no restore queued by a refused request");
        assertFalse(Files.exists(ok), "nothing written");
    }

    @Test
    void cancel_stopsTheRestore_andTheRepositoryIsUsableRightAfter() throws Exception {
        String repo = repository();
        Path src = Files.createDirectories(work.resolve("fifo-" + UUID.randomUUID()));
        Files.writeString(src.resolve("blocked.txt"), "restic opens this for writing and waits");
        Map<String, Object> job = JobResourceTest.job(RunResourceTest.unique("fifo"), repo);
        job.put("paths", List.of(src.toString()));
        String jobId = RunResourceTest.createJob(job);
        String snapshot = backup(jobId);
        // A named pipe where the file goes: restic's open for writing waits for a reader that never comes, so
        // the restore is reliably still running when it is cancelled.
        Path target = RESTORE_ROOT.resolve("cancel-" + UUID.randomUUID());
        Path pipe = Files.createDirectories(target.resolve(src.toString().substring(1))).resolve("blocked.txt");
        assertEquals(0, new ProcessBuilder("mkfifo", pipe.toString()).start().waitFor());
        String runId = admin().contentType(ContentType.JSON).body(Map.of("snapshotId", snapshot, "targetPath",
                target.toString(), "overwrite", true)).post("/api/v1/repositories/" + repo + "/restore").then()
                .statusCode(202).extract().path("id");
        RunResourceTest.await(() -> "RUNNING".equals(RunResourceTest.get(runId).getString("state")),
                Duration.ofSeconds(30));
        RunResourceTest.sleep(1500);
        assertEquals("RUNNING", RunResourceTest.get(runId).getString("state"), "still waiting on the pipe");
        Instant cancelAt = Instant.now();
        admin().queryParam("reason", "wrong snapshot").post("/api/v1/runs/" + runId + "/cancel").then()
                .statusCode(200);
        JsonPath cancelled = RunResourceTest.awaitEnd(runId, Duration.ofSeconds(15));
        assertEquals("CANCELLED", cancelled.getString("state"), cancelled.prettify());
        assertEquals("wrong snapshot", cancelled.getString("cancelReason"));
        System.out.printf("restore cancelled after %d ms%n", Duration.between(cancelAt, Instant.now()).toMillis());
        // restic removed its lock: a backup needs no unlock
        String url = RunResourceTest.repoUrl(repo);
        assertEquals(List.of(), RunResourceTest.restic().lockIds(ResticRepo.of(url, PASSWORD)));
        assertEquals("SUCCEEDED", RunResourceTest.awaitEnd(RunResourceTest.startRun(jobId), Duration.ofSeconds(60))
                .getString("state"));
    }

    private static void refuse(String url, Map<String, Object> body, int status, String reason, String field) {
        admin().contentType(ContentType.JSON).body(body).post(url).then().statusCode(status)
                .body("reason", equalTo(reason)).body("errors.field", hasItem(field));
    }

    private long restoreRuns() {
        return pool.query("SELECT count(*) FROM backup.run WHERE kind = 'RESTORE'").execute().await().indefinitely()
                .iterator().next().getLong(0);
    }

    private static String backup(String jobId) {
        JsonPath run = RunResourceTest.awaitEnd(RunResourceTest.startRun(jobId), Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        String shortId = run.getString("summary.snapshotId");
        return admin().get("/api/v1/repositories/" + JobResourceTest.admin().get("/api/v1/jobs/" + jobId).then()
                .extract().path("repositoryId") + "/snapshots/" + shortId).then().statusCode(200).extract()
                .path("id");
    }

    private String repository() {
        String name = RunResourceTest.unique("restore-repo");
        String id = admin().contentType(ContentType.JSON).body(Map.of("name", name, "backend", "local", "url",
                work.resolve(name).toString(), "password", PASSWORD)).post("/api/v1/repositories").then()
                .statusCode(201).extract().path("id");
        admin().post("/api/v1/repositories/" + id + "/init").then().statusCode(200);
        return id;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    private static RequestSpecification admin() {
        return given().auth().oauth2(TestTokens.admin()).when();
    }
}
