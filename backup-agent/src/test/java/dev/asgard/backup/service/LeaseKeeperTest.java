package dev.asgard.backup.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

import org.junit.jupiter.api.Test;

import dev.asgard.commons.error.AsgardException;
import dev.asgard.commons.error.ErrorCategory;
import dev.asgard.commons.error.GrpcErrors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * When a held repository lock counts as lost ({@link LeaseKeeper}), on a simulated clock: lock-service saying so,
 * or renewals failing until the lease may have ended as seen locally (the send time of the last success plus the
 * lease). Renewals that get through in time keep the hold.
 */
class LeaseKeeperTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final long S = 1_000_000_000L;

    /** A clock that moves only when the keeper sleeps or a renewal takes time; stops the keeper at {@code end}. */
    private static final class FakeTicker implements LeaseKeeper.Ticker {
        long now;
        final long end;

        FakeTicker(long start, long end) {
            this.now = start;
            this.end = end;
        }

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
            assertTrue(nanos > 0, "sleeps forward");
            now += nanos;
            if (now >= end) {
                throw new InterruptedException("test over");
            }
        }
    }

    /** Renewal attempts: when sent, with which deadline. */
    private record Attempt(long at, Duration deadline) {
    }

    private final List<Attempt> attempts = new ArrayList<>();
    private final List<LeaseKeeper.Loss> losses = new ArrayList<>();
    private long lostAt = -1;

    private void run(FakeTicker ticker, long leaseFrom, boolean renewAtOnce, LongFunction<Duration> renewal) {
        new LeaseKeeper("backup/repo/r", LEASE, leaseFrom, renewAtOnce, deadline -> {
            attempts.add(new Attempt(ticker.now, deadline));
            return renewal.apply(ticker.now);
        }, ticker, loss -> {
            losses.add(loss);
            lostAt = ticker.now;
        }).run();
    }

    @Test
    void renewalsFailingUntilTheLeaseMayHaveEndedLoseTheHoldExactlyThen() {
        FakeTicker ticker = new FakeTicker(0, 1000 * S);
        // Every call hangs until its deadline, as against an unreachable lock-service.
        run(ticker, 0, false, at -> {
            throw Status.UNAVAILABLE.withDescription("connection refused").asRuntimeException();
        });
        assertEquals(1, losses.size());
        assertEquals(RepositoryGuard.LossReason.CONNECTION_LOST, losses.get(0).reason());
        assertTrue(losses.get(0).detail().contains("UNAVAILABLE connection refused"), losses.get(0).detail());
        // Lost when the lease granted at 0 may have ended (30 s), not a renewal interval later.
        assertEquals(30 * S, lostAt);
        assertEquals(10 * S, attempts.get(0).at(), "first renewal at a third of the lease");
        for (int i = 1; i < attempts.size(); i++) {
            assertEquals(S, attempts.get(i).at() - attempts.get(i - 1).at(), "failed renewals retried every second");
        }
        assertEquals(29 * S, attempts.get(attempts.size() - 1).at());
    }

    @Test
    void aRenewalNeverWaitsBeyondTheLeaseBound() {
        FakeTicker ticker = new FakeTicker(0, 1000 * S);
        // The first call fails at once, the others hang until their deadline (an unresponsive lock-service).
        run(ticker, 0, false, at -> {
            if (attempts.size() > 1) {
                ticker.now += attempts.get(attempts.size() - 1).deadline().toNanos();
            }
            throw Status.DEADLINE_EXCEEDED.asRuntimeException();
        });
        assertEquals(List.of(new Attempt(10 * S, Duration.ofSeconds(5)), new Attempt(11 * S, Duration.ofSeconds(5)),
                new Attempt(16 * S, Duration.ofSeconds(5)), new Attempt(21 * S, Duration.ofSeconds(5)),
                new Attempt(26 * S, Duration.ofSeconds(4))), attempts);
        assertEquals(30 * S, lostAt);
        assertEquals(RepositoryGuard.LossReason.CONNECTION_LOST, losses.get(0).reason());
    }

    @Test
    void aRenewalThatGetsThroughInTimeKeepsTheHoldAndMovesTheBound() {
        FakeTicker ticker = new FakeTicker(0, 100 * S);
        run(ticker, 0, false, at -> {
            if (at >= 10 * S && at < 25 * S) {
                throw Status.UNAVAILABLE.asRuntimeException();
            }
            return LEASE;
        });
        assertTrue(losses.isEmpty(), losses.toString());
        List<Long> times = attempts.stream().map(Attempt::at).toList();
        // Failing 10..24 s, through at 25 s (bound now 55 s), then every 10 s again.
        assertEquals(25 * S, times.get(15));
        assertEquals(List.of(35 * S, 45 * S, 55 * S, 65 * S, 75 * S, 85 * S, 95 * S), times.subList(16, times.size()));
    }

    @Test
    void lockServiceSayingTheLockIsLostEndsTheHoldAtOnceWithItsReason() {
        FakeTicker ticker = new FakeTicker(0, 1000 * S);
        run(ticker, 0, false, at -> {
            throw GrpcErrors.toStatusRuntimeException(AsgardException.failedPrecondition("LOCK_LOST",
                    "Lock 'backup/repo/r' with fencing token 7 was lost: FORCE_RELEASED.")
                    .withMetadata("lost_reason", "FORCE_RELEASED"));
        });
        assertEquals(1, attempts.size());
        assertEquals(10 * S, lostAt);
        assertEquals(RepositoryGuard.LossReason.FORCE_RELEASED, losses.get(0).reason());
        assertTrue(losses.get(0).detail().contains("FAILED_PRECONDITION"), losses.get(0).detail());
    }

    @Test
    void afterWaitingInTheQueueTheFirstRenewalGoesOutAtOnce() {
        // Acquire was sent at -20 s and granted at 0: the bound from the request alone would end at 10 s.
        FakeTicker ticker = new FakeTicker(0, 50 * S);
        run(ticker, -20 * S, true, at -> LEASE);
        assertTrue(losses.isEmpty(), losses.toString());
        assertEquals(List.of(0L, 10 * S, 20 * S, 30 * S, 40 * S), attempts.stream().map(Attempt::at).toList());
    }

    @Test
    void lostReasonsOfLockServiceAreMapped() {
        assertEquals(RepositoryGuard.LossReason.FORCE_RELEASED, LeaseKeeper.lostReason("LOST_REASON_FORCE_RELEASED"));
        assertEquals(RepositoryGuard.LossReason.PREEMPTED, LeaseKeeper.lostReason("PREEMPTED"));
        assertEquals(RepositoryGuard.LossReason.EXPIRED, LeaseKeeper.lostReason("EXPIRED"));
        assertEquals(RepositoryGuard.LossReason.EXPIRED, LeaseKeeper.lostReason(null));
    }

    @Test
    void theHoldsErrorSaysWhichLockWhyAndWhatToDo() {
        AsgardException released = LockServiceGuard.lostError("backup/repo/r", "backup 42", new LeaseKeeper.Loss(
                RepositoryGuard.LossReason.FORCE_RELEASED, "lock-service: released by admin"));
        assertEquals(RepositoryGuard.LOCK_LOST, released.reason());
        assertEquals(ErrorCategory.ABORTED, released.category());
        assertTrue(released.detail().contains("backup/repo/r") && released.detail().contains("FORCE_RELEASED")
                && released.detail().contains("backup 42"), released.detail());
        assertTrue(released.hint().orElseThrow().contains("removed its own repository lock"));
        AsgardException unreachable = LockServiceGuard.lostError("backup/repo/r", "check", new LeaseKeeper.Loss(
                RepositoryGuard.LossReason.CONNECTION_LOST, "lock-service: UNAVAILABLE"));
        assertEquals(ErrorCategory.UNAVAILABLE, unreachable.category());
        assertTrue(unreachable.hint().orElseThrow().contains("asgard.backup.lock-service.lease-ttl"));
        StatusRuntimeException grpc = GrpcErrors.toStatusRuntimeException(unreachable);
        assertEquals(Status.Code.UNAVAILABLE, grpc.getStatus().getCode());
        assertEquals("CONNECTION_LOST", GrpcErrors.errorInfo(grpc).orElseThrow().getMetadataMap().get("lostReason"));
    }
}
