package dev.asgard.commons.events;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;

/**
 * The {@code outbox} table for {@link EventPublisher}, which writes through the caller's Hibernate Reactive
 * transaction. ({@link OutboxRelay} reads and deletes with plain SQL.)
 */
@ApplicationScoped
public class OutboxRepository implements PanacheRepositoryBase<OutboxEvent, UUID> {
}
