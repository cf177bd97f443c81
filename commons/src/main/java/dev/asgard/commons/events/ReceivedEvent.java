package dev.asgard.commons.events;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The CloudEvents attributes of a received Kafka record, read by {@link EventHeaders}.
 *
 * @param id {@code ce_id}: the event id, the key for deduplication
 * @param type {@code ce_type}, e.g. {@code asgard.registry.device.registered}
 * @param source {@code ce_source}: the producing service
 * @param specVersion {@code ce_specversion}
 * @param time {@code ce_time}, null if the producer sent none
 * @param subject {@code ce_subject}, null if the producer sent none
 * @param contentType {@code content-type}, null if absent
 * @param dataSchema {@code ce_dataschema}, null if absent
 */
public record ReceivedEvent(
        String id,
        String type,
        String source,
        String specVersion,
        Instant time,
        String subject,
        String contentType,
        String dataSchema) {

    /**
     * The protobuf full name of the payload, when the schema is one Asgard writes.
     *
     * @return e.g. {@code asgard.events.v1.DeviceRegistered}
     */
    public Optional<String> payloadType() {
        if (dataSchema != null && dataSchema.startsWith(CloudEventHeaders.DATA_SCHEMA_PREFIX)) {
            return Optional.of(dataSchema.substring(CloudEventHeaders.DATA_SCHEMA_PREFIX.length()));
        }
        return Optional.empty();
    }

    /**
     * The id as a UUID (Asgard always writes UUIDs).
     *
     * @return the id
     * @throws IllegalArgumentException if the id is not a UUID
     */
    public UUID uuid() {
        return UUID.fromString(id);
    }
}
