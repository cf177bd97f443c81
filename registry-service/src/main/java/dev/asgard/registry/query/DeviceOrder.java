package dev.asgard.registry.query;

import java.util.Locale;

import dev.asgard.commons.error.AsgardException;

/**
 * Sort order of device lists: {@code name}, {@code create_time} or {@code last_seen}, optionally followed by
 * {@code desc}. The device id breaks ties, so keyset pagination never skips or repeats a device.
 *
 * @param key what to sort by
 * @param descending whether the order is descending
 */
public record DeviceOrder(Key key, boolean descending) {

    /** Reason of an unknown sort order. */
    public static final String REASON_INVALID_ORDER_BY = "INVALID_ORDER_BY";

    /** The default: by name, ascending. */
    public static final DeviceOrder DEFAULT = new DeviceOrder(Key.NAME, false);

    /** Sort keys and the SQL expression each sorts by. */
    public enum Key {
        /** Device name (unique among live devices). */
        NAME("d.name"),
        /** Enrolment or pre-registration time. */
        CREATE_TIME("d.created_at"),
        /** Last contact; devices never seen sort as if seen at the epoch. */
        LAST_SEEN("coalesce(d.last_seen, 'epoch'::timestamptz)");

        private final String sql;

        Key(String sql) {
            this.sql = sql;
        }

        /** @return the SQL expression of this key (over table alias {@code d}) */
        public String sql() {
            return sql;
        }
    }

    /**
     * @param orderBy the request's {@code order_by}; null or blank for the default
     * @return the order
     * @throws AsgardException INVALID_ARGUMENT {@value #REASON_INVALID_ORDER_BY}
     */
    public static DeviceOrder parse(String orderBy) {
        if (orderBy == null || orderBy.isBlank()) {
            return DEFAULT;
        }
        String[] parts = orderBy.trim().toLowerCase(Locale.ROOT).split("\\s+");
        boolean descending = parts.length == 2 && parts[1].equals("desc");
        boolean ascending = parts.length == 2 && parts[1].equals("asc");
        Key key = switch (parts[0]) {
            case "name" -> Key.NAME;
            case "create_time" -> Key.CREATE_TIME;
            case "last_seen" -> Key.LAST_SEEN;
            default -> null;
        };
        if (key == null || parts.length > 2 || (parts.length == 2 && !descending && !ascending)) {
            throw AsgardException.invalidArgument(REASON_INVALID_ORDER_BY, "Cannot sort devices by '%s'.", orderBy)
                    .withViolation("order_by", "must be name, create_time or last_seen, optionally followed by ' desc'")
                    .withHint("Use for example 'last_seen desc' to see the most recently seen devices first.");
        }
        return new DeviceOrder(key, descending);
    }

    /** @return the canonical text, part of the page token's query */
    public String canonical() {
        return key.name() + (descending ? " desc" : "");
    }
}
