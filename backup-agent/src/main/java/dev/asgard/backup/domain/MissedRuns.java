package dev.asgard.backup.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides which runs a scheduler tick starts for one job, given the start that was planned ({@code next_run_at},
 * persisted), the time now and the missed-run policy. Planned starts at most the grace period ago are on time;
 * older ones were missed (the agent was down, the machine slept) and the policy decides about them. Pure.
 */
public final class MissedRuns {

    /** At most this many planned starts are looked at in one decision (a minutely cron after a year down). */
    static final int MAX_ENUMERATED = 10_000;

    private MissedRuns() {
    }

    /** Why a run is started. */
    public enum Kind {
        /** A planned start, on time (within the grace period). */
        ON_TIME,
        /** Catch-up for a missed start. */
        CATCH_UP
    }

    /**
     * One run to start.
     *
     * @param scheduledFor the planned start it stands for
     * @param kind on time or catch-up
     */
    public record Due(Instant scheduledFor, Kind kind) {
    }

    /**
     * The decision.
     *
     * @param runs the runs to start now, oldest first
     * @param missed planned starts that passed beyond the grace period (run or skipped)
     * @param skipped how many of them get no run
     * @param nextRunAt the next planned start, strictly after now (empty: never again)
     * @param lastScheduledAt the latest planned start that passed (empty when none did)
     */
    public record Decision(List<Due> runs, int missed, int skipped, Optional<Instant> nextRunAt,
            Optional<Instant> lastScheduledAt) {
    }

    /**
     * @param schedule the job's schedule
     * @param plannedNext the persisted next planned start
     * @param now the time now
     * @param policy the missed-run policy
     * @return what to run now and the next planned start
     */
    public static Decision decide(Schedule schedule, Instant plannedNext, Instant now, MissedRunPolicy policy) {
        if (plannedNext == null) {
            return new Decision(List.of(), 0, 0, schedule.nextAfter(now), Optional.empty());
        }
        if (plannedNext.isAfter(now)) {
            return new Decision(List.of(), 0, 0, Optional.of(plannedNext), Optional.empty());
        }
        List<Instant> missed = new ArrayList<>();
        Instant onTime = null;
        Instant t = plannedNext;
        int seen = 0;
        Instant latest = null;
        while (t != null && !t.isAfter(now)) {
            latest = t;
            if (!Duration.between(t, now).minus(policy.gracePeriod()).isPositive()) {
                onTime = t;
            } else if (++seen <= MAX_ENUMERATED) {
                missed.add(t);
            }
            t = schedule.nextAfter(t).orElse(null);
        }
        int missedCount = seen;
        List<Due> runs = new ArrayList<>();
        switch (policy.mode()) {
            case RUN_ONCE -> {
                if (onTime != null) {
                    runs.add(new Due(onTime, Kind.ON_TIME));
                } else if (!missed.isEmpty()) {
                    runs.add(new Due(missed.get(missed.size() - 1), Kind.CATCH_UP));
                }
            }
            case SKIP -> {
                if (onTime != null) {
                    runs.add(new Due(onTime, Kind.ON_TIME));
                }
            }
            case RUN_ALL -> {
                int take = Math.min(policy.maxCatchUpRuns(), missed.size());
                missed.subList(missed.size() - take, missed.size())
                        .forEach(m -> runs.add(new Due(m, Kind.CATCH_UP)));
                if (onTime != null) {
                    runs.add(new Due(onTime, Kind.ON_TIME));
                }
            }
        }
        long catchUps = runs.stream().filter(r -> r.kind() == Kind.CATCH_UP).count();
        int skipped = (int) (missedCount - catchUps);
        // The next start after the last passed one, which is after now by construction.
        return new Decision(List.copyOf(runs), missedCount, skipped, Optional.ofNullable(t),
                Optional.ofNullable(latest));
    }
}
