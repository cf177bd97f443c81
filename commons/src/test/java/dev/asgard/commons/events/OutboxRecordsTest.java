package dev.asgard.commons.events;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import com.google.rpc.ErrorInfo;

import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

class OutboxRecordsTest {

    private static final UUID ID = UUID.fromString("0b6f7c1e-8a2d-4c5e-9f10-112233445566");
    // Any protobuf message serves as payload here; protocols' event messages are not a dependency of commons.
    private static final ErrorInfo PAYLOAD = ErrorInfo.newBuilder().setReason("DEVICE_REGISTERED").build();

    private static OutboxEvent row(String subject) {
        return new OutboxEvent(ID, Topics.REGISTRY_EVENTS, "device-7", "asgard.registry.device.registered", subject,
                Instant.parse("2025-03-01T10:15:30.123456Z"), PAYLOAD.toByteArray(), "google.rpc.ErrorInfo");
    }

    private static Map<String, String> asMap(Iterable<Header> headers) {
        Map<String, String> map = new LinkedHashMap<>();
        headers.forEach(h -> map.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
        return map;
    }

    @Test
    void rowBecomesARecordWithTopicKeyAndCloudEventHeaders() {
        OutgoingKafkaRecordMetadata<String> metadata = OutboxRecords.metadata(row("device-7"), "registry-service");

        assertEquals("asgard.registry.events", metadata.getTopic());
        assertEquals("device-7", metadata.getKey());
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("ce_specversion", "1.0");
        expected.put("ce_id", ID.toString());
        expected.put("ce_type", "asgard.registry.device.registered");
        expected.put("ce_source", "registry-service");
        expected.put("ce_time", "2025-03-01T10:15:30.123456Z");
        expected.put("ce_subject", "device-7");
        expected.put("content-type", "application/protobuf");
        expected.put("ce_dataschema", "https://asgard.dev/schemas/google.rpc.ErrorInfo");
        assertEquals(expected, asMap(metadata.getHeaders()));
    }

    @Test
    void absentSubjectSendsNoSubjectHeader() {
        Map<String, String> headers = asMap(OutboxRecords.metadata(row(null), "registry-service").getHeaders());

        assertEquals(null, headers.get("ce_subject"));
        assertEquals(7, headers.size());
    }

    @Test
    void messagePayloadIsTheProtobufBytes() throws Exception {
        Message<byte[]> message = OutboxRecords.message(row("device-7"), "registry-service");

        assertArrayEquals(PAYLOAD.toByteArray(), message.getPayload());
        assertEquals(PAYLOAD, ErrorInfo.parseFrom(message.getPayload()));
        assertEquals(Optional.of("device-7"),
                message.getMetadata(OutgoingKafkaRecordMetadata.class).map(OutgoingKafkaRecordMetadata::getKey));
    }

    @Test
    void consumersReadBackWhatTheRelayWrote() {
        RecordHeaders headers = new RecordHeaders();
        OutboxRecords.headers(row("device-7"), "registry-service").forEach(headers::add);
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(Topics.REGISTRY_EVENTS, 0, 12L, 0L,
                TimestampType.CREATE_TIME, 0, 0, "device-7", PAYLOAD.toByteArray(), headers, Optional.empty());

        ReceivedEvent event = EventHeaders.read(record);

        assertEquals(ID, event.uuid());
        assertEquals("asgard.registry.device.registered", event.type());
        assertEquals("registry-service", event.source());
        assertEquals("1.0", event.specVersion());
        assertEquals(Instant.parse("2025-03-01T10:15:30.123456Z"), event.time());
        assertEquals("device-7", event.subject());
        assertEquals("application/protobuf", event.contentType());
        assertEquals(Optional.of("google.rpc.ErrorInfo"), event.payloadType());
        assertEquals(event, EventHeaders.read(new IncomingKafkaRecordMetadata<>(record, "registry-events")));
    }

    @Test
    void recordWithoutCloudEventHeadersIsRefused() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("ce_type", "x".getBytes(StandardCharsets.UTF_8));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EventHeaders.read(headers));
        assertEquals("Kafka record has no ce_id header; not a CloudEvent", e.getMessage());
    }

    @Test
    void malformedTimeIsRefusedAndAbsentTimeIsNull() {
        RecordHeaders headers = new RecordHeaders();
        OutboxRecords.headers(row(null), "s").stream().filter(h -> !h.key().equals("ce_time")).forEach(headers::add);
        assertNull(EventHeaders.read(headers).time());

        headers.add("ce_time", "yesterday".getBytes(StandardCharsets.UTF_8));
        assertThrows(IllegalArgumentException.class, () -> EventHeaders.read(headers));
    }
}
