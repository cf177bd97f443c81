package dev.asgard.lock.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * Which waiters can be granted now: the longest prefix of the queue that is compatible with the holders and with
 * each other. The queue is strict: a waiter that cannot be granted blocks everyone behind it, so a stream of shared
 * requests cannot starve an exclusive one, nor small semaphore requests a large one.
 */
public final class GrantPlanner {

    private GrantPlanner() {
    }

    /**
     * @param maxPermits the lock's capacity (semaphores)
     * @param holders current holders
     * @param queue waiters in queue order
     * @return the waiters to grant, in queue order
     */
    public static List<Waiter> grantable(int maxPermits, List<Holder> holders, List<Waiter> queue) {
        List<Waiter> granted = new ArrayList<>();
        int holderCount = holders.size();
        boolean exclusiveHeld = holders.stream().anyMatch(h -> h.mode() == Mode.EXCLUSIVE);
        int permitsInUse = holders.stream().mapToInt(Holder::permits).sum();
        for (Waiter waiter : queue) {
            if (!compatible(waiter.mode(), waiter.permits(), maxPermits, holderCount, exclusiveHeld, permitsInUse)) {
                break;
            }
            granted.add(waiter);
            holderCount++;
            exclusiveHeld |= waiter.mode() == Mode.EXCLUSIVE;
            permitsInUse += waiter.permits();
        }
        return granted;
    }

    /**
     * @param mode the mode asked for
     * @param permits permits asked for
     * @param maxPermits the lock's capacity
     * @param holderCount current holders
     * @param exclusiveHeld whether one of them holds exclusively
     * @param permitsInUse permits held
     * @return whether such a request fits next to the holders
     */
    public static boolean compatible(Mode mode, int permits, int maxPermits, int holderCount, boolean exclusiveHeld,
            int permitsInUse) {
        return switch (mode) {
            case EXCLUSIVE -> holderCount == 0;
            case SHARED -> !exclusiveHeld;
            case SEMAPHORE -> permitsInUse + permits <= maxPermits;
        };
    }
}
