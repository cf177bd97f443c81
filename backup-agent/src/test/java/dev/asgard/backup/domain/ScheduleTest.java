package dev.asgard.backup.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.asgard.backup.domain.Schedule.CronExpressions;

class ScheduleTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void cronFiresAtTheNextMatchingMinuteInItsTimeZone() {
        Schedule s = Schedule.cron("30 2 * * *", BERLIN);
        Instant now = berlin(2026, 6, 1, 10, 0);
        assertEquals(berlin(2026, 6, 2, 2, 30), s.nextAfter(now).orElseThrow());
        // Exactly at a start: the next one, never the same one again.
        assertEquals(berlin(2026, 6, 3, 2, 30), s.nextAfter(berlin(2026, 6, 2, 2, 30)).orElseThrow());
        assertEquals(Instant.parse("2026-06-02T00:30:00Z"), s.nextAfter(now).orElseThrow(), "CEST is UTC+2");
    }

    @Test
    void cronAcrossDaylightSavingTransitionsRunsOncePerDay() {
        Schedule s = Schedule.cron("30 2 * * *", BERLIN);
        assertEquals(Instant.parse("2026-03-29T01:00:00Z"), s.nextAfter(berlin(2026, 3, 28, 12, 0)).orElseThrow(),
                "02:30 does not exist on 2026-03-29: the start is when the gap ends (03:00 CEST)");
        assertEquals(Instant.parse("2026-10-25T00:30:00Z"), s.nextAfter(berlin(2026, 10, 24, 12, 0)).orElseThrow(),
                "02:30 exists twice on 2026-10-25: the first (CEST) one");
        // Spring forward (2026-03-29: 02:00 -> 03:00, 02:30 does not exist) and fall back (2026-10-25: 02:30 twice).
        for (Instant from : List.of(berlin(2026, 3, 27, 12, 0), berlin(2026, 10, 23, 12, 0))) {
            List<Instant> starts = new ArrayList<>();
            Instant t = from;
            for (int i = 0; i < 4; i++) {
                t = s.nextAfter(t).orElseThrow();
                starts.add(t);
            }
            for (int i = 1; i < starts.size(); i++) {
                long hours = Duration.between(starts.get(i - 1), starts.get(i)).toHours();
                assertTrue(hours >= 22 && hours <= 26, "one start per day, got " + starts);
            }
        }
    }

    @Test
    void hourlyCronInUtcAndNicknames() {
        Instant now = Instant.parse("2026-01-01T10:15:00Z");
        assertEquals(Instant.parse("2026-01-01T11:00:00Z"),
                Schedule.cron("0 * * * *", ZoneOffset.UTC).nextAfter(now).orElseThrow());
        assertEquals(Instant.parse("2026-01-01T11:00:00Z"),
                Schedule.cron("@hourly", ZoneOffset.UTC).nextAfter(now).orElseThrow());
        assertEquals(Instant.parse("2026-01-02T00:00:00Z"),
                Schedule.cron("@daily", ZoneOffset.UTC).nextAfter(now).orElseThrow());
        assertEquals(Instant.parse("2026-01-01T10:20:00Z"),
                Schedule.cron("*/5 * * * *", ZoneOffset.UTC).nextAfter(now).orElseThrow());
    }

    @Test
    void intervalKeepsItsGridFromTheAnchor() {
        Instant anchor = Instant.parse("2026-01-01T00:00:00Z");
        Schedule s = Schedule.every(Duration.ofMinutes(15), anchor);
        assertEquals(anchor, s.nextAfter(anchor.minusSeconds(1)).orElseThrow());
        assertEquals(anchor.plus(Duration.ofMinutes(15)), s.nextAfter(anchor).orElseThrow());
        assertEquals(Instant.parse("2026-01-01T10:30:00Z"),
                s.nextAfter(Instant.parse("2026-01-01T10:17:42Z")).orElseThrow());
    }

    @Test
    void badCronNamesTheBadField() {
        assertEquals(Optional.empty(), CronExpressions.validate("30 2 * * 1-5"));
        assertEquals(Optional.empty(), CronExpressions.validate("@weekly"));
        assertTrue(CronExpressions.validate("61 * * * *").orElseThrow().contains("minute field"));
        assertTrue(CronExpressions.validate("0 24 * * *").orElseThrow().contains("hour field"));
        assertTrue(CronExpressions.validate("0 0 32 * *").orElseThrow().contains("day-of-month field"));
        assertTrue(CronExpressions.validate("0 0 * 13 *").orElseThrow().contains("month field"));
        assertTrue(CronExpressions.validate("0 0 * * MOX").orElseThrow().contains("day-of-week field"));
        assertTrue(CronExpressions.validate("0 0 * *").orElseThrow().contains("5 fields"));
        assertTrue(CronExpressions.validate("@sometimes").orElseThrow().contains("nickname"));
        assertTrue(CronExpressions.validate(" ").isPresent());
    }

    private static Instant berlin(int y, int m, int d, int h, int min) {
        return LocalDateTime.of(y, m, d, h, min).atZone(BERLIN).toInstant();
    }
}
