package dev.asgard.commons.events;

/**
 * Kafka header names of the CloudEvents 1.0 Kafka protocol binding, binary content mode: the event's
 * attributes travel as {@code ce_}-prefixed headers and the record value is the protobuf payload itself.
 */
public final class CloudEventHeaders {

    /** CloudEvents spec version; always {@value #SPEC_VERSION_1_0}. */
    public static final String SPEC_VERSION = "ce_specversion";
    /** Unique event id (a UUID, the outbox row id); consumers deduplicate on it. */
    public static final String ID = "ce_id";
    /** Event type, e.g. {@code asgard.registry.device.registered}. */
    public static final String TYPE = "ce_type";
    /** Producer of the event: the service's {@code quarkus.application.name} unless configured. */
    public static final String SOURCE = "ce_source";
    /** When the change happened, RFC 3339 in UTC. */
    public static final String TIME = "ce_time";
    /** The entity the event is about (usually the same id as the record key). */
    public static final String SUBJECT = "ce_subject";
    /** URI naming the payload's protobuf message type, {@value #DATA_SCHEMA_PREFIX} + full name. */
    public static final String DATA_SCHEMA = "ce_dataschema";
    /** Media type of the record value; the binary binding maps {@code datacontenttype} to this header. */
    public static final String CONTENT_TYPE = "content-type";

    /** The only spec version Asgard writes. */
    public static final String SPEC_VERSION_1_0 = "1.0";
    /** The content type of every Asgard event payload. */
    public static final String PROTOBUF_CONTENT_TYPE = "application/protobuf";
    /**
     * Prefix that turns a protobuf full name ({@code asgard.events.v1.DeviceRegistered}) into the absolute
     * URI CloudEvents requires for {@code dataschema}.
     */
    public static final String DATA_SCHEMA_PREFIX = "https://asgard.dev/schemas/";

    private CloudEventHeaders() {
    }
}
