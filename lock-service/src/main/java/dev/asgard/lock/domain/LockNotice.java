package dev.asgard.lock.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One lock notification ({@code NOTIFY asgard_lock}). The SQL functions of the common changes say what changed, so a
 * replica can move its streams without reading the lock again: {@code <name>|t<micros>|g<request>,<token>,<lease
 * end micros>|e<token>,<reason>|q} (see {@code V4__lock_functions.sql}). A payload of the name alone (the Java path)
 * means "re-read the lock".
 *
 * @param name the lock
 * @param full whether the payload said only that the lock changed (read it)
 * @param at the change time (null when full)
 * @param grants grants made, by request id
 * @param ended grants that ended, fencing token to reason (RELEASED, EXPIRED)
 * @param queueChanged whether the queue changed (waiting streams re-read their position)
 */
public record LockNotice(String name, boolean full, Instant at, Map<UUID, Grant> grants, Map<Long, String> ended,
        boolean queueChanged) {

    /**
     * @param fencingToken the token
     * @param leaseExpiresAt the lease end
     */
    public record Grant(long fencingToken, Instant leaseExpiresAt) {
    }

    /**
     * @param payload the notification payload
     * @return the notice; a payload it cannot read counts as "re-read the lock"
     */
    public static LockNotice parse(String payload) {
        int bar = payload.indexOf('|');
        if (bar < 0) {
            return full(payload);
        }
        String name = payload.substring(0, bar);
        try {
            Instant at = null;
            Map<UUID, Grant> grants = new HashMap<>();
            Map<Long, String> ended = new HashMap<>();
            boolean queueChanged = false;
            for (String item : split(payload.substring(bar + 1))) {
                if (item.isEmpty()) {
                    continue;
                }
                String value = item.substring(1);
                switch (item.charAt(0)) {
                    case 't' -> at = micros(Long.parseLong(value));
                    case 'g' -> {
                        String[] parts = value.split(",", 3);
                        grants.put(UUID.fromString(parts[0]),
                                new Grant(Long.parseLong(parts[1]), micros(Long.parseLong(parts[2]))));
                    }
                    case 'e' -> {
                        String[] parts = value.split(",", 2);
                        ended.put(Long.parseLong(parts[0]), parts[1]);
                    }
                    case 'q' -> queueChanged = true;
                    default -> {
                        return full(name);
                    }
                }
            }
            return at == null ? full(name) : new LockNotice(name, false, at, grants, ended, queueChanged);
        } catch (RuntimeException unreadable) {
            return full(name);
        }
    }

    private static LockNotice full(String name) {
        return new LockNotice(name, true, null, Map.of(), Map.of(), true);
    }

    private static List<String> split(String items) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i <= items.length(); i++) {
            if (i == items.length() || items.charAt(i) == '|') {
                parts.add(items.substring(start, i));
                start = i + 1;
            }
        }
        return parts;
    }

    private static Instant micros(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }
}
