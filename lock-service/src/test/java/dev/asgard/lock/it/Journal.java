package dev.asgard.lock.it;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/** What the clients saw, shared by all of them: grants, how every Acquire stream ended, counters, violations. */
final class Journal {

    /**
     * One grant as its holder saw it.
     *
     * @param acquireTime the service's acquire time (taken when its granting transaction started)
     * @param received when the holder read GRANTED
     * @param sectionEnd when the holder left its critical section (before Release)
     */
    record Grant(String name, long token, String client, String deviceId, String replica, Instant acquireTime,
            Instant received, Instant leaseExpiresAt, Instant sectionEnd, String releaseOutcome) {
    }

    final List<Grant> grants = new CopyOnWriteArrayList<>();
    /** Violations of mutual exclusion, fencing or liveness, with evidence. */
    final List<String> violations = new CopyOnWriteArrayList<>();
    /** Unexpected errors (not caused by the killed replica). */
    final List<String> errors = new CopyOnWriteArrayList<>();
    final Map<String, AtomicLong> counters = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<Long> grantLatenciesMillis = new ConcurrentLinkedQueue<>();

    void count(String what) {
        counters.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
    }

    long get(String what) {
        AtomicLong value = counters.get(what);
        return value == null ? 0 : value.get();
    }

    Map<String, Long> snapshot() {
        Map<String, Long> sorted = new TreeMap<>();
        counters.forEach((k, v) -> sorted.put(k, v.get()));
        return sorted;
    }
}
