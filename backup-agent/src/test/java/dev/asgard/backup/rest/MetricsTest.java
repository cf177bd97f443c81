package dev.asgard.backup.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.asgard.backup.service.BackupMetrics;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Prometheus metrics at {@code /q/metrics} after real restic backups (real PostgreSQL and Kafka): a job's runs by
 * outcome and failure kind, durations, files and bytes, last success; a repository's snapshots and size; gauges
 * read from PostgreSQL and gone with their job.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class MetricsTest {

    static final String PASSWORD = "metrics-test-" + UUID.randomUUID();

    static Path root;
    static Path source;

    @Inject
    BackupMetrics metrics;

    @Inject
    Pool pool;

    @BeforeAll
    static void sources() throws Exception {
        root = Files.createTempDirectory("asgard-metrics");
        source = Files.createDirectories(root.resolve("source"));
        for (int i = 0; i < 3; i++) {
            Files.writeString(source.resolve("file-" + i + ".txt"), "content " + i + " " + UUID.randomUUID());
        }
    }

    @Test
    void aSucceededBackupShowsInItsJobAndRepositoryMetrics() throws Throwable {
        String repo = repository(PASSWORD);
        String name = RunResourceTest.unique("metrics-ok");
        Map<String, Object> job = JobResourceTest.job(name, repo);
        job.put("paths", List.of(source.toString()));
        String jobId = RunResourceTest.createJob(job);

        JsonPath run = RunResourceTest.awaitEnd(RunResourceTest.startRun(jobId), Duration.ofSeconds(60));
        assertEquals("SUCCEEDED", run.getString("state"), run.prettify());
        // Repository gauges show the stored observation: refresh it, then let the metrics read it.
        RunResourceTest.admin().post("/api/v1/repositories/" + repo + "/refresh").then().statusCode(200);
        refresh();

        String[] ofJob = { "job_id=\"" + jobId + "\"", "job_name=\"" + name + "\"", "repository_id=\"" + repo + "\"" };
        String text = awaitScrape(t -> value(t, "asgard_backup_runs_total", ofJob).isPresent());
        assertEquals(1.0, value(text, "asgard_backup_runs_total", with(ofJob, "outcome=\"succeeded\"",
                "failure_kind=\"none\"")).orElseThrow(), text);
        assertEquals(1.0, value(text, "asgard_backup_run_duration_seconds_count", with(ofJob,
                "outcome=\"succeeded\"")).orElseThrow());
        assertTrue(value(text, "asgard_backup_run_duration_seconds_bucket", with(ofJob, "le=\"+Inf\""))
                .orElseThrow() == 1.0, "histogram buckets published");
        assertEquals(3.0, value(text, "asgard_backup_run_files_processed_total", ofJob).orElseThrow());
        assertTrue(value(text, "asgard_backup_run_added_bytes_total", ofJob).orElseThrow() > 0, "bytes added");
        double lastSuccess = value(text, "asgard_backup_job_last_success_timestamp_seconds", ofJob).orElseThrow();
        assertEquals(Instant.parse(run.getString("endTime")).getEpochSecond(), (long) lastSuccess);

        String ofRepo = "repository_id=\"" + repo + "\"";
        assertTrue(value(text, "asgard_backup_repository_snapshots", ofRepo).orElseThrow() >= 1, text);
        assertTrue(value(text, "asgard_backup_repository_size_bytes", ofRepo).orElseThrow() > 0);
        assertTrue(value(text, "asgard_backup_repository_observed_timestamp_seconds", ofRepo).orElseThrow() > 0);
    }

    @Test
    void failedRunsAreCountedWithTheirFailureKindAndLeaveNoLastSuccess() throws Throwable {
        String good = repository(PASSWORD);
        String wrong = RunResourceTest.admin().contentType(ContentType.JSON).body(Map.of("name",
                RunResourceTest.unique("wrong"), "backend", "local", "url", RunResourceTest.repoUrl(good), "password",
                "not-the-password")).post("/api/v1/repositories").then().statusCode(201).extract().path("id");
        Map<String, Object> pw = JobResourceTest.job(RunResourceTest.unique("metrics-pw"), wrong);
        pw.put("paths", List.of(source.toString()));
        String pwJob = RunResourceTest.createJob(pw);
        Map<String, Object> missing = JobResourceTest.job(RunResourceTest.unique("metrics-missing"), good);
        missing.put("paths", List.of(root.resolve("does-not-exist").toString()));
        String missingJob = RunResourceTest.createJob(missing);

        assertEquals("WRONG_PASSWORD", RunResourceTest.awaitEnd(RunResourceTest.startRun(pwJob),
                Duration.ofSeconds(60)).getString("failure.kind"));
        assertEquals("SOURCE_MISSING", RunResourceTest.awaitEnd(RunResourceTest.startRun(missingJob),
                Duration.ofSeconds(60)).getString("failure.kind"));

        String ofPw = "job_id=\"" + pwJob + "\"";
        String ofMissing = "job_id=\"" + missingJob + "\"";
        String text = awaitScrape(t -> value(t, "asgard_backup_runs_total", ofPw).isPresent()
                && value(t, "asgard_backup_runs_total", ofMissing).isPresent());
        assertEquals(1.0, value(text, "asgard_backup_runs_total", ofPw, "outcome=\"failed\"",
                "failure_kind=\"wrong_password\"").orElseThrow(), text);
        assertEquals(1.0, value(text, "asgard_backup_runs_total", ofMissing, "outcome=\"failed\"",
                "failure_kind=\"source_missing\"").orElseThrow());
        assertFalse(value(text, "asgard_backup_runs_total", ofPw, "outcome=\"succeeded\"").isPresent());
        assertEquals(1.0, value(text, "asgard_backup_run_duration_seconds_count", ofPw, "outcome=\"failed\"")
                .orElseThrow());
        assertEquals(0.0, value(text, "asgard_backup_job_last_success_timestamp_seconds", ofPw).orElseThrow(),
                "no success yet");
        assertFalse(value(text, "asgard_backup_run_added_bytes_total", ofPw).isPresent(), "no summary, no bytes");
    }

    @Test
    void gaugesAreReadFromPostgresAndGoAwayWithTheirJobAndRepository() throws Throwable {
        String repo = repository(PASSWORD);
        Map<String, Object> job = JobResourceTest.job(RunResourceTest.unique("metrics-db"), repo);
        job.put("paths", List.of(source.toString()));
        String jobId = RunResourceTest.createJob(job);
        // As a previous start of the agent would have left it: the value comes from the job row, not from memory.
        Instant earlier = Instant.parse("2026-01-02T03:04:05Z");
        pool.preparedQuery("UPDATE backup.job SET last_success_at = $2 WHERE id = $1")
                .execute(Tuple.of(UUID.fromString(jobId), earlier.atOffset(java.time.ZoneOffset.UTC)))
                .await().indefinitely();
        refresh();
        String ofJob = "job_id=\"" + jobId + "\"";
        String ofRepo = "repository_id=\"" + repo + "\"";
        String text = scrape();
        assertEquals(earlier.getEpochSecond(), (long) value(text, "asgard_backup_job_last_success_timestamp_seconds",
                ofJob).orElseThrow(), text);
        assertEquals(0.0, value(text, "asgard_backup_repository_snapshots", ofRepo).orElseThrow(), "just initialised");

        RunResourceTest.admin().delete("/api/v1/jobs/" + jobId).then().statusCode(204);
        RunResourceTest.admin().delete("/api/v1/repositories/" + repo).then().statusCode(204);
        refresh();
        text = scrape();
        assertFalse(text.contains(jobId), "no series of the deleted job");
        assertFalse(text.contains(repo), "no series of the deleted repository");
    }

    private void refresh() throws Throwable {
        VertxContextSupport.subscribeAndAwait(metrics::refresh);
    }

    /** An initialised local repository. */
    static String repository(String password) {
        String name = RunResourceTest.unique("repo");
        String id = RunResourceTest.admin().contentType(ContentType.JSON).body(Map.of("name", name, "backend",
                "local", "url", root.resolve(name).toString(), "password", password)).post("/api/v1/repositories")
                .then().statusCode(201).extract().path("id");
        RunResourceTest.admin().post("/api/v1/repositories/" + id + "/init").then().statusCode(200);
        return id;
    }

    static String scrape() {
        // No token: Prometheus scrapes without one.
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** Runs are counted off the request path: scrape until they show. */
    static String awaitScrape(java.util.function.Predicate<String> ready) {
        String[] text = new String[1];
        RunResourceTest.await(() -> ready.test(text[0] = scrape()), Duration.ofSeconds(30));
        return text[0];
    }

    static String[] with(String[] labels, String... more) {
        String[] all = java.util.Arrays.copyOf(labels, labels.length + more.length);
        System.arraycopy(more, 0, all, labels.length, more.length);
        return all;
    }

    /**
     * @param text a scrape in the Prometheus text format
     * @param name the series name
     * @param labels {@code key="value"} pairs the series must carry
     * @return the value of the first matching series, or empty
     */
    static OptionalDouble value(String text, String name, String... labels) {
        for (String line : text.split("\n")) {
            if (!line.startsWith(name + "{")) {
                continue;
            }
            String labelPart = line.substring(name.length(), line.lastIndexOf('}') + 1);
            boolean all = true;
            for (String l : labels) {
                all &= labelPart.contains(l);
            }
            if (all) {
                return OptionalDouble.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
            }
        }
        return OptionalDouble.empty();
    }
}
