package dev.asgard.backup.service;

import java.util.UUID;
import java.util.function.Supplier;

/**
 * Serialises operations on one repository. Repository-wide operations (check, prune, forget, unlock) hold it
 * exclusively; backups and restores share it. restic has its own locks inside the repository, but they only say
 * "busy" to whoever comes second; this guard lets Asgard decide who goes first, and across agents.
 *
 * <p>The implementation ({@link AgentRepositoryGuard}) guards within the agent process ({@link LocalRepositoryGuard})
 * and, when configured, across agents with a lock-service lock named after the repository, with a lease
 * ({@link LockServiceGuard}).
 */
public interface RepositoryGuard {

    /** How the repository is held. */
    enum Mode {
        /** Backups, restores: many at a time. */
        SHARED,
        /** check, prune, forget, unlock: alone. */
        EXCLUSIVE
    }

    /**
     * Runs blocking work while holding the repository. Call on a worker thread (never the event loop): it may wait
     * for the holder to finish.
     *
     * @param repositoryId the repository
     * @param mode shared or exclusive
     * @param purpose what the work is ("check", "forget"), for diagnostics and the lock owner
     * @param work the work
     * @param <T> its result
     * @return the work's result
     * @throws dev.asgard.commons.error.AsgardException ABORTED {@code REPOSITORY_BUSY} when it cannot be held in time
     */
    <T> T hold(UUID repositoryId, Mode mode, String purpose, Supplier<T> work);
}
