package dev.asgard.deploy;

/**
 * A failure the user can act on: its message is printed as is, so it names what failed, where to
 * look (a log file, a port) and, where possible, what to do about it.
 */
public final class LauncherException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public LauncherException(String message) {
        super(message);
    }

    public LauncherException(String message, Throwable cause) {
        super(message, cause);
    }
}
