package dev.asgard.testsupport;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Makes quarkus-oidc (bearer tokens, {@code application-type=service}) accept the tokens of {@link TestTokens}: it
 * verifies them locally with the public key generated for this test JVM and never contacts an OIDC server.
 *
 * <pre>{@code
 * @QuarkusTest
 * @QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
 * class AboutResourceTest {
 *     @Test
 *     void viewerMayRead() {
 *         given().auth().oauth2(TestTokens.viewer()).get("/api/v1/about").then().statusCode(200);
 *     }
 * }
 * }</pre>
 *
 * Returned configuration: {@code quarkus.oidc.public-key} (base64 X.509 of the RSA key), {@code
 * quarkus.oidc.token.issuer} ({@value TestTokens#ISSUER}), {@code quarkus.oidc.discovery-enabled=false}, {@code
 * quarkus.oidc.application-type=service}, and an empty {@code quarkus.oidc.auth-server-url}, which hides the
 * service's own (with a server URL and no discovery, quarkus-oidc would insist on a JWKS path). Roles are in both
 * {@code realm_access.roles} (Keycloak) and {@code groups} (quarkus-oidc's default), so role mapping works with
 * either {@code quarkus.oidc.roles.role-claim-path} setting. The audience is not checked unless the service sets
 * {@code quarkus.oidc.token.audience}; the tokens carry {@value TestTokens#AUDIENCE}.
 */
public class OidcTokenResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return Map.of(
                // Empty hides the service's own server URL: with one set and discovery off, quarkus-oidc would demand
                // a jwks-path; with none, it verifies with the public key alone and connects nowhere.
                "quarkus.oidc.auth-server-url", "",
                "quarkus.oidc.public-key", TestTokens.publicKeyBase64(),
                "quarkus.oidc.token.issuer", TestTokens.ISSUER,
                "quarkus.oidc.discovery-enabled", "false",
                "quarkus.oidc.application-type", "service");
    }

    @Override
    public void stop() {
        // Nothing runs: the key pair lives as long as the JVM.
    }
}
