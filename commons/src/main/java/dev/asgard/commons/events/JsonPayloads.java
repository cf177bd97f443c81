package dev.asgard.commons.events;

import java.nio.charset.StandardCharsets;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

/**
 * Outbox rows written as proto3 JSON by a service's SQL, sent as protobuf like every other row.
 *
 * <p>A PL/pgSQL function that writes an event in the same statement as the change it describes can build JSON
 * with {@code json_build_object} (one C function call) far more cheaply than protobuf's wire format, which PL/pgSQL
 * can only assemble byte by byte. Such a row names its message type with the suffix {@value #SUFFIX}
 * ({@code asgard.events.v1.LockAcquired+json}); the relay parses it with {@link JsonFormat} against the message's
 * descriptor and sends the protobuf bytes, with the plain type name in {@code dataschema}. Consumers never see
 * the JSON. The service whose SQL writes such rows produces an {@link OutboxJsonTypes} bean naming the types.
 */
public final class JsonPayloads {

    /** The suffix of {@code payload_type} of a row whose payload is proto3 JSON (UTF-8). */
    public static final String SUFFIX = "+json";

    private final JsonFormat.TypeRegistry types;
    private final JsonFormat.Parser parser;

    /**
     * @param types the message types JSON rows may name
     */
    public JsonPayloads(OutboxJsonTypes types) {
        this.types = types.registry();
        this.parser = JsonFormat.parser().usingTypeRegistry(types.registry());
    }

    /**
     * @param payloadType a row's {@code payload_type}
     * @return whether the row's payload is JSON to be turned into protobuf
     */
    public static boolean isJson(String payloadType) {
        return payloadType.endsWith(SUFFIX);
    }

    /**
     * The row as it is sent: unchanged when its payload is protobuf already, else with the JSON parsed into its
     * message and serialized, and the plain type name.
     *
     * @param row an outbox row
     * @return the row with a protobuf payload
     * @throws IllegalStateException when the type is unknown or the JSON does not parse as that message: a defect
     *         in the SQL that wrote it, which the relay reports (the row stays in the outbox)
     */
    public OutboxEvent toProtobuf(OutboxEvent row) {
        if (!isJson(row.getPayloadType())) {
            return row;
        }
        String typeName = row.getPayloadType().substring(0, row.getPayloadType().length() - SUFFIX.length());
        Descriptor descriptor = types.find(typeName);
        if (descriptor == null) {
            throw new IllegalStateException("Outbox row " + row.getId() + " names " + row.getPayloadType()
                    + ", a type this service's OutboxJsonTypes does not list");
        }
        DynamicMessage.Builder message = DynamicMessage.newBuilder(descriptor);
        try {
            parser.merge(new String(row.getPayload(), StandardCharsets.UTF_8), message);
        } catch (InvalidProtocolBufferException e) {
            // The message says where the JSON is wrong, never what it holds.
            throw new IllegalStateException("Outbox row " + row.getId() + " of type " + row.getPayloadType()
                    + " is not valid proto3 JSON of its message", e);
        }
        return new OutboxEvent(row.getId(), row.getTopic(), row.getRecordKey(), row.getCeType(), row.getCeSubject(),
                row.getCeTime(), message.build().toByteArray(), typeName);
    }
}
