package dev.asgard.lock.service;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.lock.config.LockConfig;
import dev.asgard.lock.domain.GrantPlanner;
import dev.asgard.lock.domain.Holder;
import dev.asgard.lock.domain.LockNotice;
import dev.asgard.lock.domain.LockState;
import dev.asgard.lock.domain.Mode;
import dev.asgard.lock.domain.Owner;
import dev.asgard.lock.domain.Queued;
import dev.asgard.lock.domain.Waiter;
import dev.asgard.lock.repository.LockFunctions;
import dev.asgard.lock.repository.LockStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * Every change of a lock, each in one PostgreSQL transaction that starts by locking the lock's state row. That row
 * lock is what makes the service safe with several replicas: two transactions changing the same lock run one after
 * the other whatever replica runs them, each sees the other's committed holders, and the fencing counter on the row
 * only ever grows (a rolled-back increment was never seen by anyone). Every transaction that changes a lock also
 * queues a NOTIFY, so the replicas whose streams wait for or hold that lock re-read it once the change commits.
 */
@ApplicationScoped
public class LockEngine {

    /** Reason of a request whose mode or capacity contradicts the lock's current kind. */
    public static final String MODE_MISMATCH = "LOCK_MODE_MISMATCH";
    /** Reason of a renewal or check of a grant that is no longer held. */
    public static final String LOCK_LOST = "LOCK_LOST";

    private final Pool pool;
    private final LockStore store;
    private final LockEvents events;
    private final LockConfig config;
    private final Clock clock;
    private final LockFunctions functions;

    public LockEngine(Pool pool, LockStore store, LockFunctions functions, LockEvents events, LockConfig config,
            Clock clock) {
        this.pool = pool;
        this.store = store;
        this.functions = functions;
        this.events = events;
        this.config = config;
        this.clock = clock;
    }

    /**
     * What an enqueue found.
     *
     * @param grant the grant, if the request got the lock at once
     * @param queued else where it waits
     * @param ownerHolds whether the owner holds some lock (only then can its wait close a deadlock cycle)
     */
    public record Enqueued(Optional<Holder> grant, Queued queued, boolean ownerHolds) {
    }

    /**
     * What a TryAcquire found.
     *
     * @param grant the grant, if it got the lock
     * @param state else the lock as it is
     */
    public record Tried(Optional<Holder> grant, LockState state) {
    }

    /**
     * Queues a request and grants whatever the queue allows now (possibly this request).
     *
     * @param request the validated request
     * @param replicaId the replica whose stream waits
     * @return the outcome
     */
    public Uni<Enqueued> enqueue(LockRequest request, UUID replicaId) {
        if (request.preempt()) {
            return enqueueWithPreemption(request, replicaId);
        }
        Instant now = now();
        Waiter waiter = request.toWaiter(now, replicaId);
        return functions.acquire(waiter, request.maxPermits(), now)
                .onFailure(LockFunctions.Refusal.class).transform(f -> refused(request, (LockFunctions.Refusal) f))
                .chain(taken -> switch (taken.outcome()) {
            case GRANTED -> Uni.createFrom().item(new Enqueued(Optional.of(taken.holder(waiter, now)), null, true));
            case QUEUED -> Uni.createFrom().item(new Enqueued(Optional.empty(), taken.queued(), taken.ownerHolds()));
            // A preempting request waits on this lock: the grant decisions need the victim choice below.
            case SLOW -> enqueueWithPreemption(request, replicaId);
            case BUSY -> throw new IllegalStateException("An Acquire is never BUSY");
        });
    }

    private Uni<Enqueued> enqueueWithPreemption(LockRequest request, UUID replicaId) {
        Instant now = now();
        return pool.withTransaction(tx -> store.lockState(tx, request.name(), now)
                .call(state -> checkAdmissible(tx, state, request))
                .chain(state -> expireLapsed(tx, state, now))
                .chain(state -> {
                    Waiter waiter = request.toWaiter(now, replicaId);
                    return store.insertWaiter(tx, waiter)
                            .map(queued -> queued.orElseThrow(() -> requestIdInUse(request)))
                            .call(() -> state.isFree() ? store.updateState(tx, state.name(), request.mode().kind(),
                                    request.maxPermits(), now) : Uni.createFrom().voidItem())
                            // The state row is locked: the queue is the one read plus this request, in queue order.
                            .map(queued -> withWaiter(state, queued, request, now))
                            .chain(withWaiter -> grantFromQueue(tx, withWaiter, now))
                            .call(() -> store.notifyChanged(tx, request.name()));
                })
                .map(after -> {
                    Optional<Holder> grant = after.holders().stream()
                            .filter(h -> h.requestId().equals(request.requestId())).findFirst();
                    return new Enqueued(grant, grant.isPresent() ? null : Queued.of(after, request.requestId()), true);
                }));
    }

