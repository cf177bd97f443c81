package dev.asgard.registry.grpc;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.GrpcErrors;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.ExchangeCredentialRequest;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.registry.TestDevices;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

/**
 * Many devices using one join token at once, and one device exchanging or rotating its credential while it
 * exchanges: each call either succeeds or fails for its own stable reason, never with a spurious
 * {@code ABORTED}/{@code CONCURRENT_MODIFICATION}, and the usage limit is exact.
 */
@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class ConcurrentUseGrpcTest {

    private static final int DEVICES = 8;

    @TestHTTPResource("/")
    URL root;

    private ManagedChannel channel;
    private ExecutorService pool;

    @BeforeEach
    void connect() {
        channel = ManagedChannelBuilder.forAddress(root.getHost(), root.getPort()).usePlaintext().build();
        pool = Executors.newFixedThreadPool(DEVICES);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        pool.shutdownNow();
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void concurrentEnrolmentsWithOneTokenAllSucceedWhenItsLimitAllows() throws Exception {
        JsonPath created = createToken(Map.of("usageLimit", DEVICES, "labels", Map.of("batch", "b1"),
                "networks", List.of("lab")));
        String prefix = prefix();

        Map<String, Integer> outcomes = outcomes(enrolAll(created.getString("token"), prefix));

        assertEquals(Map.of("OK", DEVICES), outcomes);
        JsonPath token = readToken(created.getString("joinToken.id"));
        assertEquals(DEVICES, token.getInt("usageCount"));
        assertEquals("EXHAUSTED", token.getString("state"));
        assertEquals(DEVICES, devicesNamed(prefix));
    }

    @Test
    void aUsageLimitBelowTheConcurrentEnrolmentsAdmitsExactlyThatManyAndRefusesTheRestAsExhausted()
            throws Exception {
        int limit = 3;
        JsonPath created = createToken(Map.of("usageLimit", limit, "labels", Map.of("batch", "b2")));
        String prefix = prefix();

        Map<String, Integer> outcomes = outcomes(enrolAll(created.getString("token"), prefix));

        assertEquals(Map.of("OK", limit, "JOIN_TOKEN_EXHAUSTED", DEVICES - limit), outcomes);
        assertEquals(limit, readToken(created.getString("joinToken.id")).getInt("usageCount"));
        // A refused enrolment leaves nothing behind.
        assertEquals(limit, devicesNamed(prefix));
    }

    @Test
    void concurrentExchangesAndRotationsOfOneDeviceAllSucceedAndLeaveItsRevisionAlone() throws Exception {
        EnrollResponse enrolled = TestDevices.enrollNew(stub(), Map.of("labels", Map.of("zone", "attic"),
                "networks", List.of("home")));
        String deviceId = enrolled.getDevice().getDeviceId();
        String etag = etag(deviceId);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> calls = new ArrayList<>();
        // Four exchanges (the tests' per-device exchange limit is a burst of 5) and one rotation in between.
        for (int i = 0; i < 5; i++) {
            boolean rotate = i == 2;
            calls.add(pool.submit(outcome(start, () -> {
                if (rotate) {
                    given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                            .body(Map.of("previousCredentialGrace", "10m"))
                            .when().post("/api/v1/devices/" + deviceId + "/credentials/rotate")
                            .then().statusCode(200);
                } else {
                    stub().exchangeCredential(ExchangeCredentialRequest.newBuilder().setDeviceId(deviceId)
                            .setDeviceCredential(enrolled.getDeviceCredential()).build());
                }
            })));
        }
        start.countDown();

        assertEquals(Map.of("OK", 5), outcomes(calls));
        assertEquals(etag, etag(deviceId));
    }

    private List<Future<String>> enrolAll(String token, String prefix) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<String>> calls = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            String name = prefix + "-" + i;
            calls.add(pool.submit(outcome(start, () -> stub()
                    .enroll(TestDevices.request(token, name, TestDevices.newFingerprint()).build()))));
        }
        start.countDown();
        return calls;
    }

    /** The call's outcome: OK, or the stable reason (or status code) it failed with. */
    private static Callable<String> outcome(CountDownLatch start, Runnable call) {
        return () -> {
            start.await();
            try {
                call.run();
                return "OK";
            } catch (StatusRuntimeException e) {
                return GrpcErrors.reason(e).orElse(e.getStatus().getCode().name());
            }
        };
    }

    private static Map<String, Integer> outcomes(List<Future<String>> calls)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Map<String, Integer> counts = new TreeMap<>();
        for (Future<String> call : calls) {
            counts.merge(call.get(120, TimeUnit.SECONDS), 1, Integer::sum);
        }
        return counts;
    }

    private RegistryServiceGrpc.RegistryServiceBlockingStub stub() {
        return RegistryServiceGrpc.newBlockingStub(channel).withDeadlineAfter(90, TimeUnit.SECONDS);
    }

    private static String prefix() {
        return "cc-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static JsonPath createToken(Map<String, Object> options) {
        return given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(options)
                .when().post("/api/v1/join-tokens").then().statusCode(201).extract().jsonPath();
    }

    private static JsonPath readToken(String id) {
        return given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/join-tokens/" + id)
                .then().statusCode(200).extract().jsonPath();
    }

    private static int devicesNamed(String prefix) {
        List<Object> items = given().auth().oauth2(TestTokens.viewer()).queryParam("name_prefix", prefix)
                .queryParam("page_size", 100).when().get("/api/v1/devices")
                .then().statusCode(200).extract().jsonPath().getList("items");
        return items.size();
    }

    private static String etag(String id) {
        return given().auth().oauth2(TestTokens.viewer()).when().get("/api/v1/devices/" + id)
                .then().statusCode(200).extract().header("ETag");
    }
}
