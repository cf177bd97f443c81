package dev.asgard.infra;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Asks a Kafka listener for its cluster id with one Metadata request (version 4, no topics) over a plain socket, so
 * local-infra needs no Kafka client at run time. A KRaft broker starts processing requests on its listener only at
 * the end of its start-up, after the controller has unfenced it, and lists only unfenced brokers: an answer with at
 * least one broker and the expected cluster id means this broker (not another one on the same port) is ready for
 * producers and consumers.
 */
final class KafkaProbe {

    private static final short METADATA = 3;
    private static final short METADATA_VERSION = 4;
    private static final String CLIENT_ID = "asgard-local-infra";

    private KafkaProbe() {
    }

    /** @return the cluster id when the listener answered and lists at least one live broker, else null */
    static String readyClusterId(String host, int port, Duration timeout) {
        int millis = (int) timeout.toMillis();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), millis);
            socket.setSoTimeout(millis);
            int correlationId = (int) (System.nanoTime() & 0x7fffffff);
            byte[] clientId = CLIENT_ID.getBytes(StandardCharsets.UTF_8);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            // Request header v1: api key, api version, correlation id, client id.
            // Metadata v4 body: topics = empty array (none, unlike null = all), allow_auto_topic_creation = false.
            out.writeInt(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
            out.writeShort(METADATA);
            out.writeShort(METADATA_VERSION);
            out.writeInt(correlationId);
            out.writeShort(clientId.length);
            out.write(clientId);
            out.writeInt(0);
            out.writeBoolean(false);
            out.flush();

            DataInputStream in = new DataInputStream(socket.getInputStream());
            in.readInt(); // size
            if (in.readInt() != correlationId) {
                return null;
            }
            in.readInt(); // throttle_time_ms
            int brokers = in.readInt();
            for (int i = 0; i < brokers; i++) {
                in.readInt(); // node_id
                readString(in); // host
                in.readInt(); // port
                readString(in); // rack (nullable)
            }
            String clusterId = readString(in);
            return brokers > 0 ? clusterId : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String readString(DataInputStream in) throws IOException {
        short length = in.readShort();
        if (length < 0) {
            return null;
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
