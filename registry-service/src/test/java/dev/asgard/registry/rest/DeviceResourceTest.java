package dev.asgard.registry.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.events.EventHeaders;
import dev.asgard.commons.events.Topics;
import dev.asgard.proto.events.v1.DeviceUpdated;
import dev.asgard.proto.registry.v1.Capability;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.service.DeviceUpdates;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import dev.asgard.testsupport.TopicReader;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class DeviceResourceTest {

    @TestHTTPResource("/")
    URL root;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

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
    void everyDeviceEndpointNeedsTheRightRole() {
        String id = UUID.randomUUID().toString();
        given().when().get("/api/v1/devices").then().statusCode(401);
        given().when().get("/api/v1/devices/" + id).then().statusCode(401);
        given().when().get("/api/v1/capabilities").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{}").when().post("/api/v1/devices").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{}").when().patch("/api/v1/devices/" + id).then().statusCode(401);
        given().when().post("/api/v1/devices/" + id + "/approve").then().statusCode(401);

        String stranger = TestTokens.withRoles("some-other-role");
        given().auth().oauth2(stranger).when().get("/api/v1/devices").then().statusCode(403);
        given().auth().oauth2(stranger).when().get("/api/v1/capabilities").then().statusCode(403);
        String viewer = TestTokens.viewer();
        given().auth().oauth2(viewer).when().get("/api/v1/devices").then().statusCode(200);
        given().auth().oauth2(viewer).contentType(ContentType.JSON).body(Map.of("name", "x", "worldType", "physical"))
                .when().post("/api/v1/devices").then().statusCode(403);
        given().auth().oauth2(viewer).contentType(ContentType.JSON).body("{}")
                .when().patch("/api/v1/devices/" + id).then().statusCode(403);
        given().auth().oauth2(viewer).when().post("/api/v1/devices/" + id + "/approve").then().statusCode(403);
    }

    @Test
    void preRegisteredDeviceIsShownWithItsEtagAndClaimedByTheMachineEnrollingUnderItsName() {
        String name = TestDevices.newName();
        String network = newNetwork();
        ExtractableResponse<Response> created = preRegister(Map.of("name", name, "worldType", "physical",
                "labels", Map.of("asgard.dev/role", "nas"), "networks", List.of(network),
                "metadata", Map.of("rack", "attic")));
        String id = created.path("id");
        assertEquals("pending", created.path("status"));
        assertEquals(false, created.path("enrolled"));
        assertEquals("\"0\"", created.header("ETag"));
        assertTrue(created.header("Location").endsWith("/api/v1/devices/" + id));

        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + id)
                .then().statusCode(200).header("ETag", "\"0\"").body("metadata.rack", equalTo("attic"));

        EnrollResponse enrolled = registry.enroll(TestDevices.request(TestDevices.joinToken(Map.of()), name,
                TestDevices.newFingerprint()).putLabels("zone", "attic").build());
        assertEquals(id, enrolled.getDevice().getDeviceId());
        assertEquals("nas", enrolled.getDevice().getLabelsMap().get("asgard.dev/role"));
        assertEquals("attic", enrolled.getDevice().getLabelsMap().get("zone"));
        assertEquals(List.of(network), enrolled.getDevice().getNetworkIdsList());
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + id)
                .then().statusCode(200).body("status", equalTo("active")).body("enrolled", equalTo(true));
    }

    @Test
    void preRegistrationRefusesBadInputAndTakenNamesAndStoresNothing() {
        String name = TestDevices.newName();
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "Not A Name", "worldType", "toaster", "labels", Map.of("bad key!", "v"),
                        "networks", List.of("ok", "ok"), "metadata", List.of(1)))
                .when().post("/api/v1/devices")
                .then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "Not A Name", "worldType", "toaster", "labels", Map.of("bad key!", "v")))
                .when().post("/api/v1/devices")
                .then().statusCode(400).body("reason", equalTo("INVALID_ARGUMENT"))
                .body("errors.field", hasItem("name")).body("errors.field", hasItem("worldType"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("name_prefix", "not").when().get("/api/v1/devices")
                .then().statusCode(200);

        preRegister(Map.of("name", name, "worldType", "container"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", name, "worldType", "physical"))
                .when().post("/api/v1/devices")
                .then().statusCode(409).body("reason", equalTo("DEVICE_NAME_TAKEN")).body("hint", notNullValue());
        given().auth().oauth2(TestTokens.viewer()).queryParam("name_prefix", name).when().get("/api/v1/devices")
                .then().statusCode(200).body("items.size()", equalTo(1)).body("items[0].worldType", equalTo("container"));
    }

    @Test
    void updateWithAStaleEtagIsRefusedWith412AndChangesNothing() throws Exception {
        String id = preRegister(Map.of("name", TestDevices.newName(), "worldType", "physical")).path("id");
        ExtractableResponse<Response> updated = given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .header("If-Match", "\"0\"").body(Map.of("labels", Map.of("zone", "cellar")))
                .when().patch("/api/v1/devices/" + id)
                .then().statusCode(200).body("labels.zone", equalTo("cellar")).extract();
        assertEquals("\"1\"", updated.header("ETag"));

        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .header("If-Match", "\"0\"").body(Map.of("labels", Map.of("zone", "attic")))
                .when().patch("/api/v1/devices/" + id)
                .then().statusCode(412).contentType("application/problem+json")
                .body("reason", equalTo(DeviceUpdates.REVISION_MISMATCH)).body("hint", notNullValue());
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + id)
                .then().statusCode(200).header("ETag", "\"1\"").body("labels.zone", equalTo("cellar"));

        List<ConsumerRecord<String, byte[]>> seen = TopicReader.readUntil(bootstrapServers, Topics.REGISTRY_EVENTS,
                r -> id.equals(r.key()) && DeviceUpdates.DEVICE_UPDATED.equals(EventHeaders.read(r).type()),
                Duration.ofSeconds(60));
        DeviceUpdated event = DeviceUpdated.parseFrom(seen.get(seen.size() - 1).value());
        assertEquals(List.of("labels"), event.getChangedFieldsList());
        assertEquals(1, event.getDevice().getRevision());
    }

    @Test
    void updateRefusesBadInputAndUnknownDevices() {
        String id = preRegister(Map.of("name", TestDevices.newName(), "worldType", "physical")).path("id");
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("name", "-bad-", "networks", List.of("")))
                .when().patch("/api/v1/devices/" + id)
                .then().statusCode(400).body("errors.field", hasItem("name"));
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + id)
                .then().statusCode(200).header("ETag", "\"0\"");
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("labels", Map.of()))
                .when().patch("/api/v1/devices/" + UUID.randomUUID())
                .then().statusCode(404).body("reason", equalTo("DEVICE_NOT_FOUND"));
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/not-a-uuid")
                .then().statusCode(400).body("reason", equalTo("INVALID_DEVICE_ID"));
    }

    @Test
    void perDeviceHeartbeatPolicyIsValidatedAgainstTheValuesThatWillApply() {
        String id = preRegister(Map.of("name", TestDevices.newName(), "worldType", "physical")).path("id");
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("heartbeatIntervalSeconds", 10, "inactiveAfterMissed", 3, "offlineAfterMissed", 6))
                .when().patch("/api/v1/devices/" + id)
                .then().statusCode(200).body("heartbeatInterval", equalTo("PT10S"))
                .body("inactiveAfterMissed", equalTo(3)).body("offlineAfterMissed", equalTo(6));
        // 3 would be fine against the global inactive threshold (2), not against this device's own 3...
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("offlineAfterMissed", 3))
                .when().patch("/api/v1/devices/" + id)
                .then().statusCode(400).body("errors.field", hasItem("offlineAfterMissed"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("heartbeatIntervalSeconds", 1))
                .when().patch("/api/v1/devices/" + id)
                .then().statusCode(400).body("errors.field", hasItem("heartbeatIntervalSeconds"));
        // ... and 0 returns to the global values.
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("heartbeatIntervalSeconds", 0, "inactiveAfterMissed", 0, "offlineAfterMissed", 0))
                .when().patch("/api/v1/devices/" + id)
                .then().statusCode(200).body("heartbeatInterval", equalTo("PT30S")).body("inactiveAfterMissed", equalTo(2));
    }

    @Test
    void removalRevokesAndHidesTheDeviceAndTheMachineCannotEnrolAgain() {
        String fingerprint = TestDevices.newFingerprint();
        String name = TestDevices.newName();
        EnrollResponse enrolled = registry.enroll(TestDevices.request(TestDevices.joinToken(Map.of()), name, fingerprint).build());
        String id = enrolled.getDevice().getDeviceId();
        given().auth().oauth2(TestTokens.viewer()).when().delete("/api/v1/devices/" + id).then().statusCode(403);
        given().auth().oauth2(TestTokens.admin()).header("If-Match", "\"99\"").when().delete("/api/v1/devices/" + id)
                .then().statusCode(412);
        given().auth().oauth2(TestTokens.admin()).when().delete("/api/v1/devices/" + id).then().statusCode(204);
        given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + id).then().statusCode(404);
        given().auth().oauth2(TestTokens.admin()).when().delete("/api/v1/devices/" + id).then().statusCode(404);
        io.grpc.StatusRuntimeException again = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> registry.enroll(TestDevices.request(TestDevices.joinToken(Map.of()), name, fingerprint).build()));
        assertEquals("DEVICE_REMOVED", dev.asgard.commons.error.GrpcErrors.reason(again).orElseThrow());
        given().auth().oauth2(TestTokens.admin()).queryParam("target_id", id).queryParam("action", "device.delete")
                .when().get("/api/v1/audit").then().statusCode(200).body("items.size()", equalTo(1));
    }

    @Test
    void approvalMakesAPendingDeviceActive() {
        EnrollResponse pending = TestDevices.enrollNew(registry, Map.of("requiresApproval", true));
        String id = pending.getDevice().getDeviceId();
        given().auth().oauth2(TestTokens.admin()).when().post("/api/v1/devices/" + id + "/approve")
                .then().statusCode(200).body("status", equalTo("active"));
        // Approving again changes nothing.
        given().auth().oauth2(TestTokens.admin()).when().post("/api/v1/devices/" + id + "/approve")
                .then().statusCode(200).body("status", equalTo("active"));

        String preRegistered = preRegister(Map.of("name", TestDevices.newName(), "worldType", "physical")).path("id");
        given().auth().oauth2(TestTokens.admin()).when().post("/api/v1/devices/" + preRegistered + "/approve")
                .then().statusCode(409).body("reason", equalTo("DEVICE_NOT_ENROLLED"));
    }

    @Test
    void listFiltersByNetworkWorldTypeStatusCapabilityLabelsAndName() {
        String network = newNetwork();
        String prefix = "flt-" + UUID.randomUUID().toString().substring(0, 6);
        enroll(prefix + "-nas", network, WorldType.WORLD_TYPE_PHYSICAL, Map.of("zone", "attic", "tier", "core"),
                "storage.nfs", "4.2.0");
        enroll(prefix + "-cam", network, WorldType.WORLD_TYPE_PHYSICAL, Map.of("zone", "garden"), "media.rtsp", "");
        enroll(prefix + "-vm", network, WorldType.WORLD_TYPE_VIRTUAL_MACHINE, Map.of("zone", "cellar", "tier", "edge"),
                "storage.nfs", "4.1.0");
        preRegister(Map.of("name", prefix + "-later", "worldType", "container", "networks", List.of(network)));
        enroll(prefix + "-elsewhere", newNetwork(), WorldType.WORLD_TYPE_PHYSICAL, Map.of("zone", "attic"), "storage.nfs",
                "4.2.0");

        assertEquals(List.of(prefix + "-cam", prefix + "-later", prefix + "-nas", prefix + "-vm"),
                names(Map.of("network", network)));
        assertEquals(List.of(prefix + "-cam", prefix + "-nas"), names(Map.of("network", network, "world_type", "physical")));
        assertEquals(List.of(prefix + "-later"), names(Map.of("network", network, "status", "pending")));
        assertEquals(List.of(prefix + "-nas", prefix + "-vm"), names(Map.of("network", network, "capability", "storage.nfs")));
        assertEquals(List.of(prefix + "-nas"), names(Map.of("network", network, "label_selector", "zone=attic")));
        // With a network filter, equality labels are tested per key (->>) instead of by containment (@>).
        assertEquals(List.of(prefix + "-nas"), names(Map.of("network", network, "label_selector", "zone=attic,tier=core")));
        assertEquals(List.of(), names(Map.of("network", network, "label_selector", "zone=attic,tier=edge")));
        assertEquals(List.of(prefix + "-vm"), names(Map.of("network", network, "status", "active",
                "capability", "storage.nfs", "label_selector", "tier=edge")));
        assertEquals(List.of(prefix + "-elsewhere", prefix + "-nas"),
                names(Map.of("name_prefix", prefix, "label_selector", "zone=attic,tier!=edge")));
        assertEquals(List.of(prefix + "-nas", prefix + "-vm"),
                names(Map.of("network", network, "label_selector", "zone in (attic, cellar)")));
        assertEquals(List.of(prefix + "-cam", prefix + "-later", prefix + "-vm"),
                names(Map.of("network", network, "label_selector", "zone notin (attic)")));
        assertEquals(List.of(prefix + "-nas", prefix + "-vm"), names(Map.of("network", network, "label_selector", "tier")));
        assertEquals(List.of(prefix + "-vm"), names(Map.of("network", network, "label_selector", "tier,zone!=attic")));
        assertEquals(List.of(prefix + "-cam", prefix + "-later"), names(Map.of("network", network, "label_selector", "!tier")));
        assertEquals(List.of(prefix + "-elsewhere", prefix + "-nas"),
                names(Map.of("name_prefix", prefix, "label_selector", "zone=attic")));
        assertEquals(List.of(prefix + "-vm", prefix + "-nas", prefix + "-later", prefix + "-cam"),
                names(Map.of("network", network, "order_by", "name desc")));
    }

    @Test
    void pagesCoverEveryDeviceOnceInOrderAndTokensAreBoundToTheirQuery() {
        String network = newNetwork();
        String prefix = "pg-" + UUID.randomUUID().toString().substring(0, 6);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            expected.add(preRegister(Map.of("name", prefix + "-" + i, "worldType", "simulated",
                    "networks", List.of(network))).path("name"));
        }
        for (String order : List.of("name", "create_time", "last_seen", "create_time desc")) {
            List<String> seen = new ArrayList<>();
            String token = "";
            do {
                ExtractableResponse<Response> page = given().auth().oauth2(TestTokens.viewer())
                        .queryParam("network", network).queryParam("order_by", order).queryParam("page_size", 2)
                        .queryParam("page_token", token)
                        .when().get("/api/v1/devices").then().statusCode(200).extract();
                seen.addAll(page.path("items.name"));
                token = page.path("nextPageToken");
            } while (!token.isEmpty());
            assertEquals(5, seen.size(), order);
            assertEquals(expected.stream().sorted().toList(), seen.stream().sorted().toList(), order);
            if (order.equals("name") || order.equals("create_time")) {
                assertEquals(expected, seen, order);
            }
            if (order.equals("create_time desc")) {
                assertEquals(expected.reversed(), seen, order);
            }
        }
        String token = given().auth().oauth2(TestTokens.viewer()).queryParam("network", network)
                .queryParam("page_size", 2).when().get("/api/v1/devices").then().statusCode(200)
                .extract().path("nextPageToken");
        given().auth().oauth2(TestTokens.viewer()).queryParam("network", network).queryParam("status", "active")
                .queryParam("page_size", 2).queryParam("page_token", token)
                .when().get("/api/v1/devices").then().statusCode(400).body("reason", equalTo("INVALID_PAGE_TOKEN"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_token", "garbage!")
                .when().get("/api/v1/devices").then().statusCode(400).body("reason", equalTo("INVALID_PAGE_TOKEN"));
    }

    @Test
    void badListParametersAreRefusedWithFieldViolations() {
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_size", -1)
                .when().get("/api/v1/devices").then().statusCode(400).body("reason", equalTo("INVALID_PAGE_SIZE"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("status", "sleeping").queryParam("world_type", "toaster")
                .when().get("/api/v1/devices").then().statusCode(400)
                .body("errors.field", hasItem("status")).body("errors.field", hasItem("world_type"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("label_selector", "zone in (attic")
                .when().get("/api/v1/devices").then().statusCode(400).body("reason", equalTo("INVALID_LABEL_SELECTOR"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("label_selector", "bad key!=x")
                .when().get("/api/v1/devices").then().statusCode(400);
        given().auth().oauth2(TestTokens.viewer()).queryParam("order_by", "fingerprint")
                .when().get("/api/v1/devices").then().statusCode(400).body("reason", equalTo("INVALID_ORDER_BY"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("capability", "NotACapability").queryParam("id", "x")
                .when().get("/api/v1/devices").then().statusCode(400)
                .body("errors.field", hasItem("filter.capability")).body("errors.field", hasItem("filter.device_ids[0]"));
    }

    @Test
    void capabilityOverviewCountsVersionsAndProviders() {
        String network = newNetwork();
        String prefix = "cap-" + UUID.randomUUID().toString().substring(0, 6);
        enroll(prefix + "-a", network, WorldType.WORLD_TYPE_PHYSICAL, Map.of(), "storage.nfs", "4.2.0");
        enroll(prefix + "-b", network, WorldType.WORLD_TYPE_PHYSICAL, Map.of(), "storage.nfs", "4.1.0");
        enroll(prefix + "-c", network, WorldType.WORLD_TYPE_PHYSICAL, Map.of(), "storage.nfs", "4.2.0");
        List<Map<String, Object>> overview = given().auth().oauth2(TestTokens.viewer()).queryParam("network", network)
                .when().get("/api/v1/capabilities").then().statusCode(200).extract().path("$");
        assertEquals(1, overview.size());
        Map<String, Object> nfs = overview.get(0);
        assertEquals("storage.nfs", nfs.get("name"));
        assertEquals(3, nfs.get("deviceCount"));
        assertEquals(List.of(Map.of("version", "4.1.0", "deviceCount", 1), Map.of("version", "4.2.0", "deviceCount", 2)),
                nfs.get("versions"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("status", "asleep")
                .when().get("/api/v1/capabilities").then().statusCode(400);
        assertFalse(given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/capabilities")
                .then().statusCode(200).extract().path("name").toString().isEmpty());
    }

    private void enroll(String name, String network, WorldType type, Map<String, String> labels, String capability,
            String version) {
        String token = TestDevices.joinToken(Map.of("networks", List.of(network)));
        registry.enroll(TestDevices.request(token, name, TestDevices.newFingerprint()).setWorldType(type)
                .putAllLabels(labels)
                .addCapabilities(Capability.newBuilder().setName(capability).setVersion(version))
                .build());
    }

    private static List<String> names(Map<String, String> query) {
        return given().auth().oauth2(TestTokens.viewer()).queryParams(query)
                .when().get("/api/v1/devices").then().statusCode(200).extract().path("items.name");
    }

    private static ExtractableResponse<Response> preRegister(Map<String, Object> body) {
        return given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(body)
                .when().post("/api/v1/devices").then().statusCode(201).extract();
    }

    private static String newNetwork() {
        return "net-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
