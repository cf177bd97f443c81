package dev.asgard.registry.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.nio.charset.StandardCharsets;
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

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceCredentialsRotated;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.RotateCredentialRequest;
import dev.asgard.proto.registry.v1.RotateCredentialResponse;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.keys.SigningKeysResource;
import dev.asgard.registry.repository.DeviceCredentialRepository;
import dev.asgard.registry.service.CredentialRotationService;
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
@QuarkusTestResource(value = SigningKeysResource.class, restrictToAnnotatedClass = false)
class RotateCredentialGrpcTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

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
    void withAGraceBothCredentialsWorkUntilItEndsAndTheEventCarriesNoSecret() throws Throwable {
        EnrollResponse enrolled = TestDevices.enrollNew(registry, Map.of());
        String deviceId = enrolled.getDevice().getDeviceId();
        Instant before = Instant.now();
        RotateCredentialResponse rotated = rotate(deviceId, deviceId, grace(Duration.ofMinutes(5)));

        assertNotEquals(enrolled.getDeviceCredential(), rotated.getDeviceCredential());
        long expires = rotated.getPreviousCredentialExpireTime().getSeconds();
        assertTrue(expires >= before.plusSeconds(299).getEpochSecond() && expires <= Instant.now().plusSeconds(301)
                .getEpochSecond(), "previous credential expires in 5 minutes");
        exchange(deviceId, enrolled.getDeviceCredential());
        exchange(deviceId, rotated.getDeviceCredential());

        // Once the grace period is over the previous credential is refused like any wrong one.
        UUID previous = UUID.fromString(enrolled.getCredentialId());
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> credentials.update(
                "expiresAt = ?1 where id = ?2", Instant.now().minusSeconds(1), previous)));
        assertEquals("DEVICE_CREDENTIAL_INVALID", refused(deviceId, enrolled.getDeviceCredential()));
        exchange(deviceId, rotated.getDeviceCredential());

        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.REGISTRY_EVENTS,
                r -> deviceId.equals(r.key())
                        && CredentialRotationService.CREDENTIALS_ROTATED.equals(EventHeaders.read(r).type()),
                Duration.ofSeconds(60));
        ConsumerRecord<String, byte[]> record = seen.get(seen.size() - 1);
        DeviceCredentialsRotated event = DeviceCredentialsRotated.parseFrom(record.value());
        assertEquals(rotated.getCredentialId(), event.getCredentialId());
        assertEquals(enrolled.getCredentialId(), event.getPreviousCredentialId());
        assertEquals(expires, event.getPreviousCredentialExpireTime().getSeconds());
        assertEquals("device:" + deviceId, event.getRotatedBy());
        String secret = rotated.getDeviceCredential().substring(rotated.getDeviceCredential().lastIndexOf('.') + 1);
        assertFalse(new String(record.value(), StandardCharsets.ISO_8859_1).contains(secret));
    }

    @Test
    void withoutGraceThePreviousCredentialStopsAtOnceAndTooLongAGraceIsCapped() {
        EnrollResponse enrolled = TestDevices.enrollNew(registry, Map.of());
        String deviceId = enrolled.getDevice().getDeviceId();
        RotateCredentialResponse rotated = rotate(deviceId, deviceId, RotateCredentialRequest.newBuilder());
        assertEquals("DEVICE_CREDENTIAL_INVALID", refused(deviceId, enrolled.getDeviceCredential()));
        exchange(deviceId, rotated.getDeviceCredential());

        RotateCredentialResponse capped = rotate(deviceId, deviceId, grace(Duration.ofDays(2)));
        long expires = capped.getPreviousCredentialExpireTime().getSeconds();
        assertTrue(expires <= Instant.now().plus(Duration.ofHours(1)).getEpochSecond() + 1, "capped at one hour");
        assertTrue(expires >= Instant.now().plus(Duration.ofMinutes(59)).getEpochSecond(), "capped at one hour");
        exchange(deviceId, rotated.getDeviceCredential());
        exchange(deviceId, capped.getDeviceCredential());
    }

    @Test
    void aDeviceRotatesOnlyItsOwnCredentialAndBadGraceChangesNothing() throws Throwable {
        EnrollResponse mine = TestDevices.enrollNew(registry, Map.of());
        String deviceId = mine.getDevice().getDeviceId();
        String other = TestDevices.enrollNew(registry, Map.of()).getDevice().getDeviceId();

        StatusRuntimeException foreign = assertThrows(StatusRuntimeException.class,
                () -> rotate(deviceId, other, RotateCredentialRequest.newBuilder()));
        assertEquals(Status.Code.PERMISSION_DENIED, foreign.getStatus().getCode());
        assertEquals("DEVICE_ACTS_ONLY_FOR_ITSELF", GrpcErrors.reason(foreign).orElseThrow());

        StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class, () -> registry.rotateCredential(
                RotateCredentialRequest.newBuilder().setDeviceId(deviceId).build()));
        assertEquals("DEVICE_TOKEN_MISSING", GrpcErrors.reason(anonymous).orElseThrow());

        StatusRuntimeException negative = assertThrows(StatusRuntimeException.class, () -> rotate(deviceId, deviceId,
                RotateCredentialRequest.newBuilder().setPreviousCredentialGrace(
                        com.google.protobuf.Duration.newBuilder().setSeconds(-5))));
        assertEquals(Status.Code.INVALID_ARGUMENT, negative.getStatus().getCode());
        assertEquals("INVALID_GRACE_PERIOD", GrpcErrors.reason(negative).orElseThrow());

        long stored = VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(
                () -> credentials.count("deviceId", UUID.fromString(deviceId))));
        assertEquals(1, stored, "refused rotations store nothing");
        exchange(deviceId, mine.getDeviceCredential());
    }

    private RotateCredentialResponse rotate(String asDevice, String forDevice, RotateCredentialRequest.Builder request) {
        return registry.withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(asDevice)))
                .rotateCredential(request.setDeviceId(forDevice).build());
    }

    private static RotateCredentialRequest.Builder grace(Duration grace) {
        return RotateCredentialRequest.newBuilder().setPreviousCredentialGrace(
                com.google.protobuf.Duration.newBuilder().setSeconds(grace.toSeconds()));
    }

    private void exchange(String deviceId, String credential) {
        registry.exchangeCredential(ExchangeCredentialRequest.newBuilder().setDeviceId(deviceId)
                .setDeviceCredential(credential).build());
    }

    private String refused(String deviceId, String credential) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> exchange(deviceId, credential));
        return GrpcErrors.reason(e).orElseThrow();
    }
}
