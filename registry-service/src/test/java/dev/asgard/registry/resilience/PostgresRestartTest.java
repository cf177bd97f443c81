package dev.asgard.registry.resilience;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.HeartbeatResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.ServerLifecycle;
import dev.asgard.testsupport.TestServers;
import dev.asgard.testsupport.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * PostgreSQL restarted under the running service (the JVM's shared server, stopped and started again on the same
 * port with the same data): meanwhile requests fail with UNAVAILABLE / 503 and a stable reason, and afterwards the
 * same application serves again, its pool having reconnected by itself. The server is restarted in
 * {@code finally}, so later test classes find it running.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class PostgresRestartTest {

    private static final List<String> UNAVAILABLE_REASONS = List.of("DATABASE_UNAVAILABLE", "DEPENDENCY_UNAVAILABLE");

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
    void requestsAreUnavailableWhilePostgresIsDownAndServedAgainAfterItsRestart() throws InterruptedException {
        String deviceId = TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId();
        heartbeat(deviceId, 1);

        ServerLifecycle postgres = TestServers.postgresLifecycle();
        postgres.stop();
        try {
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> heartbeat(deviceId, 2));
            assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.toString());
            assertTrue(UNAVAILABLE_REASONS.contains(GrpcErrors.reason(e).orElseThrow()), e.toString());
            assertTrue(GrpcErrors.retryInfo(e).isPresent());

            given().auth().oauth2(TestTokens.admin()).when().get("/api/v1/join-tokens")
                    .then().statusCode(503);
        } finally {
            postgres.start();
        }

        // The same application serves again: its pool opens new connections to the restarted server.
        long sequence = 3;
        HeartbeatResponse answer = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (answer == null) {
            try {
                answer = heartbeat(deviceId, sequence++);
            } catch (StatusRuntimeException e) {
                if (System.nanoTime() > deadline || e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
        assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, answer.getStatus());
        TestDevices.enrollNew(registry, Map.of());
        given().auth().oauth2(TestTokens.admin()).when().get("/api/v1/join-tokens").then().statusCode(200);
    }

    private HeartbeatResponse heartbeat(String deviceId, long sequence) {
        return registry.withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(deviceId)))
                .heartbeat(HeartbeatRequest.newBuilder().setDeviceId(deviceId).setSequence(sequence).build());
    }
}
