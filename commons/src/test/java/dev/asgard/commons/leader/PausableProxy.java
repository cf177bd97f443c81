package dev.asgard.commons.leader;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

/**
 * A TCP proxy in front of PostgreSQL that can partition one elector from the database: while partitioned it stops
 * reading from both sides, so statements hang without an error, like a network partition (not a refused
 * connection). Nothing is dropped, so {@link #heal()} lets the connections go on.
 */
final class PausableProxy implements AutoCloseable {

    private final Vertx vertx;
    private final NetServer server;
    private final NetClient client;
    private final List<NetSocket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean partitioned;

    PausableProxy(Vertx vertx, String targetHost, int targetPort) throws Exception {
        this.vertx = vertx;
        this.client = vertx.createNetClient();
        this.server = vertx.createNetServer().connectHandler(downstream -> {
            downstream.pause();
            client.connect(targetPort, targetHost).onSuccess(upstream -> {
                pipe(downstream, upstream);
                pipe(upstream, downstream);
                sockets.add(downstream);
                sockets.add(upstream);
                if (!partitioned) {
                    downstream.resume();
                } else {
                    upstream.pause();
                }
            }).onFailure(failure -> downstream.close());
        });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void pipe(NetSocket from, NetSocket to) {
        from.handler(to::write);
        from.closeHandler(ignored -> to.close());
    }

    int port() {
        return server.actualPort();
    }

    void partition() {
        partitioned = true;
        vertx.runOnContext(ignored -> sockets.forEach(NetSocket::pause));
    }

    void heal() {
        partitioned = false;
        vertx.runOnContext(ignored -> sockets.forEach(NetSocket::resume));
    }

    @Override
    public void close() throws Exception {
        sockets.forEach(NetSocket::close);
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client.close();
    }
}
