package dev.asgard.testsupport;

import java.time.Duration;

/** Polls a condition until it holds, for tests that watch another process change state. */
public final class Await {

    private Await() {
    }

    /** A condition that may throw (HTTP, file or restic reads); a throw ends the wait with that failure. */
    @FunctionalInterface
    public interface Condition {
        /**
         * @return whether it holds
         * @throws Exception when it cannot be evaluated
         */
        boolean met() throws Exception;
    }

    /**
     * @param condition what to wait for
     * @param timeout how long at most
     * @param every how long between two evaluations
     * @throws AssertionError when it does not hold in time, or the wait is interrupted
     * @throws Exception what the condition threw
     */
    public static void until(Condition condition, Duration timeout, Duration every) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.met()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + timeout);
            }
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }
}
