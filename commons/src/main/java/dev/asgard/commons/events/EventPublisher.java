package dev.asgard.commons.events;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.hibernate.reactive.mutiny.Mutiny;

import com.google.protobuf.Message;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * Publishes a domain event by writing it to the transactional outbox, inside the caller's transaction:
 * the event is committed together with the change it describes, or rolled back with it.
 * {@link OutboxRelay} sends committed rows to Kafka afterwards.
 *
 * <pre>{@code
 * @WithTransaction
 * public Uni<Device> register(...) {
 *     return devices.persist(device)
 *             .call(d -> events.publish(Topics.REGISTRY_EVENTS, d.id.toString(),
 *                     "asgard.registry.device.registered", d.id.toString(), DeviceMapper.registered(d)));
 * }
 * }</pre>
 *
 * <p>Per-entity order: rows are relayed in insertion order. If two transactions change the same entity
 * concurrently, the one that inserts its outbox row first may commit second; guard such entities with a
 * {@code @Version} column or a pessimistic lock taken before publishing, so concurrent changes of one
 * entity serialise (see commons/README.md).
 */
@ApplicationScoped
public class EventPublisher {

    static final String NO_TRANSACTION = "EventPublisher.publish must run inside the caller's reactive transaction "
            + "(@WithTransaction or Panache.withTransaction), so the event commits or rolls back with the change "
            + "it describes";

    private final OutboxRepository repository;
    private final OutboxConfig config;
    private final Clock clock;

    /**
     * @param repository the outbox table
     * @param config outbox settings (payload limit)
     * @param clock the application clock, for {@code ce_time}
     */
    public EventPublisher(OutboxRepository repository, OutboxConfig config, Clock clock) {
        this.repository = repository;
        this.config = config;
        this.clock = clock;
    }

    /**
     * Writes one event to the outbox in the current transaction.
     *
     * @param topic Kafka topic, one of {@link Topics}
     * @param key record key: the id of the entity the event is about, so its events stay ordered
     * @param ceType CloudEvents type, e.g. {@code asgard.registry.device.registered}
     * @param ceSubject CloudEvents subject (usually the entity id), may be null
     * @param payload the protobuf event payload
     * @return the event id ({@code ce_id}), once the row is part of the transaction; fails with
     *         {@link IllegalStateException} if no transaction is active and with {@link IllegalArgumentException}
     *         for a missing argument or an oversized payload
     */
    public Uni<UUID> publish(String topic, String key, String ceType, String ceSubject, Message payload) {
        return Uni.createFrom().deferred(() -> {
            requireText(topic, "topic");
            requireText(key, "key");
            requireText(ceType, "ceType");
            Objects.requireNonNull(payload, "payload");
            byte[] bytes = payload.toByteArray();
            if (bytes.length > config.maxPayloadBytes()) {
                throw new IllegalArgumentException("Event payload of " + payload.getDescriptorForType().getFullName()
                        + " is " + bytes.length + " bytes, more than asgard.outbox.max-payload-bytes="
                        + config.maxPayloadBytes() + "; Kafka would refuse it and block the outbox");
            }
            OutboxEvent row = new OutboxEvent(UUID.randomUUID(), topic, key, ceType, ceSubject,
                    // PostgreSQL keeps microseconds; truncating here makes ce_time identical before and after the
                    // round trip through the table.
                    clock.instant().truncatedTo(ChronoUnit.MICROS),
                    bytes, payload.getDescriptorForType().getFullName());
            return currentTransaction()
                    .chain(tx -> {
                        if (tx == null) {
                            return Uni.createFrom().failure(new IllegalStateException(NO_TRANSACTION));
                        }
                        return repository.persist(row).replaceWith(row.getId());
                    });
        });
    }

    private static Uni<Mutiny.Transaction> currentTransaction() {
        try {
            return Panache.currentTransaction();
        } catch (IllegalStateException noSessionOrContext) {
            // Panache throws synchronously when there is no Vert.x context or no session at all.
            return Uni.createFrom().failure(new IllegalStateException(NO_TRANSACTION, noSessionOrContext));
        }
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
