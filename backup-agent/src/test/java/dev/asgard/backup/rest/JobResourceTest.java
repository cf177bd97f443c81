package dev.asgard.backup.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

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
import io.restassured.specification.RequestSpecification;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class JobResourceTest {

    static final String PATH = "/api/v1/jobs";

    @Test
    void createShowReplaceWithEtagAndDelete() {
        String repo = repository();
        String name = "job-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> body = job(name, repo);
        body.put("schedule", Map.of("cron", "30 2 * * *", "timeZone", "Europe/Berlin"));
        body.put("retention", Map.of("keepLast", 3, "keepDaily", 7, "keepWithin", "P2D", "prune", true));
        body.put("missedRunPolicy", Map.of("mode", "run-all", "gracePeriod", "PT10M", "maxCatchUpRuns", 2));
        body.put("retryPolicy", Map.of("maxAttempts", 4, "initialDelay", "PT30S", "multiplier", 3.0,
                "maxDelay", "PT10M"));
        body.put("excludes", List.of("*.tmp"));
        body.put("tags", List.of("nas", "env=prod"));
        ExtractableResponse<Response> created = admin().contentType(ContentType.JSON).body(body).post(PATH).then()
                .extract();
        assertEquals(201, created.statusCode(), created.asString());
        String id = created.path("id");
        assertEquals("\"0\"", created.header("ETag"));
        given().auth().oauth2(TestTokens.viewer()).get(PATH + "/" + id).then().statusCode(200)
                .body("name", equalTo(name)).body("schedule.cron", equalTo("30 2 * * *"))
                .body("schedule.timeZone", equalTo("Europe/Berlin")).body("nextRunTime", notNullValue())
                .body("retention.keepWithin", equalTo("PT48H")).body("retention.prune", equalTo(true))
                .body("missedRunPolicy.mode", equalTo("run-all")).body("retryPolicy.maxAttempts", equalTo(4))
                .body("runHistoryLimit", equalTo(100)).body("enabled", equalTo(true))
                .body("tags", hasItems("nas", "env=prod"));

        body.put("schedule", Map.of("interval", "PT6H"));
        body.put("enabled", false);
        admin().contentType(ContentType.JSON).header("If-Match", "\"0\"").body(body).put(PATH + "/" + id).then()
                .statusCode(200).body("schedule.interval", equalTo("PT6H")).body("schedule.timeZone", equalTo("UTC"))
                .body("nextRunTime", nullValue()).body("revision", equalTo(1)).header("ETag", equalTo("\"1\""));
        admin().contentType(ContentType.JSON).header("If-Match", "\"0\"").body(body).put(PATH + "/" + id).then()
                .statusCode(409).body("reason", equalTo("JOB_REVISION_MISMATCH"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("repository_id", repo).get(PATH).then()
                .statusCode(200).body("items.name", hasItem(name));
        admin().delete("/api/v1/repositories/" + repo).then().statusCode(409)
                .body("reason", equalTo("REPOSITORY_IN_USE"));
        admin().delete(PATH + "/" + id).then().statusCode(204);
        admin().get(PATH + "/" + id).then().statusCode(404).body("reason", equalTo("JOB_NOT_FOUND"));
        admin().delete("/api/v1/repositories/" + repo).then().statusCode(204);
    }

    @Test
    void badInputGetsFieldViolationsThatSayWhatToFix() {
        String repo = repository();
        Map<String, Object> body = job("Bad Name", repo);
        body.put("paths", List.of("relative/dir", "/srv/../etc"));
        body.put("schedule", Map.of("cron", "0 25 * * *", "timeZone", "Mars/Olympus"));
        body.put("retention", Map.of("keepLast", -1));
        body.put("missedRunPolicy", Map.of("mode", "sometimes", "gracePeriod", "five minutes"));
        body.put("retryPolicy", Map.of("maxAttempts", 0, "multiplier", 0.5));
        body.put("tags", List.of("a,b"));
        body.put("excludeIfPresent", List.of("a/b"));
        body.put("runHistoryLimit", 0);
        admin().contentType(ContentType.JSON).body(body).post(PATH).then().statusCode(400)
                .contentType("application/problem+json").body("reason", equalTo("INVALID_ARGUMENT"))
                .body("errors.field", hasItems("name", "paths[0]", "paths[1]", "schedule.cron", "schedule.timeZone",
                        "retention.keepLast", "missedRunPolicy.mode", "missedRunPolicy.gracePeriod",
                        "retryPolicy.maxAttempts", "retryPolicy.multiplier", "tags[0]", "excludeIfPresent[0]",
                        "runHistoryLimit"))
                .body("errors.find { it.field == 'schedule.cron' }.message", containsString("hour field"));
        Map<String, Object> both = job("both", repo);
        both.put("schedule", Map.of("cron", "@daily", "interval", "PT1H"));
        admin().contentType(ContentType.JSON).body(both).post(PATH).then().statusCode(400)
                .body("errors.field", hasItem("schedule"));
        Map<String, Object> shortInterval = job("short", repo);
        shortInterval.put("schedule", Map.of("interval", "PT10S"));
        admin().contentType(ContentType.JSON).body(shortInterval).post(PATH).then().statusCode(400)
                .body("errors.field", hasItem("schedule.interval"));
        admin().contentType(ContentType.JSON).body(job("norepo", UUID.randomUUID().toString())).post(PATH).then()
                .statusCode(400).body("errors.field", hasItem("repositoryId"));
        admin().contentType(ContentType.JSON).body(job("badrepo", "nope")).post(PATH).then()
                .statusCode(400).body("errors.field", hasItem("repositoryId"));
        admin().contentType(ContentType.JSON).post(PATH).then().statusCode(400);
        admin().get(PATH + "/not-a-uuid").then().statusCode(400).body("errors.field", hasItem("id"));
        admin().get(PATH + "?page_token=forged").then().statusCode(400);
        String name = "dup-" + UUID.randomUUID().toString().substring(0, 8);
        admin().contentType(ContentType.JSON).body(job(name, repo)).post(PATH).then().statusCode(201);
        admin().contentType(ContentType.JSON).body(job(name, repo)).post(PATH).then().statusCode(409)
                .body("reason", equalTo("JOB_NAME_TAKEN"));
    }

    @Test
    void viewersReadAdminsWrite() {
        String repo = repository();
        String id = admin().contentType(ContentType.JSON).body(job("auth-" + UUID.randomUUID().toString()
                .substring(0, 8), repo)).post(PATH).then().statusCode(201).extract().path("id");
        given().get(PATH).then().statusCode(401);
        given().get(PATH + "/" + id).then().statusCode(401);
        RequestSpecification viewer = given().auth().oauth2(TestTokens.viewer());
        viewer.get(PATH + "/" + id).then().statusCode(200);
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON).body(job("v", repo)).post(PATH)
                .then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON).body(job("v", repo))
                .put(PATH + "/" + id).then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).delete(PATH + "/" + id).then().statusCode(403);
    }

    static RequestSpecification admin() {
        return given().auth().oauth2(TestTokens.admin()).when();
    }

    static Map<String, Object> job(String name, String repositoryId) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("repositoryId", repositoryId);
        body.put("paths", List.of("/srv/data"));
        return body;
    }

    /** A repository record (not initialised) to point jobs at. */
    static String repository() {
        return admin().contentType(ContentType.JSON).body(Map.of("name", "r-" + UUID.randomUUID().toString()
                .substring(0, 8), "backend", "local", "url", "/srv/restic/x", "password", "0123456789abcdef"))
                .post("/api/v1/repositories").then().statusCode(201).extract().path("id");
    }
}
