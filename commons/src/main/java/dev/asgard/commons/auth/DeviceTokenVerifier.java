package dev.asgard.commons.auth;

import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.jose4j.jwa.AlgorithmConstraints;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.MalformedClaimException;
import org.jose4j.jwt.NumericDate;
import org.jose4j.jwt.consumer.ErrorCodes;
import org.jose4j.jwt.consumer.InvalidJwtException;
import org.jose4j.jwt.consumer.JwtConsumer;
import org.jose4j.jwt.consumer.JwtConsumerBuilder;
import org.jose4j.jwx.JsonWebStructure;
import org.jose4j.lang.JoseException;

import dev.asgard.commons.error.AsgardException;
import io.smallrye.mutiny.Uni;

/**
 * Verifies device tokens offline: an RS256 JWS whose key id the registry's JWKS publishes, with the configured
 * {@code iss}, {@code aud} containing the configured audience, {@code typ} = {@code device}, {@code sub}, {@code jti},
 * {@code iat}, {@code exp} (within the clock skew, and no longer than the max lifetime after {@code iat}), {@code nbf}
 * if present, and not revoked. The format is documented in commons/README.md, "Device tokens".
 *
 * <p>A token whose key is cached is verified on the caller's thread and the returned future is already complete.
 * Only a token naming a key not yet known waits for a (rate-limited) JWKS fetch; the future then completes on the
 * HTTP client's thread, never blocking the caller.
 *
 * <p>Failures complete the future with an {@link AsgardException}: UNAUTHENTICATED with one of the
 * {@link DeviceAuthReasons}, or UNAVAILABLE {@value DeviceAuthReasons#KEYS_UNAVAILABLE} when no keys could be fetched.
 */
public final class DeviceTokenVerifier {

    private static final AlgorithmConstraints RS256_ONLY = new AlgorithmConstraints(
            AlgorithmConstraints.ConstraintType.PERMIT, AlgorithmIdentifiers.RSA_USING_SHA256);

    private final JwksKeys keys;
    private final DeviceTokenRules rules;
    private final DeviceRevocations revocations;
    private final Clock clock;
    private final VerifiedTokens verified;

    /**
     * @param source where the verification keys come from
     * @param rules the claims to enforce
     * @param revocations the revoked devices
     * @param clock the clock for {@code exp}/{@code nbf}
     * @param refreshInterval refetch the key set in the background when it is older than this
     * @param minRefreshInterval at most one fetch per this interval because of unknown key ids
     */
    public DeviceTokenVerifier(JwksSource source, DeviceTokenRules rules, DeviceRevocations revocations, Clock clock,
            Duration refreshInterval, Duration minRefreshInterval) {
        this(source, rules, revocations, clock, refreshInterval, minRefreshInterval, 0);
    }

    /**
     * @param source where the verification keys come from
     * @param rules the claims to enforce
     * @param revocations the revoked devices
     * @param clock the clock for {@code exp}/{@code nbf}
     * @param refreshInterval refetch the key set in the background when it is older than this
     * @param minRefreshInterval at most one fetch per this interval because of unknown key ids
     * @param verifiedTokenCacheSize how many verified tokens to remember (0: verify every call in full); a remembered
     *        token is checked again for expiry, revocation and its key on every call, not for its signature
     */
    public DeviceTokenVerifier(JwksSource source, DeviceTokenRules rules, DeviceRevocations revocations, Clock clock,
            Duration refreshInterval, Duration minRefreshInterval, int verifiedTokenCacheSize) {
        this.keys = new JwksKeys(source, clock, refreshInterval, minRefreshInterval);
        this.rules = rules;
        this.revocations = revocations;
        this.clock = clock;
        this.verified = new VerifiedTokens(verifiedTokenCacheSize);
    }