    private static LockState withWaiter(LockState state, Waiter queued, LockRequest request, Instant now) {
        List<Waiter> waiters = new ArrayList<>(state.waiters().stream()
                .filter(w -> !w.requestId().equals(queued.requestId())).toList());
        waiters.add(queued);
        waiters.sort(java.util.Comparator.comparingInt(Waiter::priority).reversed().thenComparingLong(Waiter::seq));
        return state.isFree()
                ? new LockState(state.name(), request.mode().kind(), request.maxPermits(), state.fencingCounter(), now,
                        state.holders(), waiters)
                : new LockState(state.name(), state.kind(), state.maxPermits(), state.fencingCounter(), now,
                        state.holders(), waiters);
    }

    /**
     * Takes the lock only if it can be granted at once, ahead of nobody: the queue must be empty.
     *
     * @param request the validated request
     * @return the grant, or the lock as it is
     */
    public Uni<Tried> tryAcquire(LockRequest request) {
        if (request.preempt()) {
            return tryAcquireWithPreemption(request);
        }
        Instant now = now();
        Waiter waiter = request.toWaiter(now, null);
        return functions.acquire(waiter, request.maxPermits(), now)
                .onFailure(LockFunctions.Refusal.class).transform(f -> refused(request, (LockFunctions.Refusal) f))
                .chain(taken -> switch (taken.outcome()) {
            case GRANTED -> Uni.createFrom().item(new Tried(Optional.of(taken.holder(waiter, now)), null));
            case BUSY -> read(request.name()).map(state -> new Tried(Optional.empty(), state.orElseGet(
                    () -> new LockState(request.name(), null, 1, 0, now, List.of(), List.of()))));
            case SLOW -> tryAcquireWithPreemption(request);
            case QUEUED -> throw new IllegalStateException("A TryAcquire is never QUEUED");
        });
    }

    private Uni<Tried> tryAcquireWithPreemption(LockRequest request) {
        Instant now = now();
        return pool.withTransaction(tx -> store.lockState(tx, request.name(), now)
                .call(state -> checkAdmissible(tx, state, request))
                .chain(state -> expireLapsed(tx, state, now))
                .chain(state -> {
                    boolean exclusiveHeld = state.holders().stream().anyMatch(h -> h.mode() == Mode.EXCLUSIVE);
                    boolean fits = state.waiters().isEmpty() && GrantPlanner.compatible(request.mode(), request.permits(),
                            state.holders().isEmpty() ? request.maxPermits() : state.maxPermits(),
                            state.holders().size(), exclusiveHeld, state.permitsInUse());
                    if (!fits) {
                        List<Holder> victims = state.waiters().isEmpty() && !state.holders().isEmpty()
                                ? GrantPlanner.preemptionVictims(request.toWaiter(now, null), state.maxPermits(),
                                        state.holders(), List.of())
                                : List.of();
                        if (victims.isEmpty()) {
                            return Uni.createFrom().item(new Tried(Optional.empty(), state));
                        }
                        return preempt(tx, victims, request.owner(), request.priority(), now)
                                .chain(() -> grant(tx, request.toWaiter(now, null), now))
                                .call(() -> store.notifyChanged(tx, request.name()))
                                .map(holder -> new Tried(Optional.of(holder), state));
                    }
                    Uni<Void> kind = state.isFree()
                            ? store.updateState(tx, state.name(), request.mode().kind(), request.maxPermits(), now)
                            : Uni.createFrom().voidItem();
                    return kind.chain(() -> grant(tx, request.toWaiter(now, null), now))
                            .call(() -> store.notifyChanged(tx, request.name()))
                            .map(holder -> new Tried(Optional.of(holder), state));
                }));
    }

