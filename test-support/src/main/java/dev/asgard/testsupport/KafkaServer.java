package dev.asgard.testsupport;

/**
 * The Kafka broker of this test JVM (single node, KRaft, PLAINTEXT on 127.0.0.1, topics created on first use).
 *
 * @param bootstrapServers {@code 127.0.0.1:<port>}, for {@code bootstrap.servers}
 */
public record KafkaServer(String bootstrapServers) {
}
