package dev.asgard.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceStatusChanged;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.HeartbeatResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceRepository;
import dev.asgard.registry.repository.DeviceStatusTransitionRepository;
import dev.asgard.registry.service.DeviceStatusService;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TopicReader;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class HeartbeatGrpcTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    DeviceRepository devices;

    @Inject
    DeviceStatusTransitionRepository transitions;

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
    void aHeartbeatTellsTheIntervalAndStatusAndRecordsLastSeen() throws Throwable {
        String deviceId = enroll(Map.of());
        HeartbeatResponse response = heartbeat(deviceId, deviceId, 1);
        assertEquals(30, response.getHeartbeatInterval().getSeconds());
        assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, response.getStatus());
        assertEquals(1, device(deviceId).heartbeatSequence);
    }

    @Test
    void duplicateOrLateHeartbeatsAreAcknowledgedButNotApplied() throws Throwable {
        String deviceId = enroll(Map.of());
        heartbeat(deviceId, deviceId, 5);
        java.time.Instant seen = device(deviceId).lastSeen;
        heartbeat(deviceId, deviceId, 5);
        heartbeat(deviceId, deviceId, 3);
        assertEquals(5, device(deviceId).heartbeatSequence);
        assertEquals(seen, device(deviceId).lastSeen);
    }

    @Test
    void aDeviceHeartbeatsOnlyForItself() {
        String mine = enroll(Map.of());
        String other = enroll(Map.of());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> heartbeat(mine, other, 1));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertEquals("DEVICE_ACTS_ONLY_FOR_ITSELF", GrpcErrors.reason(e).orElseThrow());

        StatusRuntimeException noToken = assertThrows(StatusRuntimeException.class, () -> registry.heartbeat(
                HeartbeatRequest.newBuilder().setDeviceId(mine).setSequence(1).build()));
        assertEquals("DEVICE_TOKEN_MISSING", GrpcErrors.reason(noToken).orElseThrow());
    }

    @Test
    void aPendingDeviceCannotHeartbeat() {
        String pending = enroll(Map.of("requiresApproval", true));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> heartbeat(pending, pending, 1));
        assertEquals("DEVICE_PENDING_APPROVAL", GrpcErrors.reason(e).orElseThrow());
    }

    @Test
    void anOfflineDeviceComesBackActiveWithOneRecordedTransitionAndOneEvent() throws Throwable {
        String deviceId = enroll(Map.of());
        UUID id = UUID.fromString(deviceId);
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> devices.update("status = ?1 where id = ?2", Device.Status.OFFLINE, id)));

        assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, heartbeat(deviceId, deviceId, 1).getStatus());
        assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, heartbeat(deviceId, deviceId, 2).getStatus());

        long recorded = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> transitions.count("deviceId", id)));
        assertEquals(1, recorded);
        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.REGISTRY_EVENTS,
                r -> deviceId.equals(r.key())
                        && DeviceStatusService.DEVICE_STATUS_CHANGED.equals(EventHeaders.read(r).type()),
                Duration.ofSeconds(60));
        DeviceStatusChanged event = DeviceStatusChanged.parseFrom(seen.get(seen.size() - 1).value());
        assertEquals(DeviceStatus.DEVICE_STATUS_OFFLINE, event.getOldStatus());
        assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, event.getNewStatus());
        assertEquals("heartbeat", event.getReason());
    }

    private HeartbeatResponse heartbeat(String asDevice, String forDevice, long sequence) {
        return registry.withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(asDevice)))
                .heartbeat(HeartbeatRequest.newBuilder().setDeviceId(forDevice).setSequence(sequence).build());
    }

    private Device device(String deviceId) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> devices.findById(UUID.fromString(deviceId))));
    }

    private String enroll(Map<String, Object> tokenOptions) {
        return TestDevices.enrollNew(registry, tokenOptions).getDevice().getDeviceId();
    }
}