    /**
     * Removes a waiting request (timeout, cancel, shutdown) and lets the queue move on.
     *
     * @param name the lock
     * @param requestId the request
     * @param reason why, for the record (an AbortReason name without prefix)
     * @param detail serialized AcquireAborted for the waiter's stream, or null
     * @return whether the request was still waiting (false: it was granted or ended meanwhile)
     */
    public Uni<Boolean> abort(String name, UUID requestId, String reason, byte[] detail) {
        return abort(name, requestId, reason, detail, tx -> Uni.createFrom().voidItem());
    }

    /**
     * {@link #abort(String, UUID, String, byte[])} with more work in the same transaction, done only if the request
     * was still waiting (the deadlock event of a victim).
     */
    public Uni<Boolean> abort(String name, UUID requestId, String reason, byte[] detail,
            java.util.function.Function<SqlClient, Uni<Void>> alsoInTransaction) {
        Instant now = now();
        return pool.withTransaction(tx -> store.lockState(tx, name, now)
                .chain(state -> store.deleteWaiter(tx, requestId).chain(deleted -> {
                    if (!deleted) {
                        return Uni.createFrom().item(false);
                    }
                    return store.recordRequestEnd(tx, requestId, name, reason, detail, now)
                            .call(() -> alsoInTransaction.apply(tx))
                            .chain(() -> store.lockState(tx, name, now))
                            .chain(after -> expireLapsed(tx, after, now))
                            .chain(after -> grantFromQueue(tx, after, now))
                            .call(() -> store.notifyChanged(tx, name))
                            .replaceWith(true);
                })));
    }

    /** Result of a release. */
    public enum ReleaseResult {
        RELEASED, ALREADY_RELEASED, LOST
    }

    /**
     * Releases a grant by its fencing token; idempotent.
     *
     * @return what the release found, and for LOST the reason
     * @throws AsgardException NOT_FOUND {@code LOCK_GRANT_NOT_FOUND} when this owner never held that token
     */
    public Uni<Released> release(String name, long token, Owner owner) {
        Instant now = now();
        return functions.release(name, token, owner, now).chain(outcome -> {
            if (outcome.equals("SLOW")) {
                return releaseWithPreemption(name, token, owner);
            }
            if (outcome.equals("NOT_FOUND")) {
                throw grantNotFound(name, token, owner);
            }
            if (outcome.startsWith("RELEASED")) {
                return Uni.createFrom().item(new Released(ReleaseResult.RELEASED, null,
                        LockNotice.parse(name + outcome.substring("RELEASED".length()))));
            }
            return Uni.createFrom().item(outcome.equals("ALREADY_RELEASED")
                    ? new Released(ReleaseResult.ALREADY_RELEASED, null, null)
                    : new Released(ReleaseResult.LOST, outcome.substring("LOST:".length()), null));
        });
    }

    private Uni<Released> releaseWithPreemption(String name, long token, Owner owner) {
        Instant now = now();
        return pool.withTransaction(tx -> store.lockState(tx, name, now).chain(state -> {
            Optional<Holder> held = state.holders().stream()
                    .filter(h -> h.fencingToken() == token && h.owner().equals(owner)).findFirst();
            if (held.isPresent() && held.get().leaseExpiresAt().isAfter(now)) {
                // The state row is locked: the lock after the release is the one read, less this holder.
                LockState released = new LockState(state.name(), state.kind(), state.maxPermits(),
                        state.fencingCounter(), now, state.holders().stream().filter(h -> !h.equals(held.get())).toList(),
                        state.waiters());
                return store.endGrant(tx, held.get(), "RELEASED", owner.toString(), now)
                        .call(() -> events.released(tx, held.get(), now))
                        .chain(() -> expireLapsed(tx, released, now))
                        .chain(after -> grantFromQueue(tx, after, now))
                        .call(() -> store.notifyChanged(tx, name))
                        .replaceWith(new Released(ReleaseResult.RELEASED, null, null));
            }
            return expireLapsed(tx, state, now)
                    .call(after -> after == state ? Uni.createFrom().voidItem()
                            : grantFromQueue(tx, after, now).call(() -> store.notifyChanged(tx, name)))
                    .chain(() -> store.grantEnd(tx, name, token, owner))
                    .map(ended -> ended.map(reason -> reason.equals("RELEASED")
                            ? new Released(ReleaseResult.ALREADY_RELEASED, null, null)
                            : new Released(ReleaseResult.LOST, reason, null))
                            .orElseThrow(() -> grantNotFound(name, token, owner)));
        }));
    }

