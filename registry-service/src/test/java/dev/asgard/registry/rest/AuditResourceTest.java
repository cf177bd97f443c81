package dev.asgard.registry.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.net.URL;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.hamcrest.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.RotateCredentialRequest;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.keys.SigningKeysResource;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = SigningKeysResource.class, restrictToAnnotatedClass = false)
class AuditResourceTest {

    private static final String PATH = "/api/v1/audit";
    private static final Matcher<String> LOOPBACK = anyOf(equalTo("127.0.0.1"), equalTo("0:0:0:0:0:0:0:1"));

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private RegistryServiceGrpc.RegistryServiceBlockingStub registry;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        registry = RegistryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void joinTokenWritesAreAuditedWithTheUserAndAddressAndNoSecret() {
        String user = "auditor-" + UUID.randomUUID().toString().substring(0, 8);
        String admin = TestTokens.forUser(user, TestTokens.ADMIN_ROLE);
        Map<String, Object> created = given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("description", "lab", "requiresApproval", true))
                .when().post("/api/v1/join-tokens").then().statusCode(201).extract().jsonPath().getMap("$");
        String token = (String) created.get("token");
        String id = token.split("\\.")[1];
        given().auth().oauth2(admin).when().delete("/api/v1/join-tokens/" + id).then().statusCode(200);
        // Revoking again changes nothing, so it leaves no audit line.
        given().auth().oauth2(admin).when().delete("/api/v1/join-tokens/" + id).then().statusCode(200);
        // A refused write changes nothing and leaves no audit line either.
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of("ttl", "soon"))
                .when().post("/api/v1/join-tokens").then().statusCode(400);

        String body = query(Map.of("actor", user))
                .body("items", hasSize(2))
                .body("items.action", equalTo(List.of("join-token.revoke", "join-token.create")))
                .body("items[1].actorKind", equalTo("USER"))
                .body("items[1].targetType", equalTo("join-token"))
                .body("items[1].targetId", equalTo(id))
                .body("items[1].outcome", equalTo("SUCCESS"))
                .body("items[1].clientAddress", LOOPBACK)
                .body("items[1].details.requiresApproval", equalTo(true))
                .body("items[1].details.description", equalTo("lab"))
                .extract().asString();
        assertFalse(body.contains(token.substring(token.lastIndexOf('.') + 1)), "no secret in the audit trail");
    }

    @Test
    void enrolmentRotationAndRevocationAreAuditedWithTheirActors() {
        EnrollResponse enrolled = TestDevices.enrollNew(registry, Map.of());
        String deviceId = enrolled.getDevice().getDeviceId();
        registry.withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(deviceId)))
                .rotateCredential(RotateCredentialRequest.newBuilder().setDeviceId(deviceId).build());
        given().auth().oauth2(TestTokens.forUser("erin", TestTokens.ADMIN_ROLE)).contentType(ContentType.JSON)
                .body(Map.of("reason", "decommissioned")).when().post("/api/v1/devices/" + deviceId
                        + "/credentials/revoke")
                .then().statusCode(200);

        query(Map.of("target_id", deviceId))
                .body("items.action", equalTo(List.of("device.credentials.revoke", "device.credentials.rotate",
                        "device.enroll")))
                .body("items.actor", equalTo(List.of("erin", "device:" + deviceId, "device:" + deviceId)))
                .body("items.actorKind", equalTo(List.of("USER", "DEVICE", "DEVICE")))
                .body("items.clientAddress", org.hamcrest.Matchers.everyItem(LOOPBACK))
                .body("items[0].details.reason", equalTo("decommissioned"))
                .body("items[0].details.credentialIds", hasItem(not(equalTo(enrolled.getCredentialId()))))
                .body("items[2].details.reEnrolled", equalTo(false))
                .body("items[2].details.credentialId", equalTo(enrolled.getCredentialId()));
        query(Map.of("target_id", deviceId, "action", "device.enroll")).body("items", hasSize(1));
        query(Map.of("actor", "device:" + deviceId)).body("items", hasSize(2));
    }

    @Test
    void pagesFiltersAndRoles() {
        String user = "pager-" + UUID.randomUUID().toString().substring(0, 8);
        String admin = TestTokens.forUser(user, TestTokens.ADMIN_ROLE);
        Instant start = Instant.now().minusSeconds(1);
        for (int i = 0; i < 3; i++) {
            given().auth().oauth2(admin).contentType(ContentType.JSON).body(Map.of())
                    .when().post("/api/v1/join-tokens").then().statusCode(201);
        }
        String next = query(Map.of("actor", user, "page_size", 2)).body("items", hasSize(2))
                .extract().path("nextPageToken");
        query(Map.of("actor", user, "page_size", 2, "page_token", next)).body("items", hasSize(1))
                .body("nextPageToken", equalTo(""));
        given().auth().oauth2(TestTokens.admin()).queryParams(Map.of("actor", "someone-else", "page_token", next))
                .when().get(PATH).then().statusCode(400).body("reason", equalTo("INVALID_PAGE_TOKEN"));
        query(Map.of("actor", user, "since", start.toString(), "until", Instant.now().plusSeconds(5).toString()))
                .body("items", hasSize(3));
        query(Map.of("actor", user, "since", Instant.now().plusSeconds(60).toString())).body("items", hasSize(0));

        given().auth().oauth2(TestTokens.admin())
                .queryParams(Map.of("since", "yesterday", "action", "DROP TABLE", "until", "2020-01-01T00:00:00Z"))
                .when().get(PATH).then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItem("since"))
                .body("errors.field", hasItem("action"));
        given().auth().oauth2(TestTokens.admin())
                .queryParams(Map.of("since", "2021-01-01T00:00:00Z", "until", "2020-01-01T00:00:00Z"))
                .when().get(PATH).then().statusCode(400).body("errors.field", hasItem("until"));
        given().when().get(PATH).then().statusCode(401);
        given().auth().oauth2(TestTokens.viewer()).when().get(PATH).then().statusCode(403);
    }

    private static ValidatableResponse query(Map<String, Object> params) {
        return given().auth().oauth2(TestTokens.admin()).queryParams(params).when().get(PATH).then().statusCode(200);
    }
}
