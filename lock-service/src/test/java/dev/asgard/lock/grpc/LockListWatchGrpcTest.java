package dev.asgard.lock.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

import com.google.protobuf.Duration;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.LockEventType;
import dev.asgard.proto.lock.v1.LockInfo;
import dev.asgard.proto.lock.v1.LockServiceGrpc;
import dev.asgard.proto.lock.v1.ListLocksRequest;
import dev.asgard.proto.lock.v1.ListLocksResponse;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import dev.asgard.proto.lock.v1.TryAcquireRequest;
import dev.asgard.proto.lock.v1.WatchRequest;
import dev.asgard.proto.lock.v1.WatchResponse;
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

/** ListLocks and Watch over a real gRPC channel, against real PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class LockListWatchGrpcTest {

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private final List<Context.CancellableContext> open = new ArrayList<>();
    private final List<LockClient.Stream> streams = new ArrayList<>();

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        open.forEach(c -> c.cancel(null));
        streams.forEach(LockClient.Stream::cancel);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void listLocksFiltersByPrefixAndHolderAndPagesInNameOrder() {
        String prefix = "list-" + UUID.randomUUID() + "/";
        LockClient a = new LockClient(channel);
        LockClient b = new LockClient(channel);
        for (String n : List.of("c", "a", "b")) {
            assertTrue(take(a, prefix + n).getGranted());
        }
        assertTrue(take(b, prefix + "d").getGranted());
        long freeToken = take(a, prefix + "e").getGrant().getFencingToken();
        a.blocking().release(ReleaseRequest.newBuilder().setName(prefix + "e").setSessionId("s").setFencingToken(freeToken).build());
        assertTrue(take(a, "other-" + UUID.randomUUID()).getGranted());

        ListLocksResponse first = a.blocking().listLocks(ListLocksRequest.newBuilder().setPrefix(prefix).setPageSize(2).build());
        assertEquals(List.of(prefix + "a", prefix + "b"), names(first));
        assertEquals(a.deviceId, first.getLocks(0).getHolders(0).getOwner().getDeviceId());
        assertTrue(!first.getNextPageToken().isEmpty());
        ListLocksResponse second = a.blocking().listLocks(ListLocksRequest.newBuilder().setPrefix(prefix).setPageSize(2)
                .setPageToken(first.getNextPageToken()).build());
        assertEquals(List.of(prefix + "c", prefix + "d"), names(second));
        assertEquals("", second.getNextPageToken());

        assertEquals(List.of(prefix + "d"), names(a.blocking().listLocks(ListLocksRequest.newBuilder().setPrefix(prefix)
                .setHolderDeviceId(b.deviceId).build())));
        ListLocksResponse withFree = a.blocking().listLocks(ListLocksRequest.newBuilder().setPrefix(prefix)
                .setIncludeFree(true).build());
        assertEquals(List.of(prefix + "a", prefix + "b", prefix + "c", prefix + "d", prefix + "e"), names(withFree));
        LockInfo free = withFree.getLocks(4);
        assertEquals(0, free.getHoldersCount());
        assertEquals(freeToken, free.getLastFencingToken());
        // A prefix is matched literally: '_' and '%' are no wildcards.
        assertEquals(0, a.blocking().listLocks(ListLocksRequest.newBuilder().setPrefix(prefix.replace('-', '_')).build())
                .getLocksCount());
    }

    @Test
    void listLocksRejectsBadInputWithFieldViolations() {
        LockClient a = new LockClient(channel);
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> a.blocking().listLocks(
                ListLocksRequest.newBuilder().setPrefix("/bad prefix").setHolderDeviceId("not-a-device").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        List<String> fields = GrpcErrors.badRequest(bad).orElseThrow().getFieldViolationsList().stream()
                .map(v -> v.getField()).toList();
        assertTrue(fields.containsAll(List.of("prefix", "holder_device_id")), fields.toString());

        StatusRuntimeException size = assertThrows(StatusRuntimeException.class, () -> a.blocking().listLocks(
                ListLocksRequest.newBuilder().setPageSize(-1).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, size.getStatus().getCode());

        String prefix = "tok-" + UUID.randomUUID() + "/";
        take(a, prefix + "1");
        take(a, prefix + "2");
        String token = a.blocking().listLocks(ListLocksRequest.newBuilder().setPrefix(prefix).setPageSize(1).build())
                .getNextPageToken();
        StatusRuntimeException otherFilter = assertThrows(StatusRuntimeException.class, () -> a.blocking().listLocks(
                ListLocksRequest.newBuilder().setPrefix(prefix + "x").setPageToken(token).build()));
        assertEquals("INVALID_PAGE_TOKEN", GrpcErrors.reason(otherFilter).orElseThrow());

        StatusRuntimeException noToken = assertThrows(StatusRuntimeException.class, () -> LockServiceGrpc
                .newBlockingStub(channel).listLocks(ListLocksRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, noToken.getStatus().getCode());
    }

    @Test
    void watchStartsWithTheInitialStateThenReportsEveryChangeUnderItsPrefix() throws Exception {
        String prefix = "watch-" + UUID.randomUUID() + "/";
        String x = prefix + "x";
        LockClient a = new LockClient(channel);
        long tokenA = take(a, x).getGrant().getFencingToken();
        take(a, "outside-" + UUID.randomUUID());

        Watch watch = watch(a, prefix, true);
        WatchResponse initial = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_INITIAL, initial.getType());
        assertEquals(x, initial.getName());
        assertEquals(tokenA, initial.getLock().getHolders(0).getFencingToken());
        assertEquals(LockEventType.LOCK_EVENT_TYPE_INITIAL_STATE_COMPLETE, watch.next().getType());

        LockClient b = new LockClient(channel);
        LockClient.Stream waiting = acquire(b, AcquireRequest.newBuilder().setName(x).setSessionId("s").build());
        assertTrue(waiting.next().hasQueued());
        WatchResponse queued = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_QUEUED, queued.getType());
        assertEquals(b.deviceId, queued.getOwner().getDeviceId());
        assertEquals(1, queued.getLock().getWaitersCount());

        a.blocking().release(ReleaseRequest.newBuilder().setName(x).setSessionId("s").setFencingToken(tokenA).build());
        WatchResponse released = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_RELEASED, released.getType());
        assertEquals(a.deviceId, released.getOwner().getDeviceId());
        assertEquals(tokenA, released.getFencingToken());
        WatchResponse acquired = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_ACQUIRED, acquired.getType());
        assertEquals(b.deviceId, acquired.getOwner().getDeviceId());
        long tokenB = waiting.next().getGranted().getFencingToken();
        assertEquals(tokenB, acquired.getFencingToken());

        // A wait that times out: QUEUED, then ABORTED.
        LockClient c = new LockClient(channel);
        LockClient.Stream timingOut = acquire(c, AcquireRequest.newBuilder().setName(x).setSessionId("s")
                .setWaitTimeout(Duration.newBuilder().setSeconds(1)).build());
        assertEquals(LockEventType.LOCK_EVENT_TYPE_QUEUED, watch.next().getType());
        assertTrue(timingOut.next().hasQueued());
        assertTrue(timingOut.next().hasAborted());
        WatchResponse aborted = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_ABORTED, aborted.getType());
        assertEquals(c.deviceId, aborted.getOwner().getDeviceId());

        // An administrator ends b's grant.
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "stuck"))
                .when().post("/api/v1/locks/" + x + "/force-release").then().statusCode(200);
        WatchResponse forced = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_FORCE_RELEASED, forced.getType());
        assertEquals(tokenB, forced.getFencingToken());
        assertEquals(0, forced.getLock().getHoldersCount());

        // A lease that runs out.
        String y = prefix + "y";
        long tokenY = take(c, y, 1).getGrant().getFencingToken();
        WatchResponse acquiredY = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_ACQUIRED, acquiredY.getType());
        assertEquals(y, acquiredY.getName());
        WatchResponse expired = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_EXPIRED, expired.getType());
        assertEquals(tokenY, expired.getFencingToken());

        // A grant that begins and ends between two reads is still reported, in order.
        for (int i = 0; i < 5; i++) {
            long t = take(c, prefix + "z").getGrant().getFencingToken();
            c.blocking().release(ReleaseRequest.newBuilder().setName(prefix + "z").setSessionId("s").setFencingToken(t).build());
        }
        for (int i = 0; i < 5; i++) {
            WatchResponse got = watch.next();
            assertEquals(LockEventType.LOCK_EVENT_TYPE_ACQUIRED, got.getType(), got.toString());
            WatchResponse end = watch.next();
            assertEquals(LockEventType.LOCK_EVENT_TYPE_RELEASED, end.getType(), end.toString());
            assertEquals(got.getFencingToken(), end.getFencingToken());
        }
        assertNull(watch.events.poll(1500, TimeUnit.MILLISECONDS), "nothing from outside the prefix, nothing twice");
    }

    @Test
    void watchWithoutInitialStateReportsOnlyChanges() throws Exception {
        String prefix = "watch2-" + UUID.randomUUID() + "/";
        LockClient a = new LockClient(channel);
        long held = take(a, prefix + "held").getGrant().getFencingToken();
        Watch watch = watch(a, prefix, false);
        Thread.sleep(500);
        a.blocking().release(ReleaseRequest.newBuilder().setName(prefix + "held").setSessionId("s").setFencingToken(held).build());
        WatchResponse released = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_RELEASED, released.getType(), "diffed against the silent baseline");
        assertEquals(held, released.getFencingToken());

        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> a.blocking()
                .watch(WatchRequest.newBuilder().setPrefix("//").build()).hasNext());
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    }

    @Test
    void aWatchSurvivesTheLossOfTheListenConnectionAndCatchesUp() throws Exception {
        String prefix = "resync-" + UUID.randomUUID() + "/";
        LockClient a = new LockClient(channel);
        long token = take(a, prefix + "x").getGrant().getFencingToken();
        Watch watch = watch(a, prefix, true);
        assertEquals(LockEventType.LOCK_EVENT_TYPE_INITIAL, watch.next().getType());
        assertEquals(LockEventType.LOCK_EVENT_TYPE_INITIAL_STATE_COMPLETE, watch.next().getType());

        // Drop every LISTEN connection; the release below most likely commits before they reconnect (500 ms), so its
        // NOTIFY reaches nobody and only the resync after the reconnect can report it.
        long killed = pool.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE 'LISTEN%'")
                .execute().await().atMost(java.time.Duration.ofSeconds(10)).iterator().next().getLong(0);
        assertTrue(killed >= 1, "a LISTEN connection to drop");
        a.blocking().release(ReleaseRequest.newBuilder().setName(prefix + "x").setSessionId("s").setFencingToken(token).build());

        WatchResponse released = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_RELEASED, released.getType(), released.toString());
        assertEquals(token, released.getFencingToken());
        // Live again: a later change arrives through notifications.
        LockClient b = new LockClient(channel);
        take(b, prefix + "y");
        WatchResponse acquired = watch.next();
        assertEquals(LockEventType.LOCK_EVENT_TYPE_ACQUIRED, acquired.getType());
        assertEquals(b.deviceId, acquired.getOwner().getDeviceId());
    }

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    private static List<String> names(ListLocksResponse response) {
        return response.getLocksList().stream().map(LockInfo::getName).toList();
    }

    private static dev.asgard.proto.lock.v1.TryAcquireResponse take(LockClient client, String name) {
        return client.blocking().tryAcquire(TryAcquireRequest.newBuilder().setName(name).setSessionId("s").build());
    }

    private static dev.asgard.proto.lock.v1.TryAcquireResponse take(LockClient client, String name, int leaseSeconds) {
        return client.blocking().tryAcquire(TryAcquireRequest.newBuilder().setName(name).setSessionId("s")
                .setLeaseTtl(Duration.newBuilder().setSeconds(leaseSeconds)).build());
    }

    private LockClient.Stream acquire(LockClient client, AcquireRequest request) {
        LockClient.Stream stream = client.acquire(request);
        streams.add(stream);
        return stream;
    }

    /** An open Watch stream. */
    @Test
    void aDeadlockVictimIsReportedAbortedThenDeadlockDetectedWithTheCycle() throws Exception {
        String prefix = "watch-deadlock-" + UUID.randomUUID() + "/";
        String l1 = prefix + "one";
        String l2 = prefix + "two";
        LockClient a = new LockClient(channel);
        LockClient b = new LockClient(channel);
        Watch watch = watch(a, prefix, true);
        assertEquals(LockEventType.LOCK_EVENT_TYPE_INITIAL_STATE_COMPLETE, watch.next().getType());

        List<LockClient.Stream> held = new ArrayList<>();
        held.add(a.acquire(AcquireRequest.newBuilder().setName(l1).setSessionId("s").setPriority(5).build()));
        assertTrue(held.get(0).next().hasGranted());
        held.add(b.acquire(AcquireRequest.newBuilder().setName(l2).setSessionId("s").setPriority(1).build()));
        assertTrue(held.get(1).next().hasGranted());
        LockClient.Stream aWaits = a.acquire(AcquireRequest.newBuilder().setName(l2).setSessionId("s").setPriority(5).build());
        held.add(aWaits);
        assertTrue(aWaits.next().hasQueued());
        LockClient.Stream bWaits = b.acquire(AcquireRequest.newBuilder().setName(l1).setSessionId("s").setPriority(1).build());
        held.add(bWaits);

        WatchResponse deadlock = null;
        for (int i = 0; i < 10 && deadlock == null; i++) {
            WatchResponse event = watch.next();
            if (event.getType() == LockEventType.LOCK_EVENT_TYPE_DEADLOCK_DETECTED) {
                deadlock = event;
            }
        }
        try {
            assertTrue(deadlock != null, "no DEADLOCK_DETECTED within 10 events");
            assertEquals(l1, deadlock.getName());
            assertEquals(b.deviceId, deadlock.getOwner().getDeviceId());
            assertEquals(2, deadlock.getDeadlock().getEdgesCount());
            assertEquals(b.deviceId, deadlock.getDeadlock().getVictim().getDeviceId());
            assertEquals(l1, deadlock.getDeadlock().getVictimLockName());
        } finally {
            held.forEach(LockClient.Stream::cancel);
        }
    }

    static final class Watch {
        final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

        WatchResponse next() throws InterruptedException {
            Object next = events.poll(30, TimeUnit.SECONDS);
            if (next instanceof WatchResponse response) {
                return response;
            }
            throw new AssertionError("expected a watch event, got " + next);
        }
    }

    private Watch watch(LockClient client, String prefix, boolean initial) {
        Watch watch = new Watch();
        Context.CancellableContext context = Context.current().withCancellation();
        open.add(context);
        context.run(() -> LockServiceGrpc.newStub(channel)
                .withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(client.deviceId, List.of(), Map.of())))
                .watch(WatchRequest.newBuilder().setPrefix(prefix).setSendInitialState(initial).build(),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(WatchResponse value) {
                                watch.events.add(value);
                            }

                            @Override
                            public void onError(Throwable t) {
                                watch.events.add(t);
                            }

                            @Override
                            public void onCompleted() {
                                watch.events.add(LockClient.COMPLETED);
                            }
                        }));
        return watch;
    }
}
