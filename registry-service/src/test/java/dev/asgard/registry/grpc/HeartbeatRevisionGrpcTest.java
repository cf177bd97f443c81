package dev.asgard.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.HeartbeatResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceRepository;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;

/**
 * The revision (version, ETag) counts changes of the record, not heartbeats: the heartbeat fast path moves
 * last seen and the sequence without touching it, while a heartbeat that changes the status or the agent version
 * is a change and counts once.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class HeartbeatRevisionGrpcTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    DeviceRepository devices;

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
    void heartbeatsDoNotChangeTheRevision() throws Throwable {
        EnrollResponse enrolled = TestDevices.enrollNew(registry, Map.of());
        String deviceId = enrolled.getDevice().getDeviceId();
        long revision = enrolled.getDevice().getRevision();
        assertEquals(revision, device(deviceId).version);

        for (long sequence = 1; sequence <= 5; sequence++) {
            HeartbeatResponse response = heartbeat(deviceId, sequence, "");
            assertEquals(revision, response.getDeviceRevision());
            assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, response.getStatus());
        }
        heartbeat(deviceId, 3, "");

        Device stored = device(deviceId);
        assertEquals(revision, stored.version);
        assertEquals(5, stored.heartbeatSequence);
        assertTrue(stored.lastSeen != null);
    }

    @Test
    void aHeartbeatThatChangesStatusOrAgentVersionCountsOnce() throws Throwable {
        EnrollResponse enrolled = TestDevices.enrollNew(registry, Map.of());
        String deviceId = enrolled.getDevice().getDeviceId();
        UUID id = UUID.fromString(deviceId);
        heartbeat(deviceId, 1, "");
        long before = device(deviceId).version;

        heartbeat(deviceId, 2, "2.0.0");
        assertEquals(before + 1, device(deviceId).version);
        assertEquals("2.0.0", device(deviceId).agentVersion);
        assertEquals(before + 1, heartbeat(deviceId, 3, "2.0.0").getDeviceRevision());

        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> devices.update("status = ?1 where id = ?2", Device.Status.INACTIVE, id)));
        HeartbeatResponse back = heartbeat(deviceId, 4, "2.0.0");
        assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, back.getStatus());
        assertEquals(before + 2, back.getDeviceRevision());
        assertEquals(before + 2, heartbeat(deviceId, 5, "").getDeviceRevision());
        assertEquals(before + 2, device(deviceId).version);
        assertEquals(5, device(deviceId).heartbeatSequence);
    }

    private HeartbeatResponse heartbeat(String deviceId, long sequence, String agentVersion) {
        return registry.withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(deviceId)))
                .heartbeat(HeartbeatRequest.newBuilder().setDeviceId(deviceId).setSequence(sequence)
                        .setAgentVersion(agentVersion).build());
    }

    private Device device(String deviceId) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> devices.findById(UUID.fromString(deviceId))));
    }
}
