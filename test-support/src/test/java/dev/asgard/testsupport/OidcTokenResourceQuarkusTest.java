package dev.asgard.testsupport;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The tokens and the resource's configuration against real quarkus-oidc, the way the services use them. */
@QuarkusTest
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
class OidcTokenResourceQuarkusTest {

    @Test
    void anAdminMayReadAndWriteAndIsKnownByUsername() {
        given().auth().oauth2(TestTokens.admin()).get("/guarded").then().statusCode(200).body(equalTo("admin"));
        given().auth().oauth2(TestTokens.admin()).post("/guarded").then().statusCode(200);
    }

    @Test
    void aViewerMayReadButNotWrite() {
        given().auth().oauth2(TestTokens.viewer()).get("/guarded").then().statusCode(200).body(equalTo("viewer"));
        given().auth().oauth2(TestTokens.viewer()).post("/guarded").then().statusCode(403);
    }

    @Test
    void aTokenWithoutAsgardRolesIsForbidden() {
        given().auth().oauth2(TestTokens.withRoles("offline_access")).get("/guarded").then().statusCode(403);
    }

    @Test
    void missingExpiredAndForeignTokensAreUnauthenticated() {
        given().get("/guarded").then().statusCode(401);
        given().auth().oauth2(TestTokens.expired()).get("/guarded").then().statusCode(401);
        given().auth().oauth2(TestTokens.signedByUnknownKey()).get("/guarded").then().statusCode(401);
    }
}
