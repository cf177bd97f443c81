package dev.asgard.commons.auth;

import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

/**
 * The device calls of this replica that {@link DeviceAuthInterceptor} accepted and that have not ended yet, by
 * device: what a revocation must cut. A call's token was good when the call began, so without this a revoked
 * device would keep its open streams (a routing session, a lock wait, a device watch) as long as it liked.
 *
 * <p>Listens to {@link DeviceRevocations}: a revocation closes every open call of the device whose token it covers
 * ({@code iat} at or before the cut-off) with UNAUTHENTICATED {@value DeviceAuthReasons#REVOKED}, the status a new
 * call of that token gets. Calls with a token issued after the cut-off, and other devices' calls, are untouched.
 *
 * <p>Every call passes through here twice (opened, ended), heartbeats and other unary calls included, so it is
 * kept cheap: a concurrent map of small concurrent sets, no global lock; a device's calls contend only with the same
 * device's.
 */
final class OpenDeviceCalls {

    private static final Logger LOG = Logger.getLogger(OpenDeviceCalls.class);

    private final ConcurrentHashMap<String, Set<DeviceCall<?, ?>>> byDevice = new ConcurrentHashMap<>();
    private final DeviceRevocations revocations;

    /** @param revocations the revocations whose arrival closes calls; this registers itself as their listener */
    OpenDeviceCalls(DeviceRevocations revocations) {
        this.revocations = revocations;
        revocations.addListener(this::revoked);
    }

    /**
     * Registers an accepted call.
     *
     * @param call the call
     * @return false, and nothing registered, if a revocation covering the call's token was recorded meanwhile (after
     *         the token was verified): the call must be refused like a new one
     */
    boolean opened(DeviceCall<?, ?> call) {
        byDevice.compute(call.deviceId(), (id, calls) -> {
            Set<DeviceCall<?, ?>> set = calls == null ? ConcurrentHashMap.newKeySet(2) : calls;
            set.add(call);
            return set;
        });
        // A revocation recorded between the verification and the line above found no call to close; this check
        // finds it. (Registration, then check; record, then scan: one of the two sides always sees the other.)
        if (revocations.isRevoked(call.deviceId(), call.issuedAt())) {
            ended(call);
            return false;
        }
        return true;
    }

    /** Forgets a call; idempotent (a call ends by its close and by its listener's last event). */
    void ended(DeviceCall<?, ?> call) {
        byDevice.computeIfPresent(call.deviceId(), (id, calls) -> {
            calls.remove(call);
            return calls.isEmpty() ? null : calls;
        });
    }

    /** Closes the device's open calls whose token was issued at or before {@code tokensInvalidBefore}. */
    void revoked(String deviceId, Instant tokensInvalidBefore) {
        Set<DeviceCall<?, ?>> calls = byDevice.get(deviceId);
        if (calls == null) {
            return;
        }
        int cut = 0;
        for (DeviceCall<?, ?> call : calls) {
            if (!call.issuedAt().isAfter(tokensInvalidBefore)) {
                call.revoke();
                cut++;
            }
        }
        if (cut > 0) {
            LOG.infof("Device %s: closing %d open call(s) whose token is revoked", deviceId, cut);
        }
    }

    /** @return the number of open calls (for tests and metrics) */
    int size() {
        return byDevice.values().stream().mapToInt(Set::size).sum();
    }
}
