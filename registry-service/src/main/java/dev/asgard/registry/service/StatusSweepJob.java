package dev.asgard.registry.service;

import java.time.Clock;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.asgard.commons.leader.LeaderElections;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/** Runs the status sweeper on the leader of {@code registry-sweeper}; the other replicas skip. */
@ApplicationScoped
public class StatusSweepJob {

    /** The leader election of the sweeper. */
    public static final String ELECTION = "registry-sweeper";

    private static final Logger LOG = Logger.getLogger(StatusSweepJob.class);

    private final LeaderElections elections;
    private final StatusSweeper sweeper;
    private final Clock clock;

    public StatusSweepJob(LeaderElections elections, StatusSweeper sweeper, Clock clock) {
        this.elections = elections;
        this.sweeper = sweeper;
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
}
