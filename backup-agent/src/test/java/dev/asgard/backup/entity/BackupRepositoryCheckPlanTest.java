package dev.asgard.backup.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

/** Planning of the next scheduled check, driven with fixed times. */
class BackupRepositoryCheckPlanTest {

    private static final Instant NOW = Instant.parse("2026-03-28T10:15:00Z");

    @Test
    void cronIsReadInTheRepositorysTimeZone() {
        BackupRepository r = repository();
        r.checkCron = "0 4 * * 0";
        r.checkTimeZone = "Europe/Berlin";
        // Sunday 29 March 2026, 04:00 in Berlin is after the switch to summer time (UTC+2).
        assertEquals(Instant.parse("2026-03-29T02:00:00Z"), r.nextCheckAfter(NOW));
    }

    @Test
    void aDowntimeOfManyPeriodsPlansOneCheckAfterNowOnTheIntervalGrid() {
        BackupRepository r = repository();
        r.checkIntervalMs = Duration.ofHours(6).toMillis();
        r.checkAnchorAt = Instant.parse("2026-03-01T00:00:00Z");
        assertEquals(Instant.parse("2026-03-28T12:00:00Z"), r.nextCheckAfter(NOW));
    }

    @Test
    void jitterDelaysWithinItsBoundAndNoScheduleMeansNoCheck() {
        BackupRepository r = repository();
        r.checkCron = "@daily";
        r.checkJitterMs = Duration.ofMinutes(10).toMillis();
        Instant planned = Instant.parse("2026-03-29T00:00:00Z");
        for (int i = 0; i < 50; i++) {
            Instant next = r.nextCheckAfter(NOW);
            assertTrue(!next.isBefore(planned) && !next.isAfter(planned.plus(Duration.ofMinutes(10))), next.toString());
        }
        assertNull(repository().nextCheckAfter(NOW));
    }

    private static BackupRepository repository() {
        BackupRepository r = new BackupRepository();
        r.createdAt = Instant.parse("2026-01-01T00:00:00Z");
        return r;
    }
}
