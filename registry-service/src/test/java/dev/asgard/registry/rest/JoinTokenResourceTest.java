package dev.asgard.registry.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.registry.repository.JoinTokenRepository;
import dev.asgard.registry.service.JoinTokenService;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import dev.asgard.testsupport.TestTokens;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
class JoinTokenResourceTest {

    private static final String PATH = "/api/v1/join-tokens";

    @Inject
    JoinTokenService service;

    @Inject
    JoinTokenRepository repository;

    @Test
    void createdTokenShowsItsSecretOnceAndNeverAgain() {
        ExtractableResponse<Response> created = create(Map.of("description", "rack 3", "ttl", "2h", "usageLimit", 5,
                "networks", List.of("lab"), "labels", Map.of("site", "home", "asgard.dev/role", "edge"),
                "ephemeral", true, "requiresApproval", true));
        String id = created.path("joinToken.id");
        String token = created.path("token");
        assertEquals(201, created.statusCode());
        assertEquals("/api/v1/join-tokens/" + id, java.net.URI.create(created.header("Location")).getPath());
        org.hamcrest.MatcherAssert.assertThat(token, startsWith("ajt1." + id + "."));

        given().auth().oauth2(TestTokens.viewer()).when().get(PATH + "/" + id)
                .then().statusCode(200)
                .body("token", nullValue())
                .body("state", equalTo("ACTIVE"))
                .body("usageLimit", equalTo(5))
                .body("remainingUses", equalTo(5))
                .body("networks", equalTo(List.of("lab")))
                .body("labels.site", equalTo("home"))
                .body("ephemeral", equalTo(true))
                .body("ephemeralGracePeriod", equalTo("PT30M"))
                .body("requiresApproval", equalTo(true))
                .body("createdBy", equalTo("alice"));
        String body = given().auth().oauth2(TestTokens.admin()).when().get(PATH).asString();
        org.hamcrest.MatcherAssert.assertThat(body, not(org.hamcrest.Matchers.containsString(token.substring(42))));
    }

