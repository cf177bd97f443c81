package dev.asgard.commons.leader;

/**
 * One change of leadership, as published by {@link LeaderElection#changes()}.
 *
 * @param name the election
 * @param leader true when this replica was elected, false when it stepped down
 * @param epoch the fencing epoch of the term that started or ended
 */
public record LeadershipChange(String name, boolean leader, long epoch) {
}
