package dev.asgard.commons.auth;

import java.security.Key;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import org.jboss.logging.Logger;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.lang.JoseException;

/**
 * The registry's verification keys by key id, cached.
 *
 * <ul>
 * <li>A known key is answered at once (an already completed future), so verification normally never waits.</li>
 * <li>After {@code refreshInterval} the set is refetched in the background while the cached keys keep serving.</li>
 * <li>An unknown key id triggers a refetch (a new signing key after rotation), but at most one fetch starts per
 * {@code minRefreshInterval}, and concurrent callers share the fetch in flight: a flood of tokens with made-up key
 * ids costs the registry one request per interval.</li>
 * </ul>
 */
final class JwksKeys {

    private static final Logger LOG = Logger.getLogger(JwksKeys.class);

    /** Thrown (inside the future) when no key set could be fetched at all. */
    static final class KeysUnavailableException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        KeysUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Snapshot(Map<String, Key> keys, Instant fetchedAt) {
    }

    private final JwksSource source;
    private final Clock clock;
    private final Duration refreshInterval;
    private final Duration minRefreshInterval;
    private volatile Snapshot snapshot;
    private final AtomicReference<CompletableFuture<Snapshot>> inFlight = new AtomicReference<>();
    private volatile Instant lastFetchStart = Instant.MIN;

    JwksKeys(JwksSource source, Clock clock, Duration refreshInterval, Duration minRefreshInterval) {
        this.source = source;
        this.clock = clock;
        this.refreshInterval = refreshInterval;
        this.minRefreshInterval = minRefreshInterval;
    }

    /**
     * @param kid a key id from a token header
     * @return the key, or null if the registry does not publish it; fails with {@link KeysUnavailableException}
     *         when no key set has ever been fetched
     */
    CompletableFuture<Key> key(String kid) {
        Snapshot current = snapshot;
        Key key = current == null ? null : current.keys().get(kid);
        if (key != null) {
            if (clock.instant().isAfter(current.fetchedAt().plus(refreshInterval))) {
                refresh(false);
            }
            return CompletableFuture.completedFuture(key);
        }
        CompletableFuture<Snapshot> refreshed = refresh(current == null);
        if (refreshed == null) {
            return CompletableFuture.completedFuture(null);
        }
        return refreshed.handle((fresh, failure) -> {
            Snapshot best = fresh != null ? fresh : snapshot;
            if (best == null) {
                throw new KeysUnavailableException("The registry's signing keys could not be fetched", failure);
            }
            return best.keys().get(kid);
        });
    }

    /**
     * Starts a fetch, or joins the one in flight.
     *
     * @param force ignore the rate limit (nothing was ever fetched)
     * @return the fetch, or null when the rate limit refuses one
     */
    private CompletableFuture<Snapshot> refresh(boolean force) {
        CompletableFuture<Snapshot> running = inFlight.get();
        if (running != null) {
            return running;
        }
        Instant now = clock.instant();
        if (!force && now.isBefore(lastFetchStart.plus(minRefreshInterval))) {
            return null;
        }
        CompletableFuture<Snapshot> mine = new CompletableFuture<>();
        if (!inFlight.compareAndSet(null, mine)) {
            return inFlight.get() != null ? inFlight.get() : null;
        }
        lastFetchStart = now;
        CompletableFuture<String> fetched;
        try {
            fetched = source.fetch().toCompletableFuture();
        } catch (RuntimeException e) {
            fetched = CompletableFuture.failedFuture(e);
        }
        fetched.whenComplete((json, failure) -> {
            try {
                if (failure != null) {
                    throw failure instanceof RuntimeException re ? re : new IllegalStateException(failure);
                }
                Snapshot fresh = new Snapshot(parse(json), clock.instant());
                snapshot = fresh;
                inFlight.set(null);
                mine.complete(fresh);
            } catch (RuntimeException e) {
                LOG.warnf("Fetching the device token keys from %s failed: %s", source, e.getMessage());
                inFlight.set(null);
                mine.completeExceptionally(e);
            }
        });
        return mine;
    }

    private static Map<String, Key> parse(String json) {
        try {
            Map<String, Key> keys = new HashMap<>();
            for (JsonWebKey jwk : new JsonWebKeySet(json).getJsonWebKeys()) {
                // Only signature keys with an id can verify a token: tokens must name their key.
                if (jwk.getKeyId() != null && jwk instanceof PublicJsonWebKey publicJwk
                        && (jwk.getUse() == null || "sig".equals(jwk.getUse()))) {
                    keys.put(jwk.getKeyId(), publicJwk.getPublicKey());
                }
            }
            return Map.copyOf(keys);
        } catch (JoseException e) {
            throw new IllegalArgumentException("Malformed JWKS: " + e.getMessage(), e);
        }
    }
}
