package dev.asgard.testsupport;

import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import io.smallrye.jwt.build.Jwt;

/**
 * Device tokens for tests, in the format of commons/README.md "Device tokens" (RS256, {@code kid}, {@code iss}
 * {@value #ISSUER}, {@code aud} {@value #AUDIENCE}, {@code typ} {@code device}, {@code sub} = device id, {@code iat},
 * {@code exp}, {@code jti}, {@code networks}, {@code labels}), signed with an RSA 2048 key pair generated once per
 * test JVM and shared by every Quarkus class loader (see {@link JvmShared}); no key is ever committed.
 * {@link DeviceAuthResource} makes the services' verifier trust {@link #jwks()}.
 *
 * <pre>{@code
 * HeartbeatResponse response = stub
 *         .withCallCredentials(DeviceTokens.credentials(DeviceTokens.forDevice(deviceId)))
 *         .heartbeat(request);
 * }</pre>
 */
public final class DeviceTokens {

    /** The issuer the services expect by default ({@code asgard.device-auth.issuer}). */
    public static final String ISSUER = "asgard-registry";
    /** The audience the services expect by default ({@code asgard.device-auth.audience}). */
    public static final String AUDIENCE = "asgard";
    /** The key id of the trusted test key. */
    public static final String KEY_ID = "asgard-test-device-key";

    private static final Duration LIFETIME = Duration.ofMinutes(10);

    private static volatile KeyPair trusted;
    private static volatile PrivateKey unknown;

    private DeviceTokens() {
    }

    /**
     * @param deviceId the device
     * @return a valid token of that device, in no network and without labels
     */
    public static String forDevice(String deviceId) {
        return forDevice(deviceId, List.of(), Map.of());
    }

    /**
     * @param deviceId the device
     * @param networks network ids (claim {@code networks})
     * @param labels authorization-relevant labels (claim {@code labels})
     * @return a valid token
     */
    public static String forDevice(String deviceId, List<String> networks, Map<String, String> labels) {
        Instant now = Instant.now();
        return sign(deviceId, networks, labels, now, now.plus(LIFETIME), AUDIENCE, KEY_ID, trustedKeys().getPrivate());
    }

    /**
     * @param deviceId the device
     * @param issuedAt the {@code iat}; the token lives 10 minutes from then
     * @return a correctly signed token issued at that time (revocation tests: before or after a cut-off)
     */
    public static String issuedAt(String deviceId, Instant issuedAt) {
        return sign(deviceId, List.of(), Map.of(), issuedAt, issuedAt.plus(LIFETIME), AUDIENCE, KEY_ID,
                trustedKeys().getPrivate());
    }

    /** @return a correctly signed token of the device that expired 10 minutes ago */
    public static String expired(String deviceId) {
        return issuedAt(deviceId, Instant.now().minus(LIFETIME.multipliedBy(2)));
    }

    /** @return a correctly signed token of the device for audience {@code not-asgard} */
    public static String wrongAudience(String deviceId) {
        Instant now = Instant.now();
        return sign(deviceId, List.of(), Map.of(), now, now.plus(LIFETIME), "not-asgard", KEY_ID,
                trustedKeys().getPrivate());
    }

    /** @return an otherwise valid token signed by another key, under a key id the JWKS does not publish */
    public static String signedByUnknownKey(String deviceId) {
        Instant now = Instant.now();
        return sign(deviceId, List.of(), Map.of(), now, now.plus(LIFETIME), AUDIENCE, "unknown-test-key",
                unknownKey());
    }

    /** @return an otherwise valid token that names the trusted key id but is signed by another key (forged) */
    public static String forged(String deviceId) {
        Instant now = Instant.now();
        return sign(deviceId, List.of(), Map.of(), now, now.plus(LIFETIME), AUDIENCE, KEY_ID, unknownKey());
    }

    /** @return the JWKS document (JSON) with the trusted public key, as the registry publishes it */
    public static String jwks() {
        try {
            RsaJsonWebKey jwk = new RsaJsonWebKey((RSAPublicKey) trustedKeys().getPublic());
            jwk.setKeyId(KEY_ID);
            jwk.setUse("sig");
            jwk.setAlgorithm("RS256");
            return new JsonWebKeySet(List.<JsonWebKey>of(jwk)).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot render the test JWKS", e);
        }
    }

    /**
     * @param token a device token
     * @return call credentials sending it as {@code authorization: Bearer <token>}
     */
    public static io.grpc.CallCredentials credentials(String token) {
        return new BearerCredentials(token);
    }

    private static String sign(String deviceId, List<String> networks, Map<String, String> labels, Instant issuedAt,
            Instant expiresAt, String audience, String keyId, PrivateKey key) {
        return Jwt.issuer(ISSUER)
                .subject(deviceId)
                .audience(audience)
                .claim("typ", "device")
                .claim("jti", UUID.randomUUID().toString())
                .claim("networks", networks)
                .claim("labels", labels)
                .issuedAt(issuedAt.getEpochSecond())
                .expiresAt(expiresAt.getEpochSecond())
                .jws()
                .algorithm(SignatureAlgorithm.RS256)
                .keyId(keyId)
                .sign(key);
    }

    private static KeyPair trustedKeys() {
        KeyPair result = trusted;
        if (result == null) {
            result = TestKeyPairs.shared("device");
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
