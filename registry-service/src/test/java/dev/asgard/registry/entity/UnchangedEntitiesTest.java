package dev.asgard.registry.entity;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.registry.service.StatusSweeper;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;

/**
 * Work that looks at a device or join token without changing it must not write it. The entities had field
 * initializers on their jsonb/text[] attributes; Quarkus enhances entities for inline dirty tracking, so those
 * initializers marked the attributes changed in every instance Hibernate created to load a row, and the flush wrote
 * the row back with a new version: the sweeper bumped the revision of every device it judged, and concurrent
 * enrolments with one join token conflicted on the token's version. The paths that only read also mark the entity
 * read-only, as a second guard.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class UnchangedEntitiesTest {

    @TestHTTPResource("/")
    URL root;

    @Inject
    StatusSweeper sweeper;

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @Test
    void judgingOrPatchingADeviceWithoutChangeKeepsItsRevision() throws Throwable {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        try {
            String token = TestDevices.joinToken(Map.of("networks", List.of("home"), "labels", Map.of("zone", "attic")));
            String id = RegistryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .enroll(TestDevices.request(token, TestDevices.newName(), TestDevices.newFingerprint())
                            .putLabels("rack", "2").build())
                    .getDevice().getDeviceId();
            String etag = etag(id);
            VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> sweeper.sweep(Instant.now())));
            given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                    .body(Map.of("labels", Map.of("zone", "attic", "rack", "2"))).when().patch("/api/v1/devices/" + id)
                    .then().statusCode(200);
            given().auth().oauth2(TestTokens.admin()).when().post("/api/v1/devices/" + id + "/approve").then().statusCode(200);
            assertEquals(etag, etag(id));
        } finally {
            channel.shutdownNow();
        }
    }

    @Test
    void concurrentEnrolmentsWithOneJoinTokenAllSucceed() throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            String token = TestDevices.joinToken(Map.of("usageLimit", 6, "labels", Map.of("batch", "b1")));
            List<Future<String>> enrolled = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                enrolled.add(pool.submit(() -> RegistryServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(60, TimeUnit.SECONDS)
                        .enroll(TestDevices.request(token, TestDevices.newName(), TestDevices.newFingerprint()).build())
                        .getDevice().getDeviceId()));
            }
            for (Future<String> f : enrolled) {
                UUID.fromString(f.get(90, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
            channel.shutdownNow();
        }
    }

    @Test
    void anEntityLoadedAndLeftAloneIsNeitherDirtyNorWritten() throws Throwable {
        String token = TestDevices.joinToken(Map.of("networks", List.of("home"), "labels", Map.of("zone", "attic")));
        UUID tokenId = UUID.fromString(token.split("\\.")[1]);
        ManagedChannel channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        String id;
        try {
            id = RegistryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .enroll(TestDevices.request(token, TestDevices.newName(), TestDevices.newFingerprint())
                            .addCapabilities(dev.asgard.proto.registry.v1.Capability.newBuilder().setName("storage.nfs")
                                    .setVersion("4.2.0").putAttributes("export", "srv"))
                            .build())
                    .getDevice().getDeviceId();
        } finally {
            channel.shutdownNow();
        }
        String etag = etag(id);
        long tokenVersion = tokenVersion(tokenId);

        // Loaded in a transaction that commits, with nothing marked read-only: the flush must find nothing to write.
        List<String> dirty = VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> Panache.getSession()
                .chain(session -> session.find(Device.class, UUID.fromString(id))
                        .chain(device -> session.find(JoinToken.class, tokenId).map(joinToken -> List.of(device, joinToken)))
                        .chain(loaded -> session.createSelectionQuery("from DeviceCapability where deviceId = :id",
                                DeviceCapability.class).setParameter("id", UUID.fromString(id)).getResultList()
                                .map(capabilities -> {
                                    List<Object> all = new ArrayList<>(loaded);
                                    all.addAll(capabilities);
                                    return all;
                                })))
                .map(all -> all.stream()
                        .filter(entity -> ((org.hibernate.engine.spi.SelfDirtinessTracker) entity).$$_hibernate_hasDirtyAttributes())
                        .map(entity -> entity.getClass().getSimpleName() + " " + List.of(
                                ((org.hibernate.engine.spi.SelfDirtinessTracker) entity).$$_hibernate_getDirtyAttributes()))
                        .toList())));

        assertEquals(List.of(), dirty);
        assertEquals(etag, etag(id));
        assertEquals(tokenVersion, tokenVersion(tokenId));
    }

    private long tokenVersion(UUID tokenId) {
        return pool.preparedQuery("SELECT version FROM registry.join_token WHERE id = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(tokenId)).await().atMost(java.time.Duration.ofSeconds(30))
                .iterator().next().getLong("version");
    }

    private static String etag(String id) {
        return given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + id)
                .then().statusCode(200).extract().header("ETag");
    }
}
