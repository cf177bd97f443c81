package dev.asgard.deploy;

/** The command line could not be understood; the message says which argument and why. */
public final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }
}
