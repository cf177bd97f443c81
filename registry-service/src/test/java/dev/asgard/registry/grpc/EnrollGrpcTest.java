package dev.asgard.registry.grpc;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceRegistered;
import dev.asgard.proto.registry.v1.Capability;
import dev.asgard.proto.registry.v1.DeviceStatus;
import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import static dev.asgard.registry.TestDevices.joinToken;
import static dev.asgard.registry.TestDevices.newFingerprint;
import static dev.asgard.registry.TestDevices.newName;
import static dev.asgard.registry.TestDevices.request;

import dev.asgard.registry.entity.DeviceCredential;
import dev.asgard.registry.repository.DeviceCredentialRepository;
import dev.asgard.registry.repository.DeviceRepository;
import dev.asgard.registry.service.EnrollmentService;
import dev.asgard.testsupport.DeviceAuthResource;
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
class EnrollGrpcTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

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
    void enrolmentCreatesAnActiveDeviceWithTheTokensNetworksAndLabelsAndACredential() {
        String token = joinToken(Map.of("networks", List.of("lab"), "labels", Map.of("site", "home")));
        EnrollResponse response = registry.enroll(request(token, newName(), newFingerprint())
                .putLabels("rack", "3")
                .addCapabilities(Capability.newBuilder().setName("backup.restic").setVersion("0.14.0"))
                .build());

        assertEquals(DeviceStatus.DEVICE_STATUS_ACTIVE, response.getDevice().getStatus());
        assertEquals(List.of("lab"), response.getDevice().getNetworkIdsList());
        assertEquals(Map.of("rack", "3", "site", "home"), response.getDevice().getLabelsMap());
        assertEquals("backup.restic", response.getDevice().getCapabilities(0).getName());
        assertThat(response.getDeviceCredential(), startsWith("adc1." + response.getCredentialId() + "."));
        assertFalse(response.getReEnrolled());
        assertEquals(30, response.getHeartbeatInterval().getSeconds());
        DeviceCredential stored = credential(UUID.fromString(response.getCredentialId()));
        assertThat(stored.secretHash, startsWith("$argon2id$"));
        assertFalse(stored.secretHash.contains(response.getDeviceCredential().substring(42)));
    }

    @Test
    void enrolmentPublishesDeviceRegisteredWithoutSecrets() throws Exception {
        EnrollResponse response = registry.enroll(request(joinToken(Map.of()), newName(), newFingerprint()).build());
        String deviceId = response.getDevice().getDeviceId();

        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.REGISTRY_EVENTS,
                r -> deviceId.equals(r.key())
                        && EnrollmentService.DEVICE_REGISTERED.equals(EventHeaders.read(r).type()),
                Duration.ofSeconds(60));
        ConsumerRecord<String, byte[]> record = seen.get(seen.size() - 1);
        DeviceRegistered event = DeviceRegistered.parseFrom(record.value());
        assertEquals(deviceId, event.getDeviceId());
        assertEquals(response.getDevice(), event.getDevice());
        assertFalse(new String(record.value(), java.nio.charset.StandardCharsets.ISO_8859_1)
                .contains(response.getDeviceCredential().substring(42)), "the credential leaked into the event");
    }

    @Test
    void theSameMachineEnrollingAgainKeepsItsIdAndGetsANewCredential() {
        String token = joinToken(Map.of());
        String fingerprint = newFingerprint();
        EnrollResponse first = registry.enroll(request(token, newName(), fingerprint).build());
        EnrollResponse second = registry.enroll(request(token, first.getDevice().getName(), fingerprint)
                .setAgentVersion("2.0.0").build());

        assertEquals(first.getDevice().getDeviceId(), second.getDevice().getDeviceId());
        assertTrue(second.getReEnrolled());
        assertNotEquals(first.getCredentialId(), second.getCredentialId());
        assertEquals("2.0.0", second.getDevice().getAgentVersion());
        assertTrue(credential(UUID.fromString(first.getCredentialId())).revokedAt != null,
                "the previous credential must be revoked");
        assertTrue(credential(UUID.fromString(second.getCredentialId())).revokedAt == null);
    }

    @Test
    void aNameTakenByAnotherMachineIsAConflictWithAHint() {
        String token = joinToken(Map.of());
        String name = newName();
        registry.enroll(request(token, name, newFingerprint()).build());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> registry.enroll(request(token, name, newFingerprint()).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode());
        assertEquals("DEVICE_NAME_TAKEN", GrpcErrors.reason(e).orElseThrow());
    }

    @Test
    void approvalTokensEnrolPendingDevices() {
        String token = joinToken(Map.of("requiresApproval", true));
        assertEquals(DeviceStatus.DEVICE_STATUS_PENDING,
                registry.enroll(request(token, newName(), newFingerprint()).build()).getDevice().getStatus());
    }

    @Test
    void badInputIsRefusedWithFieldViolationsAndChangesNothing() throws Throwable {
        String token = joinToken(Map.of("usageLimit", 1));
        long before = deviceCount();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> registry.enroll(
                EnrollRequest.newBuilder().setJoinToken(token).setName("Not A DNS Name!")
                        .setFingerprint("short")
                        .addCapabilities(Capability.newBuilder().setName("nodot").setVersion("one"))
                        .putLabels("-bad", "x")
                        .setMetadata(Struct.newBuilder().putFields("blob",
                                Value.newBuilder().setStringValue("x".repeat(20_000)).build()))
                        .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        List<String> fields = GrpcErrors.badRequest(e).orElseThrow().getFieldViolationsList().stream()
                .map(v -> v.getField()).toList();
        assertThat(fields, hasItems("name", "world_type", "fingerprint", "metadata", "capabilities[0].name",
                "capabilities[0].version", "labels.-bad"));
        assertEquals(before, deviceCount());
        // The token's single use was not spent by the refused request.
        registry.enroll(request(token, newName(), newFingerprint()).build());
    }

    @Test
    void aWrongJoinTokenIsUnauthenticated() {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> registry.enroll(request("ajt1." + UUID.randomUUID() + ".nope", newName(), newFingerprint()).build()));
        assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        assertEquals("JOIN_TOKEN_INVALID", GrpcErrors.reason(e).orElseThrow());
    }

    @Test
    void aFailedEnrolmentGivesTheTokenUseBack() {
        String token = joinToken(Map.of("usageLimit", 1));
        String name = newName();
        registry.enroll(request(joinToken(Map.of()), name, newFingerprint()).build());
        assertThrows(StatusRuntimeException.class, () -> registry.enroll(request(token, name, newFingerprint()).build()));
        // The conflict rolled the use back, so the single use is still there.
        registry.enroll(request(token, newName(), newFingerprint()).build());
    }

    private DeviceCredential credential(UUID id) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> credentials.findById(id)));
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    private long deviceCount() throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> devices.count()));
    }
}
