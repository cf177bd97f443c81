package dev.asgard.lock.it;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The protected resource of one lock name: a register that accepts a write only if its fencing token is at least the
 * highest it has seen (the fencing check a real resource does), and that also knows, as no real resource could, which
 * holders are inside their critical section and until when the service promised them the lock (their lease expiry,
 * renewed by KeepAlive). That knowledge turns it into a mutual-exclusion checker:
 * <ul>
 * <li>a holder entering or writing with a valid lease while another holder is inside its section with a lease that
 * has not run out either means the service granted the lock twice: a <em>violation</em>;</li>
 * <li>a write refused by fencing while the writer's own lease is still valid means a higher token was issued during
 * that lease: a <em>violation</em>;</li>
 * <li>a write refused by fencing after the writer's lease ran out is fencing doing its job (a stale holder).</li>
 * </ul>
 * Every check and write runs under the register's monitor, with the wall clock the replicas also use (same machine),
 * so "now" is ordered with the grants the service made.
 */
final class FencedRegister {

    /** A holder inside its critical section. */
    private static final class Section {
        final long token;
        final String client;
        Instant leaseExpiresAt;

        Section(long token, String client, Instant leaseExpiresAt) {
            this.token = token;
            this.client = client;
            this.leaseExpiresAt = leaseExpiresAt;
        }
    }

    final String name;
    private final Map<Long, Section> open = new HashMap<>();
    private final List<String> violations;
    private long highest;
    long accepted;
    long rejectedStale;
    long overlapsFencedOff;

    FencedRegister(String name, List<String> violations) {
        this.name = name;
        this.violations = violations;
    }

    /** A holder starts its critical section (right after GRANTED). */
    synchronized void enter(long token, String client, Instant leaseExpiresAt) {
        Instant now = Instant.now();
        if (now.isBefore(leaseExpiresAt)) {
            checkNoOtherValidHolder(token, client, now, "entered");
        }
        open.put(token, new Section(token, client, leaseExpiresAt));
    }

    /** KeepAlive succeeded: the service promised the lock until this new expiry. */
    synchronized void renewed(long token, Instant leaseExpiresAt) {
        Section section = open.get(token);
        if (section != null && leaseExpiresAt.isAfter(section.leaseExpiresAt)) {
            section.leaseExpiresAt = leaseExpiresAt;
        }
    }

    /**
     * A fenced write.
     *
     * @return whether the register accepted it
     */
    synchronized boolean write(long token, String client) {
        Instant now = Instant.now();
        Section mine = open.get(token);
        boolean leaseValid = mine != null && now.isBefore(mine.leaseExpiresAt);
        if (token < highest) {
            rejectedStale++;
            if (leaseValid) {
                violations.add(String.format("%s: write of %s with token %d refused (highest %d) at %s although its lease"
                        + " runs until %s: a higher token was granted during a valid lease", name, client, token, highest,
                        now, mine.leaseExpiresAt));
            }
            return false;
        }
        if (leaseValid) {
            checkNoOtherValidHolder(token, client, now, "wrote");
        }
        // Holders whose lease ran out but who are still inside their section overlap in time with this writer:
        // exactly the case fencing exists for (their next write will be refused).
        for (Section other : open.values()) {
            if (other.token < token && !now.isBefore(other.leaseExpiresAt)) {
                overlapsFencedOff++;
            }
        }
        highest = token;
        accepted++;
        return true;
    }

    /** A holder leaves its critical section (before it sends Release). */
    synchronized void exit(long token) {
        open.remove(token);
    }

    synchronized long highest() {
        return highest;
    }

    /** Two holders whose leases are both valid at the same moment: the service granted the lock twice. */
    private void checkNoOtherValidHolder(long token, String client, Instant now, String what) {
        for (Section other : open.values()) {
            if (other.token != token && now.isBefore(other.leaseExpiresAt)) {
                violations.add(String.format("%s: %s %s with token %d at %s while %s holds token %d with a lease valid until"
                        + " %s: two exclusive holders at once", name, client, what, token, now, other.client, other.token,
                        other.leaseExpiresAt));
            }
        }
    }
}
