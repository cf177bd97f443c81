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

    /** Reason of the error a hold ends with when the repository's lock was lost while the work ran. */
    String LOCK_LOST = "REPOSITORY_LOCK_LOST";

    /** Why a held lock-service lock was lost. */
    enum LossReason {
        /** lock-service let the lease run out (keep-alives did not reach it in time). */
        EXPIRED,
        /** An administrator force-released the lock in lock-service. */
        FORCE_RELEASED,
        /** A higher-priority request took the lock. */
        PREEMPTED,
        /** lock-service could not be reached to renew the lease until the lease may have ended. */
        CONNECTION_LOST
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
     * @throws dev.asgard.commons.error.AsgardException ABORTED {@code REPOSITORY_BUSY} when it cannot be held in
     *         time; {@value #LOCK_LOST} (ABORTED, or UNAVAILABLE when lock-service could not be reached; metadata
     *         {@code lostReason} a {@link LossReason}) when the lock was lost while the work ran: the restic
     *         processes the work started on this thread were stopped with SIGINT as soon as the loss was known
     *         (restic removes its own lock), and the work's result or error is discarded
     */
    <T> T hold(UUID repositoryId, Mode mode, String purpose, Supplier<T> work);
}
