package dev.asgard.backup.service;

import java.time.Duration;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.asgard.proto.backup.v1.Run;
import dev.asgard.proto.backup.v1.RunState;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.smallrye.mutiny.subscription.Cancellable;

/**
 * Live changes of runs in this agent (state changes and throttled progress) for SSE and WatchRun. A watcher also
 * re-reads the run every few seconds, so it follows runs executed by another replica and never misses the end.
 */
@ApplicationScoped
public class RunUpdates {

    private static final Duration POLL = Duration.ofSeconds(2);

    private final BroadcastProcessor<Run> processor = BroadcastProcessor.create();


    /** @param run the run as it is now */
    public void publish(Run run) {
        synchronized (processor) {
            processor.onNext(run);
        }
    }

    /**
     * Every change published in this agent, as it is published (hot: nothing is replayed to a late subscriber).
     * A subscriber is called while the publisher waits, so it must return quickly.
     *
     * @return the stream of changes
     */
    public Multi<Run> changes() {
        return processor;
    }

    /**
     * @param id the run
     * @param read reads the run from the database
     * @return the run now, then after every change, completing after its terminal state
     */
    public Multi<Run> watch(UUID id, Supplier<Uni<Run>> read) {
        return watch(id, null, read);
    }

    /**
     * @param id the run
     * @param initial the run as just read (sent first, so an ended run is answered at once), or null
     * @param read reads the run from the database
     * @return the run now, then after every change, completing after its terminal state
     */
    public Multi<Run> watch(UUID id, Run initial, Supplier<Uni<Run>> read) {
        String key = id.toString();
        return Multi.createFrom().<Run> emitter(em -> {
            Object lock = new Object();
            Cancellable[] subscriptions = new Cancellable[2];
            java.util.function.Consumer<Run> emit = r -> {
                synchronized (lock) {
                    if (em.isCancelled()) {
                        return;
                    }
                    em.emit(r);
                    if (terminal(r.getState())) {
                        em.complete();
                        for (Cancellable c : subscriptions) {
                            if (c != null) {
                                c.cancel();
                            }
                        }
                    }
                }
            };
            if (initial != null) {
                emit.accept(initial);
                if (terminal(initial.getState())) {
                    return;
                }
            }
            subscriptions[0] = processor.filter(r -> r.getRunId().equals(key)).subscribe().with(emit,
                    em::fail);
            subscriptions[1] = Multi.createFrom().ticks().every(POLL)
                    .onItem().transformToUniAndConcatenate(t -> Uni.createFrom().item(() -> readBlocking(read))
                            .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                    .subscribe().with(emit, em::fail);
            em.onTermination(() -> {
                for (Cancellable c : subscriptions) {
                    if (c != null) {
                        c.cancel();
                    }
                }
            });
        });
    }

    // The ticks come on a plain executor thread; Hibernate Reactive needs a Vert.x context, which
    // subscribeAndAwait provides.
    private static Run readBlocking(Supplier<Uni<Run>> read) {
        try {
            return VertxContextSupport.subscribeAndAwait(read);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean terminal(RunState s) {
        return switch (s) {
            case RUN_STATE_SUCCEEDED, RUN_STATE_PARTIAL, RUN_STATE_FAILED, RUN_STATE_CANCELLED,
                    RUN_STATE_INTERRUPTED -> true;
            default -> false;
        };
    }
}