    private static AsgardException grantNotFound(String name, long token, Owner owner) {
        return AsgardException.notFound("LOCK_GRANT_NOT_FOUND", "Lock '%s' was never granted to %s with fencing token %d.",
                name, owner, token)
                .withHint("Release with the fencing token from the grant, in the session that acquired it.");
    }

    /**
     * @param result what happened
     * @param lostReason for LOST: EXPIRED, PREEMPTED or FORCE_RELEASED
     * @param notice for RELEASED by the SQL function: what changed (grants made from the queue), for this replica's
     *        streams; null otherwise (the notification tells them)
     */
    public record Released(ReleaseResult result, String lostReason, LockNotice notice) {
    }

    /**
     * Renews a lease.
     *
     * @param ttl a new lease length, or null to keep the current one
     * @return the renewed grant
     * @throws AsgardException FAILED_PRECONDITION {@value #LOCK_LOST} (metadata {@code lost_reason}) when the grant
     *         is no longer held; NOT_FOUND when it never was
     */
    public Uni<Holder> keepAlive(String name, long token, Owner owner, Duration ttl) {
        Instant now = now();
        // The state row lock first, like every other change: an expiry that already decided (under that lock) to end
        // this grant would otherwise delete it right after this renewal committed, and grant the lock to the next
        // waiter while the holder was told its lease runs on.
        return pool.withTransaction(tx -> store.lockState(tx, name, now)
                .chain(() -> store.renew(tx, name, token, owner, ttl, now)).chain(renewed -> {
            if (renewed.isPresent()) {
                return Uni.createFrom().item(renewed.get());
            }
            // Not renewable: lapsed (maybe not yet swept) or ended. Sweep this lock now so the answer is final.
            return store.lockState(tx, name, now)
                    .chain(state -> expireLapsed(tx, state, now)
                            .call(after -> after == state ? Uni.createFrom().voidItem()
                                    : grantFromQueue(tx, after, now).call(() -> store.notifyChanged(tx, name))))
                    .chain(() -> store.grantEnd(tx, name, token, owner))
                    .map(ended -> {
                        throw ended.map(reason -> lost(name, token, reason))
                                .orElseGet(() -> AsgardException.notFound("LOCK_GRANT_NOT_FOUND",
                                        "Lock '%s' was never granted to %s with fencing token %d.", name, owner, token));
                    });
        }));
    }

    /**
     * Ends the grants of a lock whose leases ran out and lets the queue move on (the expiry sweep, and a holder's
     * own lease timer).
     *
     * @return whether something expired
     */
    public Uni<Boolean> expire(String name) {
        Instant now = now();
        return pool.withTransaction(tx -> store.lockState(tx, name, now).chain(state -> expireLapsed(tx, state, now)
                .chain(after -> {
                    if (after == state) {
                        return Uni.createFrom().item(false);
                    }
                    return grantFromQueue(tx, after, now).call(() -> store.notifyChanged(tx, name)).replaceWith(true);
                })));
    }

    /**
     * Removes the waiters of dead replicas from a lock's queue and lets the queue move on (the periodic clean-up, for
     * locks nobody else touches).
     *
     * @return completion
     */
    public Uni<Void> dropOrphanedWaiters(String name) {
        Instant now = now();
        return pool.withTransaction(tx -> store.lockState(tx, name, now)
                .chain(state -> expireLapsed(tx, state, now))
                .chain(state -> withoutOrphans(tx, state, now))
                .chain(state -> grantLive(tx, state, now))
                .call(() -> store.notifyChanged(tx, name))
                .replaceWithVoid());
    }

