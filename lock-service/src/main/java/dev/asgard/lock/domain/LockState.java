package dev.asgard.lock.domain;

import java.time.Instant;
import java.util.List;

/**
 * One lock as stored: its kind, capacity and fencing counter, its holders and its queue (priority, then arrival).
 *
 * @param name the name
 * @param kind {@code LOCK} or {@code SEMAPHORE} while held or contended, null when free
 * @param maxPermits capacity (1 unless a semaphore)
 * @param fencingCounter the last fencing token issued
 * @param updatedAt last change
 * @param holders current holders
 * @param waiters the queue in order
 */
public record LockState(String name, String kind, int maxPermits, long fencingCounter, Instant updatedAt,
        List<Holder> holders, List<Waiter> waiters) {

    /** Copies the lists. */
    public LockState {
        holders = List.copyOf(holders);
        waiters = List.copyOf(waiters);
    }

    /** @return whether nobody holds or waits */
    public boolean isFree() {
        return holders.isEmpty() && waiters.isEmpty();
    }

    /** @return permits in use: the sum over holders */
    public int permitsInUse() {
        return holders.stream().mapToInt(Holder::permits).sum();
    }

    /**
     * Priority inheritance: a holder blocking waiters counts with the highest priority among them, if higher.
     *
     * @param holder one of the holders
     * @return its effective priority
     */
    public int effectivePriority(Holder holder) {
        return Math.max(holder.priority(), waiters.stream().mapToInt(Waiter::priority).max().orElse(Integer.MIN_VALUE));
    }
}
