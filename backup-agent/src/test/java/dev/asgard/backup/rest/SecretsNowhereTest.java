package dev.asgard.backup.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.events.Topics;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Issue 5, "Secrets": after a full scenario (repositories with a password and backend credentials, init, backup,
 * a failing backup with a wrong password, snapshots, restore, check, unlock, stats, forget preview, metrics), none
 * of the secrets appears in any row of the agent's schema (the database dump, outbox included), in any event on
 * the Kafka topic, in the application log or in any API answer — neither as text nor hex-encoded.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class SecretsNowhereTest {

    private static final String PASSWORD = "Nowhere-pw-" + UUID.randomUUID();
    private static final String WRONG_PASSWORD = "Nowhere-wrong-" + UUID.randomUUID();
    private static final String S3_SECRET = "Nowhere-s3-" + UUID.randomUUID();

    @Inject
    Pool pool;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private final List<String> answers = new ArrayList<>();

    @Test
    void afterAFullScenarioNoSecretIsInTheDatabaseTheEventsTheLogOrAnyAnswer() throws Exception {
        Path work = Files.createTempDirectory("asgard-secrets");
        Path src = Files.createDirectories(work.resolve("src"));
        Files.writeString(src.resolve("a.txt"), "data");
        Path location = work.resolve("repo");
        String repo = created(Map.of("name", RunResourceTest.unique("nowhere"), "backend", "local", "url",
                location.toString(), "password", PASSWORD));
        keep(admin().post("/api/v1/repositories/" + repo + "/init"));
        String wrong = created(Map.of("name", RunResourceTest.unique("nowhere-wrong"), "backend", "local", "url",
                location.toString(), "password", WRONG_PASSWORD));
        created(Map.of("name", RunResourceTest.unique("nowhere-s3"), "backend", "s3", "url",
                "s3:https://s3.example.invalid/bucket/restic", "password", PASSWORD, "backendSecrets",
                Map.of("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY", S3_SECRET)));

        String okRun = run(repo, src);
        String failedRun = run(wrong, src);
        assertEquals("FAILED", keep(admin().get("/api/v1/runs/" + failedRun)).path("state"));
        assertEquals("WRONG_PASSWORD", keep(admin().get("/api/v1/runs/" + failedRun)).path("failure.kind"));

        String snapshot = keep(admin().get("/api/v1/repositories/" + repo + "/snapshots")).path("items[0].id");
        keep(admin().get("/api/v1/repositories/" + repo + "/snapshots/" + snapshot + "/tree"));
        String restore = keep(admin().contentType(ContentType.JSON).body(Map.of("snapshotId", snapshot,
                "targetPath", Path.of("target/restore-root").toAbsolutePath().resolve("nowhere-" + UUID.randomUUID())
                        .toString())).post("/api/v1/repositories/" + repo + "/restore")).path("id");
        assertEquals("SUCCEEDED", RunResourceTest.awaitEnd(restore, Duration.ofSeconds(60)).getString("state"));
        keep(admin().post("/api/v1/repositories/" + repo + "/check"));
        keep(admin().post("/api/v1/repositories/" + repo + "/unlock"));
        keep(admin().get("/api/v1/repositories/" + repo + "/stats"));
        keep(admin().post("/api/v1/repositories/" + repo + "/refresh"));
        keep(admin().contentType(ContentType.JSON).body(Map.of("keepLast", 1)).post("/api/v1/repositories/" + repo
                + "/forget"));
        keep(admin().get("/api/v1/repositories"));
        keep(admin().get("/api/v1/runs"));
        keep(given().get("/q/metrics"));

        List<String> secrets = List.of(PASSWORD, WRONG_PASSWORD, S3_SECRET);
        // The database: every row of every table of the agent's schema, as text (bytea hex-encoded).
        List<String> tables = new ArrayList<>();
        pool.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'backup' AND table_type = "
                + "'BASE TABLE'").execute().await().indefinitely().forEach(r -> tables.add(r.getString(0)));
        assertTrue(tables.containsAll(List.of("repository", "job", "run", "outbox")), tables.toString());
        StringBuilder dump = new StringBuilder();
        for (String table : tables) {
            pool.query("SELECT t::text FROM backup.\"" + table + "\" t").execute().await().indefinitely()
                    .forEach(row -> dump.append(row.getString(0)).append('\n'));
        }
        assertContainsNone("the database", dump.toString(), secrets);
        // The Kafka topic: every event up to the failed run's end.
        List<ConsumerRecord<String, byte[]>> events = TopicReader.readUntil(bootstrapServers, Topics.BACKUP_EVENTS,
                r -> r.key().equals(failedRun) && "asgard.backup.run.failed".equals(RunResourceTest.type(r)),
                Duration.ofSeconds(30));
        assertTrue(events.stream().anyMatch(r -> r.key().equals(okRun)));
        StringBuilder topic = new StringBuilder();
        events.forEach(r -> topic.append(new String(r.value(), StandardCharsets.ISO_8859_1)).append('\n'));
        assertContainsNone("the events", topic.toString(), secrets);
        // The application log and every answer of the scenario.
        assertContainsNone("the log", Files.readString(Path.of("target/backup-agent-test.log")), secrets);
        assertContainsNone("the answers", String.join("\n", answers), secrets);
    }

    private String run(String repositoryId, Path src) {
        Map<String, Object> job = JobResourceTest.job(RunResourceTest.unique("nowhere"), repositoryId);
        job.put("paths", List.of(src.toString()));
        job.put("retryPolicy", Map.of("maxAttempts", 1));
        String jobId = RunResourceTest.createJob(job);
        String runId = keep(admin().post("/api/v1/jobs/" + jobId + "/runs")).path("id");
        keep(admin().get("/api/v1/runs/" + RunResourceTest.awaitEnd(runId, Duration.ofSeconds(60)).getString("id")));
        return runId;
    }

    private String created(Map<String, Object> body) {
        Response r = keep(admin().contentType(ContentType.JSON).body(body).post("/api/v1/repositories"));
        assertEquals(201, r.statusCode(), r.asString());
        return r.path("id");
    }

    private Response keep(Response response) {
        answers.add(response.asString());
        response.getHeaders().forEach(h -> answers.add(h.getName() + ": " + h.getValue()));
        return response;
    }

    private static void assertContainsNone(String where, String text, List<String> secrets) {
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        for (String secret : secrets) {
            String hex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
            assertFalse(text.contains(secret), "a secret is in " + where);
            assertFalse(lower.contains(hex), "a secret is hex-encoded in " + where);
        }
    }

    private static io.restassured.specification.RequestSpecification admin() {
        return given().auth().oauth2(TestTokens.admin()).when();
    }
}
