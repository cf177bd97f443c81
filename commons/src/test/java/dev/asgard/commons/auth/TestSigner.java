package dev.asgard.commons.auth;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;

/** RSA keys with ids and tokens built claim by claim, so each test can break exactly one property. */
final class TestSigner {

    static final String ISSUER = "asgard-registry";
    static final String AUDIENCE = "asgard";

    final String kid;
    final KeyPair keys;

    TestSigner(String kid) {
        this.kid = kid;
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            this.keys = generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String jwks(TestSigner... signers) {
        List<JsonWebKey> keys = new ArrayList<>();
        for (TestSigner signer : signers) {
            RsaJsonWebKey jwk = new RsaJsonWebKey((RSAPublicKey) signer.keys.getPublic());
            jwk.setKeyId(signer.kid);
            jwk.setUse("sig");
            keys.add(jwk);
        }
        return new JsonWebKeySet(keys).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY);
    }

    /** Valid device claims of {@code deviceId}, issued at {@code issuedAt}, living ten minutes. */
    static JwtClaims claims(String deviceId, Instant issuedAt) {
        JwtClaims claims = new JwtClaims();
        claims.setIssuer(ISSUER);
        claims.setAudience(AUDIENCE);
        claims.setSubject(deviceId);
        claims.setClaim("typ", "device");
        claims.setJwtId(UUID.randomUUID().toString());
        claims.setIssuedAt(NumericDate.fromSeconds(issuedAt.getEpochSecond()));
        claims.setExpirationTime(NumericDate.fromSeconds(issuedAt.plusSeconds(600).getEpochSecond()));
        claims.setStringListClaim("networks", List.of("net-1"));
        claims.setClaim("labels", Map.of("role", "edge"));
        return claims;
    }

    String sign(JwtClaims claims) {
        return sign(claims, kid);
    }

    String sign(JwtClaims claims, String headerKid) {
        try {
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setKey(keys.getPrivate());
            if (headerKid != null) {
                jws.setKeyIdHeaderValue(headerKid);
            }
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            return jws.getCompactSerialization();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
