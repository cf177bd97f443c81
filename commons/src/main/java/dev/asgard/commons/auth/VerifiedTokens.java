package dev.asgard.commons.auth;

import java.security.Key;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens this replica has already verified, so that a device's next calls with the same token skip the signature
 * check and the claim parsing, which dominate the cost of a small call such as a heartbeat. Keyed by the exact
 * token text: only a byte-identical token hits, and what may change while it lives (expiry, revocation, the key
 * still being published) is checked again on every hit by {@link DeviceTokenVerifier}.
 *
 * <p>Bounded: when full, expired entries are dropped, and if that is not enough the whole map is cleared (the
 * next call of each device verifies once more). Tokens live ten minutes, so the bound only matters for fleets
 * larger than it.
 */
final class VerifiedTokens {

    /**
     * A verified token.
     *
     * @param identity the device it names
     * @param issuedAt its {@code iat}, for the revocation check
     * @param kid the key id it names
     * @param key the key that verified it
     */
    record Entry(DeviceIdentity identity, Instant issuedAt, String kid, Key key) {
    }

    private final int maxSize;
    private final ConcurrentHashMap<String, Entry> entries;

    /** @param maxSize at most this many tokens; 0 keeps none */
    VerifiedTokens(int maxSize) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("maxSize must not be negative: " + maxSize);
        }
        this.maxSize = maxSize;
        this.entries = new ConcurrentHashMap<>(Math.min(maxSize, 1024));
    }

    Entry get(String token) {
        return maxSize == 0 ? null : entries.get(token);
    }

    void put(String token, Entry entry, Instant now) {
        if (maxSize == 0) {
            return;
        }
        if (entries.size() >= maxSize) {
            entries.values().removeIf(e -> e.identity().expiresAt().isBefore(now));
            if (entries.size() >= maxSize) {
                entries.clear();
            }
        }
        entries.put(token, entry);
    }

    void remove(String token) {
        entries.remove(token);
    }

    int size() {
        return entries.size();
    }
}
