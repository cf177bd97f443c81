package dev.asgard.backup.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticRunner;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RepositoryResourceTest {

    private static final String PATH = "/api/v1/repositories";
    private static final String PASSWORD = "Tr0ub4dor&3-restic-password";

    private static Path root;

    @Inject
    Pool pool;

    @BeforeAll
    static void tempRoot() throws Exception {
        root = Files.createTempDirectory("asgard-backup-repos");
    }

    @AfterAll
    static void removeTempRoot() throws Exception {
        // The repositories and sources the tests made (restic writes its files read-only; the owner may still delete).
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void createInitBackupRefreshUpdateDelete() throws Exception {
        String name = unique("main");
        String url = root.resolve(name).toString();
        ExtractableResponse<Response> created = create(Map.of("name", name, "description", "the NAS",
                "backend", "local", "url", url, "password", PASSWORD));
        assertEquals(201, created.statusCode(), created.asString());
        String id = created.path("id");
        assertEquals(PATH + "/" + id, java.net.URI.create(created.header("Location")).getPath());
        assertEquals(true, created.path("passwordSet"));
        assertEquals(List.of(), created.path("backendSecretNames"));
        assertFalse(created.asString().contains(PASSWORD));

        given().auth().oauth2(TestTokens.viewer()).when().get(PATH + "/" + id).then().statusCode(200)
                .body("name", equalTo(name)).body("backend", equalTo("local")).body("url", equalTo(url))
                .body("state.initialized", nullValue()).body("password", nullValue());

        admin().post(PATH + "/" + id + "/init").then().statusCode(200)
                .body("state.initialized", equalTo(true)).body("state.reachable", equalTo(true))
                .body("state.snapshotCount", equalTo(0)).body("state.observeTime", notNullValue());
        admin().post(PATH + "/" + id + "/init").then().statusCode(409)
                .contentType("application/problem+json")
                .body("reason", equalTo("REPOSITORY_ALREADY_INITIALIZED"));

        // A snapshot taken outside the agent: refresh finds it.
        Path src = Files.createDirectories(root.resolve(name + "-src"));
        Files.writeString(src.resolve("hello.txt"), "hello restic");
        Restic restic = new Restic(new ResticRunner("restic", Duration.ofMinutes(1), Duration.ofSeconds(5), null));
        assertEquals(ResticOutcome.SUCCESS, restic.backup(ResticRepo.of(url, PASSWORD), List.of(src.toString()),
                List.of(), m -> {
                }, null).await().outcome());

        admin().post(PATH + "/" + id + "/refresh").then().statusCode(200)
                .body("state.reachable", equalTo(true)).body("state.initialized", equalTo(true))
                .body("state.snapshotCount", equalTo(1)).body("state.sizeBytes", greaterThan(0))
                .body("state.locked", equalTo(false)).body("state.lockCount", equalTo(0))
                .body("state.lastError", nullValue());

        // A wrong password is recorded as the state, with what to do.
        admin().contentType(ContentType.JSON).body(Map.of("password", "wrong-password-123"))
                .patch(PATH + "/" + id).then().statusCode(200).body("revision", greaterThan(0));
        admin().post(PATH + "/" + id + "/refresh").then().statusCode(200)
                .body("state.reachable", equalTo(true))
                .body("state.lastError", containsString("WRONG_PASSWORD"))
                .body("state.lastError", containsString("Check the repository password"))
                .body("state.snapshotCount", equalTo(1));
        admin().contentType(ContentType.JSON).body(Map.of("password", PASSWORD, "description", "changed"))
                .patch(PATH + "/" + id).then().statusCode(200).body("description", equalTo("changed"));
        admin().post(PATH + "/" + id + "/refresh").then().statusCode(200).body("state.lastError", nullValue());

        given().auth().oauth2(TestTokens.viewer()).when().get(PATH).then().statusCode(200)
                .body("items.name", hasItems(name));
        admin().delete(PATH + "/" + id).then().statusCode(204);
        admin().get(PATH + "/" + id).then().statusCode(404).body("reason", equalTo("REPOSITORY_NOT_FOUND"));
        assertNotNull(restic.snapshots(ResticRepo.of(url, PASSWORD)), "the data stays in the storage");
    }

    @Test
    void secretsAppearNowhereInTheDatabaseOrResponses() {
        String name = unique("s3");
        String secretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        ExtractableResponse<Response> created = create(Map.of("name", name, "backend", "s3",
                "url", "s3:https://s3.example.net/bucket/asgard", "password", PASSWORD,
                "backendOptions", Map.of("s3.region", "eu-west-1"),
                "backendSecrets", Map.of("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE",
                        "AWS_SECRET_ACCESS_KEY", secretKey)));
        assertEquals(201, created.statusCode(), created.asString());
        String id = created.path("id");
        assertEquals(List.of("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"), created.path("backendSecretNames"));
        assertEquals("eu-west-1", created.path("backendOptions.'s3.region'"));

        String row = rowText(id);
        for (String secret : List.of(PASSWORD, secretKey, "AKIAIOSFODNN7EXAMPLE")) {
            assertFalse(row.contains(secret), "plaintext secret in the row");
            assertFalse(row.contains(HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8))),
                    "hex-encoded secret in the row");
        }
        for (String body : List.of(created.asString(), admin().get(PATH + "/" + id).asString(),
                admin().get(PATH).asString())) {
            assertFalse(body.contains(PASSWORD) || body.contains(secretKey) || body.contains("AKIAIOSFODNN7EXAMPLE"));
        }

        // Replacing the credentials keeps the S3 rules.
        admin().contentType(ContentType.JSON).body(Map.of("backendSecrets", Map.of("AWS_ACCESS_KEY_ID", "x")))
                .patch(PATH + "/" + id).then().statusCode(400)
                .body("errors.field", hasItems("backendSecrets.AWS_SECRET_ACCESS_KEY"));
    }

    @Test
    void unreachableBackendIsStateOnRefreshAndUnavailableOnInit() {
        String id = create(Map.of("name", unique("rest"), "backend", "rest", "url", "rest:http://127.0.0.1:1/x",
                "password", PASSWORD)).path("id");
        admin().post(PATH + "/" + id + "/refresh").then().statusCode(200)
                .body("state.reachable", equalTo(false))
                .body("state.lastError", containsString("BACKEND_UNREACHABLE"));
        admin().post(PATH + "/" + id + "/init").then().statusCode(503)
                .body("reason", equalTo("RESTIC_BACKEND_UNREACHABLE"));
        admin().get(PATH + "/" + id).then().body("state.reachable", equalTo(false));
    }

    @Test
    void badInputIsRejectedWithFieldViolationsAndStoresNothing() {
        long before = count();
        admin().contentType(ContentType.JSON).body(Map.of("name", "Bad_Name", "backend", "ftp", "url", "",
                "password", "short", "backendSecrets", Map.of("RESTIC_PASSWORD", "x", "lower", "y"),
                "backendOptions", Map.of("bad option", "v"), "description", "d".repeat(1025)))
                .post(PATH).then().statusCode(400)
                .contentType("application/problem+json")
                .body("reason", equalTo("INVALID_ARGUMENT"))
                .body("errors.field", hasItems("name", "backend", "url", "password",
                        "backendSecrets.RESTIC_PASSWORD", "backendSecrets.lower", "backendOptions.bad option",
                        "description"));
        Map<String, String> urls = Map.of("local", "relative/path", "sftp", "ftp://host/x",
                "s3", "s3:https://user:pw@s3.example.net/bucket", "rest", "rest:https://u:p@host:8000/x",
                "rclone", "rclone:");
        urls.forEach((backend, url) -> admin().contentType(ContentType.JSON)
                .body(Map.of("name", unique("u"), "backend", backend, "url", url, "password", PASSWORD))
                .post(PATH).then().statusCode(400).body("errors.field", hasItems("url")));
        admin().contentType(ContentType.JSON).body(Map.of("name", unique("s3"), "backend", "s3",
                "url", "s3:https://s3.example.net/bucket", "password", PASSWORD))
                .post(PATH).then().statusCode(400).body("errors.field",
                        hasItems("backendSecrets.AWS_ACCESS_KEY_ID", "backendSecrets.AWS_SECRET_ACCESS_KEY"));
        admin().contentType(ContentType.JSON).post(PATH).then().statusCode(400);
        admin().get(PATH + "/not-a-uuid").then().statusCode(400).body("reason", equalTo("INVALID_REPOSITORY_ID"));
        admin().get(PATH + "?page_token=forged").then().statusCode(400).body("reason", equalTo("INVALID_PAGE_TOKEN"));
        assertEquals(before, count());

        String name = unique("dup");
        assertEquals(201, create(Map.of("name", name, "backend", "local", "url", "/srv/restic/" + name,
                "password", PASSWORD)).statusCode());
        admin().contentType(ContentType.JSON).body(Map.of("name", name, "backend", "local", "url", "/srv/x",
                "password", PASSWORD)).post(PATH).then().statusCode(409).body("reason", equalTo("REPOSITORY_NAME_TAKEN"));
        assertEquals(before + 1, count());
    }

    @Test
    void viewersReadAdminsWrite() {
        String id = create(Map.of("name", unique("auth"), "backend", "local", "url", "/srv/restic/auth",
                "password", PASSWORD)).path("id");
        given().when().get(PATH).then().statusCode(401);
        given().when().get(PATH + "/" + id).then().statusCode(401);
        given().auth().oauth2(TestTokens.viewer()).when().get(PATH + "/" + id).then().statusCode(200);
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON)
                .body(Map.of("name", unique("v"), "backend", "local", "url", "/x", "password", PASSWORD))
                .when().post(PATH).then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON).body(Map.of("description", "x"))
                .when().patch(PATH + "/" + id).then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).when().post(PATH + "/" + id + "/init").then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).when().post(PATH + "/" + id + "/refresh").then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).when().delete(PATH + "/" + id).then().statusCode(403);
        admin().get(PATH + "/" + id).then().statusCode(200);
    }

    @Test
    void pagesByName() {
        String prefix = unique("pg");
        for (int i = 0; i < 3; i++) {
            create(Map.of("name", prefix + "-" + i, "backend", "local", "url", "/srv/restic/" + i, "password",
                    PASSWORD));
        }
        List<String> names = new java.util.ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            var req = admin().queryParam("page_size", 2);
            if (token != null) {
                req = req.queryParam("page_token", token);
            }
            ExtractableResponse<Response> page = req.get(PATH).then().statusCode(200).extract();
            names.addAll(page.path("items.name"));
            token = page.path("nextPageToken");
            pages++;
        } while (!token.isEmpty() && pages < 1000);
        assertEquals("", token, "the last page has an empty token");
        assertEquals(names.stream().sorted().toList(), names);
        assertEquals(3, names.stream().filter(n -> n.startsWith(prefix)).count());
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().auth().oauth2(TestTokens.admin()).when();
    }

    private static ExtractableResponse<Response> create(Map<String, Object> body) {
        return given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(new HashMap<>(body))
                .when().post(PATH).then().extract();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String rowText(String id) {
        Row row = pool.preparedQuery("SELECT r::text AS t FROM backup.repository r WHERE id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(UUID.fromString(id))).await().indefinitely()
                .iterator().next();
        return row.getString("t");
    }

    private long count() {
        return pool.query("SELECT count(*) AS n FROM backup.repository").execute().await().indefinitely()
                .iterator().next().getLong("n");
    }
}
