package dev.asgard.backup.service;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.backup.mapping.BackupEventMapper;
import dev.asgard.backup.repository.BackupRepositoryRepository;
import dev.asgard.backup.restic.ResticSnapshot;
import dev.asgard.commons.events.EventPublisher;
import dev.asgard.commons.events.Topics;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Records what a maintenance operation did: the repository's observed state and the event, in one transaction
 * (the event goes through the outbox). restic has already acted by then: if the transaction fails, the change
 * in the storage stays and the next refresh corrects the state.
 */
@ApplicationScoped
public class MaintenanceRecorder {

    private final BackupRepositoryRepository repositories;
    private final EventPublisher events;
    private final Clock clock;

    public MaintenanceRecorder(BackupRepositoryRepository repositories, EventPublisher events, Clock clock) {
        this.repositories = repositories;
        this.events = events;
        this.clock = clock;
    }

    /**
     * @param repositoryId the repository
     * @param forgotten the forgotten snapshots
     * @param byPolicy whether a retention policy forgot them
     * @param pruned whether data was pruned
     * @return done
     */
    @WithTransaction
    public Uni<Void> snapshotsForgotten(UUID repositoryId, List<ResticSnapshot> forgotten, boolean byPolicy,
            boolean pruned) {
        Instant now = clock.instant();
        return repositories.findById(repositoryId)
                .invoke(r -> {
                    if (r != null && r.snapshotCount != null) {
                        r.snapshotCount = Math.max(0, r.snapshotCount - forgotten.size());
                    }
                })
                .chain(ignored -> Multi.createFrom().iterable(forgotten)
                        .onItem().transformToUniAndConcatenate(s -> events.publish(Topics.BACKUP_EVENTS, s.id(),
                                BackupEventMapper.SNAPSHOT_FORGOTTEN, s.id(),
                                BackupEventMapper.forgotten(repositoryId.toString(), s, byPolicy, pruned, now)))
                        .collect().asList())
                .replaceWithVoid();
    }

    /**
     * @param report the check
     * @return done
     */
    public Uni<Void> checkCompleted(CheckReport report) {
        return checkCompleted(report, false);
    }

    /**
     * Records the last check on the repository (an observation: revision and update time stay) and announces it.
     *
     * @param report the check
     * @param scheduled whether the check scheduler started it
     * @return done
     */
    @WithTransaction
    public Uni<Void> checkCompleted(CheckReport report, boolean scheduled) {
        UUID id = UUID.fromString(report.repositoryId());
        Instant now = clock.instant();
        return repositories.recordCheck(id, report.startTime(), report.outcome().value())
                .call(ignored -> events.publish(Topics.BACKUP_EVENTS, report.repositoryId(),
                        BackupEventMapper.CHECK_COMPLETED, report.repositoryId(),
                        BackupEventMapper.checkCompleted(report, now, scheduled)))
                .replaceWithVoid();
    }

    /**
     * @param repositoryId the repository
     * @param lockCount restic locks present now
     * @return done
     */
    @WithTransaction
    public Uni<Void> locksObserved(UUID repositoryId, int lockCount) {
        return repositories.findById(repositoryId).invoke(r -> {
            if (r != null) {
                r.lockCount = lockCount;
                r.locked = lockCount > 0;
                r.observedAt = clock.instant();
            }
        }).replaceWithVoid();
    }
}
