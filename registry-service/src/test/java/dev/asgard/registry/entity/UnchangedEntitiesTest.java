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
 * Work that looks at a device or join token without changing it must not write it: Hibernate sees the jsonb and
 * text[] columns of every loaded entity as changed, so each such path marks what it leaves alone read-only. Without
 * that, the sweeper would bump the revision of every device it judged, and concurrent enrolments with one join
 * token would conflict on the token's version.
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

    private static String etag(String id) {
        return given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + id)
                .then().statusCode(200).extract().header("ETag");
    }
}
