package dev.asgard.lock.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A granted lock.
 *
 * @param name lock name
 * @param fencingToken its fencing token
 * @param owner the holder
 * @param requestId the request that was granted
 * @param mode how it is held
 * @param permits permits held (1 unless a semaphore)
 * @param priority priority it asked with
 * @param preemptible whether it may be preempted
 * @param purpose what for
 * @param acquiredAt grant time
 * @param enqueuedAt when the request arrived
 * @param leaseTtl lease length
 * @param leaseExpiresAt lease end unless renewed
 * @param lastRenewedAt last grant or renewal
 */
public record Holder(String name, long fencingToken, Owner owner, UUID requestId, Mode mode, int permits, int priority,
        boolean preemptible, String purpose, Instant acquiredAt, Instant enqueuedAt, Duration leaseTtl,
        Instant leaseExpiresAt, Instant lastRenewedAt) {

    /**
     * The grant of a waiting request.
     *
     * @param waiter the request as it waited (its arrival time is kept)
     * @param fencingToken the token issued
     * @param at the grant time
     * @param leaseExpiresAt the lease end the grant was given
     * @return the holder
     */
    public static Holder granted(Waiter waiter, long fencingToken, Instant at, Instant leaseExpiresAt) {
        return new Holder(waiter.name(), fencingToken, waiter.owner(), waiter.requestId(), waiter.mode(),
                waiter.permits(), waiter.priority(), waiter.preemptible(), waiter.purpose(), at, waiter.enqueuedAt(),
                waiter.leaseTtl(), leaseExpiresAt, at);
    }
}
