package dev.asgard.lock.domain;

import java.util.ArrayList;
import java.util.Comparator;
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

    /**
     * Preemption: which holders a preempting request takes the lock from. Only preemptible holders whose effective
     * priority (their own, raised by the other waiters they block) is below the request's priority can be taken,
     * and only if taking them lets the request in: all of them or none.
     *
     * @param request the preempting request (at the head of the queue, or a TryAcquire with an empty queue)
     * @param maxPermits the lock's capacity
     * @param holders current holders
     * @param others the other waiters (their priorities are inherited by the holders they wait for)
     * @return the holders to preempt; empty when preemption cannot get the request in
     */
    public static List<Holder> preemptionVictims(Waiter request, int maxPermits, List<Holder> holders, List<Waiter> others) {
        if (!request.preempt()) {
            return List.of();
        }
        int inherited = others.stream().filter(w -> !w.requestId().equals(request.requestId()))
                .mapToInt(Waiter::priority).max().orElse(Integer.MIN_VALUE);
        List<Holder> takeable = holders.stream()
                .filter(h -> h.preemptible() && Math.max(h.priority(), inherited) < request.priority())
                .toList();
        List<Holder> blocking = switch (request.mode()) {
            case EXCLUSIVE -> holders;
            case SHARED -> holders.stream().filter(h -> h.mode() == Mode.EXCLUSIVE).toList();
            case SEMAPHORE -> null;
        };
        if (blocking != null) {
            return takeable.containsAll(blocking) ? blocking : List.of();
        }
        // A semaphore: take the least important holders until the request fits.
        int inUse = holders.stream().mapToInt(Holder::permits).sum();
        List<Holder> victims = new ArrayList<>();
        for (Holder h : takeable.stream().sorted(Comparator.comparingInt(Holder::priority)
                .thenComparing(Holder::acquiredAt, Comparator.reverseOrder())).toList()) {
            if (inUse + request.permits() <= maxPermits) {
                break;
            }
            victims.add(h);
            inUse -= h.permits();
        }
        return inUse + request.permits() <= maxPermits ? victims : List.of();
    }
}
