package dev.asgard.registry.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.auth.DeviceAuthReasons;
import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.registry.v1.Device;
import dev.asgard.proto.registry.v1.DeviceChangeType;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WatchDevicesRequest;
import dev.asgard.proto.registry.v1.WatchDevicesResponse;
import dev.asgard.registry.TestDevices;
import dev.asgard.testsupport.Await;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/**
 * A device revoked while its {@code WatchDevices} stream is open loses the stream within the 5 seconds:
 * the revocation travels as a registry event to the interceptor of commons, which closes the open call. Another
 * device's stream goes on. And a watch whose client goes away ends on the server too (commons'
 * {@code ClientCancelInterceptor}).
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class OpenStreamRevocationTest {

    /** How and when a watch ended; {@code failure} is null when it completed. */
    private record Ended(Throwable failure, Instant at) {
    }

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private RegistryServiceGrpc.RegistryServiceBlockingStub registry;
    private final List<Context.CancellableContext> watches = new ArrayList<>();

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        registry = RegistryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        watches.forEach(w -> w.cancel(null));
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void revokingADeviceEndsItsOpenWatchWithinFiveSecondsAndSparesTheOthers() throws Exception {
        String network = "net-" + UUID.randomUUID().toString().substring(0, 8);
        Device stolen = enroll(network);
        Device kept = enroll(network);
        BlockingQueue<Object> stolenWatch = watch(stolen);
        BlockingQueue<Object> keptWatch = watch(kept);
        awaitInitialState(stolenWatch);
        awaitInitialState(keptWatch);

        Instant revokedAt = Instant.now();
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "laptop stolen"))
                .when().post("/api/v1/devices/" + stolen.getDeviceId() + "/credentials/revoke")
                .then().statusCode(200);

        Await.until(() -> stolenWatch.stream().anyMatch(e -> e instanceof Ended),
                Duration.ofSeconds(5), Duration.ofMillis(50));
        Ended end = stolenWatch.stream().filter(Ended.class::isInstance).map(Ended.class::cast).findFirst()
                .orElseThrow();
        System.out.printf("revocation: open WatchDevices stream ended %d ms after the revocation request%n",
                Duration.between(revokedAt, end.at()).toMillis());
        StatusRuntimeException cut = assertInstanceOf(StatusRuntimeException.class, end.failure());
        assertEquals(Status.Code.UNAUTHENTICATED, cut.getStatus().getCode());
        assertEquals(DeviceAuthReasons.REVOKED, GrpcErrors.reason(cut).orElseThrow());
        assertTrue(cut.getStatus().getDescription().contains("during this call"), cut.getStatus().getDescription());

        // The other device's watch goes on: it reports a change made after the revocation.
        Device later = enroll(network);
        Object next;
        do {
            next = keptWatch.poll(30, TimeUnit.SECONDS);
            assertInstanceOf(WatchDevicesResponse.class, next, "the other watch must go on, got " + next);
        } while (!((WatchDevicesResponse) next).getDevice().getDeviceId().equals(later.getDeviceId()));
        assertEquals(DeviceChangeType.DEVICE_CHANGE_TYPE_REGISTERED, ((WatchDevicesResponse) next).getChangeType());
    }

    @Test
    void aWatchWhoseClientCancelsEndsOnTheServerToo() throws Exception {
        String network = "net-" + UUID.randomUUID().toString().substring(0, 8);
        Device watcher = enroll(network);
        double before = openWatches();
        BlockingQueue<Object> watch = watch(watcher);
        awaitInitialState(watch);
        Await.until(() -> openWatches() == before + 1, Duration.ofSeconds(5), Duration.ofMillis(50));

        // The client goes away (an HTTP/2 stream reset): the server cancels the watch, its call is no longer open.
        watches.get(watches.size() - 1).cancel(null);
        Await.until(() -> openWatches() == before, Duration.ofSeconds(5), Duration.ofMillis(50));
    }

    /** @return the open WatchDevices calls of the registry, from its Prometheus metrics */
    private static double openWatches() {
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines()
                .filter(l -> l.startsWith("asgard_grpc_server_calls_open{")
                        && l.contains("method=\"" + RegistryServiceGrpc.getWatchDevicesMethod().getFullMethodName() + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    private BlockingQueue<Object> watch(Device as) {
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        Context.CancellableContext context = Context.current().withCancellation();
        watches.add(context);
        context.run(() -> RegistryServiceGrpc.newStub(channel)
                .withCallCredentials(DeviceTokens.credentials(
                        DeviceTokens.forDevice(as.getDeviceId(), as.getNetworkIdsList(), Map.of())))
                .watchDevices(WatchDevicesRequest.newBuilder().setSendInitialState(true).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(WatchDevicesResponse value) {
                        queue.add(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        queue.add(new Ended(t, Instant.now()));
                    }

                    @Override
                    public void onCompleted() {
                        queue.add(new Ended(null, Instant.now()));
                    }
                }));
        return queue;
    }

    private static void awaitInitialState(BlockingQueue<Object> watch) throws InterruptedException {
        Object next;
        do {
            next = watch.poll(30, TimeUnit.SECONDS);
            assertInstanceOf(WatchDevicesResponse.class, next, "expected the initial state, got " + next);
        } while (((WatchDevicesResponse) next).getChangeType()
                != DeviceChangeType.DEVICE_CHANGE_TYPE_INITIAL_STATE_COMPLETE);
    }

    private Device enroll(String network) {
        String token = TestDevices.joinToken(Map.of("networks", List.of(network)));
        return registry.enroll(TestDevices.request(token, TestDevices.newName(), TestDevices.newFingerprint()).build())
                .getDevice();
    }
}