    /** @return how a wait ended, if someone else ended it: the reason and the serialized AcquireAborted */
    public Uni<Optional<io.vertx.mutiny.sqlclient.Row>> requestEnd(UUID requestId) {
        return pool.withConnection(connection -> store.requestEnd(connection, requestId));
    }

    /** @return how a grant ended, if it did */
    public Uni<Optional<String>> grantEnd(String name, long token, Owner owner) {
        return pool.withConnection(connection -> store.grantEnd(connection, name, token, owner));
    }

    /**
     * Reads a lock without changing it, as one snapshot (one statement: a grant committing meanwhile is either seen
     * whole or not at all).
     *
     * @return the lock, or empty if the name was never used
     */
    public Uni<Optional<LockState>> read(String name) {
        return functions.snapshot(pool, name);
    }

    static AsgardException lost(String name, long token, String reason) {
        return AsgardException.failedPrecondition(LOCK_LOST, "Lock '%s' with fencing token %d was lost: %s.", name, token,
                reason.toLowerCase(java.util.Locale.ROOT).replace('_', ' '))
                .withMetadata("lost_reason", reason)
                .withHint("Stop using the protected resource with this token; acquire the lock again.");
    }

    /** Refuses a request whose kind or capacity contradicts the lock, or that exceeds the device's limits. */
    private Uni<Void> checkAdmissible(SqlClient tx, LockState state, LockRequest request) {
        if (!state.isFree()) {
            if (!request.mode().kind().equals(state.kind())) {
                throw kindMismatch(request, state.kind());
            }
            if (request.mode() == Mode.SEMAPHORE && request.maxPermits() != state.maxPermits()) {
                throw permitsMismatch(request, state.maxPermits());
            }
        }
        return store.usageAndLimits(tx, request.owner().deviceId(), config.limits().maxHeldPerDevice(),
                config.limits().maxWaitingPerDevice()).map(counts -> {
            if (counts[0] >= counts[2]) {
                throw tooManyLocks(request, counts[0]);
            }
            if (counts[1] >= counts[3]) {
                throw tooManyWaiting(request, counts[1]);
            }
            return null;
        });
    }

    private static RuntimeException refused(LockRequest request, LockFunctions.Refusal refusal) {
        String detail = refusal.detail();
        return switch (refusal.reason()) {
            case MODE_MISMATCH -> detail.startsWith("kind:") ? kindMismatch(request, detail.substring(5))
                    : permitsMismatch(request, Integer.parseInt(detail.substring("permits:".length())));
            case "TOO_MANY_LOCKS" -> tooManyLocks(request, Long.parseLong(detail));
            case "TOO_MANY_WAITING" -> tooManyWaiting(request, Long.parseLong(detail));
            case "REQUEST_ID_IN_USE" -> requestIdInUse(request);
            default -> new IllegalStateException("lock_acquire refused with " + refusal.getMessage());
        };
    }

    static AsgardException kindMismatch(LockRequest request, String kind) {
        return AsgardException.failedPrecondition(MODE_MISMATCH, "Lock '%s' is in use as a %s; %s was asked for.",
                request.name(), kind.toLowerCase(java.util.Locale.ROOT),
                request.mode().name().toLowerCase(java.util.Locale.ROOT))
                .withHint("A name is either a semaphore or an exclusive/shared lock; use another name.");
    }

    static AsgardException permitsMismatch(LockRequest request, int maxPermits) {
        return AsgardException.failedPrecondition(MODE_MISMATCH, "Semaphore '%s' has %d permits, not %d.",
                request.name(), maxPermits, request.maxPermits())
                .withHint("Every request for a semaphore must give the same max_permits.");
    }

    static AsgardException tooManyLocks(LockRequest request, long held) {
        return AsgardException.resourceExhausted("TOO_MANY_LOCKS", "Device %s holds %d locks, its limit.",
                request.owner().deviceId(), held)
                .withHint("Release locks you no longer need, or ask an administrator to raise the limit.");
    }

    static AsgardException tooManyWaiting(LockRequest request, long waiting) {
        return AsgardException.resourceExhausted("TOO_MANY_WAITING", "Device %s waits for %d locks, its limit.",
                request.owner().deviceId(), waiting)
                .withHint("Cancel waits you no longer need, or ask an administrator to raise the limit.");
    }

