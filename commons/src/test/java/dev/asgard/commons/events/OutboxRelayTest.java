package dev.asgard.commons.events;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class OutboxRelayTest {

    @Test
    void backoffDoublesFromThePollIntervalUpToTheCap() {
        Duration poll = Duration.ofMillis(200);
        Duration max = Duration.ofSeconds(30);

        assertEquals(Duration.ofMillis(400), OutboxRelay.backoffDelay(1, poll, max, 0));
        assertEquals(Duration.ofMillis(800), OutboxRelay.backoffDelay(2, poll, max, 0));
        assertEquals(Duration.ofMillis(3200), OutboxRelay.backoffDelay(4, poll, max, 0));
        assertEquals(max, OutboxRelay.backoffDelay(8, poll, max, 0));
        assertEquals(max, OutboxRelay.backoffDelay(1000, poll, max, 0.99));
        // Jitter adds at most 20%, and never beyond the cap.
        assertEquals(Duration.ofMillis(479), OutboxRelay.backoffDelay(1, poll, max, 0.999));
        assertEquals(max, OutboxRelay.backoffDelay(7, poll, max, 0.999));
    }
}
