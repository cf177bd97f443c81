package dev.asgard.registry.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceCredentialsRotated;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.keys.SigningKeysResource;
import dev.asgard.registry.service.CredentialRotationService;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = SigningKeysResource.class, restrictToAnnotatedClass = false)
class DeviceCredentialResourceTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

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
    void anAdministratorRotatesWithAGraceAndViewersSeeIdsAndLifetimesOnly() throws Exception {
        EnrollResponse enrolled = TestDevices.enrollNew(registry, Map.of());
        String deviceId = enrolled.getDevice().getDeviceId();
        String path = "/api/v1/devices/" + deviceId + "/credentials";
        given().auth().oauth2(TestTokens.viewer()).when().get(path).then().statusCode(200)
                .body("items", hasSize(1))
                .body("items[0].id", equalTo(enrolled.getCredentialId()))
                .body("items[0].state", equalTo("ACTIVE"))
                .body("items[0].expiresAt", nullValue());

        String credential = given().auth().oauth2(TestTokens.forUser("dave", TestTokens.ADMIN_ROLE))
                .contentType(ContentType.JSON).body(Map.of("previousCredentialGrace", "10m"))
                .when().post(path + "/rotate")
                .then().statusCode(200)
                .body("credential", startsWith("adc1."))
                .body("previousCredentialId", equalTo(enrolled.getCredentialId()))
                .body("previousCredentialExpiresAt", notNullValue())
                .extract().path("credential");
        exchange(deviceId, enrolled.getDeviceCredential());
        exchange(deviceId, credential);

        String listed = given().auth().oauth2(TestTokens.viewer()).when().get(path).then().statusCode(200)
                .body("items", hasSize(2))
                .body("items[0].state", equalTo("ACTIVE"))
                .body("items[1].state", equalTo("EXPIRING"))
                .extract().asString();
        assertFalse(listed.contains(credential.substring(credential.lastIndexOf('.') + 1)), "never the secret");
        assertFalse(listed.contains("argon2"), "never the hash");

        // Without a body the replaced credentials are revoked at once.
        String third = given().auth().oauth2(TestTokens.admin()).when().post(path + "/rotate")
                .then().statusCode(200).extract().path("credential");
        assertEquals("DEVICE_CREDENTIAL_INVALID", refused(deviceId, enrolled.getDeviceCredential()));
        assertEquals("DEVICE_CREDENTIAL_INVALID", refused(deviceId, credential));
        exchange(deviceId, third);
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_size", 2).when().get(path).then().statusCode(200)
                .body("items.state", equalTo(List.of("ACTIVE", "REVOKED")))
                .body("nextPageToken", not(equalTo("")));

        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.REGISTRY_EVENTS,
                r -> deviceId.equals(r.key())
                        && CredentialRotationService.CREDENTIALS_ROTATED.equals(EventHeaders.read(r).type()),
                Duration.ofSeconds(60));
        assertEquals("dave", DeviceCredentialsRotated.parseFrom(seen.get(seen.size() - 1).value()).getRotatedBy());
    }

    @Test
    void pagesFollowTheCursor() {
        EnrollResponse enrolled = TestDevices.enrollNew(registry, Map.of());
        String path = "/api/v1/devices/" + enrolled.getDevice().getDeviceId() + "/credentials";
        given().auth().oauth2(TestTokens.admin()).when().post(path + "/rotate").then().statusCode(200);
        String next = given().auth().oauth2(TestTokens.viewer()).queryParam("page_size", 1).when().get(path)
                .then().statusCode(200).body("items", hasSize(1)).extract().path("nextPageToken");
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_size", 1).queryParam("page_token", next)
                .when().get(path).then().statusCode(200)
                .body("items[0].id", equalTo(enrolled.getCredentialId()))
                .body("nextPageToken", equalTo(""));
        String otherDevice = "/api/v1/devices/" + TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId()
                + "/credentials";
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_token", next).when().get(otherDevice)
                .then().statusCode(400).body("reason", equalTo("INVALID_PAGE_TOKEN"));
    }

    @Test
    void rolesIdsAndGraceAreChecked() {
        String deviceId = TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId();
        String path = "/api/v1/devices/" + deviceId + "/credentials";
        given().when().get(path).then().statusCode(401);
        given().when().post(path + "/rotate").then().statusCode(401);
        given().auth().oauth2(TestTokens.withRoles("offline_access")).when().get(path).then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).when().post(path + "/rotate").then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + UUID.randomUUID() + "/credentials")
                .then().statusCode(404)
                .contentType("application/problem+json")
                .body("reason", equalTo("DEVICE_NOT_FOUND"))
                .body("hint", notNullValue());
        given().auth().oauth2(TestTokens.admin()).when().post("/api/v1/devices/" + UUID.randomUUID()
                + "/credentials/rotate").then().statusCode(404);
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/nope/credentials")
                .then().statusCode(400)
                .body("reason", equalTo("INVALID_DEVICE_ID"))
                .body("errors.field", hasItem("deviceId"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_size", -1).when().get(path)
                .then().statusCode(400).body("reason", equalTo("INVALID_PAGE_SIZE"));
        for (String grace : List.of("2h", "soon")) {
            given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                    .body(Map.of("previousCredentialGrace", grace)).when().post(path + "/rotate")
                    .then().statusCode(400).body("errors.field", hasItem("previousCredentialGrace"));
        }
        given().auth().oauth2(TestTokens.viewer()).when().get(path).then().statusCode(200).body("items", hasSize(1));
    }

    private void exchange(String deviceId, String credential) {
        registry.exchangeCredential(ExchangeCredentialRequest.newBuilder().setDeviceId(deviceId)
                .setDeviceCredential(credential).build());
    }

    private String refused(String deviceId, String credential) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> exchange(deviceId, credential));
        return GrpcErrors.reason(e).orElseThrow();
    }
}
