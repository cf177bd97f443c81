package dev.asgard.lock.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class WaitForGraphTest {

    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");
    private final Owner a = owner();
    private final Owner b = owner();
    private final Owner c = owner();
    private final Owner outsider = owner();

    @Test
    void twoOwnersWaitingForEachOtherAreADeadlockAndTheLowerPriorityIsTheVictim() {
        WaitForGraph graph = new WaitForGraph(List.of(edge(a, "l2", b, 5, 1), edge(b, "l1", a, 1, 2)));
        WaitForGraph.Cycle cycle = graph.cycleThrough(a).orElseThrow();
        assertEquals(2, cycle.edges().size());
        assertEquals(b, cycle.victim().waiter());
        assertEquals("l1", cycle.victim().lockName());
    }

    @Test
    void aThreeCycleIsFoundFromAnyMemberAndEqualPrioritiesLoseTheYoungestRequest() {
        WaitForGraph graph = new WaitForGraph(List.of(edge(a, "l2", b, 0, 1), edge(b, "l3", c, 0, 3),
                edge(c, "l1", a, 0, 2)));
        for (Owner start : List.of(a, b, c)) {
            WaitForGraph.Cycle cycle = graph.cycleThrough(start).orElseThrow();
            assertEquals(3, cycle.edges().size());
            assertEquals(b, cycle.victim().waiter(), "b's request is the youngest");
        }
        assertEquals(1, graph.cycles().size());
    }

    @Test
    void inheritedPriorityFromAWaiterOutsideTheCycleProtectsAnOwner() {
        // a and b deadlock with equal priorities; an outsider of priority 9 waits for a lock b holds.
        WaitForGraph graph = new WaitForGraph(List.of(edge(a, "l2", b, 1, 2), edge(b, "l1", a, 1, 1),
                edge(outsider, "l2", b, 9, 3)));
        assertEquals(a, graph.cycleThrough(a).orElseThrow().victim().waiter());
    }

    @Test
    void aChainIsNoDeadlock() {
        WaitForGraph graph = new WaitForGraph(List.of(edge(a, "l2", b, 0, 1), edge(b, "l3", c, 0, 2)));
        assertTrue(graph.cycleThrough(a).isEmpty());
        assertTrue(graph.cycles().isEmpty());
    }

    private static Owner owner() {
        return new Owner(UUID.randomUUID(), "s");
    }

    private static WaitForGraph.Edge edge(Owner waiter, String lock, Owner holder, int priority, int order) {
        return new WaitForGraph.Edge(waiter, UUID.randomUUID(), lock, holder, priority, T0.plus(Duration.ofSeconds(order)),
                order);
    }
}
