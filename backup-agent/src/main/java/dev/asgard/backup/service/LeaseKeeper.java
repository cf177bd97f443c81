package dev.asgard.backup.service;

import java.time.Duration;
import java.util.function.Consumer;

import org.jboss.logging.Logger;

import dev.asgard.commons.error.GrpcErrors;
import io.grpc.StatusRuntimeException;

/**
 * Keeps the lease of a held lock-service lock alive, and decides when the hold counts as lost.
 *
 * <p>Renewals go out every third of the lease. The hold is lost when lock-service says so (KeepAlive fails with
 * {@code LOCK_LOST}, the reason from its {@code lost_reason} metadata), or when no renewal succeeded before the
 * lease may have ended as seen locally: the lease started no earlier than the Acquire request was sent, and a
 * successful renewal extends it no earlier than from the moment the renewal was sent, so {@code send time + lease}
 * of the last success is a bound lock-service's expiry cannot come before. Until then a failed renewal (lock-service
 * or the network down, a token refused) is retried every second: lock-service keeps the lease running while it is
 * unreachable, and a renewal that gets through in time keeps the hold. After the bound another agent may hold the
 * lock, so the work must stop.
 */
final class LeaseKeeper {

    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);
    private static final long RETRY_NANOS = Duration.ofSeconds(1).toNanos();
    private static final long MAX_CALL_NANOS = Duration.ofSeconds(5).toNanos();

    /** Time and waiting; tests replace them. */
    interface Ticker {
        Ticker SYSTEM = new Ticker() {
            @Override
            public long nanoTime() {
                return System.nanoTime();
            }

            @Override
            public void sleepNanos(long nanos) throws InterruptedException {
                Thread.sleep(Duration.ofNanos(nanos));
            }
        };

        long nanoTime();

        void sleepNanos(long nanos) throws InterruptedException;
    }

    /** One KeepAlive call. */
    interface Renewal {
        /**
         * @param deadline how long the call may take
         * @return the lease lock-service granted from now on
         * @throws StatusRuntimeException when it failed
         */
        Duration renew(Duration deadline);
    }

    /**
     * Why the hold ended.
     *
     * @param reason the reason
     * @param detail what lock-service or the connection said
     */
    record Loss(RepositoryGuard.LossReason reason, String detail) {
    }

    private final String lockName;
    private final Ticker ticker;
    private final Renewal renewal;
    private final Consumer<Loss> onLost;
    private final long renewEveryNanos;
    private long safeUntil;
    private long nextRenewal;

    /**
     * @param lockName the lock, for the log
     * @param lease the lease granted
     * @param leaseFromNanos a time (of {@code ticker}) the lease cannot have started before: when Acquire was sent
     * @param renewAtOnce whether to renew right away (after waiting in the queue, the Acquire send time is far
     *        before the grant, and a renewal gives a closer bound)
     * @param renewal the KeepAlive call
     * @param ticker time
     * @param onLost told once when the hold is lost
     */
    LeaseKeeper(String lockName, Duration lease, long leaseFromNanos, boolean renewAtOnce, Renewal renewal,
            Ticker ticker, Consumer<Loss> onLost) {
        this.lockName = lockName;
        this.ticker = ticker;
        this.renewal = renewal;
        this.onLost = onLost;
        this.renewEveryNanos = Math.max(Duration.ofSeconds(1).toNanos(), lease.toNanos() / 3);
        this.safeUntil = leaseFromNanos + lease.toNanos();
        this.nextRenewal = renewAtOnce ? ticker.nanoTime() : leaseFromNanos + renewEveryNanos;
    }

    /** Renews until interrupted (the work ended) or the hold is lost (then {@code onLost} was told). */
    void run() {
        String lastFailure = null;
        while (!Thread.currentThread().isInterrupted()) {
            long now = ticker.nanoTime();
            if (now - safeUntil >= 0) {
                onLost.accept(new Loss(RepositoryGuard.LossReason.CONNECTION_LOST, lastFailure == null
                        ? "the lease was not renewed in time" : "the lease could not be renewed in time ("
                                + lastFailure + ")"));
                return;
            }
            if (now - nextRenewal < 0) {
                try {
                    ticker.sleepNanos(Math.min(nextRenewal, safeUntil) - now);
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            try {
                Duration granted = renewal.renew(Duration.ofNanos(Math.min(MAX_CALL_NANOS, safeUntil - now)));
                safeUntil = now + granted.toNanos();
                nextRenewal = now + renewEveryNanos;
                lastFailure = null;
            } catch (StatusRuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                String reason = GrpcErrors.reason(e).orElse("");
                if ("LOCK_LOST".equals(reason)) {
                    onLost.accept(new Loss(lostReason(GrpcErrors.errorInfo(e).map(i -> i.getMetadataMap()
                            .get("lost_reason")).orElse(null)), description(e)));
                    return;
                }
                lastFailure = description(e);
                LOG.warnf("keeping the lock %s alive failed: %s; retrying until its lease may have ended (in %d ms)",
                        lockName, lastFailure, Duration.ofNanos(safeUntil - now).toMillis());
                nextRenewal = now + Math.min(RETRY_NANOS, renewEveryNanos);
            }
        }
    }

    /** @return the reason lock-service gave ({@code EXPIRED}, {@code PREEMPTED}, {@code FORCE_RELEASED}) */
    static RepositoryGuard.LossReason lostReason(String lockServiceReason) {
        if (lockServiceReason == null) {
            return RepositoryGuard.LossReason.EXPIRED;
        }
        return switch (lockServiceReason.startsWith("LOST_REASON_") ? lockServiceReason.substring(12)
                : lockServiceReason) {
            case "PREEMPTED" -> RepositoryGuard.LossReason.PREEMPTED;
            case "FORCE_RELEASED" -> RepositoryGuard.LossReason.FORCE_RELEASED;
            // An unknown or missing reason: lock-service ended the grant, the lease is gone all the same.
            default -> RepositoryGuard.LossReason.EXPIRED;
        };
    }

    static String description(StatusRuntimeException e) {
        return "lock-service: " + e.getStatus().getCode()
                + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription());
    }
}
