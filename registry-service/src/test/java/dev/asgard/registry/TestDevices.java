package dev.asgard.registry;

import static io.restassured.RestAssured.given;

import java.util.Map;
import java.util.UUID;

import dev.asgard.proto.registry.v1.EnrollRequest;
import dev.asgard.proto.registry.v1.EnrollResponse;
import dev.asgard.proto.registry.v1.RegistryServiceGrpc;
import dev.asgard.proto.registry.v1.WorldType;
import dev.asgard.testsupport.TestTokens;
import io.restassured.http.ContentType;

/** Join tokens and enrolled devices for registry tests, through the real REST and gRPC APIs. */
public final class TestDevices {

    private TestDevices() {
    }

    /**
     * @param options the body of {@code POST /api/v1/join-tokens}
     * @return the secret join token
     */
    public static String joinToken(Map<String, Object> options) {
        return given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(options)
                .when().post("/api/v1/join-tokens").then().statusCode(201).extract().path("token");
    }

    /** @return a fresh, valid device name */
    public static String newName() {
        return "dev-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** @return a fresh machine fingerprint */
    public static String newFingerprint() {
        return "machine-" + UUID.randomUUID();
    }

    /** @return a valid enrolment request for a physical device */
    public static EnrollRequest.Builder request(String joinToken, String name, String fingerprint) {
        return EnrollRequest.newBuilder().setJoinToken(joinToken).setName(name).setFingerprint(fingerprint)
                .setWorldType(WorldType.WORLD_TYPE_PHYSICAL);
    }

    /**
     * Enrols a new device with a new join token.
     *
     * @param registry the gRPC client
     * @param tokenOptions the join token's options
     * @return the enrolment answer
     */
    public static EnrollResponse enrollNew(RegistryServiceGrpc.RegistryServiceBlockingStub registry,
            Map<String, Object> tokenOptions) {
        return registry.enroll(request(joinToken(tokenOptions), newName(), newFingerprint()).build());
    }
}
