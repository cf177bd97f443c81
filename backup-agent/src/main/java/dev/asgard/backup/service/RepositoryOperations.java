package dev.asgard.backup.service;

import java.time.Clock;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.restic.Restic;
import dev.asgard.backup.restic.ResticException;
import dev.asgard.backup.restic.ResticOutcome;
import dev.asgard.backup.restic.ResticRepo;
import dev.asgard.backup.restic.ResticResult;
import dev.asgard.commons.error.AsgardException;
import io.smallrye.mutiny.Uni;

/**
 * restic commands on stored repositories: {@code init} and a state refresh. restic blocks, so it runs on a
 * worker thread; the results come back to the caller's Vert.x context for the database writes.
 */
@ApplicationScoped
public class RepositoryOperations {

    private static final Logger LOG = Logger.getLogger(RepositoryOperations.class);

    private final RepositoryService repositories;
    private final Restic restic;
    private final Clock clock;

    public RepositoryOperations(RepositoryService repositories, Restic restic, Clock clock) {
        this.repositories = repositories;
        this.restic = restic;
        this.clock = clock;
    }

    /**
     * Runs {@code restic init} on the repository's storage and records the state.
     *
     * @param id the repository
     * @return the repository after init
     * @throws AsgardException ALREADY_EXISTS when a repository exists there; FAILED_PRECONDITION / UNAVAILABLE
     *         for other restic failures (the state records the error too)
     */
    public Uni<BackupRepository> init(UUID id) {
        return repositories.resticRepo(id)
                .chain(repo -> Offload.blocking(() -> initBlocking(repo)))
                .chain(outcome -> repositories.recordState(id, outcome.observation())
                        .map(r -> {
                            if (outcome.failure() != null) {
                                throw outcome.failure();
                            }
                            return r;
                        }));
    }

    /**
     * Looks at the repository (snapshots, locks, size) and records what it found. restic failures do not fail
     * the call: they become the state (unreachable, last error).
     *
     * @param id the repository
     * @return the repository with its new state
     */
    public Uni<BackupRepository> refresh(UUID id) {
        return repositories.resticRepo(id)
                .chain(repo -> Offload.blocking(() -> observe(repo)))
                .chain(observation -> repositories.recordState(id, observation));
    }

    /**
     * Changes a repository; with {@link RepositoryChange#verifyPassword()} a new password is first tried on the
     * repository (as it will be after the change) and stored only if it opens it. A location where no
     * repository exists yet cannot refute a password, so there the password is stored as given.
     *
     * @param id the repository
     * @param change the change
     * @return the repository after the change
     * @throws AsgardException as {@link RepositoryService#update(UUID, RepositoryChange)}; INVALID_ARGUMENT
     *         {@code WRONG_REPOSITORY_PASSWORD} when the password does not open the repository; UNAVAILABLE or
     *         FAILED_PRECONDITION when restic could not try it. Nothing is changed then.
     */
    public Uni<BackupRepository> update(UUID id, RepositoryChange change) {
        if (!change.verifyPassword() || change.password() == null) {
            return repositories.update(id, change);
        }
        return repositories.preview(id, change)
                .chain(repo -> Offload.blocking(() -> verifyPassword(repo)))
                .chain(() -> repositories.update(id, change));
    }

    private Void verifyPassword(ResticRepo repo) {
        try {
            restic.lockIds(repo);
            return null;
        } catch (ResticException e) {
            if (e.outcome() == ResticOutcome.REPOSITORY_NOT_FOUND) {
                return null;
            }
            if (e.outcome() == ResticOutcome.WRONG_PASSWORD) {
                throw AsgardException.invalidArgument("WRONG_REPOSITORY_PASSWORD",
                        "The new password does not open the repository.")
                        .withViolation("password", "does not open the repository at its location")
                        .withHint("Send the repository's actual password; to change the password inside the "
                                + "repository, use restic key passwd first.");
            }
            throw toException(e.result());
        }
    }

    private record InitOutcome(RepositoryObservation observation, AsgardException failure) {
    }

    private InitOutcome initBlocking(ResticRepo repo) {
        ResticResult r = restic.init(repo);
        if (r.outcome() == ResticOutcome.SUCCESS) {
            return new InitOutcome(new RepositoryObservation(true, true, 0, null, 0L, null, clock.instant()), null);
        }
        if (r.outcome() == ResticOutcome.ALREADY_INITIALIZED) {
            return new InitOutcome(new RepositoryObservation(true, true, null, null, null, null, clock.instant()),
                    AsgardException.alreadyExists("REPOSITORY_ALREADY_INITIALIZED",
                            "A restic repository already exists at this location.")
                            .withHint("Refresh the repository to read its state; no init is needed."));
        }
        return new InitOutcome(failedObservation(r.outcome(), r.message(), r.hint()), toException(r));
    }

    private RepositoryObservation observe(ResticRepo repo) {
        try {
            long snapshots = restic.snapshots(repo).size();
            int locks = restic.lockIds(repo).size();
            long size = restic.stats(repo, "raw-data").totalSize();
            return new RepositoryObservation(true, true, locks, size, snapshots, null, clock.instant());
        } catch (ResticException e) {
            return failedObservation(e.outcome(), e.result().message(), e.result().hint());
        } catch (RuntimeException e) {
            LOG.warnf("refreshing a repository failed: %s", e.getMessage());
            return new RepositoryObservation(null, false, null, null, null, "restic could not run: " + e.getMessage(),
                    clock.instant());
        }
    }

    private RepositoryObservation failedObservation(ResticOutcome outcome, String message, String hint) {
        boolean reachable = outcome != ResticOutcome.BACKEND_UNREACHABLE && outcome != ResticOutcome.TIMED_OUT;
        Boolean initialized = switch (outcome) {
            case REPOSITORY_NOT_FOUND -> false;
            case WRONG_PASSWORD, LOCKED -> true;
            default -> null;
        };
        return new RepositoryObservation(initialized, reachable, null, null, null,
                outcome + ": " + message + " " + hint, clock.instant());
    }

    static AsgardException toException(ResticResult r) {
        String reason = "RESTIC_" + r.outcome().name();
        AsgardException e = r.outcome().isTransient()
                ? AsgardException.unavailable(reason, "restic failed: %s", r.message())
                : AsgardException.failedPrecondition(reason, "restic failed: %s", r.message());
        return e.withHint(r.hint());
    }

}
