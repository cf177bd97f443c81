package dev.asgard.lock.service;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.asgard.lock.domain.Mode;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.Waiter;

/**
 * A validated Acquire or TryAcquire.
 *
 * @param name lock name
 * @param owner the calling device and its session
 * @param requestId request id (given or assigned)
 * @param mode mode
 * @param permits permits (1 unless a semaphore)
 * @param maxPermits capacity (1 unless a semaphore)
 * @param priority 0..1000
 * @param preempt whether to preempt preemptible holders of lower priority
 * @param preemptible whether the grant may be preempted
 * @param leaseTtl lease length
 * @param waitTimeout how long to wait at most
 * @param purpose what for
 */
public record LockRequest(String name, Owner owner, UUID requestId, Mode mode, int permits, int maxPermits, int priority,
        boolean preempt, boolean preemptible, Duration leaseTtl, Duration waitTimeout, String purpose) {

    /**
     * @param now arrival time
     * @param replicaId the replica whose stream waits (null for TryAcquire, which never waits)
     * @return the waiter this request becomes
     */
    public Waiter toWaiter(Instant now, UUID replicaId) {
        return new Waiter(requestId, name, 0, owner, mode, permits, priority, preempt, preemptible, purpose, leaseTtl, now,
                waitTimeout == null ? null : now.plus(waitTimeout), replicaId);
    }
}
