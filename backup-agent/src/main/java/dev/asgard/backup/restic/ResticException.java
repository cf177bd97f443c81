package dev.asgard.backup.restic;

/** A restic invocation that did not succeed; carries the classified result (never secrets). */
public class ResticException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient ResticResult result;

    /** @param result the failed result */
    public ResticException(ResticResult result) {
        super(result.outcome() + ": " + result.message());
        this.result = result;
    }

    /** @return the result */
    public ResticResult result() {
        return result;
    }

    /** @return the outcome */
    public ResticOutcome outcome() {
        return result.outcome();
    }
}
