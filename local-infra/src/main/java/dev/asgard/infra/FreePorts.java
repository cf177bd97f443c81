package dev.asgard.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Picks ports that are free on 127.0.0.1 right now. Another process may still take one before the server binds it;
 * the servers retry with new ports when that happens.
 */
final class FreePorts {

    private FreePorts() {
    }

    /** Returns {@code count} distinct free ports (held open together while picking, so they cannot repeat). */
    static int[] pick(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(EmbeddedPostgres.HOST));
                sockets.add(socket);
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("No free port on the loopback interface", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing a listening socket that accepted nothing cannot fail in a way that matters here.
                }
            }
        }
    }
}
