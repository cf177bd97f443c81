package dev.asgard.registry.keys;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.jose4j.lang.JoseException;

import dev.asgard.commons.auth.DeviceAuthConfig;
import dev.asgard.commons.auth.DeviceTokenRules;
import dev.asgard.registry.config.RegistryConfig;
import io.smallrye.mutiny.Uni;

/**
 * Issues device tokens in the format of commons/README.md, "Device tokens": RS256 with {@code kid}, {@code iss},
 * {@code aud}, {@code typ=device}, {@code sub} = device id, {@code iat}, {@code exp}, {@code jti}, {@code networks},
 * {@code labels}. Signed with the newest active key, which the JWKS has published for at least the pre-publication
 * delay.
 */
@ApplicationScoped
public class DeviceTokenIssuer {

    private final SigningKeyService keys;
    private final DeviceAuthConfig deviceAuth;
    private final Duration lifetime;
    private final Clock clock;

    public DeviceTokenIssuer(SigningKeyService keys, DeviceAuthConfig deviceAuth, RegistryConfig config, Clock clock) {
        this.keys = keys;
        this.deviceAuth = deviceAuth;
        this.lifetime = config.deviceTokens().lifetime();
        this.clock = clock;
    }

    /**
     * Issues a token; the caller has checked that the device may have one (active, credential valid).
     *
     * @param deviceId the subject
     * @param networks the networks the device belongs to
     * @param labels the labels authorization decisions use
     * @return the token, its expiry and key id
     */
    public Uni<IssuedToken> issue(String deviceId, List<String> networks, Map<String, String> labels) {
        return issue(deviceId, networks, labels, clock.instant());
    }

    Uni<IssuedToken> issue(String deviceId, List<String> networks, Map<String, String> labels, Instant at) {
        Instant now = at.truncatedTo(ChronoUnit.SECONDS);
        Instant expiresAt = now.plus(lifetime);
        return keys.signingKey(now).map(key -> {
            JwtClaims claims = new JwtClaims();
            claims.setIssuer(deviceAuth.issuer());
            claims.setAudience(deviceAuth.audience());
            claims.setSubject(deviceId);
            claims.setClaim("typ", DeviceTokenRules.DEVICE_TYPE);
            claims.setIssuedAt(NumericDate.fromSeconds(now.getEpochSecond()));
            claims.setExpirationTime(NumericDate.fromSeconds(expiresAt.getEpochSecond()));
            claims.setGeneratedJwtId();
            claims.setStringListClaim("networks", networks == null ? List.of() : List.copyOf(networks));
            claims.setClaim("labels", labels == null ? Map.of() : new LinkedHashMap<>(labels));
            JsonWebSignature jws = new JsonWebSignature();
            jws.setPayload(claims.toJson());
            jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
            jws.setKeyIdHeaderValue(key.key().kid());
            jws.setHeader("typ", "JWT");
            jws.setKey(key.jwk().getPrivateKey());
            try {
                return new IssuedToken(jws.getCompactSerialization(), expiresAt, key.key().kid());
            } catch (JoseException e) {
                throw new IllegalStateException("signing a device token failed", e);
            }
        });
    }
}
