package dev.asgard.bench;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.List;
import java.util.Map;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * Device tokens for services other than the registry (commons/README.md "Device tokens": RS256 with {@code kid},
 * issuer {@code asgard-registry}, audience {@code asgard}, {@code typ device}, {@code sub} = device id,
 * {@code networks}, {@code labels}), signed with a key pair generated per run; the service under test trusts
 * {@link #jwks()} ({@code asgard.device-auth.jwks}), as test-support's DeviceAuthResource does for tests.
 */
final class DeviceTokenSigner {

    static final String ISSUER = "asgard-registry";
    static final String AUDIENCE = "asgard";
    private static final String KEY_ID = "asgard-bench-device-key";
    private final KeyPair keys;

    DeviceTokenSigner() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            this.keys = generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Every JDK generates RSA keys", e);
        }
    }

    /** @return the JWKS document with the public key */
    String jwks() {
        try {
            RsaJsonWebKey jwk = new RsaJsonWebKey((RSAPublicKey) keys.getPublic());
            jwk.setKeyId(KEY_ID);
            jwk.setUse("sig");
            jwk.setAlgorithm("RS256");
            return new JsonWebKeySet(List.<JsonWebKey>of(jwk)).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
        } catch (RuntimeException e) {
            throw new IllegalStateException("Cannot render the JWKS", e);
        }
    }

    /** @return a ten-minute token (the services accept at most the issuer's 10 minutes) of the device, in no network and without labels */
    String sign(String deviceId) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setSubject(deviceId);
        claims.setAudience(AUDIENCE);
        claims.setClaim("typ", "device");
        claims.setGeneratedJwtId();
        claims.setClaim("networks", List.of());
        claims.setClaim("labels", Map.of());
        claims.setIssuedAtToNow();
        claims.setExpirationTimeMinutesInTheFuture(10);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(claims.toJson());
        jws.setKey(keys.getPrivate());
        jws.setKeyIdHeaderValue(KEY_ID);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException("Cannot sign a device token", e);
        }
    }
}
