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
}
