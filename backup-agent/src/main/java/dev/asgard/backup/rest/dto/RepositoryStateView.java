package dev.asgard.backup.rest.dto;

import java.time.Instant;

/**
 * What backup-agent last observed about a repository; null fields were never observed.
 *
 * @param initialized whether a repository exists at the location
 * @param reachable whether the backend answered
 * @param locked whether restic locks are present
 * @param lockCount how many
 * @param sizeBytes stored size (restic stats raw-data)
 * @param snapshotCount snapshots
 * @param lastError the last error and what to do about it; null after a success
 * @param observeTime when this was observed
 * @param lastCheckTime when the last check ran
 * @param lastCheckOutcome its outcome
 */
public record RepositoryStateView(Boolean initialized, Boolean reachable, Boolean locked, Integer lockCount,
        Long sizeBytes, Long snapshotCount, String lastError, Instant observeTime, Instant lastCheckTime,
        String lastCheckOutcome) {
}
