package dev.asgard.backup.service;

import java.util.function.Supplier;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Runs blocking work (restic) on a worker thread and brings the result back to the caller's Vert.x context, where
 * Hibernate Reactive sessions live. Never block the event loop with restic.
 */
final class Offload {

    private Offload() {
    }

    static <T> Uni<T> blocking(Supplier<T> work) {
        Context context = Vertx.currentContext();
        Uni<T> uni = Uni.createFrom().item(work).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return context == null ? uni : uni.emitOn(task -> context.runOnContext(ignored -> task.run()));
    }
}
