package dev.asgard.backup.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticRunner;
import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.backup.v1.CheckOutcome;
import dev.asgard.proto.events.v1.RepositoryCheckCompleted;
import dev.asgard.proto.events.v1.SnapshotForgotten;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Snapshots and maintenance through the admin REST API, against real restic repositories, PostgreSQL and Kafka.
 * Snapshots are made with restic directly (runs are another slice).
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class SnapshotResourceTest {

    private static final String REPOS = "/api/v1/repositories";
    private static final String PASSWORD = "snapshot-Test-passw0rd-" + UUID.randomUUID();

    private static Path root;
    private static Restic restic;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    /** Every response body, checked for the password at the end of each test. */
    private final List<String> bodies = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        root = Files.createTempDirectory("asgard-snapshots");
        restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(2), Duration.ofSeconds(5),
                Path.of("target/restic-cache")));
    }

    @Test
    void listFilterShowBrowseDiffAndForgetOne() throws Exception {
        Fixture f = fixture("browse");
        List<String> ids = f.snapshotIds;

        // newest first; filters
        ExtractableResponse<Response> all = viewer().get(f.path("/snapshots")).then().statusCode(200).extract();
        keep(all);
        assertEquals(List.of(ids.get(2), ids.get(1), ids.get(0)), all.path("items.id"));
        viewer().queryParam("host", "h1").get(f.path("/snapshots")).then().statusCode(200)
                .body("items.id", equalTo(List.of(ids.get(1), ids.get(0))));
        viewer().queryParam("tag", "t2").get(f.path("/snapshots")).then().statusCode(200)
                .body("items.id", equalTo(List.of(ids.get(1))));
        viewer().queryParam("tag", "t2").queryParam("tag", "t1").get(f.path("/snapshots")).then().statusCode(200)
                .body("items", hasSize(0));
        viewer().queryParam("path", f.src.toString()).get(f.path("/snapshots")).then().statusCode(200)
                .body("items", hasSize(3));
        viewer().queryParam("path", "/elsewhere").get(f.path("/snapshots")).then().statusCode(200)
                .body("items", hasSize(0));
        viewer().queryParam("job", UUID.randomUUID().toString()).get(f.path("/snapshots")).then().statusCode(200)
                .body("items", hasSize(0));
        String secondTime = all.path("items[1].time");
        viewer().queryParam("taken_after", secondTime).get(f.path("/snapshots")).then().statusCode(200)
                .body("items.id", equalTo(List.of(ids.get(2), ids.get(1))));
        viewer().queryParam("taken_before", secondTime).get(f.path("/snapshots")).then().statusCode(200)
                .body("items.id", equalTo(List.of(ids.get(0))));

        // pages
        ExtractableResponse<Response> first = viewer().queryParam("page_size", 2).get(f.path("/snapshots")).then()
                .statusCode(200).body("items", hasSize(2)).extract();
        String token = first.path("nextPageToken");
        assertFalse(token.isEmpty());
        viewer().queryParam("page_size", 2).queryParam("page_token", token).get(f.path("/snapshots")).then()
                .statusCode(200).body("items.id", equalTo(List.of(ids.get(0)))).body("nextPageToken", equalTo(""));

        // details by short id
        keep(viewer().get(f.path("/snapshots/" + ids.get(0).substring(0, 8))).then().statusCode(200)
                .body("id", equalTo(ids.get(0))).body("hostname", equalTo("h1")).body("tags", equalTo(List.of("t1")))
                .body("paths", equalTo(List.of(f.src.toString()))).extract());

        // browse one level, then recursively
        String src = f.src.toString();
        keep(viewer().queryParam("path", src).get(f.path("/snapshots/" + ids.get(0) + "/tree")).then().statusCode(200)
                .body("snapshotId", equalTo(ids.get(0))).body("path", equalTo(src))
                .body("items.name", equalTo(List.of("a.txt", "sub")))
                .body("items.find { it.name == 'a.txt' }.type", equalTo("file"))
                .body("items.find { it.name == 'a.txt' }.size", equalTo(6))
                .body("items.find { it.name == 'a.txt' }.mode", equalTo("0644"))
                .body("items.find { it.name == 'sub' }.type", equalTo("dir")).extract());
        viewer().queryParam("path", src).queryParam("recursive", true)
                .get(f.path("/snapshots/" + ids.get(0) + "/tree")).then().statusCode(200)
                .body("items.path", equalTo(List.of(src + "/a.txt", src + "/sub", src + "/sub/b.txt")));
        viewer().get(f.path("/snapshots/" + ids.get(0) + "/tree")).then().statusCode(200)
                .body("path", equalTo("/")).body("items", hasSize(1));
        List<String> paged = new ArrayList<>();
        String next = null;
        do {
            var req = viewer().queryParam("path", src).queryParam("recursive", true).queryParam("page_size", 1);
            if (next != null) {
                req = req.queryParam("page_token", next);
            }
            ExtractableResponse<Response> page = req.get(f.path("/snapshots/" + ids.get(0) + "/tree")).then()
                    .statusCode(200).body("items", hasSize(1)).extract();
            paged.addAll(page.path("items.path"));
            next = page.path("nextPageToken");
        } while (!next.isEmpty() && paged.size() < 10);
        assertEquals(List.of(src + "/a.txt", src + "/sub", src + "/sub/b.txt"), paged);
        // a token is bound to its query: another folder's listing refuses it
        String tokenOfTree = viewer().queryParam("path", src).queryParam("page_size", 1)
                .get(f.path("/snapshots/" + ids.get(0) + "/tree")).then().extract().path("nextPageToken");
        viewer().queryParam("path", src + "/sub").queryParam("page_token", tokenOfTree)
                .get(f.path("/snapshots/" + ids.get(0) + "/tree")).then().statusCode(400)
                .body("reason", equalTo("INVALID_PAGE_TOKEN"));
        viewer().queryParam("path", src + "/missing").get(f.path("/snapshots/" + ids.get(0) + "/tree")).then()
                .statusCode(404).body("reason", equalTo("PATH_NOT_FOUND"));

        // diff the first two
        keep(viewer().queryParam("from", ids.get(0).substring(0, 8)).queryParam("to", ids.get(1))
                .get(f.path("/snapshots/diff")).then().statusCode(200)
                .body("entries.path", equalTo(List.of(src + "/a.txt", src + "/c.txt", src + "/sub/b.txt")))
                .body("entries.change", equalTo(List.of("modified", "added", "removed")))
                .body("stats.changedFiles", equalTo(1)).body("stats.filesAdded", equalTo(1))
                .body("stats.filesRemoved", equalTo(1)).extract());
        ExtractableResponse<Response> diffPage = viewer().queryParam("from", ids.get(0)).queryParam("to", ids.get(1))
                .queryParam("page_size", 2).get(f.path("/snapshots/diff")).then().statusCode(200)
                .body("entries", hasSize(2)).body("stats.filesAdded", equalTo(1)).extract();
        viewer().queryParam("from", ids.get(0)).queryParam("to", ids.get(1)).queryParam("page_size", 2)
                .queryParam("page_token", diffPage.<String>path("nextPageToken")).get(f.path("/snapshots/diff")).then()
                .statusCode(200).body("entries.path", equalTo(List.of(src + "/sub/b.txt")))
                .body("stats.filesAdded", equalTo(1)).body("nextPageToken", equalTo(""));
        viewer().queryParam("from", ids.get(0)).queryParam("to", ids.get(1)).queryParam("path", src + "/sub")
                .get(f.path("/snapshots/diff")).then().statusCode(200)
                .body("entries.path", equalTo(List.of(src + "/sub/b.txt")));

        // forget one: gone, counted, announced
        keep(admin().delete(f.path("/snapshots/" + ids.get(0).substring(0, 10))).then().statusCode(200)
                .body("snapshotId", equalTo(ids.get(0))).body("pruned", equalTo(false)).extract());
        viewer().get(f.path("/snapshots/" + ids.get(0))).then().statusCode(404)
                .body("reason", equalTo("SNAPSHOT_NOT_FOUND"));
        admin().delete(f.path("/snapshots/" + ids.get(0))).then().statusCode(404);
        SnapshotForgotten forgotten = SnapshotForgotten.parseFrom(event(ids.get(0),
                "asgard.backup.snapshot.forgotten").value());
        assertEquals(f.id, forgotten.getRepositoryId());
        assertFalse(forgotten.getByPolicy());

        // forget with prune frees the data only that snapshot had
        keep(admin().queryParam("prune", true).delete(f.path("/snapshots/" + ids.get(1))).then().statusCode(200)
                .body("pruned", equalTo(true)).extract());
        viewer().get(f.path("/snapshots")).then().body("items.id", equalTo(List.of(ids.get(2))));
        assertNoPassword();
    }

    @Test
    void forgetByPolicyPreviewsDecisionsThenApplies() throws Exception {
        Fixture f = fixture("policy");
        List<String> ids = f.snapshotIds;

        ExtractableResponse<Response> preview = admin().contentType(ContentType.JSON)
                .body(Map.of("keepLast", 1, "groupBy", List.of("paths")))
                .post(f.path("/forget")).then().statusCode(200)
                .body("dryRun", equalTo(true)).body("keepCount", equalTo(1)).body("removeCount", equalTo(2))
                .body("decisions.find { it.keep }.snapshot.id", equalTo(ids.get(2)))
                .body("decisions.find { it.keep }.reasons", hasItem("last snapshot"))
                .body("decisions.findAll { !it.keep }.snapshot.id", hasItems(ids.get(0), ids.get(1))).extract();
        keep(preview);
        viewer().get(f.path("/snapshots")).then().body("items", hasSize(3));

        // A policy that would empty the group is refused unless explicitly allowed; nothing changes.
        admin().contentType(ContentType.JSON)
                .body(Map.of("keepTags", List.of("never-set"), "groupBy", List.of("paths"), "dryRun", false))
                .post(f.path("/forget")).then().statusCode(409).body("reason", equalTo("POLICY_KEEPS_NOTHING"))
                .body("hint", containsString("allowKeepNothing"));
        viewer().get(f.path("/snapshots")).then().body("items", hasSize(3));

        keep(admin().contentType(ContentType.JSON)
                .body(Map.of("keepLast", 1, "groupBy", List.of("paths"), "dryRun", false, "prune", true))
                .post(f.path("/forget")).then().statusCode(200)
                .body("dryRun", equalTo(false)).body("removeCount", equalTo(2)).body("pruned", equalTo(true))
                .extract());
        viewer().get(f.path("/snapshots")).then().body("items.id", equalTo(List.of(ids.get(2))));
        SnapshotForgotten e = SnapshotForgotten.parseFrom(event(ids.get(1), "asgard.backup.snapshot.forgotten")
                .value());
        assertTrue(e.getByPolicy());
        assertTrue(e.getPruned());
        assertNoPassword();
    }

    @Test
    void checkPassesAndAFailedCheckNamesTheDamage() throws Exception {
        Fixture f = fixture("check");
        keep(admin().post(f.path("/check")).then().statusCode(200).body("outcome", equalTo("passed"))
                .body("readData", equalTo(false)).body("errors", hasSize(0)).extract());
        admin().queryParam("readDataSubset", "50%").post(f.path("/check")).then()
                .statusCode(200).body("outcome", equalTo("passed")).body("readData", equalTo(true))
                .body("readDataSubset", equalTo("50%"));
        viewer().get(REPOS + "/" + f.id).then().body("state.lastCheckOutcome", equalTo("passed"))
                .body("state.lastCheckTime", notNullValue());
        RepositoryCheckCompleted passed = RepositoryCheckCompleted.parseFrom(event(f.id,
                "asgard.backup.repository.check_completed").value());
        assertEquals(CheckOutcome.CHECK_OUTCOME_PASSED, passed.getResult().getOutcome());

        String pack = deleteDataPack(f);
        keep(admin().post(f.path("/check")).then().statusCode(200).body("outcome", equalTo("errors_found"))
                .body("errors", hasItem(containsString(pack))).body("hint", containsString("damage")).extract());
        viewer().get(REPOS + "/" + f.id).then().body("state.lastCheckOutcome", equalTo("errors_found"));
        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> f.id.equals(r.key()) && isErrorsFound(r), Duration.ofSeconds(60));
        RepositoryCheckCompleted damaged = RepositoryCheckCompleted.parseFrom(seen.get(seen.size() - 1).value());
        assertTrue(damaged.getResult().getErrorsList().stream().anyMatch(s -> s.contains(pack)));
        assertNoPassword();
    }

    @Test
    void unlockRemovesAStaleLockAndExplainsALiveOne() throws Exception {
        Fixture f = fixture("unlock");
        ResticRepo repo = ResticRepo.of(f.url, PASSWORD);

        // A live backup holds a lock: a policy preview still works (it takes no lock); check and forget cannot run
        // and say who holds the lock; unlock leaves the live lock.
        var running = restic.backupStdin(repo, "slow.bin", List.of(), m -> {
        }, Duration.ofMinutes(2));
        running.stdin().write("partial".getBytes(StandardCharsets.UTF_8));
        running.stdin().flush();
        awaitLocks(repo, 1);
        keep(admin().post(f.path("/check")).then().statusCode(200).body("outcome", equalTo("failed"))
                .body("hint", containsString("PID " + running.pid()))
                .body("hint", containsString("/api/v1/repositories/" + f.id + "/unlock")).extract());
        admin().contentType(ContentType.JSON).body(Map.of("keepLast", 1)).post(f.path("/forget")).then()
                .statusCode(200).body("dryRun", equalTo(true)).body("removeCount", equalTo(1));
        admin().delete(f.path("/snapshots/" + f.snapshotIds.get(0))).then().statusCode(503)
                .body("reason", equalTo("RESTIC_LOCKED")).body("hint", containsString("PID " + running.pid()))
                .body("hint", containsString("/unlock"));
        keep(admin().post(f.path("/unlock")).then().statusCode(200).body("removedLockCount", equalTo(0))
                .body("remainingLockCount", equalTo(1)).body("remainingLocks[0].pid", equalTo((int) running.pid()))
                .body("remainingLocks[0].exclusive", equalTo(false)).body("hint", containsString("removeAll"))
                .extract());

        // The process dies without cleaning up (SIGKILL): its lock is stale and unlock removes it.
        ProcessHandle.of(running.pid()).orElseThrow().destroyForcibly();
        running.result().get();
        assertEquals(1, restic.lockIds(repo).size(), "SIGKILL leaves the lock behind");
        keep(admin().post(f.path("/unlock")).then().statusCode(200).body("removedLockCount", equalTo(1))
                .body("remainingLockCount", equalTo(0)).body("hint", equalTo("")).extract());
        assertEquals(0, restic.lockIds(repo).size());
        viewer().get(REPOS + "/" + f.id).then().body("state.locked", equalTo(false));
        assertNoPassword();
    }

    @Test
    void statsInEveryMode() throws Exception {
        Fixture f = fixture("stats");
        for (String mode : List.of("restore-size", "files-by-contents", "raw-data", "blobs-per-file")) {
            keep(viewer().queryParam("mode", mode).get(f.path("/stats")).then().statusCode(200)
                    .body("mode", equalTo(mode)).body("repositoryId", equalTo(f.id))
                    .body("totalSizeBytes", not(equalTo(0))).extract());
        }
        viewer().get(f.path("/stats")).then().statusCode(200).body("mode", equalTo("restore-size"))
                .body("snapshotCount", equalTo(3));
        viewer().queryParam("snapshot", f.snapshotIds.get(0)).get(f.path("/stats")).then().statusCode(200)
                .body("snapshotCount", equalTo(1));
        assertNoPassword();
    }

    @Test
    void wrongPasswordAndMissingRepositoryAreActionable() throws Exception {
        Fixture f = fixture("wrongpw");
        admin().contentType(ContentType.JSON).body(Map.of("password", "not-the-password")).patch(REPOS + "/" + f.id)
                .then().statusCode(200);
        admin().get(f.path("/snapshots")).then().statusCode(409).contentType("application/problem+json")
                .body("reason", equalTo("RESTIC_WRONG_PASSWORD")).body("hint", containsString("password"));
        admin().post(f.path("/check")).then().statusCode(200).body("outcome", equalTo("failed"))
                .body("hint", containsString("password"));
        admin().get(REPOS + "/" + UUID.randomUUID() + "/snapshots").then().statusCode(404)
                .body("reason", equalTo("REPOSITORY_NOT_FOUND"));
    }

    @Test
    void badInputIsRejectedOnEveryEndpoint() throws Exception {
        Fixture f = fixture("bad");
        String sid = f.snapshotIds.get(0);
        admin().get(REPOS + "/nope/snapshots").then().statusCode(400).body("reason", equalTo("INVALID_REPOSITORY_ID"));
        admin().get(f.path("/snapshots/xyz")).then().statusCode(400).contentType("application/problem+json")
                .body("reason", equalTo("INVALID_SNAPSHOT_ID")).body("errors.field", hasItem("snapshotId"));
        admin().get(f.path("/snapshots/" + "0".repeat(64))).then().statusCode(404)
                .body("reason", equalTo("SNAPSHOT_NOT_FOUND"));
        admin().queryParam("host", "bad host!").queryParam("tag", "a,b").queryParam("path", "relative")
                .get(f.path("/snapshots")).then().statusCode(400).body("errors.field", hasItems("host", "tags[0]",
                        "paths[0]"));
        admin().queryParam("job", "x").get(f.path("/snapshots")).then().statusCode(400)
                .body("errors.field", hasItem("job"));
        admin().queryParam("taken_after", "yesterday").get(f.path("/snapshots")).then().statusCode(400)
                .body("errors.field", hasItem("taken_after"));
        admin().queryParam("page_token", "forged").get(f.path("/snapshots")).then().statusCode(400)
                .body("reason", equalTo("INVALID_PAGE_TOKEN"));
        for (String path : List.of("relative", "/a/../b", "/a//b", "/x\u0001")) {
            admin().queryParam("path", path).get(f.path("/snapshots/" + sid + "/tree")).then().statusCode(400)
                    .body("errors.field", hasItem("path"));
        }
        admin().queryParam("recursive", "yes").get(f.path("/snapshots/" + sid + "/tree")).then().statusCode(400)
                .body("errors.field", hasItem("recursive"));
        admin().queryParam("from", sid).queryParam("to", sid).queryParam("metadata", "1")
                .get(f.path("/snapshots/diff")).then().statusCode(400).body("errors.field", hasItem("metadata"));
        admin().get(f.path("/snapshots/" + "f".repeat(64) + "/tree")).then().statusCode(404)
                .body("reason", equalTo("SNAPSHOT_NOT_FOUND"));
        admin().queryParam("to", sid).get(f.path("/snapshots/diff")).then().statusCode(400)
                .body("errors.field", hasItem("from"));
        admin().queryParam("from", sid).queryParam("to", "zz").get(f.path("/snapshots/diff")).then()
                .statusCode(400).body("errors.field", hasItem("to"));
        admin().queryParam("prune", "maybe").delete(f.path("/snapshots/" + sid)).then().statusCode(400)
                .body("errors.field", hasItem("prune"));
        admin().delete(f.path("/snapshots/!!")).then().statusCode(400);

        admin().contentType(ContentType.JSON).post(f.path("/forget")).then().statusCode(400);
        admin().contentType(ContentType.JSON).body(Map.of("dryRun", true)).post(f.path("/forget")).then()
                .statusCode(400).body("errors.field", hasItem("policy"));
        admin().contentType(ContentType.JSON).body(Map.of("keepLast", -1, "keepDaily", 7, "keepWithin", "7x",
                "groupBy", List.of("colour"), "keepTags", List.of("a,b"), "paths", List.of("rel")))
                .post(f.path("/forget")).then().statusCode(400)
                .body("errors.field", hasItems("keepLast", "keepWithin", "groupBy", "keepTags[0]", "paths[0]"));
        for (String subset : List.of("0%", "150%", "3/2", "0/5", "1G", "x")) {
            admin().queryParam("readDataSubset", subset).post(f.path("/check")).then().statusCode(400).body("errors.field", hasItem("readDataSubset"));
        }
        admin().queryParam("readData", "yes").post(f.path("/check")).then().statusCode(400)
                .body("errors.field", hasItem("readData"));
        admin().queryParam("removeAll", "1").post(f.path("/unlock")).then().statusCode(400)
                .body("errors.field", hasItem("removeAll"));
        admin().queryParam("mode", "bogus").get(f.path("/stats")).then().statusCode(400)
                .body("errors.field", hasItem("mode"));
        admin().queryParam("snapshot", "nothex").get(f.path("/stats")).then().statusCode(400)
                .body("reason", equalTo("INVALID_SNAPSHOT_ID"));
        admin().queryParam("snapshot", "f".repeat(64)).get(f.path("/stats")).then().statusCode(404)
                .body("reason", equalTo("SNAPSHOT_NOT_FOUND"));
        admin().queryParam("from", "f".repeat(8)).queryParam("to", sid).get(f.path("/snapshots/diff")).then()
                .statusCode(404).body("reason", equalTo("SNAPSHOT_NOT_FOUND"));
        // Nothing was forgotten by any of it.
        viewer().get(f.path("/snapshots")).then().body("items", hasSize(3));
    }

    @Test
    void viewersReadAdminsChange() throws Exception {
        Fixture f = fixture("roles");
        String sid = f.snapshotIds.get(0);
        List<String> reads = List.of("/snapshots", "/snapshots/" + sid, "/snapshots/" + sid + "/tree",
                "/snapshots/diff?from=" + sid + "&to=" + f.snapshotIds.get(1), "/stats");
        for (String read : reads) {
            given().when().get(f.path(read)).then().statusCode(401);
            viewer().get(f.path(read)).then().statusCode(200);
        }
        given().when().delete(f.path("/snapshots/" + sid)).then().statusCode(401);
        viewer().delete(f.path("/snapshots/" + sid)).then().statusCode(403);
        for (String write : List.of("/forget", "/check", "/unlock")) {
            given().contentType(ContentType.JSON).body(Map.of("keepLast", 1)).when().post(f.path(write)).then()
                    .statusCode(401);
            viewer().contentType(ContentType.JSON).body(Map.of("keepLast", 1)).post(f.path(write)).then()
                    .statusCode(403);
        }
        viewer().get(f.path("/snapshots")).then().body("items", hasSize(3));
        admin().contentType(ContentType.JSON).body(Map.of("keepLast", 1)).post(f.path("/forget")).then()
                .statusCode(200);
    }

    // --- fixture: a repository added through REST, initialised, with three snapshots made by restic -----------

    record Fixture(String id, String url, Path src, List<String> snapshotIds) {
        String path(String suffix) {
            return REPOS + "/" + id + suffix;
        }
    }

    private Fixture fixture(String prefix) throws Exception {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        String url = root.resolve(name).toString();
        ExtractableResponse<Response> created = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(new HashMap<>(Map.of("name", name, "backend", "local", "url", url, "password", PASSWORD)))
                .when().post(REPOS).then().statusCode(201).extract();
        String id = created.path("id");
        admin().post(REPOS + "/" + id + "/init").then().statusCode(200);
        Path src = Files.createDirectories(root.resolve(name + "-src"));
        Files.createDirectories(src.resolve("sub"));
        Files.writeString(src.resolve("a.txt"), "hello\n");
        Files.writeString(src.resolve("sub/b.txt"), "x\n");
        ResticRepo repo = ResticRepo.of(url, PASSWORD);
        List<String> ids = new ArrayList<>();
        ids.add(backup(repo, src, "h1", "t1"));
        Files.writeString(src.resolve("a.txt"), "hello world\n");
        Files.delete(src.resolve("sub/b.txt"));
        Files.writeString(src.resolve("c.txt"), "new\n");
        ids.add(backup(repo, src, "h1", "t2"));
        ids.add(backup(repo, src, "h2", null));
        // restic 0.14's summary names the snapshot by its short id
        List<String> full = restic.snapshots(repo).stream().map(s -> s.id()).toList();
        return new Fixture(id, url, src, ids.stream()
                .map(shortId -> full.stream().filter(x -> x.startsWith(shortId)).findFirst().orElseThrow()).toList());
    }

    private static String backup(ResticRepo repo, Path src, String host, String tag) throws Exception {
        List<String> args = new ArrayList<>(List.of("--host", host));
        if (tag != null) {
            args.addAll(List.of("--tag", tag));
        }
        String[] id = new String[1];
        var result = restic.backup(repo, List.of(src.toString()), args, m -> {
            if (m instanceof dev.asgard.backup.restic.BackupMessage.Summary s) {
                id[0] = s.snapshotId();
            }
        }, null).await();
        assertEquals(ResticOutcome.SUCCESS, result.outcome(), result.stderr());
        // restic orders snapshots by time; keep them apart even on a fast machine
        Thread.sleep(20);
        return id[0];
    }

    /** Deletes a pack holding only data blobs (deleting a tree pack makes restic retry for minutes). */
    private static String deleteDataPack(Fixture f) throws Exception {
        ResticRepo repo = ResticRepo.of(f.url, PASSWORD);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String index : restic.runner().run(repo, List.of("list", "index", "--no-lock"), null).orThrow().stdout()) {
            var packs = json.readTree(restic.runner().run(repo, List.of("cat", "index", "--no-lock", index.strip()),
                    null).orThrow().stdoutText()).path("packs");
            for (var pack : packs) {
                boolean dataOnly = true;
                for (var blob : pack.path("blobs")) {
                    dataOnly &= "data".equals(blob.path("type").asText());
                }
                if (dataOnly) {
                    String packId = pack.path("id").asText();
                    Files.delete(Path.of(f.url, "data", packId.substring(0, 2), packId));
                    return packId;
                }
            }
        }
        throw new AssertionError("no data pack found");
    }

    private static void awaitLocks(ResticRepo repo, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (restic.lockIds(repo).size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("restic took no lock");
            }
            Thread.sleep(50);
        }
    }

    private ConsumerRecord<String, byte[]> event(String key, String type) {
        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> key.equals(r.key()) && type.equals(EventHeaders.read(r).type()), Duration.ofSeconds(60));
        for (ConsumerRecord<String, byte[]> r : seen) {
            assertFalse(new String(r.value(), StandardCharsets.ISO_8859_1).contains(PASSWORD), "password in an event");
        }
        return seen.get(seen.size() - 1);
    }

    private static boolean isErrorsFound(ConsumerRecord<String, byte[]> r) {
        try {
            return "asgard.backup.repository.check_completed".equals(EventHeaders.read(r).type())
                    && RepositoryCheckCompleted.parseFrom(r.value()).getResult().getOutcome()
                            == CheckOutcome.CHECK_OUTCOME_ERRORS_FOUND;
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    private void keep(ExtractableResponse<Response> response) {
        bodies.add(response.asString());
    }

    private void assertNoPassword() {
        assertFalse(bodies.isEmpty());
        for (String body : bodies) {
            assertFalse(body.contains(PASSWORD), "password in a response: " + body);
        }
    }

    private static RequestSpecification admin() {
        return given().auth().oauth2(TestTokens.admin()).when();
    }

    private static RequestSpecification viewer() {
        return given().auth().oauth2(TestTokens.viewer()).when();
    }
}
