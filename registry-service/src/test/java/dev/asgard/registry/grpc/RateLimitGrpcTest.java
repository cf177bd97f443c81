package dev.asgard.registry.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Duration;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.testsupport.DeviceAuthResource;
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

/**
 * The per-device limits through the real interceptor, with the low test limits of
 * src/test/resources/application.properties (5 at once per device or machine). The per-address limits are tested
 * in {@code KeyedRateLimiterTest}: every test calls from 127.0.0.1.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RateLimitGrpcTest {

    private static final int BURST = 5;

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
    void aBurstOfExchangesForOneDeviceIsRefusedWithARetryDelayOthersGoOn() {
        EnrollResponse device = TestDevices.enrollNew(registry, Map.of());
        EnrollResponse other = TestDevices.enrollNew(registry, Map.of());
        for (int i = 0; i < BURST; i++) {
            exchange(device);
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> exchange(device));
        assertRateLimited(e);
        assertEquals("exchange-credential-per-device",
                GrpcErrors.errorInfo(e).orElseThrow().getMetadataOrThrow("limit"));
        // Another device has its own bucket.
        exchange(other);
    }

    @Test
    void aBurstOfEnrolmentsOfOneMachineIsRefusedWithoutSpendingTheJoinToken() {
        Map<String, Object> created = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("usageLimit", 20)).when().post("/api/v1/join-tokens")
                .then().statusCode(201).extract().as(Map.class);
        String token = (String) created.get("token");
        @SuppressWarnings("unchecked")
        String tokenId = (String) ((Map<String, Object>) created.get("joinToken")).get("id");
        String fingerprint = TestDevices.newFingerprint();
        String name = TestDevices.newName();
        for (int i = 0; i < BURST; i++) {
            registry.enroll(TestDevices.request(token, name, fingerprint).build());
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> registry.enroll(TestDevices.request(token, name, fingerprint).build()));
        assertRateLimited(e);

        int remaining = given().auth().oauth2(TestTokens.admin()).when().get("/api/v1/join-tokens/" + tokenId)
                .then().statusCode(200).extract().path("remainingUses");
        assertEquals(20 - BURST, remaining);
        // Another machine enrols with the same token.
        registry.enroll(TestDevices.request(token, TestDevices.newName(), TestDevices.newFingerprint()).build());
    }

    private static void assertRateLimited(StatusRuntimeException e) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertEquals("RATE_LIMITED", GrpcErrors.reason(e).orElseThrow());
        Duration delay = GrpcErrors.retryInfo(e).orElseThrow().getRetryDelay();
        // 5 a minute: the next token comes within 12 s.
        long millis = delay.getSeconds() * 1000 + delay.getNanos() / 1_000_000;
        assertTrue(millis > 0 && millis <= 12_000, "retry delay " + millis + " ms");
    }

    private void exchange(EnrollResponse device) {
        registry.exchangeCredential(ExchangeCredentialRequest.newBuilder()
                .setDeviceId(device.getDevice().getDeviceId())
                .setDeviceCredential(device.getDeviceCredential())
                .build());
    }
}
