package dev.asgard.registry.rest;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.asgard.commons.error.Validation;

/** Durations in REST bodies: ISO-8601 ({@code PT24H}) or the short form people type ({@code 24h}, {@code 7d}). */
final class Durations {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhd])");

    private Durations() {
    }

    /**
     * @param validation where a malformed value is reported
     * @param field the field name
     * @param text the value, may be null
     * @return the duration, or null when absent or malformed (then a violation was added)
     */
    static Duration parse(Validation validation, String field, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Matcher shortForm = SHORT.matcher(text.trim());
        if (shortForm.matches()) {
            long amount = Long.parseLong(shortForm.group(1));
            return switch (shortForm.group(2)) {
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        try {
            return Duration.parse(text.trim());
        } catch (DateTimeParseException e) {
            validation.add(field, "must be a duration such as 30m, 24h, 7d or ISO-8601 PT24H");
            return null;
        }
    }
}
