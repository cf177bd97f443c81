package dev.asgard.backup.rest;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * pg_dump jobs: the dump streamed into {@code restic backup --stdin}. pg_dump itself is a stand-in script (see the
 * test application.properties) that prints what it was given, fails on request, or fails like an unreachable
 * server.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class PgDumpJobTest {

    static final String DB_PASSWORD = "pg-secret-" + UUID.randomUUID();

    @Inject
    Pool pool;

    @BeforeAll
    static void fakePgDump() throws Exception {
        Path bin = Files.createDirectories(Path.of("target/test-bin"));
        Path script = bin.resolve("pg_dump");
        Files.writeString(script, """
                #!/bin/sh
                case "$PGDATABASE" in
                  unreachable) echo "pg_dump: error: connection to server at \\"$PGHOST\\", port $PGPORT failed: Connection refused" >&2; exit 1;;
                  broken) printf 'partial'; echo "pg_dump: error: query failed: ERROR:  permission denied for table secrets" >&2; exit 1;;
                esac
                echo "-- dump of $PGDATABASE on $PGHOST:$PGPORT as $PGUSER"
                echo "-- args: $*"
                echo "-- password length: ${#PGPASSWORD}"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        if (RunResourceTest.root == null) {
            RunResourceTest.sources();
        }
    }

    @Test
    void dumpIsStreamedIntoASnapshotAndThePasswordStaysSecret() throws Exception {
        String repo = new RunResourceTest().repositoryWith(pool);
        String jobId = createPgJob(repo, "appdb", Map.of("maxAttempts", 1));
        given().get("/api/v1/jobs/" + jobId).then().statusCode(200).body("type", equalTo("pg_dump"))
                .body("pgDump.passwordSet", equalTo(true)).body("pgDump.password", nullValue())
                .body("pgDump.stdinFilename", equalTo("appdb.dump"));
        JsonPath run = RunResourceTest.awaitEnd(RunResourceTest.startRun(jobId), Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        assertNotNull(run.getString("summary.snapshotId"));
        String dump = RunResourceTest.restic().runner().run(ResticRepo.of(RunResourceTest.repoUrl(repo),
                RunResourceTest.PASSWORD), List.of("dump", "latest", "/appdb.dump"), Duration.ofMinutes(1))
                .stdoutText();
        assertTrue(dump.contains("-- dump of appdb on 127.0.0.1:5433 as app"), dump);
        assertTrue(dump.contains("-- args: --format=custom --no-password --schema=public"), dump);
        assertTrue(dump.contains("-- password length: " + DB_PASSWORD.length()), "PGPASSWORD reached pg_dump");
        String row = pool.preparedQuery("SELECT row_to_json(j)::text FROM backup.job j WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(jobId))).await().indefinitely().iterator().next().getString(0);
        assertFalse(row.contains(DB_PASSWORD), "the database password is stored encrypted only");
        assertFalse(given().get("/api/v1/jobs/" + jobId).asString().contains(DB_PASSWORD));
        RunResourceTest.assertNoSecretLogged();
    }

    @Test
    void aFailingDumpMakesNoSnapshotAndAnUnreachableDatabaseIsRetried() {
        String repo = new RunResourceTest().repositoryWith(pool);
        String broken = createPgJob(repo, "broken", Map.of("maxAttempts", 3, "initialDelay", "PT1S"));
        JsonPath run = RunResourceTest.awaitEnd(RunResourceTest.startRun(broken), Duration.ofSeconds(60));
        assertEquals("FAILED", run.getString("state"), run.prettify());
        assertEquals("PG_DUMP_FAILED", run.getString("failure.kind"));
        assertTrue(run.getString("failure.message").contains("permission denied"), run.getString("failure.message"));
        assertFalse(run.getBoolean("failure.transientFailure"));
        assertEquals(0, RunResourceTest.restic().snapshots(ResticRepo.of(RunResourceTest.repoUrl(repo),
                RunResourceTest.PASSWORD)).size(), "a truncated dump never becomes a snapshot");

        String down = createPgJob(repo, "unreachable", Map.of("maxAttempts", 2, "initialDelay", "PT1S"));
        JsonPath failed = RunResourceTest.awaitEnd(RunResourceTest.startRun(down), Duration.ofSeconds(60));
        assertEquals("PG_DUMP_FAILED", failed.getString("failure.kind"));
        assertTrue(failed.getBoolean("failure.transientFailure"));
        RunResourceTest.await(() -> RunResourceTest.runsOf(down).size() == 2, Duration.ofSeconds(30));
        RunResourceTest.sleep(500);
        assertEquals(1, RunResourceTest.runsOf(broken).size(), "not retried");
    }

    @Test
    void badPgDumpInputNamesTheField() {
        String repo = new RunResourceTest().repositoryWith(pool);
        RunResourceTest.admin().contentType(ContentType.JSON).body(Map.of("name", RunResourceTest.unique("pgbad"),
                "repositoryId", repo, "paths", List.of("/srv"), "pgDump", Map.of("port", 70000, "database", "-x",
                        "format", "tar", "sslMode", "sometimes", "stdinFilename", "../x")))
                .post("/api/v1/jobs").then().statusCode(400).body("errors.field",
                        org.hamcrest.Matchers.hasItems("paths", "pgDump.port", "pgDump.database", "pgDump.username",
                                "pgDump.format", "pgDump.sslMode", "pgDump.stdinFilename"));
    }

    private static String createPgJob(String repo, String database, Map<String, Object> retry) {
        return RunResourceTest.createJob(new java.util.HashMap<>(Map.of("name", RunResourceTest.unique("pg"),
                "repositoryId", repo, "retryPolicy", retry, "pgDump", Map.of("host", "127.0.0.1", "port", 5433,
                        "database", database, "username", "app", "password", DB_PASSWORD,
                        "schemas", List.of("public")))));
    }

    private static io.restassured.specification.RequestSpecification given() {
        return RunResourceTest.admin();
    }
}
