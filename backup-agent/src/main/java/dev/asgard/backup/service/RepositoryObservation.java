package dev.asgard.backup.service;

import java.time.Instant;

import dev.asgard.backup.entity.BackupRepository;

/**
 * What restic showed about a repository at one moment; null fields were not observed this time and keep
 * their stored value.
 *
 * @param initialized whether a repository exists there
 * @param reachable whether the backend answered
 * @param lockCount restic locks present
 * @param sizeBytes stored size
 * @param snapshotCount snapshots
 * @param lastError error and hint; null after a success
 * @param at when
 */
public record RepositoryObservation(Boolean initialized, boolean reachable, Integer lockCount, Long sizeBytes,
        Long snapshotCount, String lastError, Instant at) {

    void applyTo(BackupRepository r) {
        if (initialized != null) {
            r.initialized = initialized;
        }
        r.reachable = reachable;
        if (lockCount != null) {
            r.lockCount = lockCount;
            r.locked = lockCount > 0;
        }
        if (sizeBytes != null) {
            r.sizeBytes = sizeBytes;
        }
        if (snapshotCount != null) {
            r.snapshotCount = snapshotCount;
        }
        r.lastError = lastError;
        r.observedAt = at;
    }
}
