package dev.asgard.commons.events;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import com.google.protobuf.Message;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;

/**
 * {@link EventPublisher} for services that run their transactions on the reactive SQL client directly rather than
 * through Hibernate Reactive (lock-service: every grant is a handful of statements under a row lock, where
 * plain SQL is both clearer and faster). It writes the same outbox row, through the caller's transaction
 * connection, so the event commits or rolls back with the change; {@link OutboxRelay} relays it like any other.
 */
@ApplicationScoped
public class SqlEventPublisher {

    private final OutboxConfig config;
    private final Clock clock;
    private final String insert;

    /**
     * @param config outbox settings (payload limit)
     * @param clock the application clock, for {@code ce_time}
     * @param defaultSchema the service's schema, which holds its outbox table
     */
    public SqlEventPublisher(OutboxConfig config, Clock clock,
            @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema") Optional<String> defaultSchema) {
        this.config = config;
        this.clock = clock;
        String table = defaultSchema.filter(s -> !s.isBlank()).map(s -> "\"" + s.replace("\"", "\"\"") + "\".outbox")
                .orElse("outbox");
        this.insert = "INSERT INTO " + table + " (id, topic, record_key, ce_type, ce_subject, ce_time, payload, payload_type)"
                + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    }

    /**
     * Writes one event to the outbox through the caller's transaction.
     *
     * @param transaction the connection of the open transaction (from {@code Pool.withTransaction}; a Mutiny
     *        connection passes {@code getDelegate()})
     * @param topic Kafka topic, one of {@link Topics}
     * @param key record key: the id of the entity the event is about
     * @param ceType CloudEvents type
     * @param ceSubject CloudEvents subject, may be null
     * @param payload the protobuf event payload
     * @return the event id
     */
    public Uni<UUID> publish(SqlClient transaction, String topic, String key, String ceType, String ceSubject,
            Message payload) {
        return Uni.createFrom().deferred(() -> {
            Objects.requireNonNull(transaction, "transaction");
            if (topic == null || topic.isBlank() || key == null || key.isBlank() || ceType == null || ceType.isBlank()) {
                throw new IllegalArgumentException("topic, key and ceType must not be blank");
            }
            byte[] bytes = payload.toByteArray();
            if (bytes.length > config.maxPayloadBytes()) {
                throw new IllegalArgumentException("Event payload of " + payload.getDescriptorForType().getFullName()
                        + " is " + bytes.length + " bytes, more than asgard.outbox.max-payload-bytes="
                        + config.maxPayloadBytes());
            }
            UUID id = UUID.randomUUID();
            Tuple row = Tuple.tuple()
                    .addUUID(id).addString(topic).addString(key).addString(ceType).addString(ceSubject)
                    .addOffsetDateTime(clock.instant().truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC))
                    .addBuffer(Buffer.buffer(bytes))
                    .addString(payload.getDescriptorForType().getFullName());
            return Uni.createFrom().completionStage(() -> transaction.preparedQuery(insert).execute(row).toCompletionStage())
                    .replaceWith(id);
        });
    }
}
