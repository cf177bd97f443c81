package dev.asgard.backup.rest.dto;

/**
 * Body of {@code POST /api/v1/repositories/{id}/unlock} (optional).
 *
 * @param removeAll remove every lock, also those of running processes: only when no restic process uses the
 *        repository any more
 */
public record UnlockRequest(Boolean removeAll) {
}
