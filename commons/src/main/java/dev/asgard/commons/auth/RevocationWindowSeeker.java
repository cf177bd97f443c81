package dev.asgard.commons.auth;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;

/**
 * Positions the revocation consumer at the first record written within the token acceptance window (max token
 * lifetime plus skew) on each assigned partition: older revocations can no longer refuse a live token, newer ones
 * all must be known. A partition with nothing that recent starts at its end. Runs on the Kafka polling thread, where
 * the blocking {@code offsetsForTimes} is allowed.
 */
@ApplicationScoped
@Identifier(RevocationWindowSeeker.NAME)
public class RevocationWindowSeeker implements KafkaConsumerRebalanceListener {

    /** The name the channel's {@code consumer-rebalance-listener.name} refers to. */
    public static final String NAME = "asgard-device-revocations";

    private final Clock clock;
    private final Duration window;

    /**
     * @param config the settings, for the window
     * @param clock the application clock
     */
    public RevocationWindowSeeker(DeviceAuthConfig config, Clock clock) {
        this.clock = clock;
        this.window = DeviceAuthProducer.rules(config).acceptanceWindow();
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        long from = clock.instant().minus(window).toEpochMilli();
        Map<TopicPartition, Long> query = new HashMap<>();
        partitions.forEach(partition -> query.put(partition, from));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query);
        List<TopicPartition> toEnd = new ArrayList<>();
        for (TopicPartition partition : partitions) {
            OffsetAndTimestamp offset = found.get(partition);
            if (offset == null) {
                toEnd.add(partition);
            } else {
                consumer.seek(partition, offset.offset());
            }
        }
        if (!toEnd.isEmpty()) {
            consumer.seekToEnd(toEnd);
        }
    }
}
