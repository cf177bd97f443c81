package dev.asgard.lock.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Duration;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.lock.v1.AbortReason;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.GetLockRequest;
import dev.asgard.proto.lock.v1.KeepAliveRequest;
import dev.asgard.proto.lock.v1.LockInfo;
import dev.asgard.proto.lock.v1.LockMode;
import dev.asgard.proto.lock.v1.LockServiceGrpc;
import dev.asgard.proto.lock.v1.LostReason;
import dev.asgard.proto.lock.v1.ReleaseOutcome;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import dev.asgard.proto.lock.v1.TryAcquireRequest;
import dev.asgard.proto.lock.v1.TryAcquireResponse;
import dev.asgard.testsupport.Await;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class LockGrpcTest {

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private final List<LockClient.Stream> streams = new ArrayList<>();

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        streams.forEach(LockClient.Stream::cancel);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void anExclusiveLockGoesToOneHolderAtATimeWithIncreasingFencingTokens() throws Exception {
        String name = lockName();
        LockClient a = client();
        LockClient b = client();
        AcquireResponse first = open(a, exclusive(name, "s1")).next();
        assertTrue(first.hasGranted(), first.toString());
        long token1 = first.getGranted().getFencingToken();

        LockClient.Stream waiting = open(b, exclusive(name, "s1"));
        AcquireResponse queued = waiting.next();
        assertTrue(queued.hasQueued(), queued.toString());
        assertEquals(1, queued.getQueued().getPosition());
        assertEquals(a.deviceId, queued.getQueued().getBlockedBy(0).getDeviceId());

        assertEquals(ReleaseOutcome.RELEASE_OUTCOME_RELEASED, release(a, name, "s1", token1).getOutcome());
        AcquireResponse granted = waiting.next();
        assertTrue(granted.hasGranted(), granted.toString());
        assertTrue(granted.getGranted().getFencingToken() > token1);
        assertEquals(ReleaseOutcome.RELEASE_OUTCOME_ALREADY_RELEASED, release(a, name, "s1", token1).getOutcome());

        LockInfo info = a.blocking().getLock(GetLockRequest.newBuilder().setName(name).build()).getLock();
        assertEquals(1, info.getHoldersCount());
        assertEquals(b.deviceId, info.getHolders(0).getOwner().getDeviceId());
        assertEquals(granted.getGranted().getFencingToken(), info.getLastFencingToken());
    }

    @Test
    void sharedHoldersShareAndAnExclusiveWaiterBlocksLaterReaders() throws Exception {
        String name = lockName();
        LockClient a = client();
        LockClient b = client();
        LockClient writer = client();
        assertTrue(open(a, mode(name, "r", LockMode.LOCK_MODE_SHARED)).next().hasGranted());
        assertTrue(open(b, mode(name, "r", LockMode.LOCK_MODE_SHARED)).next().hasGranted());
        LockClient.Stream w = open(writer, mode(name, "w", LockMode.LOCK_MODE_EXCLUSIVE));
        assertTrue(w.next().hasQueued());
        // A reader arriving after the waiting writer queues behind it: writers do not starve.
        LockClient late = client();
        AcquireResponse lateReader = open(late, mode(name, "r", LockMode.LOCK_MODE_SHARED)).next();
        assertTrue(lateReader.hasQueued(), lateReader.toString());
        assertEquals(2, lateReader.getQueued().getPosition());
    }

    @Test
    void aSemaphoreHandsOutPermitsUpToItsCapacityAndKeepsItsSize() throws Exception {
        String name = lockName();
        LockClient a = client();
        AcquireRequest two = semaphore(name, "s1", 2, 3);
        assertTrue(open(a, two).next().hasGranted());
        assertTrue(open(client(), semaphore(name, "s1", 1, 3)).next().hasGranted());
        assertTrue(open(client(), semaphore(name, "s1", 1, 3)).next().hasQueued());
        StatusRuntimeException mismatch = assertThrows(StatusRuntimeException.class, () -> client().blocking()
                .tryAcquire(TryAcquireRequest.newBuilder().setName(name).setSessionId("s")
                        .setMode(LockMode.LOCK_MODE_SEMAPHORE).setPermits(1).setMaxPermits(5).build()));
        assertEquals("LOCK_MODE_MISMATCH", GrpcErrors.reason(mismatch).orElseThrow());
        StatusRuntimeException kind = assertThrows(StatusRuntimeException.class, () -> client().blocking()
                .tryAcquire(TryAcquireRequest.newBuilder().setName(name).setSessionId("s").build()));
        assertEquals("LOCK_MODE_MISMATCH", GrpcErrors.reason(kind).orElseThrow());
    }

    @Test
    void higherPriorityWaitersGoFirstThenArrivalOrder() throws Exception {
        String name = lockName();
        LockClient holder = client();
        long token = open(holder, exclusive(name, "h")).next().getGranted().getFencingToken();
        LockClient low = client();
        LockClient high = client();
        LockClient.Stream lowStream = open(low, exclusive(name, "l").toBuilder().setPriority(1).build());
        assertTrue(lowStream.next().hasQueued());
        LockClient.Stream highStream = open(high, exclusive(name, "h").toBuilder().setPriority(10).build());
        assertEquals(1, highStream.next().getQueued().getPosition());
        // The low waiter learns it moved back.
        assertEquals(2, lowStream.next().getQueued().getPosition());

        LockInfo info = holder.blocking().getLock(GetLockRequest.newBuilder().setName(name).build()).getLock();
        assertEquals(10, info.getHolders(0).getEffectivePriority(), "the holder inherits the highest waiting priority");

        release(holder, name, "h", token);
        assertTrue(highStream.next().hasGranted());
        AcquireResponse lowNow = lowStream.next();
        assertTrue(lowNow.hasQueued() && lowNow.getQueued().getPosition() == 1, lowNow.toString());
    }

    @Test
    void tryAcquireNeverWaits() {
        String name = lockName();
        LockClient a = client();
        TryAcquireResponse first = a.blocking().tryAcquire(TryAcquireRequest.newBuilder().setName(name).setSessionId("s").build());
        assertTrue(first.getGranted());
        TryAcquireResponse second = client().blocking().tryAcquire(TryAcquireRequest.newBuilder().setName(name)
                .setSessionId("s").build());
        assertFalse(second.getGranted());
        assertEquals(a.deviceId, second.getHolders(0).getOwner().getDeviceId());
    }

    @Test
    void anUnrenewedLeaseExpiresTheHolderIsToldAndTheNextWaiterGetsTheLock() throws Exception {
        String name = lockName();
        LockClient a = client();
        LockClient.Stream held = open(a, exclusive(name, "s").toBuilder().setLeaseTtl(seconds(1)).build());
        long token = held.next().getGranted().getFencingToken();
        LockClient.Stream next = open(client(), exclusive(name, "s"));
        assertTrue(next.next().hasQueued());

        AcquireResponse lost = held.next();
        assertTrue(lost.hasLost(), lost.toString());
        assertEquals(LostReason.LOST_REASON_EXPIRED, lost.getLost().getReason());
        assertSame(LockClient.COMPLETED, held.nextRaw());
        assertTrue(next.next().hasGranted());

        var released = release(a, name, "s", token);
        assertEquals(ReleaseOutcome.RELEASE_OUTCOME_LOST, released.getOutcome());
        assertEquals(LostReason.LOST_REASON_EXPIRED, released.getLostReason());
        StatusRuntimeException renew = assertThrows(StatusRuntimeException.class, () -> a.blocking().keepAlive(
                KeepAliveRequest.newBuilder().setName(name).setSessionId("s").setFencingToken(token).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, renew.getStatus().getCode());
        assertEquals("LOCK_LOST", GrpcErrors.reason(renew).orElseThrow());
    }

    @Test
    void keepAliveExtendsTheLease() throws Exception {
        String name = lockName();
        LockClient a = client();
        LockClient.Stream held = open(a, exclusive(name, "s").toBuilder().setLeaseTtl(seconds(2)).build());
        long token = held.next().getGranted().getFencingToken();
        for (int i = 0; i < 4; i++) {
            Thread.sleep(1000);
            a.blocking().keepAlive(KeepAliveRequest.newBuilder().setName(name).setSessionId("s").setFencingToken(token).build());
        }
        assertEquals(null, held.events.poll(), "no LOST while renewed");
        assertEquals(ReleaseOutcome.RELEASE_OUTCOME_RELEASED, release(a, name, "s", token).getOutcome());
        assertSame(LockClient.COMPLETED, held.nextRaw());
    }

    @Test
    void aWaiterGivesUpAfterItsTimeoutAndACancelledWaiterLeavesTheQueue() throws Exception {
        String name = lockName();
        LockClient a = client();
        open(a, exclusive(name, "s")).next();
        LockClient.Stream timed = open(client(), exclusive(name, "s").toBuilder().setWaitTimeout(seconds(1)).build());
        assertTrue(timed.next().hasQueued());
        AcquireResponse aborted = timed.next();
        assertEquals(AbortReason.ABORT_REASON_TIMEOUT, aborted.getAborted().getReason());

        LockClient.Stream cancelled = open(client(), exclusive(name, "s"));
        assertTrue(cancelled.next().hasQueued());
        cancelled.cancel();
        // Nothing is written to the cancelled stream: the client's reset alone takes it out of the queue.
        Await.until(() -> a.blocking().getLock(GetLockRequest.newBuilder().setName(name).build()).getLock()
                .getWaitersCount() == 0, java.time.Duration.ofSeconds(10), java.time.Duration.ofMillis(100));
    }

    @Test
    void nobodyReleasesAnotherOwnersGrant() throws Exception {
        String name = lockName();
        LockClient a = client();
        long token = open(a, exclusive(name, "s")).next().getGranted().getFencingToken();
        StatusRuntimeException other = assertThrows(StatusRuntimeException.class, () -> release(client(), name, "s", token));
        assertEquals("LOCK_GRANT_NOT_FOUND", GrpcErrors.reason(other).orElseThrow());
        StatusRuntimeException otherSession = assertThrows(StatusRuntimeException.class, () -> release(a, name, "s2", token));
        assertEquals(Status.Code.NOT_FOUND, otherSession.getStatus().getCode());
        assertEquals(1, a.blocking().getLock(GetLockRequest.newBuilder().setName(name).build()).getLock().getHoldersCount());
    }

    @Test
    void badRequestsAreRefusedWithFieldViolationsAndNoTokenIsUnauthenticated() throws Exception {
        LockClient a = client();
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> a.blocking().tryAcquire(
                TryAcquireRequest.newBuilder().setName("/bad//name").setSessionId("no spaces").setPriority(5000)
                        .setRequestId("x").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertEquals(4, GrpcErrors.badRequest(bad).orElseThrow().getFieldViolationsCount());
        StatusRuntimeException lease = assertThrows(StatusRuntimeException.class, () -> a.blocking().tryAcquire(
                TryAcquireRequest.newBuilder().setName(lockName()).setSessionId("s").setLeaseTtl(seconds(86_400)).build()));
        assertEquals("LEASE_TTL_OUT_OF_RANGE", GrpcErrors.reason(lease).orElseThrow());
        StatusRuntimeException anonymous = assertThrows(StatusRuntimeException.class, () -> LockServiceGrpc
                .newBlockingStub(channel).getLock(GetLockRequest.newBuilder().setName("x").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, anonymous.getStatus().getCode());
        Object refused = open(a, exclusive("a//b", "s")).nextRaw();
        assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable((Throwable) refused).getCode());
    }

    private LockClient client() {
        return new LockClient(channel);
    }

    private LockClient.Stream open(LockClient client, AcquireRequest request) {
        LockClient.Stream stream = client.acquire(request);
        streams.add(stream);
        return stream;
    }

    private static dev.asgard.proto.lock.v1.ReleaseResponse release(LockClient client, String name, String session,
            long token) {
        return client.blocking().release(ReleaseRequest.newBuilder().setName(name).setSessionId(session)
                .setFencingToken(token).build());
    }

    private static AcquireRequest exclusive(String name, String session) {
        return mode(name, session, LockMode.LOCK_MODE_EXCLUSIVE);
    }

    private static AcquireRequest mode(String name, String session, LockMode mode) {
        return AcquireRequest.newBuilder().setName(name).setSessionId(session).setMode(mode).build();
    }

    private static AcquireRequest semaphore(String name, String session, int permits, int max) {
        return AcquireRequest.newBuilder().setName(name).setSessionId(session).setMode(LockMode.LOCK_MODE_SEMAPHORE)
                .setPermits(permits).setMaxPermits(max).build();
    }

    private static Duration seconds(long s) {
        return Duration.newBuilder().setSeconds(s).build();
    }

    private static String lockName() {
        return "test/" + UUID.randomUUID();
    }
}