    /**
     * Verifies a token.
     *
     * @param token the compact JWS, without the {@code Bearer } prefix
     * @return the identity; complete at once unless the token's key must be fetched first
     */
    public CompletableFuture<DeviceIdentity> verify(String token) {
        return verifyToken(token).thenApply(VerifiedTokens.Entry::identity);
    }

    /**
     * {@link #verify(String)}, with what else the interceptor needs of the token: its issue time, which decides
     * whether a later revocation covers the call it opens.
     *
     * @param token the compact JWS
     * @return the verified token; complete at once unless the token's key must be fetched first
     */
    CompletableFuture<VerifiedTokens.Entry> verifyToken(String token) {
        VerifiedTokens.Entry remembered = remembered(token);
        if (remembered != null) {
            return CompletableFuture.completedFuture(remembered);
        }
        String kid;
        try {
            JsonWebStructure structure = JsonWebStructure.fromCompactSerialization(token);
            if (!(structure instanceof JsonWebSignature)) {
                throw new JoseException("not a JWS");
            }
            kid = structure.getKeyIdHeaderValue();
        } catch (JoseException | RuntimeException e) {
            return CompletableFuture.failedFuture(invalid("The device token is malformed"));
        }
        if (kid == null || kid.isBlank()) {
            return CompletableFuture.failedFuture(invalid("The device token names no signing key (kid)"));
        }
        CompletableFuture<Key> key;
        try {
            key = keys.key(kid);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return key.handle((found, failure) -> {
            if (failure != null) {
                throw AsgardException.unavailable(DeviceAuthReasons.KEYS_UNAVAILABLE,
                        "The registry's signing keys are not available; retry shortly")
                        .withRetryAfter(Duration.ofSeconds(1));
            }
            if (found == null) {
                throw invalid("The device token is signed with an unknown key");
            }
            Checked checked = check(token, found);
            VerifiedTokens.Entry entry = new VerifiedTokens.Entry(checked.identity(), checked.issuedAt(), kid, found);
            verified.put(token, entry, clock.instant());
            return entry;
        });
    }

    /**
     * A token verified before is still good if it has not expired, its device was not revoked since, and its key
     * is still the published one; then its signature and claims need no second look. Otherwise it is forgotten and
     * verified in full, which produces the right error.
     *
     * @return the remembered token, or null when the token must be verified in full
     */
    private VerifiedTokens.Entry remembered(String token) {
        VerifiedTokens.Entry entry = verified.get(token);
        if (entry == null) {
            return null;
        }
        DeviceIdentity identity = entry.identity();
        boolean expired = clock.instant().isAfter(identity.expiresAt().plus(rules.clockSkew()));
        CompletableFuture<Key> key = expired ? null : keys.key(entry.kid());
        boolean sameKey = key != null && key.isDone() && !key.isCompletedExceptionally() && key.join() == entry.key();
        if (!sameKey || revocations.isRevoked(identity.deviceId(), entry.issuedAt())) {
            verified.remove(token);
            return null;
        }
        return entry;
    }

    /** @return the revocations this verifier consults */
    DeviceRevocations revocations() {
        return revocations;
    }

    /**
     * {@link #verify(String)} as a {@link Uni}, for reactive callers.
     *
     * @param token the compact JWS
     * @return the identity
     */
    public Uni<DeviceIdentity> verifyUni(String token) {
        return Uni.createFrom().completionStage(() -> verify(token));
    }

    /** A verified token's identity and issue time. */
    private record Checked(DeviceIdentity identity, Instant issuedAt) {
    }

    private Checked check(String token, Key key) {
        Instant now = clock.instant();
        JwtConsumer consumer = new JwtConsumerBuilder()
                .setJwsAlgorithmConstraints(RS256_ONLY)
                .setVerificationKey(key)
                .setExpectedIssuer(rules.issuer())
                .setExpectedAudience(rules.audience())
                .setRequireSubject()
                .setRequireJwtId()
                .setRequireIssuedAt()
                .setRequireExpirationTime()
                .setAllowedClockSkewInSeconds((int) rules.clockSkew().toSeconds())
                .setEvaluationTime(NumericDate.fromMilliseconds(now.toEpochMilli()))
                .build();
        JwtClaims claims;
        try {
            claims = consumer.processToClaims(token);
        } catch (InvalidJwtException e) {
            throw classify(e);
        }
        try {
            if (!DeviceTokenRules.DEVICE_TYPE.equals(claims.getClaimValue("typ"))) {
                throw invalid("Not a device token (claim typ must be \"device\")");
            }
            Instant issuedAt = Instant.ofEpochSecond(claims.getIssuedAt().getValue());
            Instant expiresAt = Instant.ofEpochSecond(claims.getExpirationTime().getValue());
            if (issuedAt.isAfter(now.plus(rules.clockSkew()))) {
                throw invalid("The device token is issued in the future");
            }
            if (Duration.between(issuedAt, expiresAt).compareTo(rules.maxLifetime()) > 0) {
                throw invalid("The device token lives longer than %s", rules.maxLifetime());
            }
            String deviceId = claims.getSubject();
            if (revocations.isRevoked(deviceId, issuedAt)) {
                throw revokedToken();
            }
            return new Checked(new DeviceIdentity(deviceId, networks(claims), labels(claims), claims.getJwtId(),
                    expiresAt), issuedAt);
        } catch (MalformedClaimException e) {
            throw invalid("The device token has a malformed claim: %s", e.getMessage());
        }
    }

    /** @return the refusal of a token whose device was revoked after it was issued */
    static AsgardException revokedToken() {
        return AsgardException.unauthenticated(DeviceAuthReasons.REVOKED,
                "The device's credentials were revoked or the device was removed")
                .withHint("Exchange a current device credential for a new token, or enrol again.");
    }

    private static List<String> networks(JwtClaims claims) throws MalformedClaimException {
        return claims.hasClaim("networks") ? claims.getStringListClaimValue("networks") : List.of();
    }

    private static Map<String, String> labels(JwtClaims claims) throws MalformedClaimException {
        if (!claims.hasClaim("labels")) {
            return Map.of();
        }
        Map<String, Object> raw = claims.getClaimValue("labels", Map.class);
        Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (!(e.getValue() instanceof String value)) {
                throw new MalformedClaimException("label " + e.getKey() + " is not a string");
            }
            labels.put(e.getKey(), value);
        }
        return labels;
    }

