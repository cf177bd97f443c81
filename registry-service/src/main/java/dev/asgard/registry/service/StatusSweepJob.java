package dev.asgard.registry.service;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.asgard.commons.leader.LeaderElections;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * Runs the device housekeeping on the leader of {@code registry-sweeper}; the other replicas skip: the status
 * sweep ({@link StatusSweeper}) and the ephemeral clean-up ({@link EphemeralCleanup}).
 *
 * <p>Why one election for both: they are the same kind of work (device lifecycle judged from time), a second
 * lease would only add its renewals, and neither depends on leadership for correctness (each locks and re-judges
 * every row, so a pass on a replica that just lost the lease changes nothing twice); leadership only spares the
 * other replicas the work. Two schedules, so a failing clean-up does not hold the sweep up, nor the reverse.
 */
@ApplicationScoped
public class StatusSweepJob {

    /** The leader election of the sweeper and the ephemeral clean-up. */
    public static final String ELECTION = "registry-sweeper";

    private static final Logger LOG = Logger.getLogger(StatusSweepJob.class);

    private final LeaderElections elections;
    private final StatusSweeper sweeper;
    private final EphemeralCleanup ephemeral;
    private final Clock clock;

    public StatusSweepJob(LeaderElections elections, StatusSweeper sweeper, EphemeralCleanup ephemeral, Clock clock) {
        this.elections = elections;
        this.sweeper = sweeper;
        this.ephemeral = ephemeral;
        this.clock = clock;
    }

    @Scheduled(identity = "registry-status-sweep", every = "${asgard.registry.devices.sweep-interval:5s}",
            delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return elections.forName(ELECTION).runIfLeader(epoch -> sweeper.sweep(clock.instant()))
                .onFailure().invoke(e -> LOG.warnf(e, "Status sweep failed; retrying at the next pass"))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    @Scheduled(identity = "registry-ephemeral-cleanup",
            every = "${asgard.registry.devices.ephemeral-cleanup-interval:30s}",
            delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> cleanUpEphemeral() {
        return elections.forName(ELECTION).runIfLeader(epoch -> ephemeral.cleanUp(clock.instant()))
                .invoke(removed -> removed.filter(n -> n > 0)
                        .ifPresent(n -> LOG.infof("Removed %d ephemeral devices offline beyond their grace period", n)))
                .onFailure().invoke(e -> LOG.warnf(e, "Ephemeral clean-up failed; retrying at the next pass"))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
