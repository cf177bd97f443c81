package dev.asgard.commons.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which devices' tokens are revoked: device id → the time at or before which its tokens were issued invalidly
 * ({@code tokens_invalid_before} of a credentials revocation, the removal time of a removed device).
 *
 * <p>Fed by {@link RevocationEvents} from the registry's events; consulted by {@link DeviceTokenVerifier} on every
 * call. Recording is idempotent and keeps the latest time, so replayed or reordered events never weaken a
 * revocation. An entry older than the acceptance window (max token lifetime plus skew) is dropped: every token it
 * could refuse has expired anyway, which keeps the map as small as the recent revocations.
 */
public final class DeviceRevocations {

    private final Map<String, Instant> invalidBefore = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Duration window;

    /**
     * @param clock the clock pruning compares with
     * @param window how long an entry stays relevant: {@link DeviceTokenRules#acceptanceWindow()}
     */
    public DeviceRevocations(Clock clock, Duration window) {
        this.clock = clock;
        this.window = window;
    }

    /**
     * Records that the device's tokens issued at or before {@code tokensInvalidBefore} are invalid.
     *
     * @param deviceId the device
     * @param tokensInvalidBefore the cut-off
     */
    public void revoke(String deviceId, Instant tokensInvalidBefore) {
        invalidBefore.merge(deviceId, tokensInvalidBefore, (a, b) -> a.isAfter(b) ? a : b);
        prune();
    }

    /**
     * @param deviceId the device
     * @param issuedAt the token's {@code iat}
     * @return whether a token of that device issued then is revoked
     */
    public boolean isRevoked(String deviceId, Instant issuedAt) {
        Instant cutOff = invalidBefore.get(deviceId);
        return cutOff != null && !issuedAt.isAfter(cutOff);
    }

    /** @return the number of revocations remembered (for tests and metrics) */
    public int size() {
        return invalidBefore.size();
    }

    private void prune() {
        Instant oldest = clock.instant().minus(window);
        invalidBefore.values().removeIf(cutOff -> cutOff.isBefore(oldest));
    }
}
