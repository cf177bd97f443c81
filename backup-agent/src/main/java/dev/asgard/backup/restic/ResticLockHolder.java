package dev.asgard.backup.restic;

/**
 * Who holds a repository lock, as restic reports when it cannot lock
 * ("repository is already locked exclusively by PID 30586 on vm by root (UID 0, GID 0)").
 *
 * @param pid process id
 * @param hostname host
 * @param username user
 * @param exclusive whether the held lock is exclusive
 */
public record ResticLockHolder(long pid, String hostname, String username, boolean exclusive) {

    /** @return a sentence for an operator */
    public String describe() {
        return (exclusive ? "an exclusive lock" : "a lock") + " held by PID " + pid + " on " + hostname + " (user "
                + username + ")";
    }
}
