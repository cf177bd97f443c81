package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.asgard.backup.config.CheckConfig;
import dev.asgard.backup.entity.BackupRepository;
import dev.asgard.backup.repository.BackupRepositoryRepository;
import dev.asgard.commons.error.AsgardException;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Runs the scheduled checks of repositories ({@code check_schedule}). Every tick claims the repositories whose
 * persisted {@code next_check_at} has come: in one short transaction the rows are locked with SKIP LOCKED and
 * their next check is planned, so among several agents exactly one claims a due time. The checks then run one
 * after the other, outside that transaction, through {@link MaintenanceService#check} (exclusive hold of the
 * repository, result recorded on the repository and announced with {@code scheduled = true}).
 *
 * <p>Missed checks: the next time is planned from now, not from the missed one, so however long every agent was
 * down, a due check runs once when one comes back. The claim is made before the check runs: if the agent dies
 * during a check, that due time is spent and the next planned check comes at its usual time. A repository busy
 * with another operation ({@code REPOSITORY_BUSY}, say a long backup) is not skipped: its check is due again a
 * minute later.
 */
@ApplicationScoped
public class CheckScheduler {

    private static final Logger LOG = Logger.getLogger(CheckScheduler.class);
    private static final int BATCH = 20;
    /** How soon a check that found its repository busy is due again. */
    static final java.time.Duration BUSY_RETRY = java.time.Duration.ofMinutes(1);

    private final BackupRepositoryRepository repositories;
    private final MaintenanceService maintenance;
    private final CheckConfig config;
    private final Clock clock;
    private final SchemaMigration schema;

    public CheckScheduler(BackupRepositoryRepository repositories, MaintenanceService maintenance, CheckConfig config,
            Clock clock, SchemaMigration schema) {
        this.repositories = repositories;
        this.maintenance = maintenance;
        this.config = config;
        this.clock = clock;
        this.schema = schema;
    }

    @Scheduled(every = "${asgard.backup.checks.scheduler-tick:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        // Not before the schema is migrated (PostgreSQL down at start): checks need it, and run online only.
        if (!config.schedulerEnabled() || !schema.migrated()) {
            return Uni.createFrom().voidItem();
        }
        return checkDue().onFailure().invoke(e -> LOG.warnf("scheduled repository checks failed: %s",
                e.getMessage())).onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Runs every check that is due now.
     *
     * @return the reports of the checks that ran
     */
    public Uni<List<CheckReport>> checkDue() {
        return checkDue(clock.instant());
    }

    /**
     * As {@link #checkDue()}, at a given time (tests simulate a downtime by passing a later time).
     *
     * @param now the time now
     * @return the reports of the checks that ran (a check that could not start, for example because the
     *         repository was removed meanwhile, is logged and left out)
     */
    public Uni<List<CheckReport>> checkDue(Instant now) {
        return claimDue(now).chain(claimed -> {
            List<CheckReport> reports = new ArrayList<>();
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (Claimed c : claimed) {
                chain = chain.chain(() -> maintenance.check(c.id(), c.readData(), c.readData() ? c.subset() : null,
                        true)
                        .invoke(reports::add).replaceWithVoid()
                        .onFailure(CheckScheduler::busy).recoverWithUni(e -> {
                            LOG.infof("repository %s (%s) is busy; its scheduled check is due again in %s", c.name(),
                                    c.id(), BUSY_RETRY);
                            return retryAt(c.id(), now.plus(BUSY_RETRY));
                        })
                        .onFailure().invoke(e -> LOG.warnf("scheduled check of repository %s (%s) did not run: %s",
                                c.name(), c.id(), e.getMessage()))
                        .onFailure().recoverWithNull().replaceWithVoid());
            }
            return chain.map(ignored -> reports);
        });
    }

    private static boolean busy(Throwable e) {
        return e instanceof AsgardException a && "REPOSITORY_BUSY".equals(a.reason());
    }

    /** Brings the next check forward to {@code at}, unless the schedule was removed (or moved earlier) meanwhile. */
    @WithTransaction
    Uni<Void> retryAt(UUID id, Instant at) {
        return repositories.update("nextCheckAt = ?1 where id = ?2 and nextCheckAt > ?1", at, id).replaceWithVoid();
    }

    /** A repository claimed for a check, with the check's settings as they were at the claim. */
    record Claimed(UUID id, String name, boolean readData, String subset) {
    }

    @WithTransaction
    Uni<List<Claimed>> claimDue(Instant now) {
        return repositories.lockDueChecks(now, BATCH).chain(due -> {
            List<Claimed> claimed = new ArrayList<>();
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (BackupRepository r : due) {
                Instant next = r.nextCheckAfter(now);
                if (r.nextCheckAt.isBefore(now.minus(java.time.Duration.ofMinutes(1)))) {
                    LOG.infof("repository %s (%s) missed its check due at %s (agent down or machine asleep); "
                            + "checking once now", r.name, r.id, r.nextCheckAt);
                }
                claimed.add(new Claimed(r.id, r.name, r.checkReadData, r.checkReadDataSubset));
                chain = chain.chain(() -> repositories.planCheck(r.id, next)).replaceWithVoid();
            }
            return chain.map(ignored -> claimed);
        });
    }
}
