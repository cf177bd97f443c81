package dev.asgard.commons.leader;

/**
 * Told when a {@link LeaderElection} wins or loses leadership. Called on the elector's Vert.x context: do not block;
 * start work with {@link LeaderElection#runIfLeader(java.util.function.LongFunction)} or a timer instead.
 */
public interface LeadershipListener {

    /**
     * This replica leads from now on.
     *
     * @param epoch the fencing epoch of the new term
     */
    default void onElected(long epoch) {
    }

    /** This replica no longer leads: it stepped down, lost the lease or was stopped. Stop singleton work. */
    default void onRevoked() {
    }
}
