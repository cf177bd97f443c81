package dev.asgard.commons.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;

/** The mechanics of the group commit, with transactions the test completes by hand. */
class GroupCommitTest {

    /** Transactions started by the batcher, in order, each with its requests; the test completes them. */
    private final List<List<String>> started = new ArrayList<>();
    private final List<CompletableFuture<Object>> running = new ArrayList<>();

    private GroupCommit<String, String> batcher(int maxSize, int maxInFlight) {
        return new GroupCommit<>(maxSize, maxInFlight, request -> start(List.of(request)).map(r -> (String) r),
                requests -> start(requests).map(r -> {
                    @SuppressWarnings("unchecked")
                    List<Object> answers = (List<Object>) r;
                    return answers;
                }));
    }

    private synchronized Uni<Object> start(List<String> requests) {
        CompletableFuture<Object> done = new CompletableFuture<>();
        started.add(requests);
        running.add(done);
        return Uni.createFrom().completionStage(done);
    }

    /** An item's own refusal, as a batch function returns it among the answers. */
    private static final class Refusal extends RuntimeException {
        Refusal(String reason) {
            super(reason);
        }
    }

    private static List<Object> answersFor(List<String> requests) {
        List<Object> answers = new ArrayList<>();
        for (String r : requests) {
            answers.add(r.startsWith("bad") ? new Refusal("TOO_MANY_LOCKS") : "answer-" + r);
        }
        return answers;
    }

    private static CompletableFuture<String> call(GroupCommit<String, String> batcher, String request) {
        return batcher.submit(request).subscribeAsCompletionStage();
    }

    @Test
    void aTakeAloneRunsAtOnceAndTakesArrivingMeanwhileShareTheNextTransaction() throws Exception {
        GroupCommit<String, String> batcher = batcher(64, 1);
        CompletableFuture<String> first = call(batcher, "a");
        assertEquals(List.of(List.of("a")), started, "no transaction in flight: runs at once, alone");
        CompletableFuture<String> b = call(batcher, "b");
        CompletableFuture<String> bad = call(batcher, "bad-c");
        CompletableFuture<String> d = call(batcher, "d");
        assertEquals(1, started.size(), "the others wait for the transaction in flight");

        running.get(0).complete("answer-a");
        assertEquals("answer-a", first.get(1, TimeUnit.SECONDS));
        assertEquals(List.of("b", "bad-c", "d"), started.get(1), "one transaction for all that waited");
        running.get(1).complete(answersFor(started.get(1)));
        assertEquals("answer-b", b.get(1, TimeUnit.SECONDS));
        assertEquals("answer-d", d.get(1, TimeUnit.SECONDS));
        var refused = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                () -> bad.get(1, TimeUnit.SECONDS));
        assertInstanceOf(Refusal.class, refused.getCause(), "the refusal reaches only its own caller");

        call(batcher, "e");
        assertEquals(List.of("e"), started.get(2), "nothing in flight any more: alone again");
    }

    @Test
    void aBatchIsAtMostMaxSizeAndTheRestWaitsForTheNext() throws Exception {
        GroupCommit<String, String> batcher = batcher(2, 1);
        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (String r : List.of("a", "b", "c", "d", "e")) {
            calls.add(call(batcher, r));
        }
        running.get(0).complete("answer-a");
        assertEquals(List.of("b", "c"), started.get(1));
        running.get(1).complete(answersFor(started.get(1)));
        assertEquals(List.of("d", "e"), started.get(2));
        running.get(2).complete(answersFor(started.get(2)));
        for (int i = 0; i < calls.size(); i++) {
            assertEquals("answer-" + "abcde".charAt(i), calls.get(i).get(1, TimeUnit.SECONDS));
        }
        assertEquals(3, started.size());
    }

    @Test
    void twoTransactionsInFlightBeforeTakesWait() {
        GroupCommit<String, String> batcher = batcher(64, 2);
        call(batcher, "a");
        call(batcher, "b");
        call(batcher, "c");
        assertEquals(List.of(List.of("a"), List.of("b")), started);
        running.get(1).complete("answer-b");
        assertEquals(List.of("c"), started.get(2));
    }

    @Test
    void aBatchThatFailsInPostgresqlRunsEachTakeAloneSoTheErrorReachesOnlyItsCause() throws Exception {
        GroupCommit<String, String> batcher = batcher(64, 1);
        CompletableFuture<String> a = call(batcher, "a");
        CompletableFuture<String> b = call(batcher, "b");
        CompletableFuture<String> c = call(batcher, "c");
        running.get(0).complete("answer-a");
        assertEquals("answer-a", a.get(1, TimeUnit.SECONDS));
        running.get(1).completeExceptionally(new PgException("deadlock detected", "ERROR", "40P01", null));
        assertEquals(List.of(List.of("b", "c"), List.of("b"), List.of("c")), started.subList(1, 4));
        running.get(3).completeExceptionally(new PgException("boom", "ERROR", "XX000", null));
        assertTrue(!b.isDone(), "b waits for its own transaction");
        running.get(2).complete("answer-b");
        assertEquals("answer-b", b.get(1, TimeUnit.SECONDS));
        assertTrue(c.isCompletedExceptionally());

        call(batcher, "d");
        assertEquals(List.of("d"), started.get(4), "all transactions ended: the next take runs at once");
    }

    @Test
    void maxSizeOneRunsEveryTakeAlone() {
        GroupCommit<String, String> batcher = batcher(1, 1);
        call(batcher, "a");
        call(batcher, "b");
        assertEquals(List.of(List.of("a"), List.of("b")), started);
    }
}
