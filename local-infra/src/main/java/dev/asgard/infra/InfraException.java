package dev.asgard.infra;

/**
 * Thrown when a local server cannot be prepared, started or stopped. The message says what went wrong and, for a
 * server that failed to start, ends with the last lines of its log.
 */
public final class InfraException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed and, where known, why
     */
    public InfraException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause the underlying failure
     */
    public InfraException(String message, Throwable cause) {
        super(message, cause);
    }
}
