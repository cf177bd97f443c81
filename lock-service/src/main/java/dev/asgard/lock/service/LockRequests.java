package dev.asgard.lock.service;

import java.time.Duration;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.lock.config.LockConfig;
import dev.asgard.lock.domain.Mode;
import dev.asgard.lock.domain.Owner;
import dev.asgard.proto.lock.v1.AcquireRequest;
import dev.asgard.proto.lock.v1.LockMode;
import dev.asgard.proto.lock.v1.TryAcquireRequest;

/**
 * Validation of lock requests. Every rule adds a field violation; a request is refused with all of them at once and
 * changes nothing.
 */
@ApplicationScoped
public class LockRequests {

    /** Longest lock name. */
    public static final int MAX_NAME = 512;
    /** Highest priority. */
    public static final int MAX_PRIORITY = 1000;
    /** Largest semaphore. */
    public static final int MAX_PERMITS = 1_000_000;
    /** Reason of a lease outside the configured bounds. */
    public static final String LEASE_TTL_OUT_OF_RANGE = "LEASE_TTL_OUT_OF_RANGE";

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern SESSION = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private final LockConfig config;

    public LockRequests(LockConfig config) {
        this.config = config;
    }

    /** @return the validated request */
    public LockRequest acquire(AcquireRequest r, UUID deviceId) {
        Validation v = Validation.create();
        Duration wait = null;
        if (r.hasWaitTimeout()) {
            wait = Duration.ofSeconds(r.getWaitTimeout().getSeconds(), r.getWaitTimeout().getNanos());
            v.check(!wait.isNegative() && wait.compareTo(config.maxWait()) <= 0, "wait_timeout",
                    "must be between 0 and " + config.maxWait());
        }
        return build(v, r.getName(), r.getSessionId(), r.getMode(), r.getPermits(), r.getMaxPermits(), r.getPriority(),
                r.getPreempt(), r.getPreemptible(), r.hasLeaseTtl() ? r.getLeaseTtl() : null, wait, r.getRequestId(),
                r.getPurpose(), deviceId);
    }

    /** @return the validated request */
    public LockRequest tryAcquire(TryAcquireRequest r, UUID deviceId) {
        return build(Validation.create(), r.getName(), r.getSessionId(), r.getMode(), r.getPermits(), r.getMaxPermits(),
                r.getPriority(), r.getPreempt(), r.getPreemptible(), r.hasLeaseTtl() ? r.getLeaseTtl() : null,
                Duration.ZERO, r.getRequestId(), r.getPurpose(), deviceId);
    }

    private LockRequest build(Validation v, String name, String session, LockMode lockMode, int permits, int maxPermits,
            int priority, boolean preempt, boolean preemptible, com.google.protobuf.Duration leaseTtl, Duration wait,
            String requestId, String purpose, UUID deviceId) {
        name(v, "name", name);
        session(v, "session_id", session);
        v.check(lockMode != LockMode.UNRECOGNIZED, "mode", "must be exclusive, shared or semaphore");
        Mode mode = lockMode == LockMode.UNRECOGNIZED ? Mode.EXCLUSIVE : Mode.of(lockMode);
        if (mode == Mode.SEMAPHORE) {
            v.check(maxPermits >= 1 && maxPermits <= MAX_PERMITS, "max_permits", "must be between 1 and " + MAX_PERMITS);
            v.check(permits >= 1 && permits <= Math.max(1, maxPermits), "permits", "must be between 1 and max_permits");
        }
        v.check(priority >= 0 && priority <= MAX_PRIORITY, "priority", "must be between 0 and " + MAX_PRIORITY);
        UUID id = null;
        if (requestId.isEmpty()) {
            id = UUID.randomUUID();
        } else {
            try {
                id = UUID.fromString(requestId);
            } catch (IllegalArgumentException e) {
                v.add("request_id", "must be a UUID, or empty to have one assigned");
            }
        }
        v.maxLength("purpose", purpose, 256);
        v.throwIfInvalid();
        Duration lease = leaseTtl == null ? config.lease().defaultTtl()
                : Duration.ofSeconds(leaseTtl.getSeconds(), leaseTtl.getNanos());
        requireLease(lease);
        return new LockRequest(name, new Owner(deviceId, session), id, mode, mode == Mode.SEMAPHORE ? permits : 1,
                mode == Mode.SEMAPHORE ? maxPermits : 1, priority, preempt, preemptible, lease, wait,
                purpose.isEmpty() ? null : purpose);
    }

    /**
     * @param lease a requested lease
     * @throws AsgardException INVALID_ARGUMENT {@value #LEASE_TTL_OUT_OF_RANGE}
     */
    public void requireLease(Duration lease) {
        if (lease.compareTo(config.lease().minTtl()) < 0 || lease.compareTo(config.lease().maxTtl()) > 0) {
            throw AsgardException.invalidArgument(LEASE_TTL_OUT_OF_RANGE, "A lease of %s is outside %s to %s.", lease,
                    config.lease().minTtl(), config.lease().maxTtl())
                    .withViolation("lease_ttl", "must be between " + config.lease().minTtl() + " and " + config.lease().maxTtl())
                    .withHint("Keep the lease short and renew it with KeepAlive; omit it for the default of "
                            + config.lease().defaultTtl() + ".");
        }
    }

    /** Adds a violation unless the name is hierarchical segments of [A-Za-z0-9._-] separated by '/'. */
    public static void name(Validation v, String field, String name) {
        boolean ok = !name.isEmpty() && name.length() <= MAX_NAME && !name.startsWith("/") && !name.endsWith("/");
        if (ok) {
            for (String segment : name.split("/", -1)) {
                ok &= SEGMENT.matcher(segment).matches() && !segment.equals(".") && !segment.equals("..");
            }
        }
        v.check(ok, field, "must be '/'-separated segments of letters, digits, '.', '_', '-' (such as backup/repo/7f3c),"
                + " at most " + MAX_NAME + " characters, no empty, '.' or '..' segment");
    }

    /** Adds a violation unless the session id is 1-128 characters of [A-Za-z0-9._-]. */
    public static void session(Validation v, String field, String session) {
        v.check(SESSION.matcher(session).matches(), field, "must be 1-128 characters of letters, digits, '.', '_', '-'");
    }
}
