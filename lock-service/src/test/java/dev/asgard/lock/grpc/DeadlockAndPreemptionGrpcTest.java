package dev.asgard.lock.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeadlockDetected;
import dev.asgard.proto.lock.v1.AbortReason;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.LockMode;
import dev.asgard.proto.lock.v1.LostReason;
import dev.asgard.proto.lock.v1.ReleaseOutcome;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import dev.asgard.proto.lock.v1.TryAcquireRequest;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TopicReader;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class DeadlockAndPreemptionGrpcTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

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
    void aTwoOwnerDeadlockAbortsTheLowerPriorityWaiterWithTheCycleAndAnEvent() throws Exception {
        String l1 = lockName();
        String l2 = lockName();
        LockClient a = new LockClient(channel);
        LockClient b = new LockClient(channel);
        open(a, acquire(l1, 5)).next();
        long bToken = open(b, acquire(l2, 1)).next().getGranted().getFencingToken();
        LockClient.Stream aWaits = open(a, acquire(l2, 5));
        AcquireResponse aQueued = aWaits.next();
        assertTrue(aQueued.hasQueued(), aQueued.toString());
        LockClient.Stream bWaits = open(b, acquire(l1, 1));

        AcquireResponse first = bWaits.next();
        AcquireResponse aborted = first.hasQueued() ? bWaits.next() : first;
        assertTrue(aborted.hasAborted(), aborted.toString());
        assertEquals(AbortReason.ABORT_REASON_DEADLOCK_VICTIM, aborted.getAborted().getReason());
        assertEquals(2, aborted.getAborted().getDeadlock().getEdgesCount());
        assertEquals(b.deviceId, aborted.getAborted().getDeadlock().getVictim().getDeviceId());
        assertEquals(l1, aborted.getAborted().getDeadlock().getVictimLockName());

        // The victim keeps what it holds; once it releases, the survivor gets its lock.
        release(b, l2, bToken);
        assertTrue(aWaits.next().hasGranted());

        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.LOCK_EVENTS,
                r -> l1.equals(r.key()) && "asgard.lock.deadlock.detected".equals(EventHeaders.read(r).type()),
                Duration.ofSeconds(60));
        DeadlockDetected event = DeadlockDetected.parseFrom(seen.get(seen.size() - 1).value());
        assertEquals(aborted.getAborted().getDeadlock().getDeadlockId(), event.getCycle().getDeadlockId());
    }

    @Test
    void aThreeOwnerDeadlockIsBrokenToo() throws Exception {
        String l1 = lockName();
        String l2 = lockName();
        String l3 = lockName();
        LockClient a = new LockClient(channel);
        LockClient b = new LockClient(channel);
        LockClient c = new LockClient(channel);
        open(a, acquire(l1, 3)).next();
        open(b, acquire(l2, 3)).next();
        open(c, acquire(l3, 3)).next();
        LockClient.Stream aWaits = open(a, acquire(l2, 3));
        assertTrue(aWaits.next().hasQueued());
        LockClient.Stream bWaits = open(b, acquire(l3, 3));
        assertTrue(bWaits.next().hasQueued());
        LockClient.Stream cWaits = open(c, acquire(l1, 3));
        AcquireResponse first = cWaits.next();
        AcquireResponse aborted = first.hasQueued() ? cWaits.next() : first;
        // Equal priorities: the youngest request (c's) is the victim.
        assertEquals(AbortReason.ABORT_REASON_DEADLOCK_VICTIM, aborted.getAborted().getReason(), aborted.toString());
        assertEquals(3, aborted.getAborted().getDeadlock().getEdgesCount());
    }

    @Test
    void aPreemptingRequestTakesAPreemptibleLowerPriorityHoldersLock() throws Exception {
        String name = lockName();
        LockClient low = new LockClient(channel);
        LockClient.Stream held = open(low, AcquireRequest.newBuilder().setName(name).setSessionId("s").setPriority(1)
                .setPreemptible(true).build());
        long token = held.next().getGranted().getFencingToken();

        LockClient high = new LockClient(channel);
        LockClient.Stream urgent = open(high, AcquireRequest.newBuilder().setName(name).setSessionId("s").setPriority(10)
                .setPreempt(true).build());
        AcquireResponse got = urgent.next();
        got = got.hasQueued() ? urgent.next() : got;
        assertTrue(got.hasGranted(), got.toString());
        assertTrue(got.getGranted().getFencingToken() > token);

        AcquireResponse lost = held.next();
        assertEquals(LostReason.LOST_REASON_PREEMPTED, lost.getLost().getReason(), lost.toString());
        var released = low.blocking().release(ReleaseRequest.newBuilder().setName(name).setSessionId("s")
                .setFencingToken(token).build());
        assertEquals(ReleaseOutcome.RELEASE_OUTCOME_LOST, released.getOutcome());
        assertEquals(LostReason.LOST_REASON_PREEMPTED, released.getLostReason());
    }

    @Test
    void aNonPreemptibleHolderIsNeverPreempted() throws Exception {
        String name = lockName();
        LockClient holder = new LockClient(channel);
        open(holder, AcquireRequest.newBuilder().setName(name).setSessionId("s").setPriority(0).build()).next();
        var tried = new LockClient(channel).blocking().tryAcquire(TryAcquireRequest.newBuilder().setName(name)
                .setSessionId("s").setPriority(1000).setPreempt(true).setMode(LockMode.LOCK_MODE_EXCLUSIVE).build());
        assertEquals(false, tried.getGranted());
    }

    private LockClient.Stream open(LockClient client, AcquireRequest request) {
        LockClient.Stream stream = client.acquire(request);
        streams.add(stream);
        return stream;
    }

    private static AcquireRequest acquire(String name, int priority) {
        return AcquireRequest.newBuilder().setName(name).setSessionId("s").setPriority(priority).build();
    }

    private static void release(LockClient client, String name, long token) {
        client.blocking().release(ReleaseRequest.newBuilder().setName(name).setSessionId("s").setFencingToken(token).build());
    }

    private static String lockName() {
        return "deadlock/" + UUID.randomUUID();
    }
}
