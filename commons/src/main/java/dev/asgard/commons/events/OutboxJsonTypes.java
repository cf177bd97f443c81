package dev.asgard.commons.events;

import com.google.protobuf.util.JsonFormat;

/**
 * The message types a service's SQL may write to the outbox as proto3 JSON ({@link JsonPayloads}). A service that
 * writes such rows produces one bean of this type; without it the relay refuses JSON rows.
 *
 * @param registry the message types, by full name
 */
public record OutboxJsonTypes(JsonFormat.TypeRegistry registry) {
}
