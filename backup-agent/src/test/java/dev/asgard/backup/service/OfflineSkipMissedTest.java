package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.asgard.backup.entity.BackupJob;

/**
 * The missed-run policy offline ({@code OfflineMode.skipMissed}): {@code skip} moves a job whose passed starts all lie
 * beyond the grace period on to its next start without a run; a start within the grace period, and the other policies,
 * still run once. Copies written before the policy was stored behave as {@code run-once}.
 */
class OfflineSkipMissedTest {

    private static final Instant NOW = Instant.parse("2026-11-22T12:30:00Z");

    private static ConfigCache.CachedJob job(String missedRunMode, Instant nextRunAt) {
        BackupJob j = new BackupJob();
        j.id = UUID.randomUUID();
        j.name = "home";
        j.repositoryId = UUID.randomUUID();
        j.paths = new String[] {"/home"};
        j.scheduleIntervalMs = Duration.ofHours(1).toMillis();
        j.createdAt = Instant.parse("2026-01-01T00:00:00Z");
        j.scheduleAnchorAt = j.createdAt;
        j.missedRunMode = missedRunMode;
        j.missedRunGraceMs = Duration.ofMinutes(5).toMillis();
        j.nextRunAt = nextRunAt;
        return ConfigCache.CachedJob.of(j);
    }

    private static ConfigCache.Document doc(ConfigCache.CachedJob... jobs) {
        return new ConfigCache.Document("agent-1", NOW, List.of(jobs), List.of());
    }

    @Test
    void skipMovesAJobWhoseStartsWereAllMissedToItsNextStartWithoutARun() {
        ConfigCache.CachedJob missed = job("skip", NOW.minus(Duration.ofHours(3)));
        ConfigCache.Document after = OfflineMode.skipMissed(doc(missed), NOW);
        assertEquals(Instant.parse("2026-11-22T13:00:00Z"), after.jobs().get(0).nextRunAt(), "the next start on the grid");
    }

    @Test
    void aStartWithinTheGracePeriodStillRuns_andOtherPoliciesRunOnce() {
        ConfigCache.Document onTime = doc(job("skip", NOW.minus(Duration.ofMinutes(2))));
        assertSame(onTime, OfflineMode.skipMissed(onTime, NOW));
        ConfigCache.Document runOnce = doc(job("run-once", NOW.minus(Duration.ofHours(3))),
                job("run-all", NOW.minus(Duration.ofHours(3))));
        assertSame(runOnce, OfflineMode.skipMissed(runOnce, NOW));
    }

    @Test
    void aCopyWithoutThePolicyBehavesAsRunOnce() {
        ConfigCache.CachedJob j = job("skip", NOW.minus(Duration.ofHours(3)));
        ConfigCache.CachedJob old = new ConfigCache.CachedJob(j.id(), j.name(), j.repositoryId(), j.paths(), j.excludes(),
                j.excludeCaches(), j.excludeIfPresent(), j.oneFileSystem(), j.excludeLargerThanBytes(), j.tags(),
                j.host(), j.scheduleCron(), j.scheduleIntervalMs(), j.timeZone(), j.scheduleAnchorAt(), j.createdAt(),
                j.runTimeoutMs(), j.nextRunAt(), null, null);
        ConfigCache.Document before = doc(old);
        assertSame(before, OfflineMode.skipMissed(before, NOW));
    }
}
