package dev.asgard.backup.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.util.HashMap;
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
import io.restassured.specification.RequestSpecification;

/** The fields REST gained with the gRPC repository contract: labels, check schedule, idempotency, If-Match. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RepositoryContractRestTest {

    private static final String PATH = "/api/v1/repositories";
    private static final String PASSWORD = "rest-contract-" + UUID.randomUUID();

    @Test
    void labelsScheduleIdempotencyKeyAndIfMatch() throws Exception {
        String name = "rc-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> body = new HashMap<>(Map.of("name", name, "backend", "local",
                "url", Files.createTempDirectory("asgard-rest-contract").resolve("r").toString(),
                "password", PASSWORD, "labels", Map.of("site", "home"),
                "checkSchedule", Map.of("cron", "30 3 * * *", "timeZone", "Europe/Berlin", "jitter", "PT5M"),
                "checkReadData", true, "checkReadDataSubset", "1/5"));
        String key = UUID.randomUUID().toString();
        String id = admin().header("Idempotency-Key", key).body(body).post(PATH).then().statusCode(201)
                .body("labels.site", equalTo("home")).body("checkSchedule.cron", equalTo("30 3 * * *"))
                .body("checkSchedule.timeZone", equalTo("Europe/Berlin")).body("checkSchedule.jitter", equalTo("PT5M"))
                .body("checkReadData", equalTo(true)).body("checkReadDataSubset", equalTo("1/5"))
                .body("nextCheckTime", notNullValue()).body("revision", equalTo(1)).extract().path("id");
        assertEquals(id, admin().header("Idempotency-Key", key).body(body).post(PATH).then().statusCode(201)
                .extract().path("id"), "a retry with the same key returns the first repository");

        admin().header("If-Match", "\"7\"").body(Map.of("description", "stale")).patch(PATH + "/" + id).then()
                .statusCode(409).body("reason", equalTo("REPOSITORY_REVISION_MISMATCH"));
        admin().header("If-Match", "\"1\"").body(Map.of("checkSchedule", Map.of(), "labels", Map.of("a", "b"),
                "name", name + "-2")).patch(PATH + "/" + id).then().statusCode(200)
                .body("checkSchedule", nullValue()).body("nextCheckTime", nullValue()).body("labels.a", equalTo("b"))
                .body("name", equalTo(name + "-2")).body("revision", equalTo(2));

        admin().body(Map.of("checkSchedule", Map.of("cron", "61 * * * *"), "labels", Map.of("bad key!", "x"),
                "checkReadDataSubset", "5%", "checkReadData", false)).patch(PATH + "/" + id).then().statusCode(400)
                .body("errors.field", hasItems("checkSchedule.cron", "labels.bad key!", "checkReadDataSubset"));
        given().auth().oauth2(TestTokens.viewer()).get(PATH + "/" + id).then().statusCode(200)
                .body("revision", equalTo(2)).body("name", equalTo(name + "-2"));
        admin().delete(PATH + "/" + id).then().statusCode(204);
    }

    private static RequestSpecification admin() {
        return given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON);
    }
}
