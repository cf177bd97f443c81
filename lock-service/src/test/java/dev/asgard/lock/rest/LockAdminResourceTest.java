package dev.asgard.lock.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.LockAcquired;
import dev.asgard.proto.events.v1.LockForceReleased;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.AcquireResponse;
import dev.asgard.proto.lock.v1.LockServiceGrpc;
import dev.asgard.proto.lock.v1.LostReason;
import dev.asgard.proto.lock.v1.ReleaseOutcome;
import dev.asgard.proto.lock.v1.ReleaseRequest;
import dev.asgard.proto.lock.v1.ReleaseResponse;
import dev.asgard.proto.lock.v1.TryAcquireRequest;
import dev.asgard.proto.lock.v1.TryAcquireResponse;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.DeviceTokens;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
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
import io.restassured.response.Response;

/** The admin REST API against real PostgreSQL and Kafka, with devices acting over a real gRPC channel. */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class LockAdminResourceTest {

    private static final String LOCKS = "/api/v1/locks";

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private ManagedChannel channel;
    private final List<Context.CancellableContext> open = new ArrayList<>();

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        open.forEach(c -> c.cancel(null));
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void everyEndpointNeedsATokenAndTheRightRole() {
        String device = UUID.randomUUID().toString();
        given().when().get(LOCKS).then().statusCode(401);
        given().when().get(LOCKS + "/wait-for-graph").then().statusCode(401);
        given().when().get("/api/v1/devices/" + device + "/lock-limits").then().statusCode(401);
        given().auth().oauth2(TestTokens.withRoles("offline_access")).when().get(LOCKS).then().statusCode(403);
        given().auth().oauth2(TestTokens.withRoles("offline_access")).when().get(LOCKS + "/a/b").then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON).body(Map.of("reason", "x"))
                .when().post(LOCKS + "/a/b/force-release").then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON).body(Map.of("maxHeld", 1))
                .when().put("/api/v1/devices/" + device + "/lock-limits").then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).when().delete("/api/v1/devices/" + device + "/lock-limits")
                .then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + device + "/lock-limits")
                .then().statusCode(200);
    }

    @Test
    void listAndDetailsShowHoldersAndTheQueue() throws Exception {
        String prefix = "rest-" + UUID.randomUUID() + "/";
        String name = prefix + "repo/7f3c";
        Device a = new Device();
        Device b = new Device();
        long token = a.take(name).getGrant().getFencingToken();
        Events waiting = b.acquire(name, "w");
        assertTrue(waiting.next().hasQueued());

        given().auth().oauth2(TestTokens.viewer()).queryParam("prefix", prefix).when().get(LOCKS)
                .then().statusCode(200)
                .body("items.name", equalTo(List.of(name)))
                .body("items[0].mode", equalTo("exclusive"))
                .body("items[0].holders[0].deviceId", equalTo(a.id))
                .body("items[0].holders[0].fencingToken", equalTo((int) token))
                .body("items[0].waiters[0].deviceId", equalTo(b.id))
                .body("items[0].waiters[0].position", equalTo(1))
                .body("nextPageToken", equalTo(""));
        given().auth().oauth2(TestTokens.viewer()).queryParam("prefix", prefix).queryParam("holder_device", b.id)
                .when().get(LOCKS).then().statusCode(200).body("items", equalTo(List.of()));

        given().auth().oauth2(TestTokens.viewer()).when().get(LOCKS + "/" + name)
                .then().statusCode(200)
                .body("name", equalTo(name))
                .body("lastFencingToken", equalTo((int) token))
                .body("holders[0].sessionId", equalTo("s"))
                .body("holders[0].effectivePriority", equalTo(0))
                .body("waiters[0].sessionId", equalTo("w"));

        given().auth().oauth2(TestTokens.viewer()).when().get(LOCKS + "/" + prefix + "never-used")
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(TestTokens.viewer()).when().get(LOCKS + "/bad name!")
                .then().statusCode(400).contentType("application/problem+json").body("errors.field", hasItem("name"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("prefix", "/x").queryParam("holder_device", "nope")
                .queryParam("page_size", 5).when().get(LOCKS)
                .then().statusCode(400).body("errors.field", hasItems("prefix", "holder_device"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_token", "garbage").when().get(LOCKS)
                .then().statusCode(400).body("errors.field", hasItem("page_token"));
    }

    @Test
    void forceReleaseTakesTheLockFromItsHolderWhoIsToldAndTheQueueMovesOn() throws Exception {
        String name = "force-" + UUID.randomUUID() + "/lock";
        Device a = new Device();
        Device b = new Device();
        Events held = a.acquire(name, "s");
        long token = held.next().getGranted().getFencingToken();
        Events waiting = b.acquire(name, "s");
        assertTrue(waiting.next().hasQueued());

        // Bad input changes nothing.
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("fencingToken", -1))
                .when().post(LOCKS + "/" + name + "/force-release")
                .then().statusCode(400).body("errors.field", hasItems("reason", "fencingToken"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("fencingToken", token + 100, "reason", "x"))
                .when().post(LOCKS + "/" + name + "/force-release").then().statusCode(404);
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "x"))
                .when().post(LOCKS + "/never-" + UUID.randomUUID() + "/force-release").then().statusCode(404);

        Response released = given().auth().oauth2(TestTokens.forUser("alice", TestTokens.ADMIN_ROLE))
                .contentType(ContentType.JSON).body(Map.of("fencingToken", token, "reason", "agent hung"))
                .when().post(LOCKS + "/" + name + "/force-release");
        released.then().statusCode(200)
                .body("released[0].deviceId", equalTo(a.id))
                .body("released[0].fencingToken", equalTo((int) token))
                .body("lock.holders[0].deviceId", equalTo(b.id));

        AcquireResponse lost = held.next();
        assertTrue(lost.hasLost(), lost.toString());
        assertEquals(LostReason.LOST_REASON_FORCE_RELEASED, lost.getLost().getReason());
        AcquireResponse granted = waiting.next();
        assertTrue(granted.hasGranted(), granted.toString());
        assertTrue(granted.getGranted().getFencingToken() > token);

        ReleaseResponse late = a.release(name, "s", token);
        assertEquals(ReleaseOutcome.RELEASE_OUTCOME_LOST, late.getOutcome());
        assertEquals(LostReason.LOST_REASON_FORCE_RELEASED, late.getLostReason());

        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.LOCK_EVENTS,
                r -> name.equals(r.key()) && "asgard.lock.lock.force_released".equals(EventHeaders.read(r).type()),
                Duration.ofSeconds(60));
        LockForceReleased event = LockForceReleased.parseFrom(seen.get(seen.size() - 1).value());
        assertEquals(token, event.getFencingToken());
        assertEquals(a.id, event.getOwner().getDeviceId());
        assertEquals("alice", event.getReleasedBy());
        assertEquals("agent hung", event.getReason());
        // The grant was written by the SQL function as JSON; the relay sent it as protobuf (commons JsonPayloads).
        ConsumerRecord<String, byte[]> grant = seen.stream().filter(r -> name.equals(r.key())
                && "asgard.lock.lock.acquired".equals(EventHeaders.read(r).type())).findFirst().orElseThrow();
        assertTrue(EventHeaders.read(grant).dataSchema().endsWith("/asgard.events.v1.LockAcquired"),
                EventHeaders.read(grant).dataSchema());
        LockAcquired acquired = LockAcquired.parseFrom(grant.value());
        assertEquals(token, acquired.getFencingToken());
        assertEquals(a.id, acquired.getOwner().getDeviceId());
        assertEquals(name, acquired.getLockName());

        // Without a token: every holder goes; a lock without holders is 404.
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "all"))
                .when().post(LOCKS + "/" + name + "/force-release")
                .then().statusCode(200).body("released.deviceId", equalTo(List.of(b.id))).body("lock.holders", equalTo(List.of()));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("reason", "all"))
                .when().post(LOCKS + "/" + name + "/force-release").then().statusCode(404);
    }

    @Test
    void perDeviceLimitsOverrideTheConfiguredOnes() {
        Device a = new Device();
        String path = "/api/v1/devices/" + a.id + "/lock-limits";
        given().auth().oauth2(TestTokens.admin()).when().get(path).then().statusCode(200)
                .body("maxHeld", equalTo(1000)).body("maxWaiting", equalTo(100)).body("overrideMaxHeld", nullValue());

        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("maxHeld", -1, "maxWaiting", 2_000_000))
                .when().put(path).then().statusCode(400).body("errors.field", hasItems("maxHeld", "maxWaiting"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("maxHeld", 1))
                .when().put("/api/v1/devices/not-a-uuid/lock-limits").then().statusCode(400);

        given().auth().oauth2(TestTokens.forUser("bob", TestTokens.ADMIN_ROLE)).contentType(ContentType.JSON)
                .body(Map.of("maxHeld", 1)).when().put(path).then().statusCode(200)
                .body("maxHeld", equalTo(1)).body("overrideMaxHeld", equalTo(1)).body("maxWaiting", equalTo(100))
                .body("updatedBy", equalTo("bob"));

        String prefix = "limit-" + UUID.randomUUID() + "/";
        assertTrue(a.take(prefix + "1").getGranted());
        StatusRuntimeException tooMany = assertThrows(StatusRuntimeException.class, () -> a.take(prefix + "2"));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, tooMany.getStatus().getCode());
        assertEquals("TOO_MANY_LOCKS", GrpcErrors.reason(tooMany).orElseThrow());
        given().auth().oauth2(TestTokens.viewer()).when().get(path).then().statusCode(200).body("held", equalTo(1));

        given().auth().oauth2(TestTokens.admin()).when().delete(path).then().statusCode(200)
                .body("maxHeld", equalTo(1000)).body("overrideMaxHeld", nullValue());
        assertTrue(a.take(prefix + "2").getGranted());
    }

    @Test
    void theWaitForGraphComesAsJsonAndAsGraphvizDot() throws Exception {
        String name = "graph-" + UUID.randomUUID() + "/l";
        Device holder = new Device();
        Device waiter = new Device();
        holder.take(name);
        Events waiting = waiter.acquire(name, "w");
        assertTrue(waiting.next().hasQueued());
        String from = waiter.id + "/w";
        String to = holder.id + "/s";

        given().auth().oauth2(TestTokens.viewer()).when().get(LOCKS + "/wait-for-graph").then().statusCode(200)
                .contentType(ContentType.JSON)
                .body("nodes.id", hasItems(from, to))
                .body("edges.findAll { it.lockName == '" + name + "' }.waiter", equalTo(List.of(from)))
                .body("edges.findAll { it.lockName == '" + name + "' }.holder", equalTo(List.of(to)));

        String edge = "\"" + from + "\" -> \"" + to + "\" [label=\"" + name + "\"];";
        given().auth().oauth2(TestTokens.viewer()).accept("text/vnd.graphviz").when().get(LOCKS + "/wait-for-graph")
                .then().statusCode(200).contentType(containsString("text/vnd.graphviz"))
                .body(containsString("digraph \"wait-for\" {"), containsString(edge));
        given().auth().oauth2(TestTokens.viewer()).queryParam("format", "dot").when().get(LOCKS + "/wait-for-graph")
                .then().statusCode(200).body(containsString(edge));
        given().auth().oauth2(TestTokens.viewer()).queryParam("format", "svg").when().get(LOCKS + "/wait-for-graph")
                .then().statusCode(400).body("errors.field", hasItem("format"));
    }

    /** A device over gRPC. */
    private final class Device {
        final String id = UUID.randomUUID().toString();
        private final String token = DeviceTokens.forDevice(id, List.of(), Map.of());

        LockServiceGrpc.LockServiceBlockingStub blocking() {
            return LockServiceGrpc.newBlockingStub(channel).withCallCredentials(DeviceTokens.credentials(token))
                    .withDeadlineAfter(30, TimeUnit.SECONDS);
        }

        TryAcquireResponse take(String name) {
            return blocking().tryAcquire(TryAcquireRequest.newBuilder().setName(name).setSessionId("s").build());
        }

        ReleaseResponse release(String name, String session, long fencingToken) {
            return blocking().release(ReleaseRequest.newBuilder().setName(name).setSessionId(session)
                    .setFencingToken(fencingToken).build());
        }

        Events acquire(String name, String session) {
            Events events = new Events();
            Context.CancellableContext context = Context.current().withCancellation();
            open.add(context);
            context.run(() -> LockServiceGrpc.newStub(channel).withCallCredentials(DeviceTokens.credentials(token))
                    .acquire(AcquireRequest.newBuilder().setName(name).setSessionId(session).build(), new StreamObserver<>() {
                        @Override
                        public void onNext(AcquireResponse value) {
                            events.queue.add(value);
                        }

                        @Override
                        public void onError(Throwable t) {
                            events.queue.add(t);
                        }

                        @Override
                        public void onCompleted() {
                            events.queue.add("completed");
                        }
                    }));
            return events;
        }
    }

    /** The states an Acquire stream reported. */
    private static final class Events {
        final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();

        AcquireResponse next() throws InterruptedException {
            Object next = queue.poll(30, TimeUnit.SECONDS);
            if (next instanceof AcquireResponse response) {
                return response;
            }
            throw new AssertionError("expected an Acquire state, got " + next);
        }
    }
}
