package dev.asgard.commons.events;

/**
 * Names of the SmallRye Reactive Messaging channels that commons uses; each service configures them in
 * its {@code application.properties} (see commons/README.md).
 */
public final class EventChannels {

    /**
     * The outgoing channel through which {@link OutboxRelay} sends every outbox row to Kafka. One channel
     * serves all topics: the topic is set per record, from the row.
     */
    public static final String OUTBOX = "asgard-events-out";

    private EventChannels() {
    }
}
