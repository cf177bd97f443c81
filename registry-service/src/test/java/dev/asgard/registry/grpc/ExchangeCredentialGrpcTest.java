package dev.asgard.registry.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.auth.DeviceIdentity;
import dev.asgard.commons.auth.DeviceRevocations;
import dev.asgard.commons.auth.DeviceTokenRules;
import dev.asgard.commons.auth.DeviceTokenVerifier;
import dev.asgard.commons.auth.JwksSource;
import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.ExchangeCredentialResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.TestDevices;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class ExchangeCredentialGrpcTest {

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
    void theCredentialBuysADeviceTokenThatVerifiesAgainstThePublishedJwks() throws Exception {
        EnrollResponse enrolled = enroll(Map.of("networks", List.of("lab"), "labels", Map.of("site", "home")));
        ExchangeCredentialResponse token = registry.exchangeCredential(ExchangeCredentialRequest.newBuilder()
                .setDeviceId(enrolled.getDevice().getDeviceId())
                .setDeviceCredential(enrolled.getDeviceCredential()).build());

        assertEquals("Bearer", token.getTokenType());
        long lifetime = token.getExpireTime().getSeconds() - System.currentTimeMillis() / 1000;
        assertTrue(lifetime > 500 && lifetime <= 600, "a device token lives 10 minutes, not " + lifetime + " s");
        String jwks = given().when().get("/.well-known/jwks.json").then().statusCode(200).extract().asString();
        DeviceIdentity identity = verifier(jwks).verify(token.getAccessToken()).get(10, TimeUnit.SECONDS);
        assertEquals(enrolled.getDevice().getDeviceId(), identity.deviceId());
        assertEquals(List.of("lab"), identity.networks());
        assertEquals("home", identity.labels().get("site"));
    }

    @Test
    void wrongRevokedOrForeignCredentialsAreRefusedAlike() {
        EnrollResponse first = enroll(Map.of());
        String deviceId = first.getDevice().getDeviceId();
        String credential = first.getDeviceCredential();

        assertEquals("DEVICE_CREDENTIAL_INVALID", refused(deviceId, credential.substring(0, credential.length() - 2) + "zz"));
        assertEquals("DEVICE_CREDENTIAL_INVALID", refused(deviceId, "not a credential"));
        assertEquals("DEVICE_CREDENTIAL_INVALID", refused(enroll(Map.of()).getDevice().getDeviceId(), credential));
        assertEquals("INVALID_DEVICE_ID", refused("not-a-uuid", credential));

        // Re-enrolment rotates the credential: the old one stops working, the new one works.
        EnrollResponse again = registry.enroll(EnrollRequest.newBuilder().setJoinToken(TestDevices.joinToken(Map.of()))
                .setName(first.getDevice().getName()).setFingerprint(fingerprints.get(deviceId))
                .setWorldType(WorldType.WORLD_TYPE_PHYSICAL).build());
        assertEquals("DEVICE_CREDENTIAL_INVALID", refused(deviceId, credential));
        registry.exchangeCredential(ExchangeCredentialRequest.newBuilder().setDeviceId(deviceId)
                .setDeviceCredential(again.getDeviceCredential()).build());
    }

    @Test
    void aPendingDeviceGetsNoTokenUntilApproved() {
        EnrollResponse pending = enroll(Map.of("requiresApproval", true));
        assertEquals("DEVICE_PENDING_APPROVAL",
                refused(pending.getDevice().getDeviceId(), pending.getDeviceCredential()));
    }

    private final Map<String, String> fingerprints = new java.util.HashMap<>();

    private EnrollResponse enroll(Map<String, Object> tokenOptions) {
        String fingerprint = TestDevices.newFingerprint();
        EnrollResponse response = registry.enroll(TestDevices.request(TestDevices.joinToken(tokenOptions),
                TestDevices.newName(), fingerprint).setWorldType(WorldType.WORLD_TYPE_VIRTUAL_MACHINE).build());
        fingerprints.put(response.getDevice().getDeviceId(), fingerprint);
        return response;
    }

    private String refused(String deviceId, String credential) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> registry.exchangeCredential(
                ExchangeCredentialRequest.newBuilder().setDeviceId(deviceId).setDeviceCredential(credential).build()));
        assertTrue(e.getStatus().getCode() != Status.Code.INTERNAL, e.toString());
        return GrpcErrors.reason(e).orElseThrow();
    }

    private static DeviceTokenVerifier verifier(String jwks) {
        DeviceTokenRules rules = new DeviceTokenRules("asgard-registry", "asgard", Duration.ofSeconds(30),
                Duration.ofMinutes(15));
        Clock clock = Clock.systemUTC();
        return new DeviceTokenVerifier(JwksSource.fixed(jwks), rules,
                new DeviceRevocations(clock, rules.acceptanceWindow()), clock, Duration.ofMinutes(5),
                Duration.ofSeconds(10));
    }
}
