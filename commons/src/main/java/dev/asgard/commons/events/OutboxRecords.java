package dev.asgard.commons.events;

import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.common.header.internals.RecordHeader;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Turns an outbox row into the Kafka record that carries it: topic and key from the row, payload bytes as
 * value, and the CloudEvents attributes as headers (binary content mode, {@link CloudEventHeaders}). Pure
 * functions, so the mapping is unit-tested without a broker.
 */
public final class OutboxRecords {

    private OutboxRecords() {
    }

    /**
     * The CloudEvents headers of a row.
     *
     * @param row the outbox row
     * @param source the {@code ce_source} of this service
     * @return the headers, in a stable order
     */
    public static List<RecordHeader> headers(OutboxEvent row, String source) {
        List<RecordHeader> headers = new ArrayList<>(9);
        headers.add(header(CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_1_0));
        headers.add(header(CloudEventHeaders.ID, row.getId().toString()));
        headers.add(header(CloudEventHeaders.TYPE, row.getCeType()));
        headers.add(header(CloudEventHeaders.SOURCE, source));
        headers.add(header(CloudEventHeaders.TIME, DateTimeFormatter.ISO_INSTANT.format(row.getCeTime())));
        if (row.getCeSubject() != null && !row.getCeSubject().isEmpty()) {
            headers.add(header(CloudEventHeaders.SUBJECT, row.getCeSubject()));
        }
        headers.add(header(CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.PROTOBUF_CONTENT_TYPE));
        headers.add(header(CloudEventHeaders.DATA_SCHEMA, CloudEventHeaders.DATA_SCHEMA_PREFIX + row.getPayloadType()));
        return headers;
    }

    /**
     * The outgoing Kafka metadata of a row: topic, key and headers.
     *
     * @param row the outbox row
     * @param source the {@code ce_source} of this service
     * @return metadata for the Kafka connector
     */
    public static OutgoingKafkaRecordMetadata<String> metadata(OutboxEvent row, String source) {
        return OutgoingKafkaRecordMetadata.<String> builder()
                .withTopic(row.getTopic())
                .withKey(row.getRecordKey())
                .withHeaders(headers(row, source))
                .build();
    }

    /**
     * The message to send for a row.
     *
     * @param row the outbox row
     * @param source the {@code ce_source} of this service
     * @return a message whose payload is the row's protobuf bytes
     */
    public static Message<byte[]> message(OutboxEvent row, String source) {
        return Message.of(row.getPayload(), Metadata.of(metadata(row, source)));
    }

    private static RecordHeader header(String name, String value) {
        return new RecordHeader(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
