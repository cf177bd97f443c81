package dev.asgard.registry.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.entity.Device;
import dev.asgard.registry.entity.DeviceStatusTransition;
import dev.asgard.registry.repository.DeviceRepository;
import dev.asgard.registry.repository.DeviceStatusTransitionRepository;
import dev.asgard.testsupport.DeviceAuthResource;
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
 * The sweeper against the real database. The scheduled job runs too (on the leader, every 5 s), so the
 * assertions are about the resulting state and the recorded transitions, which must be the same whoever
 * ran the pass: every transition exactly once.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class StatusSweeperTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    StatusSweeper sweeper;

    @Inject
    DeviceRepository devices;

    @Inject
    DeviceStatusTransitionRepository transitions;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void silentDevicesGoInactiveThenOfflineEachTransitionOnce() throws Throwable {
        UUID id = enroll(Map.of());
        Instant now = Instant.now();

        setLastSeen(id, now.minusSeconds(3 * 30));
        sweep(now);
        sweep(now);
        assertEquals(Device.Status.INACTIVE, device(id).status);
        assertEquals(List.of("ACTIVE->INACTIVE"), transitions(id));

        setLastSeen(id, now.minusSeconds(6 * 30));
        sweep(now);
        sweep(now);
        assertEquals(Device.Status.OFFLINE, device(id).status);
        assertEquals(List.of("ACTIVE->INACTIVE", "INACTIVE->OFFLINE"), transitions(id));
    }

    @Test
    void aLongSilentActiveDeviceGoesStraightToOffline() throws Throwable {
        UUID id = enroll(Map.of());
        Instant now = Instant.now();
        setLastSeen(id, now.minusSeconds(10 * 30));
        sweep(now);
        assertEquals(Device.Status.OFFLINE, device(id).status);
        assertEquals(List.of("ACTIVE->OFFLINE"), transitions(id));
    }

    @Test
    void pendingAndRecentlySeenDevicesAreLeftAlone() throws Throwable {
        UUID pending = enroll(Map.of("requiresApproval", true));
        UUID recent = enroll(Map.of());
        Instant now = Instant.now();
        setLastSeen(pending, now.minusSeconds(10 * 30));
        setLastSeen(recent, now.minusSeconds(30));
        sweep(now);
        assertEquals(Device.Status.PENDING, device(pending).status);
        assertEquals(Device.Status.ACTIVE, device(recent).status);
        assertEquals(List.of(), transitions(recent));
    }

    @Test
    void aDeviceWithItsOwnThresholdsIsJudgedByThemOthersByTheGlobalOnes() throws Throwable {
        UUID own = enroll(Map.of());
        UUID partial = enroll(Map.of());
        UUID global = enroll(Map.of());
        // own: 10 s interval, inactive after 1, offline after 6 missed; partial: only offline after 8 (30 s each).
        // The margins are wide because the scheduled sweep runs too, at the real time.
        setThresholds(own, 10, 1, 6);
        setThresholds(partial, null, null, 8);
        Instant now = Instant.now();

        setLastSeen(own, now.minusSeconds(15));
        setLastSeen(partial, now.minusSeconds(6 * 30));
        setLastSeen(global, now.minusSeconds(15));
        sweep(now);
        assertEquals(Device.Status.INACTIVE, device(own).status);
        // 6 intervals: beyond the global inactive (2), before its own offline (8).
        assertEquals(Device.Status.INACTIVE, device(partial).status);
        assertEquals(Device.Status.ACTIVE, device(global).status);

        setLastSeen(own, now.minusSeconds(65));
        setLastSeen(partial, now.minusSeconds(9 * 30));
        sweep(now);
        sweep(now);
        assertEquals(Device.Status.OFFLINE, device(own).status);
        assertEquals(List.of("ACTIVE->INACTIVE", "INACTIVE->OFFLINE"), transitions(own));
        assertEquals(Device.Status.OFFLINE, device(partial).status);
        assertEquals(List.of("ACTIVE->INACTIVE", "INACTIVE->OFFLINE"), transitions(partial));
        assertEquals(List.of(), transitions(global));
    }

    private void setThresholds(UUID id, Integer intervalSeconds, Integer inactive, Integer offline) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> devices.update(
                "heartbeatIntervalSeconds = ?1, inactiveAfterMissed = ?2, offlineAfterMissed = ?3 where id = ?4",
                intervalSeconds, inactive, offline, id)));
    }

    private void sweep(Instant now) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> sweeper.sweep(now));
    }

    private void setLastSeen(UUID id, Instant lastSeen) throws Throwable {
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> devices.update("lastSeen = ?1 where id = ?2", lastSeen, id)));
    }

    private Device device(UUID id) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> devices.findById(id)));
    }

    private List<String> transitions(UUID id) throws Throwable {
        List<DeviceStatusTransition> rows = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> transitions.list("deviceId = ?1 order by id", id)));
        return rows.stream().map(t -> t.oldStatus + "->" + t.newStatus).toList();
    }

    private UUID enroll(Map<String, Object> tokenOptions) {
        return UUID.fromString(TestDevices.enrollNew(
                RegistryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS), tokenOptions)
                .getDevice().getDeviceId());
    }
}
