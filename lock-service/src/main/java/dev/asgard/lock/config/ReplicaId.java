package dev.asgard.lock.config;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * This lock-service replica's identity for its lifetime: its waiters, stream grants and watched prefixes carry it,
 * so the other replicas can tell what belongs to a replica that died (a new one after every start).
 */
@ApplicationScoped
public class ReplicaId {

    private final UUID id = UUID.randomUUID();

    /** @return the id */
    public UUID get() {
        return id;
    }

    @Override
    public String toString() {
        return id.toString();
    }
}
