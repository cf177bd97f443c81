package dev.asgard.commons.auth;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.grpc.ServerCall;

/**
 * A call listener that holds the call's events until the real listener exists, then replays them in order: what
 * {@link DeviceAuthInterceptor} returns while a token waits for a key fetch. The real listener is never invoked
 * under the lock, and events arriving while the backlog is replayed queue behind it, so order and the gRPC rule
 * that listener methods never run concurrently both hold.
 */
final class PendingListener<ReqT> extends ServerCall.Listener<ReqT> {

    private final List<Consumer<ServerCall.Listener<ReqT>>> pending = new ArrayList<>();
    private ServerCall.Listener<ReqT> delegate;

    /** Replays the held events to {@code listener} and passes every later one straight through. */
    void start(ServerCall.Listener<ReqT> listener) {
        while (true) {
            List<Consumer<ServerCall.Listener<ReqT>>> batch;
            synchronized (this) {
                if (pending.isEmpty()) {
                    delegate = listener;
                    return;
                }
                batch = new ArrayList<>(pending);
                pending.clear();
            }
            batch.forEach(event -> event.accept(listener));
        }
    }

    private void dispatch(Consumer<ServerCall.Listener<ReqT>> event) {
        ServerCall.Listener<ReqT> target;
        synchronized (this) {
            target = delegate;
            if (target == null) {
                pending.add(event);
                return;
            }
        }
        event.accept(target);
    }

    @Override
    public void onMessage(ReqT message) {
        dispatch(l -> l.onMessage(message));
    }

    @Override
    public void onHalfClose() {
        dispatch(ServerCall.Listener::onHalfClose);
    }

    @Override
    public void onCancel() {
        dispatch(ServerCall.Listener::onCancel);
    }

    @Override
    public void onComplete() {
        dispatch(ServerCall.Listener::onComplete);
    }

    @Override
    public void onReady() {
        dispatch(ServerCall.Listener::onReady);
    }
}
