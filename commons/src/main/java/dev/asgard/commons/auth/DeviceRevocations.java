package dev.asgard.commons.auth;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.jboss.logging.Logger;

/**
 * Which devices' tokens are revoked: device id → the time at or before which its tokens were issued invalidly
 * ({@code tokens_invalid_before} of a credentials revocation, the removal time of a removed device).
 *
 * <p>Fed by {@link RevocationEvents} from the registry's events; consulted by {@link DeviceTokenVerifier} on every
 * call. Recording is idempotent and keeps the latest time, so replayed or reordered events never weaken a
 * revocation. An entry older than the acceptance window (max token lifetime plus skew) is dropped: every token it
 * could refuse has expired anyway, which keeps the map as small as the recent revocations.
 *
 * <p>{@link Listener}s hear of every revocation once it is recorded (so a call they close cannot be reopened with a
 * covered token): {@link OpenDeviceCalls} closes the calls a revoked device still has open.
 */
public final class DeviceRevocations {

    /** Told of each revocation after it is recorded, on the thread that recorded it (the Kafka consumer's). */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param deviceId the device
         * @param tokensInvalidBefore the device's cut-off now in force (the latest one recorded)
         */
        void revoked(String deviceId, Instant tokensInvalidBefore);
    }

    private static final Logger LOG = Logger.getLogger(DeviceRevocations.class);

    private final Map<String, Instant> invalidBefore = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
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
        Instant inForce = invalidBefore.merge(deviceId, tokensInvalidBefore, (a, b) -> a.isAfter(b) ? a : b);
        prune();
        for (Listener listener : listeners) {
            try {
                listener.revoked(deviceId, inForce);
            } catch (RuntimeException e) {
                // The revocation itself is recorded; one failing listener must not keep it from the others.
                LOG.errorf(e, "A revocation listener failed for device %s", deviceId);
            }
        }
    }

    /**
     * Adds a listener for every later revocation.
     *
     * @param listener the listener
     */
    public void addListener(Listener listener) {
        listeners.add(listener);
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
