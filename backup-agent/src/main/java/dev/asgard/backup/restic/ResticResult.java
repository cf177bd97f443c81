package dev.asgard.backup.restic;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A finished restic invocation.
 *
 * @param exitCode exit code (-1 when it was killed without one)
 * @param outcome classified outcome
 * @param stdout stdout lines not consumed by a line listener (at most {@link ResticRunner#MAX_KEPT_LINES})
 * @param stderr stderr (at most {@link ResticRunner#MAX_STDERR_CHARS} characters)
 * @param duration wall time
 */
public record ResticResult(int exitCode, ResticOutcome outcome, List<String> stdout, String stderr,
        Duration duration) {

    /** @return stdout joined with newlines */
    public String stdoutText() {
        return String.join("\n", stdout);
    }

    /** @return the most telling stderr line */
    public String message() {
        return ResticFailure.message(stderr);
    }

    /** @return what an operator should do */
    public String hint() {
        return ResticFailure.hint(outcome, stderr);
    }

    /** @return who holds the repository lock, for {@link ResticOutcome#LOCKED} */
    public Optional<ResticLockHolder> lockHolder() {
        return ResticFailure.lockHolder(stderr);
    }

    /**
     * @return this result
     * @throws ResticException unless the outcome is a success (full or partial)
     */
    public ResticResult orThrow() {
        if (!outcome.succeeded()) {
            throw new ResticException(this);
        }
        return this;
    }
}
