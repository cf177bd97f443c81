package dev.asgard.registry.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
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

import dev.asgard.proto.common.v1.LabelSelector;
import dev.asgard.proto.registry.v1.Device;
import dev.asgard.proto.registry.v1.DeviceChangeType;
import dev.asgard.proto.registry.v1.DeviceFilter;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WatchDevicesRequest;
import dev.asgard.proto.registry.v1.WatchDevicesResponse;
import dev.asgard.registry.TestDevices;
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
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class WatchDevicesGrpcTest {

    private static final Object END = new Object();

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
    void aWatchStartsWithTheCurrentStateThenReportsChangesInItsScopeOnly() throws Exception {
        String network = network();
        Device watcher = enroll(network, Map.of());
        Device before = enroll(network, Map.of());
        BlockingQueue<Object> stream = watch(watcher, WatchDevicesRequest.newBuilder().setSendInitialState(true).build());

        List<String> initial = new ArrayList<>();
        WatchDevicesResponse next;
        while ((next = take(stream)).getChangeType() == DeviceChangeType.DEVICE_CHANGE_TYPE_INITIAL) {
            initial.add(next.getDevice().getDeviceId());
        }
        assertEquals(DeviceChangeType.DEVICE_CHANGE_TYPE_INITIAL_STATE_COMPLETE, next.getChangeType());
        assertEquals(List.of(watcher.getDeviceId(), before.getDeviceId()).stream().sorted().toList(),
                initial.stream().sorted().toList());

        enroll(network(), Map.of()); // another network: never reported
        Device later = enroll(network, Map.of());
        WatchDevicesResponse registered = take(stream);
        assertEquals(DeviceChangeType.DEVICE_CHANGE_TYPE_REGISTERED, registered.getChangeType());
        assertEquals(later.getDeviceId(), registered.getDevice().getDeviceId());

        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("labels", Map.of("zone", "attic")))
                .when().patch("/api/v1/devices/" + before.getDeviceId()).then().statusCode(200);
        WatchDevicesResponse updated = take(stream);
        assertEquals(DeviceChangeType.DEVICE_CHANGE_TYPE_UPDATED, updated.getChangeType());
        assertEquals("attic", updated.getDevice().getLabelsMap().get("zone"));
        assertNotNull(updated.getChangeTime());
    }

    @Test
    void aDeviceLeavingTheFilterIsReportedRemovedAndOneEnteringItRegistered() throws Exception {
        String network = network();
        Device watcher = enroll(network, Map.of());
        Device attic = enroll(network, Map.of("zone", "attic"));
        BlockingQueue<Object> stream = watch(watcher, WatchDevicesRequest.newBuilder().setSendInitialState(true)
                .setFilter(DeviceFilter.newBuilder().setLabelSelector(LabelSelector.newBuilder().putMatchLabels("zone", "attic")))
                .build());
        assertEquals(attic.getDeviceId(), take(stream).getDevice().getDeviceId());
        assertEquals(DeviceChangeType.DEVICE_CHANGE_TYPE_INITIAL_STATE_COMPLETE, take(stream).getChangeType());

        patchLabels(attic, Map.of("zone", "cellar"));
        WatchDevicesResponse left = take(stream);
        assertEquals(DeviceChangeType.DEVICE_CHANGE_TYPE_REMOVED, left.getChangeType());
        assertEquals(attic.getDeviceId(), left.getDevice().getDeviceId());

        patchLabels(watcher, Map.of("zone", "attic"));
        WatchDevicesResponse entered = take(stream);
        assertEquals(DeviceChangeType.DEVICE_CHANGE_TYPE_REGISTERED, entered.getChangeType());
        assertEquals(watcher.getDeviceId(), entered.getDevice().getDeviceId());
    }

    @Test
    void watchingNeedsADeviceTokenAndAMembershipForANetworkFilter() throws Exception {
        Device watcher = enroll(network(), Map.of());
        BlockingQueue<Object> foreign = watch(watcher, WatchDevicesRequest.newBuilder()
                .setFilter(DeviceFilter.newBuilder().setNetworkId(network())).build());
        Object failure = foreign.poll(30, TimeUnit.SECONDS);
        assertTrue(failure instanceof Throwable, String.valueOf(failure));
        assertEquals(Status.Code.PERMISSION_DENIED, Status.fromThrowable((Throwable) failure).getCode());

        BlockingQueue<Object> anonymous = new LinkedBlockingQueue<>();
        RegistryServiceGrpc.newStub(channel).watchDevices(WatchDevicesRequest.getDefaultInstance(), observer(anonymous));
        Object refused = anonymous.poll(30, TimeUnit.SECONDS);
        assertTrue(refused instanceof Throwable, String.valueOf(refused));
        assertEquals(Status.Code.UNAUTHENTICATED, Status.fromThrowable((Throwable) refused).getCode());
    }

    private BlockingQueue<Object> watch(Device as, WatchDevicesRequest request) {
        BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
        Context.CancellableContext context = Context.current().withCancellation();
        watches.add(context);
        context.run(() -> RegistryServiceGrpc.newStub(channel)
                .withCallCredentials(DeviceTokens.credentials(
                        DeviceTokens.forDevice(as.getDeviceId(), as.getNetworkIdsList(), Map.of())))
                .watchDevices(request, observer(queue)));
        return queue;
    }

    private static StreamObserver<WatchDevicesResponse> observer(BlockingQueue<Object> queue) {
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchDevicesResponse value) {
                queue.add(value);
            }

            @Override
            public void onError(Throwable t) {
                queue.add(t);
            }

            @Override
            public void onCompleted() {
                queue.add(END);
            }
        };
    }

    private static WatchDevicesResponse take(BlockingQueue<Object> stream) throws InterruptedException {
        Object next = stream.poll(30, TimeUnit.SECONDS);
        if (next instanceof WatchDevicesResponse response) {
            return response;
        }
        throw new AssertionError("expected a change, got " + next);
    }

    private static void patchLabels(Device device, Map<String, String> labels) {
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("labels", labels))
                .when().patch("/api/v1/devices/" + device.getDeviceId()).then().statusCode(200);
    }

    private Device enroll(String network, Map<String, String> labels) {
        String token = TestDevices.joinToken(Map.of("networks", List.of(network)));
        return registry.enroll(TestDevices.request(token, TestDevices.newName(), TestDevices.newFingerprint())
                .putAllLabels(labels).build()).getDevice();
    }

    private static String network() {
        return "net-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
