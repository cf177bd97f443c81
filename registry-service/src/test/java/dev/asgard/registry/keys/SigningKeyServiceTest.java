package dev.asgard.registry.keys;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.inject.Inject;

import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwx.JsonWebStructure;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.asgard.commons.auth.DeviceAuthConfig;
import dev.asgard.commons.auth.DeviceIdentity;
import dev.asgard.commons.auth.DeviceRevocations;
import dev.asgard.commons.auth.DeviceTokenRules;
import dev.asgard.commons.auth.DeviceTokenVerifier;
import dev.asgard.commons.auth.JwksSource;
import dev.asgard.commons.leader.LeaderElections;
import dev.asgard.registry.config.RegistryConfig;
import dev.asgard.testsupport.DeviceAuthResource;
import dev.asgard.testsupport.KafkaResource;
import dev.asgard.testsupport.OidcTokenResource;
import dev.asgard.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;

@QuarkusTest
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OidcTokenResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = DeviceAuthResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = SigningKeysResource.class, restrictToAnnotatedClass = false)
class SigningKeyServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    SigningKeyService service;

    @Inject
    DeviceTokenIssuer issuer;

    @Inject
    SigningKeyRepository repository;

    @Inject
    MasterKey masterKey;

    @Inject
    RegistryConfig config;

    @Inject
    DeviceAuthConfig deviceAuth;

    @Inject
    LeaderElections elections;

    @Inject
    Pool pool;

    /** Rotation tests move time far ahead: start each test from one key active now. */
    @BeforeEach
    void oneActiveKey() {
        pool.query("DELETE FROM registry.signing_key").execute().await().atMost(WAIT);
        service.invalidate();
        service.ensureActiveKey(Instant.now()).await().atMost(WAIT);
    }

    @Test
    void jwksIsPublicAndServesTheActiveKey() {
        String kid = issuer.issue("dev-1", List.of(), Map.of()).await().atMost(WAIT).kid();
        Response response = given().when().get("/.well-known/jwks.json");
        response.then().statusCode(200)
                .header("Cache-Control", equalTo("max-age=60"))
                .body("keys.kid", hasItem(kid))
                .body("keys.kty", everyItem(equalTo("RSA")))
                .body("keys.use", everyItem(equalTo("sig")))
                .body("keys.alg", everyItem(equalTo("RS256")))
                .body("keys[0].n", org.hamcrest.Matchers.notNullValue())
                .body("keys[0].e", equalTo("AQAB"))
                .body("keys[0].d", nullValue())
                .body("keys[0].p", nullValue());
    }

    @Test
    void issuedTokenVerifiesAgainstTheServedJwksWithTheDocumentedClaims() throws Exception {
        IssuedToken issued = issuer.issue("dev-42", List.of("lab", "home"), Map.of("site", "rack-3"))
                .await().atMost(WAIT);
        String jwks = given().when().get("/.well-known/jwks.json").asString();

        DeviceIdentity identity = verifier(jwks, Clock.systemUTC()).verify(issued.token()).get();
        assertEquals("dev-42", identity.deviceId());
        assertEquals(List.of("lab", "home"), identity.networks());
        assertEquals(Map.of("site", "rack-3"), identity.labels());
        assertEquals(issued.expiresAt(), identity.expiresAt());

        JsonWebSignature jws = (JsonWebSignature) JsonWebStructure.fromCompactSerialization(issued.token());
        assertEquals("RS256", jws.getAlgorithmHeaderValue());
        assertEquals(issued.kid(), jws.getKeyIdHeaderValue());
        JwtClaims claims = JwtClaims.parse(jws.getUnverifiedPayload());
        assertEquals("asgard-registry", claims.getIssuer());
        assertEquals(List.of("asgard"), claims.getAudience());
        assertEquals("device", claims.getClaimValue("typ"));
        assertEquals("dev-42", claims.getSubject());
        assertEquals(Duration.ofMinutes(10).toSeconds(),
                claims.getExpirationTime().getValue() - claims.getIssuedAt().getValue());
        assertFalse(claims.getJwtId().isBlank());
        String other = issuer.issue("dev-42", List.of(), Map.of()).await().atMost(WAIT).token();
        assertNotEquals(claims.getJwtId(), JwtClaims.parse(
                ((JsonWebSignature) JsonWebStructure.fromCompactSerialization(other)).getUnverifiedPayload()).getJwtId());
    }

    @Test
    void tokenSignedWithAnotherKeyIsRefusedByTheVerifier() throws Exception {
        String jwks = given().when().get("/.well-known/jwks.json").asString();
        // The test-support key set is not the registry's: its tokens name an unknown kid here.
        String foreign = dev.asgard.testsupport.DeviceTokens.forDevice("dev-1");
        assertThrows(Exception.class, () -> verifier(jwks, Clock.systemUTC()).verify(foreign).get());
    }

    @Test
    void privateKeysAreEncryptedAtRest() throws Exception {
        List<SigningKey> stored = repository.all().await().atMost(WAIT);
        assertFalse(stored.isEmpty());
        for (SigningKey key : stored) {
            byte[] pkcs8 = masterKey.open(key.kid(), key.privateKeyEncrypted());
            assertTrue(pkcs8.length > 1000, "decrypts to a PKCS#8 RSA key");
            assertFalse(contains(key.privateKeyEncrypted(), pkcs8), "the stored bytes contain the PKCS#8 encoding");
            assertFalse(contains(key.privateKeyEncrypted(), java.util.Arrays.copyOfRange(pkcs8, 0, 26)),
                    "the stored bytes contain the PKCS#8 header");
            assertFalse(key.publicJwk().contains("\"d\""), "the public JWK holds a private parameter");

            MasterKey wrong = MasterKey.of(Base64.getDecoder().decode(MasterKey.generateBase64()));
            assertThrows(GeneralSecurityException.class, () -> wrong.open(key.kid(), key.privateKeyEncrypted()));
            assertThrows(GeneralSecurityException.class, () -> masterKey.open("other-kid", key.privateKeyEncrypted()));
            byte[] tampered = key.privateKeyEncrypted().clone();
            tampered[tampered.length / 2] ^= 1;
            assertThrows(GeneralSecurityException.class, () -> masterKey.open(key.kid(), tampered));
        }
        byte[] once = masterKey.seal("k", new byte[] { 1, 2, 3 });
        byte[] twice = masterKey.seal("k", new byte[] { 1, 2, 3 });
        assertFalse(java.util.Arrays.equals(once, twice), "a fresh nonce per seal");
        assertArrayEquals(new byte[] { 1, 2, 3 }, masterKey.open("k", twice));
    }

    @Test
    void rotationPublishesTheNewKeyBeforeUseKeepsTheOldOneUntilItsTokensExpiredThenDeletesIt() throws Exception {
        Instant t0 = Instant.now();
        String old = issuer.issue("dev-1", List.of(), Map.of(), t0).await().atMost(WAIT).kid();
        assertEquals(Optional.empty(), service.rotate(t0).await().atMost(WAIT).created(), "not due yet");

        Instant t1 = t0.plus(config.signingKeys().rotationPeriod());
        String fresh = service.rotate(t1).await().atMost(WAIT).created().orElseThrow();
        assertEquals(Optional.empty(), service.rotate(t1.plusSeconds(1)).await().atMost(WAIT).created(),
                "a second leader pass finds the rotation done");

        // Published at once, but not yet used: verifiers get a pre-publication delay to refresh.
        assertEquals(List.of(old, fresh).stream().sorted().toList(), kids(t1).stream().sorted().toList());
        assertEquals(old, issuer.issue("dev-1", List.of(), Map.of(), t1).await().atMost(WAIT).kid());
        Instant t2 = repository.all().await().atMost(WAIT).stream().filter(k -> k.kid().equals(fresh)).findFirst()
                .orElseThrow().activatesAt();
        assertFalse(t2.isBefore(t1.plus(config.signingKeys().prePublication())), "activates after the full delay");
        IssuedToken last = issuer.issue("dev-1", List.of(), Map.of(), t2.minusSeconds(1)).await().atMost(WAIT);
        assertEquals(old, last.kid());
        IssuedToken next = issuer.issue("dev-1", List.of(), Map.of(), t2).await().atMost(WAIT);
        assertEquals(fresh, next.kid());

        // The old key's last token still verifies just before it expires.
        Instant lastExpiry = last.expiresAt();
        assertTrue(kids(lastExpiry).contains(old));
        verifier(service.jwks(lastExpiry).await().atMost(WAIT), Clock.fixed(lastExpiry.minusSeconds(1), ZoneOffset.UTC))
                .verify(last.token()).get();

        // Gone once no token of it can be valid (max lifetime + skew after retirement), and deleted by the leader.
        Instant gone = t2.plus(deviceAuth.maxTokenLifetime()).plus(deviceAuth.clockSkew());
        assertTrue(kids(gone.minusSeconds(1)).contains(old));
        assertEquals(List.of(fresh), kids(gone));
        assertEquals(List.of(old), service.rotate(gone).await().atMost(WAIT).deleted());
        assertEquals(List.of(fresh), repository.all().await().atMost(WAIT).stream().map(SigningKey::kid).toList());
    }

    @Test
    void twoReplicasNeverSignWithAKeyTheJwksDoesNotCarry() throws Exception {
        SigningKeyService replicaKeys = new SigningKeyService(repository, masterKey, config, deviceAuth, elections,
                Clock.systemUTC());
        DeviceTokenIssuer replica = new DeviceTokenIssuer(replicaKeys, deviceAuth, config, Clock.systemUTC());
        Instant t1 = Instant.now().plus(config.signingKeys().rotationPeriod());
        Duration ttl = config.signingKeys().cacheTtl();
        // The replica read the key set just before the leader rotated: its cache does not know the new key yet.
        replica.issue("dev-b", List.of(), Map.of(), t1.minusSeconds(1)).await().atMost(WAIT);
        service.rotate(t1).await().atMost(WAIT).created().orElseThrow();

        List<Instant> times = new ArrayList<>();
        for (Duration d = Duration.ZERO; d.compareTo(Duration.ofMinutes(20)) <= 0; d = d.plusSeconds(5)) {
            times.add(t1.plus(d));
        }
        times.add(t1.plus(ttl).minusMillis(1));
        for (Instant at : times) {
            for (DeviceTokenIssuer who : List.of(issuer, replica)) {
                IssuedToken token = who.issue("dev", List.of(), Map.of(), at).await().atMost(WAIT);
                for (SigningKeyService jwksOf : List.of(service, replicaKeys)) {
                    String jwks = jwksOf.jwks(at).await().atMost(WAIT);
                    verifier(jwks, Clock.fixed(at, ZoneOffset.UTC)).verify(token.token()).get();
                    // ... and it stays verifiable until it expires.
                    Instant end = token.expiresAt().minusSeconds(1);
                    String later = jwksOf.jwks(end).await().atMost(WAIT);
                    verifier(later, Clock.fixed(end, ZoneOffset.UTC)).verify(token.token()).get();
                }
            }
        }
    }

    private List<String> kids(Instant at) throws Exception {
        return new JsonWebKeySet(service.jwks(at).await().atMost(WAIT)).getJsonWebKeys().stream()
                .map(k -> k.getKeyId()).toList();
    }

    private DeviceTokenVerifier verifier(String jwks, Clock clock) {
        DeviceTokenRules rules = new DeviceTokenRules("asgard-registry", "asgard", deviceAuth.clockSkew(),
                deviceAuth.maxTokenLifetime());
        return new DeviceTokenVerifier(JwksSource.fixed(jwks), rules,
                new DeviceRevocations(clock, rules.acceptanceWindow()), clock, Duration.ofMinutes(5),
                Duration.ofSeconds(10));
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
