package dev.asgard.commons.db;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;

/**
 * Group commit of one kind of small write (a lock-service replica's takes, its releases; a registry replica's
 * heartbeats): while {@code maxInFlight} transactions of the kind are running, further requests wait here, and the
 * next transaction runs all that waited (up to {@code maxSize}), so one statement, one commit and one WAL flush cover
 * many changes. A request that finds fewer transactions in flight runs at once, alone: a single client never waits
 * for a batch.
 *
 * <p>Each caller gets its own answer (or its own refusal) on its own Vert.x context, as if it had run alone. When a
 * batch fails as a whole with an error from PostgreSQL (its transaction changed nothing), every item is run again on
 * its own, so an error reaches only the request that causes it.
 *
 * @param <I> a request
 * @param <R> its answer
 */
public final class GroupCommit<I, R> {

    private record Pending<I, R>(I request, Context context, CompletableFuture<R> answer) {
    }

    private final int maxSize;
    private final int maxInFlight;
    private final Function<I, Uni<R>> one;
    private final Function<List<I>, Uni<List<Object>>> many;
    private final ArrayDeque<Pending<I, R>> waiting = new ArrayDeque<>();
    private int inFlight;

    /**
     * @param maxSize most requests in one transaction (1: no batching)
     * @param maxInFlight transactions in flight before requests wait for a batch
     * @param one runs a request alone
     * @param many runs several requests in one transaction: for each, in order, its answer or the Throwable that is
     *        its refusal
     */
    public GroupCommit(int maxSize, int maxInFlight, Function<I, Uni<R>> one, Function<List<I>, Uni<List<Object>>> many) {
        this.maxSize = maxSize;
        this.maxInFlight = Math.max(1, maxInFlight);
        this.one = one;
        this.many = many;
    }

    public Uni<R> submit(I request) {
        if (maxSize <= 1) {
            return one.apply(request);
        }
        return Uni.createFrom().deferred(() -> {
            Pending<I, R> pending = null;
            synchronized (this) {
                if (inFlight < maxInFlight) {
                    inFlight++;
                } else {
                    pending = new Pending<>(request, Vertx.currentContext(), new CompletableFuture<>());
                    waiting.add(pending);
                }
            }
            if (pending == null) {
                // Alone, exactly as without batching; when it ends, the takes that waited meanwhile go together.
                return Uni.createFrom().deferred(() -> one.apply(request)).onTermination().invoke(this::next);
            }
            return Uni.createFrom().completionStage(pending.answer());
        });
    }

    private void run(List<Pending<I, R>> batch) {
        if (batch.size() == 1) {
            Pending<I, R> p = batch.get(0);
            Uni.createFrom().deferred(() -> one.apply(p.request())).subscribe().with(r -> {
                try {
                    answer(p, r);
                } finally {
                    next();
                }
            }, f -> {
                try {
                    answer(p, f);
                } finally {
                    next();
                }
            });
            return;
        }
        List<I> requests = batch.stream().map(Pending::request).toList();
        Uni.createFrom().deferred(() -> many.apply(requests)).subscribe().with(answers -> {
            try {
                for (int i = 0; i < batch.size(); i++) {
                    answer(batch.get(i), answers.get(i));
                }
            } finally {
                next();
            }
        }, failure -> {
            if (failure instanceof PgException) {
                // The transaction was rolled back (a deadlock, a serialization failure, a bug of one item): nothing
                // changed. Each request again on its own, so the error reaches only its own caller.
                alone(batch);
            } else {
                // The outcome is unknown (connection lost): as for a single call, the callers see the failure.
                try {
                    batch.forEach(p -> answer(p, failure));
                } finally {
                    next();
                }
            }
        });
    }

    private void alone(List<Pending<I, R>> batch) {
        AtomicInteger left = new AtomicInteger(batch.size());
        for (Pending<I, R> p : batch) {
            Uni.createFrom().deferred(() -> one.apply(p.request())).subscribe().with(r -> {
                try {
                    answer(p, r);
                } finally {
                    if (left.decrementAndGet() == 0) {
                        next();
                    }
                }
            }, f -> {
                try {
                    answer(p, f);
                } finally {
                    if (left.decrementAndGet() == 0) {
                        next();
                    }
                }
            });
        }
    }

    /** A transaction ended: the next batch takes everything that waited, or one fewer is in flight. */
    private void next() {
        List<Pending<I, R>> batch = new ArrayList<>();
        synchronized (this) {
            while (!waiting.isEmpty() && batch.size() < maxSize) {
                batch.add(waiting.poll());
            }
            if (batch.isEmpty()) {
                inFlight--;
                return;
            }
        }
        run(batch);
    }

    @SuppressWarnings("unchecked")
    private void answer(Pending<I, R> p, Object answer) {
        Runnable complete = answer instanceof Throwable failure ? () -> p.answer().completeExceptionally(failure)
                : () -> p.answer().complete((R) answer);
        if (p.context() == null || p.context() == Vertx.currentContext()) {
            complete.run();
        } else {
            p.context().runOnContext(v -> complete.run());
        }
    }
}
