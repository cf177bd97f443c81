package dev.asgard.testcontract;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Message;

import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.ReceivedEvent;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthGrpc;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.vertx.VertxContextSupport;

/**
 * What every Asgard service must prove against the real servers before it has any business logic: it
 * starts, readiness is UP with PostgreSQL and Kafka checked, gRPC health answers SERVING on the HTTP port,
 * metrics and OpenAPI are served, the admin API needs a Keycloak bearer token with an Asgard role, and an
 * event written through the transactional outbox reaches the service's Kafka topic, where a real consumer
 * reads it back with its CloudEvents headers.
 *
 * <p>A service test extends this class, is annotated {@code @QuarkusTest} with the PostgreSQL, Kafka and
 * OIDC test resources of test-support, and names its topic and a sample event.
 */
public abstract class ServiceFoundationContract {

    @Inject
    EventPublisher publisher;

    @ConfigProperty(name = "quarkus.application.name")
    String applicationName;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @TestHTTPResource("/")
    URL root;

    /** @return the full name of the service's gRPC API, such as {@code asgard.registry.v1.RegistryService} */
    protected abstract String grpcServiceName();

    /**
     * @return one unary RPC of the service's API that needs a device token (any: the check is that device
     *         authentication runs before the endpoint)
     */
    protected abstract io.grpc.MethodDescriptor<?, ?> protectedUnaryMethod();

    /** @return the Kafka topic this service's events go to, such as {@code asgard.registry.events} */
    protected abstract String topic();

    /** @return the {@code ce_type} of {@link #sampleEvent(String)} */
    protected abstract String sampleEventType();

    /** @return one of this service's event payloads about the given entity id */
    protected abstract Message sampleEvent(String entityId);

    @Test
    void readinessIsUpWithPostgresAndKafkaChecked() {
        given().when().get("/q/health/ready")
                .then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.find { it.name.contains('Reactive PostgreSQL') }.status", equalTo("UP"))
                .body("checks.find { it.name.contains('Kafka') }.status", equalTo("UP"));
    }

    @Test
    void livenessIsUp() {
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void grpcHealthServiceAnswersServingOnTheHttpPort() throws InterruptedException {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, grpcHealth(""));
    }

