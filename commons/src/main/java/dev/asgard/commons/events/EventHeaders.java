package dev.asgard.commons.events;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Reads the CloudEvents attributes of a received Kafka record, for consumers (SmallRye
 * {@code @Incoming} methods) and for tests that read topics with a plain Kafka consumer.
 *
 * <pre>{@code
 * @Incoming("registry-events")
 * public Uni<Void> onEvent(Message<byte[]> message) {
 *     ReceivedEvent event = EventHeaders.read(message.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow());
 *     ...
 * }
 * }</pre>
 */
public final class EventHeaders {

    private EventHeaders() {
    }

    /**
     * Reads the attributes of a record received through a SmallRye Kafka channel.
     *
     * @param metadata the incoming record's metadata
     * @return the attributes
     * @throws IllegalArgumentException if a required attribute is missing or malformed
     */
    public static ReceivedEvent read(IncomingKafkaRecordMetadata<?, ?> metadata) {
        return read(metadata.getHeaders());
    }

    /**
     * Reads the attributes of a record received by a plain Kafka consumer.
     *
     * @param record the record
     * @return the attributes
     * @throws IllegalArgumentException if a required attribute is missing or malformed
     */
    public static ReceivedEvent read(ConsumerRecord<?, ?> record) {
        return read(record.headers());
    }

    /**
     * Reads the attributes from record headers.
     *
     * @param headers the record headers
     * @return the attributes
     * @throws IllegalArgumentException if {@code ce_id}, {@code ce_type}, {@code ce_source} or
     *         {@code ce_specversion} is missing, or {@code ce_time} is not RFC 3339
     */
    public static ReceivedEvent read(Headers headers) {
        String time = optional(headers, CloudEventHeaders.TIME);
        Instant parsedTime;
        try {
            parsedTime = time == null ? null : DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(time, Instant::from);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("Header " + CloudEventHeaders.TIME + " is not an RFC 3339 timestamp: " + time, e);
        }
        return new ReceivedEvent(
                required(headers, CloudEventHeaders.ID),
                required(headers, CloudEventHeaders.TYPE),
                required(headers, CloudEventHeaders.SOURCE),
                required(headers, CloudEventHeaders.SPEC_VERSION),
                parsedTime,
                optional(headers, CloudEventHeaders.SUBJECT),
                optional(headers, CloudEventHeaders.CONTENT_TYPE),
                optional(headers, CloudEventHeaders.DATA_SCHEMA));
    }

    private static String required(Headers headers, String name) {
        String value = optional(headers, name);
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("Kafka record has no " + name + " header; not a CloudEvent");
        }
        return value;
    }

    private static String optional(Headers headers, String name) {
        Header header = headers == null ? null : headers.lastHeader(name);
        if (header == null || header.value() == null) {
            return null;
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }
}
