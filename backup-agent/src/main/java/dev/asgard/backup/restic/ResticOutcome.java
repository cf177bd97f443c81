package dev.asgard.backup.restic;

/** What a restic invocation came to, classified from its exit code and stderr. */
public enum ResticOutcome {
    /** Exit 0. */
    SUCCESS(false),
    /** Exit 3: a snapshot was created, but some source files could not be read. */
    PARTIAL(false),
    /** The repository password is wrong (or no key matches). */
    WRONG_PASSWORD(false),
    /** Another process holds a conflicting lock on the repository. Transient: it usually goes away. */
    LOCKED(true),
    /** No repository (not initialised) at the location. */
    REPOSITORY_NOT_FOUND(false),
    /** {@code init} on a location that already holds a repository. */
    ALREADY_INITIALIZED(false),
    /** The backend did not answer (connection refused, DNS, timeout, SFTP session). Transient. */
    BACKEND_UNREACHABLE(true),
    /** None (or some) of the backup sources exist. */
    SOURCE_MISSING(false),
    /** Stopped by {@link ResticExecution#cancel()}. */
    CANCELLED(false),
    /** Stopped because it ran longer than its timeout. */
    TIMED_OUT(true),
    /** Any other failure. */
    FAILED(false);

    private final boolean transientFailure;

    ResticOutcome(boolean transientFailure) {
        this.transientFailure = transientFailure;
    }

    /** @return whether retrying later may succeed (retry policies retry only these) */
    public boolean isTransient() {
        return transientFailure;
    }

    /** @return whether the invocation did its work (fully or partially) */
    public boolean succeeded() {
        return this == SUCCESS || this == PARTIAL;
    }
}