    static AsgardException requestIdInUse(LockRequest request) {
        return AsgardException.alreadyExists("REQUEST_ID_IN_USE", "Request id %s is in use by another owner or lock.",
                request.requestId())
                .withViolation("request_id", "is taken")
                .withHint("Send a new UUID, or none to have one assigned.");
    }

    /** The engine's time, at the database's precision (microseconds), so times read back compare equal. */
    private Instant now() {
        return clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
    }

    /**
     * Ends the grants whose lease ran out. Returns the same state object when nothing lapsed, so callers can tell.
     */
    private Uni<LockState> expireLapsed(SqlClient tx, LockState state, Instant now) {
        List<Holder> lapsed = state.holders().stream().filter(h -> !h.leaseExpiresAt().isAfter(now)).toList();
        if (lapsed.isEmpty()) {
            return Uni.createFrom().item(state);
        }
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Holder holder : lapsed) {
            chain = chain.chain(() -> store.endGrant(tx, holder, "EXPIRED", "lease", now))
                    .chain(() -> events.expired(tx, holder, now));
        }
        List<Holder> remaining = state.holders().stream().filter(h -> h.leaseExpiresAt().isAfter(now)).toList();
        return chain.replaceWith(new LockState(state.name(), state.kind(), state.maxPermits(), state.fencingCounter(),
                now, remaining, state.waiters()));
    }

    /**
     * Grants the compatible head of the queue (after preempting for a preempting head, if that lets it in); clears
     * the kind when the lock ends up free.
     */
    private Uni<LockState> grantFromQueue(SqlClient tx, LockState state, Instant now) {
        if (state.waiters().isEmpty() || state.holders().stream().anyMatch(h -> h.mode() == Mode.EXCLUSIVE)
                && state.waiters().stream().noneMatch(Waiter::preempt)) {
            // Nothing can be granted now: no need to look at the waiters' replicas.
            return grantLive(tx, state, now);
        }
        return withoutOrphans(tx, state, now).chain(live -> grantLive(tx, live, now));
    }

    /**
     * A waiter whose replica stopped heartbeating has no stream left to tell: it leaves the queue (recorded as
     * SHUTTING_DOWN) instead of being granted a lock nobody would use until its lease ran out.
     */
    private Uni<LockState> withoutOrphans(SqlClient tx, LockState state, Instant now) {
        return store.removeOrphanedWaiters(tx, state.name(), now.minus(config.replicaTimeout()), now)
                .map(removed -> removed.isEmpty() ? state : new LockState(state.name(), state.kind(),
                        state.maxPermits(), state.fencingCounter(), now, state.holders(),
                        state.waiters().stream().filter(w -> !removed.contains(w.requestId())).toList()));
    }

    private Uni<LockState> grantLive(SqlClient tx, LockState state, Instant now) {
        if (state.waiters().isEmpty() || !state.waiters().get(0).preempt()
                || !GrantPlanner.grantable(state.maxPermits(), state.holders(), state.waiters()).isEmpty()) {
            return grantPlanned(tx, state, now);
        }
        Waiter head = state.waiters().get(0);
        List<Holder> victims = GrantPlanner.preemptionVictims(head, state.maxPermits(), state.holders(), state.waiters());
        if (victims.isEmpty()) {
            return grantPlanned(tx, state, now);
        }
        List<Holder> remaining = state.holders().stream().filter(h -> !victims.contains(h)).toList();
        return preempt(tx, victims, head.owner(), head.priority(), now)
                .chain(() -> grantPlanned(tx, new LockState(state.name(), state.kind(), state.maxPermits(),
                        state.fencingCounter(), now, remaining, state.waiters()), now));
    }

    /** Ends the grants of preempted holders: their streams learn it (LOST PREEMPTED), their tokens are stale. */
    private Uni<Void> preempt(SqlClient tx, List<Holder> victims, Owner by, int priority, Instant now) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Holder victim : victims) {
            chain = chain.chain(() -> store.endGrant(tx, victim, "PREEMPTED", by.toString(), now))
                    .chain(() -> events.preempted(tx, victim, by, priority, now));
        }
        return chain;
    }

    private Uni<LockState> grantPlanned(SqlClient tx, LockState state, Instant now) {
        List<Waiter> grantable = GrantPlanner.grantable(state.maxPermits(), state.holders(), state.waiters());
        Uni<List<Holder>> chain = Uni.createFrom().item(new ArrayList<>());
        for (Waiter waiter : grantable) {
            // Every removal of a waiter holds the state lock, so it is still queued; if not, it is skipped, never granted.
            chain = chain.call(granted -> store.deleteWaiter(tx, waiter.requestId())
                    .chain(deleted -> deleted ? grant(tx, waiter, now).invoke(granted::add) : Uni.createFrom().nullItem()));
        }
        return chain.chain(granted -> {
            List<Holder> holders = new ArrayList<>(state.holders());
            holders.addAll(granted);
            List<Waiter> waiters = state.waiters().subList(grantable.size(), state.waiters().size());
            LockState after = new LockState(state.name(), state.kind(), state.maxPermits(), state.fencingCounter()
                    + granted.size(), now, holders, waiters);
            if (after.isFree()) {
                return store.updateState(tx, state.name(), null, 1, now).replaceWith(after);
            }
            return Uni.createFrom().item(after);
        });
    }

    private Uni<Holder> grant(SqlClient tx, Waiter waiter, Instant now) {
        return store.nextFencingToken(tx, waiter.name()).chain(token -> {
            Holder holder = Holder.granted(waiter, token, now, now.plus(waiter.leaseTtl()));
            return store.insertHolder(tx, holder, waiter.replicaId()).chain(() -> events.acquired(tx, holder, now)).replaceWith(holder);
        });
    }

    /** Reason of a force release that names a lock nobody ever used, or a fencing token nobody holds. */
    public static final String LOCK_NOT_FOUND = "LOCK_NOT_FOUND";

    /**
     * An administrator ends grants of a lock: the holders lose it with {@code FORCE_RELEASED} (recorded in
     * lock_grant_end, so Release answers LOST and the holder's stream reports LOST through the notification), a
     * LockForceReleased event per grant goes to the outbox, and the queue moves on, all in one transaction.
     *
     * @param name the lock
     * @param token the grant to end, or null for every holder
     * @param admin the administrator's user name (recorded as ended_by and in the event)
     * @param reason why, as entered by the administrator
     * @return the grants that were ended, in fencing token order
     * @throws AsgardException NOT_FOUND {@value #LOCK_NOT_FOUND} for a name never used, {@code LOCK_GRANT_NOT_FOUND}
     *         when no current holder has that token (or the lock has no holder)
     */
    public Uni<List<Holder>> forceRelease(String name, Long token, String admin, String reason) {
        Instant now = now();
        // Checked before the transaction: lockState creates the state row of an unknown name, bad input changes nothing.
        return read(name).chain(existing -> {
            if (existing.isEmpty()) {
                throw AsgardException.notFound(LOCK_NOT_FOUND, "No lock named '%s' was ever used.", name)
                        .withHint("List the locks with GET /api/v1/locks?prefix=...");
            }
            return pool.withTransaction(tx -> store.lockState(tx, name, now).chain(state -> {
                List<Holder> ended = state.holders().stream()
                        .filter(h -> token == null || h.fencingToken() == token).toList();
                if (ended.isEmpty()) {
                    throw (token == null
                            ? AsgardException.notFound("LOCK_GRANT_NOT_FOUND", "Lock '%s' has no holder.", name)
                            : AsgardException.notFound("LOCK_GRANT_NOT_FOUND",
                                    "Lock '%s' has no holder with fencing token %d.", name, token))
                            .withHint("The grant may have ended meanwhile; look at the lock's current holders.");
                }
                Uni<Void> chain = Uni.createFrom().voidItem();
                for (Holder holder : ended) {
                    chain = chain.chain(() -> store.endGrant(tx, holder, "FORCE_RELEASED", admin, now))
                            .chain(() -> events.forceReleased(tx, holder, admin, reason, now));
                }
                return chain.chain(() -> store.lockState(tx, name, now))
                        .chain(after -> expireLapsed(tx, after, now))
                        .chain(after -> grantFromQueue(tx, after, now))
                        .call(() -> store.notifyChanged(tx, name))
                        .replaceWith(ended);
            }));
        });
    }
}