    private static AsgardException classify(InvalidJwtException e) {
        if (e.hasExpired()) {
            return AsgardException.unauthenticated(DeviceAuthReasons.EXPIRED, "The device token has expired")
                    .withHint("Exchange the device credential for a new token.");
        }
        if (e.hasErrorCode(ErrorCodes.AUDIENCE_INVALID) || e.hasErrorCode(ErrorCodes.AUDIENCE_MISSING)) {
            return AsgardException.unauthenticated(DeviceAuthReasons.WRONG_AUDIENCE,
                    "The device token is not meant for Asgard's services");
        }
        if (e.hasErrorCode(ErrorCodes.NOT_YET_VALID)) {
            return invalid("The device token is not valid yet");
        }
        if (e.hasErrorCode(ErrorCodes.ISSUER_INVALID) || e.hasErrorCode(ErrorCodes.ISSUER_MISSING)) {
            return invalid("The device token has the wrong issuer");
        }
        if (e.hasErrorCode(ErrorCodes.SIGNATURE_INVALID)) {
            return invalid("The device token's signature is invalid");
        }
        // Details of other failures stay in the server; the device learns only that the token is unusable.
        return invalid("The device token is invalid");
    }

    private static AsgardException invalid(String detail, Object... args) {
        return AsgardException.unauthenticated(DeviceAuthReasons.INVALID, detail, args)
                .withHint("Exchange the device credential for a new token.");
    }
}
