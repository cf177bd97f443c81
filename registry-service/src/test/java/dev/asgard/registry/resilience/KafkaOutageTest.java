package dev.asgard.registry.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.OutboxRepository;
import dev.asgard.commons.events.ReceivedEvent;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceStatusChanged;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.HeartbeatResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.repository.DeviceRepository;
import dev.asgard.registry.service.DeviceStatusService;
import dev.asgard.registry.service.EnrollmentService;
import dev.asgard.registry.service.StatusSweeper;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.ServerLifecycle;
import dev.asgard.testsupport.TestServers;
import dev.asgard.testsupport.TopicReader;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;

/**
 * Kafka stopped during writes (the JVM's shared broker, stopped and started again on the same port with the same
 * data): the API keeps working, its events wait in the outbox, and once the broker is back they all arrive, in order
 * per device. The broker is restarted in {@code finally}, so later test classes find it running.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class KafkaOutageTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    StatusSweeper sweeper;

    @Inject
    DeviceRepository devices;

    @Inject
    OutboxRepository outbox;

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
    void eventsWrittenWhileKafkaIsDownArriveWhenItIsBackNoneLostInOrderPerDevice() throws Throwable {
        String deviceId = TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId();
        UUID id = UUID.fromString(deviceId);
        List<String> enrolledMeanwhile = new ArrayList<>();

        ServerLifecycle kafka = TestServers.kafkaLifecycle();
        kafka.stop();
        try {
            // Writes that emit events, all answered while the broker is down: the device goes offline and comes
            // back twice (four status changes), and two more devices enrol.
            long sequence = 1;
            for (int round = 0; round < 2; round++) {
                Instant now = Instant.now();
                setLastSeen(id, now.minus(Duration.ofMinutes(10)));
                VertxContextSupport.subscribeAndAwait(() -> sweeper.sweep(now));
                HeartbeatResponse back = heartbeat(deviceId, sequence++);
                assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, back.getStatus());
            }
            for (int i = 0; i < 2; i++) {
                enrolledMeanwhile.add(TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId());
            }
            long pending = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> outbox.count()));
            assertTrue(pending >= 6, "the events wait in the outbox: " + pending);
        } finally {
            kafka.start();
        }

        String last = enrolledMeanwhile.get(enrolledMeanwhile.size() - 1);
        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.REGISTRY_EVENTS,
                r -> last.equals(r.key()) && EnrollmentService.DEVICE_REGISTERED.equals(EventHeaders.read(r).type()),
                Duration.ofSeconds(90));

        // At least once: a resent batch may repeat events, so each event counts once, at its first delivery.
        Set<String> ids = new LinkedHashSet<>();
        List<String> history = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : seen) {
            ReceivedEvent event = EventHeaders.read(record);
            if (!deviceId.equals(record.key()) || !ids.add(event.id())) {
                continue;
            }
            if (DeviceStatusService.DEVICE_STATUS_CHANGED.equals(event.type())) {
                history.add(DeviceStatusChanged.parseFrom(record.value()).getNewStatus().name());
            } else {
                history.add(event.type());
            }
        }
        assertEquals(List.of(EnrollmentService.DEVICE_REGISTERED,
                "DEVICE_STATUS_OFFLINE", "DEVICE_STATUS_ACTIVE", "DEVICE_STATUS_OFFLINE", "DEVICE_STATUS_ACTIVE"),
                history);
        for (String enrolled : enrolledMeanwhile) {
            assertTrue(seen.stream().anyMatch(r -> enrolled.equals(r.key())), "registered event of " + enrolled);
        }
    }

    private HeartbeatResponse heartbeat(String deviceId, long sequence) {
        return registry.withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(deviceId)))
                .heartbeat(HeartbeatRequest.newBuilder().setDeviceId(deviceId).setSequence(sequence).build());
    }

    private void setLastSeen(UUID id, Instant lastSeen) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> devices.update("lastSeen = ?1 where id = ?2", lastSeen, id)));
    }
}
