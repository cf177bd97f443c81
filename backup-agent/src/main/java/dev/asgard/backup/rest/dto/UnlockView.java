package dev.asgard.backup.rest.dto;

import java.time.Instant;
import java.util.List;

/**
 * Answer of an unlock.
 *
 * @param removedLockCount locks removed
 * @param remainingLockCount locks still present
 * @param remainingLocks the remaining locks (at most 50)
 * @param hint what to do about the remaining ones; empty when none remain
 */
public record UnlockView(int removedLockCount, int remainingLockCount, List<Lock> remainingLocks, String hint) {

    /**
     * A restic lock.
     *
     * @param lockId lock file id @param hostname holder's host @param username holder's user @param pid its PID
     * @param createTime when created @param exclusive exclusive (check, prune) or shared (backup)
     */
    public record Lock(String lockId, String hostname, String username, long pid, Instant createTime,
            boolean exclusive) {
    }
}
