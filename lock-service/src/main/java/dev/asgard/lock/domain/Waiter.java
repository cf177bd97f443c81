package dev.asgard.lock.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

/**
 * A request waiting for a lock.
 *
 * @param requestId its id
 * @param name lock name
 * @param seq arrival order
 * @param owner who waits
 * @param mode the mode asked for
 * @param permits permits asked for
 * @param priority its priority
 * @param preempt whether it preempts preemptible holders of lower priority
 * @param preemptible whether, once granted, it may be preempted
 * @param purpose what for
 * @param leaseTtl lease once granted
 * @param enqueuedAt arrival time
 * @param waitDeadline when it gives up, or null
 * @param replicaId the replica whose stream waits
 */
public record Waiter(UUID requestId, String name, long seq, Owner owner, Mode mode, int permits, int priority,
        boolean preempt, boolean preemptible, String purpose, Duration leaseTtl, Instant enqueuedAt,
        Instant waitDeadline, UUID replicaId) {
}