    @Test
    void adminWritesNeedTheAdminRole() {
        given().contentType(ContentType.JSON).body("{}").when().post(PATH).then().statusCode(401);
        given().auth().oauth2(TestTokens.viewer()).contentType(ContentType.JSON).body("{}").when().post(PATH)
                .then().statusCode(403);
        given().auth().oauth2(TestTokens.withRoles("offline_access")).when().get(PATH).then().statusCode(403);
        given().when().get(PATH).then().statusCode(401);
        String id = create(Map.of()).path("joinToken.id");
        given().auth().oauth2(TestTokens.viewer()).when().delete(PATH + "/" + id).then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer()).when().get(PATH + "/" + id).then().statusCode(200)
                .body("state", equalTo("ACTIVE"));
    }

    @Test
    void badInputIsRejectedWithFieldViolationsAndStoresNothing() {
        long before = count();
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("ttl", "soon", "usageLimit", 0, "networks", List.of("lab", "lab", "bad network!"),
                        "labels", Map.of("-bad", "x", "ok", "not ok!"), "ephemeralGracePeriod", "1h",
                        "description", "x".repeat(201)))
                .when().post(PATH)
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("reason", equalTo("INVALID_ARGUMENT"))
                .body("errors.field", hasItems("ttl"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON)
                .body(Map.of("usageLimit", 0, "networks", List.of("lab", "lab", "bad network!"),
                        "labels", Map.of("-bad", "x", "ok", "not ok!"), "ephemeralGracePeriod", "1h",
                        "description", "x".repeat(201)))
                .when().post(PATH)
                .then().statusCode(400)
                .body("errors.field", hasItems("usageLimit", "networks", "networks[2]", "labels.-bad", "labels.ok",
                        "ephemeralGracePeriod", "description"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body(Map.of("ttl", "400d"))
                .when().post(PATH).then().statusCode(400).body("errors.field", hasItem("ttl"));
        given().auth().oauth2(TestTokens.admin()).contentType(ContentType.JSON).body("{not json")
                .when().post(PATH).then().statusCode(400);
        assertEquals(before, count());
    }

    @Test
    void revokeIsIdempotentAndUnknownIdsAreNotFound() {
        String id = create(Map.of()).path("joinToken.id");
        given().auth().oauth2(TestTokens.forUser("bob", TestTokens.ADMIN_ROLE)).when().delete(PATH + "/" + id)
                .then().statusCode(200).body("state", equalTo("REVOKED")).body("revokedBy", equalTo("bob"));
        String revokedAt = given().auth().oauth2(TestTokens.admin()).when().delete(PATH + "/" + id)
                .then().statusCode(200).extract().path("revokedAt");
        given().auth().oauth2(TestTokens.viewer()).when().get(PATH + "/" + id)
                .then().body("revokedAt", equalTo(revokedAt));
        given().auth().oauth2(TestTokens.admin()).when().delete(PATH + "/" + UUID.randomUUID())
                .then().statusCode(404).body("reason", equalTo("JOIN_TOKEN_NOT_FOUND"));
        given().auth().oauth2(TestTokens.viewer()).when().get(PATH + "/not-a-uuid")
                .then().statusCode(400).body("reason", equalTo("INVALID_JOIN_TOKEN_ID"));
    }

    @Test
    void listPagesWithOpaqueTokensBoundToTheFilter() {
        for (int i = 0; i < 3; i++) {
            create(Map.of("description", "page test " + i));
        }
        ExtractableResponse<Response> first = given().auth().oauth2(TestTokens.viewer())
                .queryParam("page_size", 2).queryParam("state", "active").when().get(PATH)
                .then().statusCode(200).extract();
        List<String> firstIds = first.path("items.id");
        String next = first.path("nextPageToken");
        assertEquals(2, firstIds.size());
        assertNotEquals("", next);
        List<String> secondIds = given().auth().oauth2(TestTokens.viewer())
                .queryParam("page_size", 2).queryParam("state", "active").queryParam("page_token", next)
                .when().get(PATH).then().statusCode(200).extract().path("items.id");
        secondIds.forEach(id -> org.hamcrest.MatcherAssert.assertThat(firstIds, not(hasItem(id))));

        given().auth().oauth2(TestTokens.viewer()).queryParam("page_token", next).queryParam("state", "revoked")
                .when().get(PATH).then().statusCode(400).body("reason", equalTo("INVALID_PAGE_TOKEN"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_token", next + "x").queryParam("state", "active")
                .when().get(PATH).then().statusCode(400).body("reason", equalTo("INVALID_PAGE_TOKEN"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("page_size", -1)
                .when().get(PATH).then().statusCode(400).body("reason", equalTo("INVALID_PAGE_SIZE"));
        given().auth().oauth2(TestTokens.viewer()).queryParam("state", "sleepy")
                .when().get(PATH).then().statusCode(400).body("reason", equalTo("INVALID_STATE"));
    }

    @Test
    void aTokenIsUsableUpToItsLimitAndNeverWithAWrongSecret() throws Throwable {
        ExtractableResponse<Response> created = create(Map.of("usageLimit", 1));
        String token = created.path("token");
        String id = created.path("joinToken.id");

        assertEquals("JOIN_TOKEN_INVALID", useFails(token.substring(0, token.length() - 2) + "xx"));
        assertEquals("JOIN_TOKEN_INVALID", useFails("ajt1." + UUID.randomUUID() + ".secret"));
        assertEquals("JOIN_TOKEN_INVALID", useFails("not a token"));
        assertEquals(1, use(token).usageCount);
        assertEquals("JOIN_TOKEN_EXHAUSTED", useFails(token));
        given().auth().oauth2(TestTokens.viewer()).when().get(PATH + "/" + id)
                .then().body("state", equalTo("EXHAUSTED")).body("usageCount", equalTo(1))
                .body("remainingUses", equalTo(0));
    }

    @Test
    void revokedAndExpiredTokensCannotBeUsed() throws Throwable {
        ExtractableResponse<Response> revoked = create(Map.of());
        given().auth().oauth2(TestTokens.admin()).delete(PATH + "/" + revoked.path("joinToken.id"));
        assertEquals("JOIN_TOKEN_REVOKED", useFails(revoked.path("token")));

        ExtractableResponse<Response> expiring = create(Map.of("ttl", "1m"));
        UUID id = UUID.fromString(expiring.path("joinToken.id"));
        VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> repository
                .update("expiresAt = ?1 where id = ?2", Instant.now().minusSeconds(1), id)));
        assertEquals("JOIN_TOKEN_EXPIRED", useFails(expiring.path("token")));
        given().auth().oauth2(TestTokens.viewer()).queryParam("state", "expired").queryParam("page_size", 500)
                .when().get(PATH).then().statusCode(200).body("items.id", hasItem(id.toString()));
    }

    private dev.asgard.registry.entity.JoinToken use(String token) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(() -> Panache.withTransaction(() -> service.use(token)));
    }

    private String useFails(String token) {
        return assertThrows(AsgardException.class, () -> use(token)).reason();
    }

    private long count() {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> Panache.withSession(() -> repository.count()));
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }

    private static ExtractableResponse<Response> create(Map<String, Object> body) {
        return given().auth().oauth2(TestTokens.forUser("alice", TestTokens.ADMIN_ROLE)).contentType(ContentType.JSON)
                .body(body).when().post(PATH).then().statusCode(201).extract();
    }
}
