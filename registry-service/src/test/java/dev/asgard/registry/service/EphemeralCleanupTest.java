package dev.asgard.registry.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
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

import dev.asgard.commons.auth.DeviceAuthReasons;
import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceRemovalReason;
import dev.asgard.proto.events.v1.DeviceRemoved;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.HeartbeatRequest;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.repository.DeviceCredentialRepository;
import dev.asgard.registry.repository.DeviceRepository;
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

/**
 * Ephemeral devices against the real database and Kafka: offline beyond the grace period → removed once, with its
 * credentials, its tokens and its machine's re-enrolment refused; other devices untouched. The passes run with
 * explicit times; the scheduled job (real time) may run too and must not change the outcome.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class EphemeralCleanupTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Inject
    StatusSweeper sweeper;

    @Inject
    EphemeralCleanup cleanup;

    @Inject
    DeviceRepository devices;

    @Inject
    DeviceCredentialRepository credentials;

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
    void anEphemeralDeviceOfflineBeyondItsGraceIsRemovedOnceOthersStay() throws Throwable {
        String fingerprint = TestDevices.newFingerprint();
        String name = TestDevices.newName();
        EnrollResponse enrolled = registry.enroll(TestDevices.request(
                TestDevices.joinToken(Map.of("ephemeral", true, "ephemeralGracePeriod", "1m")), name, fingerprint)
                .build());
        String ephemeralId = enrolled.getDevice().getDeviceId();
        UUID ephemeral = UUID.fromString(ephemeralId);
        UUID lasting = UUID.fromString(TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId());
        String tokenBefore = DeviceTokens.forDevice(ephemeralId);
        registry.withCallCredentials(DeviceTokens.credentials(tokenBefore))
                .heartbeat(HeartbeatRequest.newBuilder().setDeviceId(ephemeralId).setSequence(1).build());

        // Both go silent and the sweeper takes them offline.
        Instant now = Instant.now();
        setLastSeen(ephemeral, now.minus(Duration.ofMinutes(10)));
        setLastSeen(lasting, now.minus(Duration.ofMinutes(10)));
        sweep(now);
        assertEquals(Device.Status.OFFLINE, device(ephemeral).status);
        assertEquals(Device.Status.OFFLINE, device(lasting).status);
        Instant offlineSince = device(ephemeral).statusChangedAt;

        // Within the grace period nothing happens.
        cleanUp(offlineSince.plusSeconds(30));
        assertNull(device(ephemeral).removedAt);

        // Beyond it the ephemeral device is removed, once, however many passes run; the other one stays.
        Instant expired = offlineSince.plusSeconds(61);
        cleanUp(expired);
        cleanUp(expired.plusSeconds(5));
        Device removed = device(ephemeral);
        assertNotNull(removed.removedAt);
        assertNull(device(lasting).removedAt);
        assertEquals(Device.Status.OFFLINE, device(lasting).status);
        long usable = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> credentials.count("deviceId = ?1 and revokedAt is null", ephemeral)));
        assertEquals(0, usable);
        long lastingUsable = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> credentials.count("deviceId = ?1 and revokedAt is null", lasting)));
        assertEquals(1, lastingUsable);

        // Exactly one device.removed: every event written before the marker's is relayed before it.
        String marker = TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId();
        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.REGISTRY_EVENTS,
                r -> marker.equals(r.key()), Duration.ofSeconds(60));
        List<ConsumerRecord<String, byte[]>> removals = seen.stream()
                .filter(r -> ephemeralId.equals(r.key())
                        && DeviceRemoval.DEVICE_REMOVED.equals(EventHeaders.read(r).type()))
                .toList();
        assertEquals(1, removals.size());
        DeviceRemoved event = DeviceRemoved.parseFrom(removals.get(0).value());
        assertEquals(DeviceRemovalReason.DEVICE_REMOVAL_REASON_EPHEMERAL_EXPIRED, event.getReason());
        assertEquals("system", event.getRemovedBy());
        assertEquals(name, event.getName());
        assertEquals(0, seen.stream().filter(r -> lasting.toString().equals(r.key())
                && DeviceRemoval.DEVICE_REMOVED.equals(EventHeaders.read(r).type())).count());

        // The machine cannot come back under a new token.
        StatusRuntimeException again = assertThrows(StatusRuntimeException.class, () -> registry.enroll(
                TestDevices.request(TestDevices.joinToken(Map.of()), TestDevices.newName(), fingerprint).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, again.getStatus().getCode());
        assertEquals("DEVICE_REMOVED", GrpcErrors.reason(again).orElseThrow());

        // Its token issued before the removal is refused once the event reached the verifier (within seconds).
        String reason = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline && !DeviceAuthReasons.REVOKED.equals(reason)) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> registry
                    .withCallCredentials(DeviceTokens.credentials(tokenBefore))
                    .heartbeat(HeartbeatRequest.newBuilder().setDeviceId(ephemeralId).setSequence(2).build()));
            reason = GrpcErrors.reason(refused).orElseThrow();
            if (!DeviceAuthReasons.REVOKED.equals(reason)) {
                // Until then the registry itself refuses the removed device.
                assertEquals("DEVICE_REMOVED", reason);
                Thread.sleep(200);
            }
        }
        assertEquals(DeviceAuthReasons.REVOKED, reason);
    }

    private void sweep(Instant now) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> sweeper.sweep(now));
    }

    private void cleanUp(Instant now) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> cleanup.cleanUp(now));
    }

    private void setLastSeen(UUID id, Instant lastSeen) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> devices.update("lastSeen = ?1 where id = ?2", lastSeen, id)));
    }

    private Device device(UUID id) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> devices.findById(id)));
    }
}
