package dev.asgard.backup.restic;

import java.time.Instant;

/**
 * A lock file in a repository ({@code restic cat lock <id>}).
 *
 * @param id the lock file id
 * @param time when it was created (or last refreshed)
 * @param exclusive whether it is exclusive (check, prune, forget) rather than shared (backup)
 * @param hostname host of the holder
 * @param username user of the holder
 * @param pid process id of the holder
 */
public record ResticLock(String id, Instant time, boolean exclusive, String hostname, String username, long pid) {
}
