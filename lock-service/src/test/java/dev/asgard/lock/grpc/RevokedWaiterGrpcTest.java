package dev.asgard.lock.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.auth.DeviceAuthReasons;
import dev.asgard.commons.auth.DeviceRevocations;
import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.GetLockRequest;
import dev.asgard.proto.lock.v1.LockMode;
import dev.asgard.proto.lock.v1.ReleaseOutcome;
import dev.asgard.proto.lock.v1.ReleaseRequest;
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

/**
 * A device revoked while it waits for a lock loses its Acquire stream (UNAUTHENTICATED, as commons' device
 * authentication closes the open calls of a revoked device) and leaves the wait queue, so it blocks nobody.
 * The revocation is recorded as the registry event's consumer records it ({@link DeviceRevocations#revoke}).
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class RevokedWaiterGrpcTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    DeviceRevocations revocations;

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
    void aRevokedWaiterLosesItsStreamAndLeavesTheQueue() throws Exception {
        String name = "test/" + UUID.randomUUID();
        LockClient holder = new LockClient(channel);
        LockClient revoked = new LockClient(channel);
        LockClient.Stream held = open(holder, name);
        long token = held.next().getGranted().getFencingToken();
        LockClient.Stream waiting = open(revoked, name);
        assertTrue(waiting.next().hasQueued());
        assertEquals(1, holder.blocking().getLock(GetLockRequest.newBuilder().setName(name).build())
                .getLock().getWaitersCount());

        revocations.revoke(revoked.deviceId, Instant.now());

        StatusRuntimeException cut = assertInstanceOf(StatusRuntimeException.class, waiting.nextRaw());
        assertEquals(Status.Code.UNAUTHENTICATED, cut.getStatus().getCode());
        assertEquals(DeviceAuthReasons.REVOKED, GrpcErrors.reason(cut).orElseThrow());
        Await.until(() -> holder.blocking().getLock(GetLockRequest.newBuilder().setName(name).build())
                .getLock().getWaitersCount() == 0, Duration.ofSeconds(10), Duration.ofMillis(50));

        // The holder was not touched: it still holds, and releases, the lock.
        assertEquals(ReleaseOutcome.RELEASE_OUTCOME_RELEASED, holder.blocking().release(ReleaseRequest.newBuilder()
                .setName(name).setSessionId("s").setFencingToken(token).build()).getOutcome());
    }

    private LockClient.Stream open(LockClient client, String name) {
        LockClient.Stream stream = client.acquire(AcquireRequest.newBuilder().setName(name).setSessionId("s")
                .setMode(LockMode.LOCK_MODE_EXCLUSIVE).build());
        streams.add(stream);
        return stream;
    }
}
