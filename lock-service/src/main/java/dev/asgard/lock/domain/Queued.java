package dev.asgard.lock.domain;

import java.util.List;
import java.util.UUID;

/**
 * Where a waiting request stands.
 *
 * @param position 1 for the head of the queue
 * @param length waiters in the queue
 * @param blockedBy the holders it waits for, in fencing token order
 */
public record Queued(int position, int length, List<Owner> blockedBy) {

    /** Copies the list. */
    public Queued {
        blockedBy = List.copyOf(blockedBy);
    }

    /**
     * @param state a lock as read
     * @param requestId a request
     * @return where the request stands in it, or null if it is not queued there
     */
    public static Queued of(LockState state, UUID requestId) {
        for (int i = 0; i < state.waiters().size(); i++) {
            if (state.waiters().get(i).requestId().equals(requestId)) {
                return new Queued(i + 1, state.waiters().size(), state.holders().stream().map(Holder::owner).toList());
            }
        }
        return null;
    }
}