    @Test
    void grpcApiOfTheServiceIsBoundAndServing() throws InterruptedException {
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, grpcHealth(grpcServiceName()));
    }

    @Test
    void deviceRpcWithoutTokenIsUnauthenticated() throws InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(takesDeviceTokens(), "the gRPC API takes administrator tokens");
        io.grpc.StatusRuntimeException e = callProtected(null);
        assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
        assertEquals("DEVICE_TOKEN_MISSING", dev.asgard.commons.error.GrpcErrors.reason(e).orElse(null));
    }

    @Test
    void deviceRpcWithForeignOrExpiredTokenIsUnauthenticated() throws InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(takesDeviceTokens(), "the gRPC API takes administrator tokens");
        String device = "device-" + UUID.randomUUID();
        assertEquals("DEVICE_TOKEN_EXPIRED", dev.asgard.commons.error.GrpcErrors
                .reason(callProtected(DeviceTokens.expired(device))).orElse(null));
        assertEquals("DEVICE_TOKEN_INVALID", dev.asgard.commons.error.GrpcErrors
                .reason(callProtected(DeviceTokens.signedByUnknownKey(device))).orElse(null));
        assertEquals("DEVICE_TOKEN_WRONG_AUDIENCE", dev.asgard.commons.error.GrpcErrors
                .reason(callProtected(DeviceTokens.wrongAudience(device))).orElse(null));
        // An administrator's Keycloak token is not a device token.
        assertEquals(io.grpc.Status.Code.UNAUTHENTICATED, callProtected(TestTokens.admin()).getStatus().getCode());
    }

    /**
     * What {@link #protectedUnaryMethod()} answers an authenticated device that sends the default (empty) request:
     * UNIMPLEMENTED while the endpoint is the foundation's, later typically PERMISSION_DENIED (the empty request names
     * no device of the caller's) or INVALID_ARGUMENT. Anything but UNAUTHENTICATED proves authentication passed.
     *
     * @return the expected status code
     */
    /**
     * @return whether the service's gRPC API takes device tokens; a service whose API takes administrator tokens
     *         (backup-agent) says false, and the device-token checks below do not apply to it (it tests its own)
     */
    protected boolean takesDeviceTokens() {
        return true;
    }

    protected io.grpc.Status.Code authenticatedOutcome() {
        return io.grpc.Status.Code.UNIMPLEMENTED;
    }

    @Test
    void deviceRpcWithValidTokenPassesAuthentication() throws InterruptedException {
        org.junit.jupiter.api.Assumptions.assumeTrue(takesDeviceTokens(), "the gRPC API takes administrator tokens");
        assertEquals(authenticatedOutcome(),
                callProtected(DeviceTokens.forDevice("device-" + UUID.randomUUID())).getStatus().getCode());
    }

    @Test
    void revocationEventFromTheRegistryTopicRefusesOlderTokensWithinSeconds() throws Throwable {
        org.junit.jupiter.api.Assumptions.assumeTrue(takesDeviceTokens(), "the gRPC API takes administrator tokens");
        String device = "revoked-" + UUID.randomUUID();
        String token = DeviceTokens.forDevice(device);
        assertEquals(authenticatedOutcome(), callProtected(token).getStatus().getCode());

        java.time.Instant now = java.time.Instant.now();
        com.google.protobuf.Timestamp cutOff = com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(now.getEpochSecond() + 1).build();
        Message revoked = dev.asgard.proto.events.v1.DeviceCredentialsRevoked.newBuilder()
                .setDeviceId(device).setChangeTime(cutOff).setTokensInvalidBefore(cutOff).build();
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> publisher.publish(
                dev.asgard.commons.events.Topics.REGISTRY_EVENTS, device,
                "asgard.registry.device.credentials_revoked", device, revoked)));

        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String reason = null;
        while (System.nanoTime() < deadline) {
            reason = dev.asgard.commons.error.GrpcErrors.reason(callProtected(token)).orElse(null);
            if ("DEVICE_TOKEN_REVOKED".equals(reason)) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals("DEVICE_TOKEN_REVOKED", reason, "the revocation did not take effect within 15 s");
        // Another device is not affected.
        assertEquals(authenticatedOutcome(),
                callProtected(DeviceTokens.forDevice("other-" + UUID.randomUUID())).getStatus().getCode());
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private io.grpc.StatusRuntimeException callProtected(String token) throws InterruptedException {
        io.grpc.MethodDescriptor method = protectedUnaryMethod();
        Object request = ((io.grpc.MethodDescriptor.PrototypeMarshaller) method.getRequestMarshaller())
                .getMessagePrototype();
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        try {
            io.grpc.CallOptions options = io.grpc.CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
            if (token != null) {
                options = options.withCallCredentials(DeviceTokens.credentials(token));
            }
            io.grpc.stub.ClientCalls.blockingUnaryCall(channel, method, options, request);
            throw new AssertionError("the call succeeded; expected a failure status");
        } catch (io.grpc.StatusRuntimeException e) {
            return e;
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private HealthCheckResponse.ServingStatus grpcHealth(String service) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        try {
            return HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build())
                    .getStatus();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void prometheusMetricsAreServed() {
        given().when().get("/q/metrics")
                .then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("jvm_memory_used_bytes"));
    }

    @Test
    void openApiDocumentListsTheAboutEndpoint() {
        given().queryParam("format", "json").when().get("/q/openapi")
                .then().statusCode(200)
                .body("paths.'/api/v1/about'", notNullValue());
    }

    @Test
    void aboutWithoutTokenIsUnauthorized() {
        given().when().get("/api/v1/about").then().statusCode(401);
    }

    @Test
    void aboutWithExpiredTokenIsUnauthorized() {
        given().auth().oauth2(TestTokens.expired()).when().get("/api/v1/about").then().statusCode(401);
    }

    @Test
    void aboutWithTokenSignedByUnknownKeyIsUnauthorized() {
        given().auth().oauth2(TestTokens.signedByUnknownKey()).when().get("/api/v1/about").then().statusCode(401);
    }

    @Test
    void aboutWithTokenLackingAsgardRolesIsForbidden() {
        given().auth().oauth2(TestTokens.withRoles("offline_access")).when().get("/api/v1/about")
                .then().statusCode(403);
    }

    @Test
    void aboutAnswersViewers() {
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/about")
                .then().statusCode(200)
                .body("service", equalTo(applicationName))
                .body("version", notNullValue())
                .body("uptimeSeconds", notNullValue());
    }

    @Test
    void aboutAnswersAdmins() {
        given().auth().oauth2(TestTokens.admin()).when().get("/api/v1/about")
                .then().statusCode(200)
                .body("service", equalTo(applicationName));
    }

    @Test
    void eventWrittenThroughTheOutboxReachesTheTopicWithCloudEventsHeaders() throws Throwable {
        String entityId = "entity-" + UUID.randomUUID();
        Message payload = sampleEvent(entityId);

        UUID eventId = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> publisher.publish(topic(), entityId, sampleEventType(), entityId, payload)));

        ConsumerRecord<String, byte[]> record = awaitRecord(eventId);
        ReceivedEvent event = EventHeaders.read(record);
        assertEquals(entityId, record.key());
        assertEquals(eventId.toString(), event.id());
        assertEquals(sampleEventType(), event.type());
        assertEquals(applicationName, event.source());
        assertEquals(entityId, event.subject());
        assertNotNull(event.time());
        assertEquals(payload, payload.getParserForType().parseFrom(record.value()));
    }

    @Test
    void eventOfARolledBackTransactionNeverReachesTheTopic() throws Throwable {
        String entityId = "rolled-back-" + UUID.randomUUID();
        try {
            VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                    () -> publisher.publish(topic(), entityId, sampleEventType(), entityId, sampleEvent(entityId))
                            .chain(id -> io.smallrye.mutiny.Uni.createFrom()
                                    .failure(new IllegalStateException("change failed after the event was written")))));
        } catch (IllegalStateException expected) {
            // the change and its event roll back together
        }
        // A later event proves the relay ran past the point where the rolled-back one would be.
        String laterId = "later-" + UUID.randomUUID();
        UUID later = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(
                () -> publisher.publish(topic(), laterId, sampleEventType(), laterId, sampleEvent(laterId))));
        List<ConsumerRecord<String, byte[]>> seen = readUntil(later);
        assertEquals(0, seen.stream().filter(r -> entityId.equals(r.key())).count(),
                "an event of a rolled-back transaction was relayed");
    }

    private ConsumerRecord<String, byte[]> awaitRecord(UUID eventId) {
        List<ConsumerRecord<String, byte[]>> seen = readUntil(eventId);
        return seen.get(seen.size() - 1);
    }

    /** Reads the topic from the beginning until the event with this id arrives; returns all records read. */
    private List<ConsumerRecord<String, byte[]>> readUntil(UUID eventId) {
        return TopicReader.readUntil(bootstrapServers, topic(),
                record -> eventId.toString().equals(EventHeaders.read(record).id()), Duration.ofSeconds(60));
    }
}
