package dev.asgard.commons.auth;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Feeds {@link DeviceRevocations} from {@code asgard.registry.events} on every replica of every service.
 *
 * <p>Each replica must see every revocation, so the channel uses a consumer group of its own per start
 * ({@code asgard-device-auth-${quarkus.uuid}}), commits nothing, and {@link RevocationWindowSeeker} starts it at
 * now minus the token acceptance window: a restarted replica relearns exactly the revocations that can still refuse
 * a live token, without replaying the topic's history. The channel configuration ships in commons'
 * {@code microprofile-config.properties}.
 */
@ApplicationScoped
public class DeviceRevocationsConsumer {

    /** The incoming channel. */
    public static final String CHANNEL = "asgard-device-revocations-in";

    private final RevocationEvents events;

    /** @param revocations the revocations of this replica */
    public DeviceRevocationsConsumer(DeviceRevocations revocations) {
        this.events = new RevocationEvents(revocations);
    }

    /**
     * Applies one registry event; never throws, so a bad record cannot fail the stream.
     *
     * @param record the Kafka record
     */
    @Incoming(CHANNEL)
    public void onRecord(ConsumerRecord<String, byte[]> record) {
        events.apply(record.headers(), record.value());
    }
}
