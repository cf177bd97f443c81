package dev.asgard.lock.service;

import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.Validation;
import dev.asgard.commons.paging.Page;
import dev.asgard.commons.paging.PageRequest;
import dev.asgard.commons.paging.PageTokenCodec;
import dev.asgard.lock.config.LockConfig;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.repository.LockQueries;
import dev.asgard.lock.repository.LockQueries.DeviceLimits;
import dev.asgard.lock.repository.LockQueries.WaitForEdge;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The lock registry for queries and administrators: paged lists, the wait-for graph, per-device limits. Shared by
 * the gRPC ListLocks and the admin REST API so both validate and page the same way.
 */
@ApplicationScoped
public class LockQueryService {

    /** Reason of a malformed name prefix. */
    public static final String INVALID_PREFIX = "INVALID_LOCK_PREFIX";

    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._/-]*");

    private final Pool pool;
    private final LockQueries queries;
    private final PageTokenCodec codec;
    private final LockConfig config;
    private final Clock clock;

    public LockQueryService(Pool pool, LockQueries queries, PageTokenCodec codec, LockConfig config, Clock clock) {
        this.pool = pool;
        this.queries = queries;
        this.codec = codec;
        this.config = config;
        this.clock = clock;
    }

    /** A validated list filter. */
    public record ListFilter(String prefix, UUID holderDevice, boolean includeFree) {
    }

    /**
     * Validates the filter of a list or watch.
     *
     * @param v collects violations
     * @param prefixField field name of the prefix in the caller's API
     * @param prefix a name prefix (a partial name is fine, such as {@code backup/re}); null or empty for all
     * @param deviceField field name of the holder device
     * @param holderDevice a device id, null or empty for any
     * @return the filter (meaningful only if {@code v} has no violation)
     */
    public static ListFilter filter(Validation v, String prefixField, String prefix, String deviceField,
            String holderDevice, boolean includeFree) {
        String p = prefix == null ? "" : prefix;
        v.check(p.length() <= LockRequests.MAX_NAME && PREFIX.matcher(p).matches() && !p.startsWith("/")
                && !p.contains("//"), prefixField, "must be the start of a lock name: letters, digits, '.', '_', '-', '/'"
                        + " (no leading or doubled '/'), at most " + LockRequests.MAX_NAME + " characters");
        UUID device = null;
        if (holderDevice != null && !holderDevice.isEmpty()) {
            try {
                device = UUID.fromString(holderDevice);
            } catch (IllegalArgumentException e) {
                v.check(false, deviceField, "must be a device id (UUID)");
            }
        }
        return new ListFilter(p, device, includeFree);
    }

    /**
     * One page of locks in name order.
     *
     * @throws AsgardException INVALID_ARGUMENT for a page token of another filter or an altered one
     */
    public Uni<Page<LockState>> list(ListFilter filter, PageRequest page) {
        String query = PageTokenCodec.query("locks", filter.prefix(),
                filter.holderDevice() == null ? "" : filter.holderDevice().toString(), Boolean.toString(filter.includeFree()));
        String after = page.token().map(t -> codec.decode(t, query).get(0)).orElse(null);
        // One snapshot, so a page never shows a lock half-changed (its holders from before a change, its queue after).
        return pool.withTransaction(c -> c.query(LockQueries.SNAPSHOT).execute().chain(() -> queries.names(c,
                filter.prefix(), filter.holderDevice(), filter.includeFree(), after, page.fetchSize()))
                .chain(names -> queries.states(c, names)))
                .map(states -> Page.fromOverfetch(states, page, last -> codec.encode(query, last.name())));
    }

    /** @return one lock read in one snapshot, or empty if the name was never used */
    public Uni<Optional<LockState>> get(String name) {
        return pool.withTransaction(c -> c.query(LockQueries.SNAPSHOT).execute()
                .chain(() -> queries.states(c, List.of(name))))
                .map(states -> states.stream().findFirst());
    }

    /** @return the wait-for graph's edges (owners waiting for owners) */
    public Uni<List<WaitForEdge>> waitForGraph() {
        return pool.withConnection(queries::waitForEdges);
    }

    /** The limits that apply to a device, and whether they are its own. */
    public record EffectiveLimits(UUID deviceId, int maxHeld, int maxWaiting, Optional<DeviceLimits> override,
            int held, int waiting) {
    }

    /** @return the device's limits (override or configured) and its current usage */
    public Uni<EffectiveLimits> limits(UUID deviceId) {
        return pool.withConnection(c -> queries.limits(c, deviceId)
                .chain(override -> queries.usage(c, deviceId).map(usage -> effective(deviceId, override, usage))));
    }

    /**
     * Sets the overrides of a device; a null limit goes back to the configured default. Grants and waits above a
     * lowered limit stay; only new requests are refused.
     */
    public Uni<EffectiveLimits> putLimits(UUID deviceId, Integer maxHeld, Integer maxWaiting, String admin) {
        return pool.withTransaction(c -> queries.putLimits(c, deviceId, maxHeld, maxWaiting, admin, clock.instant())
                .chain(saved -> queries.usage(c, deviceId).map(usage -> effective(deviceId, Optional.of(saved), usage))));
    }

    /** Removes the overrides of a device (idempotent). */
    public Uni<EffectiveLimits> deleteLimits(UUID deviceId) {
        return pool.withTransaction(c -> queries.deleteLimits(c, deviceId)).chain(() -> limits(deviceId));
    }

    private EffectiveLimits effective(UUID deviceId, Optional<DeviceLimits> override, int[] usage) {
        int held = override.map(DeviceLimits::maxHeld).orElse(null) instanceof Integer h ? h
                : config.limits().maxHeldPerDevice();
        int waiting = override.map(DeviceLimits::maxWaiting).orElse(null) instanceof Integer w ? w
                : config.limits().maxWaitingPerDevice();
        return new EffectiveLimits(deviceId, held, waiting, override, usage[0], usage[1]);
    }
}
