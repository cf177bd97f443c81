package dev.asgard.registry.grpc;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.auth.DeviceAuthReasons;
import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceCredentialsRevoked;
import dev.asgard.proto.events.v1.DeviceStatusChanged;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.RotateCredentialRequest;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.keys.SigningKeysResource;
import dev.asgard.registry.service.CredentialRevocationService;
import dev.asgard.registry.service.DeviceStatusService;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
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
class DeviceRevocationTest {

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
    void revokedDeviceIsRefusedOnEveryRpcWithinFiveSeconds() throws Exception {
        String fingerprint = TestDevices.newFingerprint();
        String name = TestDevices.newName();
        EnrollResponse enrolled = registry.enroll(TestDevices.request(TestDevices.joinToken(Map.of()), name,
                fingerprint).build());
        String deviceId = enrolled.getDevice().getDeviceId();
        String credential = enrolled.getDeviceCredential();
        registry.exchangeCredential(exchange(deviceId, credential));
        // The test application verifies device tokens against test-support's key set, not the registry's signing
        // keys, so the live token is minted by DeviceTokens; like the exchanged one, it is issued before the
        // revocation and valid for 10 minutes.
        String token = DeviceTokens.forDevice(deviceId);
        RegistryServiceGrpc.RegistryServiceBlockingStub device = registry
                .withCallCredentials(DeviceTokens.credentials(token));
        assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, device.heartbeat(heartbeat(deviceId, 1)).getStatus());

        Instant revokedAt = Instant.now();
        given().auth().oauth2(TestTokens.forUser("carol", TestTokens.ADMIN_ROLE)).contentType(ContentType.JSON)
                .body(Map.of("reason", "laptop stolen"))
                .when().post("/api/v1/devices/" + deviceId + "/credentials/revoke")
                .then().statusCode(200)
                .body("deviceId", equalTo(deviceId))
                .body("alreadyRevoked", equalTo(false))
                .body("revokedCredentialIds", hasItem(enrolled.getCredentialId()));

