package dev.asgard.backup.domain;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

/**
 * When a job runs by itself: a five-field cron expression read in a time zone, or a fixed interval. Pure: every
 * method takes the time it reasons about, so tests drive it with any clock.
 */
public sealed interface Schedule {

    /** The shortest interval accepted. */
    Duration MIN_INTERVAL = Duration.ofMinutes(1);

    /**
     * @param after a point in time
     * @return the first planned start strictly after it; empty when the expression never fires again
     */
    Optional<Instant> nextAfter(Instant after);

    /**
     * A cron schedule.
     *
     * @param expression the expression as given (nicknames such as {@code @daily} allowed)
     * @param zone the zone it is read in
     * @param execution the compiled expression
     */
    record CronSchedule(String expression, ZoneId zone, ExecutionTime execution) implements Schedule {
        /**
         * Wall-clock semantics across daylight saving changes: the expression is matched against local times; a
         * local time that does not exist (spring forward) runs at the moment the gap ends, so a daily job is never
         * skipped; a local time that exists twice (fall back) runs once, at its first occurrence, unless the search
         * starts inside the repeated hour.
         */
        @Override
        public Optional<Instant> nextAfter(Instant after) {
            ZonedDateTime from = after.atZone(zone);
            ZonedDateTime probe = from.toLocalDateTime().atZone(ZoneOffset.UTC);
            for (int i = 0; i < 4; i++) {
                Optional<ZonedDateTime> next = execution.nextExecution(probe);
                if (next.isEmpty()) {
                    return Optional.empty();
                }
                LocalDateTime local = next.get().toLocalDateTime();
                ZoneOffsetTransition transition = zone.getRules().getTransition(local);
                Instant candidate = transition != null && transition.isGap() ? transition.getInstant()
                        : ZonedDateTime.ofLocal(local, zone, from.getOffset()).toInstant();
                if (candidate.isAfter(after)) {
                    return Optional.of(candidate);
                }
                probe = next.get();
            }
            return Optional.empty();
        }
    }

    /**
     * A fixed interval, counted from an anchor (the job's creation or its last schedule change), so restarts do
     * not shift the grid.
     *
     * @param interval the interval
     * @param anchor the first planned start
     */
    record IntervalSchedule(Duration interval, Instant anchor) implements Schedule {
        @Override
        public Optional<Instant> nextAfter(Instant after) {
            if (after.isBefore(anchor)) {
                return Optional.of(anchor);
            }
            long steps = Duration.between(anchor, after).toMillis() / interval.toMillis() + 1;
            return Optional.of(anchor.plusMillis(Math.multiplyExact(steps, interval.toMillis())));
        }
    }

    /**
     * @param expression a valid cron expression (see {@link CronExpressions#validate})
     * @param zone the time zone
     * @return the schedule
     * @throws IllegalArgumentException when the expression is invalid
     */
    static CronSchedule cron(String expression, ZoneId zone) {
        return new CronSchedule(expression, zone, ExecutionTime.forCron(CronExpressions.parse(expression)));
    }

    /**
     * @param interval at least {@link #MIN_INTERVAL}
     * @param anchor the first start
     * @return the schedule
     */
    static IntervalSchedule every(Duration interval, Instant anchor) {
        if (interval.compareTo(MIN_INTERVAL) < 0) {
            throw new IllegalArgumentException("interval below " + MIN_INTERVAL);
        }
        return new IntervalSchedule(interval, anchor);
    }

    /** Parsing and field-by-field validation of five-field (Unix) cron expressions. */
    final class CronExpressions {

        static final List<String> FIELDS = List.of("minute", "hour", "day-of-month", "month", "day-of-week");
        private static final List<String> RANGES = List.of("0-59", "0-23", "1-31", "1-12 or JAN-DEC",
                "0-7 or SUN-SAT (0 and 7 are Sunday)");
        private static final Map<String, String> NICKNAMES = Map.of("@yearly", "0 0 1 1 *", "@annually", "0 0 1 1 *",
                "@monthly", "0 0 1 * *", "@weekly", "0 0 * * 0", "@daily", "0 0 * * *", "@midnight", "0 0 * * *",
                "@hourly", "0 * * * *");
        private static final CronDefinition UNIX = CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX);
        private static final CronParser PARSER = new CronParser(UNIX);

        private CronExpressions() {
        }

        static Cron parse(String expression) {
            String e = expand(expression);
            return PARSER.parse(e).validate();
        }

        private static String expand(String expression) {
            String e = expression.strip();
            return NICKNAMES.getOrDefault(e.toLowerCase(Locale.ROOT), e);
        }

        /**
         * @param expression a candidate
         * @return empty when valid, else what is wrong, naming the bad field and its allowed values
         */
        public static Optional<String> validate(String expression) {
            if (expression == null || expression.isBlank()) {
                return Optional.of("is required");
            }
            String e = expand(expression);
            if (e.startsWith("@")) {
                return Optional.of("unknown nickname '" + expression.strip()
                        + "': use @hourly, @daily, @weekly, @monthly or @yearly");
            }
            String[] parts = e.split("\\s+");
            if (parts.length != FIELDS.size()) {
                return Optional.of("must have 5 fields (minute hour day-of-month month day-of-week), not "
                        + parts.length + ", e.g. '30 2 * * *' for 02:30 every day");
            }
            for (int i = 0; i < parts.length; i++) {
                String[] probe = {"*", "*", "*", "*", "*"};
                probe[i] = parts[i];
                try {
                    PARSER.parse(String.join(" ", probe)).validate();
                } catch (IllegalArgumentException ex) {
                    return Optional.of("the " + FIELDS.get(i) + " field (field " + (i + 1) + ") '" + parts[i]
                            + "' is invalid: allowed are " + RANGES.get(i) + " with , - / and *");
                }
            }
            try {
                parse(e);
                return Optional.empty();
            } catch (IllegalArgumentException ex) {
                return Optional.of("is invalid: " + ex.getMessage());
            }
        }
    }
}
