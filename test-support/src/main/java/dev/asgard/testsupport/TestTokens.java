package dev.asgard.testsupport;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.smallrye.jwt.build.Jwt;

/**
 * Bearer tokens for tests, shaped like the access tokens of the Keycloak realm {@code asgard} ({@code iss},
 * {@code sub}, {@code preferred_username}, {@code aud}, {@code azp}, {@code typ}, {@code iat}, {@code exp},
 * {@code jti}, {@code realm_access.roles}, {@code groups}) and signed (RS256) with an RSA 2048 key pair generated
 * once per test JVM: no key is ever committed. {@link OidcTokenResource} makes quarkus-oidc trust that key.
 *
 * <pre>{@code
 * given().auth().oauth2(TestTokens.admin()).post("/api/v1/networks")...
 * }</pre>
 */
public final class TestTokens {

    /** The issuer of every token; {@link OidcTokenResource} configures quarkus-oidc to expect it. */
    public static final String ISSUER = "https://keycloak.asgard.test/realms/asgard";
    /** The audience of every token. */
    public static final String AUDIENCE = "asgard";
    /** Administrators: read and write. */
    public static final String ADMIN_ROLE = "asgard-admin";
    /** Read-only administrators. */
    public static final String VIEWER_ROLE = "asgard-viewer";

    private static final Duration LIFETIME = Duration.ofHours(1);
    private static final String AUTHORIZED_PARTY = "asgard-tests";

    private static volatile KeyPair trusted;
    private static volatile PrivateKey unknown;

    private TestTokens() {
    }

    /** @return a valid token of user {@code admin} with role {@value #ADMIN_ROLE} */
    public static String admin() {
        return forUser("admin", ADMIN_ROLE);
    }

    /** @return a valid token of user {@code viewer} with role {@value #VIEWER_ROLE} */
    public static String viewer() {
        return forUser("viewer", VIEWER_ROLE);
    }

    /**
     * @param roles realm roles; none for an authenticated user without any Asgard role
     * @return a valid token of user {@code user} with exactly these roles
     */
    public static String withRoles(String... roles) {
        return forUser("user", roles);
    }

    /**
     * @param username the {@code preferred_username}; {@code sub} is a UUID derived from it, stable across runs
     * @param roles realm roles
     * @return a valid token of that user with exactly these roles
     */
    public static String forUser(String username, String... roles) {
        Instant now = Instant.now();
        return sign(username, roles, now, now.plus(LIFETIME), trustedKeys().getPrivate());
    }

    /** @return an admin token that expired an hour ago (issued two hours ago), correctly signed */
    public static String expired() {
        Instant issued = Instant.now().minus(LIFETIME.multipliedBy(2));
        return sign("admin", new String[] {ADMIN_ROLE}, issued, issued.plus(LIFETIME), trustedKeys().getPrivate());
    }

    /** @return an otherwise valid admin token signed with a key nobody trusts */
    public static String signedByUnknownKey() {
        Instant now = Instant.now();
        return sign("admin", new String[] {ADMIN_ROLE}, now, now.plus(LIFETIME), unknownKey());
    }

    /** @return the public key that verifies the valid tokens */
    public static PublicKey publicKey() {
        return trustedKeys().getPublic();
    }

    /** @return {@link #publicKey()} as base64 of its X.509 encoding, the form of {@code quarkus.oidc.public-key} */
    public static String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey().getEncoded());
    }

    private static String sign(String username, String[] roles, Instant issuedAt, Instant expiresAt, PrivateKey key) {
        List<String> roleList = List.of(roles);
        Set<String> groups = new LinkedHashSet<>(roleList);
        return Jwt.issuer(ISSUER)
                .subject(UUID.nameUUIDFromBytes(username.getBytes(StandardCharsets.UTF_8)).toString())
                .preferredUserName(username)
                .audience(AUDIENCE)
                .claim("azp", AUTHORIZED_PARTY)
                .claim("typ", "Bearer")
                .claim("jti", UUID.randomUUID().toString())
                .claim("realm_access", Map.of("roles", roleList))
                .groups(groups)
                .issuedAt(issuedAt.getEpochSecond())
                .expiresAt(expiresAt.getEpochSecond())
                .jws()
                .sign(key);
    }

    /** The trusted pair, the same for every class loader of this JVM (see {@link JvmShared}). */
    private static KeyPair trustedKeys() {
        KeyPair result = trusted;
        if (result == null) {
            result = TestKeyPairs.shared("oidc");
            trusted = result;
        }
        return result;
    }

    private static PrivateKey unknownKey() {
        PrivateKey result = unknown;
        if (result == null) {
            result = TestKeyPairs.generate().getPrivate();
            unknown = result;
        }
        return result;
    }
}
