package dev.asgard.commons.auth;

import java.time.Duration;
import java.util.Objects;

/**
 * What a device token must satisfy besides its signature.
 *
 * @param issuer the required {@code iss}
 * @param audience the audience that {@code aud} must contain
 * @param clockSkew tolerance for {@code exp}, {@code nbf} and {@code iat} between the issuer's clock and ours
 * @param maxLifetime the longest {@code exp - iat} accepted; bounds how long a revocation must be remembered
 */
public record DeviceTokenRules(String issuer, String audience, Duration clockSkew, Duration maxLifetime) {

    /** The {@code typ} claim value of a device token; Keycloak's admin tokens carry {@code Bearer}. */
    public static final String DEVICE_TYPE = "device";

    /** Validates the values. */
    public DeviceTokenRules {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(audience, "audience");
        if (clockSkew.isNegative() || maxLifetime.isNegative() || maxLifetime.isZero()) {
            throw new IllegalArgumentException("clock skew must be >= 0 and max lifetime > 0");
        }
    }

    /** @return how long after its issue a token can still be accepted: max lifetime plus skew */
    public Duration acceptanceWindow() {
        return maxLifetime.plus(clockSkew);
    }
}
