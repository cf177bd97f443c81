package dev.asgard.backup.domain;

import java.time.Duration;
import java.util.Locale;

/**
 * What to do about planned starts that passed while the agent was down or the machine slept.
 *
 * @param mode the policy
 * @param gracePeriod a start missed by at most this long still runs as if on time, whatever the mode
 * @param maxCatchUpRuns for {@link Mode#RUN_ALL}: at most this many catch-up runs
 */
public record MissedRunPolicy(Mode mode, Duration gracePeriod, int maxCatchUpRuns) {

    /** Default grace period. */
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(5);
    /** Default bound of RUN_ALL. */
    public static final int DEFAULT_MAX_CATCH_UP = 3;
    /** Largest bound of RUN_ALL accepted. */
    public static final int MAX_CATCH_UP_LIMIT = 100;

    /** The modes, stored and shown in kebab case ({@code run-once}). */
    public enum Mode {
        /** One run for all the missed starts, as soon as possible. */
        RUN_ONCE,
        /** No catch-up: wait for the next planned start. */
        SKIP,
        /** One run per missed start, one after another, bounded. */
        RUN_ALL;

        /** @return the wire name, e.g. {@code run-once} */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /**
         * @param wire {@code run-once}, {@code skip} or {@code run-all} (also accepted in upper case with '_')
         * @return the mode
         * @throws IllegalArgumentException for anything else
         */
        public static Mode fromWire(String wire) {
            return valueOf(wire.strip().toUpperCase(Locale.ROOT).replace('-', '_'));
        }
    }

    /** @return run-once, 5 minutes grace, 3 catch-up runs at most */
    public static MissedRunPolicy defaults() {
        return new MissedRunPolicy(Mode.RUN_ONCE, DEFAULT_GRACE, DEFAULT_MAX_CATCH_UP);
    }
}
