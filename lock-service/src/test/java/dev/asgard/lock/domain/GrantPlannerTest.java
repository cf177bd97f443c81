package dev.asgard.lock.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class GrantPlannerTest {

    private static final Instant T0 = Instant.parse("2026-11-22T00:00:00Z");

    @Test
    void theQueueIsStrictSoALaterCompatibleRequestDoesNotOvertake() {
        List<Holder> holders = List.of(holder(Mode.SHARED, 1, 0, false));
        List<Waiter> queue = List.of(waiter(Mode.EXCLUSIVE, 1, 0, false), waiter(Mode.SHARED, 1, 0, false));
        assertEquals(List.of(), GrantPlanner.grantable(1, holders, queue));
        assertEquals(2, GrantPlanner.grantable(1, List.of(), List.of(waiter(Mode.SHARED, 1, 0, false),
                waiter(Mode.SHARED, 1, 0, false), waiter(Mode.EXCLUSIVE, 1, 0, false))).size());
    }

    @Test
    void semaphorePermitsAddUp() {
        List<Holder> holders = List.of(holder(Mode.SEMAPHORE, 2, 0, false));
        assertEquals(1, GrantPlanner.grantable(3, holders, List.of(waiter(Mode.SEMAPHORE, 1, 0, false),
                waiter(Mode.SEMAPHORE, 1, 0, false))).size());
    }

    @Test
    void preemptionTakesOnlyPreemptibleLowerPriorityHoldersAndAllOrNothing() {
        Waiter urgent = waiter(Mode.EXCLUSIVE, 1, 10, true);
        Holder low = holder(Mode.SHARED, 1, 1, true);
        Holder stubborn = holder(Mode.SHARED, 1, 1, false);
        assertEquals(List.of(low), GrantPlanner.preemptionVictims(urgent, 1, List.of(low), List.of(urgent)));
        assertEquals(List.of(), GrantPlanner.preemptionVictims(urgent, 1, List.of(low, stubborn), List.of(urgent)));
        // A holder blocking another waiter of priority 20 inherits it and is not taken.
        assertEquals(List.of(), GrantPlanner.preemptionVictims(urgent, 1, List.of(low),
                List.of(urgent, waiter(Mode.EXCLUSIVE, 1, 20, false))));
        // A request without preempt never preempts.
        assertEquals(List.of(), GrantPlanner.preemptionVictims(waiter(Mode.EXCLUSIVE, 1, 10, false), 1, List.of(low),
                List.of()));
    }

    @Test
    void semaphorePreemptionTakesTheLeastImportantHoldersUntilTheRequestFits() {
        Holder p1 = holder(Mode.SEMAPHORE, 1, 1, true);
        Holder p2 = holder(Mode.SEMAPHORE, 1, 2, true);
        Holder p3 = holder(Mode.SEMAPHORE, 1, 3, true);
        Waiter two = waiter(Mode.SEMAPHORE, 2, 10, true);
        assertEquals(List.of(p1, p2), GrantPlanner.preemptionVictims(two, 3, List.of(p3, p2, p1), List.of(two)));
    }

    private static Holder holder(Mode mode, int permits, int priority, boolean preemptible) {
        return new Holder("l", 1, new Owner(UUID.randomUUID(), "s"), UUID.randomUUID(), mode, permits, priority,
                preemptible, null, T0, T0, Duration.ofSeconds(30), T0.plusSeconds(30), T0);
    }

    private static Waiter waiter(Mode mode, int permits, int priority, boolean preempt) {
        return new Waiter(UUID.randomUUID(), "l", 1, new Owner(UUID.randomUUID(), "s"), mode, permits, priority, preempt,
                false, null, Duration.ofSeconds(30), T0, null, UUID.randomUUID());
    }
}
