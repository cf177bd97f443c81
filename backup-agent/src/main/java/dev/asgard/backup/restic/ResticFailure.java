package dev.asgard.backup.restic;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Classifies a finished restic invocation from its exit code and stderr, and says what to do about it.
 * restic 0.14 exits 1 for most failures, so the text decides; restic 0.17+ adds distinct exit codes
 * (10 no repository, 11 lock failed, 12 wrong password, 130 interrupted), which are honoured too.
 */
public final class ResticFailure {

    private static final Pattern LOCK_HOLDER = Pattern.compile(
            "repository is already locked (exclusively )?by PID (\\d+) on (\\S+) by (\\S+)");

    private ResticFailure() {
    }

    /**
     * @param exitCode restic's exit code
     * @param stderr restic's stderr
     * @return the outcome
     */
    public static ResticOutcome classify(int exitCode, String stderr) {
        if (exitCode == 0) {
            return ResticOutcome.SUCCESS;
        }
        if (exitCode == 3) {
            return ResticOutcome.PARTIAL;
        }
        String err = stderr.toLowerCase(Locale.ROOT);
        if (exitCode == 12 || err.contains("wrong password or no key found")) {
            return ResticOutcome.WRONG_PASSWORD;
        }
        if (exitCode == 11 || err.contains("repository is already locked") || err.contains("unable to create lock")) {
            return ResticOutcome.LOCKED;
        }
        if (err.contains("config file already exists") || err.contains("repository master key and config already")) {
            return ResticOutcome.ALREADY_INITIALIZED;
        }
        if (err.contains("all target directories/files do not exist")
                || err.contains("all source directories/files do not exist")) {
            return ResticOutcome.SOURCE_MISSING;
        }
        if (unreachable(err)) {
            return ResticOutcome.BACKEND_UNREACHABLE;
        }
        if (exitCode == 10 || err.contains("is there a repository at the following location")
                || err.contains("repository does not exist")) {
            return ResticOutcome.REPOSITORY_NOT_FOUND;
        }
        if (exitCode == 130) {
            return ResticOutcome.CANCELLED;
        }
        return ResticOutcome.FAILED;
    }

    private static boolean unreachable(String err) {
        return List.of("connection refused", "no such host", "i/o timeout", "network is unreachable",
                "connection reset", "unable to start the sftp session", "tls handshake timeout",
                "context deadline exceeded", "no route to host", "temporary failure in name resolution")
                .stream().anyMatch(err::contains);
    }

    /**
     * @param stderr restic's stderr
     * @return who holds the lock, when restic said so
     */
    public static Optional<ResticLockHolder> lockHolder(String stderr) {
        Matcher m = LOCK_HOLDER.matcher(stderr);
        if (!m.find()) {
            return Optional.empty();
        }
        return Optional.of(new ResticLockHolder(Long.parseLong(m.group(2)), m.group(3), m.group(4),
                m.group(1) != null));
    }

    /**
     * @param outcome the outcome
     * @param stderr restic's stderr (for the lock holder)
     * @return what an operator should do
     */
    public static String hint(ResticOutcome outcome, String stderr) {
        return switch (outcome) {
            case SUCCESS -> "";
            case PARTIAL -> "Some files could not be read; the snapshot lacks them. Check their permissions.";
            case WRONG_PASSWORD -> "Check the repository password: restic found no key it opens.";
            case LOCKED -> lockHolder(stderr).map(h -> "The repository is locked: " + h.describe()
                    + ". Wait for it to finish; if that process is gone, unlock the repository.")
                    .orElse("The repository is locked by another process. Wait, or unlock it if that process is gone.");
            case REPOSITORY_NOT_FOUND -> "No repository at this location: initialise it, or fix the URL.";
            case ALREADY_INITIALIZED -> "A repository already exists at this location.";
            case BACKEND_UNREACHABLE -> "The backend did not answer: check the network, host and credentials.";
            case SOURCE_MISSING -> "Backup sources do not exist: fix the job's paths.";
            case CANCELLED -> "Cancelled.";
            case TIMED_OUT -> "restic ran longer than its timeout.";
            case FAILED -> "restic failed; see its message.";
        };
    }

    /**
     * @param stderr restic's stderr
     * @return the most telling line ("Fatal: ..." if any, else the last non-blank line), at most 1024 chars
     */
    public static String message(String stderr) {
        String best = "";
        for (String line : stderr.split("\\R")) {
            if (line.startsWith("Fatal:")) {
                best = line;
                break;
            }
            if (!line.isBlank()) {
                best = line;
            }
        }
        return best.length() > 1024 ? best.substring(0, 1024) : best.strip();
    }
}
