package dev.asgard.lock.rest.dto;

import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A lock as administrators see it.
 *
 * @param name the lock name
 * @param mode exclusive, shared or semaphore while held; null when free
 * @param maxPermits capacity of a semaphore; 1 otherwise
 * @param permitsInUse permits held (for exclusive/shared: holders)
 * @param lastFencingToken the highest fencing token issued for this name so far
 * @param updatedAt last change of kind or capacity
 * @param holders current holders, in fencing token order
 * @param waiters waiting requests in queue order (priority, then arrival)
 */
@Schema(name = "Lock", description = "A lock, its holders and its queue")
public record LockView(String name, String mode, int maxPermits, int permitsInUse, long lastFencingToken,
        Instant updatedAt, List<HolderView> holders, List<WaiterView> waiters) {

    /**
     * A holder.
     *
     * @param deviceId holding device
     * @param sessionId its session
     * @param fencingToken the grant's fencing token
     * @param mode exclusive, shared or semaphore
     * @param permits permits held
     * @param priority priority it acquired with
     * @param effectivePriority priority after inheritance from the waiters it blocks
     * @param preemptible whether a higher-priority request may preempt it
     * @param purpose what the holder said it needs the lock for
     * @param acquiredAt when it got the lock
     * @param leaseExpiresAt when the lease ends unless renewed
     */
    @Schema(name = "LockHolder")
    public record HolderView(String deviceId, String sessionId, long fencingToken, String mode, int permits, int priority,
            int effectivePriority, boolean preemptible, String purpose, Instant acquiredAt, Instant leaseExpiresAt) {
    }

    /**
     * A waiting request.
     *
     * @param position place in the queue, 1 = next
     * @param requestId the Acquire request id
     * @param deviceId waiting device
     * @param sessionId its session
     * @param mode mode asked for
     * @param permits permits asked for
     * @param priority its priority
     * @param preempt whether it preempts preemptible holders of lower priority
     * @param purpose what the waiter said it needs the lock for
     * @param enqueuedAt when it started waiting
     * @param waitDeadline when it gives up; null without limit
     */
    @Schema(name = "LockWaiter")
    public record WaiterView(int position, String requestId, String deviceId, String sessionId, String mode, int permits,
            int priority, boolean preempt, String purpose, Instant enqueuedAt, Instant waitDeadline) {
    }
}
