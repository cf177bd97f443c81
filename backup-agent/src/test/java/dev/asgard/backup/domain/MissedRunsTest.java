package dev.asgard.backup.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.asgard.backup.domain.MissedRunPolicy.Mode;
import dev.asgard.backup.domain.MissedRuns.Decision;
import dev.asgard.backup.domain.MissedRuns.Due;
import dev.asgard.backup.domain.MissedRuns.Kind;

class MissedRunsTest {

    private static final Instant T0 = Instant.parse("2026-03-01T00:00:00Z");
    private static final Schedule HOURLY = Schedule.every(Duration.ofHours(1), T0);
    private static final Duration GRACE = Duration.ofMinutes(5);

    @Test
    void nothingIsDueBeforeThePlannedStart() {
        Decision d = MissedRuns.decide(HOURLY, T0, T0.minusSeconds(1), policy(Mode.RUN_ONCE));
        assertEquals(List.of(), d.runs());
        assertEquals(T0, d.nextRunAt().orElseThrow());
    }

    @Test
    void aStartWithinTheGracePeriodRunsOnTimeInEveryMode() {
        for (Mode mode : Mode.values()) {
            Decision d = MissedRuns.decide(HOURLY, T0, T0.plus(Duration.ofMinutes(4)), policy(mode));
            assertEquals(List.of(new Due(T0, Kind.ON_TIME)), d.runs(), mode.name());
            assertEquals(0, d.missed());
            assertEquals(T0.plus(Duration.ofHours(1)), d.nextRunAt().orElseThrow());
        }
    }

    @Test
    void runOnceAfterDowntimeRunsOneCatchUpForTheLatestMissedStart() {
        // Down from before T0 until 05:30: starts 00:00 .. 05:00 were missed.
        Instant now = T0.plus(Duration.ofMinutes(330));
        Decision d = MissedRuns.decide(HOURLY, T0, now, policy(Mode.RUN_ONCE));
        assertEquals(List.of(new Due(T0.plus(Duration.ofHours(5)), Kind.CATCH_UP)), d.runs());
        assertEquals(6, d.missed());
        assertEquals(5, d.skipped());
        assertEquals(T0.plus(Duration.ofHours(6)), d.nextRunAt().orElseThrow());
        assertEquals(T0.plus(Duration.ofHours(5)), d.lastScheduledAt().orElseThrow());
    }

    @Test
    void skipAfterDowntimeRunsNothingAndWaitsForTheNextStart() {
        Decision d = MissedRuns.decide(HOURLY, T0, T0.plus(Duration.ofMinutes(330)), policy(Mode.SKIP));
        assertEquals(List.of(), d.runs());
        assertEquals(6, d.skipped());
        assertEquals(T0.plus(Duration.ofHours(6)), d.nextRunAt().orElseThrow());
    }

    @Test
    void skipStillRunsTheStartWithinTheGracePeriod() {
        Decision d = MissedRuns.decide(HOURLY, T0, T0.plus(Duration.ofMinutes(182)), policy(Mode.SKIP));
        assertEquals(List.of(new Due(T0.plus(Duration.ofHours(3)), Kind.ON_TIME)), d.runs());
        assertEquals(3, d.skipped());
    }

    @Test
    void runAllRunsTheMostRecentMissedStartsUpToItsBound() {
        Decision d = MissedRuns.decide(HOURLY, T0, T0.plus(Duration.ofMinutes(330)), policy(Mode.RUN_ALL));
        assertEquals(List.of(new Due(T0.plus(Duration.ofHours(3)), Kind.CATCH_UP),
                new Due(T0.plus(Duration.ofHours(4)), Kind.CATCH_UP),
                new Due(T0.plus(Duration.ofHours(5)), Kind.CATCH_UP)), d.runs());
        assertEquals(3, d.skipped());
        Decision few = MissedRuns.decide(HOURLY, T0, T0.plus(Duration.ofMinutes(61)),
                new MissedRunPolicy(Mode.RUN_ALL, GRACE, 3));
        assertEquals(List.of(new Due(T0, Kind.CATCH_UP), new Due(T0.plus(Duration.ofHours(1)), Kind.ON_TIME)),
                few.runs());
    }

    @Test
    void cronAfterALongSleepIsBounded() {
        Schedule minutely = Schedule.cron("* * * * *", ZoneOffset.UTC);
        Instant now = T0.plus(Duration.ofDays(30)).plusSeconds(30);
        Decision d = MissedRuns.decide(minutely, T0, now, new MissedRunPolicy(Mode.RUN_ALL, Duration.ZERO, 2));
        assertEquals(2, d.runs().size());
        assertEquals(T0.plus(Duration.ofDays(30)).plus(Duration.ofMinutes(1)), d.nextRunAt().orElseThrow());
    }

    @Test
    void retryDelayGrowsAndIsCapped() {
        RetryPolicy p = new RetryPolicy(5, Duration.ofSeconds(10), 3.0, Duration.ofSeconds(60));
        assertEquals(Duration.ofSeconds(10), p.delayAfter(1));
        assertEquals(Duration.ofSeconds(30), p.delayAfter(2));
        assertEquals(Duration.ofSeconds(60), p.delayAfter(3));
        assertEquals(true, p.allowsRetryAfter(4));
        assertEquals(false, p.allowsRetryAfter(5));
    }

    private static MissedRunPolicy policy(Mode mode) {
        return new MissedRunPolicy(mode, GRACE, 3);
    }
}