        // Until the revocation event arrives, the registry itself refuses the revoked device (from its status);
        // afterwards every service's interceptor refuses the token.
        long sequence = 2;
        String reason = null;
        while (Duration.between(revokedAt, Instant.now()).compareTo(Duration.ofSeconds(5)) < 0) {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    heartbeatCall(device, deviceId, sequence++));
            reason = GrpcErrors.reason(e).orElseThrow();
            if (e.getStatus().getCode() == Status.Code.UNAUTHENTICATED) {
                break;
            }
            assertEquals("DEVICE_REVOKED", reason, "before the event arrives the device status refuses it");
            Thread.sleep(100);
        }
        Duration took = Duration.between(revokedAt, Instant.now());
        assertEquals(DeviceAuthReasons.REVOKED, reason, "token still accepted after " + took);
        assertTrue(took.compareTo(Duration.ofSeconds(5)) < 0, "took " + took);
        System.out.printf("revocation: live token refused after %d ms%n", took.toMillis());

        StatusRuntimeException rotate = assertThrows(StatusRuntimeException.class, () -> device.rotateCredential(
                RotateCredentialRequest.newBuilder().setDeviceId(deviceId).build()));
        assertEquals(DeviceAuthReasons.REVOKED, GrpcErrors.reason(rotate).orElseThrow());
        StatusRuntimeException exchange = assertThrows(StatusRuntimeException.class,
                () -> registry.exchangeCredential(exchange(deviceId, credential)));
        assertEquals("DEVICE_REVOKED", GrpcErrors.reason(exchange).orElseThrow());
        StatusRuntimeException reEnrol = assertThrows(StatusRuntimeException.class, () -> registry.enroll(
                TestDevices.request(TestDevices.joinToken(Map.of()), name, fingerprint).build()));
        assertEquals("DEVICE_REVOKED", GrpcErrors.reason(reEnrol).orElseThrow());

        given().auth().oauth2(TestTokens.admin()).when().post("/api/v1/devices/" + deviceId + "/credentials/rotate")
                .then().statusCode(409).body("reason", equalTo("DEVICE_REVOKED"));
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + deviceId + "/credentials")
                .then().statusCode(200).body("items.state", equalTo(List.of("REVOKED")));

        // A second revocation changes nothing and announces nothing.
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "again"))
                .when().post("/api/v1/devices/" + deviceId + "/credentials/revoke")
                .then().statusCode(200).body("alreadyRevoked", equalTo(true));

        List<ConsumerRecord<String, byte[]>> events = eventsOf(deviceId, Duration.ofSeconds(3));
        List<ConsumerRecord<String, byte[]>> revocations = events.stream()
                .filter(r -> CredentialRevocationService.CREDENTIALS_REVOKED.equals(EventHeaders.read(r).type()))
                .toList();
        assertEquals(1, revocations.size(), "exactly one revocation event");
        DeviceCredentialsRevoked event = DeviceCredentialsRevoked.parseFrom(revocations.get(0).value());
        assertEquals(deviceId, event.getDeviceId());
        assertEquals("carol", event.getRevokedBy());
        assertEquals("laptop stolen", event.getReason());
        assertEquals(List.of(enrolled.getCredentialId()), event.getCredentialIdsList());
        assertTrue(event.getTokensInvalidBefore().getSeconds() >= revokedAt.getEpochSecond());
        String secret = credential.substring(credential.lastIndexOf('.') + 1);
        for (ConsumerRecord<String, byte[]> record : events) {
            assertFalse(new String(record.value(), StandardCharsets.ISO_8859_1).contains(secret), "no secret in events");
        }
        List<DeviceStatusChanged> toRevoked = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : events) {
            if (DeviceStatusService.DEVICE_STATUS_CHANGED.equals(EventHeaders.read(record).type())) {
                DeviceStatusChanged changed = DeviceStatusChanged.parseFrom(record.value());
                if (changed.getNewStatus() == DeviceStatus.DEVICE_STATUS_REVOKED) {
                    toRevoked.add(changed);
                }
            }
        }
        assertEquals(1, toRevoked.size());
        assertEquals(CredentialRevocationService.STATUS_REASON, toRevoked.get(0).getReason());
    }

    @Test
    void revocationNeedsAnAdminAReasonAndAKnownDevice() {
        String deviceId = TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId();
        String path = "/api/v1/devices/" + deviceId + "/credentials/revoke";
        given().contentType(ContentType.JSON).body(Map.of("reason", "x")).when().post(path).then().statusCode(401);
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON).body(Map.of("reason", "x"))
                .when().post(path).then().statusCode(403);
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", " "))
                .when().post(path).then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", hasItem("reason"));
        given().auth().oauth2(TestTokens.admin()).when().post(path).then().statusCode(400)
                .body("errors.field", hasItem("reason"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body("{\"reason\": ")
                .when().post(path).then().statusCode(400).body("reason", equalTo("MALFORMED_BODY"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "x".repeat(501)))
                .when().post(path).then().statusCode(400).body("errors.field", hasItem("reason"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "x"))
                .when().post("/api/v1/devices/" + UUID.randomUUID() + "/credentials/revoke")
                .then().statusCode(404).body("reason", equalTo("DEVICE_NOT_FOUND"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "x"))
                .when().post("/api/v1/devices/not-a-uuid/credentials/revoke")
                .then().statusCode(400).body("reason", equalTo("INVALID_DEVICE_ID"));
        // Nothing of the refused requests changed the device.
        registry.withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(deviceId)))
                .heartbeat(heartbeat(deviceId, 1));
    }

    @Test
    void aTokenExchangedConcurrentlyWithTheRevocationIsNeverIssuedAfterTheCutOff() throws Exception {
        int issuedBefore = 0;
        for (int round = 0; round < 4; round++) {
            EnrollResponse enrolled = TestDevices.enrollNew(registry, Map.of());
            String deviceId = enrolled.getDevice().getDeviceId();
            java.util.concurrent.CompletableFuture<String> token = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> {
                        try {
                            return registry.exchangeCredential(exchange(deviceId, enrolled.getDeviceCredential()))
                                    .getAccessToken();
                        } catch (StatusRuntimeException e) {
                            assertEquals("DEVICE_REVOKED", GrpcErrors.reason(e).orElseThrow());
                            return null;
                        }
                    });
            Thread.sleep(round * 15L);
            String cutOff = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                    .body(Map.of("reason", "race")).when().post("/api/v1/devices/" + deviceId + "/credentials/revoke")
                    .then().statusCode(200).extract().path("tokensInvalidBefore");
            String issued = token.get(30, TimeUnit.SECONDS);
            if (issued != null) {
                issuedBefore++;
                String claims = new String(java.util.Base64.getUrlDecoder().decode(issued.split("\\.")[1]),
                        StandardCharsets.UTF_8);
                long iat = Long.parseLong(claims.replaceAll(".*\"iat\"\\s*:\\s*(\\d+).*", "$1"));
                assertTrue(iat <= Instant.parse(cutOff).getEpochSecond(),
                        "a token issued during the revocation is covered by its cut-off: " + iat + " > " + cutOff);
            }
        }
        System.out.printf("revocation race: %d of 4 exchanges issued a token (all covered by the cut-off)%n",
                issuedBefore);
    }

    private static ExchangeCredentialRequest exchange(String deviceId, String credential) {
        return ExchangeCredentialRequest.newBuilder().setDeviceId(deviceId).setDeviceCredential(credential).build();
    }

    private static HeartbeatRequest heartbeat(String deviceId, long sequence) {
        return HeartbeatRequest.newBuilder().setDeviceId(deviceId).setSequence(sequence).build();
    }

    private static org.junit.jupiter.api.function.Executable heartbeatCall(
            RegistryServiceGrpc.RegistryServiceBlockingStub device, String deviceId, long sequence) {
        return () -> device.heartbeat(heartbeat(deviceId, sequence));
    }

    /** Every event of the device, read until the topic was quiet for {@code quiet} after its revocation. */
    private List<ConsumerRecord<String, byte[]>> eventsOf(String deviceId, Duration quiet) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "revocation-test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> seen = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.REGISTRY_EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (deviceId.equals(record.key())) {
                        seen.add(record);
                        if (CredentialRevocationService.CREDENTIALS_REVOKED.equals(EventHeaders.read(record).type())) {
                            quietUntil = System.nanoTime() + quiet.toNanos();
                        }
                    }
                }
            }
        }
        return seen;
    }
}
